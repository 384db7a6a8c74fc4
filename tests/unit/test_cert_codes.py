"""Verification codes: entropy, format, forgiving parsing."""

import base64
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.certificates import codes
from contest.certificates.codes import (
    ALPHABET,
    CODE_LENGTH,
    format_code,
    is_canonical,
    new_code,
    parse_code,
)

canonical_codes = st.text(alphabet=ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH)


def test_new_code_shape():
    code = new_code()
    assert len(code) == CODE_LENGTH == 16
    assert re.fullmatch(r"[A-Z2-7]{16}", code)
    assert "=" not in code
    assert is_canonical(code)
    assert len(base64.b32decode(code)) == 10  # 80 bits


def test_new_code_draws_80_bits_from_secrets(monkeypatch):
    calls = []

    def fake_token_bytes(n):
        calls.append(n)
        return bytes(range(n))

    monkeypatch.setattr(codes.secrets, "token_bytes", fake_token_bytes)
    assert new_code() == base64.b32encode(bytes(range(10))).decode()
    assert calls == [10]


def test_new_codes_are_unique_and_every_bit_varies():
    sample = [new_code() for _ in range(4000)]
    assert len(set(sample)) == len(sample)
    # Each of the 80 bits is set in roughly half of the codes (binomial: mean 2000,
    # sd ~32; a stuck or biased bit would be far outside +-250).
    counts = [0] * 80
    for code in sample:
        value = int.from_bytes(base64.b32decode(code), "big")
        for bit in range(80):
            counts[bit] += (value >> bit) & 1
    assert all(1750 < c < 2250 for c in counts), counts
    # Every alphabet character appears in every position.
    for pos in range(CODE_LENGTH):
        assert {c[pos] for c in sample} == set(ALPHABET)


def test_format_code_groups_of_four():
    assert format_code("ABCDEFGHJKLMNPQR") == "ABCD-EFGH-JKLM-NPQR"
    assert format_code("abcd efgh jklm npqr") == "ABCD-EFGH-JKLM-NPQR"
    with pytest.raises(ValueError):
        format_code("ABC")


@pytest.mark.parametrize(
    "text",
    [
        "ABCDEFGHJKLMNPQR",
        "abcdefghjklmnpqr",
        "ABCD-EFGH-JKLM-NPQR",
        " abcd efgh jklm npqr ",
        "ABCD–EFGH—JKLM-NPQR",  # en/em dashes from word processors
        "ABCD.EFGH.JKLM.NPQR",
        "ＡＢＣＤ－ＥＦＧＨ－ＪＫＬＭ－ＮＰＱＲ",  # full-width input method
        "https://lienhiephoi.bacninh.gov.vn/v/ABCDEFGHJKLMNPQR",
        "https://lienhiephoi.bacninh.gov.vn/v/ABCD-EFGH-JKLM-NPQR/?utm=x#top",
        "lienhiephoi.bacninh.gov.vn/v/abcdefghjklmnpqr",
    ],
)
def test_parse_code_accepts_common_forms(text):
    assert parse_code(text) == "ABCDEFGHJKLMNPQR"


def test_parse_code_fixes_digit_confusions():
    # 0, 1 and 8 are not base32 digits: read as O, I and B.
    assert parse_code("0OOO-1III-8BBB-2345") == "OOOOIIIIBBBB2345"
    assert parse_code("o0o0 i1i1 b8b8 7777") == "OOOOIIIIBBBB7777"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ABCDEFGHJKLMNPQ",  # 15 characters
        "ABCDEFGHJKLMNPQRS",  # 17 characters
        "ABCDEFGHJKLMNPQ9",  # 9 is not in the alphabet and not a known confusion
        "ABCDEFGHJKLMNPQ!",
        "ĐBCDEFGHJKLMNPQR",
        "x" * 1000,
        None,
        1234,
        b"ABCDEFGHJKLMNPQR",
    ],
)
def test_parse_code_rejects(text):
    assert parse_code(text) is None


@settings(max_examples=200, deadline=None)
@given(
    code=canonical_codes,
    seps=st.lists(st.sampled_from(["", "-", " ", "  "]), min_size=15, max_size=15),
    lower=st.booleans(),
)
def test_parse_round_trips(code, seps, lower):
    assert parse_code(code) == code
    assert parse_code(format_code(code)) == code
    messy = "".join(ch + sep for ch, sep in zip(code, seps + [""], strict=True))
    if lower:
        messy = messy.lower()
    assert parse_code(messy) == code


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_parse_code_never_raises_and_returns_canonical_or_none(text):
    result = parse_code(text)
    assert result is None or is_canonical(result)
