"""CP-SAT engine, rank 4: max_load by testing its possible values as caps.

Minimising a maximum gives CP-SAT's search no gradient (quarter, 250 GPs: 43 s to more than 90 s). The possible
values are few and known (history + whole shift-units), so the search bounds max_load from below with the LP
relaxation under each cap (a cap C allows GP g at most floor((C − h_g)/unit) shift-units, so it is a bound on
g's load steps: far stronger than the LP of "minimise the largest load"), then tests the smallest value not
refuted. A roster under the smallest value not refuted is a proof of optimality.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ortools.sat.python import cp_model

from solver.engines.base import StageResult, stage_results
from solver.engines.cpsat_engine import CpSatEngine, IncumbentCallback, Known, set_hint
from solver.engines.greedy import greedy_roster
from solver.engines.isolated import RowsJob
from solver.engines.lp import lp_bound
from solver.formulation import values_for
from solver.params import SolveParams
from solver.stages import Stage

# CP-SAT's time to meet or refute the lowest cap the LP leaves, while HiGHS works on the same cap in a child
# process (its own core: HiGHS's MIP search is single-threaded).
CPSAT_CAP_SECONDS = 5.0
# Share of the remaining time the HiGHS child may use. It answers the rest of the problem under the cap:
# "minimise ranks 5–6 with ranks 1–3 at their optimum and max_load <= cap". Measured on the department quarter
# (1,000 GPs): the LP refutes 780 (cap LP, 0.2 s), and HiGHS proves the whole rest under 840 in 18 s, its cuts
# closing load_sq's LP gap at the root; CP-SAT met neither 900 nor 840 (hours of search on this model).
MILP_SHARE = 0.9
# SolveParams.milp_fallback=False (the app: SNP_SOLVER_MILP=0) keeps the stage CP-SAT only (no highspy child).


class CapTest(NamedTuple):
    """A cap's verdict: CP-SAT's last status, and whether a roster met the cap with ranks 1–3 kept."""

    status: int
    met: bool


class MaxLoadSearch:
    """The max_load stage of one CP-SAT engine: the incumbent, the proven floor, and the caps between them.

    `after` is the stage that follows (ranks 5–6): HiGHS, when it is asked a cap, solves it under the cap, and
    the engine's next stage then starts from (and is often proven by) its answer.
    """

    def __init__(self, engine: CpSatEngine, stage: Stage, after: Stage | None = None) -> None:
        self.engine, self.stage, self.after = engine, stage, after
        self.ctx, self.params, self.tracker = engine.ctx, engine.params, engine.tracker
        (self.top,) = stage.terms
        self.incumbent = 0
        self.best: list[int] = []
        self.floor = 0
        self.proven = False
        # Who refuted the value below the floor: the cap LP (glop), CP-SAT, HiGHS.
        self.prover = "glop"

    def real_max_load(self, values: list[int] | None = None) -> int:
        """The roster's real max load (the variable itself may sit above it while it is not minimised)."""
        values = self.engine.values if values is None else values
        assert values is not None
        loads = {g.id: g.history_minutes for g in self.ctx.problem.gps}
        for (gp, sid), v in self.ctx.model.x.items():
            if values[v]:
                loads[gp] += self.ctx.problem.shift(sid).minutes
        return max(loads.values())

    def caps(self, cap: int) -> dict[int, int]:
        """`max_load <= cap` as upper bounds: GP g keeps at most floor((cap − h_g)/unit) load steps (units)."""
        upper = {self.top: cap}
        for g in self.ctx.problem.gps:
            allowed = (cap - g.history_minutes) // self.ctx.unit
            for j, y in enumerate(self.ctx.steps.get(g.id, []), start=1):
                if j > allowed:
                    upper[y] = 0
        return upper

    def lp_floor(self, candidates: list[int]) -> int | None:
        """The smallest candidate the LP does not refute (candidates ascending, the last one met by the incumbent).

        Refuting a cap in the LP refutes every smaller one (fewer units for everybody), so a binary search
        does: each test is a warm GLOP re-solve with bounds changed. None when GLOP is not available.
        """
        relaxation = self.engine.relaxation()
        lo, hi = 0, len(candidates) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            verdict = relaxation.feasible_with(self.caps(candidates[mid]))
            if verdict is None and relaxation.lp is None:
                return None
            if verdict is False:
                lo = mid + 1  # refuted: no roster keeps ranks 1–3 with every load <= candidates[mid]
            else:
                hi = mid
        return candidates[lo]

    def under_cap(self, cap: int, budget: float, workers: int | None = None) -> CapTest:
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
        if engine.values is not None:
            set_hint(quick, engine.values)
        else:
            quick.clear_hints()
        solver = engine.solver()
        if workers is not None:
            solver.parameters.num_workers = workers
        solver.parameters.max_time_in_seconds = min(self.params.remaining(), max(0.5, 0.5 * budget))
        status = solver.solve(quick)
        if status == cp_model.INFEASIBLE:
            return CapTest(status, False)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            engine.adopt(solver)
            return CapTest(status, True)
        cp = engine.base.clone()
        cp.add(engine.vars[top] <= cap)
        if terms:
            cp.minimize(engine.expr(terms))
            if proven:  # nothing beats the uncapped optimum: say so, and CP-SAT stops when it reaches it
                cp.add(engine.expr(terms) >= required)
        set_hint(cp, hint)
        solver = engine.solver()
        if workers is not None:
            solver.parameters.num_workers = workers
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
        engine.parallel_roster = engine.parallel_roster or solver.parameters.num_workers > 1
        return CapTest(status, True)

    def run(self) -> list[StageResult]:
        """Rank 4 by candidates: the LP's cap floor first, then the possible values up to the incumbent."""
        engine, stage, model, started = self.engine, self.stage, self.ctx.model, self.params.elapsed()
        if engine.values is None:
            return engine.stage(stage)
        self.incumbent = engine.values[self.top] = self.real_max_load()
        possible = sorted(
            {
                g.history_minutes + self.ctx.unit * k
                for g in self.ctx.problem.gps
                for k in range(self.ctx.max_units(g.id) + 1)
            }
        )
        candidates = [v for v in possible if model.lb[self.top] <= v <= self.incumbent]
        floor = self.lp_floor(candidates) if candidates else None
        if floor is None:
            low = lp_bound(model, stage.terms, engine.fixed)
            if low is None:
                return engine.stage(stage)
            floor = math.ceil(low - 1e-6)
        self.floor = floor
        self.params.report(stage.name, self.incumbent, self.floor, "LP bound, caps")
        self.best = list(engine.values)
        if self.floor >= self.incumbent:
            self.proven = True
        elif self.params.milp_fallback and self.params.remaining() > 1.0:
            self.with_highs(possible)
        elif self.by_caps(possible):
            self.prover = "cp-sat"
        engine.values = self.best
        engine.values[self.top] = self.incumbent
        self.tracker.incumbent(stage.name, self.incumbent, self.floor)
        bound = self.incumbent if self.proven else self.floor
        self.params.report(stage.name, self.incumbent, bound, "proven" if self.proven else "time limit")
        engine.fix_keys(stage.keys)
        elapsed = self.params.elapsed()
        return stage_results(model, stage, engine.values, bound, self.proven, elapsed - started, self.prover, elapsed)

    def by_caps(self, possible: list[int]) -> bool:
        """CP-SAT only (no HiGHS child): test the possible values below the incumbent as caps, downwards; True
        when a cap was left undecided.

        Downwards from the incumbent: every cap met is a better roster at once (an anytime search), and the
        first cap refuted proves the incumbent, which is the next possible value above it.
        """
        for value in reversed([v for v in possible if self.floor <= v < self.incumbent]):
            if value >= self.incumbent:
                continue
            # Each cap gets a share of the time, so an undecided one leaves room for the ranks below.
            status, met = self.under_cap(value, budget=0.4 * self.params.remaining())
            self.take_better()
            if met:
                continue
            if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
                # Refuted: no roster keeps ranks 1–3 with loads <= value.
                self.proven, self.floor, self.prover = True, self.incumbent, "cp-sat"
                return False
            return True  # neither met nor refuted in its share of time (the LP bound stands)
        self.proven = True  # every possible value below the incumbent is below the LP bound
        return False

    def take_better(self) -> None:
        reached = self.real_max_load()
        if reached < self.incumbent:
            self.incumbent, self.best = reached, list(self.engine.values or [])
            self.tracker.incumbent(self.stage.name, self.incumbent, self.floor)
            self.tracker.changed()

    def next_value(self, possible: list[int]) -> int:
        return min((p for p in possible if p > self.floor), default=self.incumbent)

    def with_highs(self, possible: list[int]) -> None:
        """The floor cap, asked of HiGHS (child process) and CP-SAT (here, one worker) at the same time.

        HiGHS solves the rest of the problem under the cap: ranks 5–6 (the next stage's objective) with ranks
        1–3 fixed and `max_load <= floor`. A roster proves max_load (the floor is a lower bound) and, when HiGHS
        proves its optimum, ranks 5–6 too (among rosters optimal on ranks 1–4, exactly HiGHS's feasible set).
        A refuted cap (by either) raises the floor to the next possible value and asks again. A roster from the
        child is kept only when it satisfies the fixed rows and the cap as recomputed here.
        """
        engine, name = self.engine, self.stage.name
        objective = self.after.terms if self.after is not None else {}
        while self.floor < self.incumbent and self.params.remaining() > 1.0:
            cap, limit = self.floor, MILP_SHARE * self.params.remaining()
            self.params.report(name, self.incumbent, cap, f"HiGHS under {cap}, {limit:.0f} s")
            try:
                job = RowsJob(self.ctx.problem, objective, engine.fixed, limit, self.params.seed, self.caps(cap))
            except (OSError, RuntimeError) as exc:
                self.params.report(name, self.incumbent, self.floor, f"HiGHS failed: {exc}")
                return
            budget = min(CPSAT_CAP_SECONDS, 0.4 * self.params.remaining())
            status, met = self.under_cap(cap, budget=budget, workers=1)
            if met:
                self.take_better()
            elif status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
                job.stop(now=True)
                self.floor, self.prover = self.next_value(possible), "cp-sat"
                self.params.report(name, self.incumbent, self.floor, "cap refuted (cp-sat)")
                continue
            try:
                answer = job.result()
            except RuntimeError as exc:  # highspy missing or crashed: CP-SAT's result stands
                self.params.report(name, self.incumbent, self.floor, f"HiGHS failed: {exc}")
                break
            assert answer is not None
            if self.highs_answer(cap, *answer, possible):
                continue
            break
        self.proven = self.floor >= self.incumbent
        self.floor = min(self.floor, self.incumbent)

    def highs_answer(self, cap: int, status: str, values: list[int] | None, dual: float, possible: list[int]) -> bool:
        """Take HiGHS's answer under `cap`; True when it refuted the cap (ask the next value)."""
        engine = self.engine
        if status == "infeasible":
            self.floor, self.prover = self.next_value(possible), "highs"
            self.params.report(self.stage.name, self.incumbent, self.floor, "cap refuted (highs)")
            return True
        if values is None or not all(engine.value_of(values, row.terms) <= row.hi for row in engine.fixed):
            return False
        if self.real_max_load(values) > cap:
            return False
        if self.after is not None:
            mine = engine.value_of(values, self.after.terms)
            if self.real_max_load() <= cap and engine.value_of(engine.values or [], self.after.terms) < mine:
                values = list(engine.values or [])  # CP-SAT's roster under the cap is better on ranks 5–6
            if status == "optimal" or math.isfinite(dual):  # no bound when HiGHS stopped before its root LP
                bound = mine if status == "optimal" else math.ceil(dual - 1e-6)
                engine.known[self.after.name] = Known(bound, status == "optimal", "highs", self.params.elapsed())
        if values != engine.values:
            self.tracker.changed()  # HiGHS's roster: ranks 5–6 (at least) differ from the one before
        engine.values = values
        reached = self.real_max_load(values)
        if reached <= self.incumbent:  # also when CP-SAT met the cap first: HiGHS's roster is better on 5–6
            if reached < self.incumbent:
                self.tracker.incumbent(self.stage.name, reached, self.floor)
            self.incumbent, self.best = reached, list(values)
        return False
