"""Robocon play: stages, scheduled runs and matches, versioned referee results, check-in
and technical inspection.

The format of each level and division (mission runs or head-to-head, the score sheet,
tie-breaks, the cut line) is configuration and lives in ``Edition.settings["robocon"]``;
these tables hold what happens on the day.

* ``RoboconStage``: one level (qualifying round, final) of one division: the group draw
  and the knockout bracket as JSON, and the parameters of its last generated schedule.
* ``RoboconFixture``: one mission run of a team or one match between two teams, on a
  field of a venue in a time slot (times are local wall-clock times, Asia/Ho_Chi_Minh).
* ``RoboconResult``: every saved version of a fixture's score sheet. Only the version a
  head referee has committed (``status == "committed"``, at most one per fixture) counts;
  earlier versions stay as history (``superseded``).
* ``RoboconCheckin`` / ``RoboconInspection``: a team's arrival and its technical
  inspections at a level (the latest inspection decides; a team must pass before its
  first run or match).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, utcnow

ROBOCON_FIXTURE_KINDS = {"run": "Lượt thi", "match": "Trận đấu"}
ROBOCON_FIXTURE_PHASES = {
    "mission": "Thi theo lượt",
    "group": "Vòng bảng",
    "knockout": "Loại trực tiếp",
}
ROBOCON_FIXTURE_STATES = {
    "scheduled": "Chưa thi",
    "pending": "Đã chấm, chờ tổng trọng tài duyệt",
    "committed": "Đã duyệt",
}
ROBOCON_RESULT_STATUSES = {
    "pending": "Chờ duyệt",
    "committed": "Đã duyệt (đang tính)",
    "superseded": "Đã được thay thế",
}
ROBOCON_RESULT_SOURCES = {
    "tablet": "Trọng tài nhập",
    "csv": "Nhập từ tệp CSV",
    "demo": "Dữ liệu trình diễn",
}


class RoboconStage(Base):
    """One level of one division: its draw, bracket and schedule parameters."""

    __tablename__ = "robocon_stage"
    __table_args__ = (UniqueConstraint("edition_id", "level_id", "division_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("level.id", ondelete="CASCADE"), index=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("division.id", ondelete="CASCADE"), index=True)
    # contest.robocon.draw.DrawResult.to_dict(), with "entries": {code: entry_id}
    draw: Mapped[dict | None] = mapped_column(JSON)
    # contest.robocon.bracket.to_dict()
    bracket: Mapped[dict | None] = mapped_column(JSON)
    # Parameters of the last generated schedule (fields, days, slot minutes, gap, seed).
    schedule: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    edition = relationship("Edition")
    level = relationship("Level")
    division = relationship("Division")
    fixtures: Mapped[list[RoboconFixture]] = relationship(
        back_populates="stage", cascade="all, delete-orphan", passive_deletes=True
    )


class RoboconFixture(Base):
    """A mission run of one team (``entry_a``) or a match of two teams."""

    __tablename__ = "robocon_fixture"
    __table_args__ = (
        Index("ix_robocon_fixture_stage_start", "stage_id", "starts_at"),
        Index("ix_robocon_fixture_field", "stage_id", "venue", "field"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("robocon_stage.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # run | match
    phase: Mapped[str] = mapped_column(String(12))  # mission | group | knockout
    venue: Mapped[str | None] = mapped_column(String(160))
    field: Mapped[str | None] = mapped_column(String(80))
    # Local wall-clock time of the slot (Asia/Ho_Chi_Minh), None when not scheduled.
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    day_index: Mapped[int | None] = mapped_column(Integer)
    slot_index: Mapped[int | None] = mapped_column(Integer)
    run_no: Mapped[int | None] = mapped_column(Integer)
    round_no: Mapped[int | None] = mapped_column(Integer)
    match_no: Mapped[int | None] = mapped_column(Integer)
    group_name: Mapped[str | None] = mapped_column(String(8))
    bracket_match: Mapped[str | None] = mapped_column(String(12))
    entry_a_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    entry_b_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(12), default="scheduled", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    stage: Mapped[RoboconStage] = relationship(back_populates="fixtures")
    entry_a = relationship("Entry", foreign_keys=[entry_a_id])
    entry_b = relationship("Entry", foreign_keys=[entry_b_id])
    results: Mapped[list[RoboconResult]] = relationship(
        back_populates="fixture", order_by="RoboconResult.version",
        cascade="all, delete-orphan", passive_deletes=True,
    )

    @property
    def kind_label(self) -> str:
        return ROBOCON_FIXTURE_KINDS.get(self.kind, self.kind)

    @property
    def phase_label(self) -> str:
        return ROBOCON_FIXTURE_PHASES.get(self.phase, self.phase)

    @property
    def state_label(self) -> str:
        return ROBOCON_FIXTURE_STATES.get(self.state, self.state)

    @property
    def field_label(self) -> str:
        if self.venue and self.field:
            return f"{self.field} · {self.venue}"
        return self.field or self.venue or "Chưa xếp sân"

    @property
    def committed(self) -> RoboconResult | None:
        return next((r for r in self.results if r.status == "committed"), None)

    @property
    def latest(self) -> RoboconResult | None:
        return self.results[-1] if self.results else None


class RoboconResult(Base):
    """One saved version of a fixture's score sheet (side ``a``; side ``b`` for matches)."""

    __tablename__ = "robocon_result"
    __table_args__ = (
        UniqueConstraint("fixture_id", "version"),
        Index("ix_robocon_result_fixture_status", "fixture_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fixture_id: Mapped[int] = mapped_column(ForeignKey("robocon_fixture.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    source: Mapped[str] = mapped_column(String(10), default="tablet")
    points_a: Mapped[float] = mapped_column(Float, default=0)
    time_a: Mapped[float | None] = mapped_column(Float)
    dq_a: Mapped[bool] = mapped_column(Boolean, default=False)
    dq_reason_a: Mapped[str | None] = mapped_column(Text)
    points_b: Mapped[float | None] = mapped_column(Float)
    time_b: Mapped[float | None] = mapped_column(Float)
    dq_b: Mapped[bool] = mapped_column(Boolean, default=False)
    dq_reason_b: Mapped[str | None] = mapped_column(Text)
    winner_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="SET NULL"))
    # What the referee wrote: {"a": {"counts": {}, "penalties": {}, "breakdown": {}}, "b": …}
    sheet: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    committed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    committed_at: Mapped[datetime | None]

    fixture: Mapped[RoboconFixture] = relationship(back_populates="results")
    created_by = relationship("User", foreign_keys=[created_by_id])
    committed_by = relationship("User", foreign_keys=[committed_by_id])
    winner = relationship("Entry", foreign_keys=[winner_entry_id])

    @property
    def status_label(self) -> str:
        return ROBOCON_RESULT_STATUSES.get(self.status, self.status)

    @property
    def source_label(self) -> str:
        return ROBOCON_RESULT_SOURCES.get(self.source, self.source)


class RoboconCheckin(Base):
    """A team has arrived at a level's venue."""

    __tablename__ = "robocon_checkin"
    __table_args__ = (UniqueConstraint("entry_id", "level_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("level.id", ondelete="CASCADE"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)

    entry = relationship("Entry")
    checked_in_by = relationship("User")


class RoboconInspection(Base):
    """One technical inspection of a team's robot at a level; the latest one decides."""

    __tablename__ = "robocon_inspection"
    __table_args__ = (Index("ix_robocon_inspection_entry_level", "entry_id", "level_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("level.id", ondelete="CASCADE"), index=True)
    # [{"code": …, "label": …, "ok": bool, "note": str}]
    items: Mapped[list] = mapped_column(JSON, default=list)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    inspected_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry = relationship("Entry")
    inspector = relationship("User")
