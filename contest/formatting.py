"""Jinja filters: everything a person sees in Vietnamese formats."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from contest.text import format_date_vn, format_money_vn

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def to_local(value: datetime) -> datetime:
    """Stored datetimes are naive UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TZ)


def date_vn(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    if isinstance(value, date):
        return format_date_vn(value)
    return str(value)


def datetime_vn(value) -> str:
    if value is None:
        return ""
    local = to_local(value)
    return local.strftime("%H:%M %d/%m/%Y")


def money_vn(value) -> str:
    if value is None:
        return ""
    return format_money_vn(value)


def number_vn(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    text = f"{value:,.2f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def register(app) -> None:
    from contest.audit import action_label

    app.jinja_env.filters.update(
        action_label=action_label,
        date_vn=date_vn, datetime_vn=datetime_vn, money_vn=money_vn, number_vn=number_vn
    )
