"""Reading and validating snp-roster/1 problems, and writing snp-roster/1-solution documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from solver.model import GP, LEVELS, Pair, Problem, ProblemError, Shift

FORMAT = "snp-roster/1"
SOLUTION_FORMAT = "snp-roster/1-solution"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _id(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProblemError(field, None, "ids are non-empty strings")
    return value


def _int(item: dict[str, Any], key: str, field: str, id: str, default: int | None, low: int) -> int | None:
    value = item.get(key, default)
    if value is None:
        return None
    # bool is an int in Python; true/false in a count is a mistake, not a number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProblemError(field, id, f"{key} must be an integer")
    if value < low:
        raise ProblemError(field, id, f"{key} must be >= {low}")
    return value


def _time(value: Any, field: str, id: str) -> datetime:
    if not isinstance(value, str) or len(value) != 16:
        raise ProblemError(field, id, "expected local time YYYY-MM-DDTHH:MM")
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M")
    except ValueError as exc:
        raise ProblemError(field, id, "expected local time YYYY-MM-DDTHH:MM") from exc


def _minutes(local: datetime, zone: ZoneInfo) -> int:
    return int((local.replace(tzinfo=zone) - _EPOCH).total_seconds()) // 60


def _shift(item: Any, zone: ZoneInfo) -> Shift:
    if not isinstance(item, dict):
        raise ProblemError("shifts", None, "each shift is an object")
    sid = _id(item.get("id"), "shifts.id")
    site = item.get("site")
    if not isinstance(site, str) or not site:
        raise ProblemError("shifts.site", sid, "site is a non-empty string")
    start = _time(item.get("start"), "shifts.start", sid)
    end = _time(item.get("end"), "shifts.end", sid)
    if end <= start:
        raise ProblemError("shifts.end", sid, "end must be after start")
    low = _int(item, "min", "shifts.min", sid, 1, 0)
    target = _int(item, "target", "shifts.target", sid, low, 0)
    priority = _int(item, "priority", "shifts.priority", sid, 1, 1)
    assert low is not None and target is not None and priority is not None
    if target < low:
        raise ProblemError("shifts.target", sid, f"target {target} is below min {low}")
    start_utc, end_utc = _minutes(start, zone), _minutes(end, zone)
    if end_utc <= start_utc:
        raise ProblemError("shifts.end", sid, "end must be after start (clock change)")
    return Shift(sid, site, start, end, low, target, priority, start_utc, end_utc)


def _gp(item: Any, shift_ids: set[str]) -> GP:
    if not isinstance(item, dict):
        raise ProblemError("gps", None, "each GP is an object")
    gid = _id(item.get("id"), "gps.id")
    limits = {k: _int(item, k, f"gps.{k}", gid, None, 0) for k in ("max_shifts", "max_per_week", "max_saturdays")}
    history = _int(item, "history_minutes", "gps.history_minutes", gid, 0, 0)
    sites = item.get("sites")
    if sites is not None and (not isinstance(sites, list) or not all(isinstance(s, str) and s for s in sites)):
        raise ProblemError("gps.sites", gid, "sites is a list of site names")
    availability = item.get("availability", {})
    if not isinstance(availability, dict):
        raise ProblemError("gps.availability", gid, "availability maps shift ids to levels")
    for shift_id, level in availability.items():
        if shift_id not in shift_ids:
            raise ProblemError("gps.availability", gid, f"unknown shift id {shift_id!r}")
        if level not in LEVELS:
            raise ProblemError("gps.availability", gid, f"level {level!r} is neither 'available' nor 'preferred'")
    return GP(
        gid,
        limits["max_shifts"],
        limits["max_per_week"],
        limits["max_saturdays"],
        history or 0,
        None if sites is None else frozenset(sites),
        dict(availability),
    )


def _pairs(data: dict[str, Any], key: str, gp_ids: set[str], shift_ids: set[str]) -> tuple[Pair, ...]:
    items = data.get(key, [])
    if not isinstance(items, list):
        raise ProblemError(key, None, "expected a list of {gp, shift}")
    pairs: list[Pair] = []
    for item in items:
        if not isinstance(item, dict):
            raise ProblemError(key, None, "expected a list of {gp, shift}")
        gp, shift = item.get("gp"), item.get("shift")
        if gp not in gp_ids:
            raise ProblemError(f"{key}.gp", str(gp), "unknown GP id")
        if shift not in shift_ids:
            raise ProblemError(f"{key}.shift", str(shift), "unknown shift id")
        if (gp, shift) in pairs:
            raise ProblemError(key, f"{gp}/{shift}", "pair listed twice")
        pairs.append((gp, shift))
    return tuple(pairs)


def _unique(ids: list[str], field: str) -> set[str]:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ProblemError(field, i, "duplicate id")
        seen.add(i)
    return seen


def load_problem(data: dict[str, Any]) -> Problem:
    """Validate a problem document and return it typed; raise ProblemError naming the field and id."""
    if not isinstance(data, dict):
        raise ProblemError("format", None, "a problem is a JSON object")
    if data.get("format") != FORMAT:
        raise ProblemError("format", None, f"expected {FORMAT!r}, got {data.get('format')!r}")
    tz = data.get("timezone", "Europe/Paris")
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ProblemError("timezone", None, f"unknown time zone {tz!r}") from exc
    one_per_day = data.get("one_shift_per_day", True)
    if not isinstance(one_per_day, bool):
        raise ProblemError("one_shift_per_day", None, "expected true or false")
    for key in ("shifts", "gps"):
        if not isinstance(data.get(key, []), list):
            raise ProblemError(key, None, "expected a list")
    shifts = tuple(_shift(s, zone) for s in data.get("shifts", []))
    shift_ids = _unique([s.id for s in shifts], "shifts.id")
    gps = tuple(_gp(g, shift_ids) for g in data.get("gps", []))
    gp_ids = _unique([g.id for g in gps], "gps.id")
    name = data.get("name", "")
    return Problem(
        name=name if isinstance(name, str) else str(name),
        timezone=tz,
        one_shift_per_day=one_per_day,
        shifts=shifts,
        gps=gps,
        pinned=_pairs(data, "pinned", gp_ids, shift_ids),
        previous=_pairs(data, "previous", gp_ids, shift_ids),
    )


def read_problem(path: str | Path) -> Problem:
    """Read a problem file; unreadable JSON is a ProblemError too, so the CLI has one way to refuse."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProblemError("file", str(path), f"cannot read JSON: {exc}") from exc
    return load_problem(data)


def solution_document(
    problem: Problem,
    status: str,
    assignments: list[Pair],
    score: dict[str, int] | None,
    stats: dict[str, Any],
) -> dict[str, Any]:
    """The snp-roster/1-solution document, assignments in shift order then GP id for stable output."""
    order = {s.id: i for i, s in enumerate(problem.shifts)}
    rows = sorted(assignments, key=lambda p: (order[p[1]], p[0]))
    return {
        "format": SOLUTION_FORMAT,
        "problem": problem.name,
        "status": status,
        "assignments": [{"shift": s, "gp": g} for g, s in rows],
        "score": score,
        "stats": stats,
    }
