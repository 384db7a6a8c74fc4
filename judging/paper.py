"""Paper score sheets (phiếu chấm điểm) for a judge: the fallback when tablets fail.

Plain data in (:class:`PaperSheet`), PDF bytes out, drawn with fpdf2 and the committed
Noto Serif fonts that the certificates use (:data:`contest.certificates.pdf.FONT_DIR`).
Two layouts:

* ``"page"``: one A4 page per entry - the criteria with their maximum points,
  description and score bands, a box for the points, the total, remarks and the
  judge's signature line;
* ``"table"``: a compact landscape table, one row per entry and one column per
  criterion (one table per rubric), with the signature line at the end.

All text is normalised to NFC before drawing (fpdf2 cannot compose NFD Vietnamese).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from fpdf.fonts import FontFace

from contest.pdfdoc import FAMILY, A4Doc, national_heading

__all__ = ["LAYOUTS", "PaperCriterion", "PaperEntry", "PaperSheet", "render_sheets", "sheet_from_rows"]

LAYOUTS = {"page": "Mỗi bài một trang", "table": "Bảng gọn nhiều bài"}


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "")


def _points(value) -> str:
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return str(int(d))
    return f"{d.normalize():f}".replace(".", ",")


@dataclass(frozen=True)
class PaperCriterion:
    name: str
    max_points: Decimal
    step: Decimal = Decimal("0.5")
    description: str = ""
    bands: tuple[dict, ...] = ()


@dataclass(frozen=True)
class PaperEntry:
    code: str
    title: str
    criteria: tuple[PaperCriterion, ...]
    institution: str = ""  # left empty for blind judging
    category: str = ""
    rubric_label: str = ""


@dataclass(frozen=True)
class PaperSheet:
    edition_name: str
    level_name: str
    panel_name: str
    judge_name: str
    entries: tuple[PaperEntry, ...]
    issuer: str = "LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT TỈNH BẮC NINH"
    place: str = "Bắc Ninh"
    extra: dict = field(default_factory=dict)


def _sheet_page(pdf: A4Doc, sheet: PaperSheet) -> None:
    """A new page under the official heading, the title and the judge's name."""
    pdf.add_page()
    national_heading(pdf, _nfc(sheet.issuer) + "\nBAN TỔ CHỨC", gap=3)
    pdf.set_font(FAMILY, "B", 15)
    pdf.cell(0, 8, "PHIẾU CHẤM ĐIỂM", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10.5)
    pdf.multi_cell(0, 5, _nfc(sheet.edition_name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "I", 10)
    pdf.multi_cell(0, 5, _nfc(f"{sheet.level_name} – {sheet.panel_name}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _label_value(pdf, "Giám khảo:", sheet.judge_name, bold=True)


def _label_value(pdf: A4Doc, label: str, value: str, bold: bool = False) -> None:
    pdf.set_font(FAMILY, "", 10.5)
    label_w = 28
    pdf.cell(label_w, 5.5, _nfc(label))
    pdf.set_font(FAMILY, "B" if bold else "", 10.5)
    pdf.multi_cell(pdf.epw - label_w, 5.5, _nfc(value) or "…", new_x="LMARGIN", new_y="NEXT")


def _md(text: str | None) -> str:
    """User text inside a markdown cell: no accidental bold/italic/underline markers."""
    return _nfc(text).replace("**", "*").replace("__", "_").replace("--", "-").replace("~~", "~")


def _criterion_text(c: PaperCriterion) -> str:
    lines = [f"**{_md(c.name)}**"]
    if c.description:
        lines.append(f"__{_md(c.description)}__")
    for band in c.bands:
        lines.append(f"• {_points(band['from'])}–{_points(band['to'])} điểm: {_md(band['label'])}")
    return "\n".join(lines)


def _max_text(c: PaperCriterion) -> str:
    text = f"**{_points(c.max_points)}**"
    if c.step and Decimal(str(c.step)) != Decimal(1):
        text += f"\n__bước {_points(c.step)}__"
    return text


def _signature(pdf: A4Doc, sheet: PaperSheet) -> None:
    pdf.ln(2)
    if pdf.will_page_break(38):
        pdf.add_page()
    x = pdf.l_margin + pdf.epw * 0.5
    width = pdf.epw * 0.5
    pdf.set_x(x)
    pdf.set_font(FAMILY, "I", 10.5)
    pdf.cell(width, 6, f"{_nfc(sheet.place)}, ngày ..... tháng ..... năm ........", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FAMILY, "B", 11)
    pdf.cell(width, 6, "GIÁM KHẢO", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FAMILY, "I", 10)
    pdf.cell(width, 5, "(Ký, ghi rõ họ tên)", align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(13)
    pdf.set_x(x)
    pdf.set_font(FAMILY, "B", 11)
    pdf.cell(width, 6, _nfc(sheet.judge_name), align="C", new_x="LMARGIN", new_y="NEXT")


def _entry_page(pdf: A4Doc, sheet: PaperSheet, entry: PaperEntry, index: int) -> None:
    _sheet_page(pdf, sheet)
    _label_value(pdf, "Mã bài:", f"{entry.code}   (bài số {index}/{len(sheet.entries)})", bold=True)
    _label_value(pdf, "Tên bài:", entry.title, bold=True)
    if entry.institution:
        _label_value(pdf, "Đơn vị:", entry.institution)
    if entry.category:
        _label_value(pdf, "Lĩnh vực:", entry.category)
    pdf.ln(2)
    total = sum((Decimal(str(c.max_points)) for c in entry.criteria), Decimal(0))
    pdf.set_font(FAMILY, "", 9.5)
    heading = FontFace(emphasis="BOLD", fill_color=(232, 238, 246))
    with pdf.table(
        col_widths=(10, 112, 26, 32),
        text_align=("CENTER", "LEFT", "CENTER", "CENTER"),
        headings_style=heading,
        line_height=4.3,
        padding=1.2,
        markdown=True,
    ) as table:
        head = table.row()
        for text in ("TT", "Tiêu chí và mức điểm", "Điểm tối đa", "Điểm chấm"):
            head.cell(text)
        for i, c in enumerate(entry.criteria, start=1):
            row = table.row()
            row.cell(str(i))
            row.cell(_criterion_text(c))
            row.cell(_max_text(c))
            row.cell("")
        last = table.row()
        last.cell("")
        last.cell("**Tổng cộng**")
        last.cell(f"**{_points(total)}**")
        last.cell("")
    pdf.ln(3)
    pdf.set_font(FAMILY, "B", 10.5)
    pdf.cell(0, 6, "Nhận xét:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10.5)
    dots = "." * int(pdf.epw / max(pdf.get_string_width("."), 0.1))
    for _ in range(2):
        pdf.cell(0, 6.5, dots, new_x="LMARGIN", new_y="NEXT")
    _signature(pdf, sheet)


def _compact(pdf: A4Doc, sheet: PaperSheet) -> None:
    groups: dict[tuple, list[PaperEntry]] = {}
    for entry in sheet.entries:
        key = tuple((c.name, str(c.max_points)) for c in entry.criteria)
        groups.setdefault(key, []).append(entry)
    _sheet_page(pdf, sheet)
    pdf.ln(1)
    heading = FontFace(emphasis="BOLD", fill_color=(232, 238, 246))
    number = 0
    for entries in groups.values():
        criteria = entries[0].criteria
        if entries[0].rubric_label and len(groups) > 1:
            pdf.set_font(FAMILY, "B", 10)
            pdf.cell(0, 6, _nfc(entries[0].rubric_label), new_x="LMARGIN", new_y="NEXT")
        n = len(criteria)
        fixed = 10 + 24 + 20
        title_w = max(60.0, pdf.epw - fixed - 22 * n)
        crit_w = (pdf.epw - fixed - title_w) / max(n, 1)
        pdf.set_font(FAMILY, "", 9)
        total = sum((Decimal(str(c.max_points)) for c in criteria), Decimal(0))
        with pdf.table(
            col_widths=(10, 24, title_w, *([crit_w] * n), 20),
            text_align=("CENTER", "LEFT", "LEFT", *(["CENTER"] * n), "CENTER"),
            headings_style=heading,
            line_height=4.6,
            padding=1.2,
        ) as table:
            head = table.row()
            head.cell("TT")
            head.cell("Mã bài")
            head.cell("Tên bài")
            for c in criteria:
                head.cell(f"{_nfc(c.name)} ({_points(c.max_points)})")
            head.cell(f"Tổng ({_points(total)})")
            for entry in entries:
                number += 1
                row = table.row()
                row.cell(str(number))
                row.cell(_nfc(entry.code))
                row.cell(_nfc(entry.title))
                for _ in criteria:
                    row.cell("")
                row.cell("")
        pdf.ln(3)
        bands = [c for c in criteria if c.bands]
        if bands:
            pdf.set_font(FAMILY, "I", 8.5)
            for c in bands:
                text = "; ".join(f"{_points(b['from'])}–{_points(b['to'])}: {_nfc(b['label'])}" for b in c.bands)
                pdf.multi_cell(0, 4.4, f"{_nfc(c.name)}: {text}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    _signature(pdf, sheet)


def render_sheets(sheet: PaperSheet, layout: str = "page") -> bytes:
    """The judge's paper score sheets as one PDF."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    orientation = "L" if layout == "table" else "P"
    pdf = A4Doc(f"Phiếu chấm điểm – {_nfc(sheet.judge_name)} – {_nfc(sheet.panel_name)}", orientation)
    pdf.set_title(_nfc(f"Phiếu chấm điểm – {sheet.judge_name}"))
    pdf.set_author(_nfc(sheet.issuer))
    if not sheet.entries:
        _sheet_page(pdf, sheet)
        pdf.set_font(FAMILY, "I", 11)
        pdf.cell(0, 8, "Giám khảo chưa được phân chấm bài nào.", new_x="LMARGIN", new_y="NEXT")
    elif layout == "page":
        for i, entry in enumerate(sheet.entries, start=1):
            _entry_page(pdf, sheet, entry, i)
    else:
        _compact(pdf, sheet)
    return bytes(pdf.output())


def sheet_from_rows(
    *,
    edition_name: str,
    level_name: str,
    panel_name: str,
    judge_name: str,
    entries: Sequence[PaperEntry],
    province: str = "Bắc Ninh",
) -> PaperSheet:
    return PaperSheet(
        edition_name=edition_name,
        level_name=level_name,
        panel_name=panel_name,
        judge_name=judge_name,
        entries=tuple(entries),
        issuer=f"LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT TỈNH {_nfc(province).upper()}",
        place=province,
    )
