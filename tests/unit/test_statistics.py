"""Pure parts of the statistics: roll-ups, the report sentence, merging report figures
with the system's, the JSON serialisation, the demo's tie settling and history rows."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from contest.demo.history import PROVINCE_ENTRIES, tech_rows, youth_rows
from contest.demo.pipeline import _Scores, _Sheet, separate_ties
from contest.results.statistics import (
    REPORT,
    SYSTEM,
    YearRow,
    count_vn,
    merge_year,
    rank_counts,
    reached_by_level,
    report_sentence,
    to_json,
)

CODES = ["nhat", "nhi", "ba", "khuyen_khich"]
RANKS = [{"code": "nhat", "label": "Giải Nhất"}, {"code": "nhi", "label": "Giải Nhì"},
         {"code": "ba", "label": "Giải Ba"}, {"code": "khuyen_khich", "label": "Giải Khuyến khích"}]
LEVELS = [{"code": "truong", "name": "Cấp cơ sở (trường)", "position": 1},
          {"code": "huyen", "name": "Cấp huyện", "position": 2},
          {"code": "tinh", "name": "Cấp tỉnh", "position": 3},
          {"code": "toan_quoc", "name": "Đề cử dự thi toàn quốc", "position": 4}]


def test_reached_counts_every_entry_at_or_above_a_level():
    # 992 stopped at school, 449 at district, 99 at province, 12 went national.
    positions = {1: 992, 2: 449, 3: 99, 4: 12, None: 3}
    levels = [("truong", 1), ("huyen", 2), ("tinh", 3), ("toan_quoc", 4)]
    assert reached_by_level(levels, positions) == {"truong": 1552, "huyen": 560, "tinh": 111, "toan_quoc": 12}
    assert reached_by_level(levels, {}) == {"truong": 0, "huyen": 0, "tinh": 0, "toan_quoc": 0}


def test_rank_counts_lists_every_rank_and_keeps_unknown_codes():
    assert rank_counts(CODES, [("nhi", 3), (None, 5), ("nhi", 1)]) == {"nhat": 0, "nhi": 4, "ba": 0, "khuyen_khich": 0}
    assert rank_counts(["A"], [("dac_biet", 1)]) == {"A": 0, "dac_biet": 1}


@pytest.mark.parametrize("n, text", [(0, "00"), (2, "02"), (12, "12"), (1552, "1.552"), (114000000, "114.000.000")])
def test_counts_are_written_as_in_the_reports(n, text):
    assert count_vn(n) == text


def _youth(**over):
    data = {
        "contest_kind": "youth_creativity",
        "levels": LEVELS,
        "ranks": RANKS,
        "entries_by_level": {"truong": 1552, "huyen": 560, "tinh": 111, "toan_quoc": 12},
        "national_nominations": 12,
        "national_results": {"nhat": 0, "nhi": 1, "ba": 0, "khuyen_khich": 1},
        "prizes_by_rank": {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18},
        "prize_money_total_vnd": 114_000_000,
        "result": {"decision_number": "1234/QĐ-LHH", "decision_date": "2023-10-20"},
    }
    data.update(over)
    return data


def test_report_sentence_reads_like_the_2023_report():
    assert report_sentence(_youth()) == (
        "Kết quả toàn tỉnh có 1.552 mô hình tham gia Cuộc thi cấp cơ sở (trường); 560 mô hình tham gia "
        "Cuộc thi cấp huyện; 111 mô hình tham gia Cuộc thi cấp tỉnh, giới thiệu 12 mô hình tham gia Cuộc thi "
        "toàn quốc, trong đó có 01 mô hình đạt giải Nhì, 01 mô hình đạt giải Khuyến khích. Đã trao 30 giải gồm: "
        "02 giải Nhất, 04 giải Nhì, 06 giải Ba và 18 giải Khuyến khích, tổng trị giá tiền thưởng 114.000.000 đồng "
        "(Quyết định số 1234/QĐ-LHH ngày 20/10/2023)."
    )


def test_report_sentence_leaves_out_what_is_not_there():
    # No published result: no prizes; no national level entries: no nomination clause.
    text = report_sentence(_youth(result=None, national_nominations=0,
                                  entries_by_level={"truong": 40, "huyen": 0, "tinh": 0, "toan_quoc": 0}))
    assert text == "Kết quả toàn tỉnh có 40 mô hình tham gia Cuộc thi cấp cơ sở (trường)."
    tech = report_sentence({
        "contest_kind": "technical_innovation", "ranks": RANKS,
        "levels": [{"code": "tinh", "name": "Vòng chung khảo cấp tỉnh", "position": 1}],
        "entries_by_level": {"tinh": 154}, "national_nominations": 0,
        "prizes_by_rank": {"nhat": 4, "nhi": 6, "ba": 16, "khuyen_khich": 20}, "prize_money_total_vnd": 0,
        "result": {"decision_number": None},
    })
    assert tech == ("Kết quả toàn tỉnh có 154 giải pháp tham gia vòng chung khảo cấp tỉnh. Đã trao 46 giải "
                    "gồm: 04 giải Nhất, 06 giải Nhì, 16 giải Ba và 20 giải Khuyến khích.")
    assert report_sentence({}) == ""


def test_system_figures_win_and_report_figures_fill_the_gaps():
    history = {"entries_by_level": {"tinh": 111, "huyen": 560}, "prizes_by_rank": {"nhat": 2, "nhi": 4},
               "national_results": {"nhi": 1}, "national_nominations": 12}
    stats = {"entries_by_level": {"truong": 1552, "huyen": 0, "tinh": 110}, "prizes_by_rank": {"nhat": 0},
             "result": None, "national_nominations": 0, "national_results_recorded": 0}
    row = merge_year(YearRow(2023, "Lần thứ 19"), stats, history, "Báo cáo 2023", CODES)
    assert (row.entries["truong"].value, row.entries["truong"].source) == (1552, SYSTEM)
    assert (row.entries["huyen"].value, row.entries["huyen"].source) == (560, REPORT)
    tinh = row.entries["tinh"]
    assert (tinh.value, tinh.source, tinh.report_value, tinh.differs) == (110, SYSTEM, 111, True)
    # Nothing published in the system: the report's prizes, every rank listed.
    assert row.prizes == {"nhat": 2, "nhi": 4, "ba": 0, "khuyen_khich": 0} and row.prizes_source == REPORT
    assert row.prizes_total == 6
    assert (row.nominations.value, row.nominations.source) == (12, REPORT)
    assert row.national == {"nhat": 0, "nhi": 1, "ba": 0, "khuyen_khich": 0} and row.national_total == 1
    assert row.sources == ["Báo cáo 2023"]


def test_published_system_prizes_replace_the_report():
    stats = {"entries_by_level": {"tinh": 111}, "prizes_by_rank": {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18},
             "result": {"level": "tinh"}, "prize_money_total_vnd": 114_000_000, "national_nominations": 12,
             "national_results": {"nhat": 0, "nhi": 1, "ba": 0, "khuyen_khich": 1}, "national_results_recorded": 12}
    row = merge_year(YearRow(2023, "x"), stats, {"prizes_by_rank": {"nhat": 9}}, None, CODES)
    assert row.prizes_source == SYSTEM and row.prizes_total == 30 and row.money == 114_000_000
    assert row.national_source == SYSTEM and row.national_total == 2
    empty = merge_year(YearRow(2025, "x"), None, {"entries_by_level": {"tinh": "107"}, "bogus": 1}, None, CODES)
    assert empty.entries["tinh"].value == 107 and empty.prizes_source is None and empty.national_total is None


def test_json_is_canonical_and_keeps_vietnamese_readable():
    a = to_json({"b": 1, "a": {"y": "Giải Nhì", "x": 2}})
    b = to_json({"a": {"x": 2, "y": "Giải Nhì"}, "b": 1})
    assert a == b == '{"a":{"x":2,"y":"Giải Nhì"},"b":1}'
    assert json.loads(a)["a"]["y"] == "Giải Nhì"


def _scores(totals: dict[int, list[list[Decimal]]]) -> _Scores:
    scores = _Scores()
    for entry_id, sheets in totals.items():
        for k, points in enumerate(sheets):
            sheet = _Sheet(k, entry_id, k, 1, [[c, p, Decimal(30), Decimal("0.5")] for c, p in enumerate(points)])
            sheet.recompute()
            scores.sheets[entry_id].append(sheet)
    return scores


def test_ties_across_a_cut_are_settled_by_one_step():
    # Entries 1 and 2 tie at 70 (mean of three judges); a quota of 1 cuts between them.
    scores = _scores({
        1: [[Decimal(25), Decimal(25), Decimal(20)]] * 3,
        2: [[Decimal(20), Decimal(25), Decimal(25)]] * 3,
        3: [[Decimal(10), Decimal(10), Decimal(10)]] * 3,
    })
    assert scores.official(1) == scores.official(2) == Decimal("70.00")
    assert separate_ties(scores, [([1, 2, 3], [1])]) == 1
    assert scores.official(1) == Decimal("70.17") and scores.official(2) == Decimal("70.00")
    # A tie away from any cut is left alone.
    tied = _scores({1: [[Decimal(10)]], 2: [[Decimal(10)]], 3: [[Decimal(5)]]})
    assert separate_ties(tied, [([1, 2, 3], [2])]) == 0


def test_a_full_score_cannot_be_raised():
    full = _scores({1: [[Decimal(30)]]})
    assert full.bump(1) is False


def test_history_rows_quote_the_reports():
    rows = {r["year"]: r for r in youth_rows()}
    assert {y: r["figures"]["entries_by_level"]["tinh"] for y, r in rows.items()} == PROVINCE_ENTRIES
    assert rows[2023]["figures"]["entries_by_level"] == {"tinh": 111, "truong": 1552, "huyen": 560}
    assert rows[2020]["figures"]["prizes_by_rank"] == {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18}
    assert rows[2024]["figures"]["national_results"] == {"nhi": 1, "ba": 1, "khuyen_khich": 1}
    assert rows[2018]["label"] == "Lần thứ 14 (2018)" and rows[2023]["label"] == "Lần thứ 19 (2023)"
    assert all("426" in r["source"] and "“" in r["source"] for r in rows.values())
    # The national results over the years add up to the term report: 4 second, 7 third, 4 consolation.
    totals = {code: sum(r["figures"].get("national_results", {}).get(code, 0) for r in rows.values())
              for code in ("nhi", "ba", "khuyen_khich")}
    assert totals == {"nhi": 4, "ba": 7, "khuyen_khich": 4}
    assert tech_rows()[0]["figures"]["prizes_by_rank"] == {"nhat": 4, "nhi": 6, "ba": 16, "khuyen_khich": 20}
