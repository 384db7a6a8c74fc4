"""Rendered public results pages, kept until the next version is published.

Published results never change (a correction is a new version), so a public page is
rendered once per (page, filters) and served from memory. Every worker process keeps
its own cache, tagged with a *generation*: a token read from the database (how many
versions were ever published, the newest id and publication time), which changes with
every publication. Each process re-reads the token at most once per
``RESULTS_CACHE_CHECK_SECONDS`` (default 1 s), so a request normally costs no database
work at all; the process that publishes drops its pages at once, after the commit
(:func:`invalidate_on_commit`), and the other workers (on any machine sharing the
database) within that interval.

The token is read *before* a page is rendered, so a page rendered while a publication
commits is stored under the old token and replaced at the next check.
``RESULTS_CACHE_TTL`` (seconds, default 600) bounds the life of a page anyway; the
cache holds at most ``RESULTS_CACHE_SIZE`` pages (least recently used go first). Only
anonymous requests without pending flash messages use it: a signed-in user's page
carries their name and a CSRF token.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from threading import Lock

from flask import Flask, Response, current_app, has_app_context, request, session
from flask_login import current_user
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_PENDING = "results_cache_bump"
_EXTENSION = "results_page_cache"
CACHE_CONTROL = "public, max-age=60"


@dataclass(frozen=True)
class _Page:
    generation: bytes
    stored_at: float
    body: bytes
    etag: str
    status: int
    payload: object = None


class PageCache:
    """A bounded LRU of rendered pages, each tagged with the generation it belongs to."""

    def __init__(self, max_entries: int = 512, ttl: float = 600.0) -> None:
        self.max_entries = max_entries
        self.ttl = ttl
        self._pages: OrderedDict[Hashable, _Page] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, generation: bytes) -> _Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None or page.generation != generation or time.monotonic() - page.stored_at > self.ttl:
                if page is not None:
                    del self._pages[key]
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: Hashable, generation: bytes, body: bytes, status: int = 200,
            payload: object = None) -> _Page:
        etag = hashlib.blake2b(generation + body, digest_size=12).hexdigest()
        page = _Page(generation, time.monotonic(), body, etag, status, payload)
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)
        return page

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


def page_cache(app: Flask | None = None, name: str = "pages") -> PageCache:
    """The process's cache called ``name`` ("pages"; "search" keeps search results apart,
    so that many different searches never push the results pages out)."""
    app = app or current_app._get_current_object()
    caches = app.extensions.setdefault(_EXTENSION, {})
    cache = caches.get(name)
    if cache is None:
        cache = caches[name] = PageCache(
            int(app.config.get("RESULTS_CACHE_SIZE", 512)), float(app.config.get("RESULTS_CACHE_TTL", 600))
        )
    return cache


_GENERATION = "results_cache_generation"


def _read_token() -> bytes:
    from contest.extensions import db
    from contest.models import ResultVersion

    count, newest, published_at = db.session.execute(
        select(func.count(ResultVersion.id), func.max(ResultVersion.id), func.max(ResultVersion.published_at))
        .where(ResultVersion.status.in_(("published", "superseded")))
    ).one()
    return f"{count}:{newest}:{published_at}".encode()


def generation(app: Flask | None = None) -> bytes:
    """The current generation token (re-read from the database at most once per
    ``RESULTS_CACHE_CHECK_SECONDS``)."""
    app = app or current_app._get_current_object()
    state = app.extensions.setdefault(_GENERATION, {"at": -math.inf, "token": b""})
    now = time.monotonic()
    if now - state["at"] >= float(app.config.get("RESULTS_CACHE_CHECK_SECONDS", 1.0)):
        state["token"] = _read_token()
        state["at"] = now
    return state["token"]


def bump(app: Flask | None = None) -> None:
    """Forget every cached page of this process and re-read the generation next time."""
    app = app or current_app._get_current_object()
    app.extensions.setdefault(_GENERATION, {"at": -math.inf, "token": b""})["at"] = -math.inf
    for cache in app.extensions.get(_EXTENSION, {}).values():
        cache.clear()


def invalidate_on_commit(session_: Session) -> None:
    """Bump the generation once the current transaction commits (not if it rolls back)."""
    session_.info[_PENDING] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session_: Session) -> None:
    if session_.info.pop(_PENDING, None) and has_app_context():
        bump()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session_: Session) -> None:
    session_.info.pop(_PENDING, None)


def cacheable_request() -> bool:
    """Anonymous and without flash messages waiting: the page is the same for everyone."""
    if current_user.is_authenticated:
        return False
    return not session.get("_flashes")


def serve(key: Hashable, render: Callable[[], str | tuple[str, int]], *, cache_name: str = "pages") -> Response:
    """The cached page for ``key`` or a fresh render (stored when the request allows)."""
    use_cache = cacheable_request()
    if not use_cache:
        return _response(render())
    cache = page_cache(name=cache_name)
    current = generation()
    page = cache.get(key, current)
    if page is None:
        result = render()
        body, status = (result if isinstance(result, tuple) else (result, 200))
        page = cache.put(key, current, body.encode("utf-8"), status)
    response = Response(page.body, status=page.status, mimetype="text/html")
    response.set_etag(page.etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["X-Robots-Tag"] = "noindex"
    if page.status == 200:
        response.make_conditional(request)
    return response


def _response(result: str | tuple[str, int]) -> Response:
    body, status = (result if isinstance(result, tuple) else (result, 200))
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
