"""A4 documents drawn with fpdf2 in the committed Noto Serif fonts of the certificates
(:data:`contest.certificates.pdf.FONT_DIR`): the page set-up, the page-number footer and
the two-column heading of an official document (issuer left, national motto right).

Shared by the official results outputs (:mod:`contest.results.exports`) and the judges'
paper score sheets (:mod:`judging.paper`). Callers normalise their text to NFC before
handing it over (fpdf2 cannot compose NFD Vietnamese).
"""

from __future__ import annotations

from fpdf import FPDF

from contest.certificates.pdf import DEFAULT_FONTS, FONT_DIR

__all__ = ["FAMILY", "A4Doc", "national_heading"]

FAMILY = "NotoSerif"


class A4Doc(FPDF):
    """An A4 document in millimetres with the Noto Serif family registered as
    :data:`FAMILY`, and "<footer_text> · Trang n/N" centred at the foot of every page."""

    def __init__(self, footer_text: str, orientation: str = "P") -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        for style, name in DEFAULT_FONTS.items():
            self.add_font(FAMILY, style, str(FONT_DIR / name))
        self.set_margins(15, 12, 15)
        self.set_auto_page_break(True, margin=16)
        self.set_lang("vi-VN")
        self.set_creator("contest-platform (fpdf2)")
        self.footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "I", 8)
        self.set_text_color(110)
        self.cell(0, 5, f"{self.footer_text} · Trang {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


def national_heading(pdf: A4Doc, issuer: str, gap: float) -> None:
    """The issuer (``issuer``, its lines as given) on the left and "CỘNG HÒA XÃ HỘI CHỦ
    NGHĨA VIỆT NAM / Độc lập – Tự do – Hạnh phúc" on the right, both from the current
    line; then moves ``gap`` mm below the lower of the two columns."""
    width = pdf.epw
    y = pdf.get_y()
    pdf.set_font(FAMILY, "B", 9.5)
    pdf.multi_cell(width * 0.48, 4.6, issuer, align="C")
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + width * 0.5, y)
    pdf.multi_cell(width * 0.5, 4.6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C")
    pdf.set_x(pdf.l_margin + width * 0.5)
    pdf.set_font(FAMILY, "B", 10)
    pdf.multi_cell(width * 0.5, 4.6, "Độc lập – Tự do – Hạnh phúc", align="C")
    pdf.set_y(max(left_bottom, pdf.get_y()) + gap)
