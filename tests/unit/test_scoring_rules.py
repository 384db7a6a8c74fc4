"""Pure rules of scoring: parsing points, bounds and steps, totals, keys, comments."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.scoring import (
    ScoringError,
    check_points,
    clean_comment,
    clean_key,
    format_points,
    iso,
    missing_criteria,
    parse_client_time,
    parse_points,
    sheet_total,
)


@pytest.mark.parametrize("value, expected", [
    (7, Decimal(7)), (7.5, Decimal("7.5")), (7.1, Decimal("7.1")), ("7,5", Decimal("7.5")), (" 8 ", Decimal(8)),
    ("7.25", Decimal("7.25")), (".5", Decimal("0.5")), ("0", Decimal(0)), (Decimal("3.5"), Decimal("3.5")),
])
def test_parse_points_accepts_numbers_and_decimal_comma(value, expected):
    assert parse_points(value) == expected


@pytest.mark.parametrize("value", [None, True, False, "", "bảy", "7,5,1", "1e3", "7.5.1", float("nan"), float("inf"),
                                   [7], {"v": 7}, "٣"])
def test_parse_points_refuses_anything_else(value):
    with pytest.raises(ScoringError) as exc:
        parse_points(value)
    assert exc.value.status == 422
    assert exc.value.message == "Điểm phải là một số (ví dụ 7 hoặc 7,5)."


@given(st.text(max_size=30))
def test_parse_points_never_fails_otherwise(text):
    try:
        parse_points(text)
    except ScoringError:
        pass


def test_bounds_and_step_messages_are_vietnamese():
    with pytest.raises(ScoringError) as exc:
        check_points(Decimal("31"), max_points=Decimal(30), step=Decimal("0.5"), name="Tính mới")
    assert exc.value.message == "Điểm của tiêu chí “Tính mới” phải từ 0 đến 30."
    assert exc.value.code == "out_of_bounds"
    with pytest.raises(ScoringError) as exc:
        check_points(Decimal("-0.5"), max_points=Decimal(30), step=Decimal("0.5"), name="Tính mới")
    assert "phải từ 0 đến 30" in exc.value.message
    with pytest.raises(ScoringError) as exc:
        check_points(Decimal("7.3"), max_points=Decimal(30), step=Decimal("0.5"), name="Tính mới")
    assert exc.value.message.startswith("Điểm của tiêu chí “Tính mới” phải chia hết cho bước 0,5")
    assert exc.value.code == "off_step"


def test_maximum_is_allowed_even_off_the_step():
    assert check_points(Decimal(25), max_points=Decimal(25), step=Decimal(2)) == Decimal("25.00")
    with pytest.raises(ScoringError):
        check_points(Decimal(23), max_points=Decimal(25), step=Decimal(2))


def test_no_step_means_hundredths():
    assert check_points(Decimal("7.25"), max_points=Decimal(10), step=None) == Decimal("7.25")
    with pytest.raises(ScoringError, match="tối đa 2 chữ số"):
        check_points(Decimal("7.255"), max_points=Decimal(10), step=None)


@given(st.integers(min_value=0, max_value=60), st.sampled_from(["0.25", "0.5", "1", "2"]))
def test_every_value_on_the_grid_is_accepted(k, step):
    step = Decimal(step)
    max_points = Decimal(30)
    value = step * k
    if value <= max_points:
        assert check_points(value, max_points=max_points, step=step) == value.quantize(Decimal("0.01"))
    else:
        with pytest.raises(ScoringError):
            check_points(value, max_points=max_points, step=step)


def test_total_and_missing_criteria():
    assert sheet_total([]) is None
    assert sheet_total([None]) is None
    assert sheet_total([Decimal("7.5"), None, Decimal("12.25")]) == Decimal("19.75")
    assert missing_criteria([(1, "A"), (2, "B"), (3, "C")], {2}) == ["A", "C"]
    assert missing_criteria([(1, "A")], [1]) == []


def test_format_points_vietnamese():
    assert format_points(Decimal("7.50")) == "7,5"
    assert format_points(Decimal("30.00")) == "30"
    assert format_points(Decimal("0.25")) == "0,25"
    assert format_points(None) == ""


@pytest.mark.parametrize("key", ["", "short", None, 123, "x" * 81, "có dấu-123456", "a b c d e f g h"])
def test_bad_idempotency_keys(key):
    with pytest.raises(ScoringError) as exc:
        clean_key(key)
    assert "mã thao tác" in exc.value.message


def test_good_idempotency_key():
    assert clean_key(" 0f8fad5b-d9cb-469f-a165-70867728950e ") == "0f8fad5b-d9cb-469f-a165-70867728950e"


def test_comment_keeps_lines_and_normalises():
    decomposed = "Sa\u0309n phâ\u0309m  tô\u0301t"  # NFD, as some keyboards send it
    assert clean_comment(decomposed + "\r\n\r\n\r\nCần  sửa.") == "Sản phẩm tốt\n\nCần sửa."
    assert clean_comment("   ") is None
    assert clean_comment(None) is None
    with pytest.raises(ScoringError, match="Nhận xét dài quá"):
        clean_comment("a" * 4001)
    with pytest.raises(ScoringError):
        clean_comment(12)


def test_client_time_is_informational():
    assert parse_client_time("2026-05-10T08:00:00.000Z") == datetime(2026, 5, 10, 8, 0)
    assert parse_client_time("2026-05-10T15:00:00+07:00") == datetime(2026, 5, 10, 8, 0)
    assert parse_client_time(1_778_400_000_000) == datetime(2026, 5, 10, 8, 0)
    for bad in (None, "hôm qua", "", True, float("nan"), "9" * 100):
        assert parse_client_time(bad) is None


def test_iso_is_utc_with_milliseconds():
    assert iso(datetime(2026, 5, 10, 8, 0, 0, 123456)) == "2026-05-10T08:00:00.123Z"
    assert iso(None) is None
