"""Shared fixtures: one app and schema per session, every table emptied after each test.

``TEST_DATABASE_URL`` selects the database (PostgreSQL in CI); by default a SQLite file
in a temporary folder, so the live server of the browser tests shares it.
"""

from __future__ import annotations

import os
from datetime import date

import pytest

from contest import create_app
from contest.extensions import db as _db
from contest.models import (
    AdminUnit,
    Base,
    Contest,
    Edition,
    Institution,
    Level,
)
from tests.helpers import PASSWORD


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    keys = tmp_path_factory.mktemp("keys")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "DEMO_MODE": True,
            "SERVER_NAME": None,
            # cheaper scrypt parameters keep the suite fast; production uses the default
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "CERT_SIGNING_KEY_FILE": str(keys / "cert_signing_key.pem"),
            "UPLOAD_FOLDER": str(keys.parent / "uploads"),
        }
    )
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    # One Limiter object serves every app a test creates; an app made with limits on
    # must not leave them on for the shared session app.
    from contest.extensions import limiter

    limiter.enabled = False
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def ctx(app):
    """An application context for tests that call services directly."""
    with app.app_context():
        yield
        _db.session.remove()


@pytest.fixture
def db(ctx):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app):
    """A small province: units, two schools, a contest with one edition, one user per role."""
    from contest.auth.services import create_user, grant_role

    with app.app_context():
        province = AdminUnit(code="tinh-bac-ninh", name="Tỉnh Bắc Ninh", kind="province", valid_from=date(2025, 7, 1))
        old_province = AdminUnit(code="tinh-bac-giang", name="Tỉnh Bắc Giang", kind="province", valid_to=date(2025, 6, 30))
        district = AdminUnit(code="huyen-yen-dung", name="Huyện Yên Dũng", kind="district", parent=old_province,
                             valid_to=date(2024, 12, 31))
        commune = AdminUnit(code="xa-tan-yen", name="Xã Tân Yên", kind="commune", parent=province, valid_from=date(2025, 7, 1))
        other = AdminUnit(code="phuong-kinh-bac", name="Phường Kinh Bắc", kind="ward", parent=province, valid_from=date(2025, 7, 1))
        _db.session.add_all([province, old_province, district, commune, other])
        _db.session.flush()
        school = Institution(code="thcs-tan-yen", name="Trường THCS Tân Yên", kind="lower_secondary", unit=commune)
        other_school = Institution(code="thcs-kinh-bac", name="Trường THCS Kinh Bắc", kind="lower_secondary", unit=other)
        contest = Contest(slug="sang-tao-thanh-thieu-nien", kind="youth_creativity",
                          name="Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng tỉnh", short_name="Sáng tạo TTN")
        edition = Edition(contest=contest, number=22, slug="sang-tao-tttn-2026", name="Cuộc thi Sáng tạo TTNNĐ lần thứ 22",
                          year_start=2026, year_end=2026, status="registration", settings={},
                          registration_deadline=date(2026, 12, 31))
        edition.levels = [Level(position=1, code="truong", name="Cấp trường"), Level(position=2, code="tinh", name="Cấp tỉnh")]
        _db.session.add_all([school, other_school, contest, edition])
        _db.session.flush()
        users = {}
        for username, role, scope in [
            ("btc", "organiser", {}),
            ("btc-xa", "area_organiser", {"unit_id": commune.id}),
            ("truong", "institution", {"institution_id": school.id}),
            ("giamkhao", "judge", {"edition_id": edition.id}),
            ("trongtai", "referee", {"edition_id": edition.id}),
            ("tongtrongtai", "head_referee", {"edition_id": edition.id}),
        ]:
            user = create_user(username, f"Người dùng {username}", PASSWORD)
            grant_role(user, role, **scope)
            users[role] = user.id
        _db.session.commit()
        ids = {
            "commune": commune.id,
            "other_unit": other.id,
            "school": school.id,
            "other_school": other_school.id,
            "contest": contest.id,
            "edition": edition.id,
            "users": users,
        }
    return ids
