"""Robocon final → prize allocation: a finished division's final ranking becomes the
official result (``EntryLevel`` score and rank) at the final level, where
:func:`contest.results.service.propose_allocation` allocates the prizes (per division:
``settings["prizes"]["chung_ket"]["per_group"] = "division"``) and the certificates
follow from the published version.

The score written is a *ranking score* derived from the final place, because the prize
rules order entries by score:

    score = number of finalists of the division + 1 − final rank

(16 finalists: champion 16, runner-up 15, third place 14, fourth 13, the four teams out
in the quarter-finals share 12, the eight out in the round of 16 share 8). It orders the
teams exactly as :func:`contest.robocon.services.final_ranking` does, and teams sharing
a place share the score, so the prize rules' tie policy ("share") gives them the same
prize. The points a team scored (``final_ranking``'s third value) are written into the
reason only: a champion may well have scored fewer points than a semi-finalist.

Services take explicit arguments, never commit, and raise
:class:`~contest.robocon.services.RoboconError` with Vietnamese messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from contest import audit
from contest.extensions import db
from contest.models import Division, Edition, Entry, EntryLevel, Level
from contest.results import service as results
from contest.robocon import services as rs
from contest.robocon.scoring import format_number_vn

FINAL_LEVEL = "chung_ket"

audit.ACTION_LABELS["robocon.results"] = "Chuyển kết quả chung kết Robocon sang xét giải"

__all__ = [
    "FINAL_LEVEL",
    "TransferReport",
    "final_level",
    "ranking_score",
    "transfer_all",
    "transfer_final_results",
    "transfer_problem",
    "transferred_count",
]


def final_level(edition: Edition) -> Level | None:
    """The level whose ranking decides the prizes: the final ("chung_ket"), else the last
    level played on the fields."""
    levels = rs.playable_levels(edition)
    return rs.level_of(edition, FINAL_LEVEL) or (levels[-1] if levels else None)


def ranking_score(rank: int, teams: int) -> Decimal:
    """The score prize allocation ranks by: ``teams + 1 − rank`` (rank 1 scores highest)."""
    return Decimal(teams + 1 - rank)


@dataclass
class TransferReport:
    """What one transfer did for one division."""

    division: Division
    level: Level
    rows: list[tuple[int, int, Decimal]] = field(default_factory=list)  # (entry id, rank, score)
    changed: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def teams(self) -> int:
        return len(self.rows)

    @property
    def message(self) -> str:
        head = f"{self.level.name} {self.division.name}: "
        if self.changed:
            text = (f"đã chuyển thứ hạng của {self.teams} đội sang xét giải "
                    f"({self.changed} đội được ghi mới hoặc cập nhật).")
        else:
            text = f"thứ hạng của {self.teams} đội đã được chuyển trước đó, không có gì thay đổi."
        return " ".join([head + text, *self.notes])


def _final_stage_problem(edition: Edition, level: Level, division: Division) -> str | None:
    stage = rs.get_stage(edition, level, division, create=False)
    where = f"{level.name} {division.name}"
    if stage is None or not stage.fixtures:
        return f"{where} chưa có lượt/trận nào; chỉ chuyển kết quả sang xét giải khi đã thi xong."
    waiting = sum(1 for f in stage.fixtures if f.state == "pending")
    unplayed = sum(1 for f in stage.fixtures if f.state not in ("pending", "committed"))
    if waiting or unplayed or not rs.division_finished(edition, division):
        parts = []
        if unplayed:
            parts.append(f"còn {unplayed} lượt/trận chưa có kết quả")
        if waiting:
            parts.append(f"còn {waiting} kết quả chờ tổng trọng tài duyệt")
        if not parts:
            parts.append("sơ đồ thi đấu chưa xác định xong các thứ hạng")
        return (f"{where} chưa kết thúc: {', '.join(parts)}. "
                "Chỉ chuyển kết quả sang xét giải khi mọi lượt/trận đã được tổng trọng tài duyệt.")
    return None


def transfer_problem(edition: Edition, division: Division) -> str | None:
    """Why the division's final cannot be transferred now (None: it can)."""
    level = final_level(edition)
    if level is None:
        return "Kỳ thi chưa có vòng chung kết."
    return _final_stage_problem(edition, level, division)


def transferred_count(edition: Edition, division: Division) -> int:
    """Finalists of the division that already have a score at the final level."""
    level = final_level(edition)
    if level is None:
        return 0
    return len(db.session.scalars(
        select(EntryLevel.id).join(Entry, Entry.id == EntryLevel.entry_id)
        .where(EntryLevel.level_id == level.id, EntryLevel.score.is_not(None),
               Entry.edition_id == edition.id, Entry.division_id == division.id)).all())


def _locked_version(edition: Edition, level: Level):
    """An approved or published result version of the level (its basis must not move)."""
    published = results.published_version(edition, level)
    if published is not None:
        return published
    pending = results.open_version(edition, level)
    return pending if pending is not None and pending.status == "approved" else None


def transfer_final_results(edition: Edition, division: Division, *, user=None) -> TransferReport:
    """Write (or refresh) the final level's ``EntryLevel`` score and rank of every finalist
    of ``division`` from :func:`~contest.robocon.services.final_ranking`.

    Refused while the division's final is not finished (a run or match without a
    committed result, a correction waiting for the head referee, a bracket not played
    out). Idempotent: the same ranking writes nothing and records nothing; a changed one
    (after a correction) is refreshed and audited, unless the level's results are
    already approved or published (then a correction of the results is needed)."""
    level = final_level(edition)
    if level is None:
        raise rs.RoboconError("Kỳ thi chưa có vòng chung kết.")
    if division.edition_id != edition.id:
        raise rs.RoboconError("Bảng thi không thuộc kỳ thi này.", 404)
    problem = _final_stage_problem(edition, level, division)
    if problem:
        raise rs.RoboconError(problem)
    finalists = {e.id: e for e in rs.stage_entries(edition, level, division)}
    ranking = [(eid, rank, points) for eid, rank, points in rs.final_ranking(edition, division)
               if eid in finalists]
    if not ranking or len(ranking) != len(finalists):
        raise rs.RoboconError(f"Không lập được bảng xếp hạng chung kết {division.name}: "
                              "có đội thi chung kết chưa được xếp hạng.")
    offset = min(rank for _, rank, _ in ranking) - 1  # the final's own places, 1 = champion
    teams = len(ranking)
    report = TransferReport(division, level)
    existing = {r.entry_id: r for r in db.session.scalars(
        select(EntryLevel).where(EntryLevel.level_id == level.id, EntryLevel.entry_id.in_(list(finalists))))}
    planned = []
    changes: dict[str, list] = {}
    for eid, raw_rank, points in ranking:
        rank = raw_rank - offset
        score = ranking_score(rank, teams)
        report.rows.append((eid, rank, score))
        row = existing.get(eid)
        if row is not None and row.rank == rank and row.score is not None and Decimal(row.score) == score:
            continue
        changes[finalists[eid].code] = [row.rank if row is not None else None, rank]
        planned.append((eid, rank, score, points))
    report.changed = len(changes)
    if not changes:
        return report
    locked = _locked_version(edition, level)
    if locked is not None:
        raise rs.RoboconError(
            f"Kết quả xét giải {level.name.lower()} {locked.status_label.lower()} (bản số {locked.number}); "
            "không thể thay đổi thứ hạng đã chuyển. Muốn sửa, hãy lập bản đính chính ở trang Kết quả."
        )
    for eid, rank, score, points in planned:
        row = existing.get(eid)
        if row is None:
            row = EntryLevel(entry_id=eid, level_id=level.id, area_unit_id=finalists[eid].area_unit_id,
                             decision="pending")
            db.session.add(row)
        row.rank = rank
        row.score = score
        row.reason = (f"Hạng {rank}/{teams} {level.name.lower()} {division.name} "
                      f"({format_number_vn(points)} điểm thi đấu); điểm xét giải = {teams} + 1 − {rank} = {score}")
    draft = results.open_version(edition, level)
    if draft is not None:
        report.notes.append(f"Bản dự thảo kết quả số {draft.number} lập trước đó không còn khớp; "
                            "hãy đề xuất lại cơ cấu giải.")
    db.session.flush()
    audit.record("robocon.results", "level", level.id, user=user,
                 new={"division": division.code, "teams": teams, "changed": changes})
    return report


def transfer_all(edition: Edition, *, user=None) -> list[TransferReport]:
    """Transfer every division of the edition (all or nothing: the first unfinished
    division refuses the whole call)."""
    problems = [p for d in edition.divisions if (p := transfer_problem(edition, d))]
    if problems:
        raise rs.RoboconError(problems)
    return [transfer_final_results(edition, d, user=user) for d in edition.divisions]
