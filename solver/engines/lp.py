"""LP relaxation bounds with OR-Tools' GLOP, for the CP-SAT engine (in-process, no second solver library)."""

from __future__ import annotations

from ortools.linear_solver import pywraplp

from solver.formulation import AtMost, LinearModel, Terms


def lp_bound(model: LinearModel, terms: Terms, extra: list[AtMost]) -> float | None:
    """The LP relaxation's optimum of Σ terms under the model plus `extra` rows (Σ <= hi); None if not solved.

    A valid lower bound on the integer optimum: the CP-SAT engine uses it to pick the first max_load to try.
    """
    relaxation = Relaxation(model, extra)
    return relaxation.minimise(terms)


class Relaxation:
    """The model's LP relaxation, built once (GLOP): minimised for several objectives, rows added between."""

    def __init__(self, model: LinearModel, extra: list[AtMost]) -> None:
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        if self.lp is None:
            return
        inf = self.lp.infinity()
        self.columns = [self.lp.NumVar(lo, hi, "") for lo, hi in zip(model.lb, model.ub, strict=True)]
        rows = [(r.terms, -inf if r.lo is None else r.lo, inf if r.hi is None else r.hi) for r in model.rows]
        rows += [(row, -inf, hi) for row, hi in extra]
        for row, lo, hi in rows:
            self._row(row, lo, hi)

    def _row(self, terms: Terms, lo: float, hi: float) -> None:
        constraint = self.lp.Constraint(lo, hi)
        for v, c in terms.items():
            constraint.SetCoefficient(self.columns[v], c)

    def add(self, row: AtMost) -> None:
        if self.lp is not None:
            self._row(row.terms, -self.lp.infinity(), row.hi)

    def minimise(self, terms: Terms) -> float | None:
        """The LP optimum of Σ terms; None if GLOP is missing or does not prove an optimum."""
        if self.lp is None:
            return None
        objective = self.lp.Objective()
        objective.Clear()
        for v, c in terms.items():
            objective.SetCoefficient(self.columns[v], c)
        objective.SetMinimization()
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        return float(objective.Value())
