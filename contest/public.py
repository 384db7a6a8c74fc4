"""Public pages: home, contests, editions, and the health check."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contest.auth.access import PUBLIC, access
from contest.extensions import db
from contest.models import Contest, Edition

bp = Blueprint("public", __name__)


@bp.route("/healthz")
@access(PUBLIC)
def healthz():
    """Liveness: no database work, tiny body; the floor for throughput benchmarks."""
    return Response("ok", mimetype="text/plain")


@bp.route("/")
@access(PUBLIC)
def home():
    contests = db.session.scalars(
        select(Contest).options(selectinload(Contest.editions)).order_by(Contest.position, Contest.id)
    ).all()
    return render_template("public/home.html", contests=contests)


@bp.route("/contests/<slug>")
@access(PUBLIC)
def contest(slug: str):
    item = db.session.scalar(select(Contest).where(Contest.slug == slug))
    if item is None:
        abort(404)
    return render_template("public/contest.html", contest=item)


@bp.route("/editions/<slug>")
@access(PUBLIC)
def edition(slug: str):
    item = db.session.scalar(
        select(Edition)
        .where(Edition.slug == slug)
        .options(
            selectinload(Edition.levels),
            selectinload(Edition.categories),
            selectinload(Edition.divisions),
        )
    )
    if item is None:
        abort(404)
    return render_template("public/edition.html", edition=item)
