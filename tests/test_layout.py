"""The project's `sched` package must win over Python's standard-library module of the same name."""

from __future__ import annotations

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
