"""Robocon CSV import of the qualifying round: the simulator's export of mission runs,
checked as a whole and written as committed results (all or nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contest import audit
from contest.extensions import db
from contest.models import Edition, Entry, Level
from contest.models.base import utcnow
from contest.models.robocon import RoboconFixture, RoboconResult
from contest.robocon.ranking import import_qualifying_csv
from contest.robocon.scoring import format_seconds_vn
from contest.robocon.stages import StageContext, stage_context
from contest.robocon.standings import plain_number


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
        if current is not None and plain_number(current.points_a) == plain_number(run.points) and \
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
