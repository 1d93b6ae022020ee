"""The independent checker: validity and the six-key score, recomputed from ROSTER_FORMAT.md alone.

It shares nothing with the engines but the parsed problem, so an engine bug cannot hide behind it. It returns
facts (`Violation`), never prose for a user: the CLI renders them in English, the app words them itself.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from solver.model import SCORE_KEYS, Pair, Problem


class Rule(StrEnum):
    """One stable identifier per way of breaking a hard rule (the numbers are ROSTER_FORMAT.md's)."""

    UNKNOWN_ID = "unknown_id"  # 1
    DUPLICATE = "duplicate"  # 1
    AVAILABILITY = "availability"  # 2
    SITES = "sites"  # 2
    TARGET = "target"  # 3
    OVERLAP = "overlap"  # 4
    SAME_DAY = "same_day"  # 4
    MAX_SHIFTS = "max_shifts"  # 5
    MAX_PER_WEEK = "max_per_week"  # 5
    MAX_SATURDAYS = "max_saturdays"  # 5
    PINNED = "pinned"  # 6


ENGLISH = {
    Rule.UNKNOWN_ID: "rule 1 (ids): assignment {item} names an unknown shift or GP",
    Rule.DUPLICATE: "rule 1 (ids): {gp} on shift {shift} appears twice",
    Rule.AVAILABILITY: "rule 2 (availability): {gp} is not available for shift {shift}",
    Rule.SITES: "rule 2 (sites): {gp} does not work at site {site} (shift {shift})",
    Rule.TARGET: "rule 3 (target): shift {shift} has {count} GPs, target is {limit}",
    Rule.OVERLAP: "rule 4 (overlap): {gp} works overlapping shifts {shift} and {other}",
    Rule.SAME_DAY: "rule 4 (one shift per day): {gp} works {shift} and {other} on {when}",
    Rule.MAX_SHIFTS: "rule 5 (max_shifts): {gp} works {count} shifts, limit {limit}",
    Rule.MAX_PER_WEEK: "rule 5 (max_per_week): {gp} works {count} shifts in week {when}, limit {limit}",
    Rule.MAX_SATURDAYS: "rule 5 (max_saturdays): {gp} works {count} Saturdays, limit {limit}",
    Rule.PINNED: "rule 6 (pinned): {gp} is pinned on shift {shift} but not assigned",
}


@dataclass(frozen=True)
class Violation:
    """One broken hard rule: who, which shift, and the count against the limit when the rule is a limit."""

    rule: Rule
    gp: str | None = None
    shift: str | None = None
    count: int | None = None
    limit: int | None = None
    other: str | None = None  # the second shift of an overlap or of a day
    site: str | None = None
    when: str | None = None  # the day (2027-01-04) or the ISO week (2027-W01) the rule counts over
    item: str | None = None  # an assignment that names nothing, as it was written

    def __str__(self) -> str:
        """The English line `python -m solver check` prints."""
        return ENGLISH[self.rule].format(**asdict(self))


@dataclass
class CheckReport:
    """`valid` when no hard rule is broken; `score` always holds the six keys, in rank order."""

    valid: bool
    violations: list[Violation] = field(default_factory=list)
    score: dict[str, int] = field(default_factory=dict)


def _pairs(problem: Problem, solution: dict[str, Any], out: list[Violation]) -> list[Pair]:
    """Hard rule 1: assignments name existing shifts and GPs, and no pair appears twice."""
    shift_ids = {s.id for s in problem.shifts}
    gp_ids = {g.id for g in problem.gps}
    seen: set[Pair] = set()
    pairs: list[Pair] = []
    for item in solution.get("assignments") or []:
        gp = item.get("gp") if isinstance(item, dict) else None
        shift = item.get("shift") if isinstance(item, dict) else None
        if gp not in gp_ids or shift not in shift_ids:
            out.append(Violation(Rule.UNKNOWN_ID, item=repr(item)))
            continue
        if (gp, shift) in seen:
            out.append(Violation(Rule.DUPLICATE, gp=gp, shift=shift))
            continue
        seen.add((gp, shift))
        pairs.append((gp, shift))
    return pairs


def _per_pair(problem: Problem, pairs: list[Pair], out: list[Violation]) -> None:
    """Hard rule 2: availability (or a pin) and an allowed site."""
    shifts = {s.id: s for s in problem.shifts}
    gps = {g.id: g for g in problem.gps}
    pinned = set(problem.pinned)
    for gp, sid in pairs:
        g, s = gps[gp], shifts[sid]
        if sid not in g.availability and (gp, sid) not in pinned:
            out.append(Violation(Rule.AVAILABILITY, gp=gp, shift=sid))
        if g.sites is not None and s.site not in g.sites:
            out.append(Violation(Rule.SITES, gp=gp, shift=sid, site=s.site))


def _per_shift(problem: Problem, pairs: list[Pair], out: list[Violation]) -> None:
    """Hard rule 3: at most `target` GPs on a shift."""
    count = Counter(sid for _, sid in pairs)
    for s in problem.shifts:
        if count[s.id] > s.target:
            out.append(Violation(Rule.TARGET, shift=s.id, count=count[s.id], limit=s.target))


def _per_gp(problem: Problem, pairs: list[Pair], out: list[Violation]) -> None:
    """Hard rules 4 and 5: no overlap, one shift a day, and the three limits, GP by GP."""
    shifts = {s.id: s for s in problem.shifts}
    mine: dict[str, list[str]] = defaultdict(list)
    for gp, sid in pairs:
        mine[gp].append(sid)
    for g in problem.gps:
        own = sorted(mine[g.id], key=lambda i: shifts[i].start_utc)
        for i, a in enumerate(own):
            for b in own[i + 1 :]:
                sa, sb = shifts[a], shifts[b]
                if sa.start_utc < sb.end_utc and sb.start_utc < sa.end_utc:
                    out.append(Violation(Rule.OVERLAP, gp=g.id, shift=a, other=b))
                elif problem.one_shift_per_day and sa.start.date() == sb.start.date():
                    day = sa.start.date().isoformat()
                    out.append(Violation(Rule.SAME_DAY, gp=g.id, shift=a, other=b, when=day))
        if g.max_shifts is not None and len(own) > g.max_shifts:
            out.append(Violation(Rule.MAX_SHIFTS, gp=g.id, count=len(own), limit=g.max_shifts))
        weeks = Counter(shifts[i].start.isocalendar()[:2] for i in own)
        for (year, week), n in sorted(weeks.items()):
            if g.max_per_week is not None and n > g.max_per_week:
                when = f"{year}-W{week:02d}"
                out.append(Violation(Rule.MAX_PER_WEEK, gp=g.id, count=n, limit=g.max_per_week, when=when))
        saturdays = sum(1 for i in own if shifts[i].start.weekday() == 5)
        if g.max_saturdays is not None and saturdays > g.max_saturdays:
            out.append(Violation(Rule.MAX_SATURDAYS, gp=g.id, count=saturdays, limit=g.max_saturdays))


def _pins(problem: Problem, pairs: list[Pair], out: list[Violation]) -> None:
    """Hard rule 6: every pinned pair is assigned."""
    have = set(pairs)
    for gp, sid in problem.pinned:
        if (gp, sid) not in have:
            out.append(Violation(Rule.PINNED, gp=gp, shift=sid))


def score_of(problem: Problem, pairs: list[Pair]) -> dict[str, int]:
    """The six score keys of a set of assignments, straight from their definitions."""
    shifts = {s.id: s for s in problem.shifts}
    count = Counter(sid for _, sid in pairs)
    have = set(pairs)
    pinned = set(problem.pinned)
    load = {g.id: g.history_minutes for g in problem.gps}
    for gp, sid in pairs:
        s = shifts[sid]
        load[gp] += s.end_utc - s.start_utc
    levels = {g.id: g.availability for g in problem.gps}
    score = {
        "uncovered": sum(s.priority * max(0, s.min - count[s.id]) for s in problem.shifts),
        "removed": sum(1 for p in problem.previous if p not in have),
        "understaffed": sum(s.priority * max(0, s.target - count[s.id]) for s in problem.shifts),
        "max_load": max(load.values(), default=0),
        "load_sq": sum(v * v for v in load.values()),
        "unpreferred": sum(1 for gp, sid in pairs if (gp, sid) not in pinned and levels[gp].get(sid) == "available"),
    }
    return {k: score[k] for k in SCORE_KEYS}


def check(problem: Problem | dict[str, Any], solution: dict[str, Any]) -> CheckReport:
    """Recompute validity and score of `solution` for `problem`."""
    if isinstance(problem, dict):
        from solver.io import load_problem

        problem = load_problem(problem)
    out: list[Violation] = []
    pairs = _pairs(problem, solution, out)
    _per_pair(problem, pairs, out)
    _per_shift(problem, pairs, out)
    _per_gp(problem, pairs, out)
    _pins(problem, pairs, out)
    return CheckReport(valid=not out, violations=out, score=score_of(problem, pairs))
