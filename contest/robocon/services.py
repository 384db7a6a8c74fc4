"""Robocon services: the database side of the pure core.

Services take explicit arguments (never ``request``) and never commit: the route (or the
CLI, the demo seed, a test) commits once. Every problem is a ``RoboconError`` carrying
Vietnamese messages.

Sections:

* settings: the format of each level and division, the referee score sheet of each
  division and the inspection checklist, all in ``Edition.settings["robocon"]``;
* stages and entrants: who plays a level (the accepted teams of a division at the first
  level; the teams moved up by the cut line at a later one), seeded by the earlier rank;
* check-in and technical inspection;
* schedules (``schedule_runs`` / ``schedule_matches`` of the core, written as fixtures);
* results: versioned score sheets, commit by the head referee, disqualifications;
* rankings, group tables, the cut line, the draw and the bracket;
* the qualifying-round CSV import; the public display and field queues.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from datetime import time as dtime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import selectinload

from contest import audit
from contest.extensions import db
from contest.formatting import TZ
from contest.models import Division, Edition, Entry, EntryLevel, Level
from contest.models.base import utcnow
from contest.models.robocon import (
    RoboconCheckin,
    RoboconFixture,
    RoboconInspection,
    RoboconResult,
    RoboconStage,
)
from contest.robocon import bracket as bracket_core
from contest.robocon.draw import DrawTeam, round_robin_pairs, seeded_groups
from contest.robocon.ranking import (
    TIE_BREAKS,
    Match,
    Run,
    cut_line,
    group_standings,
    import_qualifying_csv,
    rank_mission,
)
from contest.robocon.schedule import (
    DayWindow,
    ScheduleInfeasible,
    build_slots,
    schedule_matches,
    schedule_runs,
)
from contest.robocon.scoring import (
    Item,
    ScoreSheetError,
    SheetSpec,
    format_number_vn,
    format_seconds_vn,
    score_run,
    validate_spec,
)
from contest.text import normalize_text

audit.ACTION_LABELS.update(
    {
        "robocon.settings": "Sửa thể thức Robocon",
        "robocon.sheet": "Sửa phiếu chấm Robocon",
        "robocon.inspection_items": "Sửa danh mục kiểm tra kỹ thuật",
        "robocon.schedule": "Xếp lịch thi Robocon",
        "robocon.checkin": "Điểm danh đội thi",
        "robocon.checkin_undo": "Huỷ điểm danh đội thi",
        "robocon.inspect": "Kiểm tra kỹ thuật robot",
        "robocon.result": "Lưu phiếu chấm lượt/trận",
        "robocon.commit": "Duyệt kết quả lượt/trận",
        "robocon.import": "Nhập kết quả vòng loại từ CSV",
        "robocon.cut": "Chốt danh sách vào vòng sau",
        "robocon.draw": "Bốc thăm chia bảng",
        "robocon.bracket": "Lập sơ đồ loại trực tiếp",
    }
)

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


class RoboconError(ValueError):
    """A request the Robocon services refuse; ``messages`` are Vietnamese."""

    def __init__(self, messages: str | Sequence[str], status: int = 422):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.status = status
        super().__init__(" ".join(self.messages))

    @property
    def message(self) -> str:
        return " ".join(self.messages)


# ======================================================================================
# Settings
# ======================================================================================


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


def _lines(text: str | None) -> list[str]:
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
    for n, line in enumerate(_lines(text), start=1):
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
    for line in _lines(text):
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


# ======================================================================================
# Editions, stages, entrants, access
# ======================================================================================


def robocon_editions() -> list[Edition]:
    from contest.models import Contest

    return list(db.session.scalars(
        select(Edition).join(Contest).where(Contest.kind == "robocon")
        .order_by(Edition.year_start.desc(), Edition.number.desc())
    ))


def get_edition(slug: str) -> Edition | None:
    edition = db.session.scalar(select(Edition).where(Edition.slug == slug))
    if edition is None or edition.contest.kind != "robocon":
        return None
    return edition


def playable_levels(edition: Edition) -> list[Level]:
    """Levels played on the Robocon fields (all but the national nomination)."""
    return [lv for lv in edition.levels if lv.code != "toan_quoc"]


def level_of(edition: Edition, code: str) -> Level | None:
    return next((lv for lv in playable_levels(edition) if lv.code == code), None)


def division_of(edition: Edition, code: str) -> Division | None:
    return next((d for d in edition.divisions if d.code == code), None)


def can_act(user, edition: Edition, *roles: str) -> bool:
    """Organisers act everywhere; referees and head referees only for editions they are
    granted (``RoleGrant.edition_id``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if "organiser" in roles and user.has_role("organiser"):
        return True
    return any(g.role in roles and g.edition_id == edition.id for g in user.grants)


def editions_for(user) -> list[Edition]:
    return [e for e in robocon_editions() if can_act(user, e, "organiser", "referee", "head_referee")]


def get_stage(edition: Edition, level: Level, division: Division, *, create: bool = True) -> RoboconStage | None:
    stage = db.session.scalar(select(RoboconStage).where(
        RoboconStage.edition_id == edition.id, RoboconStage.level_id == level.id,
        RoboconStage.division_id == division.id))
    if stage is None and create:
        stage = RoboconStage(edition_id=edition.id, level_id=level.id, division_id=division.id)
        db.session.add(stage)
        db.session.flush()
    return stage


def _stage_or_blank(edition: Edition, level: Level, division: Division, create: bool) -> RoboconStage:
    """The stage row; for read-only pages a blank one that is never saved (id None)."""
    stage = get_stage(edition, level, division, create=create)
    if stage is None:
        stage = RoboconStage(edition_id=edition.id, level_id=level.id, division_id=division.id)
    return stage


def previous_level(edition: Edition, level: Level) -> Level | None:
    levels = edition.levels
    idx = next((i for i, lv in enumerate(levels) if lv.id == level.id), 0)
    return levels[idx - 1] if idx > 0 else None


def next_level(edition: Edition, level: Level) -> Level | None:
    levels = edition.levels
    idx = next((i for i, lv in enumerate(levels) if lv.id == level.id), len(levels))
    return levels[idx + 1] if idx + 1 < len(levels) else None


def stage_entries(edition: Edition, level: Level, division: Division) -> list[Entry]:
    """The teams of a level and division, seeded: by their rank at the level before (if
    any), then by code. The first level: every accepted team of the division; a later
    level: the teams the cut line moved up to it."""
    query = (select(Entry).options(selectinload(Entry.institution))
             .where(Entry.edition_id == edition.id, Entry.division_id == division.id,
                    Entry.status == "accepted"))
    prev = previous_level(edition, level)
    if prev is not None:
        query = query.join(EntryLevel, (EntryLevel.entry_id == Entry.id) & (EntryLevel.level_id == level.id))
    entries = list(db.session.scalars(query))
    ranks: dict[int, int] = {}
    if prev is not None and entries:
        ranks = dict(db.session.execute(
            select(EntryLevel.entry_id, EntryLevel.rank).where(
                EntryLevel.level_id == prev.id, EntryLevel.entry_id.in_([e.id for e in entries]))
        ).all())
    entries.sort(key=lambda e: (ranks.get(e.id) or 10**9, e.code))
    return entries


def team_label(entry: Entry | None) -> str:
    return entry.title if entry is not None else "Chờ xác định"


@dataclass
class StageContext:
    edition: Edition
    level: Level
    division: Division
    stage: RoboconStage
    fmt: StageFormat
    spec: SheetSpec
    entries: list[Entry]

    @property
    def by_code(self) -> dict[str, Entry]:
        return {e.code: e for e in self.entries}

    @property
    def by_id(self) -> dict[int, Entry]:
        return {e.id: e for e in self.entries}


def stage_context(edition: Edition, level: Level, division: Division, *, create: bool = False) -> StageContext:
    """Everything about one level of one division. ``create``: make the stage row (for
    the services that write); read-only pages get a blank, unsaved one."""
    return StageContext(edition, level, division, _stage_or_blank(edition, level, division, create),
                        stage_format(edition, level, division), sheet_spec(edition, division),
                        stage_entries(edition, level, division))


# ======================================================================================
# Check-in and technical inspection
# ======================================================================================


@dataclass
class TeamStatus:
    checked_in: RoboconCheckin | None = None
    inspection: RoboconInspection | None = None

    @property
    def passed(self) -> bool:
        return self.inspection is not None and self.inspection.passed

    @property
    def label(self) -> str:
        if self.inspection is not None:
            return "Đạt kiểm tra kỹ thuật" if self.inspection.passed else "Chưa đạt kiểm tra kỹ thuật"
        if self.checked_in is not None:
            return "Đã điểm danh, chờ kiểm tra kỹ thuật"
        return "Chưa điểm danh"


def team_statuses(level: Level, entry_ids: Iterable[int]) -> dict[int, TeamStatus]:
    ids = list(set(entry_ids))
    result = {i: TeamStatus() for i in ids}
    if not ids:
        return result
    for chunk in _chunks(ids, 900):
        for c in db.session.scalars(select(RoboconCheckin).where(
                RoboconCheckin.level_id == level.id, RoboconCheckin.entry_id.in_(chunk))):
            result[c.entry_id].checked_in = c
        for ins in db.session.scalars(select(RoboconInspection).where(
                RoboconInspection.level_id == level.id, RoboconInspection.entry_id.in_(chunk))
                .order_by(RoboconInspection.inspected_at, RoboconInspection.id)):
            result[ins.entry_id].inspection = ins  # the latest wins
    return result


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _entry_in_edition(edition: Edition, entry: Entry, level: Level | None = None) -> None:
    if entry.edition_id != edition.id or entry.status != "accepted" or entry.division_id is None:
        raise RoboconError("Đội thi không thuộc kỳ thi này hoặc chưa được tiếp nhận.", 404)
    if level is not None and not plays_at(edition, level, entry):
        raise RoboconError(f"Đội {entry.title} không thi ở {level.name.lower()}.", 404)


def plays_at(edition: Edition, level: Level, entry: Entry) -> bool:
    """Whether the team plays this level (every accepted team plays the first level; a
    later level only the teams the cut line moved up to it)."""
    if previous_level(edition, level) is None:
        return True
    return db.session.scalar(select(EntryLevel.id).where(
        EntryLevel.entry_id == entry.id, EntryLevel.level_id == level.id)) is not None


def check_in(edition: Edition, level: Level, entry: Entry, *, user=None, note: str | None = None) -> RoboconCheckin:
    _entry_in_edition(edition, entry, level)
    existing = db.session.scalar(select(RoboconCheckin).where(
        RoboconCheckin.entry_id == entry.id, RoboconCheckin.level_id == level.id))
    if existing is not None:
        return existing
    row = RoboconCheckin(entry_id=entry.id, level_id=level.id, checked_in_by_id=getattr(user, "id", None),
                         note=normalize_text(note) or None)
    db.session.add(row)
    audit.record("robocon.checkin", "entry", entry.id, user=user, new={"level": level.code})
    return row


def undo_check_in(edition: Edition, level: Level, entry: Entry, *, user=None) -> None:
    _entry_in_edition(edition, entry)
    if _has_results(entry, level):
        raise RoboconError("Đội đã có kết quả thi ở cấp này; không thể huỷ điểm danh.")
    row = db.session.scalar(select(RoboconCheckin).where(
        RoboconCheckin.entry_id == entry.id, RoboconCheckin.level_id == level.id))
    if row is not None:
        db.session.delete(row)
        audit.record("robocon.checkin_undo", "entry", entry.id, user=user, old={"level": level.code})


def _has_results(entry: Entry, level: Level) -> bool:
    return bool(db.session.scalar(
        select(func.count(RoboconResult.id)).join(RoboconFixture).join(RoboconStage)
        .where(RoboconStage.level_id == level.id,
               (RoboconFixture.entry_a_id == entry.id) | (RoboconFixture.entry_b_id == entry.id))))


def inspect_robot(
    edition: Edition, level: Level, entry: Entry, answers: Mapping[str, tuple[bool | None, str]],
    *, notes: str | None = None, user=None,
) -> RoboconInspection:
    """Record one inspection: ``answers`` maps each checklist code to (passed?, note).

    Every item must be answered; the robot passes when every item passes. A failed item
    needs a note saying what is wrong. The team must have checked in first."""
    _entry_in_edition(edition, entry, level)
    if db.session.scalar(select(RoboconCheckin.id).where(
            RoboconCheckin.entry_id == entry.id, RoboconCheckin.level_id == level.id)) is None:
        raise RoboconError(f"Đội {entry.title} chưa điểm danh ở {level.name.lower()}; "
                           "hãy điểm danh trước khi kiểm tra kỹ thuật.")
    errors = []
    items = []
    for item in inspection_items(edition):
        ok, note = answers.get(item["code"], (None, ""))
        note = normalize_text(note)
        if ok is None:
            errors.append(f"Chưa đánh giá mục “{item['label']}”.")
        elif not ok and not note:
            errors.append(f"Mục “{item['label']}” không đạt: cần ghi rõ lỗi.")
        items.append({"code": item["code"], "label": item["label"], "ok": bool(ok), "note": note})
    if errors:
        raise RoboconError(errors)
    passed = all(i["ok"] for i in items)
    row = RoboconInspection(entry_id=entry.id, level_id=level.id, items=items, passed=passed,
                            notes=normalize_text(notes) or None, inspector_id=getattr(user, "id", None))
    db.session.add(row)
    audit.record("robocon.inspect", "entry", entry.id, user=user,
                 new={"level": level.code, "passed": passed,
                      "failed": [i["label"] for i in items if not i["ok"]]})
    return row


def inspections_of(level: Level, entry: Entry) -> list[RoboconInspection]:
    return list(db.session.scalars(select(RoboconInspection).where(
        RoboconInspection.level_id == level.id, RoboconInspection.entry_id == entry.id)
        .order_by(RoboconInspection.inspected_at.desc(), RoboconInspection.id.desc())))


# ======================================================================================
# Schedules
# ======================================================================================


@dataclass
class ScheduleParams:
    venues: list[tuple[str, list[str]]]  # (venue, its fields)
    days: list[DayWindow]
    slot_minutes: int = 6
    min_gap_slots: int = 3
    seed: int = 1
    separate_schools: bool = True

    @property
    def fields(self) -> list[tuple[str, str]]:
        return [(v, f) for v, fields in self.venues for f in fields]

    def to_dict(self) -> dict[str, Any]:
        return {
            "venues": [{"name": v, "fields": list(f)} for v, f in self.venues],
            "days": [{"date": d.date.isoformat(), "start": d.start.strftime("%H:%M"),
                      "end": d.end.strftime("%H:%M")} for d in self.days],
            "slot_minutes": self.slot_minutes, "min_gap_slots": self.min_gap_slots,
            "seed": self.seed, "separate_schools": self.separate_schools,
        }


def parse_venues(text: str) -> list[tuple[str, list[str]]]:
    """Lines ``Điểm thi: Sân 1, Sân 2`` (or just ``Sân 1`` for a single venue)."""
    venues: list[tuple[str, list[str]]] = []
    errors = []
    for n, line in enumerate(_lines(text), start=1):
        line = line.strip()
        if not line:
            continue
        if ":" in line:
            venue, rest = (p.strip() for p in line.split(":", 1))
        else:
            venue, rest = "Điểm thi chính", line
        fields = [f.strip() for f in rest.split(",") if f.strip()]
        if not venue or not fields:
            errors.append(f"Dòng {n}: cần dạng “Tên điểm thi: Sân 1, Sân 2”.")
            continue
        if len(set(fields)) != len(fields):
            errors.append(f"Dòng {n}: tên sân bị trùng trong điểm thi {venue}.")
            continue
        if any(v == venue for v, _ in venues):
            errors.append(f"Dòng {n}: điểm thi {venue} đã khai báo ở dòng trên.")
            continue
        venues.append((venue, fields))
    if errors:
        raise RoboconError(errors)
    if not venues:
        raise RoboconError("Chưa khai báo điểm thi và sân thi đấu nào.")
    return venues


_DAY_LINE = re.compile(r"^(\S+)\s+(\d{1,2})[:hg](\d{2})\s*[-–]\s*(\d{1,2})[:hg](\d{2})$")


def parse_days(text: str) -> list[DayWindow]:
    """Lines ``18/05/2024 07:30-11:30``; a day may have several windows (morning, afternoon)."""
    from contest.text import parse_date_vn

    days: list[DayWindow] = []
    errors = []
    for n, line in enumerate(_lines(text), start=1):
        line = line.strip()
        if not line:
            continue
        m = _DAY_LINE.match(line)
        if not m:
            errors.append(f"Dòng {n}: cần dạng “18/05/2024 07:30-11:30”.")
            continue
        try:
            day = parse_date_vn(m.group(1))
            start = dtime(int(m.group(2)), int(m.group(3)))
            end = dtime(int(m.group(4)), int(m.group(5)))
        except ValueError as exc:
            errors.append(f"Dòng {n}: {exc}")
            continue
        if end <= start:
            errors.append(f"Dòng {n}: giờ kết thúc phải sau giờ bắt đầu.")
            continue
        days.append(DayWindow(day, start, end))
    days.sort(key=lambda d: (d.date, d.start))
    for a, b in zip(days, days[1:], strict=False):
        if a.date == b.date and b.start < a.end:
            errors.append(f"Ngày {a.date:%d/%m/%Y}: hai khung giờ {a.start:%H:%M}–{a.end:%H:%M} và "
                          f"{b.start:%H:%M}–{b.end:%H:%M} chồng lên nhau.")
    if errors:
        raise RoboconError(errors)
    if not days:
        raise RoboconError("Chưa khai báo ngày và giờ thi đấu nào.")
    return days


@dataclass
class ScheduleSummary:
    fixtures: int
    teams: int
    divisions: list[str]
    per_field: dict[str, int]
    first: datetime | None
    last: datetime | None
    warnings: list[str] = field(default_factory=list)


def _split_over_venues(groups: list[list[Any]], weights: list[int]) -> list[list[int]]:
    """Indexes of ``groups`` (teams of one school, or one draw group) per venue, in the
    given order, filling each venue up to its share of the total by field count."""
    total = sum(len(g) for g in groups)
    capacity = sum(weights)
    targets = [total * w / capacity for w in weights]
    result: list[list[int]] = [[] for _ in weights]
    v, filled = 0, 0
    for i, g in enumerate(groups):
        while v < len(weights) - 1 and filled >= targets[v] - len(g) / 2:
            v, filled = v + 1, 0
        result[v].append(i)
        filled += len(g)
    return result


def _stage_has_results(stage_ids: Sequence[int], phases: Sequence[str]) -> int:
    if not stage_ids:
        return 0
    return db.session.scalar(
        select(func.count(RoboconResult.id)).join(RoboconFixture)
        .where(RoboconFixture.stage_id.in_(stage_ids), RoboconFixture.phase.in_(phases))) or 0


def generate_schedule(
    edition: Edition, level: Level, divisions: Sequence[Division], params: ScheduleParams, *, user=None,
) -> ScheduleSummary:
    """Schedule the runs or matches of ``divisions`` at ``level`` together on the given
    venues, fields and days, replacing their earlier schedule (refused once a result has
    been entered). Teams are spread over the venues (a school's teams stay together, a
    group plays at one venue); one ranking still covers every venue.

    Mission divisions get ``runs_per_team`` runs each; head-to-head divisions get their
    group matches (after the draw) or, once the bracket is built, its knockout matches
    laid out round after round."""
    if not divisions:
        raise RoboconError("Hãy chọn ít nhất một bảng thi để xếp lịch.")
    ctxs = [stage_context(edition, level, d, create=True) for d in divisions]
    kinds = {("mission" if c.fmt.is_mission else "knockout" if c.stage.bracket else "group") for c in ctxs}
    if len(kinds) > 1:
        raise RoboconError("Các bảng thi được chọn có thể thức khác nhau (thi theo lượt, vòng bảng, "
                           "loại trực tiếp); hãy xếp lịch riêng cho từng loại.")
    kind = kinds.pop()
    if kind == "mission" and len({c.fmt.runs_per_team for c in ctxs}) > 1:
        raise RoboconError("Các bảng thi được chọn có số lượt thi khác nhau; hãy xếp lịch riêng cho từng bảng.")
    if kind == "group" and any(not c.stage.draw for c in ctxs):
        missing = ", ".join(c.division.name for c in ctxs if not c.stage.draw)
        raise RoboconError(f"Chưa bốc thăm chia bảng cho: {missing}.")
    empty = [c.division.name for c in ctxs if not c.entries]
    if empty:
        raise RoboconError(f"Chưa có đội nào ở {level.name.lower()} của: {', '.join(empty)}.")
    phases = {"mission": ["mission"], "group": ["group"], "knockout": ["knockout"]}[kind]
    stage_ids = [c.stage.id for c in ctxs]
    if _stage_has_results(stage_ids, phases):
        raise RoboconError("Đã có kết quả thi của các bảng này; không thể xếp lại lịch. "
                           "Hãy chỉ xếp lịch cho bảng chưa thi.")
    try:
        if kind == "mission":
            rows, warnings = _schedule_mission(ctxs, params)
        elif kind == "group":
            rows, warnings = _schedule_groups(ctxs, params)
        else:
            rows, warnings = _schedule_knockout(ctxs, params)
    except ScheduleInfeasible as exc:
        raise RoboconError(exc.reasons) from None
    except ValueError as exc:
        raise RoboconError(str(exc)) from None

    clashes = _clashes(edition, level, stage_ids, rows)
    if clashes:
        raise RoboconError(["Lịch mới trùng sân, trùng giờ với lịch đã có của bảng khác:"] + clashes[:5])

    if kind == "mission":
        db.session.execute(delete(RoboconFixture).where(
            RoboconFixture.stage_id.in_(stage_ids), RoboconFixture.phase == "mission"))
        db.session.execute(insert(RoboconFixture), [
            {**r, "created_at": utcnow(), "state": "scheduled"} for r in rows])
    else:
        by_id = {r.pop("id"): r for r in rows}
        for fx in db.session.scalars(select(RoboconFixture).where(RoboconFixture.id.in_(list(by_id)))):
            for key, value in by_id[fx.id].items():
                setattr(fx, key, value)
    for c in ctxs:
        c.stage.schedule = params.to_dict() | {"kind": kind, "generated_at": utcnow().isoformat()}
    db.session.flush()
    per_field: dict[str, int] = defaultdict(int)
    for r in rows:
        per_field[f"{r['field']} · {r['venue']}"] += 1
    starts = [r["starts_at"] for r in rows if r.get("starts_at")]
    teams = {r.get("entry_a_id") for r in rows} | {r.get("entry_b_id") for r in rows}
    teams.discard(None)
    summary = ScheduleSummary(len(rows), len(teams), [c.division.name for c in ctxs], dict(per_field),
                              min(starts) if starts else None, max(starts) if starts else None, warnings)
    audit.record("robocon.schedule", "level", level.id, user=user,
                 new={"divisions": [c.division.code for c in ctxs], "kind": kind, "fixtures": len(rows),
                      "params": params.to_dict()})
    return summary


def _school_of(entries: Iterable[Entry]) -> dict[str, str]:
    return {e.code: (e.institution.name if e.institution is not None else "") for e in entries}


def _schedule_mission(ctxs: list[StageContext], params: ScheduleParams) -> tuple[list[dict], list[str]]:
    runs = ctxs[0].fmt.runs_per_team
    stage_of: dict[str, int] = {}
    entries: dict[str, Entry] = {}
    for c in ctxs:
        for e in c.entries:
            stage_of[e.code] = c.stage.id
            entries[e.code] = e
    # Teams of one school stay at one venue; schools ordered by area, so neighbours
    # travel to the same venue.
    by_school: dict[Any, list[str]] = defaultdict(list)
    area: dict[Any, str] = {}
    for code, e in entries.items():
        key = e.institution_id
        by_school[key].append(code)
        inst = e.institution
        area[key] = f"{inst.unit_id if inst is not None else 0:08d}|{inst.name if inst else ''}"
    schools = sorted(by_school, key=lambda k: area[k])
    groups = [sorted(by_school[k]) for k in schools]
    split = _split_over_venues(groups, [len(f) for _, f in params.venues])
    school_of = _school_of(entries.values())
    rows: list[dict] = []
    warnings: list[str] = []
    for (venue, fields), idx in zip(params.venues, split, strict=True):
        teams = [code for i in idx for code in groups[i]]
        if not teams:
            continue
        sched = schedule_runs(teams, runs_per_team=runs, fields=fields, days=params.days,
                              slot_minutes=params.slot_minutes, min_gap_slots=params.min_gap_slots,
                              seed=params.seed, school_of=school_of,
                              separate_schools=params.separate_schools)
        warnings += [f"{venue}: {w}" for w in sched.warnings[:10]]
        for e in sched.entries:
            code = e.teams[0]
            rows.append({
                "stage_id": stage_of[code], "kind": "run", "phase": "mission", "venue": venue,
                "field": e.field, "starts_at": e.start, "ends_at": e.end, "day_index": e.day_index,
                "slot_index": e.slot, "run_no": e.run_no, "entry_a_id": entries[code].id,
            })
    return rows, warnings


def _schedule_groups(ctxs: list[StageContext], params: ScheduleParams) -> tuple[list[dict], list[str]]:
    fixtures = list(db.session.scalars(select(RoboconFixture).where(
        RoboconFixture.stage_id.in_([c.stage.id for c in ctxs]), RoboconFixture.phase == "group")))
    if not fixtures:
        raise RoboconError("Chưa có trận vòng bảng nào; hãy bốc thăm chia bảng trước.")
    code_of = {e.id: e.code for c in ctxs for e in c.entries}
    groups: dict[tuple[int, str], list[RoboconFixture]] = defaultdict(list)
    for fx in fixtures:
        groups[(fx.stage_id, fx.group_name or "")].append(fx)
    keys = sorted(groups)
    team_groups = [sorted({code_of[i] for fx in groups[k] for i in (fx.entry_a_id, fx.entry_b_id)})
                   for k in keys]
    split = _split_over_venues(team_groups, [len(f) for _, f in params.venues])
    school_of = {}
    for c in ctxs:
        school_of.update(_school_of(c.entries))
    rows: list[dict] = []
    warnings: list[str] = []
    for (venue, fields), idx in zip(params.venues, split, strict=True):
        if not idx:
            continue
        by_round: dict[int, list[RoboconFixture]] = defaultdict(list)
        for i in idx:
            for fx in groups[keys[i]]:
                by_round[fx.round_no or 1].append(fx)
        rounds = [by_round[r] for r in sorted(by_round)]
        pairings = [[(code_of[fx.entry_a_id], code_of[fx.entry_b_id]) for fx in rnd] for rnd in rounds]
        flat = [fx for rnd in rounds for fx in rnd]
        sched = schedule_matches(pairings, fields=fields, days=params.days,
                                 slot_minutes=params.slot_minutes, min_gap_slots=params.min_gap_slots,
                                 seed=params.seed, school_of=school_of,
                                 separate_schools=params.separate_schools)
        warnings += [f"{venue}: {w}" for w in sched.warnings[:10]]
        for e in sched.entries:
            fx = flat[e.match_no - 1]
            rows.append({"id": fx.id, "venue": venue, "field": e.field, "starts_at": e.start,
                         "ends_at": e.end, "day_index": e.day_index, "slot_index": e.slot,
                         "match_no": e.match_no, "entry_a_id": fx.entry_a_id, "entry_b_id": fx.entry_b_id})
    return rows, warnings


def _schedule_knockout(ctxs: list[StageContext], params: ScheduleParams) -> tuple[list[dict], list[str]]:
    """Knockout matches round by round on every given field: a round starts at least
    ``min_gap_slots`` free slots after the previous one on the same day; the third-place
    match comes before the final; fields are used in turn so their loads stay even.
    Rounds are counted back from the final, so the finals of all divisions come last."""
    fixtures = list(db.session.scalars(select(RoboconFixture).where(
        RoboconFixture.stage_id.in_([c.stage.id for c in ctxs]), RoboconFixture.phase == "knockout")))
    if not fixtures:
        raise RoboconError("Chưa có sơ đồ loại trực tiếp; hãy lập sơ đồ trước.")
    slots = build_slots(params.days, params.slot_minutes)
    fields = params.fields
    n_fields = len(fields)
    blocks: dict[tuple[int, int], list[RoboconFixture]] = defaultdict(list)
    for fx in fixtures:
        final_block = 1 if fx.round_no == len((fx.stage.bracket or {}).get("rounds", [])) else 0
        third = fx.bracket_match == bracket_core.THIRD_PLACE_ID
        blocks[(-_rounds_left(fx), 0 if third else final_block)].append(fx)
    rows: list[dict] = []
    pointer, used = 0, 0
    for key in sorted(blocks):
        matches = sorted(blocks[key], key=lambda f: (f.stage_id, _bracket_index(f.bracket_match)))
        last = pointer + (len(matches) - 1) // n_fields
        if last >= len(slots):
            raise RoboconError(
                f"Không đủ khung giờ cho {len(fixtures)} trận loại trực tiếp trên {n_fields} sân "
                "với khoảng nghỉ đã chọn; hãy thêm giờ thi hoặc thêm sân.")
        for i, fx in enumerate(matches):
            slot = slots[pointer + i // n_fields]
            venue, fname = fields[(used + i) % n_fields]
            rows.append({"id": fx.id, "venue": venue, "field": fname, "starts_at": slot.start,
                         "ends_at": slot.end, "day_index": slot.day_index, "slot_index": slot.index})
        used += len(matches)
        pointer = last + 1
        while (pointer < len(slots) and pointer <= last + params.min_gap_slots
               and slots[pointer].day_index == slots[last].day_index):
            pointer += 1
    return rows, []


def _bracket_index(mid: str | None) -> tuple[int, int]:
    if not mid or mid == bracket_core.THIRD_PLACE_ID:
        return (99, 0)
    r, i = mid[1:].split("-")
    return (int(r), int(i))


def _rounds_left(fx: RoboconFixture) -> int:
    bracket = fx.stage.bracket or {}
    total = len(bracket.get("rounds", []))
    if fx.bracket_match == bracket_core.THIRD_PLACE_ID:
        return 0
    return total - (fx.round_no or total)


def _clashes(edition: Edition, level: Level, stage_ids: Sequence[int], rows: Sequence[dict]) -> list[str]:
    others = db.session.execute(
        select(RoboconFixture.venue, RoboconFixture.field, RoboconFixture.starts_at, RoboconFixture.ends_at)
        .join(RoboconStage).where(RoboconStage.edition_id == edition.id, RoboconStage.level_id == level.id,
                                  RoboconFixture.stage_id.not_in(stage_ids),
                                  RoboconFixture.starts_at.is_not(None))).all()
    if not others:
        return []
    busy: dict[tuple[str, str], list[tuple[datetime, datetime]]] = defaultdict(list)
    for venue, fname, start, end in others:
        busy[(venue, fname)].append((start, end))
    clashes = []
    for r in rows:
        for start, end in busy.get((r["venue"], r["field"]), []):
            if r["starts_at"] < end and start < r["ends_at"]:
                clashes.append(f"{r['field']} · {r['venue']} lúc {r['starts_at']:%H:%M %d/%m/%Y}")
                break
    return clashes


def level_fixtures(
    edition: Edition, level: Level, division: Division | None = None, *, venue: str | None = None,
    field_name: str | None = None,
) -> list[RoboconFixture]:
    query = (select(RoboconFixture).join(RoboconStage)
             .options(selectinload(RoboconFixture.entry_a).selectinload(Entry.institution),
                      selectinload(RoboconFixture.entry_b).selectinload(Entry.institution),
                      selectinload(RoboconFixture.stage).selectinload(RoboconStage.division))
             .where(RoboconStage.edition_id == edition.id, RoboconStage.level_id == level.id))
    if division is not None:
        query = query.where(RoboconStage.division_id == division.id)
    if venue is not None:
        query = query.where(RoboconFixture.venue == venue)
    if field_name is not None:
        query = query.where(RoboconFixture.field == field_name)
    fixtures = list(db.session.scalars(query))
    fixtures.sort(key=_fixture_order)
    return fixtures


def _fixture_order(fx: RoboconFixture) -> tuple:
    return (fx.starts_at or datetime.max, fx.venue or "", fx.field or "", fx.id)


def level_fields(edition: Edition, level: Level) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(RoboconFixture.venue, RoboconFixture.field).join(RoboconStage)
        .where(RoboconStage.edition_id == edition.id, RoboconStage.level_id == level.id,
               RoboconFixture.field.is_not(None)).distinct()).all()
    return sorted((v or "", f) for v, f in rows)


def schedule_by_team(fixtures: Sequence[RoboconFixture]) -> list[tuple[Entry, list[RoboconFixture]]]:
    teams: dict[int, tuple[Entry, list[RoboconFixture]]] = {}
    for fx in fixtures:
        for e in (fx.entry_a, fx.entry_b):
            if e is not None:
                teams.setdefault(e.id, (e, []))[1].append(fx)
    return sorted(teams.values(), key=lambda t: t[0].code)


def schedule_by_field(fixtures: Sequence[RoboconFixture]) -> list[tuple[str, str, list[RoboconFixture]]]:
    fields: dict[tuple[str, str], list[RoboconFixture]] = defaultdict(list)
    for fx in fixtures:
        if fx.field:
            fields[(fx.venue or "", fx.field)].append(fx)
    return [(v, f, fields[(v, f)]) for v, f in sorted(fields)]


# ======================================================================================
# Results: versioned score sheets, commit, disqualification
# ======================================================================================


@dataclass
class SideInput:
    counts: dict[str, Any] = field(default_factory=dict)
    penalties: dict[str, Any] = field(default_factory=dict)
    time_s: float | None = None
    dq: bool = False
    dq_reason: str | None = None


@dataclass
class SheetInput:
    a: SideInput
    b: SideInput | None = None
    winner: str | None = None  # "a", "b" or None (by the score)
    note: str | None = None


def fixture_context(fixture: RoboconFixture) -> StageContext:
    stage = fixture.stage
    return StageContext(stage.edition, stage.level, stage.division, stage,
                        stage_format(stage.edition, stage.level, stage.division),
                        sheet_spec(stage.edition, stage.division), [])


def fixture_title(fx: RoboconFixture) -> str:
    if fx.kind == "run":
        return f"Lượt {fx.run_no or '?'} – {team_label(fx.entry_a)}"
    if fx.phase == "knockout":
        name = _bracket_name(fx)
        return f"{name}: {team_label(fx.entry_a)} – {team_label(fx.entry_b)}"
    return f"Bảng {fx.group_name}: {team_label(fx.entry_a)} – {team_label(fx.entry_b)}"


def _bracket_name(fx: RoboconFixture) -> str:
    bracket = fx.stage.bracket or {}
    if fx.bracket_match == bracket_core.THIRD_PLACE_ID:
        return bracket_core.THIRD_PLACE_NAME
    for rnd in bracket.get("rounds", []):
        for m in rnd["matches"]:
            if m["id"] == fx.bracket_match:
                return f"{rnd['name']} (trận {m['index'] + 1})" if len(rnd["matches"]) > 1 else rnd["name"]
    return "Loại trực tiếp"


def _score_side(spec: SheetSpec, side: SideInput, label: str, errors: list[str]):
    try:
        return score_run(spec, side.counts, side.penalties, side.time_s, side.dq, side.dq_reason)
    except ScoreSheetError as exc:
        errors.extend(f"{label}: {e}" if label else e for e in exc.errors)
        return None


def save_result(fixture: RoboconFixture, data: SheetInput, *, user=None, source: str = "tablet") -> RoboconResult:
    """Save a new version of the fixture's score sheet (status ``pending``).

    Every team of the fixture must have passed technical inspection at this level, unless
    the sheet disqualifies it (an absent team, a robot not accepted). Once a
    version has been committed, a new one needs a reason (``note``). Earlier versions are
    never changed; the committed one keeps counting until a head referee commits the new
    one."""
    ctx = fixture_context(fixture)
    teams = [fixture.entry_a] + ([fixture.entry_b] if fixture.kind == "match" else [])
    if any(t is None for t in teams):
        raise RoboconError("Trận đấu chưa đủ hai đội (chờ kết quả trận trước).")
    if source == "tablet":
        # A team that has not passed inspection does not play; the referee may still record
        # it as disqualified (absent, robot not accepted) so the field's queue moves on.
        statuses = team_statuses(ctx.level, [t.id for t in teams])
        sides = [data.a] + ([data.b] if fixture.kind == "match" and data.b is not None else [])
        not_ready = [t.title for t, side in zip(teams, sides, strict=False)
                     if not statuses[t.id].passed and not side.dq]
        if not_ready:
            raise RoboconError(
                [f"Đội {name} chưa đạt kiểm tra kỹ thuật ở {ctx.level.name.lower()}: chưa được thi "
                 "(nếu đội vắng mặt, hãy đánh dấu truất quyền và ghi lý do)." for name in not_ready])
    errors: list[str] = []
    if fixture.kind == "run":
        score_a = _score_side(ctx.spec, data.a, "", errors)
        score_b = None
    else:
        if data.b is None:
            raise RoboconError("Thiếu phiếu chấm của đội thứ hai.")
        score_a = _score_side(ctx.spec, data.a, f"Đội {teams[0].title}", errors)
        score_b = _score_side(ctx.spec, data.b, f"Đội {teams[1].title}", errors)
    note = normalize_text(data.note) or None
    committed = fixture.committed
    if committed is not None and not note:
        errors.append("Kết quả này đã được duyệt: cần ghi lý do sửa.")
    winner_id = None
    if fixture.kind == "match" and score_a is not None and score_b is not None:
        winner_id, problem = _match_winner(fixture, score_a, score_b, data.winner)
        if problem:
            errors.append(problem)
    if errors:
        raise RoboconError(errors)
    assert score_a is not None
    version = (max((r.version for r in fixture.results), default=0)) + 1
    sheet = {"a": {"counts": _clean_counts(data.a.counts), "penalties": _clean_counts(data.a.penalties),
                   "breakdown": score_a.breakdown}}
    result = RoboconResult(
        fixture=fixture, version=version, status="pending", source=source,
        points_a=score_a.points, time_a=score_a.time_s if data.a.time_s is not None else None,
        dq_a=score_a.dq, dq_reason_a=score_a.dq_reason, note=note,
        created_by_id=getattr(user, "id", None),
    )
    if score_b is not None and data.b is not None:
        sheet["b"] = {"counts": _clean_counts(data.b.counts), "penalties": _clean_counts(data.b.penalties),
                      "breakdown": score_b.breakdown}
        result.points_b = score_b.points
        result.time_b = score_b.time_s if data.b.time_s is not None else None
        result.dq_b, result.dq_reason_b = score_b.dq, score_b.dq_reason
        result.winner_entry_id = winner_id
        sheet["winner_choice"] = data.winner
    result.sheet = sheet
    db.session.add(result)
    fixture.state = "pending"
    db.session.flush()
    audit.record("robocon.result", "robocon_fixture", fixture.id, user=user,
                 new=_result_summary(result), reason=note)
    return result


def _clean_counts(counts: Mapping[str, Any]) -> dict[str, int]:
    return {k: v for k, v in (counts or {}).items() if isinstance(v, int) and v}


def _match_winner(fixture: RoboconFixture, a, b, choice: str | None) -> tuple[int | None, str | None]:
    ea, eb = fixture.entry_a, fixture.entry_b
    knockout = fixture.phase == "knockout"
    if choice in ("a", "b"):
        return (ea.id if choice == "a" else eb.id), None
    if a.dq and b.dq:
        if knockout:
            return None, "Cả hai đội bị truất quyền: hãy chọn đội được đi tiếp."
        return None, None
    if a.dq or b.dq:
        return (eb.id if a.dq else ea.id), None
    if a.points != b.points:
        return (ea.id if a.points > b.points else eb.id), None
    if not knockout:
        return None, None  # a draw in a group
    ta = a.time_s if a.time_s is not None else math.inf
    tb = b.time_s if b.time_s is not None else math.inf
    if ta != tb:
        return (ea.id if ta < tb else eb.id), None
    return None, "Hai đội bằng điểm và bằng thời gian: hãy chọn đội thắng theo quyết định của trọng tài."


def _result_summary(r: RoboconResult) -> dict[str, Any]:
    data = {"version": r.version, "points_a": r.points_a, "time_a": r.time_a, "dq_a": r.dq_a}
    if r.dq_reason_a:
        data["dq_reason_a"] = r.dq_reason_a
    if r.points_b is not None:
        data.update(points_b=r.points_b, time_b=r.time_b, dq_b=r.dq_b, winner_entry_id=r.winner_entry_id)
        if r.dq_reason_b:
            data["dq_reason_b"] = r.dq_reason_b
    return data


def commit_result(result: RoboconResult, *, user=None) -> RoboconResult:
    """The head referee commits the latest version: it counts from now on (rankings and
    the bracket follow at once); the version it replaces stays in the history."""
    fixture = result.fixture
    latest = fixture.latest
    if result.status == "committed":
        raise RoboconError(f"Phiên bản {result.version} đã được duyệt rồi.", 409)
    if latest is None or latest.id != result.id:
        raise RoboconError(
            f"Chỉ duyệt được phiên bản mới nhất (phiên bản {latest.version if latest else '?'}); "
            f"phiên bản {result.version} đã có bản sửa sau.", 409)
    old = fixture.committed
    if fixture.phase == "knockout":
        _advance_bracket(fixture, result)
    for r in fixture.results:
        if r.id != result.id and r.status in ("committed", "pending"):
            r.status = "superseded"
    result.status = "committed"
    result.committed_by_id = getattr(user, "id", None)
    result.committed_at = utcnow()
    fixture.state = "committed"
    db.session.flush()
    audit.record("robocon.commit", "robocon_fixture", fixture.id, user=user,
                 old=_result_summary(old) if old is not None else None, new=_result_summary(result),
                 reason=result.note)
    return result


def _advance_bracket(fixture: RoboconFixture, result: RoboconResult) -> None:
    stage = fixture.stage
    if not stage.bracket or not fixture.bracket_match:
        raise RoboconError("Trận đấu không thuộc sơ đồ loại trực tiếp.")
    if result.winner_entry_id is None:
        raise RoboconError("Trận loại trực tiếp cần có đội thắng.")
    winner = db.session.get(Entry, result.winner_entry_id)
    bracket = bracket_core.from_dict(stage.bracket)
    match = bracket.match(fixture.bracket_match)
    if match.winner is not None and match.winner != winner.code:
        for nid in (match.next_id, match.loser_next_id):
            nxt = _bracket_fixture(stage, nid)
            if nxt is not None and nxt.results:
                raise RoboconError(f"Không thể đổi đội thắng: trận tiếp theo ({_bracket_name(nxt)}) "
                                   "đã có phiếu chấm.", 409)
    try:
        bracket = bracket_core.advance(bracket, fixture.bracket_match, winner.code)
    except bracket_core.BracketError as exc:
        raise RoboconError(str(exc), 409) from None
    stage.bracket = bracket_core.to_dict(bracket)
    _sync_bracket_fixtures(stage)


def _bracket_fixture(stage: RoboconStage, match_id: str | None) -> RoboconFixture | None:
    if match_id is None:
        return None
    return next((f for f in stage.fixtures if f.bracket_match == match_id), None)


def _sync_bracket_fixtures(stage: RoboconStage) -> None:
    if not stage.bracket:
        return
    codes = {e.code: e.id for e in db.session.scalars(select(Entry).where(
        Entry.edition_id == stage.edition_id, Entry.code.in_(list(stage.bracket["seeds"]))))}
    matches = {m["id"]: m for rnd in stage.bracket["rounds"] for m in rnd["matches"]}
    if stage.bracket.get("third_place"):
        matches[stage.bracket["third_place"]["id"]] = stage.bracket["third_place"]
    for fx in stage.fixtures:
        m = matches.get(fx.bracket_match or "")
        if m is None:
            continue
        fx.entry_a_id = codes.get(m["team_a"]) if m["team_a"] else None
        fx.entry_b_id = codes.get(m["team_b"]) if m["team_b"] else None


def pending_results(edition: Edition) -> list[RoboconFixture]:
    fixtures = db.session.scalars(
        select(RoboconFixture).join(RoboconStage)
        .options(selectinload(RoboconFixture.results), selectinload(RoboconFixture.entry_a),
                 selectinload(RoboconFixture.entry_b))
        .where(RoboconStage.edition_id == edition.id, RoboconFixture.state == "pending")).all()
    return sorted(fixtures, key=_fixture_order)


# ======================================================================================
# Rankings, group tables, final ranking
# ======================================================================================


@dataclass
class RankRow:
    rank: int
    team: str  # the entry code (the core's team key)
    entry: Entry
    points: float
    time_s: float | None
    runs: list[Run] = field(default_factory=list)
    played: int = 0
    tie_break: str = ""


def committed_runs(stage: RoboconStage, code_of: Mapping[int, str]) -> dict[str, list[Run]]:
    rows = db.session.execute(
        select(RoboconFixture.entry_a_id, RoboconFixture.run_no, RoboconFixture.venue,
               RoboconResult.points_a, RoboconResult.time_a, RoboconResult.dq_a)
        .join(RoboconResult, (RoboconResult.fixture_id == RoboconFixture.id)
              & (RoboconResult.status == "committed"))
        .where(RoboconFixture.stage_id == stage.id, RoboconFixture.kind == "run")).all()
    runs: dict[str, list[Run]] = defaultdict(list)
    for entry_id, run_no, venue, points, time_s, dq in rows:
        code = code_of.get(entry_id)
        if code is not None:
            runs[code].append(Run(code, run_no or 0, _num(points), time_s, venue, bool(dq)))
    return runs


def _num(value: float | None) -> float:
    if value is None:
        return 0
    return int(value) if float(value).is_integer() else value


def mission_ranking(ctx: StageContext) -> list[RankRow]:
    """One ranking of every team of the stage, whatever venue it ran at."""
    code_of = {e.id: e.code for e in ctx.entries}
    runs = committed_runs(ctx.stage, code_of)
    pooled = {e.code: runs.get(e.code, []) for e in ctx.entries}
    if not pooled:
        return []
    rows = rank_mission(pooled, ctx.fmt.ranking, ctx.fmt.best_k)
    by_code = ctx.by_code
    return [RankRow(r.rank, r.team, by_code[r.team], r.points, r.time_s,
                    sorted(runs.get(r.team, []), key=lambda x: x.run_no), len(runs.get(r.team, [])),
                    r.tie_break) for r in rows]


@dataclass
class GroupTable:
    name: str
    rows: list[Any]  # StandingRow
    entries: dict[str, Entry]
    matches: int
    played: int


def group_tables(ctx: StageContext) -> list[GroupTable]:
    draw = ctx.stage.draw
    if not draw:
        return []
    by_code = ctx.by_code
    fixtures = db.session.scalars(select(RoboconFixture).options(selectinload(RoboconFixture.results))
                                  .where(RoboconFixture.stage_id == ctx.stage.id,
                                         RoboconFixture.phase == "group")).all()
    code_of = {e.id: e.code for e in ctx.entries}
    by_group: dict[str, list[Match]] = defaultdict(list)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for fx in fixtures:
        counts[fx.group_name or ""][0] += 1
        r = fx.committed
        a, b = code_of.get(fx.entry_a_id), code_of.get(fx.entry_b_id)
        if r is None or a is None or b is None:
            continue
        counts[fx.group_name or ""][1] += 1
        winner = None
        if r.winner_entry_id is not None:
            winner = a if r.winner_entry_id == fx.entry_a_id else b
        by_group[fx.group_name or ""].append(Match(a, b, _num(r.points_a), _num(r.points_b), r.time_a,
                                                   r.time_b, winner))
    tables = []
    for g in draw["groups"]:
        teams = [t for t in g["teams"] if t in by_code]
        rows = group_standings(by_group.get(g["name"], []), teams, ctx.fmt.win, ctx.fmt.draw,
                               ctx.fmt.loss, ctx.fmt.tie_breaks)
        total, played = counts.get(g["name"], [0, 0])
        tables.append(GroupTable(g["name"], rows, {t: by_code[t] for t in teams}, total, played))
    return tables


def stage_standings(ctx: StageContext) -> list[RankRow]:
    """The ranking of a stage, best first: the mission ranking; or, head-to-head, the
    bracket's places, then the teams out in the groups (by group position, table points,
    score difference, points scored)."""
    if ctx.fmt.is_mission:
        return mission_ranking(ctx)
    by_code = ctx.by_code
    rows: list[RankRow] = []
    placed: set[str] = set()
    if ctx.stage.bracket:
        bracket = bracket_core.from_dict(ctx.stage.bracket)
        scored = _knockout_points(ctx)
        for place, team in sorted(bracket_core.placements(bracket)):
            if team in by_code:
                rows.append(RankRow(place, team, by_code[team], scored.get(team, 0), None))
                placed.add(team)
        # Teams still playing share the best place they can still reach (1).
        for team in bracket.seeds:
            if team not in placed and team in by_code:
                rows.append(RankRow(1, team, by_code[team], scored.get(team, 0), None,
                                    tie_break="Đang thi đấu"))
                placed.add(team)
        rows.sort(key=lambda r: (r.rank, r.team))
    tables = group_tables(ctx) if ctx.fmt.has_groups else []
    rest = []
    for t in tables:
        for pos, row in enumerate(t.rows, start=1):
            if row.team not in placed:
                rest.append(((pos, -row.points, -row.difference, -row.scored), row))
    rest.sort(key=lambda x: (x[0], x[1].team))
    start = len(rows)
    prev_key, prev_rank = None, 0
    for i, (key, row) in enumerate(rest):
        rank = prev_rank if key == prev_key else start + i + 1
        rows.append(RankRow(rank, row.team, by_code[row.team], row.points, row.time_s, played=row.played))
        prev_key, prev_rank = key, rank
    if not ctx.stage.bracket and not tables:
        for e in ctx.entries:
            if e.code not in placed:
                rows.append(RankRow(1, e.code, e, 0, None, tie_break="Chưa thi đấu"))
    return rows


def _knockout_points(ctx: StageContext) -> dict[str, float]:
    points: dict[str, float] = defaultdict(float)
    code_of = {e.id: e.code for e in ctx.entries}
    for fx in db.session.scalars(select(RoboconFixture).options(selectinload(RoboconFixture.results))
                                 .where(RoboconFixture.stage_id == ctx.stage.id,
                                        RoboconFixture.phase == "knockout")):
        r = fx.committed
        if r is None:
            continue
        if fx.entry_a_id in code_of:
            points[code_of[fx.entry_a_id]] += r.points_a or 0
        if fx.entry_b_id in code_of:
            points[code_of[fx.entry_b_id]] += r.points_b or 0
    return {k: _num(v) for k, v in points.items()}


def stage_has_results(stage: RoboconStage) -> bool:
    return bool(db.session.scalar(select(func.count(RoboconResult.id)).join(RoboconFixture)
                                  .where(RoboconFixture.stage_id == stage.id,
                                         RoboconResult.status == "committed")))


def final_ranking(edition: Edition, division: Division) -> list[tuple[int, int, float]]:
    """The final order of a division, for prizes and certificates: ``(entry_id, rank,
    points)``, best first.

    Teams of the last level played come first (bracket places 1, 2, 3, 4, 5, 9 …, or the
    mission ranking), then the teams out at each earlier level, ranked after them in the
    order of that level. ``points`` is the team's score in the level that placed it
    (mission points, table points of a group, or points scored in the knockout). A team
    still playing shares the best place it can still reach (check ``division_finished``).
    """
    levels = [lv for lv in playable_levels(edition)]
    result: list[tuple[int, int, float]] = []
    seen: set[int] = set()
    offset = 0
    for level in reversed(levels):
        stage = get_stage(edition, level, division, create=False)
        if stage is None or not stage_has_results(stage):
            continue
        ctx = stage_context(edition, level, division)
        rows = [r for r in stage_standings(ctx) if r.entry.id not in seen]
        if not rows:
            continue
        ranks = _dense_positions(rows)
        for row, rank in zip(rows, ranks, strict=True):
            result.append((row.entry.id, offset + rank, row.points))
            seen.add(row.entry.id)
        offset += len(rows)
    return result


def _dense_positions(rows: Sequence[RankRow]) -> list[int]:
    """Competition ranks 1.. within ``rows`` (rows that share ``rank`` share the place)."""
    out: list[int] = []
    for i, row in enumerate(rows):
        if i > 0 and row.rank == rows[i - 1].rank:
            out.append(out[-1])
        else:
            out.append(i + 1)
    return out


def division_finished(edition: Edition, division: Division) -> bool:
    """Whether the last level played of a division has every result committed."""
    for level in reversed(playable_levels(edition)):
        stage = get_stage(edition, level, division, create=False)
        if stage is None or not stage.fixtures:
            continue
        if stage.bracket:
            return bracket_core.from_dict(stage.bracket).finished
        return all(f.state == "committed" for f in stage.fixtures)
    return False


# ======================================================================================
# Cut line, draw, bracket
# ======================================================================================


def cut_preview(ctx: StageContext):
    rows = stage_standings(ctx)
    return rows, cut_line(rows, ctx.fmt.cut_size, on_tie=ctx.fmt.on_tie)


def close_cut(edition: Edition, level: Level, division: Division, *, user=None):
    """Draw the cut line under the current committed ranking: the teams above it move up
    to the next level; every team's score, rank and decision at this level are written
    (``EntryLevel``). May be redone (after a correction) until the next level has a
    schedule."""
    target = next_level(edition, level)
    if target is None:
        raise RoboconError("Đây là cấp cuối của kỳ thi; không có vòng sau.")
    ctx = stage_context(edition, level, division)
    if not stage_has_results(ctx.stage):
        raise RoboconError("Chưa có kết quả đã duyệt nào ở cấp này.")
    later = get_stage(edition, target, division, create=False)
    if later is not None and (later.fixtures or later.draw or later.bracket):
        raise RoboconError(f"{target.name} của bảng này đã bốc thăm hoặc xếp lịch; "
                           "không thể chốt lại danh sách.")
    rows, cut = cut_preview(ctx)
    qualified = {r.entry.id for r in cut.qualified}
    ranks = dict(zip([r.entry.id for r in rows], _dense_positions(rows), strict=True))
    points = {r.entry.id: r.points for r in rows}
    entries = {e.id: e for e in ctx.entries}
    existing = {(r.entry_id, r.level_id): r for r in db.session.scalars(
        select(EntryLevel).where(EntryLevel.entry_id.in_(list(entries)),
                                 EntryLevel.level_id.in_([level.id, target.id])))}
    now = utcnow()
    for eid, entry in entries.items():
        here = existing.get((eid, level.id))
        if here is None:
            here = EntryLevel(entry_id=eid, level_id=level.id, area_unit_id=entry.area_unit_id)
            db.session.add(here)
        here.score = round(points.get(eid, 0), 2)
        here.rank = ranks.get(eid)
        here.decision = "advanced" if eid in qualified else "not_advanced"
        here.decided_by_id, here.decided_at = getattr(user, "id", None), now
        here.reason = cut.note or None
        up = existing.get((eid, target.id))
        if eid in qualified:
            if up is None:
                db.session.add(EntryLevel(entry_id=eid, level_id=target.id, area_unit_id=entry.area_unit_id,
                                          decision="pending"))
            entry.level_id = target.id
        else:
            if up is not None:
                db.session.delete(up)
            entry.level_id = level.id
    db.session.flush()
    audit.record("robocon.cut", "level", level.id, user=user, reason=cut.note or None,
                 new={"division": division.code, "qualified": len(cut.qualified),
                      "cut_size": ctx.fmt.cut_size, "to": target.code})
    return cut


def draw_groups(edition: Edition, level: Level, division: Division, *, seed: int, user=None) -> dict:
    """The seeded draw into groups (teams of one school kept apart), and every group's
    round-robin fixtures (not yet scheduled). Refused once a group result exists."""
    ctx = stage_context(edition, level, division, create=True)
    if not ctx.fmt.has_groups:
        raise RoboconError("Thể thức của bảng này không có vòng bảng.")
    if _stage_has_results([ctx.stage.id], ["group", "knockout"]):
        raise RoboconError("Vòng bảng đã có kết quả; không thể bốc thăm lại.")
    if len(ctx.entries) < max(2, ctx.fmt.group_size - 1):
        raise RoboconError(f"Cần ít nhất {max(2, ctx.fmt.group_size - 1)} đội để chia bảng "
                           f"(hiện có {len(ctx.entries)}).")
    # the core's messages say "Trường {school}": give the name without its leading "Trường"
    teams = [DrawTeam(e.code, e.institution.name.removeprefix("Trường ") if e.institution else None)
             for e in ctx.entries]
    seeded = previous_level(edition, level) is not None
    try:
        result = seeded_groups(teams, ctx.fmt.group_size, seed=seed,
                               seeds_pots=[e.code for e in ctx.entries] if seeded else None)
    except ValueError as exc:
        raise RoboconError(str(exc)) from None
    ctx.stage.draw = result.to_dict() | {"entries": {e.code: e.id for e in ctx.entries}}
    ctx.stage.bracket = None
    db.session.execute(delete(RoboconFixture).where(RoboconFixture.stage_id == ctx.stage.id,
                                                    RoboconFixture.phase.in_(["group", "knockout"])))
    by_code = ctx.by_code
    n = 0
    for g in result.groups:
        for r, pairs in enumerate(round_robin_pairs(g.teams), start=1):
            for a, b in pairs:
                n += 1
                db.session.add(RoboconFixture(stage_id=ctx.stage.id, kind="match", phase="group",
                                              group_name=g.name, round_no=r, match_no=n,
                                              entry_a_id=by_code[a].id, entry_b_id=by_code[b].id))
    db.session.flush()
    db.session.expire(ctx.stage, ["fixtures"])
    audit.record("robocon.draw", "level", level.id, user=user,
                 new={"division": division.code, "seed": seed, "groups": len(result.groups),
                      "conflicts": len(result.conflicts)})
    return ctx.stage.draw


def build_stage_bracket(edition: Edition, level: Level, division: Division, *, user=None) -> dict:
    """The knockout bracket: the top ``advance_per_group`` of every group (group winners
    seeded first), or, without groups, every team of the level in seed order. Byes go to
    the top seeds; a third-place match when configured."""
    ctx = stage_context(edition, level, division, create=True)
    if ctx.fmt.is_mission:
        raise RoboconError("Bảng này thi theo lượt, không có sơ đồ loại trực tiếp.")
    if _stage_has_results([ctx.stage.id], ["knockout"]):
        raise RoboconError("Vòng loại trực tiếp đã có kết quả; không thể lập lại sơ đồ.")
    if ctx.fmt.has_groups:
        tables = group_tables(ctx)
        if not tables:
            raise RoboconError("Chưa bốc thăm chia bảng.")
        missing = sum(t.matches - t.played for t in tables)
        if missing:
            raise RoboconError(f"Còn {missing} trận vòng bảng chưa có kết quả đã duyệt.")
        picks = []
        for t in tables:
            for pos, row in enumerate(t.rows[:ctx.fmt.advance_per_group], start=1):
                picks.append(((pos, -row.points, -row.difference, -row.scored, t.name), row.team))
        qualifiers = [team for _, team in sorted(picks)]
    else:
        qualifiers = [e.code for e in ctx.entries]
    try:
        bracket = bracket_core.build_bracket(qualifiers, third_place=ctx.fmt.third_place)
    except bracket_core.BracketError as exc:
        raise RoboconError(str(exc)) from None
    ctx.stage.bracket = bracket_core.to_dict(bracket)
    db.session.execute(delete(RoboconFixture).where(RoboconFixture.stage_id == ctx.stage.id,
                                                    RoboconFixture.phase == "knockout"))
    by_code = ctx.by_code
    ids = [mid for rnd in bracket.rounds for mid in rnd]
    if bracket.third_place_id:
        ids.append(bracket.third_place_id)
    for mid in ids:
        m = bracket.matches[mid]
        if m.bye:
            continue
        db.session.add(RoboconFixture(
            stage_id=ctx.stage.id, kind="match", phase="knockout", bracket_match=mid,
            round_no=m.round_no, match_no=m.index + 1,
            entry_a_id=by_code[m.team_a].id if m.team_a else None,
            entry_b_id=by_code[m.team_b].id if m.team_b else None))
    db.session.flush()
    db.session.expire(ctx.stage, ["fixtures"])
    audit.record("robocon.bracket", "level", level.id, user=user,
                 new={"division": division.code, "teams": len(qualifiers), "size": bracket.size})
    return ctx.stage.bracket


# ======================================================================================
# CSV import of the qualifying round
# ======================================================================================


@dataclass
class ImportReport:
    errors: list[str]
    imported: int = 0
    unchanged: int = 0
    teams: int = 0


def import_runs(edition: Edition, level: Level, content: bytes | str, *, user=None) -> ImportReport:
    """Import mission runs from the simulator's CSV export (any venue): all or nothing.

    Every line is checked (the core's parser, then: the team code exists in the edition,
    its division plays mission runs at this level, the run number is within the runs of
    the format). Any error: nothing is written and every error is listed. Otherwise each
    run becomes a committed result of its run fixture (made if the schedule has none); a
    run already committed with the same points, time and DQ is left alone."""
    runs, row_errors = import_qualifying_csv(content)
    errors = [str(e) for e in row_errors]
    entries = {e.code: e for e in db.session.scalars(
        select(Entry).options(selectinload(Entry.division))
        .where(Entry.edition_id == edition.id, Entry.status == "accepted"))}
    ctxs: dict[int, StageContext] = {}
    checked = []
    for run in runs:
        entry = entries.get(run.team)
        if entry is None or entry.division is None:
            errors.append(f"Đội mã {run.team} (lượt {run.run_no}): không có trong danh sách đội thi đã tiếp nhận.")
            continue
        ctx = ctxs.get(entry.division_id)
        if ctx is None:
            ctx = ctxs[entry.division_id] = stage_context(edition, level, entry.division, create=True)
        if not ctx.fmt.is_mission:
            errors.append(f"Đội mã {run.team}: {entry.division.name} thi đối kháng ở {level.name.lower()}, "
                          "không nhập lượt thi.")
            continue
        if entry.id not in ctx.by_id:
            errors.append(f"Đội mã {run.team}: không thi ở {level.name.lower()}.")
            continue
        if run.run_no > ctx.fmt.runs_per_team:
            errors.append(f"Đội mã {run.team}: lượt {run.run_no} vượt số lượt thi "
                          f"({ctx.fmt.runs_per_team} lượt mỗi đội).")
            continue
        limit = ctx.spec.time_limit_s
        if run.time_s is not None and limit is not None and run.time_s > limit:
            errors.append(f"Đội mã {run.team} lượt {run.run_no}: thời gian {format_seconds_vn(run.time_s)} "
                          f"vượt thời gian tối đa {format_seconds_vn(limit)}.")
            continue
        checked.append((ctx, entry, run))
    if not runs and not errors:
        errors.append("Tệp không có lượt thi nào.")
    if errors:
        return ImportReport(errors)
    report = ImportReport([], teams=len({e.id for _, e, _ in checked}))
    fixtures: dict[tuple[int, int], RoboconFixture] = {}
    for ctx in ctxs.values():
        for fx in db.session.scalars(select(RoboconFixture).options(selectinload(RoboconFixture.results))
                                     .where(RoboconFixture.stage_id == ctx.stage.id,
                                            RoboconFixture.kind == "run")):
            fixtures[(fx.entry_a_id, fx.run_no)] = fx
    now = utcnow()
    for ctx, entry, run in checked:
        fx = fixtures.get((entry.id, run.run_no))
        if fx is None:
            fx = RoboconFixture(stage_id=ctx.stage.id, kind="run", phase="mission", run_no=run.run_no,
                                entry_a_id=entry.id, venue=run.venue, state="scheduled")
            db.session.add(fx)
            fixtures[(entry.id, run.run_no)] = fx
        current = fx.committed
        if current is not None and _num(current.points_a) == _num(run.points) and \
                current.time_a == run.time_s and bool(current.dq_a) == run.dq:
            report.unchanged += 1
            continue
        for r in fx.results:
            if r.status in ("committed", "pending"):
                r.status = "superseded"
        version = max((r.version for r in fx.results), default=0) + 1
        fx.results.append(RoboconResult(
            version=version, status="committed", source="csv", points_a=run.points, time_a=run.time_s,
            dq_a=run.dq, dq_reason_a="Truất quyền theo tệp kết quả" if run.dq else None,
            sheet={"a": {"imported": True}}, note="Nhập từ tệp CSV",
            created_by_id=getattr(user, "id", None), committed_by_id=getattr(user, "id", None),
            committed_at=now))
        if run.venue and not fx.venue:
            fx.venue = run.venue
        fx.state = "committed"
        report.imported += 1
    db.session.flush()
    audit.record("robocon.import", "level", level.id, user=user,
                 new={"imported": report.imported, "unchanged": report.unchanged, "teams": report.teams})
    return report


# ======================================================================================
# Public display and field queues (team names, schools and scores only)
# ======================================================================================


def _time_text(value: float | None) -> str:
    return format_number_vn(value) if value is not None else "—"


def _team_json(entry: Entry | None, seed: int | None = None) -> dict[str, Any] | None:
    if entry is None:
        return None
    data = {"code": entry.code, "name": entry.title,
            "school": entry.institution.name if entry.institution is not None else ""}
    if seed is not None:
        data["seed"] = seed
    return data


def fixture_json(fx: RoboconFixture) -> dict[str, Any]:
    r = fx.committed
    data: dict[str, Any] = {
        "id": fx.id, "kind": fx.kind, "title": fixture_title(fx) if fx.stage else "",
        "field": fx.field or "", "venue": fx.venue or "",
        "time": fx.starts_at.strftime("%H:%M") if fx.starts_at else "",
        "date": fx.starts_at.strftime("%d/%m/%Y") if fx.starts_at else "",
        "run_no": fx.run_no, "group": fx.group_name, "division": fx.stage.division.name if fx.stage else "",
        "a": _team_json(fx.entry_a), "b": _team_json(fx.entry_b) if fx.kind == "match" else None,
        "state": fx.state, "state_label": fx.state_label,
    }
    if r is not None:
        data["result"] = {"a": format_number_vn(r.points_a), "dq_a": r.dq_a,
                          "b": format_number_vn(r.points_b) if r.points_b is not None else None,
                          "dq_b": r.dq_b, "winner": r.winner.code if r.winner is not None else None}
    return data


def _field_now(fixtures: Sequence[RoboconFixture], upcoming: int) -> list[dict[str, Any]]:
    fields: dict[tuple[str, str], list[RoboconFixture]] = defaultdict(list)
    for fx in fixtures:
        if fx.field:
            fields[(fx.venue or "", fx.field)].append(fx)
    out = []
    for (venue, fname), items in sorted(fields.items()):
        waiting = [f for f in items if f.state == "scheduled"]
        out.append({"venue": venue, "field": fname,
                    "current": fixture_json(waiting[0]) if waiting else None,
                    "next": [fixture_json(f) for f in waiting[1:1 + upcoming]]})
    return out


def default_level(edition: Edition) -> Level | None:
    """The latest playable level that has fixtures (else the first)."""
    levels = playable_levels(edition)
    have = set(db.session.scalars(select(RoboconStage.level_id).join(RoboconFixture)
                                  .where(RoboconStage.edition_id == edition.id).distinct()))
    for level in reversed(levels):
        if level.id in have:
            return level
    return levels[0] if levels else None


def bracket_json(ctx: StageContext) -> dict[str, Any] | None:
    if not ctx.stage.bracket:
        return None
    data = ctx.stage.bracket
    entries = ctx.by_code
    results: dict[str, RoboconResult] = {}
    for fx in db.session.scalars(select(RoboconFixture).options(selectinload(RoboconFixture.results))
                                 .where(RoboconFixture.stage_id == ctx.stage.id,
                                        RoboconFixture.phase == "knockout")):
        r = fx.committed
        if r is not None and fx.bracket_match:
            results[fx.bracket_match] = r

    def match(m: dict[str, Any]) -> dict[str, Any]:
        r = results.get(m["id"])
        return {
            "id": m["id"], "name": m["name"], "bye": m["bye"], "winner": m["winner"],
            "a": _team_json(entries.get(m["team_a"]), m["seed_a"]) if m["team_a"] else None,
            "b": _team_json(entries.get(m["team_b"]), m["seed_b"]) if m["team_b"] else None,
            "score_a": format_number_vn(r.points_a) if r is not None else None,
            "score_b": format_number_vn(r.points_b) if r is not None and r.points_b is not None else None,
        }

    champion = entries.get(data.get("champion") or "")
    podium = [{"place": p["place"], "team": _team_json(entries.get(p["team"]))}
              for p in data.get("placements", []) if p["place"] <= 4]
    return {
        "podium": podium,
        "rounds": [{"name": rnd["name"], "matches": [match(m) for m in rnd["matches"]]}
                   for rnd in data["rounds"]],
        "third_place": match(data["third_place"]) if data.get("third_place") else None,
        "champion": _team_json(champion),
        "placements": [{"place": p["place"], "team": _team_json(entries.get(p["team"]))}
                       for p in data.get("placements", [])],
    }


def display_payload(
    edition: Edition, level: Level, division: Division, *, venue: str | None = None,
    limit: int | None = None, upcoming: int = 2,
) -> dict[str, Any]:
    """What the audience screen shows: current and next runs/matches per field, the
    ranking (with the cut line) or the group tables, and the bracket. Only team names,
    schools, robot-free scores: no personal data."""
    ctx = stage_context(edition, level, division)
    fixtures = level_fixtures(edition, level, division, venue=venue)
    payload: dict[str, Any] = {
        "edition": edition.name, "level": {"code": level.code, "name": level.name},
        "division": {"code": division.code, "name": division.name},
        "format": ctx.fmt.format, "format_label": ctx.fmt.label,
        "updated": datetime.now(TZ).strftime("%H:%M:%S"),
        "fields": _field_now(fixtures, upcoming),
        "done": sum(1 for f in fixtures if f.state != "scheduled"), "total": len(fixtures),
        "ranking": [], "groups": [], "bracket": None, "cut": None,
    }
    if ctx.fmt.is_mission:
        rows = mission_ranking(ctx)
        if next_level(edition, level) is not None and ctx.fmt.cut_size:
            payload["cut"] = ctx.fmt.cut_size
        if limit is None:  # the teams around the cut line matter most
            limit = max(24, (payload["cut"] or 0) + 8)
        payload["ranking"] = [{
            "rank": r.rank, "team": _team_json(r.entry), "points": format_number_vn(r.points),
            "time": _time_text(r.time_s) if r.played else "—", "played": r.played,
            "runs": [("Loại" if x.dq else format_number_vn(x.points)) for x in r.runs],
        } for r in rows[:limit]]
        payload["ranked"] = len(rows)
    else:
        for t in group_tables(ctx):
            payload["groups"].append({"name": f"Bảng {t.name}", "rows": [{
                "rank": row.rank, "team": _team_json(t.entries[row.team]), "played": row.played,
                "won": row.won, "drawn": row.drawn, "lost": row.lost,
                "points": format_number_vn(row.points), "difference": format_number_vn(row.difference),
            } for row in t.rows]})
        payload["bracket"] = bracket_json(ctx)
    return payload


def queue_payload(edition: Edition, level: Level, venue: str, field_name: str, *, upcoming: int = 6) -> dict:
    fixtures = [f for f in level_fixtures(edition, level, venue=venue or None, field_name=field_name)]
    waiting = [f for f in fixtures if f.state == "scheduled"]
    done = [f for f in fixtures if f.state != "scheduled"]
    return {
        "edition": edition.name, "level": {"code": level.code, "name": level.name},
        "venue": venue, "field": field_name, "updated": datetime.now(TZ).strftime("%H:%M:%S"),
        "current": fixture_json(waiting[0]) if waiting else None,
        "next": [fixture_json(f) for f in waiting[1:1 + upcoming]],
        "last": fixture_json(done[-1]) if done else None,
        "remaining": len(waiting), "total": len(fixtures),
    }


__all__ = [
    "DEFAULT_INSPECTION",
    "DEFAULT_SHEET",
    "FORMATS",
    "RANKING_MODES",
    "TIE_BREAK_LABELS",
    "GroupTable",
    "ImportReport",
    "RankRow",
    "RoboconError",
    "ScheduleParams",
    "ScheduleSummary",
    "SheetInput",
    "SideInput",
    "StageContext",
    "StageFormat",
    "build_stage_bracket",
    "can_act",
    "check_in",
    "close_cut",
    "commit_result",
    "display_payload",
    "division_finished",
    "draw_groups",
    "final_ranking",
    "generate_schedule",
    "get_edition",
    "group_tables",
    "import_runs",
    "inspect_robot",
    "mission_ranking",
    "queue_payload",
    "save_result",
    "stage_context",
    "stage_standings",
]

