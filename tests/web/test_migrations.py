"""Alembic upgrades an empty database to the models' schema, with no drift left."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

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


def test_people_migration_keeps_every_login(databases, tmp_path):
    """0012 turns each existing account into a person of its own: same address, same password hash, same id."""
    url = databases.new("migrations_people")
    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        upgrade(revision="0011_territories")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO territories (id, name, department, timezone, auto_approve_swaps) "
                              "VALUES (1, 'CPTS Avant', '57', 'Europe/Paris', false)"))  # fmt: skip
            for n, (email, password) in enumerate([("a@test.fr", "hash-a"), ("b@test.fr", None)], start=1):
                conn.execute(
                    text("INSERT INTO users (id, territory_id, email, full_name, password_hash, active, created_at, "
                         "session_version) VALUES (:id, 1, :email, 'X', :password, true, CURRENT_TIMESTAMP, 0)"),
                    {"id": n, "email": email, "password": password},
                )  # fmt: skip
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT users.id, people.email, people.password_hash FROM users "
                     "JOIN people ON people.id = users.person_id ORDER BY users.id")
            ).all()  # fmt: skip
            # A new person after the migration gets a fresh number (PostgreSQL's sequence moved past the copied ids).
            conn.execute(text("INSERT INTO people (email, created_at) VALUES ('c@test.fr', CURRENT_TIMESTAMP)"))
            new_id = conn.execute(text("SELECT id FROM people WHERE email = 'c@test.fr'")).scalar_one()
        db.engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "a@test.fr", "hash-a"), (2, "b@test.fr", None)]
    assert new_id == 3
