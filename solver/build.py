"""From a problem to the linear model: the eligible pairs as variables (rule 2), then every hard and soft rule."""

from __future__ import annotations

import math
from functools import reduce

from solver.formulation import Context, LinearModel
from solver.model import Pair, Problem
from solver.rules import HARD_RULES
from solver.score import SOFT_RULES


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
    for rule in HARD_RULES:
        rule(ctx)
    for key, soft in SOFT_RULES.items():
        model.objectives[key] = soft(ctx)
    return ctx
