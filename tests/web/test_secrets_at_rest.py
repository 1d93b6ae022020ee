"""Secrets stay out of the access logs and the instance files are private (issue 18 item 5)."""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Zk3vQ9x_secret-token-value-that-must-not-leak-0123"
SECRET_PATHS = [f"/mot-de-passe/{TOKEN}", f"/invitation/{TOKEN}", f"/ical/gp/{TOKEN}.ics", f"/ical/site/{TOKEN}.ics"]


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sched_run_access_log_has_no_reset_token_nor_feed_secret(app, caplog):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for path in SECRET_PATHS:
                get(f"http://127.0.0.1:{server.server_port}{path}")
    finally:
        server.shutdown()
    access = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len(access) == len(SECRET_PATHS), access
    assert not [line for line in access if TOKEN in line]
    assert any("/mot-de-passe/[secret]" in line for line in access)
    assert any("/ical/gp/[secret].ics" in line for line in access)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_access_log_has_no_reset_token_nor_feed_secret(app, tmp_path):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="x" * 32)
    env.update(SCHEDULER_ENABLED="0", SESSION_COOKIE_SECURE="0", SNP_INSTANCE_DIR=str(tmp_path / "instance"))
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "-",
        "--no-control-socket",
    ]
    server = subprocess.Popen(
        [*command, "sched:create_app()"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while not (is_up(port) and get(f"http://127.0.0.1:{port}/connexion") == 200):
            assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
            time.sleep(0.2)
        for path in SECRET_PATHS:
            get(f"http://127.0.0.1:{port}{path}")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "GET /mot-de-passe/[secret]" in output and "GET /ical/gp/[secret].ics" in output, output
    assert TOKEN not in output


def is_up(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_instance_folder_secret_key_and_sqlite_files_are_private(tmp_path):
    instance = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(SNP_INSTANCE_DIR=str(instance), SCHEDULER_ENABLED="0")
    result = subprocess.run(
        [sys.executable, "-m", "sched", "init-db"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(0o022),  # the usual umask, which made them world-readable
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    database = instance / "snp.sqlite3"
    assert mode(instance) == 0o700 and mode(instance / "secret_key") == 0o600 and mode(database) == 0o600
    connection = sqlite3.connect(database)  # while it is open, SQLite keeps its -wal and -shm files
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE probe (x)")
        connection.commit()
        assert mode(Path(f"{database}-wal")) == 0o600 and mode(Path(f"{database}-shm")) == 0o600
    finally:
        connection.close()
