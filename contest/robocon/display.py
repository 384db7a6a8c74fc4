"""Robocon public display and field queues, as JSON: team names, schools and scores only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.formatting import TZ
from contest.models import Division, Edition, Entry, Level
from contest.models.robocon import RoboconFixture, RoboconResult, RoboconStage
from contest.robocon.referee import fixture_title
from contest.robocon.scheduling import level_fixtures
from contest.robocon.scoring import format_number_vn
from contest.robocon.stages import StageContext, next_level, playable_levels, stage_context
from contest.robocon.standings import group_tables, mission_ranking


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
