"""Each role reaches what it may and gets 403 elsewhere; anonymous users are sent to login."""

from __future__ import annotations

import pytest

from contest.auth.access import PUBLIC, declared_access, undeclared_views
from tests.helpers import login

ORGANISER_PAGES = [
    "/admin/users",
    "/admin/users/new",
    "/admin/units",
    "/admin/institutions",
    "/admin/institutions/new",
    "/admin/editions",
    "/admin/editions/new",
    "/admin/contests/new",
    "/admin/audit",
]
ROLES = ["organiser", "area_organiser", "institution", "judge", "referee", "head_referee"]
USERNAMES = {
    "organiser": "btc",
    "area_organiser": "btc-xa",
    "institution": "truong",
    "judge": "giamkhao",
    "referee": "trongtai",
    "head_referee": "tongtrongtai",
}
PANELS = {
    "organiser": "panel-organiser",
    "area_organiser": "panel-area",
    "institution": "panel-institution",
    "judge": "panel-judge",
    "referee": "panel-referee",
    "head_referee": "panel-head_referee",
}


@pytest.mark.parametrize("url", ORGANISER_PAGES + ["/dashboard", "/account/password"])
def test_anonymous_is_sent_to_login(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_shows_the_panel_of_each_role(client, world, role):
    login(client, USERNAMES[role])
    response = client.get("/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{PANELS[role]}"' in html
    for other, panel in PANELS.items():
        if other != role:
            assert f'id="{panel}"' not in html


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", ORGANISER_PAGES)
def test_organiser_pages_only_for_organisers(client, world, role, url):
    login(client, USERNAMES[role])
    response = client.get(url)
    expected = 200 if role == "organiser" else 403
    assert response.status_code == expected
    if expected == 403:
        assert "Không có quyền truy cập" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_can_open_account_page(client, world, role):
    login(client, USERNAMES[role])
    assert client.get("/account/password").status_code == 200


def test_object_pages_of_admin_for_organiser(client, world):
    login(client, "btc")
    assert client.get(f"/admin/users/{world['users']['judge']}").status_code == 200
    assert client.get(f"/admin/institutions/{world['school']}").status_code == 200
    assert client.get(f"/admin/editions/{world['edition']}").status_code == 200
    assert client.get(f"/admin/contests/{world['contest']}").status_code == 200
    assert client.get("/admin/users/999999").status_code == 404


def test_every_route_declares_its_access(app):
    assert undeclared_views(app.view_functions) == []
    declared = {rule.endpoint: declared_access(app.view_functions[rule.endpoint]) for rule in app.url_map.iter_rules()}
    assert PUBLIC in declared["public.healthz"]
    assert declared["admin.users"] == frozenset({"organiser"})


def test_an_undeclared_view_is_detected():
    def view():
        return "x"

    assert undeclared_views({"static": view, "x.view": view}) == ["x.view"]
