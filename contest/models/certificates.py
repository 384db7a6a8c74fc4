"""Certificates: one per person who earns one, numbered in a register per edition, with
an unguessable verification code and an Ed25519-signed canonical record."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, utcnow

CERTIFICATE_KINDS = {"award": "Giấy chứng nhận đạt giải", "participation": "Giấy chứng nhận tham gia",
                     "mentor": "Giấy chứng nhận người hướng dẫn"}
CERTIFICATE_STATUSES = {"valid": "Hợp lệ", "revoked": "Đã thu hồi"}


class Certificate(Base):
    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("edition_id", "register_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("entry_person.id"), index=True)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"))
    kind: Mapped[str] = mapped_column(String(20))
    register_number: Mapped[int] = mapped_column(Integer)
    # What the certificate shows (copied at issue time; the signed record holds the same).
    full_name: Mapped[str] = mapped_column(String(200))
    prize_label: Mapped[str] = mapped_column(String(120))
    entry_title: Mapped[str] = mapped_column(String(300))
    institution_name: Mapped[str] = mapped_column(String(255))
    issued_on: Mapped[date] = mapped_column(Date)
    signed: Mapped[dict] = mapped_column(JSON)  # {"record": …, "signature": …, "key_id": …}
    status: Mapped[str] = mapped_column(String(20), default="valid", index=True)
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    edition = relationship("Edition")
    entry = relationship("Entry")
    person = relationship("EntryPerson")

    @property
    def kind_label(self) -> str:
        return CERTIFICATE_KINDS.get(self.kind, self.kind)


class CertificateBatch(Base):
    """A background job generating an edition's certificates, with progress."""

    __tablename__ = "certificate_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued | running | done | failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    output_dir: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
