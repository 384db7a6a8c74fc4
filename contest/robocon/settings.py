"""Robocon settings, kept in ``Edition.settings["robocon"]``: the format of each level
and division (``StageFormat``), the referee score sheet of each division and the
technical-inspection checklist; with the parsers of the numbers, times and sheet lines
typed into the settings forms."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from contest import audit
from contest.models import Division, Edition, Level
from contest.robocon.common import RoboconError
from contest.robocon.ranking import TIE_BREAKS
from contest.robocon.scoring import Item, SheetSpec, format_number_vn, validate_spec
from contest.text import normalize_text

FORMATS = {"mission": "Thi theo lượt (nhiệm vụ)", "head_to_head": "Đối kháng"}
RANKING_MODES = {"best": "Lượt tốt nhất", "sum_best_k": "Tổng k lượt tốt nhất"}
TIE_BREAK_LABELS = {
    "head_to_head": "Đối đầu trực tiếp (điểm)",
    "head_to_head_difference": "Hiệu số đối đầu",
    "head_to_head_scored": "Điểm ghi được khi đối đầu",
    "points_scored": "Tổng điểm ghi được",
    "score_difference": "Hiệu số",
    "wins": "Số trận thắng",
    "time": "Tổng thời gian hoàn thành",
}
ON_TIE = {"include": "Lấy tất cả các đội đồng hạng", "exclude": "Không lấy các đội đồng hạng"}

DEFAULT_SHEET = SheetSpec(
    items=[
        Item("xuat_phat", "Robot xuất phát đúng quy định", 10, 1),
        Item("vuot_cau", "Vượt qua cầu", 20, 1),
        Item("dat_khoi", "Đặt khối hộp vào ô đích", 15, 4),
        Item("nem_bong", "Ném bóng vào rổ", 10, 5),
        Item("ve_dich", "Về đích", 30, 1),
    ],
    penalties=[
        Item("cham_tay", "Chạm tay vào robot khi đang thi", 10),
        Item("ra_san", "Robot ra khỏi sân thi đấu", 5),
    ],
    time_limit_s=180,
)

DEFAULT_INSPECTION = [
    {"code": "kich_thuoc", "label": "Kích thước robot khi xuất phát không vượt quá 60 × 60 × 60 cm"},
    {"code": "khoi_luong", "label": "Khối lượng robot không vượt quá 15 kg"},
    {"code": "nguon", "label": "Nguồn điện một chiều không quá 24 V, có nút dừng khẩn cấp"},
    {"code": "an_toan", "label": "Không có chi tiết sắc nhọn, nguy hiểm cho người và sân thi đấu"},
    {"code": "dieu_khien", "label": "Bộ điều khiển hoạt động ổn định, không gây nhiễu đội khác"},
]


@dataclass
class StageFormat:
    """The format of one level of one division (``settings["robocon"]["formats"]``)."""

    format: str = "mission"
    runs_per_team: int = 3
    ranking: str = "best"
    best_k: int = 2
    group_size: int = 4  # 0: no group phase, the teams go straight into the bracket
    advance_per_group: int = 2
    win: float = 3
    draw: float = 1
    loss: float = 0
    tie_breaks: list[str] = field(
        default_factory=lambda: ["head_to_head", "points_scored", "score_difference", "time"]
    )
    third_place: bool = True
    cut_size: int = 16  # teams sent to the next level (0: none)
    on_tie: str = "include"

    @property
    def is_mission(self) -> bool:
        return self.format == "mission"

    @property
    def has_groups(self) -> bool:
        return self.format == "head_to_head" and self.group_size > 0

    @property
    def label(self) -> str:
        if self.is_mission:
            how = ("tính lượt tốt nhất" if self.ranking == "best"
                   else f"tính tổng {self.best_k} lượt tốt nhất")
            return f"Thi theo lượt: {self.runs_per_team} lượt mỗi đội, {how}"
        if self.has_groups:
            return (f"Đối kháng: chia bảng {self.group_size} đội, "
                    f"mỗi bảng {self.advance_per_group} đội vào vòng loại trực tiếp")
        return "Đối kháng: loại trực tiếp"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, default: StageFormat | None = None) -> StageFormat:
        base = asdict(default or cls())
        for key, value in (data or {}).items():
            if key in base:
                base[key] = value
        return cls(**base)

    def validate(self) -> list[str]:
        errors = []
        if self.format not in FORMATS:
            errors.append("Thể thức thi phải là thi theo lượt hoặc đối kháng.")
        if not isinstance(self.runs_per_team, int) or not 1 <= self.runs_per_team <= 10:
            errors.append("Số lượt thi của mỗi đội phải từ 1 đến 10.")
        if self.ranking not in RANKING_MODES:
            errors.append("Cách xếp hạng phải là lượt tốt nhất hoặc tổng k lượt tốt nhất.")
        if self.ranking == "sum_best_k" and not 1 <= self.best_k <= self.runs_per_team:
            errors.append("Số lượt tính điểm k phải từ 1 đến số lượt thi của mỗi đội.")
        if self.group_size != 0 and not 3 <= self.group_size <= 8:
            errors.append("Số đội mỗi bảng phải từ 3 đến 8 (0: không chia bảng).")
        if self.group_size and not 1 <= self.advance_per_group < self.group_size:
            errors.append("Số đội mỗi bảng vào vòng loại trực tiếp phải từ 1 và nhỏ hơn số đội mỗi bảng.")
        if not self.win > self.draw >= self.loss:
            errors.append("Điểm thắng phải lớn hơn điểm hoà, điểm hoà không nhỏ hơn điểm thua.")
        unknown = [t for t in self.tie_breaks if t not in TIE_BREAKS]
        if unknown or len(set(self.tie_breaks)) != len(self.tie_breaks):
            errors.append("Các tiêu chí phụ phải khác nhau và thuộc danh sách cho phép.")
        if not isinstance(self.cut_size, int) or self.cut_size < 0:
            errors.append("Số đội vào vòng sau phải là số nguyên không âm.")
        if self.on_tie not in ON_TIE:
            errors.append("Cách xử lý đồng hạng tại vạch không hợp lệ.")
        return errors


def _robocon_settings(edition: Edition) -> dict[str, Any]:
    return dict((edition.settings or {}).get("robocon") or {})


def _store_settings(edition: Edition, values: dict[str, Any]) -> None:
    settings = dict(edition.settings or {})
    settings["robocon"] = values
    edition.settings = settings  # a new dict, so the JSON column is marked changed


def default_format(edition: Edition, level: Level) -> StageFormat:
    first = edition.levels[0].id if edition.levels else None
    if level.id == first:
        return StageFormat()
    return StageFormat(format="head_to_head", group_size=0, cut_size=4)


def stage_format(edition: Edition, level: Level, division: Division) -> StageFormat:
    stored = (_robocon_settings(edition).get("formats") or {}).get(level.code, {}).get(division.code)
    return StageFormat.from_dict(stored, default_format(edition, level))


def save_format(edition: Edition, level: Level, division: Division, fmt: StageFormat, *, user=None) -> None:
    errors = fmt.validate()
    if errors:
        raise RoboconError(errors)
    values = _robocon_settings(edition)
    formats = {k: dict(v) for k, v in (values.get("formats") or {}).items()}
    old = formats.get(level.code, {}).get(division.code)
    formats.setdefault(level.code, {})[division.code] = fmt.to_dict()
    values["formats"] = formats
    _store_settings(edition, values)
    audit.record("robocon.settings", "edition", edition.id, user=user,
                 old={"level": level.code, "division": division.code, "format": old},
                 new={"level": level.code, "division": division.code, "format": fmt.to_dict()})


def sheet_spec(edition: Edition, division: Division | None) -> SheetSpec:
    sheets = _robocon_settings(edition).get("sheets") or {}
    data = sheets.get(division.code if division is not None else "") or sheets.get("*")
    return SheetSpec.from_dict(data) if data else DEFAULT_SHEET


def save_sheet(edition: Edition, division: Division, spec: SheetSpec, *, user=None) -> None:
    errors = validate_spec(spec)
    if not spec.items:
        errors.append("Phiếu chấm cần ít nhất một mục chấm.")
    if errors:
        raise RoboconError(errors)
    values = _robocon_settings(edition)
    sheets = dict(values.get("sheets") or {})
    old = sheets.get(division.code)
    sheets[division.code] = spec.to_dict()
    values["sheets"] = sheets
    _store_settings(edition, values)
    audit.record("robocon.sheet", "edition", edition.id, user=user,
                 old={"division": division.code, "sheet": old},
                 new={"division": division.code, "sheet": spec.to_dict()})


_SHEET_LINE = re.compile(r"^\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*(?:\|\s*([^|]*?)\s*)?$")


def parse_number_vn(raw: Any) -> float | None:
    """``"12,5"`` or ``"12.5"`` → 12.5; ``""`` → None; raises ValueError (Vietnamese)."""
    text = normalize_text(raw).replace(" ", "")
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"“{raw}” không phải là một số.") from None
    if not math.isfinite(value):
        raise ValueError(f"“{raw}” không phải là một số.")
    return int(value) if value.is_integer() else value


def parse_seconds(raw: Any) -> float | None:
    """A time typed as seconds (``45,2``) or minutes:seconds (``1:05,3``)."""
    text = normalize_text(raw).replace(" ", "")
    if not text:
        return None
    clock = re.fullmatch(r"(\d+):([0-5]?\d(?:[.,]\d+)?)", text)
    if clock:
        return int(clock.group(1)) * 60 + float(clock.group(2).replace(",", "."))
    try:
        value = parse_number_vn(text)
    except ValueError:
        raise ValueError(f"Thời gian “{raw}” không đúng dạng (số giây, ví dụ 45,2, hoặc phút:giây).") from None
    return value


def text_lines(text: str | None) -> list[str]:
    """The lines of a text box, each normalised (NFC, legacy encodings, spaces)."""
    return [normalize_text(line) for line in (text or "").splitlines()]


def _code_of(label: str, used: set[str]) -> str:
    from contest.text import slugify

    base = (slugify(label, 30) or "muc").replace("-", "_")
    code, n = base, 2
    while code in used:
        code, n = f"{base}_{n}", n + 1
    used.add(code)
    return code


def parse_sheet_lines(text: str, kind: str, used: set[str]) -> tuple[list[Item], list[str]]:
    """Lines ``Tên mục | điểm | số lần tối đa`` (or ``mã | tên | điểm | tối đa``)."""
    items: list[Item] = []
    errors: list[str] = []
    for n, line in enumerate(text_lines(text), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 4:
            code, label, points_raw, max_raw = parts
        elif len(parts) == 3:
            code, (label, points_raw, max_raw) = "", parts
        elif len(parts) == 2:
            code, (label, points_raw), max_raw = "", parts, ""
        else:
            errors.append(f"{kind}, dòng {n}: cần dạng “Tên | điểm | số lần tối đa”.")
            continue
        try:
            points = parse_number_vn(points_raw)
        except ValueError as exc:
            errors.append(f"{kind}, dòng {n}: {exc}")
            continue
        if points is None or points < 0:
            errors.append(f"{kind}, dòng {n}: số điểm phải là số không âm.")
            continue
        max_count: int | None = None
        if max_raw:
            if not re.fullmatch(r"\d+", max_raw):
                errors.append(f"{kind}, dòng {n}: số lần tối đa “{max_raw}” phải là số nguyên không âm.")
                continue
            max_count = int(max_raw)
        if not label:
            errors.append(f"{kind}, dòng {n}: thiếu tên mục.")
            continue
        if code:
            code = re.sub(r"[^a-z0-9_]", "_", code.lower())
            if code in used:
                errors.append(f"{kind}, dòng {n}: mã “{code}” bị trùng.")
                continue
            used.add(code)
        else:
            code = _code_of(label, used)
        items.append(Item(code, label, points, max_count))
    return items, errors


def sheet_lines(items: Iterable[Item]) -> str:
    lines = []
    for it in items:
        max_text = "" if it.max_count is None else str(it.max_count)
        lines.append(f"{it.code} | {it.label_vi} | {format_number_vn(it.points)} | {max_text}".rstrip(" |"))
    return "\n".join(lines)


def inspection_items(edition: Edition) -> list[dict[str, str]]:
    stored = _robocon_settings(edition).get("inspection")
    return [dict(i) for i in stored] if stored else [dict(i) for i in DEFAULT_INSPECTION]


def save_inspection_items(edition: Edition, text: str, *, user=None) -> list[dict[str, str]]:
    used: set[str] = set()
    items = []
    for line in text_lines(text):
        label = line.strip()
        if label:
            items.append({"code": _code_of(label, used), "label": label})
    if not items:
        raise RoboconError("Danh mục kiểm tra kỹ thuật cần ít nhất một mục.")
    values = _robocon_settings(edition)
    old = values.get("inspection")
    values["inspection"] = items
    _store_settings(edition, values)
    audit.record("robocon.inspection_items", "edition", edition.id, user=user, old={"items": old},
                 new={"items": items})
    return items
