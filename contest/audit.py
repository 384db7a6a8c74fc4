"""Write audit records. Callers pass the acting user explicitly (services never read
``request``); the route layer may pass the client address."""

from __future__ import annotations

from typing import Any

from contest.extensions import db
from contest.models import AuditLog


def record(
    action: str,
    object_type: str,
    object_id: Any = None,
    *,
    user=None,
    old: dict | None = None,
    new: dict | None = None,
    reason: str | None = None,
    remote_addr: str | None = None,
) -> AuditLog:
    entry = AuditLog(
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        user_id=getattr(user, "id", None),
        old=old,
        new=new,
        reason=reason,
        remote_addr=remote_addr,
    )
    db.session.add(entry)
    return entry


def changes(obj: Any, fields: list[str], values: dict[str, Any]) -> tuple[dict, dict]:
    """Apply ``values`` to ``obj`` and return (old, new) for the fields that changed,
    JSON-ready (dates as ISO strings)."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for name in fields:
        if name not in values:
            continue
        before = getattr(obj, name)
        after = values[name]
        if before != after:
            old[name] = _jsonable(before)
            new[name] = _jsonable(after)
            setattr(obj, name, after)
    return old, new


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


ACTION_LABELS = {
    "user.create": "Tạo tài khoản",
    "user.update": "Sửa tài khoản",
    "user.password": "Đổi mật khẩu",
    "user.password_reset": "Đặt lại mật khẩu",
    "role.grant": "Cấp vai trò",
    "role.revoke": "Thu hồi vai trò",
    "edition.create": "Tạo kỳ thi",
    "edition.update": "Sửa kỳ thi",
    "contest.create": "Tạo cuộc thi",
    "contest.update": "Sửa cuộc thi",
    "institution.create": "Thêm đơn vị",
    "institution.update": "Sửa đơn vị",
    "file.upload": "Tải tệp lên",
    "file.delete": "Xoá tệp",
    "entry.create": "Đăng ký bài dự thi",
    "entry.bulk_create": "Nhập danh sách bài dự thi",
    "entry.update": "Sửa bài dự thi",
    "entry.submitted": "Gửi Ban Tổ chức",
    "entry.accepted": "Tiếp nhận",
    "entry.returned": "Trả lại cho đơn vị",
    "entry.withdrawn": "Rút bài",
    "entry.nominate": "Chọn lên cấp trên",
    "entry.unnominate": "Bỏ chọn lên cấp trên",
    "quota.set": "Đặt hạn mức",
    "deadline.extend": "Gia hạn đăng ký",
    "quota.default": "Đặt hạn mức mặc định",
    "deadline.remove": "Bỏ gia hạn đăng ký",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
