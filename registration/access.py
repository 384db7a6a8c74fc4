"""Object-level access to entries.

A school sees only its own entries; an area organiser only its area (the units it is
scoped to, the communes of a scoped cluster, and entries registered in that area); the
organiser everything. Routes call these after loading an object; a miss is a 404 so
that ids of other schools' entries reveal nothing.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.models import (
    AREA_ORGANISER,
    INSTITUTION,
    ORGANISER,
    Edition,
    Entry,
    Institution,
    cluster_member,
)


def edition_or_404(slug: str) -> Edition:
    edition = db.session.scalar(select(Edition).where(Edition.slug == slug))
    if edition is None:
        abort(404)
    return edition


def area_unit_ids(user) -> set[int]:
    """Units an area organiser covers, with the member communes of scoped clusters."""
    ids = set(user.unit_ids(AREA_ORGANISER))
    if ids:
        members = db.session.scalars(
            select(cluster_member.c.unit_id).where(cluster_member.c.cluster_id.in_(ids))
        ).all()
        ids.update(members)
    return ids


def entries_stmt(user, edition: Edition | None = None):
    """SELECT of the entries this user may see (optionally of one edition)."""
    stmt = select(Entry).options(selectinload(Entry.people), selectinload(Entry.institution))
    if edition is not None:
        stmt = stmt.where(Entry.edition_id == edition.id)
    if user.has_role(ORGANISER):
        return stmt
    conditions = []
    if user.has_role(INSTITUTION):
        conditions.append(Entry.institution_id.in_(user.institution_ids()))
    if user.has_role(AREA_ORGANISER):
        units = area_unit_ids(user)
        conditions.append(Entry.area_unit_id.in_(units))
        conditions.append(Entry.institution_id.in_(select(Institution.id).where(Institution.unit_id.in_(units))))
    if not conditions:
        return stmt.where(False)
    return stmt.where(or_(*conditions))


def is_own_entry(user, entry: Entry) -> bool:
    return user.has_role(INSTITUTION) and entry.institution_id in user.institution_ids()


def in_area(user, entry: Entry) -> bool:
    if not user.has_role(AREA_ORGANISER):
        return False
    units = area_unit_ids(user)
    return entry.area_unit_id in units or entry.institution.unit_id in units


def can_view(user, entry: Entry) -> bool:
    return user.has_role(ORGANISER) or is_own_entry(user, entry) or in_area(user, entry)


def can_edit(user, entry: Entry) -> bool:
    return user.has_role(ORGANISER) or is_own_entry(user, entry)


def can_review(user, entry: Entry) -> bool:
    return user.has_role(ORGANISER) or in_area(user, entry)


def entry_or_404(entry_id: int, user, check=can_view) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None or not check(user, entry):
        abort(404)
    return entry


def institutions_for(user) -> list[Institution]:
    """Institutions this user may register entries for (organisers: none by default;
    they pick one on the form)."""
    ids = user.institution_ids()
    if not ids:
        return []
    return list(db.session.scalars(select(Institution).where(Institution.id.in_(ids)).order_by(Institution.name)))
