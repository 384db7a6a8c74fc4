"""Organiser services: editions with their chains of levels, institutions, contests.

Services take explicit arguments (never ``request``) so the CLI, the demo seed, tests
and routes share them. They raise ``ValidationError`` with Vietnamese messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from contest import audit
from contest.extensions import db
from contest.models import (
    UNIT_KINDS,
    Category,
    Contest,
    Division,
    Edition,
    Institution,
    Level,
)
from contest.text import normalize_text, parse_date_vn, slugify

CODE_RE = re.compile(r"^[a-z0-9_]{1,40}$")


class ValidationError(ValueError):
    """Carries one or more Vietnamese messages, optionally per field."""

    def __init__(self, messages: dict[str, list[str]] | str):
        if isinstance(messages, str):
            messages = {"": [messages]}
        self.messages = messages
        super().__init__("; ".join(m for msgs in messages.values() for m in msgs))


@dataclass(frozen=True)
class LevelSpec:
    code: str
    name: str
    area_kind: str | None = None


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str


@dataclass(frozen=True)
class DivisionSpec:
    code: str
    name: str
    born_from: date | None = None
    born_to: date | None = None


def _split_lines(text: str | None) -> list[tuple[int, list[str]]]:
    out = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = normalize_text(raw)
        if not line:
            continue
        out.append((number, [normalize_text(part) for part in line.split("|")]))
    return out


def _check_code(code: str, number: int, errors: list[str], seen: set[str]) -> None:
    if not CODE_RE.match(code):
        errors.append(f"Dòng {number}: mã '{code}' chỉ được gồm chữ thường không dấu, số và dấu gạch dưới.")
    elif code in seen:
        errors.append(f"Dòng {number}: mã '{code}' bị trùng.")
    seen.add(code)


def parse_levels(text: str | None) -> list[LevelSpec]:
    errors: list[str] = []
    seen: set[str] = set()
    specs = []
    for number, parts in _split_lines(text):
        if len(parts) < 2 or not parts[0] or not parts[1]:
            errors.append(f"Dòng {number}: cần ghi theo dạng 'mã | tên cấp'.")
            continue
        code, name = parts[0].lower(), parts[1]
        _check_code(code, number, errors, seen)
        area_kind = parts[2].lower() if len(parts) > 2 and parts[2] else None
        if area_kind is not None and area_kind not in UNIT_KINDS:
            errors.append(
                f"Dòng {number}: loại địa bàn '{area_kind}' không hợp lệ (dùng: {', '.join(UNIT_KINDS)})."
            )
        specs.append(LevelSpec(code, name, area_kind))
    if not specs and not errors:
        errors.append("Kỳ thi phải có ít nhất một cấp thi.")
    if errors:
        raise ValidationError({"levels_text": errors})
    return specs


def parse_items(text: str | None, field: str = "categories_text") -> list[ItemSpec]:
    errors: list[str] = []
    seen: set[str] = set()
    specs = []
    for number, parts in _split_lines(text):
        if len(parts) < 2 or not parts[0] or not parts[1]:
            errors.append(f"Dòng {number}: cần ghi theo dạng 'mã | tên'.")
            continue
        code = parts[0].lower()
        _check_code(code, number, errors, seen)
        specs.append(ItemSpec(code, parts[1]))
    if errors:
        raise ValidationError({field: errors})
    return specs


def parse_divisions(text: str | None) -> list[DivisionSpec]:
    errors: list[str] = []
    seen: set[str] = set()
    specs = []
    for number, parts in _split_lines(text):
        if len(parts) < 2 or not parts[0] or not parts[1]:
            errors.append(f"Dòng {number}: cần ghi theo dạng 'mã | tên | sinh từ ngày | đến ngày'.")
            continue
        code = parts[0].lower()
        _check_code(code, number, errors, seen)
        dates: list[date | None] = []
        for raw in parts[2:4]:
            if not raw:
                dates.append(None)
                continue
            try:
                dates.append(parse_date_vn(raw))
            except ValueError as exc:
                errors.append(f"Dòng {number}: {exc}")
                dates.append(None)
        while len(dates) < 2:
            dates.append(None)
        if dates[0] and dates[1] and dates[0] > dates[1]:
            errors.append(f"Dòng {number}: ngày 'sinh từ' phải trước ngày 'đến'.")
        specs.append(DivisionSpec(code, parts[1], dates[0], dates[1]))
    if errors:
        raise ValidationError({"divisions_text": errors})
    return specs


def levels_text(edition: Edition) -> str:
    return "\n".join(
        " | ".join(p for p in (lv.code, lv.name, lv.area_kind or "") if p) for lv in edition.levels
    )


def items_text(items) -> str:
    return "\n".join(f"{i.code} | {i.name}" for i in items)


def divisions_text(edition: Edition) -> str:
    lines = []
    for d in edition.divisions:
        parts = [d.code, d.name]
        if d.born_from or d.born_to:
            parts.append(d.born_from.strftime("%d/%m/%Y") if d.born_from else "")
            parts.append(d.born_to.strftime("%d/%m/%Y") if d.born_to else "")
        lines.append(" | ".join(parts).rstrip(" |"))
    return "\n".join(lines)


EDITION_FIELDS = [
    "contest_id",
    "number",
    "name",
    "slug",
    "year_start",
    "year_end",
    "province_name",
    "status",
    "starts_on",
    "ends_on",
    "registration_opens_on",
    "registration_deadline",
    "blind_judging",
    "description",
]


def save_edition(
    edition: Edition | None,
    data: dict,
    *,
    levels: list[LevelSpec],
    categories: list[ItemSpec],
    divisions: list[DivisionSpec],
    registration_rules: dict | None = None,
    actor=None,
) -> Edition:
    """Create or update an edition with its chain of levels, categories and divisions,
    and (optionally) its registration rules, kept in ``settings["registration"]``."""
    values = {k: data[k] for k in EDITION_FIELDS if k in data}
    for key in ("name", "province_name", "description"):
        if key in values and values[key] is not None:
            values[key] = normalize_text(values[key]) if key != "description" else values[key].strip()
    errors: dict[str, list[str]] = {}
    if values.get("year_end", 0) < values.get("year_start", 0):
        errors.setdefault("year_end", []).append("Năm kết thúc không được trước năm bắt đầu.")
    slug = values.get("slug")
    if slug:
        clash = db.session.scalar(select(Edition).where(Edition.slug == slug))
        if clash is not None and clash is not edition:
            errors.setdefault("slug", []).append(f"Mã kỳ thi '{slug}' đã được dùng.")
    number_clash = db.session.scalar(
        select(Edition).where(Edition.contest_id == values.get("contest_id"), Edition.number == values.get("number"))
    )
    if number_clash is not None and number_clash is not edition:
        errors.setdefault("number", []).append("Cuộc thi này đã có kỳ thi với số lần tổ chức này.")
    if registration_rules:
        low, high = registration_rules.get("min_authors"), registration_rules.get("max_authors")
        if low is not None and high is not None and low > high:
            errors.setdefault("rule_max_authors", []).append("Số tối đa phải không nhỏ hơn số tối thiểu.")
    opens, deadline = values.get("registration_opens_on"), values.get("registration_deadline")
    if opens and deadline and deadline < opens:
        errors.setdefault("registration_deadline", []).append("Hạn đăng ký phải sau ngày mở đăng ký.")
    if errors:
        raise ValidationError(errors)

    creating = edition is None
    if creating:
        edition = Edition(settings={})
        db.session.add(edition)
    old, new = audit.changes(edition, EDITION_FIELDS, values)
    if registration_rules is not None:
        settings = dict(edition.settings or {})
        before = dict(settings.get("registration") or {})
        after = {**before, **registration_rules}
        if after != before:
            settings["registration"] = after
            edition.settings = settings  # a new dict, so the JSON column is marked changed
            old["registration"], new["registration"] = before, after
    _sync_levels(edition, levels)
    _sync_items(edition.categories, categories, Category)
    _sync_divisions(edition, divisions)
    db.session.flush()
    audit.record(
        "edition.create" if creating else "edition.update",
        "edition",
        edition.id,
        user=actor,
        old=None if creating else old,
        new=new | {"levels": [lv.code for lv in levels]},
    )
    return edition


def _sync_levels(edition: Edition, specs: list[LevelSpec]) -> None:
    by_code = {lv.code: lv for lv in edition.levels}
    wanted = {s.code for s in specs}
    for level in list(edition.levels):
        if level.code not in wanted:
            edition.levels.remove(level)
    # Move existing rows out of the way first: (edition_id, position) is unique.
    for i, level in enumerate(edition.levels):
        level.position = -1 - i
    if edition.id is not None:
        db.session.flush()
    for position, spec in enumerate(specs, start=1):
        level = by_code.get(spec.code)
        if level is None:
            level = Level(code=spec.code)
            edition.levels.append(level)
        level.position = position
        level.name = spec.name
        level.area_kind = spec.area_kind
    edition.levels.sort(key=lambda lv: lv.position)


def _sync_items(collection: list, specs: list[ItemSpec], model) -> None:
    by_code = {c.code: c for c in collection}
    wanted = {s.code for s in specs}
    for item in list(collection):
        if item.code not in wanted:
            collection.remove(item)
    for position, spec in enumerate(specs, start=1):
        item = by_code.get(spec.code)
        if item is None:
            item = model(code=spec.code)
            collection.append(item)
        item.position = position
        item.name = spec.name


def _sync_divisions(edition: Edition, specs: list[DivisionSpec]) -> None:
    _sync_items(edition.divisions, [ItemSpec(s.code, s.name) for s in specs], Division)
    by_code = {d.code: d for d in edition.divisions}
    for spec in specs:
        by_code[spec.code].born_from = spec.born_from
        by_code[spec.code].born_to = spec.born_to


def save_contest(contest: Contest | None, data: dict, *, actor=None) -> Contest:
    slug = data["slug"]
    clash = db.session.scalar(select(Contest).where(Contest.slug == slug))
    if clash is not None and clash is not contest:
        raise ValidationError({"slug": [f"Mã cuộc thi '{slug}' đã được dùng."]})
    creating = contest is None
    if creating:
        position = (db.session.scalar(select(func.max(Contest.position))) or 0) + 1
        contest = Contest(position=position)
        db.session.add(contest)
    values = {
        "name": normalize_text(data["name"]),
        "short_name": normalize_text(data["short_name"]),
        "kind": data["kind"],
        "slug": slug,
        "description": (data.get("description") or "").strip() or None,
    }
    old, new = audit.changes(contest, list(values), values)
    db.session.flush()
    audit.record("contest.create" if creating else "contest.update", "contest", contest.id, user=actor, old=old, new=new)
    return contest


INSTITUTION_FIELDS = ["name", "kind", "unit_id", "address", "phone", "email", "active"]


def institution_code(name: str) -> str:
    base = slugify(name)[:50] or "don-vi"
    code, n = base, 1
    while db.session.scalar(select(Institution.id).where(Institution.code == code)) is not None:
        n += 1
        code = f"{base}-{n}"
    return code


def save_institution(institution: Institution | None, data: dict, *, actor=None) -> Institution:
    values = {k: data.get(k) for k in INSTITUTION_FIELDS if k in data}
    for key in ("name", "address", "phone", "email"):
        if key in values:
            values[key] = normalize_text(values[key]) or None
    if not values.get("name"):
        raise ValidationError({"name": ["Vui lòng nhập tên đơn vị."]})
    duplicate = db.session.scalar(
        select(Institution).where(
            func.lower(Institution.name) == values["name"].lower(), Institution.unit_id == values.get("unit_id")
        )
    )
    if duplicate is not None and duplicate is not institution:
        raise ValidationError({"name": ["Đơn vị cùng tên đã có trên cùng địa bàn."]})
    creating = institution is None
    if creating:
        institution = Institution(code=institution_code(values["name"]))
        db.session.add(institution)
    old, new = audit.changes(institution, INSTITUTION_FIELDS, values)
    db.session.flush()
    audit.record(
        "institution.create" if creating else "institution.update",
        "institution",
        institution.id,
        user=actor,
        old=None if creating else old,
        new=new,
    )
    return institution
