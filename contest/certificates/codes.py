"""Verification codes printed on certificates.

A code is 16 characters of upper-case RFC 4648 base32 (``A-Z`` and ``2-7``) without
padding: 80 bits from :mod:`secrets`, so it cannot be guessed or enumerated. It is
printed in groups of four (``ABCD-EFGH-JKLM-NPQR``) and read back forgivingly: lower
case, spaces, hyphens and the digits people type for look-alike letters (``0`` for
``O``, ``1`` for ``I``, ``8`` for ``B``) are accepted.
"""

from __future__ import annotations

import base64
import re
import secrets
import unicodedata

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
CODE_BITS = 80
CODE_LENGTH = CODE_BITS // 5  # 16 characters
GROUP = 4

_CODE_RE = re.compile(rf"[A-Z2-7]{{{CODE_LENGTH}}}")
# Digits that are not in the base32 alphabet but look like letters that are.
_CONFUSIONS = str.maketrans({"0": "O", "1": "I", "8": "B"})
# Separators people type or that word processors substitute: removed before parsing.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212._·/]+")


def new_code() -> str:
    """Return a new random code: 16 upper-case base32 characters (80 bits)."""
    raw = secrets.token_bytes(CODE_BITS // 8)
    code = base64.b32encode(raw).decode("ascii")
    # 10 bytes encode to exactly 16 characters: no padding to strip.
    assert len(code) == CODE_LENGTH and "=" not in code
    return code


def is_canonical(code: object) -> bool:
    """True if ``code`` is already a canonical code (16 chars of A-Z, 2-7)."""
    return isinstance(code, str) and _CODE_RE.fullmatch(code) is not None


def format_code(code: str) -> str:
    """Format a code for print: ``ABCDEFGHJKLMNPQR`` -> ``ABCD-EFGH-JKLM-NPQR``.

    Accepts anything :func:`parse_code` accepts; raises ``ValueError`` otherwise.
    """
    canonical = parse_code(code)
    if canonical is None:
        raise ValueError(f"not a verification code: {code!r}")
    return "-".join(canonical[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def parse_code(text: object) -> str | None:
    """Return the canonical code typed or pasted in ``text``, or ``None``.

    Accepts lower case, hyphens, spaces and other separators, full-width characters,
    the confusions ``0``->``O``, ``1``->``I``, ``8``->``B``, and a whole verify URL
    (the code is taken from the last path segment, e.g. ``https://host/v/ABCD...``).
    """
    if not isinstance(text, str):
        return None
    # NFKC folds full-width letters/digits (from some input methods) to ASCII.
    s = unicodedata.normalize("NFKC", text).strip()
    if len(s) > 200:
        return None
    if "://" in s or "/v/" in s.lower():
        s = s.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    s = _SEPARATORS.sub("", s).upper().translate(_CONFUSIONS)
    return s if _CODE_RE.fullmatch(s) else None
