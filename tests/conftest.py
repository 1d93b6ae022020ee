"""Shared fixtures: `app` (fresh database per test, scheduler off), `client`, `runner`, `territory`, `login_as(role)`,
`token` (a regulator's API token), `smtp_server`. Test data builders are in tests/factories.py: test modules import
those, never a fixture nor another test module.

The database is SQLite (a temporary file) unless TEST_DATABASE_URL names a PostgreSQL server: then a database
`snp_test_<pid>` is created beside it for this run and dropped at the end, so parallel runs never collide.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sched import create_app
from sched.extensions import db
from sched.models import Base, Territory, User
from tests.factories import PASSWORD, add_site, base_config, create_token, make_user
from tests.inbox import Inbox, serving

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def is_postgres() -> bool:
    return TEST_DATABASE_URL.startswith("postgresql")


class Databases:
    """Creates throw-away databases for this run (SQLite files or PostgreSQL databases) and drops them."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.created: list[str] = []

    def new(self, label: str) -> str:
        if not is_postgres():
            return f"sqlite:///{self.tmp_dir / f'{label}.sqlite3'}"
        name = f"snp_{label}_{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_report_header(config: pytest.Config) -> str:
    if is_postgres():
        url = make_url(TEST_DATABASE_URL)
        return f"database: PostgreSQL at {url.host}:{url.port} (a snp_test_* database created next to '{url.database}')"
    return "database: SQLite (temporary files)"


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def test_database(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The run's database, migrated once with Alembic (which is itself under test here)."""
    url = databases.new("test")
    app = create_app(base_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def empty_tables() -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def app_config(test_database: str, tmp_path: Path) -> dict:
    """Settings of the `app` fixture; a test module may override this fixture to change them."""
    return base_config(test_database, tmp_path)


@pytest.fixture
def app(app_config: dict):
    app = create_app(app_config)

    # Requests made while this test's app context is pushed share its `g`, where Flask-Login keeps the user it
    # loaded and Flask-WTF the CSRF token: forget both at each request, as a served request would, so that each
    # test client is its own user.
    def forget_request_state() -> None:
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget_request_state)
    with app.app_context():
        yield app
        db.session.remove()
        empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class CommandRunner:
    """Runs `python -m sched` commands (the project's CLI group) against the test app."""

    def __init__(self, app) -> None:
        self.runner = app.test_cli_runner()

    def invoke(self, args: list[str], **kwargs):
        from sched.cli import cli

        return self.runner.invoke(cli, args=args, **kwargs)


@pytest.fixture
def runner(app) -> CommandRunner:
    return CommandRunner(app)


@pytest.fixture
def territory(app) -> Territory:
    territory = Territory(name="CPTS Test", department="57", timezone="Europe/Paris")
    db.session.add(territory)
    add_site(
        territory,
        "Cabinet de garde Test",
        address="1 place d'Armes",
        postal_code="57000",
        city="Metz",
        phone="+33387000000",
        rooms=2,
    )
    db.session.commit()
    return territory


@pytest.fixture
def login_as(client, territory) -> Callable[[str], User]:
    """login_as('coordinator') → that user, logged in on `client`."""

    def login(role: str, email: str | None = None) -> User:
        user = make_user(territory, role, email)
        response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, "login failed in fixture"
        return user

    return login


@pytest.fixture
def smtp_server(app) -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on a free loopback port for this test; the app sends to it."""
    with serving(app, Inbox()) as inbox:
        yield inbox


@pytest.fixture
def token(runner, territory) -> str:
    """The raw API token of the regulator regul@test.fr."""
    make_user(territory, "regulator", "regul@test.fr")
    return create_token(runner, "regul@test.fr")
