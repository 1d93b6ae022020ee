"""The instance folder and the SQLite database are private to the account that runs the app (0700 / 0600).

They hold the secret key, every account's password hash and the outbox. SQLite creates its -wal and -shm files
with the database file's own mode, so creating the database 0600 keeps all three private.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def secure(app: Flask) -> None:
    """Create (or tighten) the instance folder and the SQLite files before anything writes there."""
    instance = Path(app.instance_path)
    if instance.is_dir():
        instance.chmod(PRIVATE_DIR)
    database = sqlite_path(app.config["SQLALCHEMY_DATABASE_URI"])
    if database is None:
        return
    if database.parent == instance and not instance.exists():
        instance.mkdir(parents=True, mode=PRIVATE_DIR)
    # A database in a missing folder elsewhere stays missing: the command says so in one line (init-db).
    if database.parent.is_dir() and not database.exists():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if path.exists():
            path.chmod(PRIVATE_FILE)


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)
