"""Ed25519 signatures over canonical JSON records.

A record is a JSON object (``dict`` with ``str`` keys; values ``str``, ``int``, ``bool``,
``None``, lists and nested objects; ``date``/``datetime`` are turned into ISO 8601
strings). Floats are refused: their text form is not canonical across languages.

Canonical form (what is signed): UTF-8 JSON, keys sorted, no spaces, every string (keys
included) in Unicode NFC, non-ASCII characters written as themselves. The signature is
Ed25519 over exactly those bytes, so anyone holding the public key can check a record
with any language's JSON and Ed25519 libraries.

Signed envelope::

    {"record": {...}, "signature": "<base64url, no padding>", "key_id": "<16 hex>"}

Records of different kinds should carry a ``"type"`` field (``"certificate"``,
``"revocation_list"`` ...) so that a signature over one kind can never be presented as
another; :func:`sign_revocation_list` does this for revocation lists.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from .codes import parse_code

__all__ = [
    "canonical_record",
    "normalize_record",
    "sign_record",
    "verify_signed",
    "generate_private_key",
    "load_or_create_private_key",
    "private_key_from_env",
    "private_key_env_value",
    "public_key_pem",
    "load_public_key_pem",
    "key_id",
    "sign_revocation_list",
    "verify_revocation_list",
]

REVOCATION_LIST_TYPE = "revocation_list"


# --------------------------------------------------------------------------- records


def _normalize(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, int):
        return int(value)  # IntEnum and friends -> plain int
    if isinstance(value, float):
        raise TypeError(f"{path}: floats are not allowed in signed records")
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: object keys must be strings, got {key!r}")
            nkey = unicodedata.normalize("NFC", key)
            if nkey in out:
                raise ValueError(f"{path}: duplicate key after NFC normalisation: {nkey!r}")
            out[nkey] = _normalize(item, f"{path}.{nkey}")
        return out
    if isinstance(value, list | tuple):
        return [_normalize(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise TypeError(f"{path}: unsupported type {type(value).__name__}")


def normalize_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``record`` as plain JSON data: NFC strings, ISO dates, lists for tuples."""
    if not isinstance(record, Mapping):
        raise TypeError("a record must be a mapping")
    return _normalize(record, "record")


def canonical_record(record: Mapping[str, Any]) -> bytes:
    """Return the canonical bytes of ``record`` (the bytes that are signed)."""
    return json.dumps(
        normalize_record(record),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode_any(text: str) -> bytes:
    """Decode standard or URL-safe base64, with or without padding."""
    s = re.sub(r"\s+", "", text)
    if not re.fullmatch(r"[A-Za-z0-9+/_-]*=*", s):
        raise ValueError("not base64")
    s = s.rstrip("=").replace("-", "+").replace("_", "/")
    s += "=" * (-len(s) % 4)
    try:
        return base64.b64decode(s, validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64") from exc


# ------------------------------------------------------------------------------ keys


def _public(key: Ed25519PublicKey | Ed25519PrivateKey) -> Ed25519PublicKey:
    if isinstance(key, Ed25519PrivateKey):
        return key.public_key()
    if isinstance(key, Ed25519PublicKey):
        return key
    raise TypeError(f"expected an Ed25519 key, got {type(key).__name__}")


def generate_private_key() -> Ed25519PrivateKey:
    """Return a new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def _private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_private_pem(data: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the PEM key is not an Ed25519 private key")
    return key


def load_or_create_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """Load the PEM (PKCS#8, unencrypted) private key at ``path``, creating it if missing.

    A new key file is created atomically with mode 0600 (its directory, if missing, with
    0700); an existing file is never overwritten.
    """
    p = Path(path)
    try:
        return _load_private_pem(p.read_bytes())
    except FileNotFoundError:
        pass
    p.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = generate_private_key()
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return _load_private_pem(p.read_bytes())
    with os.fdopen(fd, "wb") as fh:
        fh.write(_private_pem(key))
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(p, 0o600)  # the umask can only narrow the mode; make it exactly 0600
    return key


def private_key_from_env(value: str) -> Ed25519PrivateKey:
    """Build the private key from an environment variable's value.

    Accepted forms: a PEM block (literal ``\\n`` escapes allowed, as some secret stores
    keep one line), 64 hex digits of the raw 32-byte seed, or base64/base64url of the
    raw seed or of a DER PKCS#8 key. Raises ``ValueError`` on anything else.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("empty private key value")
    s = value.strip()
    if s.startswith("-----BEGIN"):
        return _load_private_pem(s.replace("\\n", "\n").encode("ascii"))
    if re.fullmatch(r"[0-9a-fA-F]{64}", s):
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(s))
    raw = _b64decode_any(s)
    if len(raw) == 32:
        return Ed25519PrivateKey.from_private_bytes(raw)
    try:
        key = serialization.load_der_private_key(raw, password=None)
    except ValueError as exc:
        raise ValueError("not an Ed25519 private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def private_key_env_value(key: Ed25519PrivateKey) -> str:
    """Return the raw seed as base64url: a value :func:`private_key_from_env` accepts."""
    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return _b64url(raw)


def public_key_pem(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """Return the public key (of a public or private key) as SubjectPublicKeyInfo PEM."""
    return (
        _public(key)
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode("ascii")
    )


def load_public_key_pem(data: str | bytes) -> Ed25519PublicKey:
    """Load an Ed25519 public key from PEM."""
    if isinstance(data, str):
        data = data.encode("ascii")
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the PEM key is not an Ed25519 public key")
    return key


def key_id(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """Short fingerprint: first 16 hex digits of SHA-256 of the raw 32-byte public key."""
    raw = _public(key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


# ------------------------------------------------------------------- sign and verify


def sign_record(private_key: Ed25519PrivateKey, record: Mapping[str, Any]) -> dict[str, Any]:
    """Sign ``record``; return ``{"record", "signature", "key_id"}`` (JSON-serialisable).

    The returned ``record`` is the normalised record (NFC strings, ISO dates), i.e.
    exactly what the signature covers.
    """
    if not isinstance(private_key, Ed25519PrivateKey):
        raise TypeError("private_key must be an Ed25519PrivateKey")
    normalized = normalize_record(record)
    data = canonical_record(normalized)
    return {
        "record": normalized,
        "signature": _b64url(private_key.sign(data)),
        "key_id": key_id(private_key),
    }


def verify_signed(
    public_key: Ed25519PublicKey | Ed25519PrivateKey, signed: Mapping[str, Any]
) -> bool:
    """True if ``signed`` carries a valid signature by ``public_key`` over its record.

    Never raises on malformed input: anything wrong gives ``False``. A ``key_id`` that
    names another key gives ``False`` too.
    """
    try:
        pub = _public(public_key)
        if not isinstance(signed, Mapping):
            return False
        record = signed.get("record")
        signature = signed.get("signature")
        if not isinstance(record, Mapping) or not isinstance(signature, str):
            return False
        kid = signed.get("key_id")
        if kid is not None and kid != key_id(pub):
            return False
        sig = _b64decode_any(signature)
        if len(sig) != 64:
            return False
        pub.verify(sig, canonical_record(record))
        return True
    except (InvalidSignature, ValueError, TypeError, RecursionError):
        return False


# ------------------------------------------------------------------ revocation list


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sign_revocation_list(
    private_key: Ed25519PrivateKey,
    entries: Iterable[str | Mapping[str, Any]],
    *,
    issued_at: str | dt.datetime | None = None,
) -> dict[str, Any]:
    """Sign the list of revoked certificate codes.

    ``entries`` are codes (any form :func:`~contest.certificates.codes.parse_code`
    accepts) or mappings with a ``"code"`` key and optional extra fields (e.g.
    ``"revoked_on"``, ``"reason"``). Entries are canonicalised and sorted by code;
    a duplicate or invalid code raises ``ValueError``. The record is::

        {"type": "revocation_list", "issued_at": "...Z", "count": n, "entries": [...]}
    """
    normalized: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in entries:
        if isinstance(entry, str):
            item: dict[str, Any] = {"code": entry}
        elif isinstance(entry, Mapping):
            item = dict(entry)
        else:
            raise TypeError(f"revocation entry must be a code or a mapping: {entry!r}")
        code = parse_code(item.get("code"))
        if code is None:
            raise ValueError(f"invalid certificate code in revocation list: {item.get('code')!r}")
        if code in seen:
            raise ValueError(f"duplicate code in revocation list: {code}")
        seen.add(code)
        item["code"] = code
        normalized.append(item)
    normalized.sort(key=lambda e: e["code"])
    if issued_at is None:
        issued_at = _utc_now()
    record = {
        "type": REVOCATION_LIST_TYPE,
        "issued_at": issued_at,
        "count": len(normalized),
        "entries": normalized,
    }
    return sign_record(private_key, record)


def verify_revocation_list(
    public_key: Ed25519PublicKey | Ed25519PrivateKey, signed: Mapping[str, Any]
) -> bool:
    """True if ``signed`` is a validly signed revocation list (type and count checked)."""
    if not verify_signed(public_key, signed):
        return False
    record = signed["record"]
    entries = record.get("entries")
    return (
        record.get("type") == REVOCATION_LIST_TYPE
        and isinstance(entries, list)
        and record.get("count") == len(entries)
    )
