"""Large-neighbourhood search by employees: re-solve a few employees' whole rosters, the others fixed.

Why: on the larger instances (50–60 staff, 10 shift types) one CP-SAT model of everything spends a
60 s budget on two cores mostly in presolve and the root LP, and its first rosters are poor. Cover is
the only rule linking employees, so a sub-problem "these k employees, everyone else fixed" is the
same model on a smaller instance whose requirements are reduced by what the fixed staff already
cover. Its objective is then the full penalty minus the fixed employees' request penalties (a
constant), so accepting a sub-problem's optimum never makes the whole roster worse.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Callable

from ortools.sat.python import cp_model

from solver.curtois.evaluate import Roster, evaluate
from solver.curtois.instance import Instance
from solver.curtois.model import build_model, configure, extract_roster
from solver.params import SolveParams

SUB_LIMIT = 2.0  # seconds per sub-problem: enough for 4-8 employees, short enough to try many
Improved = Callable[[Roster, int], None]


def sub_instance(instance: Instance, roster: Roster, free: set[str]) -> Instance:
    """The instance restricted to `free` employees, cover requirements net of everyone else's shifts."""
    fixed = Counter(
        (d, shift) for e, days in roster.items() if e not in free for d, shift in enumerate(days) if shift is not None
    )
    return dataclasses.replace(
        instance,
        employees=[e for e in instance.employees if e.id in free],
        on_requests=[r for r in instance.on_requests if r.employee in free],
        off_requests=[r for r in instance.off_requests if r.employee in free],
        cover=[dataclasses.replace(c, requirement=c.requirement - fixed[c.day, c.shift]) for c in instance.cover],
    )


def solve_employees(
    instance: Instance, roster: Roster, free: set[str], seconds: float, workers: int, seed: int
) -> tuple[Roster | None, bool]:
    """Best rosters for `free` given the others (None if none found in time), and whether proven optimal."""
    sub = sub_instance(instance, roster, free)
    ctx, _ = build_model(sub)
    for e in sub.employees:
        for d, shift in enumerate(roster.get(e.id, [])):
            for t in sub.shift_ids:
                ctx.model.add_hint(ctx.x[e.id, d, t], shift == t)
    solver = cp_model.CpSolver()
    configure(solver, max(0.01, seconds), workers, seed)
    status = solver.solve(ctx.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    return {**roster, **extract_roster(ctx, solver)}, status == cp_model.OPTIMAL


def construct(instance: Instance, params: SolveParams, rng: random.Random) -> Roster | None:
    """A first roster: each employee in turn gets their best roster given those already placed."""
    roster: Roster = {e.id: [None] * instance.horizon for e in instance.employees}
    order = [e.id for e in instance.employees]
    rng.shuffle(order)
    for employee in order:
        if params.remaining() <= 0:
            return None
        found, _ = solve_employees(instance, roster, {employee}, params.remaining(), 1, params.seed)
        if found is None:
            return None
        roster = found
    return roster


def _neighbourhood(instance: Instance, roster: Roster, size: int, rng: random.Random) -> set[str]:
    """Half the time, employees who could fill one under-covered (day, shift); otherwise any employees."""
    staff = [e.id for e in instance.employees]
    short = [c for c in instance.cover if sum(1 for days in roster.values() if days[c.day] == c.shift) < c.requirement]
    if short and rng.random() < 0.5:
        c = rng.choice(short)
        able = [
            e.id
            for e in instance.employees
            if e.max_shifts.get(c.shift, 0) > 0 and c.day not in e.days_off and roster[e.id][c.day] != c.shift
        ]
        if able:
            chosen = set(rng.sample(able, min(size, len(able))))
            rest = [e for e in staff if e not in chosen]
            return chosen | set(rng.sample(rest, min(size - len(chosen), len(rest))))
    return set(rng.sample(staff, min(size, len(staff))))


def improve(instance: Instance, roster: Roster, params: SolveParams, rng: random.Random, improved: Improved) -> Roster:
    """Re-solve neighbourhoods until the time is up; keep every roster at least as good (plateaus help)."""
    best = evaluate(instance, roster).penalty
    size = 3
    while params.remaining() > 0.2:
        free = _neighbourhood(instance, roster, size, rng)
        limit = min(SUB_LIMIT, params.remaining())
        found, proven = solve_employees(instance, roster, free, limit, params.workers, rng.randrange(1 << 30))
        if found is not None:
            evaluation = evaluate(instance, found)
            penalty = evaluation.penalty
            if evaluation.feasible and penalty <= best:
                if penalty < best:
                    improved(found, penalty)
                roster, best = found, penalty
        # Grow the neighbourhood while sub-problems are proven quickly, shrink it when they time out.
        size = min(size + 1, len(instance.employees)) if proven else max(2, size - 1)
    return roster
