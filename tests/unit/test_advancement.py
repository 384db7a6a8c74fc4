"""Advancement between levels, national nominations and honour lists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.results.advancement import (
    AdvancementCandidate,
    Author,
    HonourProposal,
    ManualWithinQuota,
    QuotaPerArea,
    ScoreCutoff,
    TieAtCut,
    advance,
    age_on,
    bang_khen_proposals,
    labour_creativity_proposals,
    national_nominations,
    youth_badge_proposals,
)
from contest.results.allocation import Candidate, PrizeRules, allocate


def area_entries(area: str, scores) -> list[AdvancementCandidate]:
    return [AdvancementCandidate(f"{area}-{i}", s, area) for i, s in enumerate(scores, start=1)]


# ---------------------------------------------------------------------------
# QuotaPerArea
# ---------------------------------------------------------------------------


def test_quota_per_area_takes_top_n_of_each_area():
    entries = area_entries("Yên Dũng", [90, 85, 80, 75, 70, 65, 60]) + area_entries(
        "Lục Nam", [88, 77, 66]
    )
    result = advance(entries, QuotaPerArea({"Yên Dũng": 5, "Lục Nam": 2}))
    assert result.advanced == (
        "Lục Nam-1",
        "Lục Nam-2",
        "Yên Dũng-1",
        "Yên Dũng-2",
        "Yên Dũng-3",
        "Yên Dũng-4",
        "Yên Dũng-5",
    )
    assert result.not_advanced == ("Lục Nam-3", "Yên Dũng-6", "Yên Dũng-7")
    assert result.pending == () and result.ties == () and result.notes == ()
    first = result.decision("Yên Dũng-1")
    assert (first.score, first.rank_in_area, first.advanced) == (90, 1, True)
    assert first.reason == "Trong hạn ngạch 5 của đơn vị"
    assert result.decision("Yên Dũng-6").reason == "Ngoài hạn ngạch 5 của đơn vị (xếp thứ 6)"


def test_quota_per_area_default_and_missing_quota():
    entries = area_entries("Phường Kinh Bắc", [9, 8, 7]) + area_entries("Xã Tiên Du", [6, 5])
    result = advance(entries, QuotaPerArea({"Phường Kinh Bắc": 1}, default=3))
    assert set(result.advanced) == {"Phường Kinh Bắc-1", "Xã Tiên Du-1", "Xã Tiên Du-2"}
    with pytest.raises(ValueError, match="Đơn vị Xã Tiên Du chưa có hạn ngạch"):
        advance(entries, QuotaPerArea({"Phường Kinh Bắc": 1}))


def test_tie_at_the_cut_requires_a_choice_by_default():
    entries = area_entries("Hiệp Hòa", [90, 85, 80, 80, 80, 70])
    result = advance(entries, QuotaPerArea({"Hiệp Hòa": 3}))
    assert result.advanced == ("Hiệp Hòa-1", "Hiệp Hòa-2")
    assert result.pending == ("Hiệp Hòa-3", "Hiệp Hòa-4", "Hiệp Hòa-5")
    assert result.not_advanced == ("Hiệp Hòa-6",)
    assert result.ties == (
        TieAtCut("Hiệp Hòa", 80, 3, 1, ("Hiệp Hòa-3", "Hiệp Hòa-4", "Hiệp Hòa-5")),
    )
    pending = result.decision("Hiệp Hòa-4")
    assert pending.rank_in_area == 3
    assert pending.reason == "Đồng 80 điểm ở vị trí cuối hạn ngạch 3: 3 bài cho 1 suất, cần chọn"
    assert result.notes == (
        "Đơn vị Hiệp Hòa: 3 bài đồng 80 điểm tranh 1 suất cuối của hạn ngạch 3; cần chọn.",
    )
    assert result.decision("Hiệp Hòa-6").rank_in_area == 6


def test_tie_at_the_cut_can_include_all_tied():
    entries = area_entries("Hiệp Hòa", [90, 85, 80, 80, 80, 70])
    result = advance(entries, QuotaPerArea({"Hiệp Hòa": 3}, include_ties=True))
    assert len(result.advanced) == 5 and result.pending == ()
    assert result.not_advanced == ("Hiệp Hòa-6",)
    assert len(result.ties) == 1
    assert "lấy tất cả các bài đồng điểm" in result.decision("Hiệp Hòa-5").reason


def test_tie_inside_the_quota_is_not_a_tie_at_the_cut():
    entries = area_entries("Việt Yên", [90, 90, 80, 70])
    result = advance(entries, QuotaPerArea({"Việt Yên": 3}))
    assert result.advanced == ("Việt Yên-1", "Việt Yên-2", "Việt Yên-3")
    assert result.ties == ()
    assert [d.rank_in_area for d in result.decisions] == [1, 1, 3, 4]


def test_quota_larger_than_area_and_zero_quota():
    entries = area_entries("A", [5, 5]) + area_entries("B", [9])
    result = advance(entries, QuotaPerArea({"A": 5, "B": 0}))
    assert result.advanced == ("A-1", "A-2")
    assert result.not_advanced == ("B-1",)
    assert result.ties == ()


def test_advance_does_not_depend_on_input_order():
    entries = area_entries("A", [5, 7, 7, 3]) + area_entries("B", [9, 1])
    rule = QuotaPerArea({"A": 2, "B": 1})
    assert advance(list(reversed(entries)), rule) == advance(entries, rule)


# ---------------------------------------------------------------------------
# ScoreCutoff
# ---------------------------------------------------------------------------


def test_score_cutoff_is_inclusive():
    entries = area_entries("A", [D("70.5"), D("70"), D("69.99")])
    result = advance(entries, ScoreCutoff(70))
    assert result.advanced == ("A-1", "A-2")
    assert result.not_advanced == ("A-3",)
    assert result.decision("A-2").reason == "Đạt điểm sàn 70"
    assert result.decision("A-3").reason == "Dưới điểm sàn 70"
    assert advance(entries, ScoreCutoff(D("70.5"))).decision("A-2").reason == "Dưới điểm sàn 70,5"


# ---------------------------------------------------------------------------
# ManualWithinQuota
# ---------------------------------------------------------------------------


def test_manual_choice_within_quota_with_reasons():
    entries = area_entries("Lạng Giang", [90, 85, 80, 75]) + area_entries("Sơn Động", [60, 50])
    rule = ManualWithinQuota(
        quotas={"Lạng Giang": 2, "Sơn Động": 1},
        chosen={"Lạng Giang": ["Lạng Giang-1", "Lạng Giang-3"]},
        reasons={
            "Lạng Giang-1": "Điểm cao nhất",
            "Lạng Giang-3": "Sản phẩm ứng dụng thực tế tại địa phương",
        },
    )
    result = advance(entries, rule)
    assert result.advanced == ("Lạng Giang-1", "Lạng Giang-3")
    assert result.not_advanced == ("Lạng Giang-2", "Lạng Giang-4")
    # An area without a choice yet keeps its entries pending.
    assert result.pending == ("Sơn Động-1", "Sơn Động-2")
    assert result.decision("Lạng Giang-3").reason == (
        "Đơn vị chọn trong hạn ngạch 2: Sản phẩm ứng dụng thực tế tại địa phương"
    )
    assert result.decision("Lạng Giang-2").reason == "Đơn vị không chọn (hạn ngạch 2, xếp thứ 2)"
    assert result.decision("Sơn Động-1").reason == "Đơn vị chưa chọn bài đi tiếp (hạn ngạch 1)"


def test_manual_choice_over_quota_is_rejected():
    entries = area_entries("Lạng Giang", [90, 85, 80])
    rule = ManualWithinQuota(
        quotas={"Lạng Giang": 2},
        chosen={"Lạng Giang": ["Lạng Giang-1", "Lạng Giang-2", "Lạng Giang-3"]},
        reasons={f"Lạng Giang-{i}": "Tốt" for i in (1, 2, 3)},
    )
    with pytest.raises(ValueError, match="Đơn vị Lạng Giang chọn 3 bài, vượt hạn ngạch 2 bài."):
        advance(entries, rule)


@pytest.mark.parametrize(
    ("chosen", "reasons", "message"),
    [
        (["A-1"], {"A-1": "  "}, "Cần ghi lý do chọn bài dự thi A-1"),
        (["A-1"], {}, "Cần ghi lý do chọn bài dự thi A-1"),
        (["B-1"], {"B-1": "Tốt"}, "Bài dự thi B-1 không thuộc đơn vị A"),
        (["A-1", "A-1"], {"A-1": "Tốt"}, "chọn trùng"),
    ],
)
def test_manual_choice_validation(chosen, reasons, message):
    entries = area_entries("A", [9, 8]) + area_entries("B", [7])
    rule = ManualWithinQuota(quotas={"A": 2, "B": 1}, chosen={"A": chosen}, reasons=reasons)
    with pytest.raises(ValueError, match=message):
        advance(entries, rule)


def test_manual_choice_resolves_a_tie_at_the_cut():
    entries = area_entries("Hiệp Hòa", [90, 85, 80, 80, 80])
    first = advance(entries, QuotaPerArea({"Hiệp Hòa": 3}))
    chosen = list(first.advanced) + ["Hiệp Hòa-4"]
    reasons = {entry_id: "Theo biên bản họp BTC cấp huyện" for entry_id in chosen}
    second = advance(entries, ManualWithinQuota({"Hiệp Hòa": 3}, {"Hiệp Hòa": chosen}, reasons))
    assert second.advanced == ("Hiệp Hòa-1", "Hiệp Hòa-2", "Hiệp Hòa-4")
    assert second.pending == ()


# ---------------------------------------------------------------------------
# National nominations
# ---------------------------------------------------------------------------


def test_national_nominations_best_12_of_111():
    ranked = [
        Candidate(f"e{i:03d}", 100 - i * 0.5, group="THCS" if i % 2 else "THPT") for i in range(111)
    ]
    result = national_nominations(ranked, 12)
    assert result.advanced == tuple(f"e{i:03d}" for i in range(12))
    assert len(result.not_advanced) == 99
    decision = result.decision("e000")
    assert decision.reason == "Trong 12 bài điểm cao nhất toàn tỉnh, đề cử dự thi toàn quốc"
    assert decision.area == "THPT"
    assert result.decision("e012").reason == "Ngoài 12 bài điểm cao nhất toàn tỉnh (xếp thứ 13)"


def test_national_nominations_report_ties_at_the_cut():
    ranked = [Candidate(f"e{i}", s) for i, s in enumerate([9, 8, 8, 8, 7])]
    result = national_nominations(ranked, 2)
    assert result.advanced == ("e0",)
    assert result.pending == ("e1", "e2", "e3")
    assert result.ties[0].seats == 1
    assert national_nominations(ranked, 2, include_ties=True).advanced == ("e0", "e1", "e2", "e3")
    with pytest.raises(ValueError):
        national_nominations(ranked, -1)


# ---------------------------------------------------------------------------
# Honour lists
# ---------------------------------------------------------------------------


@pytest.fixture()
def awards():
    entries = [Candidate(f"gp{i}", 100 - i) for i in range(1, 11)]
    return allocate(
        entries, PrizeRules(quotas={"nhat": 1, "nhi": 1, "ba": 2, "khuyen_khich": 2})
    ).awards


def test_bang_khen_for_first_prize_authors(awards):
    people = [
        Author("p1", "Nguyễn Văn An", "gp1"),
        Author("p2", "Trần Thị Bình", "gp1"),
        Author("p3", "Lê Văn Cường", "gp2"),
    ]
    result = bang_khen_proposals(awards, people)
    assert [(p.person_id, p.entry_id, p.rank_code) for p in result.proposals] == [
        ("p1", "gp1", "nhat"),
        ("p2", "gp1", "nhat"),
    ]
    assert result.proposals[0].reason == "Giải Nhất; đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh"
    wider = bang_khen_proposals(awards, people, rank_codes={"nhat", "nhi"})
    assert [p.person_id for p in wider.proposals] == ["p1", "p2", "p3"]


def test_labour_creativity_third_prize_or_higher_and_union_member(awards):
    people = [
        Author("p1", "Nguyễn Văn An", "gp1", trade_union_member=True),
        Author("p2", "Trần Thị Bình", "gp2", trade_union_member=False),
        Author("p3", "Lê Văn Cường", "gp4", trade_union_member=True),
        Author("p4", "Phạm Thị Dung", "gp5", trade_union_member=True),  # consolation
        Author("p5", "Hoàng Văn Em", "gp3", trade_union_member=None),
    ]
    result = labour_creativity_proposals(awards, people)
    assert [(p.person_id, p.rank_code) for p in result.proposals] == [("p1", "nhat"), ("p3", "ba")]
    assert result.proposals[1].reason == (
        "Giải Ba; đoàn viên công đoàn; đề nghị tặng Bằng Lao động sáng tạo"
    )
    assert [(m.person_id, m.reason) for m in result.missing_data] == [
        ("p5", "Giải Ba; chưa rõ có phải đoàn viên công đoàn"),
    ]


def test_youth_badge_age_bounds_are_inclusive(awards):
    ref = date(2024, 10, 15)
    people = [
        Author("just16", "A", "gp1", birth_date=date(2008, 10, 15)),
        Author("almost16", "B", "gp1", birth_date=date(2008, 10, 16)),
        Author("still30", "C", "gp1", birth_date=date(1993, 10, 16)),
        Author("turned31", "D", "gp1", birth_date=date(1993, 10, 15)),
        Author("unknown", "E", "gp1"),
        Author("second", "F", "gp2", birth_date=date(2000, 1, 1)),
    ]
    result = youth_badge_proposals(awards, people, reference_date=ref)
    assert [p.person_id for p in result.proposals] == ["just16", "still30"]
    assert result.proposals[0].reason == (
        "Giải Nhất; 16 tuổi tại ngày 15/10/2024; đề nghị tặng Huy hiệu Tuổi trẻ sáng tạo"
    )
    assert [m.person_id for m in result.missing_data] == ["unknown"]
    assert result.missing_data[0].reason == "Giải Nhất; thiếu ngày sinh, chưa xét được độ tuổi"
    narrower = youth_badge_proposals(awards, people, reference_date=ref, min_age=18, max_age=35)
    assert [p.person_id for p in narrower.proposals] == ["still30", "turned31"]
    with pytest.raises(ValueError):
        youth_badge_proposals(awards, people, reference_date=ref, min_age=31, max_age=30)


def test_age_on_handles_birthdays_and_leap_days():
    assert age_on(date(2000, 2, 29), date(2030, 2, 28)) == 29
    assert age_on(date(2000, 2, 29), date(2030, 3, 1)) == 30
    assert age_on(date(2000, 5, 10), date(2030, 5, 10)) == 30


def test_honour_filters_accept_adjusted_awards():
    ranked = [Candidate("x", 90), Candidate("y", 80)]
    allocation = allocate(ranked, PrizeRules(quotas={"nhat": 1}))
    people = [Author("p", "Ngô Thị Hoa", "y", birth_date=date(2005, 1, 1))]
    assert (
        youth_badge_proposals(allocation.awards, people, reference_date=date(2024, 1, 1)).proposals
        == ()
    )
    from contest.results.allocation import adjust

    changed = adjust(allocation, [("y", "nhat", "Đồng giải theo quyết định của BTC")])
    proposals = youth_badge_proposals(
        changed.awards, people, reference_date=date(2024, 1, 1)
    ).proposals
    assert proposals == (
        HonourProposal(
            "p",
            "Ngô Thị Hoa",
            "y",
            "nhat",
            "Giải Nhất; 19 tuổi tại ngày 01/01/2024; đề nghị tặng Huy hiệu Tuổi trẻ sáng tạo",
        ),
    )


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


@st.composite
def area_fields(draw):
    areas = ["A", "B", "C"]
    n = draw(st.integers(0, 30))
    scores = draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))
    where = draw(st.lists(st.sampled_from(areas), min_size=n, max_size=n))
    entries = [
        AdvancementCandidate(f"e{i:02d}", s, a)
        for i, (s, a) in enumerate(zip(scores, where, strict=True))
    ]
    quotas = {a: draw(st.integers(0, 6)) for a in areas}
    return entries, quotas


@settings(max_examples=200, deadline=None)
@given(area_fields(), st.booleans(), st.randoms(use_true_random=False))
def test_property_quota_per_area(field, include_ties, rnd):
    entries, quotas = field
    result = advance(entries, QuotaPerArea(quotas, include_ties=include_ties))
    ids = result.advanced + result.not_advanced + result.pending
    assert sorted(ids) == sorted(e.entry_id for e in entries)
    shuffled = entries[:]
    rnd.shuffle(shuffled)
    assert advance(shuffled, QuotaPerArea(quotas, include_ties=include_ties)) == result
    by_id = {e.entry_id: e for e in entries}
    for area, quota in quotas.items():
        members = [e for e in entries if e.area == area]
        up = [by_id[i] for i in result.advanced if by_id[i].area == area]
        waiting = [by_id[i] for i in result.pending if by_id[i].area == area]
        down = [by_id[i] for i in result.not_advanced if by_id[i].area == area]
        if include_ties:
            assert not waiting
            if len(up) > quota:
                assert quota > 0
                # Only entries tied with the last place in the quota are extra.
                assert len({e.score for e in up[quota - 1 :]}) == 1
        else:
            assert len(up) <= quota
            assert len(up) + len(waiting) >= min(quota, len(members))
            assert len({e.score for e in waiting}) <= 1
        # Monotone: nobody left behind scores above anyone sent up or waiting.
        for low in down:
            assert all(low.score < e.score for e in up + waiting)
        for e in waiting:
            assert all(e.score < u.score for u in up)
