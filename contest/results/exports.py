"""Official outputs of a result version: the annex of the award decision (danh sách
công nhận giải), the prize-money disbursement list (danh sách chi trả tiền thưởng) and
the follow-on proposal lists, as .xlsx (``contest.xlsx.build_workbook``) and PDF (fpdf2
with the committed Noto Serif fonts of the certificates).

Names are sorted by given name (``contest.text.name_sort_key``) within each prize.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from fpdf.fonts import FontFace

from contest.models import ResultVersion
from contest.pdfdoc import FAMILY, A4Doc, national_heading
from contest.results import service
from contest.text import format_date_vn, format_money_vn
from contest.xlsx import ORGANISATION, SheetSpec, build_workbook

__all__ = [
    "ANNEX_HEADERS",
    "MONEY_HEADERS",
    "annex_pdf",
    "annex_sheet",
    "honours_workbook",
    "money_in_words",
    "money_pdf",
    "money_sheet",
    "results_workbook",
]

ANNEX_HEADERS = ("STT", "Họ và tên", "Đơn vị", "Tên sản phẩm/giải pháp", "Giải")
MONEY_HEADERS = ("STT", "Họ và tên/đại diện nhóm", "Đơn vị", "Giải", "Số tiền", "Ký nhận")


def _nfc(text) -> str:
    return unicodedata.normalize("NFC", "" if text is None else str(text))


# ---------------------------------------------------------------------------
# Money in words
# ---------------------------------------------------------------------------

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_UNITS = ("", "nghìn", "triệu")


def _three(n: int, full: bool) -> list[str]:
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or hundreds:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and (full or hundreds):
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens >= 2:
            words.append("mốt")
        elif units == 5 and tens >= 1:
            words.append("lăm")
        else:
            words.append(_DIGITS[units])
    return words


def money_in_words(amount: int) -> str:
    """90000000 -> "Chín mươi triệu đồng" (for the total of the money list)."""
    amount = int(amount)
    if amount <= 0:
        return "Không đồng"
    groups = []
    while amount:
        groups.append(amount % 1000)
        amount //= 1000
    words: list[str] = []
    for i in reversed(range(len(groups))):
        if groups[i] == 0:
            continue
        words += _three(groups[i], full=i < len(groups) - 1)
        unit = " ".join(filter(None, [_UNITS[i % 3]] + ["tỷ"] * (i // 3)))
        if unit:
            words.append(unit)
    text = " ".join(words)
    return text[0].upper() + text[1:] + " đồng"


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    edition_name: str
    contest_name: str
    level_name: str
    decision_line: str
    draft: bool


def context(version: ResultVersion) -> Context:
    if version.decision_number and version.decision_date:
        line = f"(Kèm theo Quyết định số {version.decision_number} ngày {format_date_vn(version.decision_date)})"
    else:
        line = "(Dự thảo – chưa phê duyệt)"
    return Context(version.edition.name, version.edition.contest.name, version.level.name, line,
                   version.status == "draft")


def annex_rows(version: ResultVersion) -> list[list]:
    return [
        [i, row.names, row.institution, row.title, row.rank_label]
        for i, row in enumerate(service.award_rows(version), start=1)
    ]


def money_rows(version: ResultVersion) -> tuple[list[list], int]:
    rows, total = [], 0
    for i, row in enumerate(service.award_rows(version), start=1):
        rows.append([i, row.representative, row.institution, row.rank_label, row.prize_money, ""])
        total += row.prize_money or 0
    return rows, total


def annex_sheet(version: ResultVersion) -> SheetSpec:
    ctx = context(version)
    return SheetSpec(
        title="Danh sách công nhận giải",
        headers=ANNEX_HEADERS,
        rows=annex_rows(version),
        widths=(6, 30, 34, 50, 20),
        heading_lines=(ORGANISATION, "DANH SÁCH CÔNG NHẬN GIẢI", ctx.edition_name, ctx.level_name, ctx.decision_line),
    )


def money_sheet(version: ResultVersion) -> SheetSpec:
    ctx = context(version)
    rows, total = money_rows(version)
    rows.append(["", "Tổng cộng", "", f"{len(rows)} giải", total, ""])
    rows.append(["", "Bằng chữ: " + money_in_words(total), "", "", None, ""])
    return SheetSpec(
        title="Chi trả tiền thưởng",
        headers=MONEY_HEADERS,
        rows=rows,
        widths=(6, 36, 34, 20, 16, 16),
        heading_lines=(ORGANISATION, "DANH SÁCH CHI TRẢ TIỀN THƯỞNG", ctx.edition_name, ctx.level_name,
                       ctx.decision_line),
    )


def results_workbook(version: ResultVersion) -> bytes:
    """The annex and the money list, one sheet each."""
    return build_workbook([annex_sheet(version), money_sheet(version)])


def honours_workbook(version: ResultVersion) -> bytes:
    """Bằng khen, Bằng Lao động sáng tạo (technical contest), Huy hiệu Tuổi trẻ sáng tạo,
    national nominations and the authors whose data is missing."""
    h = service.honours(version)
    ctx = context(version)
    headers = ("STT", "Họ và tên", "Đơn vị", "Tên sản phẩm/giải pháp", "Giải", "Căn cứ đề nghị")

    def proposal_rows(lst) -> list[list]:
        return [
            [i, p.full_name, _institution(h, p.entry_id), _title(h, p.entry_id), h.rank_labels.get(p.rank_code, ""),
             p.reason]
            for i, p in enumerate(lst.proposals, start=1)
        ]

    lists = [("Bằng khen", "DANH SÁCH ĐỀ NGHỊ TẶNG BẰNG KHEN CỦA CHỦ TỊCH UBND TỈNH", h.bang_khen)]
    if h.labour is not None:
        lists.append(("Bằng Lao động sáng tạo", "DANH SÁCH ĐỀ NGHỊ TẶNG BẰNG LAO ĐỘNG SÁNG TẠO", h.labour))
    lists.append(("Huy hiệu Tuổi trẻ sáng tạo", "DANH SÁCH ĐỀ NGHỊ TẶNG HUY HIỆU TUỔI TRẺ SÁNG TẠO", h.youth))
    sheets = [
        SheetSpec(title=title, headers=headers, rows=proposal_rows(lst), widths=(6, 28, 30, 40, 16, 50),
                  heading_lines=(ORGANISATION, heading, ctx.edition_name, ctx.decision_line))
        for title, heading, lst in lists
    ]
    nominated = [
        [d.rank_in_area, h.entries[d.entry_id].code, h.entries[d.entry_id].title,
         ", ".join(p.full_name for p in h.entries[d.entry_id].authors),
         h.entries[d.entry_id].institution.name, d.score, d.reason]
        for d in h.nominations.decisions if d.status != "not_advanced"
    ]
    sheets.append(SheetSpec(
        title="Đề cử toàn quốc",
        headers=("Thứ hạng", "Mã", "Tên sản phẩm/giải pháp", "Tác giả", "Đơn vị", "Điểm", "Ghi chú"),
        rows=nominated, widths=(9, 12, 40, 30, 30, 8, 50),
        heading_lines=(ORGANISATION, f"DANH SÁCH ĐỀ CỬ DỰ THI TOÀN QUỐC ({h.nominations_n} BÀI ĐIỂM CAO NHẤT)",
                       ctx.edition_name, ctx.level_name),
    ))
    missing = [
        [title, m.full_name, _institution(h, m.entry_id), _title(h, m.entry_id), m.reason]
        for title, _heading, lst in lists for m in lst.missing_data
    ]
    if missing:
        sheets.append(SheetSpec(
            title="Cần bổ sung dữ liệu",
            headers=("Danh sách", "Họ và tên", "Đơn vị", "Tên sản phẩm/giải pháp", "Thiếu"),
            rows=missing, widths=(24, 28, 30, 40, 50),
        ))
    return build_workbook(sheets)


def _institution(h, entry_id) -> str:
    entry = h.entries.get(entry_id)
    return entry.institution.name if entry is not None and entry.institution is not None else ""


def _title(h, entry_id) -> str:
    entry = h.entries.get(entry_id)
    return entry.title if entry is not None else ""


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------


def _document(version: ResultVersion, title: str, heading: str) -> A4Doc:
    """A new A4 document for ``version`` (``title`` in its metadata and footer) on its
    first page, under the official heading and the ``heading`` title."""
    ctx = context(version)
    pdf = A4Doc(_nfc(f"{title} – {ctx.edition_name}"))
    pdf.set_title(title)
    pdf.add_page()
    national_heading(pdf, "LIÊN HIỆP CÁC HỘI KHOA HỌC\nVÀ KỸ THUẬT TỈNH BẮC NINH\nBAN TỔ CHỨC", gap=5)
    pdf.set_font(FAMILY, "B", 14)
    pdf.multi_cell(0, 7, _nfc(heading), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10.5)
    for line in (ctx.edition_name, ctx.level_name):
        pdf.multi_cell(0, 5.2, _nfc(line), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "I", 10)
    pdf.multi_cell(0, 5.2, _nfc(ctx.decision_line), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    return pdf


def _note(pdf: A4Doc, text: str) -> None:
    """An italic line under the table."""
    pdf.ln(3)
    pdf.set_font(FAMILY, "I", 10)
    pdf.multi_cell(0, 5.2, _nfc(text), new_x="LMARGIN", new_y="NEXT")


def _table(pdf: A4Doc, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float],
           align: Sequence[str]) -> None:
    pdf.set_font(FAMILY, "", 9.5)
    heading = FontFace(emphasis="BOLD", fill_color=(221, 235, 247))
    with pdf.table(col_widths=tuple(widths), text_align=tuple(align), headings_style=heading,
                   line_height=5, padding=1.2, repeat_headings=1) as table:
        header = table.row()
        for text in headers:
            header.cell(_nfc(text), align="C")
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(_nfc(text))


def _signatures(pdf: A4Doc, left: str, right: str) -> None:
    pdf.ln(6)
    if pdf.get_y() > pdf.h - 50:
        pdf.add_page()
    y = pdf.get_y()
    half = pdf.epw / 2
    pdf.set_font(FAMILY, "B", 10.5)
    pdf.set_xy(pdf.l_margin, y)
    pdf.multi_cell(half, 5.2, _nfc(left), align="C")
    pdf.set_xy(pdf.l_margin + half, y)
    pdf.multi_cell(half, 5.2, _nfc(right), align="C")


def annex_pdf(version: ResultVersion) -> bytes:
    """The annex of the award decision as A4 PDF."""
    pdf = _document(version, "Danh sách công nhận giải", "DANH SÁCH CÔNG NHẬN GIẢI")
    rows = [[str(stt), names, inst, title, label] for stt, names, inst, title, label in annex_rows(version)]
    _table(pdf, ANNEX_HEADERS, rows, (10, 40, 42, 64, 24), ("C", "L", "L", "L", "L"))
    counts = service.counts_of(version)
    labels = {r.code: r.label for r in service._version_ranks(version)}
    summary = "; ".join(f"{labels.get(code, code)}: {n}" for code, n in counts.items() if n)
    _note(pdf, f"Tổng số: {sum(counts.values())} giải ({summary}).")
    return bytes(pdf.output())


def money_pdf(version: ResultVersion) -> bytes:
    """The prize-money disbursement list as A4 PDF, with totals and signature lines."""
    pdf = _document(version, "Danh sách chi trả tiền thưởng", "DANH SÁCH CHI TRẢ TIỀN THƯỞNG")
    data, total = money_rows(version)
    rows = [
        [str(stt), name, inst, label, format_money_vn(money) if money is not None else "", ""]
        for stt, name, inst, label, money, _sign in data
    ]
    rows.append(["", "Tổng cộng", "", f"{len(data)} giải", format_money_vn(total), ""])
    _table(pdf, MONEY_HEADERS, rows, (10, 46, 44, 26, 28, 26), ("C", "L", "L", "L", "R", "L"))
    _note(pdf, f"Tổng số tiền bằng chữ: {money_in_words(total)}.")
    _signatures(pdf, "NGƯỜI LẬP BIỂU\n(Ký, ghi rõ họ tên)", "TM. BAN TỔ CHỨC\n(Ký, ghi rõ họ tên, đóng dấu)")
    return bytes(pdf.output())
