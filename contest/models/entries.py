"""Entries (a model/product, a technical solution, or a Robocon team), their people,
files, per-level history, quotas and deadline extensions."""

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

ENTRY_STATUSES = {
    "draft": "Bản nháp",
    "submitted": "Đã gửi",
    "accepted": "Đã tiếp nhận",
    "returned": "Bị trả lại",
    "withdrawn": "Đã rút",
}

LEVEL_DECISIONS = {
    "pending": "Đang xét",
    "advanced": "Được chọn lên cấp trên",
    "not_advanced": "Không được chọn",
}

PERSON_ROLES = {
    "author": "Tác giả",
    "member": "Thành viên đội",
    "mentor": "Người hướng dẫn",
}

GENDERS = {"male": "Nam", "female": "Nữ"}


class Entry(Base):
    __tablename__ = "entry"
    __table_args__ = (UniqueConstraint("edition_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    # The area the entry competes in at area levels (a former district before the
    # 2025 reform, a commune or cluster after it), fixed when the entry is registered.
    area_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    division_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    # Technical innovation
    summary: Mapped[str | None] = mapped_column(Text)
    benefits: Mapped[str | None] = mapped_column(Text)
    first_applied_on: Mapped[date | None] = mapped_column(Date)
    # Robocon
    robot_name: Mapped[str | None] = mapped_column(String(120))
    video_url: Mapped[str | None] = mapped_column(String(500))

    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    return_reason: Mapped[str | None] = mapped_column(Text)
    # Highest level reached (the first level on registration).
    level_id: Mapped[int | None] = mapped_column(ForeignKey("level.id"), index=True)
    submitted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    extra: Mapped[dict] = mapped_column(JSON, default=dict)

    __mapper_args__ = {"version_id_col": version}

    edition = relationship("Edition")
    institution = relationship("Institution")
    area_unit = relationship("AdminUnit")
    category = relationship("Category")
    division = relationship("Division")
    level = relationship("Level")
    people: Mapped[list[EntryPerson]] = relationship(
        back_populates="entry", order_by="EntryPerson.position", cascade="all, delete-orphan"
    )
    files: Mapped[list[EntryFile]] = relationship(
        back_populates="entry", order_by="EntryFile.id", cascade="all, delete-orphan"
    )
    level_results: Mapped[list[EntryLevel]] = relationship(
        back_populates="entry", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return ENTRY_STATUSES.get(self.status, self.status)

    @property
    def authors(self) -> list[EntryPerson]:
        return [p for p in self.people if p.role in ("author", "member")]

    @property
    def mentors(self) -> list[EntryPerson]:
        return [p for p in self.people if p.role == "mentor"]

    @property
    def photos(self) -> list[EntryFile]:
        return [f for f in self.files if f.kind == "photo"]

    @property
    def attachments(self) -> list[EntryFile]:
        return [f for f in self.files if f.kind == "attachment"]


class EntryPerson(Base):
    """An author, team member or mentor. Birth date, phone and e-mail are private:
    public pages and certificates show only the name, institution, entry and prize."""

    __tablename__ = "entry_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    full_name: Mapped[str] = mapped_column(String(200), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(10))
    class_name: Mapped[str | None] = mapped_column(String(40))
    organisation: Mapped[str | None] = mapped_column(String(255))
    job_title: Mapped[str | None] = mapped_column(String(120))
    trade_union_member: Mapped[bool | None] = mapped_column(Boolean)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(255))
    # Normalised identity used to find one person across entries (name + birth date).
    person_key: Mapped[str | None] = mapped_column(String(255), index=True)

    entry: Mapped[Entry] = relationship(back_populates="people")

    @property
    def role_label(self) -> str:
        return PERSON_ROLES.get(self.role, self.role)

    @property
    def gender_label(self) -> str:
        return GENDERS.get(self.gender or "", "")


class EntryFile(Base):
    """A stored upload: photos are re-encoded with a thumbnail; attachments are PDFs.
    File names on disk are random; the original name is kept only for display."""

    __tablename__ = "entry_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # photo | attachment
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    thumb_name: Mapped[str | None] = mapped_column(String(80))
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped[Entry] = relationship(back_populates="files")


class EntryLevel(Base):
    """An entry's history at one level: its score, rank and the decision taken there."""

    __tablename__ = "entry_level"
    __table_args__ = (UniqueConstraint("entry_id", "level_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("level.id"), index=True)
    area_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    decision: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    rank: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]

    entry: Mapped[Entry] = relationship(back_populates="level_results")
    level = relationship("Level")
    area_unit = relationship("AdminUnit")

    @property
    def decision_label(self) -> str:
        return LEVEL_DECISIONS.get(self.decision, self.decision)


class Quota(Base):
    """How many entries an institution may register, or an area may send up to a level."""

    __tablename__ = "quota"
    __table_args__ = (UniqueConstraint("edition_id", "level_id", "institution_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[int | None] = mapped_column(ForeignKey("level.id"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    max_entries: Mapped[int] = mapped_column(Integer)

    level = relationship("Level")
    institution = relationship("Institution")
    unit = relationship("AdminUnit")


class DeadlineExtension(Base):
    __tablename__ = "deadline_extension"
    __table_args__ = (UniqueConstraint("edition_id", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    institution = relationship("Institution")
