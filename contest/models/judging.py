"""Judging: rubrics (versioned, locked once scoring starts), panels, assignments, score
sheets with per-criterion points, and the log of every score change."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, utcnow

SHEET_STATUSES = {"draft": "Đang chấm", "submitted": "Đã nộp"}
PANEL_ROLES = {"member": "Giám khảo", "chair": "Chủ tịch hội đồng", "secretary": "Thư ký"}


class Rubric(Base):
    __tablename__ = "rubric"
    __table_args__ = (UniqueConstraint("edition_id", "level_id", "category_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("level.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))  # None: every category
    version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(200))
    locked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="rubric", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    level = relationship("Level")
    category = relationship("Category")

    @property
    def max_total(self) -> Decimal:
        return sum((c.max_points for c in self.criteria), Decimal(0))

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


class Criterion(Base):
    __tablename__ = "criterion"
    __table_args__ = (UniqueConstraint("rubric_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    max_points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    step: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("0.5"))
    # Optional bands: [{"from": 27, "to": 30, "label": "Hoàn toàn mới"}, ...]
    bands: Mapped[list | None] = mapped_column(JSON)

    rubric: Mapped[Rubric] = relationship(back_populates="criteria")


class Panel(Base):
    """A judging panel (hội đồng, tiểu ban) of one level, optionally one category."""

    __tablename__ = "panel"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("level.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    name: Mapped[str] = mapped_column(String(200))
    judges_per_entry: Mapped[int] = mapped_column(Integer, default=3)
    rule: Mapped[str] = mapped_column(String(20), default="mean")  # mean | trimmed_mean
    disagreement_threshold: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("20"))
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[PanelMember]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelMember.id"
    )
    level = relationship("Level")
    category = relationship("Category")

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


class PanelMember(Base):
    __tablename__ = "panel_member"
    __table_args__ = (UniqueConstraint("panel_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")  # member | chair | secretary
    # For conflicts of interest: where the judge works and lives.
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    area_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    max_load: Mapped[int | None] = mapped_column(Integer)

    panel: Mapped[Panel] = relationship(back_populates="members")
    user = relationship("User")
    institution = relationship("Institution")


class ConflictDeclaration(Base):
    __tablename__ = "conflict_declaration"
    __table_args__ = (UniqueConstraint("user_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(Base):
    """A judge scores an entry in a panel; one score sheet per assignment."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("panel_id", "entry_id", "judge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    is_link: Mapped[bool] = mapped_column(Boolean, default=False)  # links panels for severity comparison
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    panel: Mapped[Panel] = relationship()
    entry = relationship("Entry")
    judge = relationship("User")
    sheet: Mapped[ScoreSheet | None] = relationship(back_populates="assignment", uselist=False,
                                                    cascade="all, delete-orphan")


class ScoreSheet(Base):
    __tablename__ = "score_sheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"), unique=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    total: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default="tablet")  # tablet | paper
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    assignment: Mapped[Assignment] = relationship(back_populates="sheet")
    rubric = relationship("Rubric")
    items: Mapped[list[ScoreItem]] = relationship(back_populates="sheet", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return SHEET_STATUSES.get(self.status, self.status)


class ScoreItem(Base):
    __tablename__ = "score_item"
    __table_args__ = (UniqueConstraint("sheet_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheet.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    sheet: Mapped[ScoreSheet] = relationship(back_populates="items")
    criterion = relationship("Criterion")


class ScoreChange(Base):
    """Every change of a score: who, when, old, new, device, reason. The idempotency key
    makes a retried save (offline tablets) land exactly once."""

    __tablename__ = "score_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheet.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int | None] = mapped_column(ForeignKey("criterion.id"))
    field: Mapped[str] = mapped_column(String(20), default="points")  # points | comment | status
    old: Mapped[str | None] = mapped_column(String(2000))
    new: Mapped[str | None] = mapped_column(String(2000))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    device: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    client_time: Mapped[datetime | None]

    user = relationship("User")
