"""Every schema change is a migration: upgrading an empty database gives exactly the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from contest import create_app
from contest.models import Base


def test_migrations_match_models(tmp_path):
    url = "sqlite:///" + str(tmp_path / "migrated.sqlite3")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        engine = create_engine(url)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        assert "edition" in inspect(engine).get_table_names()
        downgrade(revision="base")
        assert "edition" not in inspect(create_engine(url)).get_table_names()
