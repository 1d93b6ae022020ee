"""`python -m sched run` and its children (scheduler, worker): a SIGKILL of the parent does not leave them running."""

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


def test_the_scheduler_and_worker_children_die_with_a_killed_run(app, tmp_path):
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
    children: dict[str, int] = {}
    try:
        for line in parent.stdout:
            if found := re.search(r"(Planificateur|Travailleur) démarré \(processus (\d+)\)", line):
                children[found.group(1)] = int(found.group(2))
            if len(children) == 2:
                break
        assert sorted(children) == ["Planificateur", "Travailleur"] and all(map(running, children.values()))
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        # Waiting for an event, not measuring a duration: the children get their signal as the parent dies.
        give_up = time.monotonic() + 60
        while any(map(running, children.values())) and time.monotonic() < give_up:
            time.sleep(0.1)
        assert not any(map(running, children.values())), f"a child outlived its killed parent: {children}"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in children.values():
            if running(pid):
                os.kill(pid, signal.SIGKILL)
