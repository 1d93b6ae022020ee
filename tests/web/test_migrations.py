"""Alembic upgrades an empty database to the models' schema, with no drift left."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect

from sched import create_app
from sched.extensions import db
from sched.models import Base
from tests.factories import base_config


def test_upgrade_of_an_empty_database_matches_the_models(databases, tmp_path):
    url = databases.new("migrations")
    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_twice_changes_nothing(databases, tmp_path):
    url = databases.new("migrations_twice")
    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        upgrade()
        upgrade()
        db.engine.dispose()
    engine = create_engine(url)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None
    engine.dispose()
