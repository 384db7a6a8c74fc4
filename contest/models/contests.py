"""Contests, editions and each edition's chain of levels, categories and divisions.

The chain of levels is data: old editions ran school → district → province → national,
editions after the 2025 reform run school → commune/cluster → province → national.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, utcnow

CONTEST_KINDS = {
    "youth_creativity": "Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng",
    "technical_innovation": "Hội thi Sáng tạo kỹ thuật",
    "robocon": "Cuộc thi Robocon",
    "st_award": "Giải thưởng Khoa học và Công nghệ",
}

EDITION_STATUSES = {
    "draft": "Đang chuẩn bị",
    "registration": "Đang nhận đăng ký",
    "judging": "Đang chấm thi",
    "results": "Đã có kết quả",
    "closed": "Đã kết thúc",
}

# Level codes used in reports and the statistics API.
LEVEL_CODES = {
    "truong": "Cấp cơ sở (trường)",
    "huyen": "Cấp huyện",
    "xa": "Cấp xã/phường",
    "cum": "Cấp cụm",
    "tinh": "Cấp tỉnh",
    "toan_quoc": "Toàn quốc",
    "vong_loai": "Vòng loại",
    "chung_ket": "Chung kết",
    "chung_khao": "Vòng chung khảo",
}


class Contest(Base):
    __tablename__ = "contest"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    editions: Mapped[list[Edition]] = relationship(
        back_populates="contest", order_by="Edition.year_start.desc()", cascade="all, delete-orphan"
    )

    @property
    def kind_label(self) -> str:
        return CONTEST_KINDS.get(self.kind, self.kind)


class Edition(Base):
    __tablename__ = "edition"
    __table_args__ = (UniqueConstraint("contest_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    year_start: Mapped[int] = mapped_column(Integer)
    year_end: Mapped[int] = mapped_column(Integer)
    province_name: Mapped[str] = mapped_column(String(80), default="Bắc Ninh")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    registration_opens_on: Mapped[date | None] = mapped_column(Date)
    registration_deadline: Mapped[date | None] = mapped_column(Date)
    blind_judging: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contest: Mapped[Contest] = relationship(back_populates="editions")
    levels: Mapped[list[Level]] = relationship(
        back_populates="edition", order_by="Level.position", cascade="all, delete-orphan"
    )
    categories: Mapped[list[Category]] = relationship(
        back_populates="edition", order_by="Category.position", cascade="all, delete-orphan"
    )
    divisions: Mapped[list[Division]] = relationship(
        back_populates="edition", order_by="Division.position", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return EDITION_STATUSES.get(self.status, self.status)

    @property
    def years_label(self) -> str:
        if self.year_start == self.year_end:
            return str(self.year_start)
        return f"{self.year_start}–{self.year_end}"

    def level(self, code: str) -> Level | None:
        return next((lv for lv in self.levels if lv.code == code), None)


class Level(Base):
    __tablename__ = "level"
    __table_args__ = (
        UniqueConstraint("edition_id", "code"),
        UniqueConstraint("edition_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    # Which kind of unit groups entries at this level (district, commune, cluster) or None.
    area_kind: Mapped[str | None] = mapped_column(String(20))

    edition: Mapped[Edition] = relationship(back_populates="levels")


class Category(Base):
    """A field (lĩnh vực) of an edition."""

    __tablename__ = "category"
    __table_args__ = (UniqueConstraint("edition_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))

    edition: Mapped[Edition] = relationship(back_populates="categories")


class Division(Base):
    """A division or age group (bảng, khối), with an optional birth-date window."""

    __tablename__ = "division"
    __table_args__ = (UniqueConstraint("edition_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    born_from: Mapped[date | None] = mapped_column(Date)
    born_to: Mapped[date | None] = mapped_column(Date)

    edition: Mapped[Edition] = relationship(back_populates="divisions")
