"""The app's certificate signing key (Ed25519), kept outside the database.

Where the private key comes from, first match wins:

1. ``app.config["CERT_SIGNING_KEY"]`` or the environment variable ``CERT_SIGNING_KEY``
   (any form :func:`~contest.certificates.signing.private_key_from_env` accepts: PEM,
   64 hex digits of the seed, base64 of the seed or of a DER PKCS#8 key);
2. the PEM file ``app.config["CERT_SIGNING_KEY_FILE"]``, by default
   ``instance/cert_signing_key.pem``, created with mode 0600 on first use.

The key is loaded once per app and source. The public key is published at
``/.well-known/certificate-signing-key.pem`` (with its key id in
``/.well-known/certificate-keys.json``).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import Flask, current_app

from .signing import key_id, load_or_create_private_key, private_key_from_env, public_key_pem

__all__ = [
    "ENV_VAR",
    "KEY_FILE_NAME",
    "SigningKeyError",
    "key_file_path",
    "private_key",
    "public_key",
    "public_pem",
    "current_key_id",
    "keys_document",
]

ENV_VAR = "CERT_SIGNING_KEY"
KEY_FILE_NAME = "cert_signing_key.pem"
_CACHE = "certificate_keys"


class SigningKeyError(RuntimeError):
    """The configured key cannot be used; the message is Vietnamese, for people."""


def _app(app: Flask | None) -> Flask:
    return app if app is not None else current_app._get_current_object()  # type: ignore[attr-defined]


def key_file_path(app: Flask | None = None) -> Path:
    app = _app(app)
    configured = app.config.get("CERT_SIGNING_KEY_FILE")
    return Path(configured) if configured else Path(app.instance_path) / KEY_FILE_NAME


def _source(app: Flask) -> tuple[str, str]:
    value = app.config.get("CERT_SIGNING_KEY") or os.environ.get(ENV_VAR)
    if value:
        return ("env", value)
    return ("file", str(key_file_path(app)))


def private_key(app: Flask | None = None) -> Ed25519PrivateKey:
    """The private signing key (created in the key file on first use)."""
    app = _app(app)
    source = _source(app)
    cache = app.extensions.setdefault(_CACHE, {})
    key = cache.get(source)
    if key is not None:
        return key
    kind, value = source
    if kind == "env":
        try:
            key = private_key_from_env(value)
        except ValueError:
            raise SigningKeyError(
                f"Biến môi trường {ENV_VAR} không chứa khoá ký Ed25519 hợp lệ."
            ) from None
    else:
        try:
            key = load_or_create_private_key(value)
        except (OSError, ValueError) as exc:
            raise SigningKeyError(f"Không đọc hoặc tạo được tệp khoá ký {value}: {exc}") from None
    cache[source] = key
    return key


def public_key(app: Flask | None = None, *, create: bool = True) -> Ed25519PublicKey | None:
    """The public key; with ``create=False`` ``None`` when no key exists yet (nothing
    configured and no key file), so that read-only uses never create a key."""
    app = _app(app)
    kind, value = _source(app)
    if not create and kind == "file" and not Path(value).exists():
        return None
    return private_key(app).public_key()


def public_pem(app: Flask | None = None) -> str:
    app = _app(app)
    cache = app.extensions.setdefault(_CACHE, {})
    source = ("pem",) + _source(app)
    pem = cache.get(source)
    if pem is None:
        pem = cache[source] = public_key_pem(private_key(app))
    return pem


def current_key_id(app: Flask | None = None) -> str:
    app = _app(app)
    cache = app.extensions.setdefault(_CACHE, {})
    source = ("key_id",) + _source(app)
    kid = cache.get(source)
    if kid is None:
        kid = cache[source] = key_id(private_key(app))
    return kid


def keys_document(app: Flask | None = None) -> dict:
    """JSON describing the signing key(s), for ``/.well-known/certificate-keys.json``."""
    return {
        "issuer": "Liên hiệp các hội Khoa học và Kỹ thuật tỉnh Bắc Ninh",
        "algorithm": "Ed25519",
        "signed_bytes": (
            "UTF-8 JSON of the record: keys sorted, no spaces, strings in Unicode NFC, "
            "non-ASCII characters unescaped"
        ),
        "signature_encoding": "base64url without padding",
        "keys": [
            {
                "key_id": current_key_id(app),
                "algorithm": "Ed25519",
                "status": "current",
                "public_key_pem": public_pem(app),
            }
        ],
    }
