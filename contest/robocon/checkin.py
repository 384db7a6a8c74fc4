"""Robocon check-in and technical inspection of the teams at a level."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from contest import audit
from contest.extensions import db
from contest.models import Edition, Entry, EntryLevel, Level
from contest.models.robocon import (
    RoboconCheckin,
    RoboconFixture,
    RoboconInspection,
    RoboconResult,
    RoboconStage,
)
from contest.robocon.common import RoboconError
from contest.robocon.settings import inspection_items
from contest.robocon.stages import previous_level
from contest.text import normalize_text


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
