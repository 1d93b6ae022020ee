"""A child process target that never ends: it reports its pid, then hangs (tests of the HiGHS child's kill)."""

from __future__ import annotations

import os
import time
from typing import Any


def hang(events: Any) -> None:
    events.put(("progress", os.getpid()))
    while True:
        time.sleep(60)
