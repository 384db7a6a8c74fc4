"""Excel import of entries: the template, the reading and grouping of rows, and the
all-or-nothing import through :func:`registration.services.bulk_create_entries`.

A list has one row per author (team member for Robocon). Consecutive rows with the same
title, a title cell merged down over several rows, or rows whose title cell is blank
continue the entry of the row above; mentors sit in one column, several separated by
";" or ",". The whole file is checked first (cell values, school, category and division
names, then the eligibility rules of every entry); entries are written in one SAVEPOINT
that is rolled back on any problem or on a dry run, so a file goes in whole or not at
all. Services never commit: the caller does.

The parts that need no database (column layouts, grouping of rows, name matching) are
plain functions, tested in ``tests/unit/test_importing.py``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from contest import audit
from contest.extensions import db
from contest.models import ENTRY_STATUSES, Edition, Entry, EntryPerson, Institution
from contest.text import ascii_fold, format_date_vn, normalize_name, normalize_text
from contest.xlsx import ORGANISATION, SheetSpec, build_workbook
from registration import services
from registration.excel_reader import (
    CellError,
    ColumnSpec,
    Row,
    read_table,
    report_xlsx,
)
from registration.services import BulkError, EntryData, PersonData

log = logging.getLogger(__name__)

IMPORT_STATUSES = ("draft", "submitted", "accepted")
WARNING_PREFIX = "Cảnh báo: "
MAX_LISTED_OPTIONS = 12

# --------------------------------------------------------------------------------------
# Column layouts per contest kind
# --------------------------------------------------------------------------------------

GENDER_CHOICES = {"Nam": "male", "Nữ": "female", "male": "male", "female": "female", "M": "male", "F": "female"}


@dataclass(frozen=True)
class Column:
    spec: ColumnSpec
    width: float = 16
    # Only in templates for organisers (the school of each entry).
    organiser_only: bool = False
    # Shown only when the edition has categories / divisions (kinds whose lists rarely
    # use them).
    needs: str | None = None


def _c(key, label, aliases=(), *, kind="text", width=16, max_length=None, required=False, **extra) -> Column:
    choices = GENDER_CHOICES if kind == "choice" else None
    spec = ColumnSpec(key, label, tuple(aliases), required=required, kind=kind, choices=choices,
                      max_length=max_length)
    return Column(spec, width, **extra)


_CATEGORY = ("category", "Lĩnh vực", ("Lĩnh vực dự thi", "Mã lĩnh vực", "Nhóm lĩnh vực"))
_DIVISION = ("division", "Bảng", ("Bảng dự thi", "Bảng, khối", "Bảng thi", "Khối", "Cấp học"))
_BIRTH_DATE = ("birth_date", "Ngày sinh", ("Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Ngày/tháng/năm sinh",
                                          "Sinh ngày"))
_GENDER = ("gender", "Giới tính", ("Nam/Nữ", "Nam, nữ", "Giới"))
_CLASS = ("class_name", "Lớp", ("Lớp học", "Học lớp"))
_SCHOOL = ("institution", "Trường", ("Tên trường", "Trường học", "Đơn vị dự thi", "Đơn vị"))
_MENTORS = ("mentors", "Người hướng dẫn", (
    "Giáo viên hướng dẫn", "GV hướng dẫn", "GVHD", "Họ và tên người hướng dẫn", "Họ tên người hướng dẫn",
    "Họ và tên giáo viên hướng dẫn", "Họ tên giáo viên hướng dẫn", "Người hướng dẫn (nếu có)",
))
_NAME_ALIASES = ("Họ và tên", "Họ tên", "Họ và tên học sinh", "Họ và tên tác giả", "Họ tên tác giả",
                 "Họ và tên thí sinh", "Họ và tên thành viên", "Tác giả", "Thành viên")

LAYOUTS: dict[str, list[Column]] = {
    "youth_creativity": [
        _c("title", "Tên sản phẩm", ("Tên mô hình, sản phẩm", "Tên mô hình", "Tên sản phẩm dự thi", "Tên đề tài",
                                     "Tên bài dự thi", "Mô hình, sản phẩm", "Sản phẩm"), width=36, max_length=300),
        _c(*_CATEGORY, width=22),
        _c(*_DIVISION, width=16),
        _c("description", "Mô tả", ("Mô tả sản phẩm", "Mô tả tóm tắt", "Tóm tắt"), width=40),
        _c("full_name", "Họ và tên", _NAME_ALIASES, kind="name", width=26, max_length=200, required=True),
        _c(*_BIRTH_DATE, kind="date", width=13),
        _c(*_GENDER, kind="choice", width=10),
        _c(*_CLASS, width=8, max_length=40),
        _c(*_SCHOOL, width=30, max_length=255, organiser_only=True),
        _c(*_MENTORS, width=30, max_length=400),
    ],
    "technical_innovation": [
        _c("title", "Tên giải pháp", ("Tên giải pháp dự thi", "Tên giải pháp kỹ thuật", "Tên công trình",
                                      "Tên đề tài", "Giải pháp"), width=36, max_length=300),
        _c(*_CATEGORY, width=22),
        _c(*_DIVISION, width=16, needs="divisions"),
        _c("summary", "Tóm tắt", ("Tóm tắt giải pháp", "Nội dung tóm tắt", "Tóm tắt nội dung", "Mô tả"), width=40),
        _c("first_applied_on", "Ngày áp dụng", ("Ngày áp dụng lần đầu", "Thời gian áp dụng", "Ngày bắt đầu áp dụng"),
           kind="date", width=13),
        _c("benefits", "Hiệu quả", ("Hiệu quả kinh tế - xã hội", "Hiệu quả kinh tế, xã hội", "Hiệu quả áp dụng",
                                    "Lợi ích"), width=40),
        _c("full_name", "Họ và tên tác giả", _NAME_ALIASES, kind="name", width=26, max_length=200, required=True),
        _c("birth_year", "Năm sinh", ("Sinh năm", "Ngày sinh", "Ngày tháng năm sinh"), kind="year", width=10),
        _c("organisation", "Đơn vị công tác", ("Nơi công tác", "Cơ quan công tác", "Đơn vị"), width=30,
           max_length=255),
        _c("job_title", "Chức vụ", ("Chức danh", "Chức vụ, chức danh", "Nghề nghiệp"), width=18, max_length=120),
        _c("trade_union_member", "Đoàn viên công đoàn (x)", ("Đoàn viên công đoàn", "Đoàn viên CĐ", "ĐVCĐ",
                                                             "Công đoàn"), kind="bool", width=14),
        _c("institution", "Đơn vị dự thi", ("Tên đơn vị dự thi", "Cơ quan, đơn vị dự thi", "Đơn vị đăng ký"),
           width=30, max_length=255, organiser_only=True),
    ],
    "robocon": [
        _c("title", "Tên đội", ("Tên đội thi", "Đội thi", "Đội"), width=26, max_length=300),
        _c(*_DIVISION, width=16),
        _c("robot_name", "Tên robot", ("Tên rô-bốt", "Tên rô bốt", "Robot"), width=20, max_length=120),
        _c(*_CATEGORY, width=22, needs="categories"),
        _c("full_name", "Họ và tên thành viên", _NAME_ALIASES, kind="name", width=26, max_length=200,
           required=True),
        _c(*_BIRTH_DATE, kind="date", width=13),
        _c(*_GENDER, kind="choice", width=10),
        _c(*_CLASS, width=8, max_length=40),
        _c(*_SCHOOL, width=30, max_length=255, organiser_only=True),
        _c(*_MENTORS, width=30, max_length=400),
    ],
}
LAYOUTS["st_award"] = LAYOUTS["technical_innovation"]

ENTRY_FIELDS = ("description", "summary", "benefits", "first_applied_on", "robot_name")
PERSON_FIELDS = ("birth_date", "birth_year", "gender", "class_name", "organisation", "job_title",
                 "trade_union_member")


def layout_for(kind: str) -> list[Column]:
    return LAYOUTS.get(kind, LAYOUTS["youth_creativity"])


def person_role(kind: str) -> str:
    return "member" if kind == "robocon" else "author"


def columns_for(kind: str, *, has_categories: bool = True, has_divisions: bool = True,
                with_institution: bool = True) -> list[Column]:
    """The columns of a template (and of what is read), in template order."""
    out = []
    for column in layout_for(kind):
        if column.organiser_only and not with_institution:
            continue
        if column.needs == "categories" and not has_categories:
            continue
        if column.needs == "divisions" and not has_divisions:
            continue
        out.append(column)
    return out


def label_of(kind: str, key: str) -> str:
    return next((c.spec.label for c in layout_for(kind) if c.spec.key == key), key)


def entry_word(kind: str) -> str:
    return {"robocon": "đội", "technical_innovation": "giải pháp", "st_award": "công trình"}.get(kind, "sản phẩm")


# --------------------------------------------------------------------------------------
# Pure helpers: matching names and codes, splitting people, grouping rows
# --------------------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SCHOOL_ABBREVIATIONS = (
    (re.compile(r"\bpho thong dan toc noi tru\b"), "ptdtnt"),
    (re.compile(r"\bpho thong dan toc ban tru\b"), "ptdtbt"),
    (re.compile(r"\btrung hoc co so\b"), "thcs"),
    (re.compile(r"\btrung hoc pho thong\b"), "thpt"),
    (re.compile(r"\btieu hoc\b"), "th"),
    (re.compile(r"\bmam non\b"), "mn"),
)


def fold_key(value: Any) -> str:
    """Comparison form of a code or a name: NFC, case and diacritics folded, only letters
    and digits ("Bảng B – THCS" -> "bangbthcs")."""
    return _fold_key(value if isinstance(value, str) else normalize_text(value))


@lru_cache(maxsize=16384)
def _fold_key(text: str) -> str:
    return _NON_ALNUM.sub("", ascii_fold(normalize_text(text)).casefold())


def institution_key(value: Any) -> str:
    """Comparison form of a school's name: "Trường THCS Tân Yên", "THCS  Tân Yên" and
    "trường trung học cơ sở Tân Yên" all give "thcs tan yen"."""
    return _institution_key(value if isinstance(value, str) else normalize_text(value))


@lru_cache(maxsize=16384)
def _institution_key(value: str) -> str:
    text = ascii_fold(normalize_text(value)).casefold().replace("&", " va ")
    text = " ".join(_NON_ALNUM.sub(" ", text).split())
    for pattern, short in _SCHOOL_ABBREVIATIONS:
        text = pattern.sub(short, text)
    if text.startswith("truong "):
        text = text[len("truong "):]
    return text


@dataclass(frozen=True)
class Option:
    id: int
    code: str
    name: str


def match_option(value: Any, options: Sequence[Option]) -> tuple[Option | None, str | None]:
    """Find a category or division by its code or name (folded); a unique prefix of
    at least four letters of a name also matches. Returns (option, None) or (None, why)."""
    key = fold_key(value)
    if not key:
        return None, None
    exact = [o for o in options if key in (fold_key(o.code), fold_key(o.name))]
    if len({o.id for o in exact}) == 1:
        return exact[0], None
    if not exact and len(key) >= 4:
        prefix = [o for o in options if fold_key(o.name).startswith(key)]
        if len(prefix) == 1:
            return prefix[0], None
        exact = prefix
    if exact:
        return None, "trùng với nhiều mục (" + ", ".join(o.name for o in exact[:MAX_LISTED_OPTIONS]) + "); ghi mã"
    return None, "không có trong danh sách"


def options_text(options: Sequence[Option]) -> str:
    shown = [o.name for o in options[:MAX_LISTED_OPTIONS]]
    more = len(options) - len(shown)
    return ", ".join(shown) + (f" và {more} mục khác" if more > 0 else "")


_PEOPLE_SPLIT = re.compile(r"[;,\n]+|\s+-\s+")


def split_people(value: Any) -> list[str]:
    """Mentor names from one cell: "Nguyễn Văn An; Trần Thị Bình" -> two names."""
    if value is None:
        return []
    text = str(value).replace("\r", "\n")
    names = []
    for part in _PEOPLE_SPLIT.split(text):
        name = normalize_name(part).strip(" .")
        if name and any(ch.isalpha() for ch in name):
            names.append(name)
    return names


@dataclass
class RowGroup:
    """The rows of one entry: Excel row numbers in file order."""

    first_row: int
    title: str
    rows: list[int] = field(default_factory=list)
    institution: str | None = None


def group_rows(rows: Iterable[tuple[int, str | None, str | None]], *, title_label: str = "Tên sản phẩm",
               institution_label: str = "Trường") -> tuple[list[RowGroup], list[CellError]]:
    """Group (row number, title, school) triples into entries.

    A row with a title starts a new entry unless the title (folded) is the one of the
    entry above and its school, if given, is the same; a row with a blank title continues
    the entry above. Returns the groups and the problems (a first row without a title, a
    continuation row that names another school).
    """
    groups: list[RowGroup] = []
    problems: list[CellError] = []
    current: RowGroup | None = None
    for number, title, school in rows:
        title = normalize_text(title)
        school = normalize_text(school) or None
        if title:
            same_school = (
                school is None or current is None or current.institution is None
                or institution_key(school) == institution_key(current.institution)
            )
            if current is not None and fold_key(title) == fold_key(current.title) and same_school:
                current.rows.append(number)
                current.institution = current.institution or school
                continue
            current = RowGroup(first_row=number, title=title, rows=[number], institution=school)
            groups.append(current)
            continue
        if current is None:
            problems.append(CellError(number, title_label, f"Thiếu {title_label} (dòng đầu tiên của bài dự thi "
                                                            "phải ghi tên)."))
            continue
        if school and current.institution and institution_key(school) != institution_key(current.institution):
            problems.append(CellError(
                number, institution_label,
                f"Dòng không ghi {title_label} nên được coi là tiếp theo bài ở dòng {current.first_row}, nhưng lại "
                f"ghi {institution_label.lower()} khác ('{school}'). Ghi {title_label} cho dòng này.",
            ))
            continue
        current.rows.append(number)
        current.institution = current.institution or school
    return groups, problems


def sort_problems(problems: Iterable[CellError]) -> list[CellError]:
    return sorted(problems, key=lambda e: (e.row is not None, e.row or 0))


# --------------------------------------------------------------------------------------
# Template
# --------------------------------------------------------------------------------------


def template_instructions(edition: Edition, *, with_institution: bool) -> list[str]:
    kind = edition.contest.kind
    rules = services.rules_for(edition)
    word = entry_word(kind)
    member = rules.member_word
    columns = columns_for(kind, has_categories=bool(edition.categories), has_divisions=bool(edition.divisions),
                          with_institution=with_institution)
    keys = {c.spec.key for c in columns}
    title_label = label_of(kind, "title")
    lines = [
        f"{edition.contest.name} – {edition.name}",
        "",
        "Cách điền trang “Danh sách”:",
        f"1. Mỗi dòng ghi một {member}. Bài dự thi có nhiều {member}: ghi mỗi người một dòng, các dòng liền nhau, "
        f"cùng {title_label.lower()} (có thể gộp ô {title_label} qua các dòng, hoặc để trống ô {title_label} ở các "
        "dòng sau).",
        f"2. Mỗi bài dự thi có từ {rules.min_authors} đến {rules.max_authors} {member}"
        + (f", tối đa {rules.max_mentors} người hướng dẫn." if rules.max_mentors else ".")
        + (f" Mỗi đơn vị đăng ký tối đa {rules.entries_per_institution} {word}." if rules.entries_per_institution
           else ""),
        "3. Ngày tháng ghi theo dạng dd/mm/yyyy (ví dụ 05/09/2012) hoặc dùng định dạng ngày của Excel.",
    ]
    if "gender" in keys:
        lines.append("4. Giới tính: ghi Nam hoặc Nữ.")
    if "mentors" in keys:
        lines.append("5. Người hướng dẫn: ghi họ và tên; nhiều người thì cách nhau bằng dấu chấm phẩy (;).")
    if "trade_union_member" in keys:
        lines.append("5. Đoàn viên công đoàn: đánh dấu x nếu tác giả là đoàn viên công đoàn; để trống nếu không.")
    if "birth_year" in keys:
        lines.append("6. Năm sinh: ghi năm có 4 chữ số (ví dụ 1985).")
    if with_institution:
        school = label_of(kind, "institution")
        lines.append(
            f"7. Cột {school}: ghi tên đơn vị như trong hệ thống (ví dụ “Trường THCS Tân Yên” hoặc “THCS Tân Yên”) "
            "hoặc mã đơn vị; xem trang “Đơn vị”. Tài khoản của trường nhập thì không cần cột này."
        )
    lines.append("8. Không đổi tên các cột tiêu đề; có thể xoá cột không dùng. Có thể chèn thêm dòng tiêu đề, "
                 "dòng trống, dòng tổng cộng và chữ ký ở cuối danh sách.")
    lines.append("9. Nên bấm “Kiểm tra trước” trên trang nhập dữ liệu: hệ thống kiểm tra cả tệp và chỉ nhập khi "
                 "không còn lỗi (nhập tất cả hoặc không nhập gì).")
    lines.append(
        f"10. Bài nhập do trường gửi lên ở trạng thái “{ENTRY_STATUSES['draft']}” (trường kiểm tra rồi bấm Gửi); "
        f"bài do Ban Tổ chức nhập ở trạng thái “{ENTRY_STATUSES['accepted']}”."
    )
    lines.append("")
    if edition.categories:
        lines.append("Danh sách lĩnh vực (ghi đúng tên hoặc mã):")
        lines += [f"    • {c.name}  (mã: {c.code})" for c in edition.categories]
    else:
        lines.append("Kỳ thi này không chia lĩnh vực: để trống cột Lĩnh vực.")
    lines.append("")
    if edition.divisions:
        lines.append("Danh sách bảng (ghi đúng tên hoặc mã):")
        for d in edition.divisions:
            window = ""
            if d.born_from and d.born_to:
                window = f", sinh từ {format_date_vn(d.born_from)} đến {format_date_vn(d.born_to)}"
            elif d.born_from:
                window = f", sinh từ {format_date_vn(d.born_from)}"
            elif d.born_to:
                window = f", sinh đến {format_date_vn(d.born_to)}"
            lines.append(f"    • {d.name}  (mã: {d.code}{window})")
    elif "division" in keys:
        lines.append("Kỳ thi này không chia bảng: để trống cột Bảng.")
    return lines


def build_template(edition: Edition, *, with_institution: bool,
                   institutions: Sequence[Institution] = ()) -> bytes:
    """The .xlsx template of an edition: the list sheet, the instructions sheet
    ("Hướng dẫn") and, for organisers, a sheet listing the institutions they may name."""
    kind = edition.contest.kind
    columns = columns_for(kind, has_categories=bool(edition.categories), has_divisions=bool(edition.divisions),
                          with_institution=with_institution)
    sheets = [
        SheetSpec(
            title="Danh sách",
            headers=["STT", *(c.spec.label for c in columns)],
            rows=[],
            widths=[6, *(c.width for c in columns)],
            heading_lines=(ORGANISATION, f"DANH SÁCH ĐĂNG KÝ DỰ THI – {edition.name.upper()}"),
        )
    ]
    if with_institution and institutions:
        sheets.append(SheetSpec(
            title="Đơn vị",
            headers=["Mã", "Tên", "Địa bàn"],
            rows=[[i.code, i.name, i.unit.name if i.unit else ""] for i in institutions],
            widths=[24, 48, 28],
        ))
    return build_workbook(sheets, template_instructions(edition, with_institution=with_institution))


# --------------------------------------------------------------------------------------
# The import
# --------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import found and did. ``errors`` block the import; ``warnings`` (likely
    duplicates) do not. Nothing was written unless :attr:`imported`."""

    dry_run: bool
    status: str
    errors: list[CellError] = field(default_factory=list)
    warnings: list[CellError] = field(default_factory=list)
    rows: int = 0
    entries: int = 0
    people: int = 0
    entry_ids: list[int] = field(default_factory=list)
    legacy_encoding: str | None = None
    unreadable: bool = False  # the file could not be opened as .xlsx at all

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def imported(self) -> bool:
        return self.ok and not self.dry_run and bool(self.entry_ids)

    @property
    def status_label(self) -> str:
        return ENTRY_STATUSES.get(self.status, self.status)

    def report(self) -> list[tuple[str, CellError]]:
        """("error" | "warning", problem) sorted by row."""
        items = [("error", e) for e in self.errors] + [("warning", w) for w in self.warnings]
        return sorted(items, key=lambda it: (it[1].row is not None, it[1].row or 0, it[0] != "error"))

    def report_xlsx(self, title: str) -> bytes:
        problems = [
            p if level == "error" else CellError(p.row, p.column, WARNING_PREFIX + p.message)
            for level, p in self.report()
        ]
        return report_xlsx(problems, title)

    def summary(self) -> str:
        """One Vietnamese sentence for the page and the CLI."""
        counts = f"{self.entries} bài dự thi ({self.people} người) từ {self.rows} dòng dữ liệu"
        if self.errors:
            return (f"Tệp có {len(self.errors)} lỗi: chưa nhập bài nào. Sửa các dòng được liệt kê rồi tải lên "
                    "lại.")
        if self.dry_run:
            return f"Tệp hợp lệ: sẽ nhập {counts}, trạng thái “{self.status_label}”. Chưa có gì được lưu."
        return f"Đã nhập {counts}, trạng thái “{self.status_label}”."


def read_specs(kind: str, *, has_categories: bool, has_divisions: bool, raw: bool = False) -> list[ColumnSpec]:
    """What to read. ``raw``: every column as plain text, so that every row with a name
    comes back (used to find the entry structure of rows that failed to convert)."""
    specs = []
    for column in columns_for(kind, has_categories=has_categories, has_divisions=has_divisions,
                              with_institution=True):
        spec = column.spec
        if raw:
            spec = ColumnSpec(spec.key, spec.label, spec.aliases, required=spec.required, kind="text")
        specs.append(spec)
    return specs


class _Lookups:
    """Categories, divisions and institutions of one import, loaded once."""

    def __init__(self, edition: Edition, *, load_institutions: bool):
        self.categories = [Option(c.id, c.code, c.name) for c in edition.categories]
        self.divisions = [Option(d.id, d.code, d.name) for d in edition.divisions]
        self.institutions: dict[str, list[Institution]] = {}
        if load_institutions:
            for inst in db.session.scalars(select(Institution)):
                for key in {institution_key(inst.name), institution_key(inst.code), fold_key(inst.code)}:
                    if key:
                        self.institutions.setdefault(key, []).append(inst)

    def institution(self, text: str) -> tuple[Institution | None, str | None]:
        found: list[Institution] = []
        for key in (institution_key(text), fold_key(text)):
            for inst in self.institutions.get(key, []):
                if inst not in found:
                    found.append(inst)
            if found:
                break
        if len(found) == 1:
            return found[0], None
        if found:
            listed = "; ".join(f"{i.name} – mã {i.code}" for i in found[:MAX_LISTED_OPTIONS])
            return None, f"Tên '{text}' trùng với nhiều đơn vị ({listed}); ghi mã đơn vị."
        return None, (f"Không tìm thấy đơn vị '{text}' trong danh sách đơn vị của hệ thống. Ghi đúng tên như "
                      "trong hệ thống (ví dụ “Trường THCS Tân Yên”) hoặc mã đơn vị.")


def import_entries(
    edition: Edition,
    source: Any,
    *,
    actor=None,
    institution: Institution | None = None,
    allowed_institution_ids: set[int] | None = None,
    status: str = "draft",
    dry_run: bool = False,
    check_deadline: bool = True,
    filename: str | None = None,
) -> ImportResult:
    """Check a whole file and create all of its entries, or none.

    ``institution``: every entry goes to this institution and the school column is
    ignored (a school's own import). Otherwise the school column is required and matched
    to existing institutions; ``allowed_institution_ids`` (area organisers) limits which
    ones may be named. ``source``: bytes, a path or a binary file object. Never raises for
    bad input and never commits; on success (not a dry run) the new entries are flushed
    into the session and the caller commits.
    """
    if status not in IMPORT_STATUSES:
        raise ValueError(f"Unknown import status {status!r}")
    result = ImportResult(dry_run=dry_run, status=status)
    kind = edition.contest.kind
    has_categories, has_divisions = bool(edition.categories), bool(edition.divisions)
    title_label = label_of(kind, "title")
    school_label = label_of(kind, "institution")

    if institution is not None and check_deadline and not (actor is not None and actor.has_role("organiser")):
        try:
            services.check_open(edition, institution.id, actor)
        except services.RegistrationError as exc:
            result.errors.append(CellError(None, None, " ".join(exc.messages)))
            return result

    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif hasattr(source, "read"):
        try:
            data = source.read()  # read once: the file may be read twice below
        except (OSError, ValueError):
            data = b""
    else:
        data = source  # a path; the reader opens it
    specs = read_specs(kind, has_categories=has_categories, has_divisions=has_divisions)
    typed = read_table(data, specs)
    result.legacy_encoding = typed.legacy_encoding
    file_problems = [e for e in typed.errors if e.row is None]
    if typed.header_row is None or (file_problems and not typed.rows):
        result.errors.extend(typed.errors or [CellError(None, None, "Không đọc được tệp.")])
        result.unreadable = typed.sheet_name is None
        return result
    if institution is None and "institution" not in typed.columns:
        result.errors.append(CellError(
            None, school_label,
            f"Thiếu cột {school_label}: khi Ban Tổ chức nhập danh sách của nhiều đơn vị, mỗi dòng phải ghi "
            f"{school_label.lower()} (hoặc chọn một đơn vị trên trang nhập dữ liệu).",
        ))
        return result
    result.errors.extend(typed.errors)
    if not has_categories and "category" in typed.columns and any(r.values.get("category") for r in typed.rows):
        result.warnings.append(CellError(None, "Lĩnh vực", "Kỳ thi này không chia lĩnh vực; cột Lĩnh vực được "
                                                           "bỏ qua."))

    by_number: dict[int, Row] = {row.number: row for row in typed.rows}
    use_school = institution is None
    if typed.errors:
        # Rows that failed to convert are missing from ``typed``: read again as plain
        # text to know which entry every row belongs to.
        raw = read_table(data, read_specs(kind, has_categories=has_categories, has_divisions=has_divisions,
                                          raw=True))
        structure = [(r.number, r.values.get("title"), r.values.get("institution") if use_school else None)
                     for r in raw.rows]
        if not structure:
            structure = [(r.number, r.values.get("title"), r.values.get("institution") if use_school else None)
                         for r in typed.rows]
    else:
        structure = [(r.number, r.values.get("title"), r.values.get("institution") if use_school else None)
                     for r in typed.rows]
    result.rows = len(structure)
    groups, problems = group_rows(structure, title_label=title_label, institution_label=school_label)
    result.errors.extend(problems)
    if not groups and not result.errors:
        result.errors.append(CellError(None, None, "Tệp không có dòng dữ liệu nào (mỗi dòng cần có Họ và tên)."))

    lookups = _Lookups(edition, load_institutions=use_school)
    role = person_role(kind)
    payload: list[tuple[Institution, EntryData]] = []
    payload_rows: list[RowGroup] = []
    person_rows: list[list[int]] = []
    for group in groups:
        rows = [by_number[n] for n in group.rows if n in by_number]
        partial = len(rows) < len(group.rows)  # a row of this entry has errors already reported
        if not rows:
            continue
        built = _build_entry(group, rows, kind=kind, role=role, lookups=lookups, institution=institution,
                             allowed=allowed_institution_ids, title_label=title_label, school_label=school_label,
                             has_categories=has_categories, partial=partial)
        if isinstance(built, list):
            result.errors.extend(built)
            continue
        if partial:
            continue  # school, category and division checked; the rules need every row
        inst, entry_data = built
        payload.append((inst, entry_data))
        payload_rows.append(group)
        person_rows.append([r.number for r in rows])

    result.warnings.extend(_duplicate_warnings(edition, payload, person_rows, role))
    result.entries = len(payload)
    result.people = sum(len(d.people) for _, d in payload)
    if not payload:
        return result

    savepoint = db.session.begin_nested()
    try:
        entries = services.bulk_create_entries(edition, payload, actor=actor, status=status,
                                               check_deadline=check_deadline)
    except BulkError as exc:
        savepoint.rollback()
        for index, messages in exc.problems.items():
            row = payload_rows[index].first_row if 0 <= index < len(payload_rows) else None
            result.errors.extend(CellError(row, None, message) for message in messages)
        return result
    except (SQLAlchemyError, services.RegistrationError, ValueError):
        log.exception("Excel import of edition %s failed while writing", edition.id)
        if savepoint.is_active:
            savepoint.rollback()
        result.errors.append(CellError(None, None, "Không lưu được dữ liệu vào cơ sở dữ liệu; chưa có bài nào "
                                                   "được nhập. Vui lòng thử lại."))
        return result
    if result.errors or dry_run:
        savepoint.rollback()
        return result
    audit.record(
        "entry.import", "edition", edition.id, user=actor,
        new={"file": normalize_text(filename) or None, "rows": result.rows, "entries": len(entries),
             "status": status, "codes": [entries[0].code, entries[-1].code] if entries else []},
    )
    result.entry_ids = [e.id for e in entries]
    savepoint.commit()
    return result


def _first(rows: Sequence[Row], key: str) -> tuple[Any, int | None]:
    for row in rows:
        value = row.values.get(key)
        if value is not None and value != "":
            return value, row.number
    return None, None


def _build_entry(group: RowGroup, rows: Sequence[Row], *, kind: str, role: str, lookups: _Lookups,
                 institution: Institution | None, allowed: set[int] | None, title_label: str,
                 school_label: str, has_categories: bool, partial: bool = False,
                 ) -> tuple[Institution, EntryData] | list[CellError]:
    """The entry of one group of rows, or its problems. ``partial``: some rows of the
    group failed to convert; check what is there without complaining about what is not."""
    problems: list[CellError] = []

    # The school
    inst = institution
    if inst is None:
        text, number = _first(rows, "institution")
        if text is None:
            if not partial:
                problems.append(CellError(group.first_row, school_label, f"Thiếu {school_label}."))
        else:
            inst, why = lookups.institution(str(text))
            if inst is None:
                problems.append(CellError(number, school_label, why or ""))
            elif not inst.active:
                problems.append(CellError(number, school_label, f"Đơn vị '{inst.name}' đã ngừng hoạt động."))
                inst = None
            elif allowed is not None and inst.id not in allowed:
                problems.append(CellError(number, school_label,
                                          f"Đơn vị '{inst.name}' không thuộc địa bàn bạn phụ trách."))
                inst = None

    # Category and division: one value per entry, by name or code
    chosen: dict[str, int | None] = {"category": None, "division": None}
    for key, label, options in (("category", "Lĩnh vực", lookups.categories),
                                ("division", "Bảng", lookups.divisions)):
        if key == "category" and not has_categories:
            continue
        seen: tuple[int, str] | None = None
        for row in rows:
            value = row.values.get(key)
            if value is None or value == "":
                continue
            if not options:
                problems.append(CellError(row.number, label, f"Kỳ thi này không chia {label.lower()}; để trống "
                                                             "cột này."))
                break
            option, why = match_option(value, options)
            if option is None:
                problems.append(CellError(row.number, label, f"{label} '{value}' {why}. Các mục hợp lệ: "
                                                             f"{options_text(options)}."))
                break
            if seen is not None and seen[0] != option.id:
                problems.append(CellError(row.number, label, f"Các dòng của cùng một bài dự thi ghi {label.lower()} "
                                                             f"khác nhau ('{seen[1]}' và '{value}')."))
                break
            seen = (option.id, str(value))
        chosen[key] = seen[0] if seen else None
    if problems:
        return problems

    values = {name: _first(rows, name)[0] for name in ENTRY_FIELDS}
    people: list[PersonData] = []
    mentors: dict[str, str] = {}
    for row in rows:
        v = row.values
        people.append(PersonData(
            role=role, full_name=v.get("full_name") or "",
            **{name: v.get(name) for name in PERSON_FIELDS},
        ))
        for name in split_people(v.get("mentors")):
            mentors.setdefault(fold_key(name), name)
    people += [PersonData(role="mentor", full_name=name) for name in mentors.values()]
    data = EntryData(
        title=group.title, category_id=chosen["category"], division_id=chosen["division"],
        description=values["description"], summary=values["summary"], benefits=values["benefits"],
        first_applied_on=values["first_applied_on"] if isinstance(values["first_applied_on"], date) else None,
        robot_name=values["robot_name"], people=people,
    )
    return inst, data


def _duplicate_warnings(edition: Edition, payload: Sequence[tuple[Institution, EntryData]],
                        person_rows: Sequence[Sequence[int]], role: str) -> list[CellError]:
    """Likely duplicates: the same name and birth date (or year) in the same institution,
    twice in the file or already registered in the edition."""
    warnings: list[CellError] = []
    seen: dict[tuple[str, int], int] = {}
    wanted: list[tuple[str, int, str, int, str]] = []  # key, institution, name, row, born
    for (inst, data), numbers in zip(payload, person_rows, strict=True):
        authors = [p for p in data.people if p.role == role]
        for person, number in zip(authors, numbers, strict=False):
            name = normalize_name(person.full_name)
            key = services.person_key(name, person.birth_date, person.birth_year)
            born = format_date_vn(person.birth_date) if person.birth_date else (
                str(person.birth_year) if person.birth_year else "")
            if not born or not name:
                continue
            wanted.append((key, inst.id, name, number, born))
    keys = sorted({w[0] for w in wanted})
    existing: dict[tuple[str, int], tuple[str, str]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        for key, inst_id, code, title in db.session.execute(
            select(EntryPerson.person_key, Entry.institution_id, Entry.code, Entry.title)
            .join(Entry, Entry.id == EntryPerson.entry_id)
            .where(Entry.edition_id == edition.id, Entry.status != "withdrawn",
                   EntryPerson.person_key.in_(chunk), EntryPerson.role.in_(("author", "member")))
        ):
            existing.setdefault((key, inst_id), (code, title))
    for key, inst_id, name, number, born in wanted:
        if (key, inst_id) in existing:
            code, title = existing[(key, inst_id)]
            warnings.append(CellError(number, None, f"Có thể trùng: {name} (sinh {born}) đã có trong bài dự thi "
                                                    f"{code} “{title}” của đơn vị."))
        if (key, inst_id) in seen:
            warnings.append(CellError(number, None, f"Có thể trùng: {name} (sinh {born}) đã có ở dòng "
                                                    f"{seen[(key, inst_id)]} của tệp."))
        else:
            seen[(key, inst_id)] = number
    return warnings


def default_status(user) -> str:
    """Institution imports are drafts the school checks and submits; organisers' (and
    area organisers') imports are accepted at once."""
    if user is not None and user.has_role("organiser", "area_organiser"):
        return "accepted"
    return "draft"
