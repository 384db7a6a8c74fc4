"""Demo prizes of the first provincial Robocon (``robocon-2024``), after the final
played by :mod:`contest.demo.robocon`, through the real services:

1. each division's final ranking is transferred to the final level
   (:func:`contest.robocon.results.transfer_all`: score = finalists + 1 − rank);
2. the prize rules: per division (``per_group="division"``, fixed quotas) 1 first,
   1 second, 2 third and 4 consolation prizes: the champion, the runner-up, the two
   losing semi-finalists (3rd and 4th) and the four teams out in the quarter-finals;
   the places of a 16-team bracket, so no prize boundary cuts through teams sharing a
   place. 3 divisions: 3 first, 3 second, 6 third, 12 consolation (24 prizes) for the
   first edition; the Union's report gives 7 / 15 / 20 / 28 for the two editions
   together, which leaves 4 / 12 / 14 / 16 to the larger second edition (2025);
3. proposed, approved with the award decision (demo number and date) and published;
4. certificates: ``participation`` and ``mentors`` on, so every member and mentor of
   every team can be issued one (award certificates for the 24 awarded teams' members,
   mentor certificates for their mentors, participation certificates for everyone).
   No prize money is set: the reports give no amounts for Robocon.

Idempotent: nothing happens once the final level's results are published (or while a
division's final is not finished).
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import inspect, select

from contest.certificates import service as certificates
from contest.extensions import db
from contest.models import Edition, User
from contest.results import service as results
from contest.robocon import results as final_results
from contest.robocon.services import RoboconError

SLUG = "robocon-2024"
ORGANISER_USERNAME = "btc"
PRIZES_PER_DIVISION = {"nhat": 1, "nhi": 1, "ba": 2, "khuyen_khich": 4}
# Demo decision (number invented), a week after the final of 08/06/2024.
DECISION = ("356/QĐ-LHH", date(2024, 6, 14))
CERTIFICATES = {"participation": True, "mentors": True, "issued_on": DECISION[1].isoformat()}


def prize_settings(edition: Edition) -> dict:
    """The final level's prize rules: fixed quotas per division, ties shared."""
    return {
        "quotas": {},
        "min_scores": {},
        "tie_policy": "share",
        "share_overflow": "reduce_lower",
        "per_group": "division",
        "group_split": "fixed",
        "group_quotas": {d.code: dict(PRIZES_PER_DIVISION) for d in edition.divisions},
        "amounts": {},
        "nominations": 0,
    }


def seed_robocon_results() -> dict[str, int]:
    """Transfer, allocate, approve and publish the robocon-2024 prizes; returns counts
    (empty when there is nothing to do)."""
    if not inspect(db.engine).has_table("robocon_fixture"):
        return {}
    edition = db.session.scalar(select(Edition).where(Edition.slug == SLUG))
    level = final_results.final_level(edition) if edition is not None else None
    if level is None or not edition.divisions or results.published_version(edition, level) is not None:
        return {}
    if any(final_results.transfer_problem(edition, d) for d in edition.divisions):
        return {}
    actor = db.session.scalar(select(User).where(User.username == ORGANISER_USERNAME))
    try:
        reports = final_results.transfer_all(edition, user=actor)
    except RoboconError as exc:
        current_app.logger.warning("demo Robocon results: %s", exc.message)
        return {}
    if results.level_settings(edition, level) is None:
        results.save_prize_settings(edition, level, prize_settings(edition), actor=actor)
    version = results.open_version(edition, level)
    if version is None or version.status == "draft":
        version = results.propose_allocation(edition, level, actor=actor)
    counts = results.counts_of(version)
    expected = {code: n * len(edition.divisions) for code, n in PRIZES_PER_DIVISION.items()}
    if counts != {**dict.fromkeys(counts, 0), **expected}:
        current_app.logger.warning("demo Robocon results: prizes %s differ from %s", counts, expected)
    if version.status == "draft":
        number, day = DECISION
        results.approve(version, decision_number=number, decision_date=day, actor=actor)
    results.publish(version, actor=actor)
    certificates.save_settings(edition, CERTIFICATES, user=actor)
    return {
        "đội có thứ hạng chung kết Robocon": sum(r.teams for r in reports),
        "giải Robocon": sum(counts.values()),
    }


__all__ = ["CERTIFICATES", "DECISION", "PRIZES_PER_DIVISION", "prize_settings", "seed_robocon_results"]
