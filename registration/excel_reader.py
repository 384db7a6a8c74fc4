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

import bisect
import html
import io
import os
import posixpath
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from xml.etree import ElementTree

from contest.text import (
    ascii_fold,
    decode_legacy,
    detect_legacy,
    normalize_name,
    normalize_text,
    parse_date_vn,
)

try:  # safe against entity-expansion attacks when available (openpyxl uses it too)
    from defusedxml import ElementTree as _SafeET
except ImportError:  # pragma: no cover
    _SafeET = None

__all__ = ["CellError", "ColumnSpec", "ReadResult", "Row", "read_table", "report_xlsx"]

KINDS = ("text", "name", "date", "int", "year", "bool", "choice")

HEADER_SEARCH_ROWS = 30
MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
MAX_DATA_ROWS = 100_000
MAX_CELLS = 2_000_000
EXCEL_MAX_ROWS = 1_048_576
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
    choices: Mapping[str, Any] | None = field(default=None, hash=False)
    max_length: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Unknown column kind {self.kind!r} for {self.key!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"Column {self.key!r} of kind 'choice' needs choices")
        if isinstance(self.aliases, str):
            object.__setattr__(self, "aliases", (self.aliases,))
        elif not isinstance(self.aliases, tuple):
            object.__setattr__(self, "aliases", tuple(self.aliases))


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


# --------------------------------------------------------------------------------------
# The sheet as a sparse grid
# --------------------------------------------------------------------------------------


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not normalize_text(value))


@dataclass
class _Sheet:
    name: str
    grid: dict[int, dict[int, Any]]  # row -> column -> raw value (non-empty only)
    merges: list[tuple[int, int, int, int]]  # (min_row, min_col, max_row, max_col)
    max_row: int
    max_col: int
    visible: bool = True
    date1904: bool = False  # numbers in date columns count from 1904 (old Mac Excel)


def _make_sheet(
    name: str,
    cells: Iterable[tuple[int, int, Any]],
    merges: Iterable[tuple[int, int, int, int]],
    visible: bool,
) -> _Sheet:
    grid: dict[int, dict[int, Any]] = {}
    count = 0
    for r, c, value in cells:
        if not (1 <= c <= MAX_COLUMNS and 1 <= r <= EXCEL_MAX_ROWS) or _is_blank(value):
            continue
        grid.setdefault(r, {})[c] = value
        count += 1
        if count > MAX_CELLS:
            raise _FileProblem(f"Trang tính '{name}' quá lớn (tối đa {MAX_CELLS} ô có dữ liệu).")
    if len(grid) > MAX_DATA_ROWS:
        raise _FileProblem(f"Trang tính '{name}' có quá nhiều dòng (tối đa {MAX_DATA_ROWS}).")
    max_row = max(grid, default=0)
    max_col = max((c for row in grid.values() for c in row), default=0)
    kept = [
        (r1, c1, min(r2, max_row), min(c2, max_col))
        for r1, c1, r2, c2 in merges
        if 1 <= r1 <= r2 and 1 <= c1 <= c2 and r1 <= max_row and c1 <= max_col
    ]
    return _Sheet(name, grid, kept, max_row, max_col, visible)


def _parse_ref(ref: str) -> tuple[int, int]:
    """ "AB12" -> (12, 28)."""
    col = 0
    i = 0
    for ch in ref:
        o = ord(ch)
        if 65 <= o <= 90:
            col = col * 26 + o - 64
        elif 97 <= o <= 122:
            col = col * 26 + o - 96
        else:
            break
        i += 1
    return int(ref[i:]), col


def _parse_range(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    r1, c1 = _parse_ref(first)
    r2, c2 = _parse_ref(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    if "_x" in text:
        return _OOXML_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)
    return text


# Built-in number formats that show a date (14-22, 45-47; 27-36 and 50-58 are East Asian
# date formats some locales use).
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])


class _FastBook:
    """A small, fast reader for the parts of an .xlsx file a table needs: sheet names,
    shared strings, which styles are dates, cell values and merged ranges."""

    def __init__(self, data: bytes) -> None:
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(self.archive.namelist())
        root = _xml_root(self.archive.read("xl/workbook.xml"))
        self.date1904 = any(
            _local(el.tag) == "workbookPr" and el.get("date1904") in ("1", "true")
            for el in root.iter()
        )
        rels = _relationships(self.archive, "xl/_rels/workbook.xml.rels", "xl")
        self.sheets: list[tuple[str, str, bool]] = []
        for el in root.iter():
            if _local(el.tag) != "sheet":
                continue
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            target = rels.get(rid)
            if target is None or target[1] != "worksheet" or target[0] not in names:
                continue
            self.sheets.append(
                (el.get("name") or "", target[0], el.get("state") in (None, "visible"))
            )
        by_type = {kind: path for path, kind in rels.values()}
        strings_path = by_type.get("sharedStrings", "xl/sharedStrings.xml")
        styles_path = by_type.get("styles", "xl/styles.xml")
        self.strings = self._shared_strings(strings_path) if strings_path in names else []
        self.date_styles = self._date_styles(styles_path) if styles_path in names else set()

    def close(self) -> None:
        self.archive.close()

    def sheet_names(self) -> list[tuple[str, bool]]:
        return [(name, visible) for name, _, visible in self.sheets]

    def _shared_strings(self, path: str) -> list[str]:
        raw = self.archive.read(path)
        text = _plain_xml_text(raw)
        if text is not None:
            strings = [_xml_string(m[1] or "") for m in _SI_RE.finditer(text)]
            if len(strings) != len(_SI_START_RE.findall(text)):
                raise ValueError("malformed shared strings")
            return strings
        strings: list[str] = []
        parts: list[str] = []
        phonetic = 0
        with io.BytesIO(raw) as fh:
            for event, el in _iterparse(fh, ("start", "end")):
                tag = _local(el.tag)
                if event == "start":
                    if tag == "rPh":
                        phonetic += 1
                    continue
                if tag == "t":
                    if not phonetic:
                        parts.append(el.text or "")
                elif tag == "rPh":
                    phonetic -= 1
                elif tag == "si":
                    strings.append(_unescape("".join(parts)))
                    parts = []
                    el.clear()
        return strings

    def _date_styles(self, path: str) -> set[int]:
        from openpyxl.styles.numbers import is_date_format

        root = _xml_root(self.archive.read(path))
        custom: dict[int, str] = {}
        xfs: list[int] = []
        for el in root.iter():
            tag = _local(el.tag)
            if tag == "numFmt":
                try:
                    custom[int(el.get("numFmtId", "-1"))] = el.get("formatCode") or ""
                except ValueError:
                    continue
            elif tag == "cellXfs":
                for xf in el:
                    try:
                        xfs.append(int(xf.get("numFmtId") or 0))
                    except ValueError:
                        xfs.append(0)
        dates = set()
        for index, fmt_id in enumerate(xfs):
            if fmt_id in custom:
                if is_date_format(custom[fmt_id]):
                    dates.add(index)
            elif fmt_id in _DATE_FORMAT_IDS:
                dates.add(index)
        return dates

    def load(self, index: int) -> _Sheet:
        name, path, visible = self.sheets[index]
        merges: list[tuple[int, int, int, int]] = []
        raw = self.archive.read(path)
        text = _plain_xml_text(raw)
        cells = None
        if text is not None:
            try:
                cells = list(self._cells_scan(text, merges))
            except ValueError:
                merges.clear()  # unusual or broken markup: let the XML parser decide
        if cells is None:
            cells = list(self._cells(io.BytesIO(raw), merges))
        sheet = _make_sheet(name, cells, merges, visible)
        sheet.date1904 = self.date1904
        return sheet

    def _value(self, kind: str | None, text: str | None, style: str | None) -> Any:
        """A cell's value from its type attribute, <v> text and style index."""
        if text is None:
            return None
        if kind == "s":
            index = int(text)
            return self.strings[index] if 0 <= index < len(self.strings) else None
        if kind in ("str", "e"):
            return _unescape(text)
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            return datetime.fromisoformat(text.strip().rstrip("Z"))
        text = text.strip()
        if not text:
            return None
        number: float | int = int(text) if _INT_RE.fullmatch(text) else float(text)
        if style is not None and self.date_styles and int(style) in self.date_styles:
            from openpyxl.utils.datetime import (
                CALENDAR_MAC_1904,
                CALENDAR_WINDOWS_1900,
                from_excel,
            )

            epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
            try:
                return from_excel(number, epoch)
            except (OverflowError, ValueError):
                return number
        return number

    def _cells_scan(self, xml: str, merges: list) -> Iterable[tuple[int, int, Any]]:
        """Cells of a plain worksheet XML document, found with regular expressions
        (several times faster than an XML parser in Python)."""
        matches = list(_CELL_RE.finditer(xml))
        if len(matches) != len(_CELL_START_RE.findall(xml)):
            raise ValueError("malformed worksheet")  # let the XML parser report it
        for match in matches:
            attrs = dict(_ATTR_RE.findall(match[1]))
            ref = attrs.get("r")
            if not ref:
                raise ValueError("cell without a reference")
            row, col = _parse_ref(ref)
            kind = attrs.get("t")
            body = match[3]
            if not body:
                continue
            if kind == "inlineStr":
                yield row, col, _xml_string(body)
                continue
            found = _V_RE.search(body)
            if found is None:
                continue
            text = found[1]
            yield (
                row,
                col,
                self._value(kind, html.unescape(text) if "&" in text else text, attrs.get("s")),
            )
        for match in _MERGE_RE.finditer(xml):
            merges.append(_parse_range(match[1]))

    def _cells(self, fh, merges: list) -> Iterable[tuple[int, int, Any]]:
        """Cells of any worksheet XML document, with an XML parser."""
        row = 0
        col = 0
        for event, el in _iterparse(fh, ("start", "end")):
            tag = _local(el.tag)
            if event == "start":
                if tag == "row":
                    r = el.get("r")
                    row = int(r) if r else row + 1
                    col = 0
                continue
            if tag == "c":
                ref = el.get("r")
                if ref:
                    row, col = _parse_ref(ref)
                else:
                    col += 1
                kind = el.get("t")
                style = el.get("s")
                text = None
                inline: list[str] = []
                for child in el:
                    ctag = _local(child.tag)
                    if ctag == "v":
                        text = child.text
                    elif ctag == "is":
                        inline.extend(t.text or "" for t in child.iter() if _local(t.tag) == "t")
                el.clear()
                if kind == "inlineStr":
                    yield row, col, _unescape("".join(inline))
                else:
                    value = self._value(kind, text, style)
                    if value is not None:
                        yield row, col, value
            elif tag == "row":
                el.clear()
            elif tag == "mergeCell":
                ref = el.get("ref")
                if ref:
                    merges.append(_parse_range(ref))


_P = r"(?:[\w.-]+:)?"  # an optional namespace prefix (the OpenXML SDK writes "x:c")
# Bodies may not contain another <c> (or <si>): linear time even on broken documents.
_CELL_RE = re.compile(rf"<{_P}c\b([^>]*?)(/>|>([^<]*(?:<(?!/?{_P}c\b)[^<]*)*)</{_P}c>)")
_CELL_START_RE = re.compile(rf"<{_P}c\b")
_ATTR_RE = re.compile(r"([\w:.-]+)\s*=\s*\"([^\"]*)\"")
_V_RE = re.compile(rf"<{_P}v\b[^>]*>(.*?)</{_P}v>", re.S)
_T_RE = re.compile(rf"<{_P}t\b[^>]*?(?:/>|>(.*?)</{_P}t>)", re.S)
_SIMPLE_T_RE = re.compile(r"(?:<is>)?<t(?:\s[^>]*)?>([^<]*)</t>(?:</is>)?")
_RPH_RE = re.compile(rf"<{_P}rPh\b.*?</{_P}rPh>", re.S)
_SI_RE = re.compile(rf"<{_P}si\b[^>]*?(?:/>|>([^<]*(?:<(?!/?{_P}si\b)[^<]*)*)</{_P}si>)")
_SI_START_RE = re.compile(rf"<{_P}si\b")
_MERGE_RE = re.compile(rf"<{_P}mergeCell\b[^>]*?\bref\s*=\s*\"([^\"]*)\"", re.S)
_XML_DECL_RE = re.compile(r"<\?xml[^>]*encoding\s*=\s*[\"']([\w.-]+)", re.I)


def _plain_xml_text(raw: bytes) -> str | None:
    """The document as text when the fast scanner can read it: UTF-8, double-quoted
    attributes, no CDATA, comments or DTD. Otherwise None (use the XML parser)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"<!" in raw or b"='" in raw:
        return None
    head = _XML_DECL_RE.match(raw[:200].decode("ascii", "replace"))
    if head and head[1].lower().replace("_", "-") not in ("utf-8", "utf8"):
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _xml_string(body: str) -> str:
    """The text of a rich or plain string item (<si> or <is>) without phonetic runs."""
    simple = _SIMPLE_T_RE.fullmatch(body)
    if simple is not None:
        text = simple[1]
        return _unescape(html.unescape(text) if "&" in text else text)
    if "rPh" in body:
        body = _RPH_RE.sub("", body)
    return _unescape(html.unescape("".join(m[1] or "" for m in _T_RE.finditer(body))))


def _xml_root(data: bytes):
    if _SafeET is not None:
        return _SafeET.fromstring(data)
    return ElementTree.fromstring(data)


def _iterparse(fh, events):
    if _SafeET is not None:
        return _SafeET.iterparse(fh, events=events)
    return ElementTree.iterparse(fh, events=events)


def _relationships(archive: zipfile.ZipFile, path: str, base: str) -> dict[str, tuple[str, str]]:
    """Id -> (path inside the archive, relationship kind such as "worksheet")."""
    rels: dict[str, tuple[str, str]] = {}
    try:
        root = _xml_root(archive.read(path))
    except KeyError:
        return rels
    for el in root.iter():
        if _local(el.tag) != "Relationship":
            continue
        target = el.get("Target") or ""
        if el.get("TargetMode") == "External":
            continue
        full = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
        rels[el.get("Id") or ""] = (
            posixpath.normpath(full),
            (el.get("Type") or "").rpartition("/")[2],
        )
    return rels


class _OpenpyxlBook:
    """Fallback for files the fast reader does not understand."""

    def __init__(self, data: bytes) -> None:
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.wb = openpyxl.load_workbook(
                io.BytesIO(data), read_only=False, data_only=True, keep_links=False
            )

    def close(self) -> None:
        self.wb.close()

    def sheet_names(self) -> list[tuple[str, bool]]:
        return [(ws.title, ws.sheet_state == "visible") for ws in self.wb.worksheets]

    def load(self, index: int) -> _Sheet:
        ws = self.wb.worksheets[index]
        cells = getattr(ws, "_cells", None)
        if isinstance(cells, dict):
            items: Iterable = ((r, c, cell.value) for (r, c), cell in cells.items())
        else:  # pragma: no cover - other openpyxl versions
            items = (
                (cell.row, cell.column, cell.value)
                for row in ws.iter_rows(max_col=MAX_COLUMNS)
                for cell in row
            )
        merges = [
            (rng.min_row, rng.min_col, rng.max_row, rng.max_col) for rng in ws.merged_cells.ranges
        ]
        sheet = _make_sheet(ws.title, items, merges, ws.sheet_state == "visible")
        sheet.date1904 = bool(getattr(self.wb, "epoch", None) and self.wb.epoch.year == 1904)
        return sheet


# --------------------------------------------------------------------------------------
# Finding the header
# --------------------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _key(value: Any) -> str:
    """Header / choice comparison form: "Họ và tên (*)" -> "hovaten"."""
    return _NON_ALNUM.sub("", ascii_fold(normalize_text(value).casefold()))


@lru_cache(maxsize=4096)
def _header_keys(text: str) -> tuple[str, ...]:
    """Comparison forms of a header cell: as it is, and read as TCVN3 and as VNI when it
    could be legacy text (a header such as "Líp" is too short to be sure of)."""
    keys = [_key(text)]
    if not text.isascii() and all(ch <= "\xff" for ch in text):
        for encoding in ("tcvn3", "vni"):
            decoded = _key(decode_legacy(text, encoding))
            if decoded not in keys:
                keys.append(decoded)
    return tuple(k for k in keys if k)


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
            for cell_key in _header_keys(normalize_text(text)):
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


_COLUMN_NUMBER_RE = re.compile(r"\(?(?:\d{1,2}|[A-Z])\)?")


def _header_like(cells: Mapping[int, Any]) -> bool:
    """Could this row be the lower row of a two-row header? Only short texts, and no
    dates, years or phone numbers (data rows nearly always hold one of those)."""
    for value in cells.values():
        if not isinstance(value, str):
            return False
        text = normalize_text(value)
        if len(text) > 80 or re.search(r"\d{3}", text) or _COLUMN_NUMBER_RE.fullmatch(text):
            return False
    return True


def _repeats_below(
    cells: Mapping[int, Any],
    next_cells: Mapping[int, Any],
    specs: Sequence[ColumnSpec],
    spec_keys: dict[str, list[str]],
) -> bool:
    """True when a cell of this row and the cell below it both start like the same
    header ("Trường THCS A", "Trường THCS B"): the row is data, not a sub-header."""
    for col, value in cells.items():
        below = next_cells.get(col)
        if below is None:
            continue
        here, there = _key(value), _key(below)
        for spec in specs:
            q1 = _match_quality(here, spec_keys[spec.key])
            if q1 and q1[0] == 2 and _match_quality(there, spec_keys[spec.key]):
                return True
    return False


def _column_numbering(cells: Mapping[int, Any]) -> bool:
    """A row under the header that only numbers the columns: 1 2 3 ... or (1) (2) (A) ..."""
    if len(cells) < 3:
        return False
    for value in cells.values():
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return False
        text = normalize_text(value)
        if not _COLUMN_NUMBER_RE.fullmatch(text):
            return False
    return True


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
        if (
            below
            and r + 1 <= last
            and _header_like(below)
            and not _repeats_below(below, sheet.grid.get(r + 2, {}), specs, spec_keys)
        ):
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
_DAYS_1900_TO_1904 = 1462
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

    def __init__(self, spec: ColumnSpec, legacy: str | None, date1904: bool = False) -> None:
        self.spec = spec
        self.legacy = legacy
        self.date1904 = date1904
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
                if self.date1904 and isinstance(raw, int | float) and not isinstance(raw, bool):
                    raw += _DAYS_1900_TO_1904
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
            else:
                try:
                    year = _to_int(raw)
                except ValueError:
                    if not isinstance(raw, str):
                        raise
                    year = parse_date_vn(raw).year  # a full date where a year was asked
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

# Rows that end the table: totals, place and date, signature blocks. Matched on the
# Vietnamese text itself (folded, "tổng" would also catch the family name Tống).
_TRAILER_RE = re.compile(
    r"^(tổng cộng|tổng số|tổng|cộng)\b|người lập|ký tên|ký,? ghi rõ|ký và ghi rõ|đóng dấu"
    r"|ngày\W*\d{1,2}\W*tháng|ngày\s*[.…_]+\s*tháng|xác nhận của"
)
# Titles above a signature ("HIỆU TRƯỞNG", "KT. GIÁM ĐỐC"): a short cell in capitals, or
# one holding nothing but the title, so "Giám đốc Công ty An Phát" in a data row does not.
_SIGNER_RE = re.compile(
    r"((kt|tm|tl|tuq|q)\s*[./]\s*)?(phó\s+)?(hiệu trưởng|thủ trưởng|giám đốc|chủ tịch|thư ký"
    r"|trưởng ban|trưởng phòng|lãnh đạo|ban tổ chức|người duyệt|kế toán)"
)


def _looks_like_trailer(cells: Mapping[int, Any]) -> bool:
    for value in cells.values():
        if not isinstance(value, str):
            continue
        text = normalize_text(value)
        folded = text.casefold()
        if _TRAILER_RE.search(folded):
            return True
        if len(text) <= 50 and (
            _SIGNER_RE.fullmatch(folded) or (text.isupper() and _SIGNER_RE.search(folded))
        ):
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


def _select_sheet(book, sheet_name: str | None, specs: Sequence[ColumnSpec]) -> _Sheet:
    names = book.sheet_names()
    if not names:
        raise _FileProblem("Tệp không có trang tính nào.")
    if sheet_name is not None:
        for matches in (
            lambda title: title == sheet_name,
            lambda title: _key(title) == _key(sheet_name),
        ):
            for index, (title, _) in enumerate(names):
                if matches(title):
                    return book.load(index)
        listed = ", ".join(f"'{title}'" for title, _ in names)
        raise _FileProblem(f"Không có trang tính '{sheet_name}' trong tệp (có: {listed}).")
    best = None
    for index, (_, visible) in enumerate(names):
        sheet = book.load(index)
        header = _find_header(sheet, specs)
        rank = (header.score if header else 0, visible)
        if best is None or rank > best[0]:
            best = (rank, sheet)
    return best[1]


def _load_table_sheet(data: bytes, sheet_name: str | None, specs: Sequence[ColumnSpec]) -> _Sheet:
    _check_container(data)
    try:
        book = _FastBook(data)
        try:
            return _select_sheet(book, sheet_name, specs)
        finally:
            book.close()
    except _FileProblem:
        raise
    except Exception:
        pass  # fall back to openpyxl, slower but more forgiving
    try:
        book = _OpenpyxlBook(data)
    except Exception:
        raise _FileProblem(MSG_NOT_XLSX) from None
    try:
        return _select_sheet(book, sheet_name, specs)
    finally:
        book.close()


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
        sheet = _load_table_sheet(data, sheet_name, columns)
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
    converters = {s.key: _Converter(s, legacy, sheet.date1904) for s in found}
    required_keys = [s.key for s in found if s.required]
    horizontal = {
        (min_row, min_col): max_col - min_col + 1
        for min_row, min_col, max_row, max_col in sheet.merges
        if max_row == min_row and max_col > min_col
    }
    data_grid = _fill_vertical_merges(sheet, header.last_row + 1)

    last_raw: dict[str, Any] = {}
    in_trailer = False
    data_rows = [r for r in sorted(data_grid) if r > header.last_row]
    first_rows = set(data_rows[:2])
    for r in data_rows:
        cells = data_grid[r]
        if r in first_rows and _column_numbering(cells):
            continue
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
    if not result.rows and not result.errors:
        raise _FileProblem(
            f"Không có dòng dữ liệu nào dưới dòng tiêu đề (dòng {header.last_row}) "
            f"của trang tính '{sheet.name}'."
        )


def _fill_vertical_merges(sheet: _Sheet, first_row: int) -> dict[int, dict[int, Any]]:
    """Data rows, with a value merged down several rows copied into each of them.

    Only rows that hold something else get the value: a merge drawn past the end of the
    list must not create rows of its own.
    """
    grid = {r: cells for r, cells in sheet.grid.items() if r >= first_row}
    rows = sorted(grid)
    for min_row, min_col, max_row, _max_col in sheet.merges:
        if max_row <= min_row or max_row < first_row:
            continue
        value = sheet.grid.get(min_row, {}).get(min_col)
        if value is None:
            continue
        start = bisect.bisect_left(rows, max(min_row, first_row))
        stop = bisect.bisect_right(rows, max_row)
        for r in rows[start:stop]:
            row = grid[r]
            if min_col not in row:
                if row is sheet.grid.get(r):
                    row = grid[r] = dict(row)
                row[min_col] = value
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

    rows = [[e.row, e.column or None, e.message] for e in errors]
    if not rows:
        rows = [[None, None, "Không có lỗi."]]
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
