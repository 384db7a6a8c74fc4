"""The security suite built from app.url_map.

Every route is called as anonymous and as each role. A route may answer 2xx only to the
roles its ``@access`` declaration names (a route without a declaration stops the app from
starting, so it cannot slip in). Every POST without a CSRF token is refused.
"""

from __future__ import annotations

from datetime import date

import pytest

from contest.auth.access import AUTHENTICATED, PUBLIC, declared_access
from contest.extensions import db
from contest.models import Edition, Institution
from registration import services
from tests.helpers import csrf_token, login

ROLE_USERS = {
    "organiser": "btc",
    "area_organiser": "btc-xa",
    "institution": "truong",
    "judge": "giamkhao",
    "referee": "trongtai",
    "head_referee": "tongtrongtai",
}
SKIP = {"static", "auth.logout", "auth.login"}


def _values(world, entry_id) -> dict:
    return {
        "slug": "sang-tao-tttn-2026",
        "entry_id": entry_id,
        "user_id": world["users"]["judge"],
        "institution_id": world["school"],
        "edition_id": world["edition"],
        "contest_id": world["contest"],
        "grant_id": 1,
        "code": "ABCDEFGHIJKLMNOP",
        "token": "0" * 32,
    }


def _routes(app, values):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP:
            continue
        args = {}
        for name in rule.arguments:
            if name in values:
                args[name] = values[name]
            elif rule._converters[name].__class__.__name__ == "IntegerConverter":
                args[name] = 1
            else:
                args[name] = "x"
        try:
            url = rule.build(args, append_unknown=False)[1]
        except Exception:  # noqa: BLE001 - a converter we cannot satisfy: skip
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


@pytest.fixture
def entry_id(app, world):
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        inst = db.session.get(Institution, world["school"])
        entry = services.create_entry(
            edition, inst,
            services.EntryData(title="Đèn học tự động", people=[services.PersonData("author", "Lý Thị Mai", date(2012, 2, 2))]),
            check_deadline=False,
        )
        db.session.commit()
        return entry.id


def _allowed(declared: frozenset[str], role: str | None) -> bool:
    if PUBLIC in declared:
        return True
    if role is None:
        return False
    return AUTHENTICATED in declared or role in declared


@pytest.mark.parametrize("role", [None, *ROLE_USERS])
def test_routes_answer_2xx_only_to_declared_roles(app, world, entry_id, role):
    client = app.test_client()
    if role is not None:
        assert login(client, ROLE_USERS[role]).status_code == 302
    token = csrf_token(client, "/dashboard" if role else "/login")
    checked = 0
    violations = []
    for endpoint, method, url in _routes(app, _values(world, entry_id)):
        declared = declared_access(app.view_functions[endpoint])
        assert declared, f"{endpoint} has no access declaration"
        if method == "GET":
            response = client.get(url)
        else:
            response = client.open(url, method=method, data={"csrf_token": token}, headers={"X-CSRFToken": token})
        checked += 1
        assert response.status_code < 500, f"{method} {url} as {role}: {response.status_code}"
        if 200 <= response.status_code < 300 and not _allowed(declared, role):
            violations.append(f"{method} {url} ({endpoint}) answered {response.status_code} to {role or 'anonymous'}")
    assert checked > 20
    assert violations == []


def test_every_post_without_csrf_token_is_refused(app, world, entry_id):
    client = app.test_client()
    login(client, "btc")
    refused = 0
    for endpoint, method, url in _routes(app, _values(world, entry_id)):
        if method != "POST":
            continue
        response = client.post(url, data={})
        assert response.status_code == 400, f"POST {url} ({endpoint}) without a CSRF token gave {response.status_code}"
        refused += 1
    assert refused >= 10
