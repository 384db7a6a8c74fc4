"""Ed25519 signing of canonical records, key handling, revocation lists."""

import base64
import copy
import datetime as dt
import json
import os
import stat
import unicodedata

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.certificates.signing import (
    canonical_record,
    generate_private_key,
    key_id,
    load_or_create_private_key,
    load_public_key_pem,
    private_key_env_value,
    private_key_from_env,
    public_key_pem,
    sign_record,
    sign_revocation_list,
    verify_revocation_list,
    verify_signed,
)

NAME = "Nguyễn Văn Đức"


def record(**overrides):
    base = {
        "type": "certificate",
        "code": "ABCDEFGHJKLMNPQR",
        "full_name": NAME,
        "prize": "Giải Nhất",
        "entry_title": "Mô hình tưới cây tự động",
        "institution": "Trường THCS Nguyễn Đăng Đạo",
        "issued_on": dt.date(2024, 12, 20),
        "edition": {"contest": "Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng", "number": 20},
    }
    base.update(overrides)
    return base


@pytest.fixture(scope="module")
def key():
    return generate_private_key()


# ------------------------------------------------------------------ canonical form


def test_canonical_record_is_sorted_compact_utf8_nfc():
    data = canonical_record({"b": 1, "a": "Đức", "c": [True, None], "d": {"z": 0, "y": "ệ"}})
    assert data == '{"a":"Đức","b":1,"c":[true,null],"d":{"y":"ệ","z":0}}'.encode()
    nfd = unicodedata.normalize("NFD", NAME)
    assert nfd != NAME
    assert canonical_record({"name": nfd}) == canonical_record({"name": NAME})
    assert canonical_record({unicodedata.normalize("NFD", "tên"): 1}) == canonical_record(
        {"tên": 1}
    )


def test_canonical_record_dates_and_rejections():
    assert canonical_record({"d": dt.date(2025, 2, 5)}) == b'{"d":"2025-02-05"}'
    with pytest.raises(TypeError):
        canonical_record({"score": 9.5})
    with pytest.raises(TypeError):
        canonical_record({1: "x"})
    with pytest.raises(TypeError):
        canonical_record({"x": object()})
    with pytest.raises(ValueError):  # two keys that are equal after NFC
        canonical_record({"ệ": 1, unicodedata.normalize("NFD", "ệ"): 2})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_canonical_record_survives_a_json_round_trip(rec):
    try:
        data = canonical_record(rec)
    except ValueError:  # keys colliding after NFC: refused, fine
        return
    assert canonical_record(json.loads(data)) == data


# ------------------------------------------------------------------ sign / verify


def test_sign_then_verify(key):
    signed = sign_record(key, record())
    assert set(signed) == {"record", "signature", "key_id"}
    assert signed["key_id"] == key_id(key)
    assert verify_signed(key.public_key(), signed)
    assert verify_signed(key, signed)  # a private key is accepted for its public half
    # The envelope is plain JSON and still verifies after a round trip.
    text = json.dumps(signed, ensure_ascii=False)
    assert verify_signed(key.public_key(), json.loads(text))
    assert signed["record"]["issued_on"] == "2024-12-20"


def test_record_given_in_nfd_verifies_against_nfc(key):
    signed = sign_record(key, record(full_name=unicodedata.normalize("NFD", NAME)))
    assert signed["record"]["full_name"] == NAME
    nfd_copy = copy.deepcopy(signed)
    nfd_copy["record"]["full_name"] = unicodedata.normalize("NFD", NAME)
    assert verify_signed(key.public_key(), nfd_copy)


@pytest.mark.parametrize(
    "path, value",
    [
        (("full_name",), "Nguyễn Văn Đực"),  # one letter (one tone mark) changed
        (("full_name",), "Nguyễn Văn Đuc"),
        (("prize",), "Giải Nhì"),
        (("code",), "ABCDEFGHJKLMNPQS"),
        (("edition", "number"), 21),
        (("extra",), "x"),
    ],
)
def test_any_change_to_the_record_breaks_the_signature(key, path, value):
    signed = sign_record(key, record())
    tampered = copy.deepcopy(signed)
    target = tampered["record"]
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    assert not verify_signed(key.public_key(), tampered)


def test_wrong_key_fails(key):
    other = generate_private_key()
    signed = sign_record(key, record())
    assert not verify_signed(other.public_key(), signed)
    # Even when the key_id is removed or forged to match the other key.
    no_kid = {k: v for k, v in signed.items() if k != "key_id"}
    assert not verify_signed(other.public_key(), no_kid)
    forged = dict(signed, key_id=key_id(other))
    assert not verify_signed(other.public_key(), forged)
    # The right key with a wrong key_id is refused too.
    assert not verify_signed(key.public_key(), forged)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s.pop("signature"),
        lambda s: s.pop("record"),
        lambda s: s.update(signature="not base64 !!"),
        lambda s: s.update(signature=s["signature"][:-4]),
        lambda s: s.update(signature=s["signature"][::-1]),
        lambda s: s.update(signature=123),
        lambda s: s.update(record="a string"),
        lambda s: s["record"].update(score=1.5),  # float: not canonical
    ],
)
def test_malformed_envelopes_give_false_not_exceptions(key, mutate):
    signed = sign_record(key, record())
    mutate(signed)
    assert verify_signed(key.public_key(), signed) is False


def test_verify_rejects_non_mappings(key):
    assert verify_signed(key.public_key(), None) is False
    assert verify_signed(key.public_key(), "signed") is False


# ------------------------------------------------------------------------ keys


def test_load_or_create_private_key(tmp_path):
    path = tmp_path / "keys" / "cert-signing.pem"
    key = load_or_create_private_key(path)
    assert path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    before = path.read_bytes()
    again = load_or_create_private_key(str(path))
    assert path.read_bytes() == before  # never overwritten
    assert key_id(again) == key_id(key)
    signed = sign_record(key, record())
    assert verify_signed(again.public_key(), signed)


def test_load_rejects_non_ed25519_pem(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ec

    path = tmp_path / "ec.pem"
    path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ValueError):
        load_or_create_private_key(path)


def test_private_key_from_env_forms(key):
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    forms = [
        pem,
        pem.replace("\n", "\\n"),  # one-line secret stores
        raw.hex(),
        private_key_env_value(key),
        base64.b64encode(raw).decode(),
        base64.b64encode(der).decode(),
        "  " + private_key_env_value(key) + "\n",
    ]
    for value in forms:
        assert key_id(private_key_from_env(value)) == key_id(key), value


@pytest.mark.parametrize(
    "value", ["", "   ", "not a key", "AAAA", "-----BEGIN PRIVATE KEY-----\nxx"]
)
def test_private_key_from_env_rejects(value):
    with pytest.raises(ValueError):
        private_key_from_env(value)


def test_public_key_pem_and_key_id(key):
    pem = public_key_pem(key)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert public_key_pem(key.public_key()) == pem
    loaded = load_public_key_pem(pem)
    assert verify_signed(loaded, sign_record(key, record()))
    kid = key_id(key)
    assert len(kid) == 16 and int(kid, 16) >= 0
    assert key_id(loaded) == kid
    assert key_id(Ed25519PrivateKey.generate()) != kid


# ------------------------------------------------------------- revocation lists


def test_revocation_list(key):
    signed = sign_revocation_list(
        key,
        [
            "zzzz-zzzz-zzzz-zzzz",
            {"code": "ABCD EFGH JKLM NPQR", "revoked_on": dt.date(2025, 1, 2), "reason": "Sai tên"},
        ],
        issued_at="2025-01-02T08:00:00Z",
    )
    rec = signed["record"]
    assert rec["type"] == "revocation_list"
    assert rec["count"] == 2
    assert [e["code"] for e in rec["entries"]] == ["ABCDEFGHJKLMNPQR", "ZZZZZZZZZZZZZZZZ"]
    assert rec["entries"][0]["revoked_on"] == "2025-01-02"
    assert verify_signed(key.public_key(), signed)
    assert verify_revocation_list(key.public_key(), signed)
    tampered = copy.deepcopy(signed)
    tampered["record"]["entries"].pop()
    assert not verify_revocation_list(key.public_key(), tampered)


def test_revocation_list_default_timestamp_and_empty(key):
    signed = sign_revocation_list(key, [])
    assert signed["record"]["entries"] == []
    assert signed["record"]["issued_at"].endswith("Z")
    assert verify_revocation_list(key.public_key(), signed)


def test_certificate_signature_is_not_a_revocation_list(key):
    assert not verify_revocation_list(key.public_key(), sign_record(key, record()))


@pytest.mark.parametrize(
    "entries",
    [["ABCDEFGHJKLMNPQR", "abcd-efgh-jklm-npqr"], ["NOT-A-CODE"], [{"reason": "x"}], [42]],
)
def test_revocation_list_rejects_bad_entries(key, entries):
    with pytest.raises((ValueError, TypeError)):
        sign_revocation_list(key, entries)
