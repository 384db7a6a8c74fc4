"""Administrative units and institutions.

Units form a tree (province → district/city/town before 1 July 2025, province →
commune/ward after it), each with validity dates, so the former Bắc Giang districts and
the communes of the merged Bắc Ninh coexist. A succession table records which former
unit a new one mostly came from; clusters group communes for contests.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, utcnow

UNIT_KINDS = {
    "province": "Tỉnh",
    "city": "Thành phố",
    "town": "Thị xã",
    "district": "Huyện",
    "ward": "Phường",
    "commune": "Xã",
    "cluster": "Cụm",
}

INSTITUTION_KINDS = {
    "primary": "Trường Tiểu học",
    "lower_secondary": "Trường THCS",
    "upper_secondary": "Trường THPT",
    "college": "Trường Cao đẳng",
    "university": "Trường Đại học",
    "agency": "Cơ quan",
    "enterprise": "Doanh nghiệp",
    "other": "Đơn vị khác",
}

cluster_member = Table(
    "cluster_member",
    Base.metadata,
    Column("cluster_id", Integer, ForeignKey("admin_unit.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", Integer, ForeignKey("admin_unit.id", ondelete="CASCADE"), primary_key=True),
)


class AdminUnit(Base):
    __tablename__ = "admin_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    parent: Mapped[AdminUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[AdminUnit]] = relationship(back_populates="parent", order_by="AdminUnit.name")
    members: Mapped[list[AdminUnit]] = relationship(
        secondary=cluster_member,
        primaryjoin=lambda: AdminUnit.id == cluster_member.c.cluster_id,
        secondaryjoin=lambda: AdminUnit.id == cluster_member.c.unit_id,
        order_by="AdminUnit.name",
    )

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def __repr__(self) -> str:
        return f"<AdminUnit {self.code}>"


class UnitSuccession(Base):
    """``successor`` took over (all or most of) ``predecessor`` on ``effective_on``."""

    __tablename__ = "unit_succession"
    __table_args__ = (UniqueConstraint("predecessor_id", "successor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    effective_on: Mapped[date] = mapped_column(Date)

    predecessor: Mapped[AdminUnit] = relationship(foreign_keys=[predecessor_id])
    successor: Mapped[AdminUnit] = relationship(foreign_keys=[successor_id])


class Institution(Base):
    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[AdminUnit] = relationship()

    @property
    def kind_label(self) -> str:
        return INSTITUTION_KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Institution {self.code}>"
