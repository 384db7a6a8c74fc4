"""Robocon editions, levels, divisions and stages: who may act on an edition, which teams
play a level (seeded by their rank at the level before) and the ``StageContext`` that
the other service modules work on."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.models import Division, Edition, Entry, EntryLevel, Level
from contest.models.robocon import RoboconStage
from contest.robocon.scoring import SheetSpec
from contest.robocon.settings import StageFormat, sheet_spec, stage_format


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
