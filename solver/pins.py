"""Infeasible pins: the hard rules bound counts from above, so pins conflict exactly when the pins alone break one.

The empty roster satisfies every hard rule, so a roster with the pins exists iff the pinned pairs by
themselves satisfy rules 2–5; no solver is needed to decide it or to name the culprits.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from solver.model import Pair, Problem

LIMIT_WORDS = {
    "max_shifts": "son maximum de gardes sur la période",
    "max_per_week": "son maximum de gardes par semaine",
    "max_saturdays": "son maximum de samedis",
}


def _conflict(pins: list[Pair], rule: str, message: str) -> dict[str, Any]:
    return {"pins": [[g, s] for g, s in sorted(pins)], "rule": rule, "message": message}


def _per_gp(problem: Problem, gp: str, shifts: list[str]) -> list[dict[str, Any]]:
    g, out = problem.gp(gp), []
    pins = [(gp, s) for s in shifts]
    groups = {
        "max_shifts": {None: shifts},
        "max_per_week": _group(problem, shifts, lambda s: s.week),
        "max_saturdays": {True: [s for s in shifts if problem.shift(s).saturday]},
    }
    for rule, by in groups.items():
        cap = getattr(g, rule)
        for members in by.values():
            if cap is not None and len(members) > cap:
                words = LIMIT_WORDS[rule]
                out.append(
                    _conflict(
                        [(gp, s) for s in members],
                        rule,
                        f"Les {len(members)} gardes imposées à Dr {gp} dépassent {words} ({cap}).",
                    )
                )
    for i, (_, a) in enumerate(pins):
        for _, b in pins[i + 1 :]:
            sa, sb = problem.shift(a), problem.shift(b)
            if sa.start_utc < sb.end_utc and sb.start_utc < sa.end_utc:
                out.append(
                    _conflict([(gp, a), (gp, b)], "overlap", f"Dr {gp} est imposé sur deux gardes qui se chevauchent.")
                )
            elif problem.one_shift_per_day and sa.day == sb.day:
                out.append(
                    _conflict([(gp, a), (gp, b)], "same_day", f"Dr {gp} est imposé sur deux gardes le même jour.")
                )
    return out


def _group(problem: Problem, shifts: list[str], key: Any) -> dict[Any, list[str]]:
    out: dict[Any, list[str]] = defaultdict(list)
    for s in shifts:
        out[key(problem.shift(s))].append(s)
    return out


def pin_conflicts(problem: Problem) -> list[dict[str, Any]]:
    """Every way the pins break a hard rule, each naming the pins and the rule; empty when they are compatible."""
    out = []
    by_gp: dict[str, list[str]] = defaultdict(list)
    by_shift: dict[str, list[str]] = defaultdict(list)
    for gp, sid in problem.pinned:
        by_gp[gp].append(sid)
        by_shift[sid].append(gp)
        site = problem.shift(sid).site
        if not problem.gp(gp).allows_site(site):
            out.append(_conflict([(gp, sid)], "sites", f"Dr {gp} est imposé au cabinet {site}, où il n'exerce pas."))
    for sid, gps in by_shift.items():
        target = problem.shift(sid).target
        if len(gps) > target:
            message = f"{len(gps)} médecins sont imposés sur la garde {sid}, qui n'en accueille que {target}."
            out.append(_conflict([(g, sid) for g in gps], "target", message))
    for gp, shifts in by_gp.items():
        out.extend(_per_gp(problem, gp, shifts))
    return out
