"""The six score keys as exact linear objectives (soft rules), in rank order.

Every key is an integer, so each objective is an integer expression with its true value, never a scaled one.
"""

from __future__ import annotations

from collections.abc import Callable

from solver.formulation import Context, Objective


def uncovered(ctx: Context) -> Objective:
    """Soft: Σ priority·max(0, min − n) — a site that cannot open is the worst outcome (rank 1)."""
    terms: dict[int, int] = {}
    for s in ctx.problem.shifts:
        if s.min == 0:
            continue
        gps = ctx.by_shift[s.id]
        # short = max(0, min - n) at the optimum: the row forces short >= min - n and the objective pushes it down.
        short = ctx.model.var(f"short[{s.id}]", max(0, s.min - len(gps)), s.min)
        row = {ctx.x(g, s.id): 1 for g in gps}
        row[short] = 1
        ctx.model.add(row, s.min, None, f"short[{s.id}]")
        ctx.short[s.id] = short
        terms[short] = s.priority
    return Objective(terms)


def removed(ctx: Context) -> Objective:
    """Soft: previous pairs missing from the roster — keep what was published (rank 2)."""
    terms = {ctx.model.x[p]: -1 for p in ctx.problem.previous if p in ctx.model.x}
    return Objective(terms, len(ctx.problem.previous))


def understaffed(ctx: Context) -> Objective:
    """Soft: Σ priority·(target − n) — staff up to target; n <= target is a hard rule (rank 3)."""
    terms = {ctx.x(g, s.id): -s.priority for s in ctx.problem.shifts for g in ctx.by_shift[s.id]}
    # A shift never gets more than min(target, eligible GPs): the floor the variables' bounds alone do not see.
    floor = sum(s.priority * (s.target - min(s.target, len(ctx.by_shift[s.id]))) for s in ctx.problem.shifts)
    return Objective(terms, sum(s.priority * s.target for s in ctx.problem.shifts), floor)


def max_load(ctx: Context) -> Objective:
    """Soft: the largest load, history included (rank 4)."""
    gps = ctx.problem.gps
    if not gps:
        return Objective({}, 0)
    floor = max(g.history_minutes for g in gps)
    ceiling = max(g.history_minutes + ctx.unit * ctx.max_units(g.id) for g in gps)
    if ceiling == floor:
        return Objective({}, floor)
    top = ctx.model.var("max_load", floor, ceiling)
    ctx.top = top
    for g in gps:
        if ctx.by_gp[g.id]:
            row = {ctx.x(g.id, s): ctx.unit * ctx.units(s) for s in ctx.by_gp[g.id]}
            row[top] = -1
            ctx.model.add(row, None, -g.history_minutes, f"max_load[{g.id}]")
    return Objective({top: 1})


def load_sq(ctx: Context) -> Objective:
    """Soft: Σ load² — share the work evenly, counting history (rank 5).

    load = h + unit·k with k the integer count of shift-units, and (h + unit·k)² is convex in k, so it is
    the sum of increasing marginal costs c_j = f(j) − f(j−1) over j = 1..k. With ordered 0/1 steps y_j
    (Σ y_j = k, y_j >= y_{j+1}) the objective Σ c_j·y_j is exact on integers and its LP relaxation is the
    convex hull of the square: no product, no approximation.
    """
    terms: dict[int, int] = {}
    constant = 0
    u = ctx.unit
    for g in ctx.problem.gps:
        h = g.history_minutes
        constant += h * h
        top = ctx.max_units(g.id)
        if top == 0:
            continue
        steps = [ctx.model.var(f"step[{g.id},{j}]", 0, 1) for j in range(1, top + 1)]
        ctx.steps[g.id] = steps
        row = {ctx.x(g.id, s): ctx.units(s) for s in ctx.by_gp[g.id]}
        for y in steps:
            row[y] = -1
        ctx.model.add(row, 0, 0, f"units[{g.id}]")
        for j, (y, y_next) in enumerate(zip(steps, steps[1:], strict=False), start=1):
            ctx.model.add({y: 1, y_next: -1}, 0, None, f"step_order[{g.id},{j}]")
        for j, y in enumerate(steps, start=1):
            terms[y] = (h + u * j) ** 2 - (h + u * (j - 1)) ** 2
    return Objective(terms, constant)


def unpreferred(ctx: Context) -> Objective:
    """Soft: assignments at level 'available' (not preferred, not pinned) — honour preferences (rank 6)."""
    pinned = ctx.problem.pinned_set
    terms = {
        v: 1
        for (gp, sid), v in ctx.model.x.items()
        if (gp, sid) not in pinned and ctx.problem.gp(gp).availability.get(sid) == "available"
    }
    return Objective(terms)


SOFT_RULES: dict[str, Callable[[Context], Objective]] = {
    "uncovered": uncovered,
    "removed": removed,
    "understaffed": understaffed,
    "max_load": max_load,
    "load_sq": load_sq,
    "unpreferred": unpreferred,
}
