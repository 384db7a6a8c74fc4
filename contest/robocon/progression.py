"""Robocon progression between rounds: the cut line that moves teams up to the next level,
the seeded draw into groups and the knockout bracket, each written with its fixtures."""

from __future__ import annotations

from sqlalchemy import delete, select

from contest import audit
from contest.extensions import db
from contest.models import Division, Edition, EntryLevel, Level
from contest.models.base import utcnow
from contest.models.robocon import RoboconFixture
from contest.robocon import bracket as bracket_core
from contest.robocon.common import RoboconError
from contest.robocon.draw import DrawTeam, round_robin_pairs, seeded_groups
from contest.robocon.ranking import cut_line
from contest.robocon.scheduling import count_phase_results
from contest.robocon.stages import (
    StageContext,
    get_stage,
    next_level,
    previous_level,
    stage_context,
)
from contest.robocon.standings import (
    dense_positions,
    group_tables,
    stage_has_results,
    stage_standings,
)


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
    ranks = dict(zip([r.entry.id for r in rows], dense_positions(rows), strict=True))
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
    if count_phase_results([ctx.stage.id], ["group", "knockout"]):
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
    if count_phase_results([ctx.stage.id], ["knockout"]):
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
