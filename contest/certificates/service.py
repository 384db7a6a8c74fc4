"""Certificates of an edition: who gets one, issuing (register number, code, signature),
revocation and reissue, the print outputs and the background batch job.

Services take explicit arguments (never ``request``) and leave the commit to the caller,
except :func:`generate` (it commits the issued certificates before the long rendering),
:func:`start_batch` (the thread must see the batch) and :func:`run_batch` (its own app
context and session). The CLI, the web routes and the tests share them.

Who gets a certificate (:func:`collect_candidates`):

- ``award``: each author/member of an entry awarded in the newest *published* result
  version of each level of the edition;
- ``mentor``: each mentor of such an entry, when ``settings["certificates"]["mentors"]``;
- ``participation``: every person (members and mentors) of every accepted entry, when
  ``settings["certificates"]["participation"]``.

Issuing is idempotent: one certificate per (person, kind, level); a person who already
has one (valid, or revoked by an organiser) gets no second one. New certificates take
the next register numbers of the edition in a stable order (prize, then kind, then the
Vietnamese name order of :func:`contest.text.name_sort_key`); numbers are never reused.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import os
import threading
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from contest import audit
from contest.extensions import db
from contest.locking import lock_row
from contest.models import (
    Award,
    Certificate,
    CertificateBatch,
    Edition,
    Entry,
    EntryPerson,
    ResultVersion,
)
from contest.models.base import utcnow
from contest.results.ranks import PRIZE_RANKS, SCIENCE_AWARD_RANKS
from contest.text import name_sort_key, normalize_name, normalize_text, slugify
from contest.xlsx import SheetSpec, build_workbook

from . import keys
from .codes import format_code, new_code
from .pdf import CertificateData, CertificateTemplate, render_many, render_zip, zip_member_name
from .signing import sign_record, sign_revocation_list, verify_signed

log = logging.getLogger(__name__)

__all__ = [
    "CertificateError",
    "Candidate",
    "IssueSummary",
    "Outputs",
    "certificate_settings",
    "save_settings",
    "collect_candidates",
    "plan",
    "issue_certificates",
    "revoke",
    "reissue",
    "revocation_list",
    "signature_ok",
    "verify_url",
    "templates_for",
    "certificate_data",
    "render_certificate",
    "print_order",
    "register_book",
    "manifest_bytes",
    "write_outputs",
    "generate",
    "start_batch",
    "run_batch",
    "wait_for_batch",
    "active_batch",
    "batch_status",
    "batch_file",
]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
KIND_ORDER = {"award": 0, "mentor": 1, "participation": 2}
PARTICIPATION_ORDER = 1000
UNKNOWN_RANK_ORDER = 500
PARTICIPATION_LABEL = "Tham gia dự thi"
MENTOR_PRIZE_TEXT = "Đã có thành tích hướng dẫn đạt {prize_label}"
REPLACED_REASON = "thay thế"
RECORD_TYPE = "certificate"

# What an entry is called on the certificate, by contest kind.
ENTRY_LABELS = {
    "youth_creativity": "Sản phẩm dự thi",
    "technical_innovation": "Giải pháp",
    "robocon": "Đội thi",
    "st_award": "Công trình",
}
DEFAULT_SETTINGS: dict[str, Any] = {
    "participation": False,
    "mentors": False,
    "signer_title": "TM. BAN TỔ CHỨC\nTRƯỞNG BAN",
    "signer_name": "",
    "issued_on": None,  # ISO date; None: the day of issue
}
OUTPUT_FILES = {"pdf": "certificates.pdf", "zip": "certificates.zip", "xlsx": "manifest.xlsx"}
MANIFEST_HEADERS = (
    "Số vào sổ",
    "Họ và tên",
    "Giải",
    "Tên bài/đội",
    "Đơn vị",
    "Mã xác thực",
    "Đường dẫn xác thực",
    "Trạng thái",
)
ZIP_CHUNK = 300  # certificates per ZIP part (a progress step; smaller font subsets)
BATCH_STALE_AFTER = timedelta(minutes=30)
PHASE_LABELS = {
    "queued": "Đang chờ bắt đầu",
    "issue": "Đang cấp số vào sổ, mã xác thực và chữ ký số",
    "pdf": "Đang tạo tệp PDF gộp để in",
    "zip": "Đang tạo tệp ZIP (mỗi người một tệp PDF)",
    "manifest": "Đang lập danh sách Excel",
    "done": "Đã hoàn tất",
    "failed": "Không thành công",
}
BATCH_STATUS_LABELS = {
    "queued": "Đang chờ",
    "running": "Đang chạy",
    "done": "Đã xong",
    "failed": "Lỗi",
}

audit.ACTION_LABELS.update(
    {
        "certificate.issue": "Cấp giấy chứng nhận",
        "certificate.revoke": "Thu hồi giấy chứng nhận",
        "certificate.reissue": "Cấp lại giấy chứng nhận (sửa thông tin)",
        "certificate.batch": "Tạo tệp in giấy chứng nhận",
        "certificate.settings": "Sửa cấu hình giấy chứng nhận",
    }
)

Progress = Callable[[str, int, int], None]


class CertificateError(ValueError):
    """A request the certificate services refuse; the message is Vietnamese."""


def _today() -> date:
    return datetime.now(TZ).date()


def _nfc(text: Any) -> str:
    return normalize_text(text)


# ------------------------------------------------------------------------- settings


def certificate_settings(edition: Edition) -> dict[str, Any]:
    """The edition's certificate options (``settings["certificates"]``) over defaults."""
    stored = (edition.settings or {}).get("certificates") or {}
    merged = {**DEFAULT_SETTINGS, **stored}
    merged["participation"] = bool(merged["participation"])
    merged["mentors"] = bool(merged["mentors"])
    return merged


def save_settings(edition: Edition, values: Mapping[str, Any], *, user=None) -> None:
    """Store certificate options (known keys only) in ``edition.settings``; audited."""
    old = dict((edition.settings or {}).get("certificates") or {})
    new = dict(old)
    for name in ("participation", "mentors", "signer_title", "signer_name", "issued_on"):
        if name in values:
            value = values[name]
            if isinstance(value, date):
                value = value.isoformat()
            new[name] = value
    if new == old:
        return
    settings = dict(edition.settings or {})
    settings["certificates"] = new
    edition.settings = settings  # a new dict, so the JSON column is marked changed
    audit.record("certificate.settings", "edition", edition.id, user=user, old=old, new=new)


def _issue_date(settings: Mapping[str, Any], issued_on: date | None) -> date:
    if issued_on is not None:
        return issued_on
    raw = settings.get("issued_on")
    if raw:
        try:
            return date.fromisoformat(str(raw))
        except ValueError:
            raise CertificateError(
                f"Ngày cấp trong cấu hình giấy chứng nhận không hợp lệ: {raw!r}."
            ) from None
    return _today()


# ----------------------------------------------------------------------- candidates


def _rank(code: str | None) -> tuple[str, int]:
    for ranks in (PRIZE_RANKS, SCIENCE_AWARD_RANKS):
        for rank in ranks:
            if rank.code == code:
                return rank.label, rank.order
    return (code or "").strip() or "Giải", UNKNOWN_RANK_ORDER


@dataclass(frozen=True)
class Candidate:
    """One certificate to be issued (or already issued) to one person."""

    kind: str
    person: EntryPerson
    entry: Entry
    award: Award | None
    level_id: int | None
    prize_label: str
    rank_order: int

    @property
    def key(self) -> tuple[int, str, int | None]:
        return (self.person.id, self.kind, self.level_id)

    def sort_key(self) -> tuple:
        return (
            self.rank_order,
            KIND_ORDER[self.kind],
            name_sort_key(self.person.full_name),
            _nfc(self.entry.title).casefold(),
            self.person.id,
        )


def published_versions(edition: Edition) -> list[ResultVersion]:
    """The newest published result version of each level of the edition."""
    versions = db.session.scalars(
        select(ResultVersion)
        .where(ResultVersion.edition_id == edition.id, ResultVersion.status == "published")
        .order_by(ResultVersion.level_id, ResultVersion.number.desc())
    ).all()
    newest: dict[int, ResultVersion] = {}
    for version in versions:
        newest.setdefault(version.level_id, version)
    return list(newest.values())


def collect_candidates(
    edition: Edition, settings: Mapping[str, Any] | None = None
) -> list[Candidate]:
    """Everyone who should hold a certificate of ``edition``, in register order."""
    settings = settings if settings is not None else certificate_settings(edition)
    candidates: list[Candidate] = []
    awarded_versions = [v for v in published_versions(edition) if v.awards]
    several_levels = len(awarded_versions) > 1
    for version in awarded_versions:
        awards = db.session.scalars(
            select(Award)
            .where(Award.version_id == version.id)
            .options(
                selectinload(Award.entry).selectinload(Entry.people),
                selectinload(Award.entry).selectinload(Entry.institution),
            )
        ).all()
        for award in awards:
            label, order = _rank(award.rank_code)
            if several_levels and version.level is not None:
                label = f"{label} – {version.level.name}"
            entry = award.entry
            for person in entry.authors:
                candidates.append(
                    Candidate("award", person, entry, award, version.level_id, label, order)
                )
            if settings.get("mentors"):
                for person in entry.mentors:
                    candidates.append(
                        Candidate("mentor", person, entry, award, version.level_id, label, order)
                    )
    if settings.get("participation"):
        entries = db.session.scalars(
            select(Entry)
            .where(Entry.edition_id == edition.id, Entry.status == "accepted")
            .options(selectinload(Entry.people), selectinload(Entry.institution))
        ).all()
        for entry in entries:
            for person in entry.people:
                candidates.append(
                    Candidate(
                        "participation",
                        person,
                        entry,
                        None,
                        None,
                        PARTICIPATION_LABEL,
                        PARTICIPATION_ORDER,
                    )
                )
    candidates.sort(key=Candidate.sort_key)
    return candidates


def _existing(edition: Edition) -> list[tuple[Certificate, int | None]]:
    """Every certificate of the edition with the level of its award (None otherwise)."""
    rows = db.session.execute(
        select(Certificate, ResultVersion.level_id)
        .outerjoin(Award, Award.id == Certificate.award_id)
        .outerjoin(ResultVersion, ResultVersion.id == Award.version_id)
        .where(Certificate.edition_id == edition.id)
    ).all()
    return [(cert, level_id) for cert, level_id in rows]


def _key_of(cert: Certificate, level_id: int | None) -> tuple[int | None, str, int | None]:
    return (cert.person_id, cert.kind, level_id if cert.kind != "participation" else None)


def plan(edition: Edition) -> dict[str, int]:
    """Counts for the organiser before issuing: eligible, to issue, valid, revoked, outdated."""
    settings = certificate_settings(edition)
    candidates = collect_candidates(edition, settings)
    existing = _existing(edition)
    keys_taken = {_key_of(c, lv) for c, lv in existing}
    wanted = {c.key: c.prize_label for c in candidates}
    outdated = sum(
        1
        for c, lv in existing
        if c.status == "valid" and wanted.get(_key_of(c, lv)) != c.prize_label
    )
    return {
        "eligible": len(candidates),
        "to_issue": sum(1 for c in candidates if c.key not in keys_taken),
        "valid": sum(1 for c, _ in existing if c.status == "valid"),
        "revoked": sum(1 for c, _ in existing if c.status == "revoked"),
        "outdated": outdated,
    }


# -------------------------------------------------------------------------- issuing


@dataclass
class IssueSummary:
    created: list[Certificate] = field(default_factory=list)
    kept: int = 0
    outdated: int = 0
    eligible: int = 0

    @property
    def message(self) -> str:
        parts = [f"Đã cấp mới {len(self.created):,} giấy chứng nhận".replace(",", ".")]
        if self.kept:
            parts.append(f"giữ nguyên {self.kept:,} giấy đã cấp trước đó".replace(",", "."))
        text = ", ".join(parts) + "."
        if self.outdated:
            text += (
                f" Lưu ý: {self.outdated:,} giấy chứng nhận còn hiệu lực không còn khớp với "
                "kết quả công bố mới nhất, cần xem xét thu hồi."
            ).replace(",", ".")
        return text


_LOCKS: dict[int, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _edition_lock(edition_id: int) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(edition_id, threading.Lock())


def _record(cert: Certificate, edition: Edition) -> dict[str, Any]:
    """The canonical record signed for ``cert``."""
    return {
        "type": RECORD_TYPE,
        "code": cert.code,
        "name": cert.full_name,
        "prize": cert.prize_label,
        "entry": cert.entry_title,
        "contest": edition.contest.name,
        "edition": edition.name,
        "institution": cert.institution_name,
        "issued_on": cert.issued_on,
        "register_number": cert.register_number,
        "kind": cert.kind,
    }


def _sign(cert: Certificate, edition: Edition, private_key=None) -> None:
    private_key = private_key or keys.private_key()
    cert.signed = sign_record(private_key, _record(cert, edition))


def _next_register_number(edition: Edition) -> int:
    current = db.session.scalar(
        select(func.max(Certificate.register_number)).where(Certificate.edition_id == edition.id)
    )
    return (current or 0) + 1


def _fresh_code(taken: set[str]) -> str:
    while True:
        code = new_code()
        if code not in taken:
            taken.add(code)
            return code


def issue_certificates(
    edition: Edition,
    *,
    user=None,
    issued_on: date | None = None,
    overrides: Mapping[str, Any] | None = None,
    private_key=None,
) -> IssueSummary:
    """Issue the certificates of ``edition`` that do not exist yet (idempotent).

    ``overrides`` replace settings for this run only (e.g. ``{"participation": True}``).
    The caller commits.
    """
    settings = {**certificate_settings(edition), **(overrides or {})}
    day = _issue_date(settings, issued_on)
    private_key = private_key or keys.private_key()
    with _edition_lock(edition.id):
        lock_row(Edition, edition.id)  # other processes too, until the caller commits
        candidates = collect_candidates(edition, settings)
        existing = _existing(edition)
        taken = {_key_of(c, lv) for c, lv in existing}
        wanted = {c.key: c.prize_label for c in candidates}
        summary = IssueSummary(eligible=len(candidates))
        summary.outdated = sum(
            1
            for c, lv in existing
            if c.status == "valid" and wanted.get(_key_of(c, lv)) != c.prize_label
        )
        number = _next_register_number(edition)
        codes: set[str] = set()
        for cand in candidates:
            if cand.key in taken:
                summary.kept += 1
                continue
            taken.add(cand.key)
            person, entry = cand.person, cand.entry
            cert = Certificate(
                code=_fresh_code(codes),
                edition_id=edition.id,
                entry_id=entry.id,
                person_id=person.id,
                award_id=cand.award.id if cand.award is not None else None,
                kind=cand.kind,
                register_number=number,
                full_name=_nfc(person.full_name),
                prize_label=_nfc(cand.prize_label),
                entry_title=_nfc(entry.title),
                institution_name=_nfc(person.organisation or entry.institution.name),
                issued_on=day,
                status="valid",
            )
            _sign(cert, edition, private_key)
            db.session.add(cert)
            summary.created.append(cert)
            number += 1
        db.session.flush()
        if summary.created:
            audit.record(
                "certificate.issue",
                "edition",
                edition.id,
                user=user,
                new={
                    "count": len(summary.created),
                    "register_numbers": [
                        summary.created[0].register_number,
                        summary.created[-1].register_number,
                    ],
                    "issued_on": day.isoformat(),
                },
            )
    return summary


# ------------------------------------------------------------------ revoke, reissue


def revoke(cert: Certificate, reason: str, *, user=None, remote_addr: str | None = None) -> None:
    """Revoke a valid certificate with a reason (audited). The caller commits."""
    reason = normalize_text(reason)
    if cert.status != "valid":
        raise CertificateError("Giấy chứng nhận này đã bị thu hồi trước đó.")
    if not reason:
        raise CertificateError("Vui lòng nhập lý do thu hồi.")
    cert.status = "revoked"
    cert.revoked_at = utcnow()
    cert.revoke_reason = reason
    audit.record(
        "certificate.revoke",
        "certificate",
        cert.id,
        user=user,
        old={"status": "valid"},
        new={"status": "revoked", "code": cert.code},
        reason=reason,
        remote_addr=remote_addr,
    )


def reissue(
    cert: Certificate,
    full_name: str,
    *,
    user=None,
    note: str | None = None,
    remote_addr: str | None = None,
    private_key=None,
) -> Certificate:
    """Issue a corrected certificate (new code, next register number, today's date) and
    revoke ``cert`` with the reason "thay thế". The caller commits."""
    name = normalize_name(full_name)
    if cert.status != "valid":
        raise CertificateError("Chỉ cấp lại được giấy chứng nhận còn hiệu lực.")
    if not name:
        raise CertificateError("Vui lòng nhập họ và tên đúng.")
    if len(name) > 200:
        raise CertificateError("Họ và tên dài quá 200 ký tự.")
    if name == cert.full_name:
        raise CertificateError("Họ và tên mới trùng với họ và tên trên giấy chứng nhận hiện tại.")
    edition = cert.edition
    with _edition_lock(edition.id):
        lock_row(Edition, edition.id)
        new = Certificate(
            code=_fresh_code(set()),
            edition_id=cert.edition_id,
            entry_id=cert.entry_id,
            person_id=cert.person_id,
            award_id=cert.award_id,
            kind=cert.kind,
            register_number=_next_register_number(edition),
            full_name=name,
            prize_label=cert.prize_label,
            entry_title=cert.entry_title,
            institution_name=cert.institution_name,
            issued_on=_today(),
            status="valid",
        )
        _sign(new, edition, private_key)
        db.session.add(new)
        db.session.flush()
    cert.status = "revoked"
    cert.revoked_at = utcnow()
    cert.revoke_reason = REPLACED_REASON
    cert.replaced_by_id = new.id
    audit.record(
        "certificate.reissue",
        "certificate",
        cert.id,
        user=user,
        old={"full_name": cert.full_name, "code": cert.code, "register_number": cert.register_number},
        new={
            "full_name": new.full_name,
            "code": new.code,
            "register_number": new.register_number,
            "certificate_id": new.id,
        },
        reason=normalize_text(note) or REPLACED_REASON,
        remote_addr=remote_addr,
    )
    return new


def revocation_list(private_key=None) -> dict[str, Any]:
    """The signed list of every revoked certificate (code, date, reason)."""
    rows = db.session.execute(
        select(Certificate.code, Certificate.revoked_at, Certificate.revoke_reason).where(
            Certificate.status == "revoked"
        )
    ).all()
    entries = [
        {
            "code": code,
            "revoked_on": revoked_at.date().isoformat() if revoked_at else None,
            "reason": reason or "",
        }
        for code, revoked_at, reason in rows
    ]
    return sign_revocation_list(private_key or keys.private_key(), entries)


def signature_ok(cert: Certificate, public_key=None) -> bool:
    """True if the stored signed record verifies and says what the database says."""
    signed = cert.signed or {}
    public_key = public_key or keys.public_key()
    if not verify_signed(public_key, signed):
        return False
    record = signed.get("record") or {}
    return (
        record.get("type") == RECORD_TYPE
        and record.get("code") == cert.code
        and record.get("name") == cert.full_name
        and record.get("prize") == cert.prize_label
        and record.get("register_number") == cert.register_number
    )


# -------------------------------------------------------------------------- render


def verify_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/v/{code}"


def templates_for(edition: Edition) -> dict[str, CertificateTemplate]:
    """Templates by certificate kind: the edition's (``settings["certificates"]
    ["template"]``) or the default one with this edition's province and entry label;
    mentors get a variant whose prize line says they mentored the winning entry."""
    settings = (edition.settings or {}).get("certificates") or {}
    province = edition.province_name or "Bắc Ninh"
    try:
        if settings.get("template"):
            base = CertificateTemplate.from_dict(settings["template"])
        else:
            base = CertificateTemplate(
                issuer=f"LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT\nTỈNH {province.upper()}",
                place=province,
                entry_label=ENTRY_LABELS.get(edition.contest.kind, "Sản phẩm dự thi"),
            )
        if settings.get("mentor_template"):
            mentor = CertificateTemplate.from_dict(settings["mentor_template"])
        else:
            blocks = tuple(
                dataclasses.replace(b, text=MENTOR_PRIZE_TEXT)
                if b.kinds == ("award",) and "{prize_label}" in b.text
                else b
                for b in base.blocks
            )
            mentor = dataclasses.replace(base, blocks=blocks)
    except (TypeError, ValueError) as exc:
        raise CertificateError(f"Mẫu giấy chứng nhận của kỳ thi không hợp lệ: {exc}") from None
    # A background file that has gone (instance folder moved, file deleted) must not stop
    # certificates from printing: print without it; the template editor flags it.
    if base.background and not os.path.exists(base.background):
        base = dataclasses.replace(base, background=None)
    if mentor.background and not os.path.exists(mentor.background):
        mentor = dataclasses.replace(mentor, background=None)
    return {"award": base, "participation": base, "mentor": mentor}


def certificate_data(
    cert: Certificate, edition: Edition, base_url: str, settings: Mapping[str, Any] | None = None
) -> CertificateData:
    settings = settings if settings is not None else certificate_settings(edition)
    contest_name = edition.contest.name
    if _nfc(edition.name).casefold().startswith(_nfc(contest_name).casefold()):
        contest_name = ""  # the edition's name already says it ("Cuộc thi Robocon tỉnh … 2024")
    return CertificateData(
        code=cert.code,
        full_name=cert.full_name,
        prize_label=cert.prize_label,
        entry_title=cert.entry_title,
        contest_name=contest_name,
        edition_name=edition.name,
        institution=cert.institution_name,
        issued_on=cert.issued_on,
        register_number=str(cert.register_number),
        verify_url=verify_url(base_url, cert.code),
        kind="participation" if cert.kind == "participation" else "award",
        signer_title=settings.get("signer_title") or "",
        signer_name=settings.get("signer_name") or "",
    )


def template_fingerprint(edition: Edition) -> str:
    """Changes whenever what the edition's certificates look like changes (the stored
    templates, or the province and contest kind the default template is built from);
    every worker computes the same value from the database, so a rendered PDF kept under
    it is never served after another worker saved a new template."""
    settings = (edition.settings or {}).get("certificates") or {}
    looks = {
        "template": settings.get("template"), "mentor_template": settings.get("mentor_template"),
        "province": edition.province_name, "kind": edition.contest.kind,
    }
    raw = json.dumps(looks, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def render_certificate(cert: Certificate, base_url: str) -> bytes:
    """One certificate as a one-page PDF."""
    edition = cert.edition
    template = templates_for(edition)[cert.kind]
    return render_many([certificate_data(cert, edition, base_url)], template)


def _rank_orders(edition: Edition) -> dict[int, int]:
    rows = db.session.execute(
        select(Certificate.id, Award.rank_code)
        .join(Award, Award.id == Certificate.award_id)
        .where(Certificate.edition_id == edition.id)
    ).all()
    return {cert_id: _rank(code)[1] for cert_id, code in rows}


def print_order(edition: Edition) -> list[Certificate]:
    """The valid certificates of the edition by prize, kind, then name (the print order)."""
    certs = db.session.scalars(
        select(Certificate).where(
            Certificate.edition_id == edition.id, Certificate.status == "valid"
        )
    ).all()
    orders = _rank_orders(edition)

    def key(cert: Certificate) -> tuple:
        rank = PARTICIPATION_ORDER if cert.kind == "participation" else orders.get(cert.id, UNKNOWN_RANK_ORDER)
        return (rank, KIND_ORDER.get(cert.kind, 9), name_sort_key(cert.full_name), cert.register_number)

    return sorted(certs, key=key)


def register_book(edition: Edition) -> list[Certificate]:
    """Every certificate of the edition (valid and revoked) by register number."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.edition_id == edition.id)
            .order_by(Certificate.register_number)
        )
    )


def _status_text(cert: Certificate) -> str:
    if cert.status == "valid":
        return "Hợp lệ"
    text = "Đã thu hồi"
    if cert.revoke_reason:
        text += f" ({cert.revoke_reason})"
    return text


def _prize_text(cert: Certificate) -> str:
    if cert.kind == "mentor":
        return f"{cert.prize_label} (người hướng dẫn)"
    return cert.prize_label


def manifest_bytes(
    edition: Edition, printed: Iterable[Certificate], book: Iterable[Certificate], base_url: str
) -> bytes:
    """The .xlsx manifest: the print list (the merged PDF's page order) and the register."""

    def rows(certs: Iterable[Certificate]) -> list[list[Any]]:
        return [
            [
                c.register_number,
                c.full_name,
                _prize_text(c),
                c.entry_title,
                c.institution_name,
                format_code(c.code),
                verify_url(base_url, c.code),
                _status_text(c),
            ]
            for c in certs
        ]

    province = (edition.province_name or "Bắc Ninh").upper()
    issuer = f"LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT TỈNH {province}"
    widths = (10, 28, 22, 40, 34, 22, 50, 16)
    return build_workbook(
        [
            SheetSpec(
                title="Danh sách in",
                headers=MANIFEST_HEADERS,
                rows=rows(printed),
                widths=widths,
                heading_lines=(issuer, "DANH SÁCH GIẤY CHỨNG NHẬN (THEO THỨ TỰ IN)", edition.name),
            ),
            SheetSpec(
                title="Sổ cấp giấy chứng nhận",
                headers=MANIFEST_HEADERS,
                rows=rows(book),
                widths=widths,
                heading_lines=(issuer, "SỔ CẤP GIẤY CHỨNG NHẬN", edition.name),
            ),
        ]
    )


@dataclass
class Outputs:
    folder: Path
    count: int
    pdf: Path
    zip: Path
    xlsx: Path
    pdf_bytes: int = 0
    zip_bytes: int = 0


def _runs(
    items: list[tuple[CertificateData, str]], limit: int | None = None
) -> list[tuple[str, list[CertificateData]]]:
    """Consecutive items with the same template, at most ``limit`` per run."""
    runs: list[tuple[str, list[CertificateData]]] = []
    for data, kind in items:
        if runs and runs[-1][0] == kind and (limit is None or len(runs[-1][1]) < limit):
            runs[-1][1].append(data)
        else:
            runs.append((kind, [data]))
    return runs


def write_outputs(
    edition: Edition, out_dir: Path, base_url: str, *, progress: Progress | None = None
) -> Outputs:
    """Write certificates.pdf (merged, print order), certificates.zip (one PDF per person,
    ASCII names) and manifest.xlsx into ``out_dir``.

    Rendering runs in this process. Worker processes were tried: on the 2-core machine
    they were not faster (spawning re-imports the app, the other core is rarely idle)
    and spawning re-runs the parent's main script."""
    from pypdf import PdfReader, PdfWriter

    printed = print_order(edition)
    if not printed:
        raise CertificateError("Kỳ thi chưa có giấy chứng nhận nào còn hiệu lực để in.")
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = certificate_settings(edition)
    templates = templates_for(edition)
    template_kind = {"award": "award", "participation": "award", "mentor": "mentor"}
    items = [
        (certificate_data(c, edition, base_url, settings), template_kind.get(c.kind, "award"))
        for c in printed
    ]
    n = len(items)
    total = 2 * n + 1
    done = 0

    def report(phase: str) -> None:
        if progress is not None:
            progress(phase, done, total)

    report("pdf")
    parts = [render_many(datas, templates[kind]) for kind, datas in _runs(items)]
    if len(parts) == 1:
        merged = parts[0]
    else:
        writer = PdfWriter()
        for part in parts:
            writer.append(PdfReader(io.BytesIO(part)))
        buffer = io.BytesIO()
        writer.write(buffer)
        merged = buffer.getvalue()
    pdf_path = out_dir / OUTPUT_FILES["pdf"]
    pdf_path.write_bytes(merged)
    done += n
    report("zip")

    # One archive rendered in parts (progress steps, smaller font subsets per PDF),
    # members renumbered over the whole print order.
    zip_path = out_dir / OUTPUT_FILES["zip"]
    number = 0
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for kind, datas in _runs(items, ZIP_CHUNK):
            with zipfile.ZipFile(io.BytesIO(render_zip(datas, templates[kind]))) as part:
                for info, data in zip(part.infolist(), datas, strict=True):
                    number += 1
                    member = zipfile.ZipInfo(zip_member_name(number, data, n), date_time=info.date_time)
                    member.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(member, part.read(info), compresslevel=1)
            done += len(datas)
            report("zip")

    report("manifest")
    xlsx_path = out_dir / OUTPUT_FILES["xlsx"]
    xlsx_path.write_bytes(manifest_bytes(edition, printed, register_book(edition), base_url))
    done += 1
    report("done")
    return Outputs(
        folder=out_dir,
        count=n,
        pdf=pdf_path,
        zip=zip_path,
        xlsx=xlsx_path,
        pdf_bytes=pdf_path.stat().st_size,
        zip_bytes=zip_path.stat().st_size,
    )


def generate(
    edition: Edition,
    out_dir: Path,
    base_url: str,
    *,
    user=None,
    overrides: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    commit: bool = True,
) -> tuple[IssueSummary, Outputs]:
    """Issue what is missing, commit, then write the three output files."""
    if progress is not None:
        progress("issue", 0, 0)
    summary = issue_certificates(edition, user=user, overrides=overrides)
    if commit:
        db.session.commit()
    outputs = write_outputs(edition, out_dir, base_url, progress=progress)
    return summary, outputs


# -------------------------------------------------------------------------- batches

_THREADS: dict[int, threading.Thread] = {}


def batch_folder(app: Flask, edition: Edition, batch_id: int) -> Path:
    root = Path(app.config.get("CERTIFICATE_FOLDER") or Path(app.instance_path) / "certificates")
    return root / (slugify(edition.slug) or f"edition-{edition.id}") / str(batch_id)


def _is_active(batch: CertificateBatch) -> bool:
    return batch.status in ("queued", "running") and (
        batch.created_at is None or utcnow() - batch.created_at < BATCH_STALE_AFTER
    )


def active_batch(edition: Edition) -> CertificateBatch | None:
    batches = db.session.scalars(
        select(CertificateBatch)
        .where(
            CertificateBatch.edition_id == edition.id,
            CertificateBatch.status.in_(("queued", "running")),
        )
        .order_by(CertificateBatch.id.desc())
    ).all()
    return next((b for b in batches if _is_active(b)), None)


def start_batch(
    app: Flask,
    edition: Edition,
    *,
    user=None,
    base_url: str,
    overrides: Mapping[str, Any] | None = None,
    remote_addr: str | None = None,
) -> CertificateBatch:
    """Create a batch and run it in a background thread with its own app context.
    Commits (the thread must see the batch)."""
    lock_row(Edition, edition.id)  # two clicks at once (any worker) start one batch
    running = active_batch(edition)
    if running is not None:
        raise CertificateError(
            "Đang có một đợt tạo giấy chứng nhận của kỳ thi này chưa xong; vui lòng đợi đợt đó hoàn tất."
        )
    templates_for(edition)  # refuse a broken template now rather than in the thread
    batch = CertificateBatch(
        edition_id=edition.id,
        status="queued",
        total=0,
        done=0,
        options={"base_url": base_url, "phase": "queued", "overrides": dict(overrides or {})},
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(batch)
    db.session.flush()
    batch.output_dir = str(batch_folder(app, edition, batch.id))
    audit.record(
        "certificate.batch",
        "edition",
        edition.id,
        user=user,
        new={"batch_id": batch.id, "base_url": base_url},
        remote_addr=remote_addr,
    )
    db.session.commit()
    thread = threading.Thread(
        target=run_batch, args=(app, batch.id), name=f"certificate-batch-{batch.id}", daemon=True
    )
    _THREADS[batch.id] = thread
    thread.start()
    return batch


def run_batch(app: Flask, batch_id: int) -> None:
    """Run a batch (in its own app context): issue, render, write files, record progress."""
    with app.app_context():
        try:
            batch = db.session.get(CertificateBatch, batch_id)
            if batch is None:
                return
            edition = db.session.get(Edition, batch.edition_id)
            options = dict(batch.options or {})
            user = None
            if batch.created_by_id is not None:
                from contest.models import User

                user = db.session.get(User, batch.created_by_id)
            batch.status = "running"
            db.session.commit()

            def progress(phase: str, done: int, total: int) -> None:
                batch.done, batch.total = done, total
                batch.options = {**(batch.options or {}), "phase": phase}
                db.session.commit()

            summary, outputs = generate(
                edition,
                Path(batch.output_dir),
                options.get("base_url") or "",
                user=user,
                overrides=options.get("overrides") or None,
                progress=progress,
            )
            batch.status = "done"
            batch.finished_at = utcnow()
            batch.options = {
                **(batch.options or {}),
                "phase": "done",
                "count": outputs.count,
                "created": len(summary.created),
                "kept": summary.kept,
                "outdated": summary.outdated,
                "message": summary.message,
                "sizes": {"pdf": outputs.pdf_bytes, "zip": outputs.zip_bytes},
            }
            db.session.commit()
        except Exception as exc:  # the job must end in a state the organiser can see
            log.exception("certificate batch %s failed", batch_id)
            db.session.rollback()
            batch = db.session.get(CertificateBatch, batch_id)
            if batch is not None:
                batch.status = "failed"
                batch.finished_at = utcnow()
                message = str(exc) if isinstance(exc, CertificateError) else (
                    f"Lỗi hệ thống khi tạo giấy chứng nhận ({type(exc).__name__}). "
                    "Các giấy đã cấp vẫn được giữ; vui lòng thử lại hoặc báo quản trị hệ thống."
                )
                batch.error = message
                batch.options = {**(batch.options or {}), "phase": "failed"}
                db.session.commit()
        finally:
            db.session.remove()
            _THREADS.pop(batch_id, None)


def wait_for_batch(batch_id: int, timeout: float = 120.0) -> bool:
    """Join a batch thread started in this process; True if it has finished."""
    thread = _THREADS.get(batch_id)
    if thread is None:
        return True
    thread.join(timeout)
    return not thread.is_alive()


def batch_status(batch: CertificateBatch) -> dict[str, Any]:
    """What the progress page shows (also its JSON status)."""
    options = batch.options or {}
    phase = options.get("phase") or batch.status
    if batch.status in ("queued", "running") and not _is_active(batch):
        phase = "failed"
    percent = None
    if batch.status == "done":
        percent = 100
    elif batch.total:
        percent = min(99, int(100 * batch.done / batch.total))
    return {
        "id": batch.id,
        "status": batch.status,
        "status_label": BATCH_STATUS_LABELS.get(batch.status, batch.status),
        "phase": phase,
        "phase_label": PHASE_LABELS.get(phase, phase),
        "done": batch.done,
        "total": batch.total,
        "percent": percent,
        "count": options.get("count"),
        "message": options.get("message"),
        "error": batch.error,
        "finished": batch.status in ("done", "failed") or phase == "failed",
    }


def batch_file(batch: CertificateBatch, kind: str) -> Path | None:
    """Path of a finished batch's output file (``pdf``, ``zip``, ``xlsx``) or None."""
    name = OUTPUT_FILES.get(kind)
    if name is None or batch.status != "done" or not batch.output_dir:
        return None
    path = Path(batch.output_dir) / name
    return path if path.is_file() else None
