"""Greedy engine: what a careful coordinator does with a spreadsheet, then local improvement.

Pins first, then the published roster, then the scarcest shifts filled with the least-loaded GP, first to
`min`, then to `target`; then one-step repairs of uncovered shifts and load-levelling replacements.
"""

from __future__ import annotations

from collections import Counter

from solver.engines.base import EngineResult
from solver.model import Pair, Problem
from solver.params import SolveParams
from solver.roster import Roster


def _fill(r: Roster, need: str, by_shift: dict[str, list[str]]) -> None:
    """Fill each shift up to `need` ('min' or 'target'), scarcest and most important shifts first."""
    problem = r.problem
    order = sorted(problem.shifts, key=lambda s: (-s.priority, len(by_shift[s.id]), s.start_utc))
    for s in order:
        goal = s.min if need == "min" else s.target
        while r.count(s.id) < goal:
            free = [g for g in by_shift[s.id] if not r.blockers(g, s.id)]
            if not free:
                break
            # Least loaded first; among equals the one who prefers the shift, then the one with fewer options.
            best = min(free, key=lambda g: (r.load[g], problem.gp(g).availability.get(s.id) != "preferred", g))
            r.add(best, s.id)


def _repair(r: Roster, by_shift: dict[str, list[str]]) -> None:
    """Cover a shift below `min` by moving a GP off a shift that stays at or above its own `min`."""
    problem = r.problem
    for s in problem.shifts:
        for g in by_shift[s.id]:
            if r.count(s.id) >= s.min:
                break
            blockers = r.blockers(g, s.id)
            if set(blockers) - {"same_day", "overlap", "max_per_week", "max_shifts", "max_saturdays"}:
                continue
            for other in sorted(r.of_gp[g]):
                o = problem.shift(other)
                if (g, other) in problem.pinned_set or r.count(other) - 1 < o.min or o.priority > s.priority:
                    continue
                r.remove(g, other)
                if not r.blockers(g, s.id):
                    r.add(g, s.id)
                    break
                r.add(g, other)


def _augment(r: Roster, by_shift: dict[str, list[str]], params: SolveParams) -> None:
    """Two-step augmenting chains: g leaves s2 for the short shift s, and a free GP takes s2 — the
    coordinator's "could you swap with …" phone call. Pinned and published pairs never move."""
    problem = r.problem
    keep = problem.pinned_set | set(problem.previous)
    for _ in range(3):
        moved = False
        short = [s for s in problem.shifts if r.count(s.id) < s.target]
        short.sort(key=lambda s: (r.count(s.id) >= s.min, -s.priority, s.start_utc))
        for s in short:
            if params.remaining() <= 0:
                return
            for g in by_shift[s.id]:
                if r.count(s.id) >= s.target:
                    break
                if g in r.on_shift[s.id]:
                    continue
                if not r.blockers(g, s.id):
                    r.add(g, s.id)
                    moved = True
                    continue
                for other in sorted(r.of_gp[g]):
                    o = problem.shift(other)
                    if (g, other) in keep or o.priority > s.priority and r.count(other) <= o.min:
                        continue
                    r.remove(g, other)
                    if not r.blockers(g, s.id):
                        r.add(g, s.id)
                        taker = next((h for h in by_shift[other] if h != g and not r.blockers(h, other)), None)
                        if taker is not None:
                            r.add(taker, other)
                            moved = True
                            break
                        r.remove(g, s.id)
                    r.add(g, other)
        if not moved:
            return


def _improve(r: Roster, by_shift: dict[str, list[str]], params: SolveParams) -> None:
    """Replace a GP on a shift by another when the score (removed, max_load, load_sq, unpreferred) improves."""
    problem = r.problem
    previous = set(problem.previous)
    counts = Counter(r.load.values())

    def unpreferred(g: str, sid: str) -> int:
        return int(problem.gp(g).availability.get(sid) == "available")

    improved = True
    while improved and params.remaining() > 0:
        improved = False
        for g, sid in sorted(r.pairs(), key=lambda p: -r.load[p[0]]):
            if (g, sid) in problem.pinned_set:
                continue
            d = problem.shift(sid).minutes
            top = max(counts)
            for h in by_shift[sid]:
                if h == g or r.blockers(h, sid, ignore_target=True):
                    continue
                removed = ((h, sid) not in previous) - ((g, sid) not in previous)
                rest = top if counts[top] > (1 if r.load[g] == top else 0) else max(k for k in counts if k != top)
                new_top = max(rest, r.load[g] - d, r.load[h] + d)
                square = (r.load[g] - d) ** 2 + (r.load[h] + d) ** 2 - r.load[g] ** 2 - r.load[h] ** 2
                delta = (removed, new_top - top, square, unpreferred(h, sid) - unpreferred(g, sid))
                if delta < (0, 0, 0, 0):
                    for who in (g, h):
                        counts[r.load[who]] -= 1
                        if not counts[r.load[who]]:
                            del counts[r.load[who]]
                    r.remove(g, sid)
                    r.add(h, sid)
                    counts.update((r.load[g], r.load[h]))
                    improved = True
                    break


def greedy_roster(problem: Problem, params: SolveParams, cap: int | None = None, improve: bool = True) -> list[Pair]:
    """The greedy roster (valid whenever the pins are); with `cap`, no GP's load goes above it (pins aside)."""
    r = Roster(problem, cap=cap)
    by_shift: dict[str, list[str]] = {s.id: [] for s in problem.shifts}
    for g, sid in sorted(r.eligible):
        by_shift[sid].append(g)
    for g, sid in problem.pinned:
        r.add(g, sid)
    for g, sid in problem.previous:
        if not r.blockers(g, sid):
            r.add(g, sid)
    _fill(r, "min", by_shift)
    _repair(r, by_shift)
    _fill(r, "min", by_shift)
    _fill(r, "target", by_shift)
    _augment(r, by_shift, params)
    if improve:
        _improve(r, by_shift, params)
    return r.pairs()


def improve_roster(problem: Problem, pairs: list[Pair], params: SolveParams) -> list[Pair]:
    """Load-levelling replacements on an existing roster: coverage stays, removed/max_load never worsen."""
    r = Roster(problem, pairs)
    by_shift: dict[str, list[str]] = {s.id: [] for s in problem.shifts}
    for g, sid in sorted(r.eligible):
        by_shift[sid].append(g)
    _improve(r, by_shift, params)
    return r.pairs()


def solve_greedy(problem: Problem, params: SolveParams) -> EngineResult:
    """Greedy never proves anything: its status is at best `feasible`."""
    pairs = greedy_roster(problem, params)
    params.report("greedy", None, None, f"{len(pairs)} assignments")
    return EngineResult(pairs, False, [], params.elapsed())
