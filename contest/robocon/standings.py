"""Robocon rankings from committed results: the mission ranking, the group tables, the
standings of a stage and the final ranking of a division."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.models import Division, Edition, Entry
from contest.models.robocon import RoboconFixture, RoboconResult, RoboconStage
from contest.robocon import bracket as bracket_core
from contest.robocon.ranking import Match, Run, group_standings, rank_mission
from contest.robocon.stages import StageContext, get_stage, playable_levels, stage_context


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
            runs[code].append(Run(code, run_no or 0, plain_number(points), time_s, venue, bool(dq)))
    return runs


def plain_number(value: float | None) -> float:
    """A stored score as shown and compared: None → 0, a whole float → int."""
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
        by_group[fx.group_name or ""].append(Match(a, b, plain_number(r.points_a),
                                                   plain_number(r.points_b), r.time_a, r.time_b, winner))
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
    return {k: plain_number(v) for k, v in points.items()}


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
        ranks = dense_positions(rows)
        for row, rank in zip(rows, ranks, strict=True):
            result.append((row.entry.id, offset + rank, row.points))
            seen.add(row.entry.id)
        offset += len(rows)
    return result


def dense_positions(rows: Sequence[RankRow]) -> list[int]:
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
