"""Excel workbooks for exports and templates (xlsxwriter).

One call builds a whole workbook::

    build_workbook([
        SheetSpec(
            title="Danh sách",
            headers=["STT", "Họ và tên", "Ngày sinh"],
            rows=[[1, "Nguyễn Văn An", date(2012, 3, 5)]],
            heading_lines=(ORGANISATION, "DANH SÁCH HỌC SINH DỰ THI"),
        )
    ], instructions=["Điền mỗi học sinh trên một dòng."])

Heading lines sit above a bold, bordered header row; panes are frozen below the header;
dates are real Excel dates shown dd/mm/yyyy; every string goes through
:func:`contest.text.excel_safe`, so a cell can never become a formula.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter

from contest.text import excel_safe

__all__ = ["ORGANISATION", "SheetSpec", "build_workbook"]

ORGANISATION = "LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT TỈNH BẮC NINH"

_MAX_WIDTH = 60
_MIN_WIDTH = 6
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_MAX_EXACT_INT = 2**53
_LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_MAX_CELL_TEXT = 32767  # Excel's limit for one cell


@dataclass
class SheetSpec:
    """One worksheet: heading lines, a header row, then data rows."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[float] | None = None
    heading_lines: Sequence[str] = field(default_factory=tuple)


def _sheet_name(title: str, used: set[str]) -> str:
    name = " ".join(_BAD_SHEET_CHARS.sub(" ", str(title or "")).split()).strip("'")[:31].strip()
    name = name or f"Trang {len(used) + 1}"
    candidate, n = name, 2
    while candidate.casefold() in used:
        suffix = f" ({n})"
        candidate = name[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate.casefold())
    return candidate


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": "Times New Roman", "font_size": 12, "valign": "vcenter"}
        cell = {**base, "border": 1}
        self.heading_first = wb.add_format({**base, "bold": True, "align": "center"})
        self.heading = wb.add_format({**base, "bold": True, "align": "center", "font_size": 13})
        self.header = wb.add_format(
            {**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#DDEBF7"}
        )
        self.text = wb.add_format({**cell, "text_wrap": True})
        self.number = wb.add_format({**cell})
        self.date = wb.add_format({**cell, "num_format": "dd/mm/yyyy", "align": "center"})
        self.datetime = wb.add_format({**cell, "num_format": "dd/mm/yyyy hh:mm", "align": "center"})
        self.time = wb.add_format({**cell, "num_format": "hh:mm", "align": "center"})
        self.blank = wb.add_format(cell)
        self.instruction_title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.instruction = wb.add_format({**base, "text_wrap": True, "valign": "top"})


def _write_cell(ws, row: int, col: int, value: Any, fmt: _Formats) -> int:
    """Write one value; returns its display width (characters) for automatic widths."""
    if value is None:
        ws.write_blank(row, col, None, fmt.blank)
        return 0
    if isinstance(value, bool):
        text = "Có" if value else "Không"
        ws.write_string(row, col, text, fmt.text)
        return len(text)
    if isinstance(value, date) and value.year < 1900:  # Excel has no dates before 1900
        text = value.strftime("%d/%m/") + f"{value.year:04d}"
        ws.write_string(row, col, text, fmt.text)
        return len(text)
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # aware: shown in Vietnam's time; naive: as given
            value = value.astimezone(_LOCAL_TZ).replace(tzinfo=None)
        if value.time() == time(0, 0):
            ws.write_datetime(row, col, value, fmt.date)
            return 10
        ws.write_datetime(row, col, value, fmt.datetime)
        return 16
    if isinstance(value, date):
        ws.write_datetime(row, col, value, fmt.date)
        return 10
    if isinstance(value, time):
        ws.write_datetime(row, col, value, fmt.time)
        return 5
    if isinstance(value, int) and abs(value) < _MAX_EXACT_INT:
        ws.write_number(row, col, value, fmt.number)
        return len(str(value))
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        number = float(value)
        if not math.isfinite(number):
            ws.write_blank(row, col, None, fmt.blank)
            return 0
        ws.write_number(row, col, number, fmt.number)
        return min(len(repr(number)), 15)
    text = excel_safe(str(value))[:_MAX_CELL_TEXT]
    ws.write_string(row, col, text, fmt.text)
    return max((len(line) for line in text.splitlines()), default=0)


def _write_sheet(wb: xlsxwriter.Workbook, spec: SheetSpec, name: str, fmt: _Formats) -> None:
    ws = wb.add_worksheet(name)
    headers = [str(h) for h in spec.headers]
    ncols = max(len(headers), 1)
    row = 0
    for i, line in enumerate(spec.heading_lines):
        line_format = fmt.heading_first if i == 0 else fmt.heading
        text = excel_safe(str(line))
        if ncols > 1:
            ws.merge_range(row, 0, row, ncols - 1, text, line_format)
        else:
            ws.write_string(row, 0, text, line_format)
        row += 1
    if spec.heading_lines:
        row += 1  # one blank row between the headings and the table
    header_row = row
    widths = [len(h) + 2 for h in headers] or [_MIN_WIDTH]
    for col, header in enumerate(headers):
        ws.write_string(header_row, col, excel_safe(header), fmt.header)
    last_row = header_row
    for values in spec.rows:
        last_row += 1
        for col, value in enumerate(values):
            width = _write_cell(ws, last_row, col, value, fmt)
            if col < len(widths):
                widths[col] = max(widths[col], width + 2)
            else:
                widths.append(width + 2)
    widths = [max(_MIN_WIDTH, min(_MAX_WIDTH, w)) for w in widths]
    if spec.widths:  # given widths win over measured ones
        given = [max(1.0, min(255.0, float(w))) for w in spec.widths]
        widths = given + widths[len(given) :]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    if headers:
        ws.freeze_panes(header_row + 1, 0)
        ws.autofilter(header_row, 0, last_row, len(headers) - 1)
        ws.repeat_rows(header_row)
    ws.set_paper(9)  # A4
    if len(widths) > 6:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)


def build_workbook(
    sheets: SheetSpec | Sequence[SheetSpec],
    instructions: Sequence[str] | None = None,
    *,
    instructions_title: str = "Hướng dẫn",
) -> bytes:
    """An .xlsx file (bytes) with one worksheet per :class:`SheetSpec`, plus an optional
    instructions sheet (one paragraph per line) after them."""
    if isinstance(sheets, SheetSpec):
        sheets = [sheets]
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    fmt = _Formats(wb)
    used: set[str] = set()
    for spec in sheets:
        _write_sheet(wb, spec, _sheet_name(spec.title, used), fmt)
    if instructions or not sheets:
        ws = wb.add_worksheet(_sheet_name(instructions_title, used))
        ws.set_column(0, 0, 110)
        ws.write_string(0, 0, excel_safe(instructions_title), fmt.instruction_title)
        for i, line in enumerate(instructions or (), start=2):
            ws.write_string(i, 0, excel_safe(str(line)), fmt.instruction)
    wb.close()
    return buffer.getvalue()
