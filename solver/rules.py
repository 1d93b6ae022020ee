"""Hard rules 3–6 of ROSTER_FORMAT.md as linear rows (rules 1–2 are the variables' domain)."""

from __future__ import annotations

from collections.abc import Callable

from solver.formulation import Context


def pinned(ctx: Context) -> None:
    """Hard: every pinned pair is assigned (rule 6)."""
    for pair in ctx.problem.pinned:
        if pair in ctx.model.x:
            ctx.model.lb[ctx.model.x[pair]] = 1


def shift_target(ctx: Context) -> None:
    """Hard: a shift has at most `target` GPs (rule 3)."""
    for s in ctx.problem.shifts:
        gps = ctx.by_shift[s.id]
        if len(gps) > s.target:
            ctx.model.add({ctx.x(g, s.id): 1 for g in gps}, None, s.target, f"target[{s.id}]")


def one_shift_per_day(ctx: Context) -> None:
    """Hard: with `one_shift_per_day`, a GP works at most one shift per calendar day (rule 4)."""
    if not ctx.problem.one_shift_per_day:
        return
    for g in ctx.problem.gps:
        for day, sids in ctx.groups(g.id, "day").items():
            if len(sids) > 1:
                ctx.model.add({ctx.x(g.id, s): 1 for s in sids}, None, 1, f"day[{g.id},{day}]")


def no_overlap(ctx: Context) -> None:
    """Hard: a GP's shifts never overlap in time (rule 4).

    Intervals overlap pairwise iff they share a start instant, so one row per start instant is the
    whole clique; rows already implied by the one-shift-per-day rule are skipped.
    """
    for g in ctx.problem.gps:
        shifts = [ctx.problem.shift(s) for s in ctx.by_gp[g.id]]
        for a in shifts:
            clique = [b for b in shifts if b.start_utc <= a.start_utc < b.end_utc]
            if len(clique) < 2 or (ctx.problem.one_shift_per_day and len({b.day for b in clique}) == 1):
                continue
            if any(b.start_utc == a.start_utc and b.id < a.id for b in clique):
                continue
            ctx.model.add({ctx.x(g.id, b.id): 1 for b in clique}, None, 1, f"overlap[{g.id},{a.id}]")


def _limit(ctx: Context, key: str, group: str) -> None:
    for g in ctx.problem.gps:
        cap = getattr(g, key)
        if cap is None:
            continue
        for label, sids in ctx.groups(g.id, group).items():
            if len(sids) > cap:
                ctx.model.add({ctx.x(g.id, s): 1 for s in sids}, None, cap, f"{key}[{g.id},{label}]")


def max_shifts(ctx: Context) -> None:
    """Hard: a GP works at most `max_shifts` shifts in the whole problem (rule 5)."""
    for g in ctx.problem.gps:
        if g.max_shifts is not None and len(ctx.by_gp[g.id]) > g.max_shifts:
            ctx.model.add({ctx.x(g.id, s): 1 for s in ctx.by_gp[g.id]}, None, g.max_shifts, f"max_shifts[{g.id}]")


def max_per_week(ctx: Context) -> None:
    """Hard: a GP works at most `max_per_week` shifts in one ISO week (rule 5)."""
    _limit(ctx, "max_per_week", "week")


def max_saturdays(ctx: Context) -> None:
    """Hard: a GP works at most `max_saturdays` shifts starting on a Saturday (rule 5)."""
    _limit(ctx, "max_saturdays", "saturday")


HARD_RULES: tuple[Callable[[Context], None], ...] = (
    pinned,
    shift_target,
    one_shift_per_day,
    no_overlap,
    max_shifts,
    max_per_week,
    max_saturdays,
)
