"""Small problem builders shared by the solver tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "roster-examples"


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def shift(sid: str, day: str = "2027-01-04", start: str = "18:00", end: str = "20:00", **kw: Any) -> dict[str, Any]:
    return {"id": sid, "site": kw.pop("site", "A"), "start": f"{day}T{start}", "end": f"{day}T{end}", **kw}


def gp(gid: str, available: dict[str, str] | list[str], **kw: Any) -> dict[str, Any]:
    if isinstance(available, list):
        available = dict.fromkeys(available, "available")
    return {"id": gid, "availability": available, **kw}


def problem(shifts: list[dict[str, Any]], gps: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return copy.deepcopy({"format": "snp-roster/1", "name": "t", "shifts": shifts, "gps": gps, **kw})


def solution(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"format": "snp-roster/1-solution", "assignments": [{"gp": g, "shift": s} for g, s in pairs]}
