"""LP relaxation bounds with OR-Tools' GLOP, for the CP-SAT engine (in-process, no second solver library)."""

from __future__ import annotations

from ortools.linear_solver import linear_solver_pb2, pywraplp

from solver.formulation import AtMost, LinearModel, Terms

# GLOP's simplex per question, set explicitly before each solve. An objective's minimum: the dual simplex
# (quarter amendment, ranks 5–6 after max_load's rows: 0.07 s against 0.15 s primal; no slower on the
# generated month, tight month and CPTS quarter). Feasibility under caps (bounds changed, no objective): the
# primal simplex (department quarter's cap tests: 1.6 s and 2.9 s, against 3.1 s and 12 s with the dual).
MINIMISE_PARAMETERS = "use_dual_simplex: true"
FEASIBLE_PARAMETERS = "use_dual_simplex: false"


def lp_bound(model: LinearModel, terms: Terms, extra: list[AtMost]) -> float | None:
    """The LP relaxation's optimum of Σ terms under the model plus `extra` rows (Σ <= hi); None if not solved.

    A valid lower bound on the integer optimum: the CP-SAT engine uses it to pick the first max_load to try.
    """
    relaxation = Relaxation(model, extra)
    return relaxation.minimise(terms)


class Relaxation:
    """The model's LP relaxation, built once (GLOP): minimised for several objectives, rows added between.

    The CP-SAT engine keeps one for the whole solve: GLOP re-solves incrementally from its last basis when only
    the objective, a bound or a new row changed (department quarter: 0.5 s to build, 1–7 s per cold solve, a
    fraction of that warm). Rows added for a question only (`add(..., temporary)`) are dropped with `drop`.
    """

    def __init__(self, model: LinearModel, extra: list[AtMost], without: frozenset[int] = frozenset()) -> None:
        """`without`: variables whose rows are left out (every column stays). Leaving rows out relaxes the LP
        further, so its bounds stay valid lower bounds; see CpSatEngine.stage_relaxation for when they are as
        strong."""
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        if self.lp is None:
            return
        inf = self.lp.infinity()
        self.ub = list(model.ub)
        # Built as one proto (repeated fields extended in C) and loaded at once: half the time of setting every
        # coefficient through the API (department quarter: 0.27 s against 0.53 s). Rows added later use the API.
        proto = linear_solver_pb2.MPModelProto()
        for lo, hi in zip(model.lb, model.ub, strict=True):
            column = proto.variable.add()
            column.lower_bound, column.upper_bound = lo, hi
        rows = [
            (r.terms, -inf if r.lo is None else r.lo, inf if r.hi is None else r.hi)
            for r in model.rows
            if not without or without.isdisjoint(r.terms)
        ]
        rows += [(row, -inf, hi) for row, hi in extra]
        for terms, lo, hi in rows:
            constraint = proto.constraint.add()
            constraint.lower_bound, constraint.upper_bound = lo, hi
            constraint.var_index.extend(terms.keys())
            constraint.coefficient.extend(terms.values())
        error = self.lp.LoadModelFromProto(proto)
        if error:
            raise RuntimeError(f"GLOP refused the relaxation: {error}")
        self.columns = self.lp.variables()

    def _row(self, terms: Terms, lo: float, hi: float) -> pywraplp.Constraint:
        constraint = self.lp.Constraint(lo, hi)
        for v, c in terms.items():
            constraint.SetCoefficient(self.columns[v], c)
        return constraint

    def add(self, row: AtMost) -> pywraplp.Constraint | None:
        if self.lp is None:
            return None
        return self._row(row.terms, -self.lp.infinity(), row.hi)

    def drop(self, constraint: pywraplp.Constraint | None) -> None:
        """Undo `add`: the row stays in GLOP's model but no longer restricts anything."""
        if constraint is not None:
            constraint.SetBounds(-self.lp.infinity(), self.lp.infinity())

    def minimise(self, terms: Terms) -> float | None:
        """The LP optimum of Σ terms; None if GLOP is missing or does not prove an optimum."""
        if self.lp is None:
            return None
        objective = self.lp.Objective()
        objective.Clear()
        for v, c in terms.items():
            objective.SetCoefficient(self.columns[v], c)
        objective.SetMinimization()
        self.lp.SetSolverSpecificParametersAsString(MINIMISE_PARAMETERS)
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        return float(objective.Value())

    def reduced_costs(self) -> list[float] | None:
        """The last solve's reduced costs, one per column, read at once from GLOP's solution response; None
        unless that solve proved an optimum."""
        if self.lp is None:
            return None
        response = linear_solver_pb2.MPSolutionResponse()
        self.lp.FillSolutionResponseProto(response)
        if response.status != linear_solver_pb2.MPSOLVER_OPTIMAL or len(response.reduced_cost) != len(self.ub):
            return None
        return list(response.reduced_cost)

    def feasible_with(self, upper: dict[int, int]) -> bool | None:
        """Whether the relaxation stays feasible with these upper bounds on variables (restored afterwards);
        None when GLOP is missing or proves neither. False is a proof: no integer roster has them either."""
        if self.lp is None:
            return None
        for v, hi in upper.items():
            self.columns[v].SetUb(hi)
        try:
            self.lp.Objective().Clear()
            self.lp.SetSolverSpecificParametersAsString(FEASIBLE_PARAMETERS)
            status = self.lp.Solve()
        finally:
            for v in upper:
                self.columns[v].SetUb(self.ub[v])
        if status == pywraplp.Solver.OPTIMAL:
            return True
        if status == pywraplp.Solver.INFEASIBLE:
            return False
        return None
