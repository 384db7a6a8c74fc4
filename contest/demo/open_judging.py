"""Demo judging in progress: the 11th technical contest, with one panel still open.

Every other demo panel ends up closed (the results pipeline closes them to write the
results), so without this the demo judge ``giamkhao`` could only look at finished
sheets. Here ``hoi-thi-sang-tao-ky-thuat-11`` (status "judging", level "tinh") gets:

* about 40 accepted solutions in mechanics, automation, electrical engineering and IT
  (fields ``CK-TDH`` and ``DT-CNTT``) from agencies, enterprises, colleges, universities
  and cooperatives of the merged province, built with
  :func:`contest.demo.registrations.technical_entry` and registered through
  ``registration.services.bulk_create_entries``;
* the province-level rubric (the same template as the 10th contest);
* one open panel, "Tiểu ban Cơ khí – Điện – Tự động hoá", with six of the demo judges
  of :mod:`contest.demo.judging` (``giamkhao`` among them) and k = 3 assignment
  (``judging.panels.run_assignment``);
* part of the sheets scored on the tablet path (``judging.scoring``): ``giamkhao`` has
  submitted two sheets, filled in a third without submitting it and started a fourth;
  the other judges are further on or behind. The panel stays open, so the judge can go
  on scoring at ``/judge``.

Deterministic and idempotent: an edition that already has entries is left alone.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from contest.demo.judging import DEVICE, JUDGES, _institution_ids, _quantize, _rubric, seed_judges
from contest.demo.registrations import (
    _has_entries,
    _institutions,
    _People,
    _tech_profile,
    apportion,
    technical_entry,
)
from contest.extensions import db
from contest.models import Assignment, Edition, User
from judging import panels as panel_services
from judging import rubrics as rubric_services
from judging import scoring
from registration.services import BulkError, bulk_create_entries

SEED = 2026
SLUG = "hoi-thi-sang-tao-ky-thuat-11"
# Solutions per kind of institution (40 in all).
ENTRIES_BY_KIND = {"enterprise": 20, "college": 7, "agency": 6, "university": 4, "other": 3}
FIELDS = ("CK-TDH", "DT-CNTT")  # the fields of the panel below
FIRST_APPLIED, LAST_APPLIED = date(2022, 1, 1), date(2025, 6, 30)
RUBRIC_NAME = "Tiêu chí đánh giá giải pháp – vòng chung khảo"
PANEL_NAME = "Tiểu ban Cơ khí – Điện – Tự động hoá"
PANEL_MEMBERS = [
    ("gk.hungnq", "chair"), ("giamkhao", "member"), ("gk.thanhdv", "member"),
    ("gk.trangbtt", "member"), ("gk.tungdt", "member"), ("gk.namnh", "member"),
]
# Sheets per judge, in the order of the entry codes: (submitted, fully scored but not
# submitted, partly scored); the judge's other assignments are not started.
PROGRESS = {
    "giamkhao": (2, 1, 1),
    "gk.hungnq": (9, 1, 0),
    "gk.thanhdv": (6, 0, 1),
    "gk.trangbtt": (4, 1, 0),
    "gk.tungdt": (3, 0, 1),
    "gk.namnh": (0, 0, 0),
}
PARTLY_SCORED = 2  # criteria filled in on a partly scored sheet


def _edition() -> Edition | None:
    return db.session.scalar(select(Edition).where(Edition.slug == SLUG))


def _register(edition: Edition) -> int:
    """About 40 accepted solutions of the panel's fields (see the module docstring):
    ``ENTRIES_BY_KIND`` per kind of institution, spread over the institutions of a kind
    by their weight for these fields (:func:`contest.demo.registrations._tech_profile`)."""
    rng = random.Random(f"{SEED}:{edition.slug}")
    candidates: dict[str, list] = {kind: [] for kind in ENTRIES_BY_KIND}
    for inst in _institutions():
        if inst.kind not in candidates:
            continue
        weight, fields, titles, union_share = _tech_profile(inst)
        own = {code: w for code, w in fields.items() if code in FIELDS}
        if own:
            share = sum(own.values()) / sum(fields.values())
            candidates[inst.kind].append((inst, weight * share * rng.uniform(0.5, 1.5), own, titles, union_share))
    people = _People(rng)
    used_titles: set[str] = set()
    rows = []
    for kind, total in ENTRIES_BY_KIND.items():
        group = candidates[kind]
        for (inst, _, fields, titles, union_share), n in zip(group, apportion(total, [c[1] for c in group]),
                                                             strict=True):
            for _ in range(n):
                rows.append((inst, technical_entry(rng, people, edition, inst, fields, titles, union_share,
                                                   used_titles, FIRST_APPLIED, LAST_APPLIED)))
    return len(bulk_create_entries(edition, rows, status="accepted", check_deadline=False))


def _score_some(panel_id: int, users: dict[str, User]) -> tuple[int, int]:
    """Score part of the panel's sheets as in ``PROGRESS``; returns (submitted, drafts)."""
    rng = random.Random(f"{SEED}:{SLUG}:scores")
    assignments = list(db.session.scalars(
        select(Assignment).where(Assignment.panel_id == panel_id).order_by(Assignment.entry_id, Assignment.judge_id)
    ))
    quality = {eid: min(94.0, max(38.0, rng.gauss(70.0, 9.0))) for eid in sorted({a.entry_id for a in assignments})}
    profile = {j.username: j for j in JUDGES}
    submitted = drafts = 0
    for username, (n_submit, n_full, n_part) in PROGRESS.items():
        user = users.get(username)
        if user is None:
            continue
        severity = rng.gauss(0.0, 1.5)
        own = sorted((a for a in assignments if a.judge_id == user.id), key=lambda a: a.entry.code)
        plan = ["submit"] * n_submit + ["full"] * n_full + ["part"] * n_part
        for a, step in zip(own, plan, strict=False):
            rubric = scoring.rubric_for_assignment(a)
            if rubric is None:
                continue
            criteria = list(rubric.criteria)
            if step == "part":
                criteria = criteria[:PARTLY_SCORED]
            total = quality[a.entry_id] + severity + rng.gauss(0.0, profile[username].noise)
            share = min(0.99, max(0.15, total / 100.0))
            for c in criteria:
                maximum = Decimal(c.max_points)
                raw = float(maximum) * share + rng.gauss(0.0, float(maximum) / 25.0)
                points = _quantize(raw, Decimal(c.step or Decimal("0.5")), maximum)
                scoring.record_score(a, c.id, points, user=user, device=DEVICE,
                                     idempotency_key=f"demo-{SEED}-open-{a.id}-{c.id}")
            if step == "submit":
                scoring.submit_sheet(a, user, idempotency_key=f"demo-{SEED}-open-{a.id}-submit", device=DEVICE)
                submitted += 1
            else:
                drafts += 1
    db.session.flush()
    return submitted, drafts


def seed_open_judging() -> dict[str, int]:
    """Entries, rubric, an open panel, assignment and some scores for the 11th technical
    contest (see the module docstring). Returns counts for the seed summary."""
    edition = _edition()
    skipped = {f"bài dự thi mới {SLUG}": 0}
    if edition is None or _has_entries(edition):
        return skipped
    level = edition.level("tinh")
    if level is None:
        return skipped
    try:
        n_entries = _register(edition)
    except (StopIteration, BulkError) as exc:
        # An organiser changed the edition (a field is gone, a rule is stricter).
        current_app.logger.warning("demo open judging skipped for %s: %r", SLUG, exc)
        return skipped
    db.session.flush()
    n_rubrics = _rubric(edition, "tinh", None, RUBRIC_NAME, rubric_services.TEMPLATE_CRITERIA)
    users = seed_judges(edition)
    institutions = _institution_ids()
    home = {j.username: j.institution for j in JUDGES}
    panel = panel_services.create_panel(edition, level, None, PANEL_NAME, judges_per_entry=3, rule="mean")
    for username, role in PANEL_MEMBERS:
        panel_services.add_member(panel, users[username], role=role,
                                  institution_id=institutions.get(home[username]))
    db.session.flush()
    report = panel_services.run_assignment(edition, level, seed=SEED)
    submitted, drafts = _score_some(panel.id, users)
    return {
        f"bài dự thi mới {SLUG}": n_entries,
        f"bảng tiêu chí mới ({SLUG})": n_rubrics,
        f"hội đồng đang chấm ({SLUG})": 1,
        f"phân công ({SLUG})": report.added,
        f"phiếu chấm đã nộp ({SLUG})": submitted,
        f"phiếu chấm đang chấm dở ({SLUG})": drafts,
    }


__all__ = ["PANEL_NAME", "SLUG", "seed_open_judging"]
