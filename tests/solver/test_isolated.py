"""The HiGHS child process is killed at its deadline: a hung solve never outlives its budget."""

from __future__ import annotations

import os
import time

import pytest

from solver.engines.isolated import _in_child
from tests.solver.sleeper import hang


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_hung_child_is_killed_at_its_deadline() -> None:
    pids: list[int] = []
    with pytest.raises(RuntimeError, match="killed at its deadline"):
        _in_child(hang, (), progress=pids.append, deadline=time.monotonic() + 2)
    assert len(pids) == 1
    assert not alive(pids[0])
