"""One dashboard; each role the user holds adds its own panel."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from contest.auth.access import AUTHENTICATED, access
from contest.extensions import db
from contest.models import (
    AREA_ORGANISER,
    INSTITUTION,
    ORGANISER,
    AdminUnit,
    AuditLog,
    Contest,
    Edition,
    Institution,
    User,
)

bp = Blueprint("dashboard", __name__)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@bp.route("/dashboard")
@access(AUTHENTICATED)
def index():
    panels: dict = {}
    roles = current_user.roles
    editions = db.session.scalars(select(Edition).order_by(Edition.year_start.desc(), Edition.id)).all()
    open_editions = [e for e in editions if e.status == "registration"]
    if ORGANISER in roles:
        panels["organiser"] = {
            "counts": {
                "Cuộc thi": _count(Contest),
                "Kỳ thi": _count(Edition),
                "Đơn vị dự thi": _count(Institution),
                "Tài khoản": _count(User),
            },
            "editions": editions,
            "recent": db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(8)).all(),
        }
    if AREA_ORGANISER in roles:
        units = db.session.scalars(
            select(AdminUnit).where(AdminUnit.id.in_(current_user.unit_ids()))
        ).all()
        counts = dict(
            db.session.execute(
                select(Institution.unit_id, func.count())
                .where(Institution.unit_id.in_([u.id for u in units]))
                .group_by(Institution.unit_id)
            ).all()
        )
        panels["area"] = {"units": [(u, counts.get(u.id, 0)) for u in units], "editions": open_editions}
    if INSTITUTION in roles:
        institutions = db.session.scalars(
            select(Institution).where(Institution.id.in_(current_user.institution_ids()))
        ).all()
        panels["institution"] = {"institutions": institutions, "editions": open_editions}
    for role in ("judge", "referee", "head_referee"):
        if role in roles:
            panels[role] = {"grants": current_user.grants_for(role)}
    return render_template("dashboard/index.html", panels=panels)
