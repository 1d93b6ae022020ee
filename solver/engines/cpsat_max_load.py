"""CP-SAT engine, rank 4: max_load by testing its possible values as caps, smallest first.

Minimising a maximum gives CP-SAT's search no gradient (quarter, 250 GPs: 43 s to more than 90 s). The possible
values are few and known (history + whole shift-units), so the engine takes the LP relaxation's bound and tests
the possible values above it in increasing order. A roster under the smallest value not refuted is a proof of
optimality.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from solver.engines.base import StageResult, Tracker, stage_results
from solver.engines.greedy import greedy_roster
from solver.engines.lp import lp_bound
from solver.formulation import canonical, values_for
from solver.params import SolveParams
from solver.stages import Stage

if TYPE_CHECKING:
    from solver.engines.cpsat import _Engine

# When CP-SAT neither meets nor refutes a cap within this many seconds, the rest of the stage goes to HiGHS's
# MILP search (cuts and branching on the LP) in a child process: "minimise max_load, ranks 1–3 at their
# optimum, max_load <= incumbent", from the incumbent. Measured on the department quarter (1,000 GPs): CP-SAT
# could not refute 780 nor meet 900 in 44 s; HiGHS proves 840 in 26 s, spawn and model build included.
CPSAT_CAP_SECONDS = 5.0
# Share of the remaining time the HiGHS search may use; the rest is for ranks 5–6.
MILP_SHARE = 0.6


class Progress(cp_model.CpSolverSolutionCallback):
    """Forwards each improving solution (stage, objective, bound) to the tracker."""

    def __init__(self, tracker: Tracker, stage: str) -> None:
        super().__init__()
        self.tracker, self.stage = tracker, stage

    def on_solution_callback(self) -> None:
        self.tracker.incumbent(self.stage, self.objective_value, self.best_objective_bound)


class MaxLoadStage:
    """Mixed into the CP-SAT engine: the max_load stage and its cap test."""

    def _max_load(self: _Engine) -> int:
        """The roster's real max load (the variable itself may sit above it while it is not minimised)."""
        assert self.values is not None
        loads = {g.id: g.history_minutes for g in self.ctx.problem.gps}
        for (gp, sid), v in self.ctx.model.x.items():
            if self.values[v]:
                loads[gp] += self.ctx.problem.shift(sid).minutes
        return max(loads.values())

    def under_cap(self: _Engine, name: str, top: int, cap: int, budget: float) -> tuple[int, bool]:
        """Can every load stay within `cap` while ranks 1–3 keep their optimum? Three tries, cheapest first:
        a capped greedy roster; the bare question with ranks 1–3 fixed; "maximise coverage with every load
        capped" from the greedy roster (the coverage objective gives CP-SAT's search a direction, and its LP
        bound refutes caps that are too low). Returns the last status and whether the cap was met.
        """
        began = self.params.elapsed()
        terms, required, proven = self.coverage or ({}, 0, True)
        # First the coordinator's way: a greedy roster under the cap with augmenting swaps. When it keeps
        # ranks 1–3 at their optimum, the cap is met without any search (department quarter: 960 at once).
        greedy = greedy_roster(self.ctx.problem, SolveParams(time_limit=budget), cap=cap, improve=False)
        hint = values_for(self.ctx, greedy)
        if sum(c * hint[v] for v, c in terms.items()) <= required and hint[top] <= cap:
            self.values = hint
            return cp_model.FEASIBLE, True
        # Then the bare question on the model with ranks 1–3 fixed: presolve alone often refutes a low cap,
        # and a roster near the current one is often found at once (quarter: both in about a second).
        quick = self.cp.clone()
        quick.add(self.vars[top] <= cap)
        quick.clear_objective()
        quick.clear_hints()
        for var, value in zip(self.vars, self.values or [], strict=False):
            quick.add_hint(var, value)
        solver = self._solver()
        solver.parameters.max_time_in_seconds = min(self.params.remaining(), max(0.5, 0.5 * budget))
        status = solver.solve(quick)
        if status == cp_model.INFEASIBLE:
            return status, False
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.values = canonical(self.ctx, [int(solver.value(v)) for v in self.vars])
            return status, True
        cp = self.base.clone()
        cp.add(self.vars[top] <= cap)
        if terms:
            cp.minimize(self.expr(terms))
            if proven:  # nothing beats the uncapped optimum: say so, and CP-SAT stops when it reaches it
                cp.add(self.expr(terms) >= required)
        for var, value in zip(self.vars, hint, strict=True):
            cp.add_hint(var, value)
        solver = self._solver()
        solver.parameters.max_time_in_seconds = min(
            self.params.remaining(), max(0.5, budget - (self.params.elapsed() - began))
        )
        self.tracker.start_stage()
        status = solver.solve(cp, Progress(self.tracker, f"{name}<={cap}") if terms else None)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, False
        values = canonical(self.ctx, [int(solver.value(v)) for v in self.vars])
        if sum(c * values[v] for v, c in terms.items()) > required:
            return status, False
        self.values = values
        return status, True

    def max_load(self: _Engine, stage: Stage) -> list[StageResult]:
        """Rank 4 by candidates: the possible values between the LP bound and the incumbent, tested as caps."""
        model, started = self.ctx.model, self.params.elapsed()
        (top,) = stage.terms
        if self.values is None:
            return self.stage(stage)
        incumbent = self.values[top] = self._max_load()
        low = lp_bound(model, stage.terms, self.fixed)
        if low is None:
            return self.stage(stage)
        floor = math.ceil(low - 1e-6)
        self.params.report(stage.name, incumbent, floor, "LP bound")
        possible = sorted(
            {
                g.history_minutes + self.ctx.unit * k
                for g in self.ctx.problem.gps
                for k in range(self.ctx.max_units(g.id) + 1)
            }
        )
        # Downwards from the incumbent: every cap met is a better roster at once (an anytime search), and
        # the first cap refuted proves the incumbent, which is the next possible value above it. Measured on
        # the department quarter, upwards spent 44 s failing to refute the LP's first value and kept 960.
        proven, best, undecided, prover = False, list(self.values), False, "cp-sat"
        for value in reversed([v for v in possible if floor <= v < incumbent]):
            if value >= incumbent:
                continue
            # Each cap gets a share of the time, so an undecided one leaves room for the ranks below.
            budget = 0.4 * self.params.remaining()
            if self.params.milp_fallback:
                budget = min(budget, CPSAT_CAP_SECONDS)
            status, reached_cap = self.under_cap(stage.name, top, value, budget=budget)
            reached = self._max_load()
            if reached < incumbent:
                incumbent, best = reached, list(self.values)
                self.tracker.incumbent(stage.name, incumbent, floor)
            if reached_cap:
                continue
            if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
                proven, floor = True, incumbent  # refuted: no roster keeps ranks 1–3 with loads <= value
            else:
                undecided = True
            break  # refuted, or neither met nor refuted in its share of time (then the LP bound stands)
        else:
            proven = True  # every possible value below the incumbent is below the LP bound
        if undecided and self.params.milp_fallback and self.params.remaining() > 1.0:
            incumbent, best, floor, proven = self.milp_max_load(stage.name, top, incumbent, best, floor, possible)
            prover = "highs"
        self.values = best
        self.values[top] = incumbent
        assert self.values is not None
        self.tracker.incumbent(stage.name, incumbent, floor)
        self.params.report(stage.name, incumbent, incumbent if proven else floor, "proven" if proven else "time limit")
        self.fix_keys(stage.keys)
        bound = incumbent if proven else floor
        results = stage_results(model, stage, self.values, bound, proven, self.params.elapsed() - started)
        for r in results:
            r.prover = prover if proven else None
        return results

    def milp_max_load(
        self: _Engine, name: str, top: int, incumbent: int, best: list[int], floor: int, possible: list[int]
    ) -> tuple[int, list[int], int, bool]:
        """The rest of the stage by HiGHS in a child process (highspy cannot share a process with OR-Tools).

        Same model, the rows fixing ranks 1–3, the incumbent as a start. Returns the
        best max_load and its roster, the proven floor (raised to the next possible value) and whether they
        met. Proven only on HiGHS's own proof (optimal with a gap below one unit); a roster is kept only when
        it satisfies the fixed rows as recomputed here, and its max_load is recomputed from its assignments.
        """
        from solver.engines.isolated import solve_rows_isolated

        hint = list(best)
        hint[top] = incumbent
        limit = MILP_SHARE * self.params.remaining()
        self.params.report(name, incumbent, floor, f"HiGHS, {limit:.0f} s")
        try:
            status, values, dual = solve_rows_isolated(
                self.ctx.problem, {top: 1}, self.fixed, hint, limit, self.params.seed
            )
        except RuntimeError as exc:  # highspy missing or crashed: the CP-SAT result stands, unproven
            self.params.report(name, incumbent, floor, f"HiGHS failed: {exc}")
            return incumbent, best, floor, False
        if values is not None and all(self.value_of(values, t) <= hi for t, hi in self.fixed):
            self.values = values
            reached = self._max_load()
            if reached < incumbent:
                incumbent, best = reached, list(values)
                self.tracker.incumbent(name, incumbent, floor)
        if status in ("optimal", "feasible") and math.isfinite(dual):
            low = math.ceil(dual - 1e-6)
            floor = max(floor, min((p for p in possible if p >= low), default=incumbent))
        proven = floor >= incumbent
        return incumbent, best, min(floor, incumbent), proven
