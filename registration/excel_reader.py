"""Read the .xlsx lists that schools and district offices really send.

Such a sheet has a title block, a header row somewhere in the first rows (sometimes two
rows: a merged group cell above sub-headers), merged cells, blank rows, an STT column,
totals and signatures at the bottom, dates as text or numbers, and names in NFD, TCVN3 or
VNI. :func:`read_table` finds the header by matching cell texts against
:class:`ColumnSpec` labels and aliases, converts every value, and reports problems row by
row in Vietnamese. It never raises, whatever bytes it is given::

    result = read_table(upload.read(), [
        ColumnSpec("full_name", "Họ và tên", ("Họ tên",), required=True, kind="name"),
        ColumnSpec("birth_date", "Ngày sinh", ("Ngày tháng năm sinh",), kind="date"),
    ])
    if not result.ok:
        return report_xlsx(result.errors, "Lỗi trong tệp danh sách")
"""

from __future__ import annotations

import io
import os
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from contest.text import (
    ascii_fold,
    detect_legacy,
    normalize_name,
    normalize_text,
    parse_date_vn,
)

__all__ = ["CellError", "ColumnSpec", "ReadResult", "Row", "read_table", "report_xlsx"]

KINDS = ("text", "name", "date", "int", "year", "bool", "choice")

HEADER_SEARCH_ROWS = 30
MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
MAX_DATA_ROWS = 100_000
MAX_COLUMNS = 200
MAX_ERRORS = 1000
MIN_YEAR, MAX_YEAR = 1900, 2100

MSG_NOT_XLSX = "Tệp không phải là tệp Excel (.xlsx) hợp lệ hoặc đã bị hỏng."
MSG_UNREADABLE = "Không đọc được nội dung tệp Excel; tệp có thể đã bị hỏng."

_TRUE = {"x", "co", "1", "yes", "y", "true", "dung", "v", "ok"}
_FALSE = {"", "khong", "0", "no", "n", "false", "sai", "k"}
_TICKS = {"✓", "✔", "√", "☑", "✗", "✘"}


# --------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSpec:
    """One expected column.

    ``label`` is the canonical Vietnamese header (also used in messages), ``aliases``
    other header texts people use. ``kind``: 'text', 'name' (title-cased person name),
    'date', 'int', 'year', 'bool' (x / có / 1 / yes; blank, không, 0 = False) or 'choice'
    (``choices`` maps a text, compared without case and diacritics, to the stored value).
    """

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"
    choices: Mapping[str, Any] | None = None
    max_length: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Unknown column kind {self.kind!r} for {self.key!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"Column {self.key!r} of kind 'choice' needs choices")
        if isinstance(self.aliases, str):
            object.__setattr__(self, "aliases", (self.aliases,))


@dataclass
class Row:
    number: int  # 1-based Excel row number
    values: dict[str, Any]


@dataclass
class CellError:
    row: int | None  # Excel row number; None for a problem with the whole file
    column: str | None  # the column label
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Dòng {self.row}")
        if self.column:
            where.append(f"cột {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class ReadResult:
    """Rows that converted cleanly, and every problem found.

    ``rows`` holds only rows without errors; an import should go ahead only when
    :attr:`ok`. ``header_row`` is the Excel row of the (last) header row, ``columns``
    maps each found key to its 1-based column, ``legacy_encoding`` is "tcvn3" or "vni"
    when the text of the file was converted from a legacy Vietnamese encoding.
    """

    rows: list[Row] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    header_row: int | None = None
    sheet_name: str | None = None
    columns: dict[str, int] = field(default_factory=dict)
    legacy_encoding: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


class _FileProblem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------------------
# Opening the file
# --------------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


def _read_source(source: Any) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        try:
            with open(source, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError:
            raise _FileProblem("Không mở được tệp.") from None
    elif hasattr(source, "read"):
        data = source.read(MAX_FILE_BYTES + 1)
        if isinstance(data, str) or not isinstance(data, bytes | bytearray | memoryview):
            raise _FileProblem(MSG_NOT_XLSX)
        data = bytes(data)
    else:
        raise _FileProblem("Không có tệp để đọc.")
    if not data:
        raise _FileProblem("Tệp rỗng (0 byte).")
    if len(data) > MAX_FILE_BYTES:
        raise _FileProblem("Tệp quá lớn (tối đa 30 MB).")
    return data


def _check_container(data: bytes) -> None:
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_MARK in data:
            raise _FileProblem(
                "Tệp đang được đặt mật khẩu. Vui lòng gỡ mật khẩu trong Excel rồi tải lên lại."
            )
        raise _FileProblem(
            "Tệp ở định dạng Excel 97–2003 (.xls) cũ. Vui lòng mở bằng Excel và lưu lại "
            "dưới dạng Excel Workbook (.xlsx)."
        )
    if not data.startswith(b"PK"):
        raise _FileProblem(MSG_NOT_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except Exception:
        raise _FileProblem(MSG_NOT_XLSX) from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            raise _FileProblem(
                "Tệp ở định dạng OpenDocument (.ods). Vui lòng lưu lại dưới dạng .xlsx."
            )
        raise _FileProblem(MSG_NOT_XLSX)
    if len(infos) > 10_000 or sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise _FileProblem("Tệp quá lớn hoặc có cấu trúc bất thường.")


def _open_workbook(data: bytes):
    import openpyxl

    _check_container(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(
                io.BytesIO(data), read_only=False, data_only=True, keep_links=False
            )
    except Exception:
        raise _FileProblem(MSG_NOT_XLSX) from None


# --------------------------------------------------------------------------------------
# The sheet as a sparse grid
# --------------------------------------------------------------------------------------


@dataclass
class _Sheet:
    name: str
    grid: dict[int, dict[int, Any]]  # row -> column -> raw value (non-empty only)
    merges: list[tuple[int, int, int, int]]  # (min_row, min_col, max_row, max_col)
    max_row: int
    max_col: int
    visible: bool


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not normalize_text(value))


def _load_sheet(ws) -> _Sheet:
    grid: dict[int, dict[int, Any]] = {}
    cells = getattr(ws, "_cells", None)
    if isinstance(cells, dict):
        items: Iterable = ((r, c, cell.value) for (r, c), cell in cells.items())
    else:  # pragma: no cover - other openpyxl versions
        items = (
            (cell.row, cell.column, cell.value)
            for row in ws.iter_rows(max_col=MAX_COLUMNS)
            for cell in row
        )
    for r, c, value in items:
        if c > MAX_COLUMNS or _is_blank(value):
            continue
        grid.setdefault(r, {})[c] = value
    if len(grid) > MAX_DATA_ROWS:
        raise _FileProblem(f"Trang tính '{ws.title}' có quá nhiều dòng (tối đa {MAX_DATA_ROWS}).")
    max_row = max(grid, default=0)
    max_col = max((c for row in grid.values() for c in row), default=0)
    merges = []
    merged = getattr(ws, "merged_cells", None)
    for rng in merged.ranges if merged is not None else ():
        if rng.min_row > max_row or rng.min_col > max_col:
            continue
        merges.append(
            (rng.min_row, rng.min_col, min(rng.max_row, max_row), min(rng.max_col, max_col))
        )
    visible = getattr(ws, "sheet_state", "visible") == "visible"
    return _Sheet(ws.title, grid, merges, max_row, max_col, visible)


# --------------------------------------------------------------------------------------
# Finding the header
# --------------------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _key(value: Any) -> str:
    """Header / choice comparison form: "Họ và tên (*)" -> "hovaten"."""
    return _NON_ALNUM.sub("", ascii_fold(normalize_text(value).casefold()))


@dataclass
class _Header:
    score: int
    first_row: int
    last_row: int
    columns: dict[str, int]  # spec key -> column
    spans: dict[str, list[int]]  # name columns split over a merged header ("Họ" | "Tên")


def _match_quality(cell_key: str, spec_keys: Sequence[str]) -> tuple[int, int] | None:
    best = None
    for k in spec_keys:
        if cell_key == k:
            q = (3, len(k))
        elif len(k) >= 4 and cell_key.startswith(k):
            q = (2, len(k))
        else:
            continue
        if best is None or q > best:
            best = q
    return best


def _header_texts(sheet: _Sheet, rows: int) -> dict[int, dict[int, Any]]:
    """The first rows with merged cells filled in, across rows and columns."""
    texts = {r: dict(sheet.grid.get(r, {})) for r in range(1, rows + 1)}
    for min_row, min_col, max_row, max_col in sheet.merges:
        if min_row > rows:
            continue
        value = sheet.grid.get(min_row, {}).get(min_col)
        if value is None:
            continue
        for r in range(min_row, min(max_row, rows) + 1):
            for c in range(min_col, max_col + 1):
                texts[r][c] = value
    return texts


def _assign(
    candidates: dict[int, list[str]], specs: Sequence[ColumnSpec], spec_keys: dict[str, list[str]]
) -> tuple[int, dict[str, int]]:
    found = []
    for col, texts in candidates.items():
        for text in texts:
            cell_key = _key(text)
            if not cell_key:
                continue
            for spec in specs:
                q = _match_quality(cell_key, spec_keys[spec.key])
                if q is not None:
                    found.append((q, -col, spec, col))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    columns: dict[str, int] = {}
    used_cols: set[int] = set()
    score = 0
    for q, _, spec, col in found:
        if spec.key in columns or col in used_cols:
            continue
        columns[spec.key] = col
        used_cols.add(col)
        score += (10 if spec.required else 4) + q[0]
    return score, columns


def _find_header(sheet: _Sheet, specs: Sequence[ColumnSpec]) -> _Header | None:
    spec_keys = {
        spec.key: [k for k in (_key(t) for t in (spec.label, *spec.aliases)) if k] for spec in specs
    }
    last = min(sheet.max_row, HEADER_SEARCH_ROWS)
    texts = _header_texts(sheet, last + 1)
    best: _Header | None = None
    for r in range(1, last + 1):
        row = texts.get(r, {})
        if not row:
            continue
        options = [(r, r, {c: [v] for c, v in row.items()})]
        below = texts.get(r + 1, {})
        if below and r + 1 <= last:
            pair: dict[int, list[str]] = {}
            for c in set(row) | set(below):
                top, sub = row.get(c), below.get(c)
                parts = [v for v in (top, sub) if v is not None]
                if top is not None and sub is not None and _key(top) != _key(sub):
                    parts.append(f"{normalize_text(top)} {normalize_text(sub)}")
                pair[c] = parts
            options.append((r, r + 1, pair))
        for first, last_row, candidates in options:
            score, columns = _assign(candidates, specs, spec_keys)
            rank = (score, first - last_row)  # on a tie, fewer header rows
            if score and (best is None or rank > (best.score, best.first_row - best.last_row)):
                best = _Header(score, first, last_row, columns, {})
    if best is None:
        return None
    taken = set(best.columns.values())
    for spec in specs:
        col = best.columns.get(spec.key)
        if col is None or spec.kind != "name":
            continue
        for min_row, min_col, max_row, max_col in sheet.merges:
            if (
                min_col == col
                and max_col > col
                and min_row <= best.last_row
                and max_row >= best.first_row
            ):
                extra = [c for c in range(col + 1, max_col + 1) if c not in taken]
                if len(extra) == max_col - col:
                    best.spans[spec.key] = [col, *extra]
                break
    return best


# --------------------------------------------------------------------------------------
# Converting values
# --------------------------------------------------------------------------------------


def _shown(raw: Any) -> str:
    text = normalize_text(raw)
    return text if len(text) <= 60 else text[:57] + "..."


_INT_RE = re.compile(r"[+-]?\d+")
_GROUPED_INT_RE = re.compile(r"[+-]?\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*")
_INT_WITH_ZERO_DECIMALS_RE = re.compile(r"([+-]?\d+)[.,]0+")


def _to_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise ValueError
    if isinstance(raw, Decimal):
        if raw.is_finite() and raw == raw.to_integral_value():
            return int(raw)
        raise ValueError
    text = normalize_text(raw).replace(" ", "")
    if _INT_RE.fullmatch(text):
        return int(text)
    if _GROUPED_INT_RE.fullmatch(text):
        return int(re.sub(r"[.,]", "", text))
    match = _INT_WITH_ZERO_DECIMALS_RE.fullmatch(text)
    if match:
        return int(match[1])
    raise ValueError


class _Converter:
    """Converts raw cell values for one column; returns (value, error message or None)."""

    def __init__(self, spec: ColumnSpec, legacy: str | None) -> None:
        self.spec = spec
        self.legacy = legacy
        self.choice_exact: dict[str, Any] = {}
        self.choice_folded: dict[str, Any] = {}
        if spec.kind == "choice" and spec.choices:
            folded: dict[str, list[Any]] = {}
            for text, value in spec.choices.items():
                self.choice_exact[normalize_text(text).casefold()] = value
                folded.setdefault(_key(text), []).append(value)
            self.choice_folded = {k: v[0] for k, v in folded.items() if len(set(map(repr, v))) == 1}

    def __call__(self, raw: Any) -> tuple[Any, str | None]:
        spec = self.spec
        kind = spec.kind
        label = spec.label
        if kind == "bool":
            return self._bool(raw)
        if _is_blank(raw):
            return None, None
        if kind in ("text", "name", "choice"):
            if kind == "name":
                text = normalize_name(raw, legacy=self.legacy)
            else:
                text = normalize_text(raw, legacy=self.legacy)
            if kind == "choice":
                return self._choice(text)
            if spec.max_length and len(text) > spec.max_length:
                return None, f"{label} quá dài ({len(text)} ký tự, tối đa {spec.max_length})"
            if kind == "name" and (
                any(ch.isdigit() for ch in text) or not any(ch.isalpha() for ch in text)
            ):
                return None, f"{label} không hợp lệ: '{_shown(raw)}'"
            return text, None
        if kind == "date":
            try:
                return parse_date_vn(raw), None
            except (ValueError, TypeError):
                return None, f"{label} không hợp lệ: '{_shown(raw)}' (định dạng dd/mm/yyyy)"
        if kind == "int":
            try:
                return _to_int(raw), None
            except (ValueError, TypeError, InvalidOperation, OverflowError):
                return None, f"{label} phải là số nguyên: '{_shown(raw)}'"
        # kind == "year"
        try:
            if isinstance(raw, date | datetime):
                year = raw.year
            elif isinstance(raw, str) and not _INT_RE.fullmatch(normalize_text(raw)):
                year = parse_date_vn(raw).year
            else:
                year = _to_int(raw)
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise ValueError
            return year, None
        except (ValueError, TypeError, InvalidOperation, OverflowError):
            return None, f"{label} không hợp lệ: '{_shown(raw)}' (cần năm có 4 chữ số, ví dụ 2012)"

    def _bool(self, raw: Any) -> tuple[Any, str | None]:
        if raw is None:
            return False, None
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, int | float) and raw in (0, 1):
            return bool(raw), None
        text = normalize_text(raw, legacy=self.legacy)
        if text in _TICKS:
            return text in {"✓", "✔", "√", "☑"}, None
        key = _key(text)
        if key in _TRUE:
            return True, None
        if key in _FALSE:
            return False, None
        return (
            None,
            f"{self.spec.label} không hợp lệ: '{_shown(raw)}' (ghi x hoặc Có; để trống nếu không)",
        )

    def _choice(self, text: str) -> tuple[Any, str | None]:
        value = self.choice_exact.get(text.casefold(), _MISSING)
        if value is _MISSING:
            value = self.choice_folded.get(_key(text), _MISSING)
        if value is _MISSING:
            options = ", ".join(str(k) for k in (self.spec.choices or {}))
            return None, f"{self.spec.label} không hợp lệ: '{text}' (chọn một trong: {options})"
        return value, None


_MISSING = object()

# A row that ends the table: totals, place and date, signatures.
# Matched on the Vietnamese text itself: folded, "tổng" would also catch the family name Tống.
_TRAILER_RE = re.compile(
    r"^(tổng cộng|tổng số|tổng|cộng)\b|người lập|hiệu trưởng|thủ trưởng|giám đốc|chủ tịch"
    r"|xác nhận|ký tên|ký,? ghi rõ|ký và ghi rõ|đóng dấu|^(kt|tm|tl|tuq)\s*[./]"
    r"|ngày\W*\d{1,2}\W*tháng|ngày\s*[.…_]+|thư ký|trưởng ban|phó ban|trưởng phòng"
    r"|lãnh đạo|ban tổ chức|người duyệt|kế toán"
)


def _looks_like_trailer(cells: Mapping[int, Any]) -> bool:
    for value in cells.values():
        if isinstance(value, str):
            if _TRAILER_RE.search(normalize_text(value).casefold()):
                return True
    return False


def _file_legacy_encoding(sheet: _Sheet, first_row: int, columns: Iterable[int]) -> str | None:
    """The legacy encoding most text cells of the table are in, if any."""
    counts: Counter[str] = Counter()
    cols = set(columns)
    for r, cells in sheet.grid.items():
        if r < first_row:
            continue
        for c, value in cells.items():
            if c in cols and isinstance(value, str) and not value.isascii():
                found = detect_legacy(value)
                if found is not None:
                    counts[found[0]] += 1
    if len(counts) == 1:
        ((encoding, n),) = counts.items()
        if n >= 2:
            return encoding
    return None


# --------------------------------------------------------------------------------------
# read_table
# --------------------------------------------------------------------------------------


def _select_sheet(wb, sheet_name: str | None, specs: Sequence[ColumnSpec]):
    worksheets = list(getattr(wb, "worksheets", []))
    if not worksheets:
        raise _FileProblem("Tệp không có trang tính nào.")
    if sheet_name is not None:
        wanted = _key(sheet_name)
        for ws in worksheets:
            if ws.title == sheet_name:
                return _load_sheet(ws)
        for ws in worksheets:
            if _key(ws.title) == wanted:
                return _load_sheet(ws)
        names = ", ".join(f"'{ws.title}'" for ws in worksheets)
        raise _FileProblem(f"Không có trang tính '{sheet_name}' trong tệp (có: {names}).")
    best = None
    for ws in worksheets:
        sheet = _load_sheet(ws)
        header = _find_header(sheet, specs)
        rank = (header.score if header else 0, sheet.visible)
        if best is None or rank > best[0]:
            best = (rank, sheet)
    return best[1]


def read_table(
    source: Any,
    columns: Sequence[ColumnSpec],
    *,
    sheet_name: str | None = None,
    fill_down: Iterable[str] = (),
) -> ReadResult:
    """Read one table from an .xlsx file (bytes, a path or a binary file object).

    Never raises: every problem, with the file or with a cell, is in ``errors``.
    """
    result = ReadResult()
    try:
        data = _read_source(source)
        wb = _open_workbook(data)
        try:
            sheet = _select_sheet(wb, sheet_name, columns)
        finally:
            wb.close()
        _read_sheet(sheet, list(columns), set(fill_down), result)
    except _FileProblem as problem:
        result.rows = []
        result.errors.append(CellError(None, None, problem.message))
    except Exception:
        result.rows = []
        result.errors.append(CellError(None, None, MSG_UNREADABLE))
    return result


def _read_sheet(
    sheet: _Sheet, specs: list[ColumnSpec], fill_down: set[str], result: ReadResult
) -> None:
    result.sheet_name = sheet.name
    if not sheet.grid:
        raise _FileProblem(f"Trang tính '{sheet.name}' không có dữ liệu.")
    header = _find_header(sheet, specs)
    required = [s for s in specs if s.required]
    if header is None or not any(s.key in header.columns for s in required or specs):
        expected = ", ".join(s.label for s in (required or specs))
        raise _FileProblem(
            f"Không tìm thấy dòng tiêu đề (tên cột) trong {HEADER_SEARCH_ROWS} dòng đầu của "
            f"trang tính '{sheet.name}'. Cần có các cột: {expected}."
        )
    result.header_row = header.last_row
    result.columns = dict(header.columns)
    missing = [s.label for s in required if s.key not in header.columns]
    if missing:
        raise _FileProblem("Thiếu cột bắt buộc: " + ", ".join(missing) + ".")

    found = [s for s in specs if s.key in header.columns]
    legacy = _file_legacy_encoding(sheet, header.last_row + 1, header.columns.values())
    result.legacy_encoding = legacy
    converters = {s.key: _Converter(s, legacy) for s in found}
    required_keys = [s.key for s in found if s.required]
    horizontal = {
        (min_row, min_col): max_col - min_col + 1
        for min_row, min_col, max_row, max_col in sheet.merges
        if max_row == min_row and max_col > min_col
    }
    data_grid = _fill_vertical_merges(sheet, header.last_row + 1)

    last_raw: dict[str, Any] = {}
    in_trailer = False
    for r in sorted(data_grid):
        if r <= header.last_row:
            continue
        cells = data_grid[r]
        raw = {}
        for spec in found:
            span = header.spans.get(spec.key)
            if span:
                parts = [normalize_text(cells.get(c)) for c in span]
                raw[spec.key] = " ".join(p for p in parts if p) or None
            else:
                value = cells.get(header.columns[spec.key])
                raw[spec.key] = None if _is_blank(value) else value
        if all(v is None for v in raw.values()):
            continue
        filled = dict(raw)
        for key in fill_down:
            if key in filled and filled[key] is None:
                filled[key] = last_raw.get(key)
        if not all(filled[k] is not None for k in required_keys):
            if len(cells) <= 3 and _looks_like_trailer(cells):
                in_trailer = True
                continue
            if in_trailer and len(cells) <= 2:
                continue
            if len(cells) == 1 and horizontal.get((r, next(iter(cells))), 0) >= 3:
                continue  # a section heading merged across the table ("I. HUYỆN ...")
        else:
            in_trailer = False
        if required_keys and all(raw[k] is None for k in required_keys):
            continue  # nothing in any required column: totals, notes, signatures
        for key in fill_down:
            if raw.get(key) is not None:
                last_raw[key] = raw[key]
        raw = filled
        values: dict[str, Any] = {s.key: None for s in specs}
        row_errors = []
        for spec in found:
            value, error = converters[spec.key](raw[spec.key])
            if error:
                row_errors.append(CellError(r, spec.label, error))
            elif spec.required and (value is None or value == ""):
                row_errors.append(CellError(r, spec.label, f"Thiếu {spec.label}"))
            values[spec.key] = value
        if row_errors:
            _add_errors(result, row_errors)
        else:
            result.rows.append(Row(r, values))


def _fill_vertical_merges(sheet: _Sheet, first_row: int) -> dict[int, dict[int, Any]]:
    """Data rows, with a value merged down several rows copied into each of them."""
    grid = {r: cells for r, cells in sheet.grid.items() if r >= first_row}
    for min_row, min_col, max_row, _max_col in sheet.merges:
        if max_row <= min_row or max_row < first_row:
            continue
        value = sheet.grid.get(min_row, {}).get(min_col)
        if value is None:
            continue
        for r in range(max(min_row, first_row), max_row + 1):
            row = grid.get(r)
            if row is None:
                row = grid[r] = {}
            elif row is sheet.grid.get(r):
                row = grid[r] = dict(row)
            row.setdefault(min_col, value)
    return grid


def _add_errors(result: ReadResult, errors: list[CellError]) -> None:
    room = MAX_ERRORS - len(result.errors)
    if room <= 0:
        return
    result.errors.extend(errors[:room])
    if len(result.errors) >= MAX_ERRORS:
        result.errors.append(
            CellError(None, None, f"Có quá nhiều lỗi; chỉ liệt kê {MAX_ERRORS} lỗi đầu tiên.")
        )


# --------------------------------------------------------------------------------------
# Error report
# --------------------------------------------------------------------------------------


def report_xlsx(errors: Sequence[CellError], title: str) -> bytes:
    """A workbook listing the errors row by row (Dòng, Cột, Lỗi) under a title."""
    from contest.xlsx import SheetSpec, build_workbook

    rows = [[e.row, e.column or "", e.message] for e in errors]
    if not rows:
        rows = [[None, "", "Không có lỗi."]]
    return build_workbook(
        [
            SheetSpec(
                title="Lỗi",
                headers=["Dòng", "Cột", "Lỗi"],
                rows=rows,
                widths=[8, 28, 90],
                heading_lines=(
                    normalize_text(title) or "Danh sách lỗi",
                    f"Tổng số lỗi: {len(errors)}",
                ),
            )
        ]
    )
