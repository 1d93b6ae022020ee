"""The lexicographic plan: which ranks each stage optimises, and how combined ranks stay exactly lexicographic.

Ranks 5 and 6 are solved as one objective W·(load_sq/g) + unpreferred. The pair is exact: load_sq/g changes by
whole units (g divides every load_sq coefficient), and W exceeds the whole range of the lower part, so one unit
of the higher rank outweighs any change of the lower one. Measured: stage-wise, CP-SAT cannot prove rank 6
behind a `load_sq <= v` row (60 GPs: bound 35 vs 57 after 30 s), while the combined objective is proven in ~1 s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce

from solver.formulation import LinearModel, Terms

PLAN: tuple[tuple[str, ...], ...] = (
    ("uncovered", "removed", "understaffed"),
    ("max_load",),
    ("load_sq", "unpreferred"),
)


@dataclass
class Part:
    """One rank inside a stage: its objective is constant + gcd·(scaled part), weighted by `weight`."""

    key: str
    weight: int
    gcd: int


@dataclass
class Stage:
    """A combined objective Σ weight·(objective − constant)/gcd over the stage's ranks."""

    keys: tuple[str, ...]
    terms: Terms
    parts: list[Part]

    @property
    def name(self) -> str:
        return "+".join(self.keys)

    def key_bounds(self, model: LinearModel, bound: int) -> dict[str, int]:
        """Lower bounds on each rank implied by a lower bound on the combined objective.

        Only the first rank gets a useful bound (the lower ones are bounded by 'whatever the higher allow');
        the first rank's bound subtracts the lower part's largest possible value, so it is never overstated.
        """
        first, rest = self.parts[0], self.parts[1:]
        high = sum(p.weight * _range(model, model.objectives[p.key].terms, p.gcd)[1] for p in rest)
        scaled = -(-(bound - high) // first.weight)
        return {first.key: model.objectives[first.key].constant + first.gcd * scaled}


def _range(model: LinearModel, terms: Terms, gcd: int) -> tuple[int, int]:
    """Smallest and largest value of Σ (coef/gcd)·var over the variables' bounds."""
    low = high = 0
    for v, c in terms.items():
        a, b = c // gcd * model.lb[v], c // gcd * model.ub[v]
        low += min(a, b)
        high += max(a, b)
    return low, high


def plan(model: LinearModel, groups: tuple[tuple[str, ...], ...] = PLAN) -> list[Stage]:
    """Stages in rank order; ranks whose objective is a constant need no stage and are left out."""
    stages = []
    for group in groups:
        keys = tuple(k for k in group if model.objectives[k].terms)
        if not keys:
            continue
        parts: list[Part] = []
        weight = 1
        # Build from the lowest rank up: each weight exceeds the range of everything below it.
        lower_range = 0
        for key in reversed(keys):
            terms = model.objectives[key].terms
            gcd = reduce(math.gcd, (abs(c) for c in terms.values()))
            parts.insert(0, Part(key, weight, gcd))
            low, high = _range(model, terms, gcd)
            lower_range += weight * (high - low)
            weight = lower_range + 1
        combined: Terms = {}
        for part in parts:
            for v, c in model.objectives[part.key].terms.items():
                combined[v] = combined.get(v, 0) + part.weight * (c // part.gcd)
        stages.append(Stage(keys, combined, parts))
    return stages
