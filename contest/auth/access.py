"""Route access declarations.

Every view declares who may call it with ``@access(...)``; ``create_app`` refuses to
start if a view has no declaration, and the security tests read the declarations from
``app.url_map``. Object-level checks (a school's own entries, an area organiser's own
area, a judge's assignments) are separate helpers that views call after loading an
object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from flask import abort
from flask_login import current_user

from contest.extensions import login_manager

PUBLIC = "public"
AUTHENTICATED = "authenticated"

ACCESS_ATTR = "_access_roles"


def access(*roles: str) -> Callable:
    """Declare and enforce who may call a view.

    ``access(PUBLIC)``: anyone; ``access(AUTHENTICATED)``: any signed-in user;
    ``access("organiser", "area_organiser")``: users holding one of these roles.
    Anonymous callers of a protected view are sent to the login page; signed-in users
    without the role get 403.
    """
    if not roles:
        raise ValueError("access() needs at least one role")
    declared = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        if PUBLIC in declared:
            setattr(view, ACCESS_ATTR, declared)
            return view

        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if AUTHENTICATED not in declared and not current_user.has_role(*declared):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, ACCESS_ATTR, declared)
        return wrapped

    return decorator


def declared_access(view: Callable) -> frozenset[str] | None:
    return getattr(view, ACCESS_ATTR, None)


def undeclared_views(view_functions: dict[str, Callable], ignore: Iterable[str] = ("static",)) -> list[str]:
    ignored = set(ignore)
    return sorted(
        endpoint
        for endpoint, view in view_functions.items()
        if endpoint not in ignored and declared_access(view) is None
    )


def require(condition: bool, status: int = 403) -> None:
    """Object-level check: abort with ``status`` (403, or 404 to hide existence)."""
    if not condition:
        abort(status)
