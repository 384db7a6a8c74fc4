"""Robocon schedules: the venues and days typed by the organiser, the runs or matches of
one or more divisions laid out by the core (``schedule_runs`` / ``schedule_matches``)
and written as fixtures, and the schedule read back by level, team and field."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as dtime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import selectinload

from contest import audit
from contest.extensions import db
from contest.models import Division, Edition, Entry, Level
from contest.models.base import utcnow
from contest.models.robocon import RoboconFixture, RoboconResult, RoboconStage
from contest.robocon import bracket as bracket_core
from contest.robocon.common import RoboconError
from contest.robocon.schedule import (
    DayWindow,
    ScheduleInfeasible,
    build_slots,
    schedule_matches,
    schedule_runs,
)
from contest.robocon.settings import text_lines
from contest.robocon.stages import StageContext, stage_context


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
    for n, line in enumerate(text_lines(text), start=1):
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
    for n, line in enumerate(text_lines(text), start=1):
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


def count_phase_results(stage_ids: Sequence[int], phases: Sequence[str]) -> int:
    """How many results (any status) the fixtures of ``phases`` in these stages have."""
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
    if count_phase_results(stage_ids, phases):
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
    fixtures.sort(key=fixture_order)
    return fixtures


def fixture_order(fx: RoboconFixture) -> tuple:
    """Sort key: schedule order (start time, venue, field), unscheduled fixtures last."""
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
