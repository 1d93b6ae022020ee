"""An incremental roster: who works what, and which hard rule would stop one more assignment.

Shared by the greedy engine (to build and repair) and by the diagnostics (to explain an uncovered shift).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from solver.build import eligible_pairs
from solver.model import Pair, Problem, Shift


class Roster:
    """Assignments with per-GP counters, so `blockers` answers in time proportional to the GP's shifts."""

    def __init__(self, problem: Problem, pairs: list[Pair] | None = None, cap: int | None = None) -> None:
        self.problem = problem
        self.cap = cap  # an optional ceiling on every GP's load (used to test a max_load value)
        self.eligible = set(eligible_pairs(problem))
        self.on_shift: dict[str, set[str]] = defaultdict(set)
        self.of_gp: dict[str, set[str]] = defaultdict(set)
        self.week: Counter[tuple[str, tuple[int, int]]] = Counter()
        self.saturdays: Counter[str] = Counter()
        self.load = {g.id: g.history_minutes for g in problem.gps}
        for gp, sid in pairs or []:
            self.add(gp, sid)

    def pairs(self) -> list[Pair]:
        return [(g, s) for g, shifts in self.of_gp.items() for s in shifts]

    def count(self, shift_id: str) -> int:
        return len(self.on_shift[shift_id])

    def add(self, gp: str, shift_id: str) -> None:
        s = self.problem.shift(shift_id)
        self.on_shift[shift_id].add(gp)
        self.of_gp[gp].add(shift_id)
        self.week[(gp, s.week)] += 1
        self.saturdays[gp] += s.saturday
        self.load[gp] += s.minutes

    def remove(self, gp: str, shift_id: str) -> None:
        s = self.problem.shift(shift_id)
        self.on_shift[shift_id].discard(gp)
        self.of_gp[gp].discard(shift_id)
        self.week[(gp, s.week)] -= 1
        self.saturdays[gp] -= s.saturday
        self.load[gp] -= s.minutes

    def clashes(self, gp: str, shift: Shift) -> list[tuple[str, str]]:
        """(rule, shift id) for each of the GP's shifts that overlaps `shift` or falls on its day."""
        out = []
        for other_id in self.of_gp[gp]:
            if other_id == shift.id:
                continue
            other = self.problem.shift(other_id)
            if other.start_utc < shift.end_utc and shift.start_utc < other.end_utc:
                out.append(("overlap", other_id))
            elif self.problem.one_shift_per_day and other.day == shift.day:
                out.append(("same_day", other_id))
        return out

    def blockers(self, gp: str, shift_id: str, ignore_target: bool = False) -> list[str]:
        """The hard rules that forbid adding (gp, shift) now; empty when it may be added."""
        if (gp, shift_id) not in self.eligible:
            return ["unavailable"]
        if gp in self.on_shift[shift_id]:
            return ["already_assigned"]
        s, g = self.problem.shift(shift_id), self.problem.gp(gp)
        out: list[str] = []
        if not ignore_target and self.count(shift_id) >= s.target:
            out.append("target")
        if g.max_shifts is not None and len(self.of_gp[gp]) >= g.max_shifts:
            out.append("max_shifts")
        if g.max_per_week is not None and self.week[(gp, s.week)] >= g.max_per_week:
            out.append("max_per_week")
        if s.saturday and g.max_saturdays is not None and self.saturdays[gp] >= g.max_saturdays:
            out.append("max_saturdays")
        if self.cap is not None and self.load[gp] + s.minutes > self.cap:
            out.append("cap")
        for rule, other in self.clashes(gp, s):
            if rule not in out:
                out.append(rule)
            if (gp, other) in self.problem.pinned_set and "pinned_elsewhere" not in out:
                out.append("pinned_elsewhere")
        return out
