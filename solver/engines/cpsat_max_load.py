"""CP-SAT engine, rank 4: max_load by testing its possible values as caps, largest first.

Minimising a maximum gives CP-SAT's search no gradient (quarter, 250 GPs: 43 s to more than 90 s). The possible
values are few and known (history + whole shift-units), so the search takes the LP relaxation's bound and tests
the possible values between it and the incumbent as caps. A roster under the smallest value not refuted is a
proof of optimality.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ortools.sat.python import cp_model

from solver.engines.base import StageResult, stage_results
from solver.engines.cpsat_engine import CpSatEngine, IncumbentCallback
from solver.engines.greedy import greedy_roster
from solver.engines.isolated import solve_rows_isolated
from solver.engines.lp import lp_bound
from solver.formulation import values_for
from solver.params import SolveParams
from solver.stages import Stage

# When CP-SAT neither meets nor refutes a cap within this many seconds, the rest of the stage goes to HiGHS's
# MILP search (cuts and branching on the LP) in a child process: "minimise max_load, ranks 1–3 at their
# optimum, max_load <= incumbent", from the incumbent. Measured on the department quarter (1,000 GPs): CP-SAT
# could not refute 780 nor meet 900 in 44 s; HiGHS proves 840 in 26 s, spawn and model build included.
CPSAT_CAP_SECONDS = 5.0
# Share of the remaining time the HiGHS search may use; the rest is for ranks 5–6.
MILP_SHARE = 0.6
# SolveParams.milp_fallback=False (the app: SNP_SOLVER_MILP=0) keeps the stage CP-SAT only (no highspy child).


class CapTest(NamedTuple):
    """A cap's verdict: CP-SAT's last status, and whether a roster met the cap with ranks 1–3 kept."""

    status: int
    met: bool


class MaxLoadSearch:
    """The max_load stage of one CP-SAT engine: the incumbent, the proven floor, and the caps between them."""

    def __init__(self, engine: CpSatEngine, stage: Stage) -> None:
        self.engine, self.stage = engine, stage
        self.ctx, self.params, self.tracker = engine.ctx, engine.params, engine.tracker
        (self.top,) = stage.terms
        self.incumbent = 0
        self.best: list[int] = []
        self.floor = 0
        self.proven = False

    def real_max_load(self) -> int:
        """The roster's real max load (the variable itself may sit above it while it is not minimised)."""
        assert self.engine.values is not None
        loads = {g.id: g.history_minutes for g in self.ctx.problem.gps}
        for (gp, sid), v in self.ctx.model.x.items():
            if self.engine.values[v]:
                loads[gp] += self.ctx.problem.shift(sid).minutes
        return max(loads.values())

    def under_cap(self, cap: int, budget: float) -> CapTest:
        """Can every load stay within `cap` while ranks 1–3 keep their optimum? Three tries, cheapest first:
        a capped greedy roster; the bare question with ranks 1–3 fixed; "maximise coverage with every load
        capped" from the greedy roster (the coverage objective gives CP-SAT's search a direction, and its LP
        bound refutes caps that are too low). A roster that meets the cap becomes the engine's roster.
        """
        engine, top = self.engine, self.top
        began = self.params.elapsed()
        terms, required, proven = engine.coverage or ({}, 0, True)
        # First the coordinator's way: a greedy roster under the cap with augmenting swaps. When it keeps
        # ranks 1–3 at their optimum, the cap is met without any search (department quarter: 960 at once).
        greedy = greedy_roster(self.ctx.problem, SolveParams(time_limit=budget), cap=cap, improve=False)
        hint = values_for(self.ctx, greedy)
        if engine.value_of(hint, terms) <= required and hint[top] <= cap:
            engine.values = hint
            return CapTest(cp_model.FEASIBLE, True)
        # Then the bare question on the model with ranks 1–3 fixed: presolve alone often refutes a low cap,
        # and a roster near the current one is often found at once (quarter: both in about a second).
        quick = engine.cp.clone()
        quick.add(engine.vars[top] <= cap)
        quick.clear_objective()
        quick.clear_hints()
        for var, value in zip(engine.vars, engine.values or [], strict=False):
            quick.add_hint(var, value)
        solver = engine.solver()
        solver.parameters.max_time_in_seconds = min(self.params.remaining(), max(0.5, 0.5 * budget))
        status = solver.solve(quick)
        if status == cp_model.INFEASIBLE:
            return CapTest(status, False)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            engine.values = engine.read(solver)
            return CapTest(status, True)
        cp = engine.base.clone()
        cp.add(engine.vars[top] <= cap)
        if terms:
            cp.minimize(engine.expr(terms))
            if proven:  # nothing beats the uncapped optimum: say so, and CP-SAT stops when it reaches it
                cp.add(engine.expr(terms) >= required)
        for var, value in zip(engine.vars, hint, strict=True):
            cp.add_hint(var, value)
        solver = engine.solver()
        solver.parameters.max_time_in_seconds = min(
            self.params.remaining(), max(0.5, budget - (self.params.elapsed() - began))
        )
        self.tracker.start_stage()
        status = solver.solve(cp, IncumbentCallback(self.tracker, f"{self.stage.name}<={cap}") if terms else None)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return CapTest(status, False)
        values = engine.read(solver)
        if engine.value_of(values, terms) > required:
            return CapTest(status, False)
        engine.values = values
        return CapTest(status, True)

    def run(self) -> list[StageResult]:
        """Rank 4 by candidates: the possible values between the LP bound and the incumbent, tested as caps."""
        engine, stage, model, started = self.engine, self.stage, self.ctx.model, self.params.elapsed()
        if engine.values is None:
            return engine.stage(stage)
        self.incumbent = engine.values[self.top] = self.real_max_load()
        low = lp_bound(model, stage.terms, engine.fixed)
        if low is None:
            return engine.stage(stage)
        self.floor = math.ceil(low - 1e-6)
        self.params.report(stage.name, self.incumbent, self.floor, "LP bound")
        possible = sorted(
            {
                g.history_minutes + self.ctx.unit * k
                for g in self.ctx.problem.gps
                for k in range(self.ctx.max_units(g.id) + 1)
            }
        )
        self.best, prover = list(engine.values), "cp-sat"
        if self.by_caps(possible) and self.params.milp_fallback and self.params.remaining() > 1.0:
            self.by_milp(possible)
            prover = "highs"
        engine.values = self.best
        engine.values[self.top] = self.incumbent
        self.tracker.incumbent(stage.name, self.incumbent, self.floor)
        bound = self.incumbent if self.proven else self.floor
        self.params.report(stage.name, self.incumbent, bound, "proven" if self.proven else "time limit")
        engine.fix_keys(stage.keys)
        elapsed = self.params.elapsed()
        return stage_results(model, stage, engine.values, bound, self.proven, elapsed - started, prover, elapsed)

    def by_caps(self, possible: list[int]) -> bool:
        """Test the possible values below the incumbent as caps; True when a cap was left undecided.

        Downwards from the incumbent: every cap met is a better roster at once (an anytime search), and the
        first cap refuted proves the incumbent, which is the next possible value above it. Measured on the
        department quarter, upwards spent 44 s failing to refute the LP's first value and kept 960.
        """
        for value in reversed([v for v in possible if self.floor <= v < self.incumbent]):
            if value >= self.incumbent:
                continue
            # Each cap gets a share of the time, so an undecided one leaves room for the ranks below.
            budget = 0.4 * self.params.remaining()
            if self.params.milp_fallback:
                budget = min(budget, CPSAT_CAP_SECONDS)
            status, met = self.under_cap(value, budget=budget)
            reached = self.real_max_load()
            if reached < self.incumbent:
                self.incumbent, self.best = reached, list(self.engine.values or [])
                self.tracker.incumbent(self.stage.name, self.incumbent, self.floor)
            if met:
                continue
            if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
                # Refuted: no roster keeps ranks 1–3 with loads <= value.
                self.proven, self.floor = True, self.incumbent
                return False
            return True  # neither met nor refuted in its share of time (the LP bound stands)
        self.proven = True  # every possible value below the incumbent is below the LP bound
        return False

    def by_milp(self, possible: list[int]) -> None:
        """The rest of the stage by HiGHS in a child process (highspy cannot share a process with OR-Tools).

        Same model, the rows fixing ranks 1–3, the incumbent as a start. Raises the floor to the next possible
        value above HiGHS's dual bound; proven only on HiGHS's own proof (optimal with a gap below one unit). A
        roster is kept only when it satisfies the fixed rows as recomputed here, and its max_load is recomputed
        from its assignments.
        """
        engine, name = self.engine, self.stage.name
        hint = list(self.best)
        hint[self.top] = self.incumbent
        limit = MILP_SHARE * self.params.remaining()
        self.params.report(name, self.incumbent, self.floor, f"HiGHS, {limit:.0f} s")
        try:
            status, values, dual = solve_rows_isolated(
                self.ctx.problem, {self.top: 1}, engine.fixed, hint, limit, self.params.seed
            )
        except RuntimeError as exc:  # highspy missing or crashed: the CP-SAT result stands, unproven
            self.params.report(name, self.incumbent, self.floor, f"HiGHS failed: {exc}")
            self.proven = False
            return
        if values is not None and all(engine.value_of(values, row.terms) <= row.hi for row in engine.fixed):
            engine.values = values
            reached = self.real_max_load()
            if reached < self.incumbent:
                self.incumbent, self.best = reached, list(values)
                self.tracker.incumbent(name, self.incumbent, self.floor)
        if status in ("optimal", "feasible") and math.isfinite(dual):
            low = math.ceil(dual - 1e-6)
            self.floor = max(self.floor, min((p for p in possible if p >= low), default=self.incumbent))
        self.proven = self.floor >= self.incumbent
        self.floor = min(self.floor, self.incumbent)
