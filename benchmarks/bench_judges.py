"""Benchmark: judges saving scores at the same time against gunicorn on 127.0.0.1.

A fresh SQLite database (migrations + demo seed, ``benchmarks.server.prepare_database``)
gets a bench edition with a 5-criterion rubric, one panel, N judge accounts and their
assignments, created in-process with the app factory against that database. gunicorn
(2 workers, the production settings of ``benchmarks.server``) serves it. Every judge
logs in (not timed), opens a scoring page for its CSRF token, then saves scores through
the JSON API the tablets use (POST /api/v1/judge/scores), each with a fresh idempotency
key; a share of the saves is sent twice with the same key, as a tablet does when an
answer is lost. Measured: latency per save (p50/p95/max), errors (anything but 200
{saved: true}), and afterwards in the database that every acknowledged key is stored
exactly once.

Two phases: "steady" (think time between saves, a hall of judges working, still far
faster than people type) and "burst" (no think time: every judge's tablet flushing its
outbox at once when the Wi-Fi comes back). Bounded in time and request count; only
127.0.0.1 is targeted.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchmarks.core import figure
from benchmarks.server import gunicorn, prepare_database

PASSWORD = "bench-judge-password"
CRITERIA = 5
HTTP_TIMEOUT = 15
PHASE_DEADLINE = 120  # seconds: a phase stops sending after this, whatever is left
TARGET_P95_MS = 200.0
CSRF_FORM_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


# --------------------------------------------------------------------------------------
# Data: judges, rubric, panel, assignments (in-process, app factory on the bench DB)
# --------------------------------------------------------------------------------------


def setup_judging(db_url: str, n_judges: int, entries_per_judge: int) -> tuple[list[dict], list[int]]:
    """Create the bench edition and judges; returns ([{username, assignments}], criterion ids)."""
    from sqlalchemy import select

    from contest import create_app
    from contest.auth.services import create_user, grant_role
    from contest.extensions import db
    from contest.models import (
        AdminUnit,
        Assignment,
        Contest,
        Criterion,
        Edition,
        Entry,
        Institution,
        Level,
        Panel,
        PanelMember,
        Rubric,
    )

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "RATELIMIT_ENABLED": False, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    })
    with app.app_context():
        institution = db.session.scalar(select(Institution).order_by(Institution.id).limit(1))
        if institution is None:  # a database without the demo seed
            unit = AdminUnit(code="bench-ward", name="Phường Đo tải", kind="ward")
            institution = Institution(code="bench-school", name="Trường THCS Đo tải", kind="lower_secondary",
                                      unit=unit)
            db.session.add_all([unit, institution])
        contest = Contest(slug="bench-judging", kind="technical_innovation", name="Hội thi đo tải chấm điểm",
                          short_name="Đo tải")
        edition = Edition(contest=contest, number=1, slug="bench-judging-1", name="Đo tải chấm điểm lần 1",
                          year_start=2026, year_end=2026, status="judging", settings={})
        level = Level(position=1, code="chung_khao", name="Vòng chung khảo")
        edition.levels = [level]
        db.session.add_all([contest, edition])
        db.session.flush()
        rubric = Rubric(edition_id=edition.id, level_id=level.id, category_id=None, version=1, name="Tiêu chí đo tải")
        rubric.criteria = [
            Criterion(position=i, code=f"tc{i + 1}", name=f"Tiêu chí {i + 1}", max_points=Decimal(20),
                      step=Decimal("0.5"))
            for i in range(CRITERIA)
        ]
        panel = Panel(edition_id=edition.id, level_id=level.id, name="Hội đồng đo tải", judges_per_entry=3)
        db.session.add_all([rubric, panel])
        pool = max(entries_per_judge, n_judges * entries_per_judge // 3)
        entries = [
            Entry(edition_id=edition.id, institution_id=institution.id, code=f"DT{i + 1:04d}",
                  title=f"Giải pháp đo tải số {i + 1}", status="accepted", level_id=level.id)
            for i in range(pool)
        ]
        db.session.add_all(entries)
        judges = []
        for j in range(n_judges):
            user = create_user(f"bench-gk-{j + 1:03d}", f"Giám khảo đo tải {j + 1}", PASSWORD)
            grant_role(user, "judge", edition_id=edition.id)
            judges.append(user)
        db.session.flush()
        panel.members = [PanelMember(user_id=u.id, role="member") for u in judges]
        plan = []
        for j, user in enumerate(judges):
            mine = []
            for k in range(entries_per_judge):
                a = Assignment(panel=panel, entry=entries[(j * entries_per_judge + k) % pool], judge_id=user.id)
                db.session.add(a)
                mine.append(a)
            plan.append((user.username, mine))
        db.session.commit()
        criteria = [c.id for c in rubric.criteria]
        result = [{"username": name, "assignments": [a.id for a in mine]} for name, mine in plan]
        db.session.remove()
        db.engine.dispose()
    return result, criteria


# --------------------------------------------------------------------------------------
# A judge's tablet: cookies, CSRF, JSON saves
# --------------------------------------------------------------------------------------


class Tablet:
    def __init__(self, base: str):
        parts = urlsplit(base)
        assert parts.hostname == "127.0.0.1", "load tests target only this machine"
        self.host, self.port = parts.hostname, parts.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=HTTP_TIMEOUT)
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=HTTP_TIMEOUT)
                if attempt:
                    raise
        for header in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, data

    def login(self, username: str, first_assignment: int) -> None:
        status, html = self.request("GET", "/login")
        token = CSRF_FORM_RE.search(html.decode()).group(1)
        form = urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
        status, _ = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"login of {username} failed: HTTP {status}")
        status, html = self.request("GET", f"/judge/a/{first_assignment}")
        match = CSRF_META_RE.search(html.decode())
        if status != 200 or not match:
            raise RuntimeError(f"scoring page for {username}: HTTP {status}")
        self.csrf = match.group(1)

    def save(self, payload: dict) -> tuple[float, bool]:
        body = json.dumps(payload).encode()
        started = time.perf_counter()
        try:
            status, data = self.request("POST", "/api/v1/judge/scores", body,
                                        {"Content-Type": "application/json", "X-CSRFToken": self.csrf})
        except (OSError, http.client.HTTPException):
            return (time.perf_counter() - started) * 1000, False
        elapsed = (time.perf_counter() - started) * 1000
        try:
            ok = status == 200 and json.loads(data).get("saved") is True
        except ValueError:
            ok = False
        return elapsed, ok


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    requests: int = 0
    acknowledged: set[str] = field(default_factory=set)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_phase(tablets: list[tuple[Tablet, list[int]]], criteria: list[int], *, saves: int,
              think: tuple[float, float], repeat_share: float, seed: int, deadline: float = PHASE_DEADLINE) -> Phase:
    phase = Phase()
    start = threading.Barrier(len(tablets))
    stop_at = [0.0]

    def judge(i: int, tablet: Tablet, assignments: list[int]) -> None:
        rng = random.Random(seed * 1000 + i)
        targets = [(a, c) for a in assignments for c in criteria]
        start.wait()
        if i == 0:
            stop_at[0] = time.monotonic() + deadline
        for n in range(saves):
            if stop_at[0] and time.monotonic() > stop_at[0]:
                break
            assignment, criterion = targets[n % len(targets)]
            key = f"bench-{uuid.uuid4()}"
            payload = {"assignment_id": assignment, "criterion_id": criterion,
                       "points": str(rng.randrange(0, 41) / 2), "idempotency_key": key,
                       "client_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "device": f"bench-{i}"}
            sends = 2 if rng.random() < repeat_share else 1
            for _ in range(sends):
                ms, ok = tablet.save(payload)
                with phase.lock:
                    phase.requests += 1
                    phase.latencies.append(ms)
                    if ok:
                        phase.acknowledged.add(key)
                    else:
                        phase.errors += 1
            if think[1] > 0:
                time.sleep(rng.uniform(*think))

    threads = [threading.Thread(target=judge, args=(i, t, a), daemon=True) for i, (t, a) in enumerate(tablets)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=deadline + 60)
    phase.seconds = time.perf_counter() - began
    return phase


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _stored(db_path: Path, keys: set[str]) -> tuple[int, int]:
    """(acknowledged keys missing from the database, keys stored more than once)."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT idempotency_key, count(*) FROM score_change WHERE idempotency_key LIKE 'bench-%' "
            "GROUP BY idempotency_key"
        ).fetchall()
    stored = dict(rows)
    missing = sum(1 for k in keys if k not in stored)
    doubled = sum(1 for n in stored.values() if n > 1)
    return missing, doubled


def run(smoke: bool) -> list[dict]:
    n_judges = 10 if smoke else 60
    entries = 2 if smoke else 4
    steady_saves = 5 if smoke else 20
    burst_saves = 3 if smoke else 10
    think = (0.05, 0.15) if smoke else (0.5, 1.5)
    repeat_share = 0.05
    figures: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.sqlite3"
        seeded = "demo seed"
        try:
            db_url, _seed_seconds = prepare_database(Path(tmp))
        except subprocess.CalledProcessError as exc:
            # Migrations ran but the demo seed failed: the bench data needs none of it.
            if exc.cmd[-1] != "seed-demo":
                return [figure("Judges saving scores", float("nan"), "ms", f"p95 ≤ {TARGET_P95_MS:.0f} ms", False,
                               f"database preparation failed: {exc.cmd[-2:]}")]
            db_url, seeded = "sqlite:///" + str(db_path), "no demo seed (seed-demo failed)"
        plan, criteria = setup_judging(db_url, n_judges, entries)
        with gunicorn(db_url) as base:
            tablets: list[tuple[Tablet, list[int]]] = []
            errors: list[Exception] = []

            def sign_in(judge: dict) -> None:
                tablet = Tablet(base)
                try:
                    tablet.login(judge["username"], judge["assignments"][0])
                    tablets.append((tablet, judge["assignments"]))
                except Exception as exc:  # noqa: BLE001 - reported as a figure
                    errors.append(exc)

            logins = [threading.Thread(target=sign_in, args=(j,)) for j in plan]
            for t in logins:
                t.start()
            for t in logins:
                t.join(timeout=60)
            if errors or len(tablets) != n_judges:
                return [figure("Judges saving scores", float("nan"), "ms", f"p95 ≤ {TARGET_P95_MS:.0f} ms", False,
                               f"{len(errors)} of {n_judges} judges could not log in: {errors[:1]}")]

            steady = run_phase(tablets, criteria, saves=steady_saves, think=think, repeat_share=repeat_share, seed=1)
            burst = run_phase(tablets, criteria, saves=burst_saves, think=(0, 0), repeat_share=repeat_share, seed=2)
        missing, doubled = _stored(db_path, steady.acknowledged | burst.acknowledged)

    label = f"{n_judges} judges saving scores at once, think time {think[0]:g}–{think[1]:g} s"
    p50, p95 = _percentile(steady.latencies, 50), _percentile(steady.latencies, 95)
    note = (f"{steady.requests} saves ({repeat_share:.0%} resent with the same key) in {steady.seconds:.1f} s, "
            f"{steady.requests / steady.seconds:.0f} saves/s; max {max(steady.latencies, default=0):.0f} ms; "
            f"gunicorn 2 workers, SQLite, {seeded}")
    figures.append(figure(f"{label}: p50 latency", p50, "ms", None, None, note))
    figures.append(figure(f"{label}: p95 latency", p95, "ms", f"≤ {TARGET_P95_MS:.0f} ms", p95 <= TARGET_P95_MS))
    figures.append(figure(f"{label}: errors", steady.errors, "errors", "0", steady.errors == 0))

    blabel = f"{n_judges} judges flushing their outboxes at once (no think time)"
    b50, b95 = _percentile(burst.latencies, 50), _percentile(burst.latencies, 95)
    bnote = (f"{burst.requests} saves in {burst.seconds:.1f} s = {burst.requests / burst.seconds:.0f} saves/s; "
             f"max {max(burst.latencies, default=0):.0f} ms; stress figure, no latency target")
    figures.append(figure(f"{blabel}: p50 latency", b50, "ms", None, None, bnote))
    figures.append(figure(f"{blabel}: p95 latency", b95, "ms", None, None))
    figures.append(figure(f"{blabel}: errors", burst.errors, "errors", "0", burst.errors == 0))
    figures.append(figure("Acknowledged saves missing or stored twice (both phases)", missing + doubled, "saves", "0",
                          missing + doubled == 0,
                          f"{len(steady.acknowledged | burst.acknowledged)} keys acknowledged; "
                          f"{missing} missing, {doubled} stored twice"))
    return figures


if __name__ == "__main__":  # pragma: no cover - manual run: python -m benchmarks.bench_judges [--smoke]
    import sys

    for f in run("--smoke" in sys.argv):
        print(f"{f['name']}: {f['value']:.1f} {f['unit']} (target {f['target']}, ok {f['ok']}) {f['note']}")
