"""Public results page throughput: the published results of a 132-entry province level
(the 2024 youth creativity contest had 132 entries at province level, 30 prizes) against
``GET /healthz`` on gunicorn with 2 workers (``benchmarks.server``).

The demo database (migrations + ``seed-demo``) is made in a temporary folder; 132
accepted entries of ``sang-tao-tttn-2024`` receive seeded province-level scores, and the
results are proposed, approved and published through ``contest.results.service``
(unless the demo already published that level). The page is rendered once per
(filters) and then served from ``contest.results.cache`` until the next publication.
Target: ≥ 0.5 × the floor. Load targets only 127.0.0.1. ``smoke``: 2-second load runs.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from benchmarks.core import figure
from benchmarks.server import _env, gunicorn, prepare_database, wrk

EDITION = "sang-tao-tttn-2024"
LEVEL = "tinh"
N_ENTRIES = 132
TARGET_RATIO = 0.5
PRIZES = {
    "quotas": {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18},
    "amounts": {"nhat": 5_000_000, "nhi": 3_000_000, "ba": 2_000_000, "khuyen_khich": 1_000_000},
    "tie_policy": "share",
}


def _publish(db_url: str) -> dict:
    """Scores at the province level and published results; returns what was measured."""
    from sqlalchemy import func, select

    from contest import create_app
    from contest.extensions import db
    from contest.models import Edition, Entry, EntryLevel
    from contest.results import cache, service

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": _env(db_url)["SECRET_KEY"]})
    with app.app_context():
        edition = db.session.scalar(select(Edition).where(Edition.slug == EDITION))
        version = service.published_version(edition, LEVEL)
        if version is None:
            level = edition.level(LEVEL)
            entries = db.session.scalars(
                select(Entry).where(Entry.edition_id == edition.id, Entry.status == "accepted").order_by(Entry.id)
            ).all()
            rng = random.Random(2024)
            chosen = rng.sample(list(entries), N_ENTRIES)
            for entry in chosen:
                db.session.add(EntryLevel(entry_id=entry.id, level_id=level.id, area_unit_id=entry.area_unit_id,
                                          score=Decimal(str(round(rng.uniform(55, 96), 1)))))
            edition.settings = {**(edition.settings or {}), "prizes": {**(edition.settings or {}).get("prizes", {}),
                                                                       LEVEL: PRIZES}}
            db.session.flush()
            started = time.perf_counter()
            version = service.propose_allocation(edition, LEVEL)
            service.approve(version, decision_number="125/QĐ-LHH", decision_date=date(2024, 11, 20), actor=None)
            service.publish(version, actor=None)
            db.session.commit()
            publish_seconds = time.perf_counter() - started
        else:
            publish_seconds = float("nan")
        candidates = db.session.scalar(
            select(func.count()).select_from(EntryLevel)
            .where(EntryLevel.level_id == version.level_id, EntryLevel.score.is_not(None))
        )
        awards = len(version.awards)
        # The uncached render: what a cache miss costs (after each publication, per filter set).
        client = app.test_client()
        renders = []
        for _ in range(5):
            cache.bump(app)
            started = time.perf_counter()
            response = client.get(f"/editions/{EDITION}/results")
            renders.append(time.perf_counter() - started)
            assert response.status_code == 200
        size = len(response.data)
    return {"candidates": candidates, "awards": awards, "publish_seconds": publish_seconds,
            "render_seconds": statistics.median(renders), "bytes": size}


def run(smoke: bool = False) -> list[dict]:
    figures: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        db_url, _seed_seconds = prepare_database(Path(tmp))
        info = _publish(db_url)
        figures.append(figure(
            f"Propose, approve and publish the prizes of {info['candidates']} entries", info["publish_seconds"], "s",
            None, None, f"{info['awards']} prizes",
        ))
        figures.append(figure(
            "Public results page rendered without the cache (a miss)", info["render_seconds"] * 1000, "ms", None,
            None, f"median of 5; {info['bytes'] / 1000:.0f} kB of HTML",
        ))
        seconds = 2 if smoke else 8
        with gunicorn(db_url) as base:
            floor, note = wrk(base + "/healthz", seconds)
            figures.append(figure("GET /healthz (the floor), gunicorn 2 workers", floor, "req/s", None, None, note))
            for label, path in [
                (f"GET /editions/{EDITION}/results (public results, {info['candidates']} entries, "
                 f"{info['awards']} prizes, cached)", f"/editions/{EDITION}/results"),
                ("… with filters (?prize=khuyen_khich)", f"/editions/{EDITION}/results?prize=khuyen_khich"),
            ]:
                rps, note = wrk(base + path, seconds)
                ratio = rps / floor if floor else 0.0
                figures.append(figure(label, rps, "req/s", f"≥ {TARGET_RATIO} × floor", ratio >= TARGET_RATIO,
                                      f"{ratio:.2f} × floor; {note}"))
    return figures


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    for item in run(args.smoke):
        ok = "" if item["ok"] is None else (" ✓" if item["ok"] else " ✗")
        print(f"{item['name']}: {item['value']:.4g} {item['unit']}{ok} {item['target'] or ''} {item['note']}")
