"""Server-side SVG bar charts: labels, Vietnamese numbers, accessibility, no inline styles."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from registration.charts import WIDTH, bar_chart, bar_lengths, chart_height, shorten

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def test_chart_shows_every_label_and_number_in_vietnamese_format():
    svg = bar_chart("Số bài theo địa bàn", [("Huyện Yên Dũng", 1552), ("Phường Kinh Bắc", 560)],
                    chart_id="c1", unit="bài")
    root = _parse(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Huyện Yên Dũng" in texts and "Phường Kinh Bắc" in texts
    assert "1.552" in texts and "560" in texts
    assert root.find(f"{SVG}title").text == "Số bài theo địa bàn"
    assert root.find(f"{SVG}desc").text == "Huyện Yên Dũng: 1.552 bài; Phường Kinh Bắc: 560 bài"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.get("viewBox") == f"0 0 {WIDTH} {chart_height(2)}"


def test_bars_are_proportional_and_the_largest_fills_the_width():
    root = _parse(bar_chart("T", [("A", 10), ("B", 5), ("C", 0)], chart_id="c"))
    bars = [float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert bars[0] == 2 * bars[1]
    assert bars[2] == 0
    assert bars[0] <= WIDTH


def test_no_inline_style_or_script_and_labels_are_escaped():
    svg = str(bar_chart("<b>Tiêu đề</b>", [('Trường "A" & <B>', 3)], chart_id='x"><script>'))
    assert "style=" not in svg
    assert "<script" not in svg
    assert "&lt;b&gt;Tiêu đề&lt;/b&gt;" in svg
    root = _parse(svg)  # still well-formed XML
    assert any("Trường \"A\" & <B>" == t.text for t in root.iter(f"{SVG}text"))
    assert re.fullmatch(r"[A-Za-z0-9_-]+", root.get("id"))


def test_empty_chart_says_so():
    root = _parse(bar_chart("Theo lĩnh vực", [], chart_id="e"))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["Chưa có số liệu."]
    assert root.find(f"{SVG}desc").text == "Chưa có số liệu."


def test_long_labels_are_shortened_in_the_bar_but_complete_in_its_tooltip():
    long = "Trường Trung học phổ thông chuyên Bắc Giang thuộc Sở Giáo dục và Đào tạo tỉnh Bắc Ninh"
    root = _parse(bar_chart("T", [(long, 7)], chart_id="l"))
    label = next(t.text for t in root.iter(f"{SVG}text") if t.get("class") is None)
    assert label.endswith("…") and len(label) <= 44
    group_title = next(g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g"))
    assert group_title == f"{long}: 7"


def test_shorten_and_lengths_helpers():
    assert shorten("Xã Tân Yên") == "Xã Tân Yên"
    assert shorten("một hai ba bốn năm sáu", limit=12) == "một hai ba…"
    assert bar_lengths([0, 0], 100) == [0.0, 0.0]
    assert bar_lengths([1, 1000], 100) == [2.0, 100.0]  # a tiny value still shows
