"""Prize allocation: quotas, thresholds, ties, groups, adjustments, money."""

from __future__ import annotations

import random
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.results.allocation import (
    Allocation,
    Candidate,
    ChangeRecord,
    PrizeRules,
    RankMoney,
    adjust,
    allocate,
    format_score,
    largest_remainder,
    prize_money,
)
from contest.results.ranks import (
    PRIZE_RANKS,
    SCIENCE_AWARD_RANKS,
    PrizeRank,
    rank_codes,
    rank_label,
    validate_ranks,
)

YOUTH_2023 = {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18}
TECH_10TH = {"nhat": 4, "nhi": 6, "ba": 16, "khuyen_khich": 20}
CODES = ("nhat", "nhi", "ba", "khuyen_khich")


def distinct(n: int) -> list[Candidate]:
    """n entries with distinct scores, e001 best."""
    return [Candidate(f"e{i:03d}", D(1000 - i) / 10) for i in range(1, n + 1)]


def ranks_by_id(allocation: Allocation) -> dict:
    return {a.entry_id: a.rank_code for a in allocation.results}


def from_scores(scores, **kwargs) -> list[Candidate]:
    return [Candidate(f"e{i:02d}", s, **kwargs) for i, s in enumerate(scores, start=1)]


# ---------------------------------------------------------------------------
# Ranks as data
# ---------------------------------------------------------------------------


def test_prize_ranks_codes_labels_and_order():
    assert rank_codes(PRIZE_RANKS) == CODES
    assert [r.label for r in PRIZE_RANKS] == [
        "Giải Nhất",
        "Giải Nhì",
        "Giải Ba",
        "Giải Khuyến khích",
    ]
    assert rank_label(None) == "Không đạt giải"
    shuffled = [PRIZE_RANKS[2], PRIZE_RANKS[0], PRIZE_RANKS[3], PRIZE_RANKS[1]]
    assert validate_ranks(shuffled) == PRIZE_RANKS


def test_validate_ranks_rejects_duplicates():
    with pytest.raises(ValueError, match="trùng"):
        validate_ranks([PrizeRank("a", "Giải A", 1), PrizeRank("a", "Giải A2", 2)])
    with pytest.raises(ValueError, match="trùng"):
        validate_ranks([PrizeRank("a", "Giải A", 1), PrizeRank("b", "Giải B", 1)])


# ---------------------------------------------------------------------------
# Quotas exactly filled
# ---------------------------------------------------------------------------


def test_youth_2023_quotas_exactly_filled_on_111_entries():
    result = allocate(distinct(111), PrizeRules(quotas=YOUTH_2023))
    assert result.counts == YOUTH_2023
    assert result.unfilled == dict.fromkeys(CODES, 0)
    assert result.quotas == YOUTH_2023
    assert result.total_awards == 30
    assert len(result.not_awarded) == 81
    assert result.notes == ()
    got = ranks_by_id(result)
    assert [got[f"e{i:03d}"] for i in (1, 2)] == ["nhat", "nhat"]
    assert {got[f"e{i:03d}"] for i in range(3, 7)} == {"nhi"}
    assert {got[f"e{i:03d}"] for i in range(7, 13)} == {"ba"}
    assert {got[f"e{i:03d}"] for i in range(13, 31)} == {"khuyen_khich"}
    assert {got[f"e{i:03d}"] for i in range(31, 112)} == {None}
    first = result.awards[0]
    assert (first.entry_id, first.place, first.rank_code) == ("e001", 1, "nhat")
    assert first.reason == "Hạng 1 (99,9 điểm), trong số 2 Giải Nhất"
    assert result.not_awarded[0].reason == "Hạng 31 (96,9 điểm), ngoài số lượng giải"


def test_technical_10th_quotas_on_154_solutions():
    result = allocate(distinct(154), PrizeRules(quotas=TECH_10TH))
    assert result.counts == TECH_10TH
    assert result.total_awards == 46
    assert [a.place for a in result.awards] == list(range(1, 47))


def test_science_award_ranks_are_data():
    rules = PrizeRules(
        quotas={"A": 4, "B": 4, "C": 7, "khuyen_khich": 9}, ranks=SCIENCE_AWARD_RANKS
    )
    result = allocate(distinct(64), rules)
    assert result.counts == {"A": 4, "B": 4, "C": 7, "khuyen_khich": 9}
    assert result.total_awards == 24
    assert "Giải A" in result.awards[0].reason


def test_awards_order_is_rank_then_place_and_input_order_is_irrelevant():
    entries = distinct(111)
    shuffled = entries[:]
    random.Random(7).shuffle(shuffled)
    rules = PrizeRules(quotas=YOUTH_2023)
    assert allocate(shuffled, rules) == allocate(entries, rules)


def test_missing_rank_in_quotas_means_no_prize_of_that_rank():
    result = allocate(distinct(10), PrizeRules(quotas={"nhat": 1, "ba": 2}))
    assert result.counts == {"nhat": 1, "nhi": 0, "ba": 2, "khuyen_khich": 0}
    assert ranks_by_id(result)["e002"] == "ba"


# ---------------------------------------------------------------------------
# Thresholds
# ---------------------------------------------------------------------------


def test_threshold_leaves_prizes_unfilled_and_does_not_pass_them_down():
    scores = [95, 88, 86, 84, 82, 80, 78, 60, 55, 40]
    rules = PrizeRules(
        quotas={"nhat": 2, "nhi": 2, "ba": 3, "khuyen_khich": 5},
        min_scores={"nhat": 90, "nhi": 85, "ba": 75, "khuyen_khich": 50},
    )
    result = allocate(from_scores(scores), rules)
    got = ranks_by_id(result)
    # Only one entry reaches 90: one first prize stays unfilled; 88 gets second.
    assert got["e01"] == "nhat"
    assert [got["e02"], got["e03"]] == ["nhi", "nhi"]
    # The unfilled first prize is not handed to the second rank.
    assert got["e04"] == "ba"
    assert [got[f"e{i:02d}"] for i in (5, 6, 7)] == ["ba", "ba", "khuyen_khich"]
    assert [got["e08"], got["e09"], got["e10"]] == ["khuyen_khich", "khuyen_khich", None]
    assert result.counts == {"nhat": 1, "nhi": 2, "ba": 3, "khuyen_khich": 3}
    assert result.unfilled == {"nhat": 1, "nhi": 0, "ba": 0, "khuyen_khich": 2}
    assert "Giải Nhất: điểm sàn 90; chỉ 1 bài đạt, 1 giải không trao." in result.notes
    assert "Giải Khuyến khích: điểm sàn 50; chỉ 3 bài đạt, 2 giải không trao." in result.notes
    assert result.result_for("e10").reason == (
        "Hạng 10 (40 điểm), dưới điểm sàn 50 của Giải Khuyến khích"
    )


def test_candidate_below_a_rank_minimum_gets_a_lower_rank():
    rules = PrizeRules(quotas={"nhat": 1, "nhi": 1, "ba": 1}, min_scores={"nhat": 95, "nhi": 90})
    result = allocate(from_scores([92, 85, 80]), rules)
    assert ranks_by_id(result) == {"e01": "nhi", "e02": "ba", "e03": None}
    assert result.unfilled["nhat"] == 1


def test_too_few_entries_leaves_prizes_unfilled():
    result = allocate(distinct(20), PrizeRules(quotas=YOUTH_2023))
    assert result.counts == {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 8}
    assert result.unfilled["khuyen_khich"] == 10
    assert "Giải Khuyến khích: không đủ bài dự thi, 10 giải không trao." in result.notes


# ---------------------------------------------------------------------------
# Ties under "share"
# ---------------------------------------------------------------------------


def test_share_tie_straddling_first_prize_reduces_second_prizes():
    scores = [99, 95, 95, 95] + [90 - i for i in range(40)]
    result = allocate(from_scores(scores), PrizeRules(quotas=YOUTH_2023))
    got = ranks_by_id(result)
    assert [got[f"e{i:02d}"] for i in range(1, 5)] == ["nhat"] * 4
    # Two extra first prizes: two second prizes fewer, cumulative count kept at 6.
    assert result.counts == {"nhat": 4, "nhi": 2, "ba": 6, "khuyen_khich": 18}
    assert result.total_awards == 30
    tied = result.result_for("e03")
    assert tied.place == 2
    assert tied.reason == (
        "Đồng hạng 2 (95 điểm) ở vị trí cuối Giải Nhất; các bài đồng điểm cùng nhận Giải Nhất"
    )
    assert any("3 bài đồng hạng 2 (95 điểm)" in n and "giảm tương ứng 2" in n for n in result.notes)
    assert (
        "Giải Nhì: trao 2/4 giải vì 2 giải đã dành cho các bài đồng điểm cùng nhận giải cao hơn."
        in result.notes
    )


def test_share_tie_inside_a_rank_needs_no_adjustment():
    scores = [99, 99, 95, 90, 90, 85]
    result = allocate(from_scores(scores), PrizeRules(quotas={"nhat": 2, "nhi": 3}))
    assert ranks_by_id(result) == {
        "e01": "nhat",
        "e02": "nhat",
        "e03": "nhi",
        "e04": "nhi",
        "e05": "nhi",
        "e06": None,
    }
    assert result.notes == ()
    assert result.result_for("e01").reason == "Đồng hạng 1 (99 điểm), trong số 2 Giải Nhất"


def test_share_overflow_extend_keeps_lower_counts():
    scores = [99, 95, 95, 95] + [90 - i for i in range(40)]
    rules = PrizeRules(quotas=YOUTH_2023, share_overflow="extend")
    result = allocate(from_scores(scores), rules)
    assert result.counts == {"nhat": 4, "nhi": 4, "ba": 6, "khuyen_khich": 18}
    assert result.total_awards == 32
    assert any("giữ nguyên, tổng số giải tăng thêm 2" in n for n in result.notes)


def test_share_tie_at_last_consolation_place_adds_prizes():
    scores = [100 - i for i in range(29)] + [50, 50, 50, 40]
    result = allocate(from_scores(scores), PrizeRules(quotas=YOUTH_2023))
    assert result.counts["khuyen_khich"] == 20
    assert result.total_awards == 32
    assert ranks_by_id(result)["e33"] is None
    assert any("tổng số giải tăng thêm 2" in n for n in result.notes)


def test_share_tie_larger_than_next_rank_shrinks_several_ranks():
    scores = [90] * 10 + [80 - i for i in range(30)]
    result = allocate(from_scores(scores), PrizeRules(quotas=YOUTH_2023))
    # 10 first prizes: the 4 second prizes and 4 of the 6 third prizes are absorbed.
    assert result.counts == {"nhat": 10, "nhi": 0, "ba": 2, "khuyen_khich": 18}
    assert result.total_awards == 30


def test_share_ignores_tiebreak():
    entries = [
        Candidate("a", 90, tiebreak=(5.0,)),
        Candidate("b", 90, tiebreak=(9.0,)),
        Candidate("c", 80, tiebreak=(0.0,)),
    ]
    result = allocate(entries, PrizeRules(quotas={"nhat": 1, "nhi": 1}))
    assert ranks_by_id(result) == {"a": "nhat", "b": "nhat", "c": None}


# ---------------------------------------------------------------------------
# Ties under "cascade"
# ---------------------------------------------------------------------------


def test_cascade_breaks_tie_by_tiebreak_tuple():
    entries = [
        Candidate("a", D("95.5"), tiebreak=(20.0, 90.0)),
        Candidate("b", D("92.0"), tiebreak=(18.0, 88.0)),
        Candidate("c", D("92.0"), tiebreak=(19.0, 85.0)),
        Candidate("d", D("92.0"), tiebreak=(19.0, 87.0)),
        Candidate("e", D("80.0"), tiebreak=(15.0, 80.0)),
    ]
    rules = PrizeRules(quotas={"nhat": 2, "nhi": 2}, tie_policy="cascade")
    result = allocate(entries, rules)
    # d beats c on the second element; c beats b on the first.
    assert ranks_by_id(result) == {"a": "nhat", "d": "nhat", "c": "nhi", "b": "nhi", "e": None}
    assert result.counts == {"nhat": 2, "nhi": 2, "ba": 0, "khuyen_khich": 0}
    assert [result.result_for(x).place for x in "adcbe"] == [1, 2, 3, 4, 5]
    assert result.result_for("d").reason.endswith("phân định với bài đồng điểm bằng tiêu chí phụ")
    assert (
        "Các bài đồng 92,0 điểm được phân định bằng tiêu chí phụ (Giải Nhất, Giải Nhì)."
        in result.notes
    )


def test_cascade_falls_back_to_share_when_tiebreak_is_equal_too():
    entries = [
        Candidate("a", 95, tiebreak=(20.0,)),
        Candidate("b", 92, tiebreak=(19.0,)),
        Candidate("c", 92, tiebreak=(19.0,)),
        Candidate("d", 92, tiebreak=(17.0,)),
        Candidate("e", 88, tiebreak=(16.0,)),
        Candidate("f", 85, tiebreak=(16.0,)),
    ]
    rules = PrizeRules(quotas={"nhat": 2, "nhi": 2}, tie_policy="cascade")
    result = allocate(entries, rules)
    # b and c cannot be separated: both first; d (lower tiebreak) is second; one second prize less.
    assert ranks_by_id(result) == {
        "a": "nhat",
        "b": "nhat",
        "c": "nhat",
        "d": "nhi",
        "e": None,
        "f": None,
    }
    assert result.counts["nhat"] == 3 and result.counts["nhi"] == 1
    assert result.result_for("b").place == result.result_for("c").place == 2
    assert any("không phân định được" in n and "nguyên tắc đồng giải" in n for n in result.notes)
    assert "trùng cả điểm và tiêu chí phụ" in result.result_for("c").reason


def test_cascade_without_tiebreak_values_equals_share():
    scores = [99, 95, 95, 95, 90, 90, 85, 80, 80, 80, 75]
    share = allocate(from_scores(scores), PrizeRules(quotas=YOUTH_2023))
    cascade = allocate(from_scores(scores), PrizeRules(quotas=YOUTH_2023, tie_policy="cascade"))
    assert ranks_by_id(share) == ranks_by_id(cascade)
    assert share.counts == cascade.counts


def test_cascade_requires_tiebreaks_of_equal_length():
    entries = [Candidate("a", 1, tiebreak=(1.0,)), Candidate("b", 1, tiebreak=(1.0, 2.0))]
    with pytest.raises(ValueError, match="cùng số thành phần"):
        allocate(entries, PrizeRules(quotas={"nhat": 1}, tie_policy="cascade"))


# ---------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------


def grouped(sizes: dict[str, int]) -> list[Candidate]:
    return [Candidate(f"{g}-{i:02d}", 100 - i, group=g) for g, n in sizes.items() for i in range(n)]


def test_per_group_proportional_split_by_largest_remainder():
    sizes = {"THCS": 60, "THPT": 30, "Tiểu học": 10}
    result = allocate(grouped(sizes), PrizeRules(quotas=YOUTH_2023, per_group=True))
    # nhat 2 -> 1.2/0.6/0.2; nhi 4 -> 2.4/1.2/0.4 (equal remainders: larger group wins);
    # ba 6 -> 3.6/1.8/0.6; khuyen_khich 18 -> 10.8/5.4/1.8.
    assert result.group_quotas == {
        "THCS": {"nhat": 1, "nhi": 3, "ba": 4, "khuyen_khich": 11},
        "THPT": {"nhat": 1, "nhi": 1, "ba": 2, "khuyen_khich": 5},
        "Tiểu học": {"nhat": 0, "nhi": 0, "ba": 0, "khuyen_khich": 2},
    }
    assert result.quotas == YOUTH_2023
    assert result.counts == YOUTH_2023
    assert result.group_counts == result.group_quotas
    got = ranks_by_id(result)
    # Places are counted inside each group.
    assert got["THPT-00"] == "nhat" and got["THCS-00"] == "nhat"
    assert result.result_for("Tiểu học-00").place == 1
    assert got["Tiểu học-00"] == "khuyen_khich"
    assert [a.group for a in result.awards][:4] == ["THCS"] * 4
    split_note = next(n for n in result.notes if n.startswith("Giải Nhì: 4 giải chia"))
    assert "THCS: 3 giải/60 bài" in split_note
    assert "Số dư bằng nhau" in split_note


def test_per_group_fixed_quotas_for_robocon_divisions():
    rules = PrizeRules(
        per_group=True,
        group_split="fixed",
        group_quotas={
            "Tiểu học": {"nhat": 1, "nhi": 2, "ba": 3, "khuyen_khich": 4},
            "THCS": {"nhat": 2, "nhi": 3, "ba": 4, "khuyen_khich": 5},
        },
    )
    result = allocate(grouped({"Tiểu học": 12, "THCS": 20}), rules)
    assert result.group_counts["Tiểu học"] == {"nhat": 1, "nhi": 2, "ba": 3, "khuyen_khich": 4}
    assert result.group_counts["THCS"] == {"nhat": 2, "nhi": 3, "ba": 4, "khuyen_khich": 5}
    assert result.counts == {"nhat": 3, "nhi": 5, "ba": 7, "khuyen_khich": 9}
    assert result.notes == ()


def test_per_group_fixed_requires_quotas_for_every_group():
    rules = PrizeRules(per_group=True, group_split="fixed", group_quotas={"A": {"nhat": 1}})
    with pytest.raises(ValueError, match="Chưa có số lượng giải cho nhóm: B"):
        allocate(grouped({"A": 3, "B": 3}), rules)


def test_per_group_fixed_quotas_must_match_global_quotas():
    with pytest.raises(ValueError, match="không khớp"):
        PrizeRules(
            quotas={"nhat": 3},
            per_group=True,
            group_split="fixed",
            group_quotas={"A": {"nhat": 1}, "B": {"nhat": 1}},
        )


def test_per_group_notes_name_the_group():
    rules = PrizeRules(quotas={"nhat": 6}, per_group=True, min_scores={"nhat": 99})
    result = allocate(grouped({"A": 5, "B": 5}), rules)
    assert result.group_quotas["A"]["nhat"] == 3
    assert "[A] Giải Nhất: điểm sàn 99; chỉ 2 bài đạt, 1 giải không trao." in result.notes
    assert result.group_unfilled["B"]["nhat"] == 1
    assert result.unfilled["nhat"] == 2


# ---------------------------------------------------------------------------
# Largest remainder
# ---------------------------------------------------------------------------


def test_largest_remainder_hare_textbook_example():
    votes = {"A": 47_000, "B": 16_000, "C": 15_800, "D": 12_000, "E": 6_100, "F": 3_100}
    assert largest_remainder(10, votes) == {"A": 5, "B": 2, "C": 1, "D": 1, "E": 1, "F": 0}


def test_largest_remainder_alabama_paradox():
    weights = {"A": 6, "B": 6, "C": 2}
    assert largest_remainder(10, weights) == {"A": 4, "B": 4, "C": 2}
    # One more seat in total, yet C loses one: the Alabama paradox of Hamilton's method.
    assert largest_remainder(11, weights) == {"A": 5, "B": 5, "C": 1}


def test_largest_remainder_ties_go_to_larger_weight_then_key():
    assert largest_remainder(1, {"b": 1, "a": 1}) == {"b": 0, "a": 1}
    assert largest_remainder(2, {"x": 1, "y": 3, "z": 1, "w": 3}) == {
        "x": 0,
        "y": 1,
        "z": 0,
        "w": 1,
    }
    # Remainders 0.4 (weight 60), 0.2 (30), 0.4 (10): the larger weight gets the seat.
    assert largest_remainder(4, {"s": 10, "l": 60, "m": 30}) == {"s": 0, "l": 3, "m": 1}


def test_largest_remainder_edge_cases():
    assert largest_remainder(0, {"a": 0, "b": 0}) == {"a": 0, "b": 0}
    assert largest_remainder(5, {"a": D("1.5"), "b": 0.5}) == {"a": 4, "b": 1}
    assert list(largest_remainder(3, {"z": 1, "a": 1, "m": 1})) == ["z", "a", "m"]
    with pytest.raises(ValueError):
        largest_remainder(3, {"a": 0})
    with pytest.raises(ValueError):
        largest_remainder(3, {})
    with pytest.raises(ValueError):
        largest_remainder(3, {"a": -1, "b": 2})
    with pytest.raises(ValueError):
        largest_remainder(-1, {"a": 1})


# ---------------------------------------------------------------------------
# Manual adjustment
# ---------------------------------------------------------------------------


def test_adjust_records_log_and_updates_counts():
    original = allocate(distinct(111), PrizeRules(quotas=YOUTH_2023))
    changed = adjust(
        original,
        [
            ("e003", "nhat", "Hội đồng phúc khảo nâng giải"),
            ("e040", "khuyen_khich", "  Bổ sung theo đề nghị của tiểu ban  "),
            ("e030", None, "Vi phạm thể lệ: sản phẩm đã đạt giải năm trước"),
        ],
    )
    assert changed.changes == (
        ChangeRecord("e003", "nhi", "nhat", "Hội đồng phúc khảo nâng giải"),
        ChangeRecord("e040", None, "khuyen_khich", "Bổ sung theo đề nghị của tiểu ban"),
        ChangeRecord(
            "e030", "khuyen_khich", None, "Vi phạm thể lệ: sản phẩm đã đạt giải năm trước"
        ),
    )
    assert changed.counts == {"nhat": 3, "nhi": 3, "ba": 6, "khuyen_khich": 18}
    assert changed.rank_of("e003") == "nhat"
    assert changed.rank_of("e030") is None
    assert changed.result_for("e003").reason == (
        "Ban Tổ chức điều chỉnh từ Giải Nhì thành Giải Nhất: Hội đồng phúc khảo nâng giải"
    )
    assert [a.entry_id for a in changed.awards[:3]] == ["e001", "e002", "e003"]
    assert changed.awards[-1].entry_id == "e040"
    assert "Sau điều chỉnh, Giải Nhất có 3 giải, nhiều hơn số lượng 2." in changed.notes
    # The original is untouched and a second adjustment extends the log.
    assert original.counts == YOUTH_2023 and original.changes == ()
    again = adjust(changed, [("e003", "nhi", "Trả lại kết quả ban đầu")])
    assert len(again.changes) == 4
    assert again.counts["nhat"] == 2


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_adjust_requires_a_reason(reason):
    original = allocate(distinct(10), PrizeRules(quotas={"nhat": 1}))
    with pytest.raises(ValueError, match="Cần ghi rõ lý do điều chỉnh giải của bài dự thi e002"):
        adjust(original, [("e002", "nhat", reason)])


def test_adjust_rejects_unknown_entry_and_rank():
    original = allocate(distinct(10), PrizeRules(quotas={"nhat": 1}))
    with pytest.raises(ValueError, match="Không tìm thấy bài dự thi x99"):
        adjust(original, [("x99", "nhat", "Lý do")])
    with pytest.raises(ValueError, match="Hạng giải không xác định"):
        adjust(original, [("e002", "dac_biet", "Lý do")])
    # A later bad change leaves no partial result behind.
    with pytest.raises(ValueError):
        adjust(original, [("e002", "nhat", "Lý do"), ("e003", "nhat", "")])
    assert original.rank_of("e002") is None


def test_adjust_per_group_updates_group_counts():
    result = allocate(grouped({"A": 5, "B": 5}), PrizeRules(quotas={"nhat": 2}, per_group=True))
    changed = adjust(result, [("B-01", "nhat", "Đồng giải theo quyết định của BTC")])
    assert changed.group_counts["B"]["nhat"] == 2
    assert changed.group_counts["A"]["nhat"] == 1
    assert [a.entry_id for a in changed.awards] == ["A-00", "B-00", "B-01"]


# ---------------------------------------------------------------------------
# Prize money
# ---------------------------------------------------------------------------


def test_prize_money_from_counts_and_edition_amounts():
    amounts = {"nhat": 5_000_000, "nhi": 3_000_000, "ba": 2_000_000, "khuyen_khich": 1_000_000}
    summary = prize_money(YOUTH_2023, amounts)
    assert summary.per_rank["nhat"] == RankMoney(2, 5_000_000, 10_000_000)
    assert summary.per_rank["khuyen_khich"] == (18, 1_000_000, 18_000_000)
    assert summary.total == 10_000_000 + 12_000_000 + 12_000_000 + 18_000_000
    assert list(summary.per_rank) == list(CODES)


def test_prize_money_from_an_allocation():
    result = allocate(distinct(154), PrizeRules(quotas=TECH_10TH))
    amounts = {"nhat": 20_000_000, "nhi": 15_000_000, "ba": 10_000_000, "khuyen_khich": 5_000_000}
    # 4 x 20 + 6 x 15 + 16 x 10 + 20 x 5 million.
    assert prize_money(result.counts, amounts).total == 430_000_000


def test_prize_money_validation():
    with pytest.raises(ValueError, match="Chưa có mức tiền thưởng"):
        prize_money({"nhat": 1}, {})
    with pytest.raises(ValueError, match="số nguyên đồng"):
        prize_money({"nhat": 1}, {"nhat": 1.5e6})
    summary = prize_money({"nhat": 0, "nhi": 2}, {"nhi": 3_000_000})
    assert summary.per_rank["nhat"] == (0, 0, 0)
    assert summary.total == 6_000_000


# ---------------------------------------------------------------------------
# Validation and formatting
# ---------------------------------------------------------------------------


def test_invalid_input_is_rejected():
    with pytest.raises(ValueError, match="xuất hiện hai lần"):
        allocate([Candidate("a", 1), Candidate("a", 2)], PrizeRules(quotas={"nhat": 1}))
    with pytest.raises(ValueError, match="không hợp lệ"):
        allocate([Candidate("a", float("nan"))], PrizeRules(quotas={"nhat": 1}))
    with pytest.raises(ValueError, match="không hợp lệ"):
        allocate([Candidate("a", D("NaN"))], PrizeRules(quotas={"nhat": 1}))
    with pytest.raises(ValueError, match="Hạng giải không xác định"):
        PrizeRules(quotas={"dac_biet": 1})
    with pytest.raises(ValueError, match="không âm"):
        PrizeRules(quotas={"nhat": -1})
    with pytest.raises(ValueError, match="đồng điểm"):
        PrizeRules(quotas={"nhat": 1}, tie_policy="random")
    with pytest.raises(ValueError, match="Chia giải cố định"):
        PrizeRules(per_group=True, group_split="fixed")


def test_format_score_uses_decimal_comma():
    assert format_score(D("85.50")) == "85,50"
    assert format_score(85.5) == "85,5"
    assert format_score(70) == "70"
    assert format_score(2 / 3) == "0,6667"


def test_empty_field_gives_no_prizes():
    result = allocate([], PrizeRules(quotas=YOUTH_2023))
    assert result.awards == () and result.counts == dict.fromkeys(CODES, 0)
    assert result.unfilled == YOUTH_2023


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


@st.composite
def scenarios(draw):
    n = draw(st.integers(0, 40))
    scores = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    tiebreaks = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["A", "B", None]), min_size=n, max_size=n))
    use_decimal = draw(st.booleans())
    candidates = [
        Candidate(
            f"e{i:02d}",
            D(s) / 2 if use_decimal else s / 2,
            group=g,
            tiebreak=(float(t), float(s % 3)),
        )
        for i, (s, t, g) in enumerate(zip(scores, tiebreaks, groups, strict=True))
    ]
    quotas = {code: draw(st.integers(0, 5)) for code in CODES}
    min_scores = {}
    for code in CODES:
        if draw(st.booleans()):
            min_scores[code] = draw(st.integers(0, 12)) / 2
    rules = PrizeRules(
        quotas=quotas,
        min_scores=min_scores,
        tie_policy=draw(st.sampled_from(["share", "cascade"])),
        per_group=draw(st.booleans()),
        share_overflow=draw(st.sampled_from(["reduce_lower", "extend"])),
    )
    return candidates, rules


def equivalence(rules: PrizeRules):
    if rules.tie_policy == "cascade":
        return lambda c: (c.score, c.tiebreak)
    return lambda c: c.score


def pools(candidates, rules):
    result: dict = {}
    for c in candidates:
        result.setdefault(c.group if rules.per_group else "*", []).append(c)
    return result


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_property_quota_exceeded_only_by_shared_ties(scenario):
    candidates, rules = scenario
    result = allocate(candidates, rules)
    rank_of = ranks_by_id(result)
    key = equivalence(rules)
    position = {code: i for i, code in enumerate(CODES)}
    for pool_key, members in pools(candidates, rules).items():
        quotas = result.group_quotas[pool_key] if rules.per_group else result.quotas
        cumulative = 0
        for code in CODES:
            cumulative += quotas[code]
            holders = [c for c in members if rank_of[c.entry_id] == code]
            if holders:
                lowest = min(holders, key=lambda c: key(c))
                tied = [c for c in holders if key(c) == key(lowest)]
                # Without the tie group at its bottom, a rank is within its quota.
                assert len(holders) - len(tied) < quotas[code]
            upto = [
                c
                for c in members
                if rank_of[c.entry_id] is not None
                and position[rank_of[c.entry_id]] <= position[code]
            ]
            if upto and rules.share_overflow == "reduce_lower":
                lowest = min(upto, key=lambda c: key(c))
                tied = [c for c in upto if key(c) == key(lowest)]
                assert len(upto) - len(tied) < cumulative
    for award in result.awards:
        minimum = rules.min_scores.get(award.rank_code)
        assert minimum is None or award.score >= minimum


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_property_awards_monotone_in_score(scenario):
    candidates, rules = scenario
    result = allocate(candidates, rules)
    rank_of = ranks_by_id(result)
    order = {code: i for i, code in enumerate(CODES)}
    key = equivalence(rules)

    def level(c):
        code = rank_of[c.entry_id]
        return len(CODES) if code is None else order[code]

    for members in pools(candidates, rules).values():
        for a in members:
            for b in members:
                if a.score > b.score:
                    assert level(a) <= level(b)
                if key(a) == key(b):
                    # Equal entries are never separated.
                    assert level(a) == level(b)


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_property_deterministic_and_independent_of_input_order(scenario, rnd):
    candidates, rules = scenario
    shuffled = candidates[:]
    rnd.shuffle(shuffled)
    first = allocate(candidates, rules)
    assert allocate(shuffled, rules) == first
    assert allocate(candidates, rules) == first
    ids = [a.entry_id for a in first.results]
    assert sorted(ids) == sorted(c.entry_id for c in candidates)
    tally = dict.fromkeys(CODES, 0)
    for award in first.awards:
        tally[award.rank_code] += 1
    assert tally == first.counts


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=5, max_size=60, unique=True))
def test_property_distinct_scores_fill_quotas_exactly(scores):
    candidates = [Candidate(i, s) for i, s in enumerate(scores)]
    result = allocate(candidates, PrizeRules(quotas=YOUTH_2023))
    left = len(scores)
    for code in CODES:
        assert result.counts[code] == min(YOUTH_2023[code], left)
        left -= result.counts[code]
    best = sorted(scores, reverse=True)[: result.total_awards]
    assert sorted(a.score for a in result.awards) == sorted(best)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 200),
    st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 500), min_size=1, max_size=8),
)
def test_property_largest_remainder_sums_to_total(total, weights):
    if sum(weights.values()) == 0:
        if total:
            with pytest.raises(ValueError):
                largest_remainder(total, weights)
        return
    seats = largest_remainder(total, weights)
    assert sum(seats.values()) == total
    assert list(seats) == list(weights)
    weight_sum = sum(weights.values())
    for key, weight in weights.items():
        exact = Fraction(total * weight, weight_sum)
        # Hamilton satisfies the quota rule: floor or ceiling of the exact share.
        assert exact - 1 < seats[key] < exact + 1
