"""Infeasible pins: the hard rules bound counts from above, so pins conflict exactly when the pins alone break one.

The empty roster satisfies every hard rule, so a roster with the pins exists iff the pinned pairs by
themselves satisfy rules 2–5; no solver is needed to decide it or to name the culprits. The culprits come
back as facts (`PinConflict`); the CLI renders them in English, the app words them itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from solver.check import Rule
from solver.model import Pair, Problem

ENGLISH = {
    Rule.SITES: "{gp} is pinned at site {site}, where they do not work",
    Rule.TARGET: "{count} GPs are pinned on shift {shift}, target is {limit}",
    Rule.MAX_SHIFTS: "{count} shifts pinned to {gp}, limit {limit}",
    Rule.MAX_PER_WEEK: "{count} shifts pinned to {gp} in one week, limit {limit}",
    Rule.MAX_SATURDAYS: "{count} Saturdays pinned to {gp}, limit {limit}",
    Rule.OVERLAP: "{gp} is pinned on overlapping shifts {shift} and {other}",
    Rule.SAME_DAY: "{gp} is pinned on two shifts of the same day, {shift} and {other}",
}


@dataclass(frozen=True)
class PinConflict:
    """Pinned pairs that break `rule` together; `count` pins against `limit` when the rule is a limit."""

    rule: Rule
    pins: tuple[Pair, ...]
    count: int | None = None
    limit: int | None = None
    site: str | None = None

    @property
    def gps(self) -> list[str]:
        return sorted({g for g, _ in self.pins})

    @property
    def shifts(self) -> list[str]:
        return sorted({s for _, s in self.pins})

    def __str__(self) -> str:
        """The English line `python -m solver solve` prints."""
        shifts = self.shifts + [None, None]
        fields = {"gp": ", ".join(self.gps), "shift": shifts[0], "other": shifts[1], "site": self.site}
        return ENGLISH[self.rule].format(count=self.count, limit=self.limit, **fields)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form in the solution document's `conflicts`."""
        return {
            "rule": str(self.rule),
            "pins": [[g, s] for g, s in self.pins],
            "count": self.count,
            "limit": self.limit,
            "site": self.site,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PinConflict:
        pins = tuple((str(g), str(s)) for g, s in data.get("pins") or [])
        return cls(Rule(data["rule"]), pins, data.get("count"), data.get("limit"), data.get("site"))


def _conflict(pins: list[Pair], rule: Rule, **facts: Any) -> PinConflict:
    return PinConflict(rule, tuple(sorted(pins)), **facts)


def _per_gp(problem: Problem, gp: str, shifts: list[str]) -> list[PinConflict]:
    g, out = problem.gp(gp), []
    pins = [(gp, s) for s in shifts]
    groups = {
        Rule.MAX_SHIFTS: {None: shifts},
        Rule.MAX_PER_WEEK: _group(problem, shifts, lambda s: s.week),
        Rule.MAX_SATURDAYS: {True: [s for s in shifts if problem.shift(s).saturday]},
    }
    for rule, by in groups.items():
        cap = getattr(g, rule)
        for members in by.values():
            if cap is not None and len(members) > cap:
                out.append(_conflict([(gp, s) for s in members], rule, count=len(members), limit=cap))
    for i, (_, a) in enumerate(pins):
        for _, b in pins[i + 1 :]:
            sa, sb = problem.shift(a), problem.shift(b)
            if sa.start_utc < sb.end_utc and sb.start_utc < sa.end_utc:
                out.append(_conflict([(gp, a), (gp, b)], Rule.OVERLAP))
            elif problem.one_shift_per_day and sa.day == sb.day:
                out.append(_conflict([(gp, a), (gp, b)], Rule.SAME_DAY))
    return out


def _group(problem: Problem, shifts: list[str], key: Any) -> dict[Any, list[str]]:
    out: dict[Any, list[str]] = defaultdict(list)
    for s in shifts:
        out[key(problem.shift(s))].append(s)
    return out


def pin_conflicts(problem: Problem) -> list[PinConflict]:
    """Every way the pins break a hard rule, each naming the pins and the rule; empty when they are compatible."""
    out = []
    by_gp: dict[str, list[str]] = defaultdict(list)
    by_shift: dict[str, list[str]] = defaultdict(list)
    for gp, sid in problem.pinned:
        by_gp[gp].append(sid)
        by_shift[sid].append(gp)
        site = problem.shift(sid).site
        if not problem.gp(gp).allows_site(site):
            out.append(_conflict([(gp, sid)], Rule.SITES, site=site))
    for sid, gps in by_shift.items():
        target = problem.shift(sid).target
        if len(gps) > target:
            out.append(_conflict([(g, sid) for g in gps], Rule.TARGET, count=len(gps), limit=target))
    for gp, shifts in by_gp.items():
        out.extend(_per_gp(problem, gp, shifts))
    return out
