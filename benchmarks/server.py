"""Benchmarks against a real server: demo seed time and throughput under load.

Every load loop is bounded in time and count and targets only 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.core import figure

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(db_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url, SECRET_KEY="bench-secret-key-" + "x" * 32, APP_ENV="production", COOKIE_SECURE="0",
        RATELIMIT_ENABLED="0", DEMO_MODE="1",
    )
    return env


def prepare_database(workdir: Path) -> tuple[str, float]:
    """Fresh SQLite database with migrations and the demo seed; returns (url, seed seconds)."""
    db_url = "sqlite:///" + str(workdir / "bench.sqlite3")
    env = _env(db_url)
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run(flask + ["seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    return db_url, time.perf_counter() - started


@contextlib.contextmanager
def gunicorn(db_url: str, workers: int = 2):
    port = _free_port()
    proc = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level",
         "warning", "wsgi:app"],
        cwd=ROOT, env=_env(db_url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def wrk(url: str, seconds: int = 8, connections: int = 16) -> tuple[float, str]:
    """Requests per second on ``url`` (127.0.0.1 only)."""
    assert url.startswith("http://127.0.0.1:"), "load tests target only this machine"
    if shutil.which("wrk"):
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", url],
            capture_output=True, text=True, timeout=seconds + 30,
        ).stdout
        match = re.search(r"Requests/sec:\s+([\d.]+)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        note = "wrk" + (f", {non2xx.group(1)} non-2xx" if non2xx else "")
        return (float(match.group(1)) if match else 0.0), note
    return _python_load(url, seconds, connections), "Python threads (wrk not installed)"


def _python_load(url: str, seconds: int, connections: int) -> float:
    host_port, _, path = url[len("http://"):].partition("/")
    host, port = host_port.split(":")
    path = "/" + path
    stop = time.time() + seconds
    counts = [0] * connections

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        while time.time() < stop and counts[i] < 200_000:
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            counts[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def bench_server(smoke: bool = False) -> list[dict]:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        db_url, seed_seconds = prepare_database(Path(tmp))
        figures.append(figure("Demo seed (`flask seed-demo`, fresh SQLite)", seed_seconds, "s", "≤ 60 s",
                              seed_seconds <= 60))
        seconds = 2 if smoke else 8
        with gunicorn(db_url) as base:
            floor, note = wrk(base + "/healthz", seconds)
            figures.append(figure("GET /healthz (the floor), gunicorn 2 workers", floor, "req/s", None, None, note))
            for label, path, target in [
                ("GET / (public home)", "/", None),
                ("GET /editions/sang-tao-tttn-2023 (public edition page)", "/editions/sang-tao-tttn-2023", None),
            ]:
                rps, note = wrk(base + path, seconds)
                ratio = rps / floor if floor else 0
                figures.append(figure(label, rps, "req/s", target, None, f"{ratio:.2f} × floor; {note}"))
    return figures
