"""CP-SAT model of a Curtois–Qu instance: one function per rule, soft rules as weighted penalty terms.

Decision: x[e, d, t] is true when employee e works shift type t on day d; w[e, d] is "works on d".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from ortools.sat.python import cp_model

from solver.curtois.evaluate import Roster
from solver.curtois.instance import Employee, Instance

# Builds the expression in C++, where Python's sum adds one term at a time: a sixth of a window's build
# (window.py), half of the one-type pattern models' (construct.py).
linear_sum = cp_model.LinearExpr.sum
# A literal of a model that fixes part of the roster (window.py, construct.py's patterns): a Boolean variable,
# or a constant where the day is fixed.
Literal = cp_model.IntVar | bool


def negate(literal: Literal) -> Literal:
    return (not literal) if isinstance(literal, bool) else ~literal


def add_clause(model: cp_model.CpModel, literals: list[Literal]) -> None:
    """At least one of `literals` holds: nothing to add when a constant one is true, the constant false ones
    left out (all of them false: an empty clause, the model infeasible)."""
    if any(lit is True for lit in literals):
        return
    model.add_bool_or([lit for lit in literals if not isinstance(lit, bool)])


@dataclass(frozen=True)
class Penalty:
    """A named soft term: `weight` is paid per unit of `term` (a literal, or a cover shortfall/excess)."""

    name: str
    term: cp_model.IntVar | cp_model.LinearExprT
    weight: int


class CoverSlack(NamedTuple):
    """One cover line's shortfall and excess variables and what each unit of them costs."""

    under: cp_model.IntVar
    over: cp_model.IntVar
    weight_under: int
    weight_over: int


@dataclass
class Context:
    instance: Instance
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: dict[tuple[str, int, str], cp_model.IntVar] = field(default_factory=dict)
    works: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    # One per cover line, in the instance's order: see cover() and exact_penalty().
    cover_slacks: list[CoverSlack] = field(default_factory=list)

    def __post_init__(self) -> None:
        for e in self.instance.employees:
            for d in range(self.instance.horizon):
                for t in self.instance.shift_ids:
                    self.x[e.id, d, t] = self.model.new_bool_var(f"x[{e.id},{d},{t}]")
                self.works[e.id, d] = self.model.new_bool_var(f"w[{e.id},{d}]")

    def shifts_of(self, e: Employee, d: int) -> list[cp_model.IntVar]:
        return [self.x[e.id, d, t] for t in self.instance.shift_ids]


def one_shift_per_day(ctx: Context) -> None:
    """Hard: at most one shift per employee per day; w[e, d] is exactly "some shift on d"."""
    for e in ctx.instance.employees:
        for d in range(ctx.instance.horizon):
            ctx.model.add(linear_sum(ctx.shifts_of(e, d)) == ctx.works[e.id, d])


def shift_rotation(ctx: Context) -> None:
    """Hard: shift t may not be worked the day after a shift s that forbids it."""
    for e in ctx.instance.employees:
        for s in ctx.instance.shifts:
            for t in s.forbidden_next:
                for d in range(ctx.instance.horizon - 1):
                    ctx.model.add_bool_or([~ctx.x[e.id, d, s.id], ~ctx.x[e.id, d + 1, t]])


def max_shifts_per_type(ctx: Context) -> None:
    """Hard: employee e works shift type t at most MaxShifts[t] times (0 forbids the type)."""
    horizon = ctx.instance.horizon
    for e in ctx.instance.employees:
        for t, limit in e.max_shifts.items():
            if limit < horizon:  # a limit >= H cannot bind; skip the useless constraint
                ctx.model.add(linear_sum([ctx.x[e.id, d, t] for d in range(horizon)]) <= limit)


def total_minutes(ctx: Context) -> None:
    """Hard: the worked minutes of each employee lie in [MinTotalMinutes, MaxTotalMinutes]."""
    for e in ctx.instance.employees:
        days = range(ctx.instance.horizon)
        minutes = cp_model.LinearExpr.weighted_sum(
            [ctx.x[e.id, d, s.id] for d in days for s in ctx.instance.shifts],
            [s.minutes for _ in days for s in ctx.instance.shifts],
        )
        ctx.model.add_linear_constraint(minutes, e.min_minutes, e.max_minutes)


def max_consecutive_shifts(ctx: Context) -> None:
    """Hard: every window of MaxConsecutiveShifts + 1 days inside the horizon holds a day off."""
    horizon = ctx.instance.horizon
    for e in ctx.instance.employees:
        span = e.max_consecutive + 1
        for start in range(horizon - span + 1):
            ctx.model.add(linear_sum([ctx.works[e.id, d] for d in range(start, start + span)]) <= e.max_consecutive)


def _forbid_short_runs(ctx: Context, e: Employee, minimum: int, working: bool) -> None:
    # A run (of working days, or of days off) that starts on d >= 1 must still be running on d + k for
    # every k < minimum with d + k inside the horizon: either it reaches `minimum` days or it touches the
    # last day, which the benchmark exempts. As a clause: state[d-1] or not state[d] or state[d+k].
    # These 3-literal clauses imply every "short run" pattern and give a tighter LP than the long clauses.
    horizon = ctx.instance.horizon

    def state(d: int) -> cp_model.IntVar:
        return ctx.works[e.id, d] if working else ~ctx.works[e.id, d]

    for start in range(1, horizon):
        for k in range(1, minimum):
            if start + k < horizon:
                ctx.model.add_bool_or([state(start - 1), ~state(start), state(start + k)])


def min_consecutive_shifts(ctx: Context) -> None:
    """Hard: runs of working days not touching a horizon end last at least MinConsecutiveShifts."""
    for e in ctx.instance.employees:
        _forbid_short_runs(ctx, e, e.min_consecutive, working=True)


def min_consecutive_days_off(ctx: Context) -> None:
    """Hard: runs of days off not touching a horizon end last at least MinConsecutiveDaysOff."""
    for e in ctx.instance.employees:
        _forbid_short_runs(ctx, e, e.min_days_off, working=False)


def max_weekends(ctx: Context) -> None:
    """Hard: at most MaxWeekends weekends with a shift on Saturday or Sunday."""
    for e in ctx.instance.employees:
        worked = []
        for k in range(ctx.instance.weekends):
            # y only needs to be an upper bound of "works Saturday or Sunday" for the limit to hold.
            y = ctx.model.new_bool_var(f"weekend[{e.id},{k}]")
            ctx.model.add_implication(ctx.works[e.id, 7 * k + 5], y)
            ctx.model.add_implication(ctx.works[e.id, 7 * k + 6], y)
            worked.append(y)
        ctx.model.add(linear_sum(worked) <= e.max_weekends)


def days_off(ctx: Context) -> None:
    """Hard: no shift on the employee's days off."""
    for e in ctx.instance.employees:
        for d in e.days_off:
            ctx.model.add(ctx.works[e.id, d] == 0)


def shift_on_requests(ctx: Context) -> list[Penalty]:
    """Soft: pay the weight when the requested shift is not the one assigned that day."""
    return [
        Penalty(f"on {r.employee} day {r.day} {r.shift}", ~ctx.x[r.employee, r.day, r.shift], r.weight)
        for r in ctx.instance.on_requests
    ]


def shift_off_requests(ctx: Context) -> list[Penalty]:
    """Soft: pay the weight when the shift the employee asked not to work is assigned."""
    return [
        Penalty(f"off {r.employee} day {r.day} {r.shift}", ctx.x[r.employee, r.day, r.shift], r.weight)
        for r in ctx.instance.off_requests
    ]


def cover(ctx: Context) -> list[Penalty]:
    """Soft: pay weight_under per missing and weight_over per extra employee on each (day, shift).

    assigned + under - over = requirement, both paid: at an optimum one of them is 0, so the objective is the
    penalty. A time-limited roster may carry both on one (day, shift) and its objective then overstates its
    penalty; `exact_penalty` takes that out. Measured against the exact under = max(0, -excess) of
    AddMaxEquality, 60 s, 2 workers: Instance5 1 146 against 1 245, Instance8 1 431 against 1 701, Instance10
    4 873 against 5 068 — the plain equality gives a much better LP.
    """
    staff = len(ctx.instance.employees)
    out = []
    for c in ctx.instance.cover:
        assigned = linear_sum([ctx.x[e.id, c.day, c.shift] for e in ctx.instance.employees])
        under = ctx.model.new_int_var(0, max(0, c.requirement), f"under[{c.day},{c.shift}]")
        over = ctx.model.new_int_var(0, max(0, staff - c.requirement), f"over[{c.day},{c.shift}]")
        ctx.model.add(assigned + under - over == c.requirement)
        ctx.cover_slacks.append(CoverSlack(under, over, c.weight_under, c.weight_over))
        out += [
            Penalty(f"under {c.day} {c.shift}", under, c.weight_under),
            Penalty(f"over {c.day} {c.shift}", over, c.weight_over),
        ]
    return out


def exact_penalty(ctx: Context, objective: int, value: Callable[[cp_model.IntVar], int]) -> int:
    """A solution's penalty: its objective less what a (day, shift) paid for being both under and over."""
    return objective - sum(
        min(value(s.under), value(s.over)) * (s.weight_under + s.weight_over) for s in ctx.cover_slacks
    )


HARD_RULES = (
    one_shift_per_day,
    shift_rotation,
    max_shifts_per_type,
    total_minutes,
    max_consecutive_shifts,
    min_consecutive_shifts,
    min_consecutive_days_off,
    max_weekends,
    days_off,
)
SOFT_RULES = (shift_on_requests, shift_off_requests, cover)


def build_model(instance: Instance) -> tuple[Context, list[Penalty]]:
    """All hard rules as constraints, the weighted sum of all soft penalties as the objective."""
    ctx = Context(instance)
    for rule in HARD_RULES:
        rule(ctx)
    penalties = [p for rule in SOFT_RULES for p in rule(ctx)]
    ctx.model.minimize(cp_model.LinearExpr.weighted_sum([p.term for p in penalties], [p.weight for p in penalties]))
    return ctx, penalties


def configure(solver: cp_model.CpSolver, seconds: float, workers: int, seed: int) -> None:
    """Time, workers, seed, and the LP settings that matter here."""
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    # With cuts the LP bound is close (Instance8: 1 249 against the optimum 1 300), but the default
    # 2-worker portfolio's LP worker added no cuts (Instance4 bound stuck at 200, optimum 1 716); the
    # max_lp worker (linearization level 2, cuts) proves Instances 2-3 in seconds.
    if workers > 1:
        solver.parameters.subsolvers.append("max_lp")
    else:
        solver.parameters.linearization_level = 2


def extract_roster(ctx: Context, solver: cp_model.CpSolver) -> Roster:
    """Read the x variables back into employee -> [shift id or None per day]."""
    roster: Roster = {}
    for e in ctx.instance.employees:
        days: list[str | None] = []
        for d in range(ctx.instance.horizon):
            worked = [t for t in ctx.instance.shift_ids if solver.boolean_value(ctx.x[e.id, d, t])]
            days.append(worked[0] if worked else None)
        roster[e.id] = days
    return roster
