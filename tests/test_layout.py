"""The project's `sched` package must win over Python's standard-library module of the same name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sched

ROOT = Path(__file__).resolve().parent.parent


def test_sched_is_the_projects_package():
    assert Path(sched.__file__).resolve() == ROOT / "sched" / "__init__.py"
    assert hasattr(sched, "create_app")


def test_python_m_sched_help_lists_the_commands():
    result = subprocess.run(
        [sys.executable, "-m", "sched", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    for command in ("init-db", "demo", "run", "create-user", "periods"):
        assert f"  {command} " in result.stdout, command


def run_sched(args: list[str], database_url: str, instance_dir) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "SNP_INSTANCE_DIR": str(instance_dir)}
    command = [sys.executable, "-m", "sched", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)


def test_an_unreachable_database_is_one_readable_line(tmp_path):
    result = run_sched(["periods", "--json"], f"sqlite:///{tmp_path}/missing-dir/none.sqlite3", tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: database: ") and "init-db" in lines[0]


def test_a_database_not_initialised_is_one_readable_line(tmp_path):
    result = run_sched(["periods"], f"sqlite:///{tmp_path}/empty.sqlite3", tmp_path)
    assert result.returncode == 1
    assert "no such table" in result.stderr and "Traceback" not in result.stderr
