"""Account services: authentication, creation, password rules, role grants."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from contest import audit
from contest.extensions import db
from contest.models import ROLES, RoleGrant, User, utcnow
from contest.text import normalize_text

_DUMMY_HASH = None


class AccountError(ValueError):
    """A Vietnamese message for the user."""


def password_problems(password: str, min_length: int | None = None) -> list[str]:
    """Length only, no composition rules (NIST SP 800-63B)."""
    min_length = min_length or current_app.config.get("PASSWORD_MIN_LENGTH", 8)
    problems = []
    if len(password or "") < min_length:
        problems.append(f"Mật khẩu phải có ít nhất {min_length} ký tự.")
    if len(password or "") > 256:
        problems.append("Mật khẩu quá dài (tối đa 256 ký tự).")
    return problems


def find_user(username: str) -> User | None:
    name = normalize_text(username).lower()
    if not name:
        return None
    return db.session.scalar(select(User).where(func.lower(User.username) == name))


def authenticate(username: str, password: str) -> User | None:
    """Return the active user for these credentials, or None. Spends the same hashing
    work when the user does not exist, so timing does not reveal account names."""
    global _DUMMY_HASH
    user = find_user(username)
    if user is None or not user.active:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = generate_password_hash("not-a-password", method="scrypt")
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.check_password(password or ""):
        return None
    user.last_login_at = utcnow()
    return user


def create_user(
    username: str,
    full_name: str,
    password: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    actor=None,
) -> User:
    username = normalize_text(username).lower()
    if not username:
        raise AccountError("Tên đăng nhập không được để trống.")
    if find_user(username) is not None:
        raise AccountError(f"Tên đăng nhập '{username}' đã có người dùng.")
    problems = password_problems(password)
    if problems:
        raise AccountError(" ".join(problems))
    user = User(
        username=username,
        full_name=normalize_text(full_name),
        email=normalize_text(email) or None,
        phone=normalize_text(phone) or None,
        active=True,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id, user=actor, new={"username": username})
    return user


def grant_role(
    user: User,
    role: str,
    *,
    unit_id: int | None = None,
    institution_id: int | None = None,
    edition_id: int | None = None,
    actor=None,
) -> RoleGrant:
    if role not in ROLES:
        raise AccountError("Vai trò không hợp lệ.")
    if role == "area_organiser" and unit_id is None:
        raise AccountError("Ban Tổ chức cấp xã/huyện phải gắn với một đơn vị hành chính.")
    if role == "institution" and institution_id is None:
        raise AccountError("Tài khoản đơn vị dự thi phải gắn với một trường/cơ quan.")
    for existing in user.grants:
        if (existing.role, existing.unit_id, existing.institution_id, existing.edition_id) == (
            role,
            unit_id,
            institution_id,
            edition_id,
        ):
            return existing
    grant = RoleGrant(role=role, unit_id=unit_id, institution_id=institution_id, edition_id=edition_id)
    user.grants.append(grant)
    db.session.flush()
    audit.record(
        "role.grant",
        "user",
        user.id,
        user=actor,
        new={"role": role, "unit_id": unit_id, "institution_id": institution_id, "edition_id": edition_id},
    )
    return grant


def revoke_grant(user: User, grant_id: int, *, actor=None) -> None:
    grant = next((g for g in user.grants if g.id == grant_id), None)
    if grant is None:
        raise AccountError("Không tìm thấy vai trò này.")
    if actor is not None and actor.id == user.id and grant.role == "organiser":
        remaining = [g for g in user.grants if g.role == "organiser" and g.id != grant_id]
        if not remaining:
            raise AccountError("Không thể tự thu hồi vai trò Ban Tổ chức tỉnh của chính mình.")
    audit.record(
        "role.revoke",
        "user",
        user.id,
        user=actor,
        old={"role": grant.role, "unit_id": grant.unit_id, "institution_id": grant.institution_id},
    )
    user.grants.remove(grant)
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current or ""):
        raise AccountError("Mật khẩu hiện tại không đúng.")
    problems = password_problems(new)
    if problems:
        raise AccountError(" ".join(problems))
    user.set_password(new)
    audit.record("user.password", "user", user.id, user=user)
