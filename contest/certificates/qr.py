"""QR codes for certificates, drawn as vector rectangles straight into an fpdf2 page.

Two costs dominate mass generation with ``qrcode`` out of the box: building a raster
image per symbol, and ``QRCode.make()`` itself (about 5.7 ms per URL here, mostly its
pure-Python search of the best of the 8 mask patterns, which rebuilds the whole symbol
8 times). So:

- :func:`qr_matrix` builds the symbol with ``qrcode``'s specification tables (error
  correction block table, alignment pattern positions, BCH format/version codes, mask
  functions) but places the bits once and scores the 8 masks with byte-string
  operations (about 8 times faster). It is checked bit for bit against
  ``qrcode.QRCode(mask_pattern=k)`` for every mask in the tests.
  :func:`qr_matrix_qrcode` is the plain ``qrcode`` path, kept as reference.
- :func:`draw_qr` draws the dark modules as filled rectangles, one per horizontal run
  (identical runs in consecutive rows merged into one taller rectangle), in one path.

Data is encoded in byte mode (UTF-8), like ``qrcode`` does for URLs. A verify URL
``https://lienhiephoi.bacninh.gov.vn/v/<16 base32 chars>`` (53 bytes) fits version 4
(33x33 modules) at level M and version 5 (37x37) at level Q.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import qrcode
from fpdf.enums import RenderStyle
from qrcode import util as qr_util
from qrcode.base import rs_blocks
from qrcode.constants import (
    ERROR_CORRECT_H,
    ERROR_CORRECT_L,
    ERROR_CORRECT_M,
    ERROR_CORRECT_Q,
)

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = [
    "qr_matrix",
    "qr_matrix_qrcode",
    "qr_version",
    "qr_rects",
    "draw_qr",
    "QUIET_ZONE",
]

QUIET_ZONE = 4  # modules of light margin required around a symbol (ISO/IEC 18004)
# draw_qr writes one path with fpdf2's FPDF._out; False forces the public rect() path.
USE_CONTENT_STREAM = True

_EC_LEVELS = {
    "L": ERROR_CORRECT_L,
    "M": ERROR_CORRECT_M,
    "Q": ERROR_CORRECT_Q,
    "H": ERROR_CORRECT_H,
}
_DARK_RUN = re.compile(rb"\x01+")

Matrix = list[list[bool]]


def _level(error_correction: str) -> int:
    try:
        return _EC_LEVELS[error_correction.upper()]
    except (KeyError, AttributeError):
        raise ValueError(
            f"error_correction must be L, M, Q or H, not {error_correction!r}"
        ) from None


def qr_matrix(url: str, error_correction: str = "M", *, mask: int | None = None) -> Matrix:
    """Return the module matrix of the smallest QR symbol holding ``url``.

    ``matrix[row][col]`` is True for a dark module; no quiet zone is included.
    ``error_correction`` is one of ``"L"``, ``"M"``, ``"Q"``, ``"H"``. ``mask`` forces
    a mask pattern (0-7); by default the one with the lowest penalty score is used.
    """
    level = _level(error_correction)
    data = url.encode("utf-8")
    version = _smallest_version(len(data), level)
    layout = _layout(version)
    n = layout.size
    # Place the codewords once, unmasked.
    bits = _codewords(data, version, level)
    nbits = 8 * len(bits)
    stream = format(int.from_bytes(bits, "big"), f"0{nbits}b").encode("ascii")
    stream = stream.translate(_ASCII_BITS)
    symbol = bytearray(layout.function_values)
    # data_order is longer than the stream by the 0-7 remainder bits.
    for pos, bit in zip(layout.data_order, stream, strict=False):
        symbol[pos] = bit
    # Remainder bits past the codewords stay 0 (light) before masking.
    plain = int.from_bytes(symbol, "big")
    candidates = range(8) if mask is None else (mask,)
    best: bytes | None = None
    best_score = 0
    for k in candidates:
        masked = bytearray((plain ^ layout.masks[k]).to_bytes(n * n, "big"))
        _put_format_info(masked, n, level, k)
        if mask is not None:
            best = bytes(masked)
            break
        score = _penalty(masked, n)
        if best is None or score < best_score:
            best, best_score = bytes(masked), score
    assert best is not None
    return [[b == 1 for b in best[r * n : (r + 1) * n]] for r in range(n)]


def qr_matrix_qrcode(url: str, error_correction: str = "M", *, mask: int | None = None) -> Matrix:
    """Reference path: the same symbol built entirely by ``qrcode`` (byte mode).

    Slower (about 5.7 ms per verify URL); used in tests as an oracle. With the same
    ``mask`` it returns exactly what :func:`qr_matrix` returns.
    """
    qr = qrcode.QRCode(
        version=None,
        error_correction=_level(error_correction),
        box_size=1,
        border=0,
        mask_pattern=mask,
    )
    qr.add_data(qr_util.QRData(url.encode("utf-8"), mode=qr_util.MODE_8BIT_BYTE))
    qr.make(fit=True)
    return [[bool(m) for m in row] for row in qr.modules]


# ------------------------------------------------------------------ QR internals

_ASCII_BITS = bytes.maketrans(b"01", b"\x00\x01")


@cache
def _capacity(version: int, level: int) -> int:
    """Data codewords of a version/level."""
    return sum(b.data_count for b in rs_blocks(version, level))


def _smallest_version(nbytes: int, level: int) -> int:
    for version in range(1, 41):
        count_bits = 8 if version < 10 else 16
        if 4 + count_bits + 8 * nbytes <= 8 * _capacity(version, level):
            return version
    raise ValueError(f"{nbytes} bytes do not fit in a QR code at this error correction level")


# GF(256) with the QR primitive polynomial x^8 + x^4 + x^3 + x^2 + 1.
_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]
del _x, _i


@cache
def _generator_logs(degree: int) -> tuple[int, ...]:
    """Logs of the coefficients (after the leading 1) of prod (x - a^i), i < degree."""
    poly = [1]
    for i in range(degree):
        nxt = poly + [0]
        for j, coef in enumerate(poly):
            if coef:
                nxt[j + 1] ^= _EXP[_LOG[coef] + i]
        poly = nxt
    assert all(poly[1:]), "QR generator polynomials have no zero coefficient"
    return tuple(_LOG[c] for c in poly[1:])


def _rs_remainder(data: bytes, degree: int) -> list[int]:
    glogs = _generator_logs(degree)
    rem = [0] * degree
    exp = _EXP
    for byte in data:
        factor = byte ^ rem[0]
        del rem[0]
        rem.append(0)
        if factor:
            lf = _LOG[factor]
            for i, gl in enumerate(glogs):
                rem[i] ^= exp[lf + gl]
    return rem


def _codewords(data: bytes, version: int, level: int) -> bytes:
    """Byte-mode bit stream, padded, split in blocks, with EC codewords, interleaved."""
    capacity = _capacity(version, level)
    count_bits = 8 if version < 10 else 16
    acc = (0b0100 << count_bits) | len(data)
    acc = (acc << (8 * len(data))) | int.from_bytes(data, "big")
    nbits = 4 + count_bits + 8 * len(data)
    spare = 8 * capacity - nbits
    tail = min(4, spare) + (-(nbits + min(4, spare)) % 8)  # terminator, then to a byte
    acc <<= tail
    nbits += tail
    body = acc.to_bytes(nbits // 8, "big")
    pad = bytes((0xEC, 0x11)) * capacity
    stream = body + pad[: capacity - len(body)]
    dblocks: list[bytes] = []
    eblocks: list[list[int]] = []
    offset = 0
    for block in rs_blocks(version, level):
        chunk = stream[offset : offset + block.data_count]
        offset += block.data_count
        dblocks.append(chunk)
        eblocks.append(_rs_remainder(chunk, block.total_count - block.data_count))
    out = bytearray()
    for i in range(max(len(b) for b in dblocks)):
        out.extend(b[i] for b in dblocks if i < len(b))
    for i in range(max(len(b) for b in eblocks)):
        out.extend(b[i] for b in eblocks if i < len(b))
    return bytes(out)


class _Layout:
    """Per-version constants: function patterns, data module order, mask bit sets."""

    def __init__(self, version: int) -> None:
        n = self.size = 4 * version + 17
        value: list[int | None] = [None] * (n * n)

        def put(r: int, c: int, dark: bool) -> None:
            value[r * n + c] = 1 if dark else 0

        for r0, c0 in ((0, 0), (n - 7, 0), (0, n - 7)):  # finders with separators
            for r in range(-1, 8):
                for c in range(-1, 8):
                    if 0 <= r0 + r < n and 0 <= c0 + c < n:
                        dark = (
                            (0 <= r <= 6 and c in (0, 6))
                            or (0 <= c <= 6 and r in (0, 6))
                            or (2 <= r <= 4 and 2 <= c <= 4)
                        )
                        put(r0 + r, c0 + c, dark)
        positions = qr_util.pattern_position(version)
        for row in positions:  # alignment patterns, except over the finders
            for col in positions:
                if value[row * n + col] is not None:
                    continue
                for r in range(-2, 3):
                    for c in range(-2, 3):
                        put(row + r, col + c, max(abs(r), abs(c)) != 1)
        for i in range(8, n - 8):  # timing patterns
            if value[i * n + 6] is None:
                put(i, 6, i % 2 == 0)
            if value[6 * n + i] is None:
                put(6, i, i % 2 == 0)
        for i in range(15):  # format information: reserved here, written per mask
            r, c = _format_vertical(i, n)
            put(r, c, False)
            r, c = _format_horizontal(i, n)
            put(r, c, False)
        put(n - 8, 8, True)  # the dark module
        if version >= 7:
            vbits = qr_util.BCH_type_number(version)
            for i in range(18):
                dark = (vbits >> i) & 1 == 1
                put(i // 3, i % 3 + n - 11, dark)
                put(i % 3 + n - 11, i // 3, dark)
        # Data modules in placement order: two-column strips from the right,
        # alternately upwards and downwards, skipping the vertical timing column.
        order: list[int] = []
        upward = True
        col = n - 1
        while col > 0:
            if col == 6:
                col -= 1
            rows = range(n - 1, -1, -1) if upward else range(n)
            for r in rows:
                for c in (col, col - 1):
                    if value[r * n + c] is None:
                        order.append(r * n + c)
            upward = not upward
            col -= 2
        self.data_order = tuple(order)
        self.format_positions = tuple(
            (r1 * n + c1, r2 * n + c2)
            for (r1, c1), (r2, c2) in (
                (_format_vertical(i, n), _format_horizontal(i, n)) for i in range(15)
            )
        )
        self.function_values = bytes(0 if v is None else v for v in value)
        masks = []
        for k in range(8):
            func = qr_util.mask_func(k)
            bits = bytearray(n * n)
            for pos in order:
                if func(pos // n, pos % n):
                    bits[pos] = 1
            masks.append(int.from_bytes(bits, "big"))
        self.masks = tuple(masks)
        # Bit sets (one byte per module, row-major, first module in the highest
        # byte) used by _penalty: all modules; where a 5-module horizontal window
        # ending at that module stays in one row; where a 2x2 block whose
        # bottom-right module is that module stays inside the symbol.
        self.all_ones = int.from_bytes(b"\x01" * (n * n), "big")
        self.window5 = int.from_bytes(bytes(1 if p % n >= 4 else 0 for p in range(n * n)), "big")
        self.block2 = int.from_bytes(
            bytes(1 if p % n >= 1 and p >= n else 0 for p in range(n * n)), "big"
        )


@lru_cache(maxsize=40)
def _layout(version: int) -> _Layout:
    return _Layout(version)


def _format_vertical(i: int, n: int) -> tuple[int, int]:
    """(row, col) of format bit ``i`` in column 8 (same placement as ``qrcode``)."""
    if i < 6:
        return i, 8
    if i < 8:
        return i + 1, 8
    return n - 15 + i, 8


def _format_horizontal(i: int, n: int) -> tuple[int, int]:
    """(row, col) of format bit ``i`` in row 8."""
    if i < 8:
        return 8, n - i - 1
    if i < 9:
        return 8, 15 - i
    return 8, 14 - i


@cache
def _format_bits(level: int, mask: int) -> tuple[int, ...]:
    bits = qr_util.BCH_type_info((level << 3) | mask)
    return tuple((bits >> i) & 1 for i in range(15))


def _put_format_info(symbol: bytearray, n: int, level: int, mask: int) -> None:
    """Write the 15 format bits (EC level, mask) twice, around the finder patterns."""
    positions = _layout((n - 17) // 4).format_positions
    for (p_vertical, p_horizontal), bit in zip(positions, _format_bits(level, mask), strict=True):
        symbol[p_vertical] = bit
        symbol[p_horizontal] = bit


_FINDER_LIKE = b"\x01\x00\x01\x01\x01\x00\x01\x00\x00\x00\x00"  # 1:1:3:1:1 + 4 light


def _windows(x: int, length: int) -> int:
    """Bit set of the positions where ``length`` consecutive modules are all set.

    Modules are bytes 0/1 packed in an int (one module per byte, so shifts by 8).
    """
    w = x
    for k in range(1, length):
        w &= x >> (8 * k)
    return w


def _penalty(symbol: bytes | bytearray, n: int) -> int:
    """Mask penalty score (ISO/IEC 18004 rules N1-N4) of a whole symbol.

    Works on the symbol as one big integer (one byte per module) so that every rule is
    a handful of shifts, ANDs and popcounts instead of a loop over modules.
    """
    layout = _layout((n - 17) // 4)
    sym = bytes(symbol)
    transposed = b"".join(sym[c::n] for c in range(n))
    all_ones = layout.all_ones
    score = 0
    for data in (sym, transposed):  # rows, then columns
        dark = int.from_bytes(data, "big")
        for x in (dark, dark ^ all_ones):
            # N1: a run of L >= 5 same-colour modules scores 3 + (L - 5) = (L - 4) + 2,
            # i.e. its number of 5-windows plus 2 per run (one run end per run).
            w = _windows(x, 5) & layout.window5
            score += w.bit_count() + 2 * (w & ~(w << 8)).bit_count()
        # N3: 1:1:3:1:1 finder-like pattern with 4 light modules on either side.
        # (Neither pattern overlaps itself, so bytes.count finds every occurrence.)
        lines = b"\x02".join([data[i : i + n] for i in range(0, n * n, n)])
        score += 40 * (lines.count(_FINDER_LIKE) + lines.count(_FINDER_LIKE[::-1]))
    # N2: each 2x2 block of one colour scores 3.
    dark = int.from_bytes(sym, "big")
    for x in (dark, dark ^ all_ones):
        block = x & (x >> 8)
        block &= block >> (8 * n)
        score += 3 * (block & layout.block2).bit_count()
    # N4: 10 points per full 5 % the dark share deviates from 50 %.
    score += 10 * int(abs(sym.count(1) * 100 / (n * n) - 50) / 5)
    return score


def qr_version(matrix: Matrix) -> int:
    """Return the QR version (1-40) of a matrix from :func:`qr_matrix`."""
    n = len(matrix)
    version, rest = divmod(n - 17, 4)
    if rest or not 1 <= version <= 40 or any(len(row) != n for row in matrix):
        raise ValueError(f"not a QR matrix: {n} rows")
    return version


def qr_rects(matrix: Matrix) -> list[tuple[int, int, int, int]]:
    """Cover the dark modules with rectangles ``(col, row, width, height)`` in modules.

    Each horizontal run of dark modules gives one rectangle; a run repeated exactly
    (same columns) in the following rows is extended downwards instead.
    """
    rects: list[tuple[int, int, int, int]] = []
    # (col0, col1) -> row where the run started, for runs present in the previous row
    open_runs: dict[tuple[int, int], int] = {}
    nrows = len(matrix)
    for r, row in enumerate(matrix):
        runs = [(m.start(), m.end()) for m in _DARK_RUN.finditer(bytes(row))]
        next_open: dict[tuple[int, int], int] = {}
        for run in runs:
            next_open[run] = open_runs.pop(run, r)
        for (c0, c1), r0 in open_runs.items():  # runs that ended in the previous row
            rects.append((c0, r0, c1 - c0, r - r0))
        open_runs = next_open
    for (c0, c1), r0 in open_runs.items():
        rects.append((c0, r0, c1 - c0, nrows - r0))
    return rects


def draw_qr(
    pdf: FPDF,
    x: float,
    y: float,
    size: float,
    matrix: Matrix,
    *,
    quiet_zone: int = QUIET_ZONE,
    color: tuple[int, int, int] = (0, 0, 0),
    background: tuple[int, int, int] | None = (255, 255, 255),
) -> None:
    """Draw ``matrix`` as vector rectangles in the square (x, y, size) of the current page.

    ``size`` (in the document's unit) includes a light margin of ``quiet_zone`` modules
    on each side, painted in ``background`` (None leaves it transparent, e.g. when the
    page behind is already white). Coordinates are the top-left corner of the square.

    All dark rectangles go into one PDF path filled once: faster than one fpdf2
    ``rect()`` call per rectangle, and free of the hairline seams that viewers draw
    between separately filled, touching rectangles. This writes the operators with
    fpdf2's content-stream writer ``FPDF._out`` (private, but stable since PyFPDF);
    if it is ever missing, the public ``rect()`` is used instead.
    """
    n = len(matrix)
    if n == 0:
        raise ValueError("empty QR matrix")
    module = size / (n + 2 * quiet_zone)
    ox = x + quiet_zone * module
    oy = y + quiet_zone * module
    rects = qr_rects(matrix)
    out = getattr(pdf, "_out", None) if USE_CONTENT_STREAM else None
    if not callable(out):
        _draw_qr_public(pdf, x, y, size, ox, oy, module, rects, color, background)
        return
    k = pdf.k  # points per user unit
    top = pdf.h  # PDF user space has its origin at the bottom left
    ops = ["q"]
    if background is not None:
        ops.append(
            f"{_rg(background)} {x * k:.3f} {(top - y) * k:.3f} {size * k:.3f} {-size * k:.3f} re f"
        )
    ops.append(_rg(color))
    mk = module * k
    x0 = ox * k
    y0 = (top - oy) * k
    ops.extend(
        f"{x0 + c * mk:.3f} {y0 - r * mk:.3f} {w * mk:.3f} {-h * mk:.3f} re" for c, r, w, h in rects
    )
    ops.append("f Q")
    out("\n".join(ops))


def _rg(rgb: tuple[int, int, int]) -> str:
    r, g, b = rgb
    return f"{r / 255:.3f} {g / 255:.3f} {b / 255:.3f} rg"


def _draw_qr_public(
    pdf: FPDF,
    x: float,
    y: float,
    size: float,
    ox: float,
    oy: float,
    module: float,
    rects: list[tuple[int, int, int, int]],
    color: tuple[int, int, int],
    background: tuple[int, int, int] | None,
) -> None:
    """Same drawing with the public API only (one ``rect()`` per rectangle)."""
    with pdf.local_context(fill_color=color):
        if background is not None:
            pdf.set_fill_color(*background)
            pdf.rect(x, y, size, size, style=RenderStyle.F)
            pdf.set_fill_color(*color)
        rect, fill = pdf.rect, RenderStyle.F
        for c, r, w, h in rects:
            rect(ox + c * module, oy + r * module, w * module, h * module, style=fill)
