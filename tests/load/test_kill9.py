"""Fault test: kill -9 the server during a burst of 1,000 score saves.

Every save the client saw acknowledged must be in the database afterwards (SQLite in
WAL mode with a busy timeout; the same on PostgreSQL), and resending every save after a
restart stores each exactly once (idempotency keys).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import func, select

from contest.extensions import db
from contest.models import ScoreChange
from tests.helpers import PASSWORD
from tests.web.test_judge_scoring import build_judging

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
N_SAVES = 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(database_url: str, port: int, tmp_path: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="kill9-secret-" + "x" * 32, RATELIMIT_ENABLED="0",
               COOKIE_SECURE="0", UPLOAD_FOLDER=str(tmp_path / "uploads"))
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "error", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("gunicorn did not start")


class Judge:
    """A judge's browser: cookies, CSRF token, JSON posts (127.0.0.1 only)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def login(self, username: str, assignment_id: int) -> None:
        html = self.opener.open(self.base + "/login", timeout=10).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
        self.opener.open(self.base + "/login", data=data, timeout=10).read()
        html = self.opener.open(f"{self.base}/judge/a/{assignment_id}", timeout=10).read().decode()
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)

    def save(self, body: dict) -> int:
        request = urllib.request.Request(
            self.base + "/api/v1/judge/scores", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token},
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code


def test_acknowledged_saves_survive_kill_9(app, world, database_url, tmp_path):
    ids = build_judging(app, world)
    criteria, assignment = ids["criteria"][0], ids["a1"]
    saves = [
        {"assignment_id": assignment, "criterion_id": criteria, "points": (i % 41) / 2,
         "idempotency_key": str(uuid.uuid4()), "client_time": None, "device": "kill9-test"}
        for i in range(N_SAVES)
    ]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start(database_url, port, tmp_path)
    acked: set[str] = set()
    lock = threading.Lock()
    try:
        judges = [Judge(base) for _ in range(8)]
        for judge in judges:
            judge.login("gk-a", assignment)

        def burst(judge: Judge, part: list[dict]) -> None:
            for body in part:
                try:
                    status = judge.save(body)
                except OSError:
                    return  # the server is gone
                if status == 200:
                    with lock:
                        acked.add(body["idempotency_key"])

        threads = [threading.Thread(target=burst, args=(j, saves[i::8])) for i, j in enumerate(judges)]
        for t in threads:
            t.start()
        deadline = time.time() + 60
        while len(acked) < N_SAVES // 3 and time.time() < deadline:
            time.sleep(0.01)
        os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-burst
        server.wait(timeout=10)
        for t in threads:
            t.join(timeout=30)
    finally:
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert N_SAVES // 3 <= len(acked) < N_SAVES, f"the kill did not land mid-burst ({len(acked)} acknowledged)"

    with app.app_context():
        db.session.remove()
        stored = set(db.session.scalars(select(ScoreChange.idempotency_key).where(ScoreChange.device == "kill9-test")))
        assert acked <= stored, f"{len(acked - stored)} acknowledged saves were lost"

    # The tablets resend everything they still hold: each save lands exactly once.
    server = _start(database_url, port, tmp_path)
    try:
        resenders = [Judge(base) for _ in range(8)]
        statuses: list[int] = []

        def resend(judge: Judge, part: list[dict]) -> None:
            judge.login("gk-a", assignment)
            for body in part:
                for _ in range(10):  # like the tablet's outbox: retry "busy" (503) answers
                    status = judge.save(body)
                    if status != 503:
                        break
                    time.sleep(0.05)
                with lock:
                    statuses.append(status)

        threads = [threading.Thread(target=resend, args=(j, saves[i::8])) for i, j in enumerate(resenders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(statuses) == N_SAVES and set(statuses) == {200}
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    with app.app_context():
        db.session.remove()
        keys = db.session.scalars(select(ScoreChange.idempotency_key).where(ScoreChange.device == "kill9-test")).all()
        assert len(keys) == len(set(keys)) == N_SAVES
        assert db.session.scalar(select(func.count()).select_from(ScoreChange)) >= N_SAVES
