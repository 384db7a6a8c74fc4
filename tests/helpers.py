"""Test helpers: CSRF-aware form posts and login."""

from __future__ import annotations

import re
from pathlib import Path

ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = "mat-khau-thu-nghiem"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|content="([^"]+)"[^>]*name="csrf-token"')


def csrf_token(client, url: str = "/login") -> str:
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def login(client, username: str, password: str = PASSWORD, *, follow: bool = False):
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=follow,
    )


def post_form(
    client, url: str, data: dict, *, token_from: str | None = None, prefix: str | None = None, follow: bool = False
):
    """POST a form with a valid CSRF token (also under ``prefix-csrf_token`` for prefixed forms)."""
    token = csrf_token(client, token_from or url)
    data = {**data, "csrf_token": token}
    if prefix:
        data[f"{prefix}-csrf_token"] = token
    return client.post(url, data=data, follow_redirects=follow)




def race(job, *, pause: float = 0.5, timeout: float = 60) -> dict:
    """Run ``job(name, hold)`` as "first" then "second" in two threads, the way two
    requests meet: the first calls ``hold()`` at the critical point (it then waits
    ``pause`` seconds) and the second starts only once the first got there. Returns
    {name: job's return value, or repr of the exception it raised}."""
    import threading
    import time

    reached = threading.Event()
    results: dict = {}

    def hold() -> None:
        if threading.current_thread().name == "first":
            reached.set()
            time.sleep(pause)

    def run(name: str) -> None:
        try:
            results[name] = job(name, hold)
        except Exception as exc:  # the caller asserts on it
            results[name] = repr(exc)

    first = threading.Thread(target=run, args=("first",), name="first")
    first.start()
    if not reached.wait(timeout):
        first.join(timeout)
        raise AssertionError(f"the first request never reached the critical point: {results}")
    second = threading.Thread(target=run, args=("second",), name="second")
    second.start()
    first.join(timeout)
    second.join(timeout)
    return results


def inline_scripts(html: str) -> list[str]:
    """The <script> tags of a page that carry code instead of loading a file (the CSP
    forbids them; script files such as the form guard every page loads are fine)."""
    return [tag for tag in re.findall(r"<script\b[^>]*>", html, flags=re.I) if not re.search(r"\bsrc=", tag)]
