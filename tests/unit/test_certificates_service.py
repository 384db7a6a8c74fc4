"""Certificate services: who gets a certificate, register numbers, signatures, revoke and
reissue, the print outputs (merged PDF, ZIP, manifest) and the signing key."""

from __future__ import annotations

import io
import os
import stat
import unicodedata
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import select

from contest.certificates import keys, service
from contest.certificates.codes import format_code, parse_code
from contest.certificates.signing import (
    canonical_record,
    load_public_key_pem,
    verify_revocation_list,
    verify_signed,
)
from contest.extensions import db
from contest.models import (
    AuditLog,
    Award,
    Certificate,
    Edition,
    Entry,
    EntryPerson,
    ResultVersion,
)
from tests.helpers import race

BASE_URL = "https://xacthuc.lienhiephoi.example.vn"
NFD_ANH = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")


@pytest.fixture(autouse=True)
def _isolated_key_and_files(app, tmp_path, monkeypatch):
    """A fresh signing key file and output folder per test (never the repo's instance/)."""
    monkeypatch.setitem(app.config, "CERT_SIGNING_KEY_FILE", str(tmp_path / "keys" / "signing.pem"))
    monkeypatch.setitem(app.config, "CERTIFICATE_FOLDER", str(tmp_path / "certificates"))
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "")
    monkeypatch.delenv("CERT_SIGNING_KEY", raising=False)
    app.config.pop("CERT_SIGNING_KEY", None)


def build_awarded_edition(app, world, *, settings: dict | None = None) -> dict:
    """The world's edition with four entries and three result versions at province level:

    v1 published (older): e1 Giải Nhì, e3 Giải Ba
    v2 published (newest): e1 Giải Nhất (authors Trần Đức Bảo, Nguyễn Thị Ánh typed in
       NFD; mentor Lê Văn Cường), e2 Giải Khuyến khích (author Đặng Thị Đào)
    v3 draft: e3 Giải Nhất
    e3 (Vũ Minh Anh) is accepted without a prize in v2; e4 (Phan Văn Dũng) is a draft.
    """
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        edition.settings = {"certificates": settings or {}}
        level = edition.level("tinh")

        def entry(code, title, institution, status, people):
            item = Entry(edition=edition, institution_id=institution, code=code, title=title, status=status)
            item.people = [EntryPerson(position=i, **p) for i, p in enumerate(people, start=1)]
            db.session.add(item)
            return item

        e1 = entry("E1", "Máy tưới cây tự động thông minh", world["school"], "accepted", [
            {"role": "author", "full_name": "Trần Đức Bảo", "birth_date": date(2012, 5, 6),
             "phone": "0912345678", "class_name": "8A", "email": "bao@example.vn"},
            {"role": "author", "full_name": NFD_ANH, "birth_date": date(2012, 9, 1)},
            {"role": "mentor", "full_name": "Lê Văn Cường", "phone": "0987654321"},
        ])
        e2 = entry("E2", "Thùng rác phân loại", world["other_school"], "accepted", [
            {"role": "author", "full_name": "Đặng Thị Đào", "birth_date": date(2011, 2, 3)},
        ])
        e3 = entry("E3", "Đèn học chống cận", world["school"], "accepted", [
            {"role": "author", "full_name": "Vũ Minh Anh"},
        ])
        e4 = entry("E4", "Robot nhặt rác", world["school"], "draft", [
            {"role": "author", "full_name": "Phan Văn Dũng"},
        ])
        db.session.flush()
        v1 = ResultVersion(edition_id=edition.id, level_id=level.id, number=1, status="published")
        v1.awards = [Award(entry_id=e1.id, rank_code="nhi", place=1), Award(entry_id=e3.id, rank_code="ba", place=2)]
        v2 = ResultVersion(edition_id=edition.id, level_id=level.id, number=2, status="published",
                           decision_number="15/QĐ-LHH")
        v2.awards = [Award(entry_id=e1.id, rank_code="nhat", place=1),
                     Award(entry_id=e2.id, rank_code="khuyen_khich", place=2)]
        v3 = ResultVersion(edition_id=edition.id, level_id=level.id, number=3, status="draft")
        v3.awards = [Award(entry_id=e3.id, rank_code="nhat", place=1)]
        db.session.add_all([v1, v2, v3])
        db.session.commit()
        return {"edition": edition.id, "slug": edition.slug, "e1": e1.id, "e2": e2.id, "e3": e3.id,
                "e4": e4.id, "v2": v2.id, "level": level.id}


def _edition(ids) -> Edition:
    return db.session.get(Edition, ids["edition"])


def _certs(ids) -> list[Certificate]:
    return list(db.session.scalars(
        select(Certificate).where(Certificate.edition_id == ids["edition"]).order_by(Certificate.register_number)
    ))


# ---------------------------------------------------------------------------- issuing


def test_award_certificates_follow_the_newest_published_version(app, world):
    ids = build_awarded_edition(app, world)
    with app.app_context():
        summary = service.issue_certificates(_edition(ids))
        db.session.commit()
        rows = [(c.register_number, c.kind, c.full_name, c.prize_label, c.entry_title) for c in _certs(ids)]
    # Prize first, then the given name (Ánh before Bảo); the draft v3 and the older v1 do not count.
    assert rows == [
        (1, "award", "Nguyễn Thị Ánh", "Giải Nhất", "Máy tưới cây tự động thông minh"),
        (2, "award", "Trần Đức Bảo", "Giải Nhất", "Máy tưới cây tự động thông minh"),
        (3, "award", "Đặng Thị Đào", "Giải Khuyến khích", "Thùng rác phân loại"),
    ]
    assert len(summary.created) == 3 and summary.kept == 0
    assert rows[0][2] == unicodedata.normalize("NFC", NFD_ANH)


def test_mentors_and_participation_only_when_the_edition_asks(app, world):
    ids = build_awarded_edition(app, world, settings={"mentors": True, "participation": True})
    with app.app_context():
        service.issue_certificates(_edition(ids))
        db.session.commit()
        rows = [(c.register_number, c.kind, c.full_name) for c in _certs(ids)]
    assert rows[:4] == [
        (1, "award", "Nguyễn Thị Ánh"),
        (2, "award", "Trần Đức Bảo"),
        (3, "mentor", "Lê Văn Cường"),
        (4, "award", "Đặng Thị Đào"),
    ]
    participation = [name for _, kind, name in rows if kind == "participation"]
    # Every person of the accepted entries (authors and mentors), by name; the draft E4 has none.
    assert participation == ["Vũ Minh Anh", "Nguyễn Thị Ánh", "Trần Đức Bảo", "Lê Văn Cường", "Đặng Thị Đào"]
    assert "Phan Văn Dũng" not in [name for _, _, name in rows]


def test_issuing_again_keeps_codes_and_numbers_and_adds_new_ones_at_the_end(app, world):
    ids = build_awarded_edition(app, world)
    with app.app_context():
        service.issue_certificates(_edition(ids))
        db.session.commit()
        before = {c.id: (c.code, c.register_number, c.signed) for c in _certs(ids)}
        again = service.issue_certificates(_edition(ids))
        db.session.commit()
        assert again.created == [] and again.kept == 3
        # A corrected result publishes v4 with an extra prize for E3.
        edition = _edition(ids)
        v4 = ResultVersion(edition_id=edition.id, level_id=ids["level"], number=4, status="published")
        v4.awards = [Award(entry_id=ids["e1"], rank_code="nhat", place=1),
                     Award(entry_id=ids["e2"], rank_code="khuyen_khich", place=2),
                     Award(entry_id=ids["e3"], rank_code="ba", place=3)]
        db.session.add(v4)
        db.session.commit()
        third = service.issue_certificates(_edition(ids))
        db.session.commit()
        after = _certs(ids)
    assert [(c.full_name, c.register_number, c.prize_label) for c in third.created] == [("Vũ Minh Anh", 4, "Giải Ba")]
    for cert in after:
        if cert.id in before:
            assert (cert.code, cert.register_number, cert.signed) == before[cert.id]
    assert len({c.code for c in after}) == 4


def test_signed_record_is_canonical_and_verifies_with_the_public_key(app, world):
    ids = build_awarded_edition(app, world)
    with app.app_context():
        service.issue_certificates(_edition(ids), issued_on=date(2026, 11, 20))
        db.session.commit()
        cert = _certs(ids)[0]
        public = load_public_key_pem(keys.public_pem())
        signed = cert.signed
        assert verify_signed(public, signed)
        assert signed["record"] == {
            "type": "certificate",
            "code": cert.code,
            "name": "Nguyễn Thị Ánh",
            "prize": "Giải Nhất",
            "entry": "Máy tưới cây tự động thông minh",
            "contest": "Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng tỉnh",
            "edition": "Cuộc thi Sáng tạo TTNNĐ lần thứ 22",
            "institution": "Trường THCS Tân Yên",
            "issued_on": "2026-11-20",
            "register_number": 1,
            "kind": "award",
        }
        assert unicodedata.is_normalized("NFC", canonical_record(signed["record"]).decode())
        assert service.signature_ok(cert)
        # Nothing private is signed.
        text = canonical_record(signed["record"]).decode()
        assert "2012" not in text and "0912345678" not in text
        tampered = {**signed, "record": {**signed["record"], "prize": "Giải Nhì"}}
        assert not verify_signed(public, tampered)
        cert.full_name = "Nguyễn Thị Anh"  # the database changed behind the signature's back
        assert not service.signature_ok(cert)
        db.session.rollback()


def test_revoke_needs_a_reason_and_is_audited(app, world):
    ids = build_awarded_edition(app, world)
    with app.app_context():
        service.issue_certificates(_edition(ids))
        db.session.commit()
        cert = _certs(ids)[2]
        with pytest.raises(service.CertificateError, match="lý do"):
            service.revoke(cert, "   ")
        service.revoke(cert, "Bài dự thi vi phạm thể lệ")
        db.session.commit()
        assert cert.status == "revoked" and cert.revoked_at is not None
        with pytest.raises(service.CertificateError, match="đã bị thu hồi"):
            service.revoke(cert, "lần nữa")
        log = db.session.scalars(select(AuditLog).where(AuditLog.action == "certificate.revoke")).one()
        assert log.reason == "Bài dự thi vi phạm thể lệ" and log.object_id == str(cert.id)
        # A revoked certificate is not issued again by the next run.
        again = service.issue_certificates(_edition(ids))
        assert again.created == [] and again.kept == 3


def test_reissue_corrects_the_name_with_a_new_code_and_number(app, world):
    ids = build_awarded_edition(app, world)
    with app.app_context():
        service.issue_certificates(_edition(ids))
        db.session.commit()
        old = _certs(ids)[2]
        with pytest.raises(service.CertificateError, match="trùng"):
            service.reissue(old, "Đặng Thị Đào")
        new = service.reissue(old, "ĐẶNG THỊ ĐÀO HOA", note="Sai tên đệm")
        db.session.commit()
        assert new.full_name == "Đặng Thị Đào Hoa"  # typed in capitals, stored in title case
        assert new.code != old.code and new.register_number == 4
        assert (new.prize_label, new.entry_title, new.kind, new.person_id) == (
            old.prize_label, old.entry_title, old.kind, old.person_id)
        assert old.status == "revoked" and old.revoke_reason == "thay thế" and old.replaced_by_id == new.id
        assert new.signed["record"]["name"] == "Đặng Thị Đào Hoa" and service.signature_ok(new)
        log = db.session.scalars(select(AuditLog).where(AuditLog.action == "certificate.reissue")).one()
        assert log.old["full_name"] == "Đặng Thị Đào" and log.new["full_name"] == "Đặng Thị Đào Hoa"
        assert log.reason == "Sai tên đệm"
        with pytest.raises(service.CertificateError):
            service.reissue(old, "Tên khác")
        # Issuing again keeps the replacement and does not bring the old one back.
        assert service.issue_certificates(_edition(ids)).created == []


def test_revocation_list_is_signed_and_lists_revoked_codes(app, world):
    ids = build_awarded_edition(app, world)
    with app.app_context():
        service.issue_certificates(_edition(ids))
        db.session.commit()
        cert = _certs(ids)[0]
        service.revoke(cert, "Trao nhầm")
        db.session.commit()
        signed = service.revocation_list()
        assert verify_revocation_list(keys.public_key(), signed)
        assert signed["record"]["entries"] == [
            {"code": cert.code, "revoked_on": cert.revoked_at.date().isoformat(), "reason": "Trao nhầm"}
        ]


def test_key_file_is_created_0600_and_reused(app):
    with app.app_context():
        path = keys.key_file_path()
        assert not path.exists()
        first = keys.current_key_id()
        assert path.exists() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
        app.extensions.pop("certificate_keys", None)
        assert keys.current_key_id() == first  # loaded from the file, not a new key
        assert keys.public_pem().startswith("-----BEGIN PUBLIC KEY-----")


def test_environment_key_wins_over_the_file(app, monkeypatch):
    seed = "11" * 32
    monkeypatch.setenv("CERT_SIGNING_KEY", seed)
    with app.app_context():
        from contest.certificates.signing import key_id, private_key_from_env

        assert keys.current_key_id() == key_id(private_key_from_env(seed))
        assert not keys.key_file_path().exists()
    monkeypatch.setenv("CERT_SIGNING_KEY", "not a key")
    with app.app_context(), pytest.raises(keys.SigningKeyError, match="CERT_SIGNING_KEY"):
        keys.private_key()


def test_broken_template_gives_a_vietnamese_error(app, world):
    ids = build_awarded_edition(app, world)
    with app.app_context():
        edition = _edition(ids)
        edition.settings = {"certificates": {"template": {"title": "X", "colour": "đỏ"}}}
        with pytest.raises(service.CertificateError, match="Mẫu giấy chứng nhận"):
            service.templates_for(edition)
        db.session.rollback()


# ---------------------------------------------------------------------------- outputs


def _page_image(pdf_bytes: bytes, index: int):
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        return doc[index].render(scale=3).to_pil()
    finally:
        doc.close()


def test_outputs_merged_pdf_zip_and_manifest(app, world, tmp_path):
    ids = build_awarded_edition(app, world, settings={"mentors": True})
    steps = []
    with app.app_context():
        summary, outputs = service.generate(
            _edition(ids), tmp_path / "out", BASE_URL, progress=lambda *step: steps.append(step)
        )
        certs = {c.register_number: c for c in _certs(ids)}
    assert len(summary.created) == 4 and outputs.count == 4
    assert steps[0] == ("issue", 0, 0) and steps[-1] == ("done", 9, 9)
    assert [s[1] for s in steps] == sorted(s[1] for s in steps)

    # Merged PDF: one page per certificate, prize then name; NFC names in the text.
    pdf_bytes = outputs.pdf.read_bytes()
    reader = PdfReader(io.BytesIO(pdf_bytes))
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) == 4
    order = ["Nguyễn Thị Ánh", "Trần Đức Bảo", "Lê Văn Cường", "Đặng Thị Đào"]
    for text, name in zip(texts, order, strict=True):
        assert name in unicodedata.normalize("NFC", text)
    assert "Đã có thành tích hướng dẫn đạt Giải Nhất" in texts[2]
    assert "Đã đạt Giải Khuyến khích" in texts[3]
    assert "0912345678" not in "".join(texts) and "06/05/2012" not in "".join(texts)

    # The QR code on a page decodes to the verify URL.
    first = certs[1]
    results = zxingcpp.read_barcodes(_page_image(pdf_bytes, 0))
    assert [r.text for r in results] == [f"{BASE_URL}/v/{first.code}"]

    # ZIP: one PDF per person, ASCII names (đ -> d) in the same order.
    with zipfile.ZipFile(outputs.zip) as zf:
        names = zf.namelist()
        assert names == ["0001-nguyen-thi-anh.pdf", "0002-tran-duc-bao.pdf", "0003-le-van-cuong.pdf",
                         "0004-dang-thi-dao.pdf"]
        assert all(name.isascii() for name in names)
        single = PdfReader(io.BytesIO(zf.read(names[3])))
        assert len(single.pages) == 1 and "Đặng Thị Đào" in single.pages[0].extract_text()

    # Manifest: the print list and the register book.
    wb = openpyxl.load_workbook(outputs.xlsx)
    ws = wb["Danh sách in"]
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    header = rows.index(tuple(service.MANIFEST_HEADERS))
    data = rows[header + 1:]
    assert [r[1] for r in data] == order
    assert data[0] == (1, "Nguyễn Thị Ánh", "Giải Nhất", "Máy tưới cây tự động thông minh", "Trường THCS Tân Yên",
                       format_code(first.code), f"{BASE_URL}/v/{first.code}", "Hợp lệ")
    assert data[2][2] == "Giải Nhất (người hướng dẫn)"
    assert parse_code(data[3][5]) == certs[4].code
    assert "Sổ cấp giấy chứng nhận" in wb.sheetnames


def test_outputs_need_at_least_one_valid_certificate(app, world, tmp_path):
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        with pytest.raises(service.CertificateError, match="chưa có giấy chứng nhận"):
            service.generate(edition, tmp_path / "out", BASE_URL)
    assert not (Path(tmp_path) / "out" / "certificates.pdf").exists()



def test_zip_parts_are_renumbered_over_the_whole_print_order(app, world, tmp_path, monkeypatch):
    ids = build_awarded_edition(app, world, settings={"mentors": True, "participation": True})
    monkeypatch.setattr(service, "ZIP_CHUNK", 2)  # several parts and both templates
    with app.app_context():
        _, outputs = service.generate(_edition(ids), tmp_path / "out", BASE_URL)
        expected = [c.full_name for c in service.print_order(_edition(ids))]
    reader = PdfReader(outputs.pdf)
    assert len(reader.pages) == len(expected) == 9
    for page, name in zip(reader.pages, expected, strict=True):
        assert name in page.extract_text()
    with zipfile.ZipFile(outputs.zip) as zf:
        names = zf.namelist()
        assert [int(n[:4]) for n in names] == list(range(1, 10))
        for member, name in zip(names, expected, strict=True):
            assert name in PdfReader(io.BytesIO(zf.read(member))).pages[0].extract_text()


def test_a_batch_left_running_by_a_restart_is_shown_as_failed(app, world):
    from datetime import timedelta

    from contest.models import CertificateBatch
    from contest.models.base import utcnow

    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        stale = CertificateBatch(edition_id=edition.id, status="running", total=10, done=4,
                                 options={"phase": "zip"}, created_at=utcnow() - timedelta(hours=1))
        fresh = CertificateBatch(edition_id=edition.id, status="running", total=10, done=4, options={"phase": "zip"})
        db.session.add_all([stale, fresh])
        db.session.commit()
        assert service.batch_status(stale)["finished"] is True
        assert service.batch_status(stale)["phase_label"] == "Không thành công"
        assert service.batch_status(fresh)["finished"] is False and service.batch_status(fresh)["percent"] == 40
        assert service.active_batch(edition).id == fresh.id
        with pytest.raises(service.CertificateError, match="chưa xong"):
            service.start_batch(app, edition, base_url=BASE_URL)
        fresh.status = "failed"
        db.session.commit()
        assert service.active_batch(edition) is None


def test_two_issuing_runs_at_once_issue_each_certificate_once(app, world):
    """Another worker issues while the first run has not committed yet: it waits for the
    edition's row lock, then finds everything issued, instead of numbering again."""
    ids = build_awarded_edition(app, world)

    def issue(name: str, hold) -> int:
        with app.app_context():
            summary = service.issue_certificates(db.session.get(Edition, ids["edition"]))
            hold()  # not committed yet while the other run starts
            db.session.commit()
            return len(summary.created)

    created = race(issue)
    assert isinstance(created["first"], int) and created["first"] > 0 and created["second"] == 0, created
    with app.app_context():
        numbers = db.session.scalars(
            select(Certificate.register_number).where(Certificate.edition_id == ids["edition"])).all()
        assert len(numbers) == created["first"] == len(set(numbers))
