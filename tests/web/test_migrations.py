"""Every schema change is a migration: upgrading an empty database gives exactly the models.

Runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL points there (in a scratch
database next to the test database)."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from contest import create_app
from contest.models import Base


@pytest.fixture
def scratch_url(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield "sqlite:///" + str(tmp_path / "migrated.sqlite3")
        return
    name = "contest_mig_" + uuid.uuid4().hex[:8]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_match_models(scratch_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade()
        engine = create_engine(scratch_url)
        try:
            with engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            assert "edition" in inspect(engine).get_table_names()
            downgrade(revision="base")
            assert "edition" not in inspect(engine).get_table_names()
        finally:
            engine.dispose()
        from contest.extensions import db

        db.engine.dispose()
