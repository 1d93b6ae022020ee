"""The engine-neutral integer linear model: variables, rows and one objective per score key.

CP-SAT and HiGHS translate the same `LinearModel`, so both engines solve exactly the same model.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from solver.model import Pair, Problem

Terms = dict[int, int]


@dataclass
class Row:
    """lo <= Σ coef·var <= hi (None: unbounded side)."""

    terms: Terms
    lo: int | None
    hi: int | None
    name: str


@dataclass
class Objective:
    """A score key as Σ coef·var + constant: the value is exact, not scaled."""

    terms: Terms
    constant: int = 0


@dataclass
class LinearModel:
    """Integer variables with bounds, linear rows, and the six objectives in rank order."""

    lb: list[int] = field(default_factory=list)
    ub: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    objectives: dict[str, Objective] = field(default_factory=dict)
    x: dict[Pair, int] = field(default_factory=dict)

    def var(self, name: str, lb: int, ub: int) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.names.append(name)
        return len(self.lb) - 1

    def add(self, terms: Terms, lo: int | None, hi: int | None, name: str) -> None:
        self.rows.append(Row(terms, lo, hi, name))

    def value(self, key: str, values: list[int]) -> int:
        obj = self.objectives[key]
        return obj.constant + sum(c * values[v] for v, c in obj.terms.items())


@dataclass
class Context:
    """What the rules read (the problem and its eligible pairs, grouped) and the model they write to."""

    problem: Problem
    model: LinearModel
    by_gp: dict[str, list[str]]
    by_shift: dict[str, list[str]]
    unit: int
    short: dict[str, int] = field(default_factory=dict)
    top: int | None = None
    steps: dict[str, list[int]] = field(default_factory=dict)

    def x(self, gp: str, shift: str) -> int:
        return self.model.x[(gp, shift)]

    def units(self, shift: str) -> int:
        return self.problem.shift(shift).minutes // self.unit

    def groups(self, gp: str, key: str) -> dict[object, list[str]]:
        """The GP's eligible shifts grouped by 'day', 'week' or 'saturday'."""
        out: dict[object, list[str]] = defaultdict(list)
        for sid in self.by_gp[gp]:
            s = self.problem.shift(sid)
            if key == "day":
                out[s.day].append(sid)
            elif key == "week":
                out[s.week].append(sid)
            elif s.saturday:
                out[True].append(sid)
        return out

    def max_units(self, gp: str) -> int:
        """An upper bound on the GP's shift-units: the longest shifts, as many as `max_shifts` allows."""
        sizes = sorted((self.units(s) for s in self.by_gp[gp]), reverse=True)
        cap = self.problem.gp(gp).max_shifts
        return sum(sizes if cap is None else sizes[:cap])


def values_for(ctx: Context, pairs: list[Pair]) -> list[int]:
    """A complete assignment of the model's variables for a roster (x, then the auxiliaries it implies)."""
    model, problem = ctx.model, ctx.problem
    values = [0] * len(model.lb)
    count = dict.fromkeys(ctx.by_shift, 0)
    units = dict.fromkeys(ctx.by_gp, 0)
    for gp, sid in pairs:
        values[model.x[(gp, sid)]] = 1
        count[sid] += 1
        units[gp] += ctx.units(sid)
    for sid, v in ctx.short.items():
        values[v] = max(0, problem.shift(sid).min - count[sid])
    if ctx.top is not None:
        values[ctx.top] = max(g.history_minutes + ctx.unit * units[g.id] for g in problem.gps)
    for gp, steps in ctx.steps.items():
        for j, v in enumerate(steps, start=1):
            values[v] = int(j <= units[gp])
    return values


def canonical(ctx: Context, values: list[int]) -> list[int]:
    """The same roster with its auxiliaries at their tightest (e.g. max_load equal to the real largest load),
    so a stage's reported value is the checker's value even when that rank was not being minimised."""
    return values_for(ctx, [pair for pair, v in ctx.model.x.items() if values[v] > 0])


def eligible_pairs(problem: Problem) -> list[Pair]:
    """Hard rule 2 as a domain: only pairs the GP may take get a variable at all."""
    pairs = []
    for g in problem.gps:
        shift_ids = list(g.availability) + [s for gp, s in problem.pinned if gp == g.id and s not in g.availability]
        for sid in shift_ids:
            if g.allows_site(problem.shift(sid).site):
                pairs.append((g.id, sid))
    return pairs


def build(problem: Problem) -> Context:
    """Create the x variables and apply every hard rule and soft rule to a fresh model."""
    from solver import rules, score

    model = LinearModel()
    by_gp: dict[str, list[str]] = {g.id: [] for g in problem.gps}
    by_shift: dict[str, list[str]] = {s.id: [] for s in problem.shifts}
    for gp, sid in eligible_pairs(problem):
        model.x[(gp, sid)] = model.var(f"x[{gp},{sid}]", 0, 1)
        by_gp[gp].append(sid)
        by_shift[sid].append(gp)
    # Loads are counted in units of the gcd of shift lengths, so squares are functions of a small integer.
    unit = reduce(math.gcd, (s.minutes for s in problem.shifts), 0) or 1
    ctx = Context(problem, model, by_gp, by_shift, unit)
    for rule in rules.HARD_RULES:
        rule(ctx)
    for key, soft in score.SOFT_RULES.items():
        model.objectives[key] = soft(ctx)
    return ctx
