"""Users and scoped role grants."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from contest.models.base import Base, utcnow

ORGANISER = "organiser"
AREA_ORGANISER = "area_organiser"
INSTITUTION = "institution"
JUDGE = "judge"
REFEREE = "referee"
HEAD_REFEREE = "head_referee"

ROLES = {
    ORGANISER: "Ban Tổ chức tỉnh",
    AREA_ORGANISER: "Ban Tổ chức cấp xã/huyện",
    INSTITUTION: "Đơn vị dự thi",
    JUDGE: "Giám khảo",
    REFEREE: "Trọng tài",
    HEAD_REFEREE: "Tổng trọng tài",
}


class User(UserMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RoleGrant.id"
    )

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return bool(self.active)

    def get_id(self) -> str:
        # The hash prefix invalidates old sessions once the password changes.
        return f"{self.id}:{self.password_hash[-12:]}"

    def set_password(self, password: str) -> None:
        method = "scrypt"
        if has_app_context():
            method = current_app.config.get("PASSWORD_HASH_METHOD", method)
        self.password_hash = generate_password_hash(password, method=method)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # Roles
    @property
    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def grants_for(self, role: str) -> list[RoleGrant]:
        return [g for g in self.grants if g.role == role]

    def unit_ids(self, role: str = AREA_ORGANISER) -> set[int]:
        return {g.unit_id for g in self.grants_for(role) if g.unit_id is not None}

    def institution_ids(self, role: str = INSTITUTION) -> set[int]:
        return {g.institution_id for g in self.grants_for(role) if g.institution_id is not None}

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleGrant(Base):
    """A role, optionally scoped to a unit (area organiser), an institution (school account)
    or an edition (judges, referees)."""

    __tablename__ = "role_grant"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "unit_id", "institution_id", "edition_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    edition_id: Mapped[int | None] = mapped_column(ForeignKey("edition.id"))

    user: Mapped[User] = relationship(back_populates="grants")
    unit = relationship("AdminUnit")
    institution = relationship("Institution")
    edition = relationship("Edition")

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def scope_label(self) -> str:
        parts = []
        if self.unit is not None:
            parts.append(self.unit.name)
        if self.institution is not None:
            parts.append(self.institution.name)
        if self.edition is not None:
            parts.append(self.edition.name)
        return " · ".join(parts)
