"""LP relaxation bounds with OR-Tools' GLOP, for the CP-SAT engine (in-process, no second solver library)."""

from __future__ import annotations

from ortools.linear_solver import pywraplp

from solver.formulation import AtMost, LinearModel, Terms


def lp_bound(model: LinearModel, terms: Terms, extra: list[AtMost]) -> float | None:
    """The LP relaxation's optimum of Σ terms under the model plus `extra` rows (Σ <= hi); None if not solved.

    A valid lower bound on the integer optimum: the CP-SAT engine uses it to pick the first max_load to try.
    """
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    inf = lp.infinity()
    columns = [lp.NumVar(lo, hi, "") for lo, hi in zip(model.lb, model.ub, strict=True)]
    rows = [(r.terms, -inf if r.lo is None else r.lo, inf if r.hi is None else r.hi) for r in model.rows]
    rows += [(row, -inf, hi) for row, hi in extra]
    for row, lo, hi in rows:
        constraint = lp.Constraint(lo, hi)
        for v, c in row.items():
            constraint.SetCoefficient(columns[v], c)
    objective = lp.Objective()
    for v, c in terms.items():
        objective.SetCoefficient(columns[v], c)
    objective.SetMinimization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return float(objective.Value())
