"""Robocon referee score sheets: versioned results of a run or match, their commit by the
head referee (which moves the knockout bracket on), and the results waiting for it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contest import audit
from contest.extensions import db
from contest.locking import lock_row
from contest.models import Edition, Entry
from contest.models.base import utcnow
from contest.models.robocon import RoboconFixture, RoboconResult, RoboconStage
from contest.robocon import bracket as bracket_core
from contest.robocon.checkin import team_statuses
from contest.robocon.common import RoboconError
from contest.robocon.scheduling import fixture_order
from contest.robocon.scoring import ScoreSheetError, SheetSpec, score_run
from contest.robocon.settings import sheet_spec, stage_format
from contest.robocon.stages import StageContext, team_label
from contest.text import normalize_text


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


def _one_at_a_time(fixture: RoboconFixture, *others) -> None:
    """Two referees' tablets saving (or committing) the same fixture at once take turns:
    hold its row until commit, then read its versions and statuses again."""
    db.session.flush()
    lock_row(RoboconFixture, fixture.id)
    for obj in (fixture, *others):
        db.session.expire(obj)


def save_result(fixture: RoboconFixture, data: SheetInput, *, user=None, source: str = "tablet") -> RoboconResult:
    """Save a new version of the fixture's score sheet (status ``pending``).

    Every team of the fixture must have passed technical inspection at this level, unless
    the sheet disqualifies it (an absent team, a robot not accepted). Once a
    version has been committed, a new one needs a reason (``note``). Earlier versions are
    never changed; the committed one keeps counting until a head referee commits the new
    one."""
    _one_at_a_time(fixture)
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
    _one_at_a_time(fixture, result)
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
    return sorted(fixtures, key=fixture_order)
