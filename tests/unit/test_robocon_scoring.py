"""Referee score sheets of Robocon runs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.robocon.scoring import (
    Item,
    RunScore,
    ScoreSheetError,
    SheetSpec,
    format_number_vn,
    format_seconds_vn,
    score_run,
    validate_spec,
)

SPEC = SheetSpec(
    items=[
        Item("ball", "Đưa bóng vào rổ", 10, max_count=5),
        Item("flag", "Cắm cờ", 30, max_count=1),
        Item("zone", "Về vùng xuất phát", 5),
    ],
    penalties=[
        Item("touch", "Chạm tay vào robot", 5, max_count=3),
        Item("out", "Robot ra khỏi sân", 20),
    ],
    time_limit_s=180,
)


def test_points_add_items_and_deduct_penalties():
    result = score_run(SPEC, {"ball": 3, "flag": 1}, {"touch": 1}, time_s=95.5)
    assert result == RunScore(
        points=55,
        time_s=95.5,
        dq=False,
        dq_reason=None,
        breakdown={"ball": 30, "flag": 30, "zone": 0, "touch": -5, "out": 0},
    )


def test_total_never_below_zero_unless_the_sheet_allows_it():
    assert score_run(SPEC, {"ball": 1}, {"out": 2}, time_s=10).points == 0
    loose = SheetSpec(SPEC.items, SPEC.penalties, SPEC.time_limit_s, min_total=None)
    assert score_run(loose, {"ball": 1}, {"out": 2}, time_s=10).points == -30


def test_count_above_maximum_is_refused_in_vietnamese():
    with pytest.raises(ScoreSheetError) as err:
        score_run(SPEC, {"ball": 6}, {}, time_s=50)
    assert err.value.errors == ["“Đưa bóng vào rổ”: ghi 6 lần, vượt số lần tối đa là 5."]


def test_negative_count_and_penalty_are_refused():
    with pytest.raises(ScoreSheetError) as err:
        score_run(SPEC, {"ball": -1}, {"touch": -2}, time_s=50)
    assert err.value.errors == [
        "“Đưa bóng vào rổ”: số lần không được âm (đã ghi -1).",
        "“Chạm tay vào robot”: số lần không được âm (đã ghi -2).",
    ]


def test_time_over_the_limit_and_negative_time_are_refused():
    with pytest.raises(ScoreSheetError) as err:
        score_run(SPEC, {"ball": 1}, {}, time_s=180.5)
    assert err.value.errors == [
        "Thời gian 180,5 giây vượt thời gian tối đa 180 giây."
    ]
    with pytest.raises(ScoreSheetError, match="Thời gian không được âm"):
        score_run(SPEC, {}, {}, time_s=-1)


def test_all_problems_are_reported_at_once():
    with pytest.raises(ScoreSheetError) as err:
        score_run(SPEC, {"ball": 9, "laser": 1, "flag": 1.5}, {"touch": 4}, time_s=999)
    messages = err.value.errors
    assert len(messages) == 5
    assert "Mục chấm mã “laser” không có trong phiếu chấm." in messages
    assert "“Cắm cờ”: số lần phải là số nguyên (đã ghi “1.5”)." in messages
    assert any("vượt thời gian tối đa" in m for m in messages)


def test_unfinished_run_uses_the_whole_time_limit():
    assert score_run(SPEC, {"ball": 2}, {}, time_s=None).time_s == 180
    no_limit = SheetSpec(SPEC.items)
    assert score_run(no_limit, {"ball": 2}).time_s is None


def test_disqualified_run_scores_zero_and_needs_a_reason():
    result = score_run(SPEC, {"ball": 5, "flag": 1}, {}, time_s=60, disqualified=True,
                       dq_reason="Robot điều khiển từ xa, sai thể lệ")
    assert (result.points, result.dq, result.dq_reason) == (
        0, True, "Robot điều khiển từ xa, sai thể lệ")
    assert result.breakdown["ball"] == 50  # what the referee saw stays on the sheet
    with pytest.raises(ScoreSheetError, match="cần ghi lý do"):
        score_run(SPEC, {}, {}, time_s=60, disqualified=True, dq_reason="  ")
    with pytest.raises(ScoreSheetError, match="không bị đánh dấu truất quyền"):
        score_run(SPEC, {}, {}, time_s=60, dq_reason="Chạm sân")


def test_bad_sheet_is_refused():
    bad = SheetSpec(
        items=[Item("a", "Mục A", 10), Item("a", "Mục A lặp", -1, max_count=-1)],
        time_limit_s=0,
    )
    errors = validate_spec(bad)
    assert "Mã “a” bị trùng trong phiếu chấm." in errors
    assert any("số điểm phải là số không âm" in e for e in errors)
    assert any("số lần tối đa" in e for e in errors)
    assert "Thời gian tối đa của một lượt phải là số dương." in errors
    with pytest.raises(ScoreSheetError):
        score_run(bad, {})


def test_sheet_round_trips_through_a_dict():
    assert SheetSpec.from_dict(SPEC.to_dict()) == SPEC


def test_vietnamese_number_formats():
    assert format_number_vn(45.2) == "45,2"
    assert format_number_vn(12.0) == "12"
    assert format_number_vn(3.14159) == "3,14"
    assert format_seconds_vn(47.25) == "47,25 giây"
    assert format_seconds_vn(None) == "không có thời gian"


@settings(max_examples=150, deadline=None)
@given(
    counts=st.fixed_dictionaries({
        "ball": st.integers(0, 5), "flag": st.integers(0, 1), "zone": st.integers(0, 50),
    }),
    penalties=st.fixed_dictionaries({"touch": st.integers(0, 3), "out": st.integers(0, 5)}),
    time_s=st.floats(0, 180),
)
def test_valid_sheets_score_the_documented_sum(counts, penalties, time_s):
    result = score_run(SPEC, counts, penalties, time_s=time_s)
    raw = (counts["ball"] * 10 + counts["flag"] * 30 + counts["zone"] * 5
           - penalties["touch"] * 5 - penalties["out"] * 20)
    assert result.points == max(0, raw)
    assert result.time_s == time_s
    assert sum(result.breakdown.values()) == raw


@settings(max_examples=150, deadline=None)
@given(
    counts=st.dictionaries(st.sampled_from(["ball", "flag", "zone", "x"]),
                           st.one_of(st.integers(-5, 10), st.floats(), st.text(max_size=3))),
    time_s=st.one_of(st.none(), st.floats(allow_nan=True)),
)
def test_any_sheet_either_scores_or_lists_vietnamese_errors(counts, time_s):
    try:
        result = score_run(SPEC, counts, {}, time_s=time_s)
    except ScoreSheetError as err:
        assert err.errors and all(isinstance(e, str) and e for e in err.errors)
    else:
        assert result.points >= 0
