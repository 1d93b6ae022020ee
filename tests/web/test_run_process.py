"""`python -m sched run` and its scheduler child: a SIGKILL of the parent does not leave the child running."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan is reaped by init, or not, depending on the machine)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_scheduler_child_dies_with_a_killed_run(app, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SNP_INSTANCE_DIR": str(tmp_path),
        "SECRET_KEY": "test",
        "SESSION_COOKIE_SECURE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    parent = subprocess.Popen(
        [sys.executable, "-m", "sched", "run", "--port", str(free_port())],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    child = None
    try:
        for line in parent.stdout:
            if found := re.search(r"Planificateur démarré \(processus (\d+)\)", line):
                child = int(found.group(1))
                break
        assert child is not None and running(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        # Waiting for an event, not measuring a duration: the child gets its signal as the parent dies.
        give_up = time.monotonic() + 30
        while running(child) and time.monotonic() < give_up:
            time.sleep(0.1)
        assert not running(child), "the scheduler child outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if child is not None and running(child):
            os.kill(child, signal.SIGKILL)
