"""Results: versioned prize allocations per edition and level (draft → approved →
published; a published version is immutable, a correction makes a new version), the
awards in each version, and national results recorded by the organiser."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, utcnow

RESULT_STATUSES = {
    "draft": "Dự thảo",
    "approved": "Đã phê duyệt",
    "published": "Đã công bố",
    "superseded": "Đã được thay thế",
}


class ResultVersion(Base):
    __tablename__ = "result_version"
    __table_args__ = (UniqueConstraint("edition_id", "level_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("level.id"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # The rules used (quotas, thresholds, tie policy, money per rank), frozen with the version.
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    notes: Mapped[list] = mapped_column(JSON, default=list)
    change_note: Mapped[str | None] = mapped_column(Text)  # why a correction was made
    decision_number: Mapped[str | None] = mapped_column(String(80))
    decision_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("result_version.id"))

    awards: Mapped[list[Award]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="Award.place"
    )
    level = relationship("Level")
    edition = relationship("Edition")

    @property
    def status_label(self) -> str:
        return RESULT_STATUSES.get(self.status, self.status)

    @property
    def immutable(self) -> bool:
        return self.status in ("published", "superseded")


class Award(Base):
    __tablename__ = "award"
    __table_args__ = (UniqueConstraint("version_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("result_version.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    rank_code: Mapped[str] = mapped_column(String(20), index=True)  # nhat | nhi | ba | khuyen_khich | …
    place: Mapped[int] = mapped_column(Integer)
    score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    group_key: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(Text)
    adjusted: Mapped[bool] = mapped_column(Boolean, default=False)
    adjust_reason: Mapped[str | None] = mapped_column(Text)
    prize_money: Mapped[int | None] = mapped_column(Integer)  # VND
    # What the award decision names (title, authors, institution, …), frozen when the
    # version is approved; later edits of the entry do not change a signed decision.
    snapshot: Mapped[dict | None] = mapped_column(JSON)

    version: Mapped[ResultVersion] = relationship(back_populates="awards")
    entry = relationship("Entry")


class NationalResult(Base):
    """What the province's nominees won at the national contest (recorded by hand)."""

    __tablename__ = "national_result"
    __table_args__ = (UniqueConstraint("entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"))
    rank_code: Mapped[str | None] = mapped_column(String(20))  # None: took part, no prize
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry = relationship("Entry")


class EditionHistory(Base):
    """Summary figures of past editions known only from reports (for trend charts)."""

    __tablename__ = "edition_history"
    __table_args__ = (UniqueConstraint("contest_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(120))
    figures: Mapped[dict] = mapped_column(JSON, default=dict)  # e.g. {"entries_by_level": {"tinh": 426}}
    source: Mapped[str | None] = mapped_column(Text)
