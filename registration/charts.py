"""Server-side SVG bar charts (pure functions, no Flask, no JavaScript).

Each chart is a list of horizontal bars: the label on its own line above the bar (so
long Vietnamese names stay readable on a phone), the bar, and the number after it in
Vietnamese format (1.552). The SVG scales through its ``viewBox``; it carries no
``style`` attributes (the Content-Security-Policy forbids inline styles), only
presentation attributes, and it is accessible: ``role="img"`` with ``<title>`` and
``<desc>`` naming every bar and its value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

from contest.formatting import number_vn

# A 360-unit-wide viewBox: on a 360 px phone the 14-unit labels render at ~14 px; the
# stylesheet caps the width on tablets and desktops so text stays ~20 px at most.
WIDTH = 360
PAD = 6
ROW = 44  # one bar: label line + bar
LABEL_SIZE = 14
BAR_HEIGHT = 16
NUMBER_ROOM = 56  # space kept right of the longest bar for its number ("1.552")
MAX_LABEL_CHARS = 44
BAR_FILL = "#0b5cab"
HIGHLIGHT_FILL = "#c8102e"
TEXT_FILL = "#1c2430"
TRACK_FILL = "#eef2f7"

_ID_RE = re.compile(r"[^A-Za-z0-9_-]+")


def shorten(label: str, limit: int = MAX_LABEL_CHARS) -> str:
    """Cut a label to ``limit`` characters at a word boundary where possible, with "…"."""
    label = " ".join(str(label).split())
    if len(label) <= limit:
        return label
    cut = label[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;–-") + "…"


def bar_lengths(values: Sequence[int], max_length: float) -> list[float]:
    """Bar lengths proportional to the values; the largest bar gets ``max_length``.
    A positive value never draws a bar thinner than 2 units, so it stays visible."""
    top = max((v for v in values if v > 0), default=0)
    if top <= 0:
        return [0.0 for _ in values]
    out = []
    for v in values:
        if v <= 0:
            out.append(0.0)
        else:
            out.append(round(max(2.0, max_length * v / top), 1))
    return out


def chart_height(n_items: int) -> int:
    return PAD * 2 + max(n_items, 1) * ROW


def bar_chart(
    title: str,
    items: Sequence[tuple[str, int]],
    *,
    chart_id: str,
    unit: str = "",
    highlight: Sequence[str] = (),
    empty_text: str = "Chưa có số liệu.",
) -> Markup:
    """An SVG horizontal bar chart of ``(label, value)`` items in the given order.

    ``chart_id`` makes the ids of ``<title>``/``<desc>`` unique on a page; ``unit`` is
    appended to numbers in the description ("12 bài"); labels in ``highlight`` are drawn
    in the accent colour.
    """
    cid = _ID_RE.sub("-", chart_id).strip("-") or "chart"
    items = [(str(label), int(value or 0)) for label, value in items]
    height = chart_height(len(items))
    suffix = f" {unit}" if unit else ""
    summary = "; ".join(f"{label}: {number_vn(value)}{suffix}" for label, value in items) or empty_text
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="Segoe UI, Roboto, Noto Sans, DejaVu Sans, Arial, sans-serif">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(summary)}</desc>',
    ]
    if not items:
        parts.append(
            f'<text x="{PAD}" y="{PAD + ROW // 2}" font-size="{LABEL_SIZE}" fill="{TEXT_FILL}">{escape(empty_text)}</text>'
        )
    max_bar = WIDTH - 2 * PAD - NUMBER_ROOM
    lengths = bar_lengths([v for _, v in items], max_bar)
    marked = set(highlight)
    for i, ((label, value), length) in enumerate(zip(items, lengths, strict=True)):
        top = PAD + i * ROW
        label_y = top + LABEL_SIZE + 2
        bar_y = label_y + 6
        fill = HIGHLIGHT_FILL if label in marked else BAR_FILL
        number_x = PAD + length + 6
        parts.append(
            f'<g class="bar-row"><title>{escape(label)}: {number_vn(value)}{escape(suffix)}</title>'
            f'<text x="{PAD}" y="{label_y}" font-size="{LABEL_SIZE}" fill="{TEXT_FILL}">{escape(shorten(label))}</text>'
            f'<rect x="{PAD}" y="{bar_y}" width="{max_bar}" height="{BAR_HEIGHT}" rx="3" fill="{TRACK_FILL}"/>'
            f'<rect class="bar" x="{PAD}" y="{bar_y}" width="{length}" height="{BAR_HEIGHT}" rx="3" fill="{fill}"/>'
            f'<text class="bar-value" x="{number_x:.1f}" y="{bar_y + BAR_HEIGHT - 4}" font-size="{LABEL_SIZE}" '
            f'font-weight="bold" fill="{TEXT_FILL}">{number_vn(value)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
