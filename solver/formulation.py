"""The engine-neutral integer linear model: variables, rows and one objective per score key.

CP-SAT and HiGHS translate the same `LinearModel`, so both engines solve exactly the same model. The rules write
it through a `Context`; `build.py` applies them (this module imports no rule, so rules can import it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from solver.model import Pair, Problem

Terms = dict[int, int]


class AtMost(NamedTuple):
    """A row Σ coef·var <= hi that an engine adds on top of the model (a finished stage, a tested cap)."""

    terms: Terms
    hi: int


@dataclass
class Row:
    """lo <= Σ coef·var <= hi (None: unbounded side)."""

    terms: Terms
    lo: int | None
    hi: int | None
    name: str


@dataclass
class Objective:
    """A score key as Σ coef·var + constant: the value is exact, not scaled.

    `floor`: a lower bound the hard rules imply, where the rule states one that the variables' own bounds do
    not give (LinearModel.floor combines both).
    """

    terms: Terms
    constant: int = 0
    floor: int | None = None


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

    def floor(self, key: str) -> int:
        """A lower bound on the key known without solving anything: each variable at its cheaper bound, or the
        rule's own floor (Objective.floor) when higher. A roster at it is optimal on that key, no LP needed."""
        obj = self.objectives[key]
        low = obj.constant + sum(c * (self.lb[v] if c > 0 else self.ub[v]) for v, c in obj.terms.items())
        return low if obj.floor is None else max(low, obj.floor)


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
