"""Excel export of entry lists per level, area and category, in the shape offices use:
the organisation and the list title above the table, one row per author (team member),
the rows of an entry together.

Order: by area (Địa bàn), then school, then entry; an entry's authors are sorted by given
name, then family and middle names (:func:`contest.text.name_sort_key`), and entries of a
school follow the sorted name of their first author. Withdrawn entries are left out.
Every text cell is written through :func:`contest.text.excel_safe` by ``contest.xlsx``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.models import (
    AdminUnit,
    Category,
    Edition,
    Entry,
    EntryLevel,
    Institution,
    Level,
    cluster_member,
)
from contest.text import name_sort_key, normalize_text, safe_filename
from contest.xlsx import ORGANISATION, SheetSpec, build_workbook

EXCLUDED_STATUSES = ("withdrawn",)

HEADERS = {
    "youth_creativity": ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Trường", "Địa bàn", "Tên sản phẩm",
                         "Lĩnh vực", "Bảng", "Người hướng dẫn", "Trạng thái"],
    "technical_innovation": ["STT", "Họ và tên", "Năm sinh", "Đơn vị công tác", "Chức vụ", "Đoàn viên công đoàn",
                             "Đơn vị dự thi", "Địa bàn", "Tên giải pháp", "Lĩnh vực", "Ngày áp dụng", "Trạng thái"],
    "robocon": ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Trường", "Địa bàn", "Tên đội", "Bảng",
                "Tên robot", "Người hướng dẫn", "Trạng thái"],
}
HEADERS["st_award"] = HEADERS["technical_innovation"]
WIDTHS = {
    "youth_creativity": [6, 26, 12, 9, 8, 30, 20, 36, 20, 14, 28, 14],
    "technical_innovation": [6, 26, 9, 28, 16, 12, 30, 20, 36, 20, 12, 14],
    "robocon": [6, 26, 12, 9, 8, 30, 20, 24, 14, 18, 28, 14],
}
WIDTHS["st_award"] = WIDTHS["technical_innovation"]
LIST_NOUNS = {"youth_creativity": "SẢN PHẨM", "technical_innovation": "GIẢI PHÁP", "robocon": "ĐỘI",
              "st_award": "CÔNG TRÌNH"}


class ExportError(ValueError):
    """A filter that names nothing in this edition (Vietnamese message)."""


@dataclass
class ExportFilters:
    level: Level | None = None
    area: AdminUnit | None = None
    category: Category | None = None

    def describe(self) -> str:
        parts = []
        if self.level is not None:
            parts.append(self.level.name)
        if self.area is not None:
            parts.append(f"Địa bàn: {self.area.name}")
        if self.category is not None:
            parts.append(f"Lĩnh vực: {self.category.name}")
        return " · ".join(parts)

    def slug_parts(self) -> list[str]:
        return [x.code for x in (self.level, self.area, self.category) if x is not None]


@dataclass
class ExportFile:
    content: bytes
    filename: str
    entries: int
    rows: int


def resolve_filters(edition: Edition, *, level: str | None = None, area: str | None = None,
                    category: str | None = None) -> ExportFilters:
    """Codes from a query string or the command line -> objects; unknown -> ExportError."""
    filters = ExportFilters()
    level = normalize_text(level)
    area = normalize_text(area)
    category = normalize_text(category)
    if level:
        filters.level = edition.level(level)
        if filters.level is None:
            codes = ", ".join(lv.code for lv in edition.levels)
            raise ExportError(f"Không có cấp thi mã '{level}' trong kỳ thi này (có: {codes}).")
    if category:
        filters.category = next((c for c in edition.categories if c.code == category), None)
        if filters.category is None:
            codes = ", ".join(c.code for c in edition.categories) or "không có"
            raise ExportError(f"Không có lĩnh vực mã '{category}' trong kỳ thi này (có: {codes}).")
    if area:
        filters.area = db.session.scalar(select(AdminUnit).where(AdminUnit.code == area))
        if filters.area is None:
            raise ExportError(f"Không có địa bàn mã '{area}'.")
    return filters


def apply_filters(stmt, filters: ExportFilters):
    stmt = stmt.where(Entry.status.not_in(EXCLUDED_STATUSES))
    if filters.level is not None:
        reached = exists().where(EntryLevel.entry_id == Entry.id, EntryLevel.level_id == filters.level.id)
        stmt = stmt.where(or_(Entry.level_id == filters.level.id, reached))
    if filters.category is not None:
        stmt = stmt.where(Entry.category_id == filters.category.id)
    if filters.area is not None:
        unit_ids = {filters.area.id} | set(
            db.session.scalars(select(cluster_member.c.unit_id).where(cluster_member.c.cluster_id == filters.area.id))
        )
        stmt = stmt.where(or_(
            Entry.area_unit_id.in_(unit_ids),
            Entry.institution_id.in_(select(Institution.id).where(Institution.unit_id.in_(unit_ids))),
        ))
    return stmt


def _text_key(text: str | None) -> tuple:
    """Vietnamese alphabetical order of a place or school name, word by word."""
    return tuple(name_sort_key(w)[0] for w in (text or "").split())


def ordered_people(entry: Entry) -> list:
    return sorted(entry.authors, key=lambda p: name_sort_key(p.full_name))


def sort_entries(entries: Sequence[Entry], area_names: dict[int, str]) -> list[tuple[Entry, list]]:
    """(entry, its authors sorted by name) in list order: area, school, first author."""
    items = [(e, ordered_people(e)) for e in entries]

    def key(item):
        entry, people = item
        area = area_names.get(entry.area_unit_id or 0) or area_names.get(entry.institution.unit_id, "")
        first = name_sort_key(people[0].full_name) if people else ((), (), "")
        return (_text_key(area), _text_key(entry.institution.name), first, _text_key(entry.title), entry.code)

    return sorted(items, key=key)


def build_rows(kind: str, ordered: Sequence[tuple[Entry, list]], *, area_names: dict[int, str],
               category_names: dict[int, str], division_names: dict[int, str]) -> list[list]:
    rows: list[list] = []
    for number, (entry, people) in enumerate(ordered, start=1):
        area = area_names.get(entry.area_unit_id or 0) or area_names.get(entry.institution.unit_id)
        school = entry.institution.name
        category = category_names.get(entry.category_id or 0)
        division = division_names.get(entry.division_id or 0)
        mentors = "; ".join(p.full_name for p in entry.mentors) or None
        for i, p in enumerate(people or [None]):
            stt = number if i == 0 else None
            if kind in ("technical_innovation", "st_award"):
                year = None if p is None else (p.birth_year or (p.birth_date.year if p.birth_date else None))
                rows.append([
                    stt, p and p.full_name, year, p and p.organisation, p and p.job_title,
                    "x" if p is not None and p.trade_union_member else None, school, area, entry.title, category,
                    entry.first_applied_on, entry.status_label,
                ])
            elif kind == "robocon":
                rows.append([
                    stt, p and p.full_name, p and p.birth_date, p and p.gender_label, p and p.class_name, school,
                    area, entry.title, division, entry.robot_name, mentors, entry.status_label,
                ])
            else:
                rows.append([
                    stt, p and p.full_name, p and p.birth_date, p and p.gender_label, p and p.class_name, school,
                    area, entry.title, category, division, mentors, entry.status_label,
                ])
    return rows


def export_entries(edition: Edition, *, stmt=None, filters: ExportFilters | None = None) -> ExportFile:
    """The list of ``edition`` as an .xlsx file. ``stmt``: the entries the caller may see
    (``registration.access.entries_stmt``); all entries of the edition when None (CLI)."""
    filters = filters or ExportFilters()
    if stmt is None:
        stmt = select(Entry).where(Entry.edition_id == edition.id)
    stmt = apply_filters(stmt, filters).options(selectinload(Entry.people), selectinload(Entry.institution))
    entries = list(db.session.scalars(stmt).unique())
    unit_ids = {e.area_unit_id for e in entries if e.area_unit_id} | {e.institution.unit_id for e in entries}
    area_names = dict(db.session.execute(select(AdminUnit.id, AdminUnit.name).where(AdminUnit.id.in_(unit_ids))).all()) \
        if unit_ids else {}
    kind = edition.contest.kind if edition.contest.kind in HEADERS else "youth_creativity"
    ordered = sort_entries(entries, area_names)
    rows = build_rows(
        kind, ordered, area_names=area_names,
        category_names={c.id: c.name for c in edition.categories},
        division_names={d.id: d.name for d in edition.divisions},
    )
    people = sum(len(p) for _, p in ordered)
    word = "thành viên" if kind == "robocon" else "tác giả"
    headings = [ORGANISATION, f"DANH SÁCH {LIST_NOUNS[kind]} DỰ THI", edition.name]
    if filters.describe():
        headings.append(filters.describe())
    headings.append(f"Tổng số: {len(entries)} {LIST_NOUNS[kind].lower()}, {people} {word}")
    content = build_workbook(SheetSpec(title="Danh sách", headers=HEADERS[kind], rows=rows, widths=WIDTHS[kind],
                                       heading_lines=headings))
    name = "-".join(["danh-sach", edition.slug, *filters.slug_parts()]) + ".xlsx"
    return ExportFile(content=content, filename=safe_filename(name), entries=len(entries), rows=len(rows))
