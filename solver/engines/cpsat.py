"""CP-SAT engine: the shared linear model, optimised stage by stage with the earlier ranks bounded.

Each stage starts from the previous roster (hint), states GLOP's LP bound as a floor, and fixes its ranks for
the stages below; rank 4 (max_load) has its own procedure in `cpsat_max_load.py`. docs/solver.md gives the
measurements behind each choice.
"""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from solver.build import build
from solver.engines.base import (
    EngineResult,
    StageResult,
    Tracker,
    final_values,
    pairs_from,
    stage_results,
    with_constants,
)
from solver.engines.cpsat_max_load import MaxLoadStage, Progress
from solver.engines.greedy import greedy_roster, improve_roster
from solver.engines.lp import lp_bound
from solver.formulation import Context, Terms, canonical, values_for
from solver.model import Problem
from solver.params import SolveParams
from solver.stages import Stage, plan

# Share of the time already spent that the deterministic replay may use (see _Engine.replay).
REPLAY_SHARE = 0.25


class _Engine(MaxLoadStage):
    """One CP-SAT model, solved repeatedly: objectives change, rows fixing finished stages accumulate."""

    def __init__(self, ctx: Context, params: SolveParams) -> None:
        self.ctx, self.params = ctx, params
        self.tracker = Tracker(params)
        self.cp = cp_model.CpModel()
        model = ctx.model
        self.vars = [
            self.cp.new_bool_var(name) if (lo, hi) == (0, 1) else self.cp.new_int_var(lo, hi, name)
            for lo, hi, name in zip(model.lb, model.ub, model.names, strict=True)
        ]
        for row in model.rows:
            lo = cp_model.INT_MIN if row.lo is None else row.lo
            hi = cp_model.INT_MAX if row.hi is None else row.hi
            self.cp.add_linear_constraint(self.expr(row.terms), lo, hi)
        # The hard rules alone, before any rank is fixed: the max_load caps are tested on a copy of it.
        self.base = self.cp.clone()
        self.fixed: list[tuple[Terms, int]] = []
        self.values: list[int] | None = None
        self.coverage: tuple[Terms, int, bool] | None = None

    def expr(self, terms: Terms) -> cp_model.LinearExprT:
        return cp_model.LinearExpr.weighted_sum([self.vars[i] for i in terms], list(terms.values()))

    def fix(self, terms: Terms, hi: int) -> None:
        """Later stages may only choose among rosters that keep this objective at or below `hi`."""
        self.cp.add(self.expr(terms) <= hi)
        self.fixed.append((terms, hi))

    def fix_keys(self, keys: tuple[str, ...]) -> None:
        """Keep each rank of a finished stage at its value: one sparse row per rank, kinder to the LP than the
        combined row, and the same set of rosters once the stage is proven."""
        assert self.values is not None
        for key in keys:
            objective = self.ctx.model.objectives[key]
            self.fix(objective.terms, self.ctx.model.value(key, self.values) - objective.constant)

    def _solver(self) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, self.params.remaining())
        solver.parameters.num_workers = max(1, self.params.workers)
        solver.parameters.random_seed = self.params.seed
        # The model is a network with side rows: its LP relaxation is strong, so let CP-SAT use all of it.
        # With 2 workers CP-SAT's own portfolio runs `default_lp` (linearization 1) as its only full solver,
        # whose bound on the tight month stays at 33 against an LP optimum of 64 (not proven in 30 s);
        # `max_lp` first proves it in 0.2 s.
        solver.parameters.linearization_level = 2
        for name in ("max_lp", "default_lp", "quick_restart", "core", "reduced_costs", "pseudo_costs"):
            solver.parameters.subsolvers.append(name)
        return solver

    def value(self, terms: Terms) -> int:
        assert self.values is not None
        return self.value_of(self.values, terms)

    @staticmethod
    def value_of(values: list[int], terms: Terms) -> int:
        return sum(c * values[v] for v, c in terms.items())

    def lp_floor(self, terms: Terms) -> int | None:
        """A proven lower bound from GLOP's LP relaxation, added to the model as `objective >= floor`.

        The stages are flow-like, so the LP bound is usually the optimum: with it stated, CP-SAT stops as soon
        as its (fast, LNS-driven) primal search reaches it instead of proving it by search. The bound is
        lowered by a relative 1e-6 so that floating-point error can never cut off a true optimum.
        """
        low = lp_bound(self.ctx.model, terms, self.fixed)
        if low is None:
            return None
        floor = math.ceil(low - 1e-6 * max(1.0, abs(low)) - 1e-6)
        self.cp.add(self.expr(terms) >= floor)
        return floor

    def run(self, name: str, terms: Terms | None, cap: tuple[Terms, int] | None = None) -> tuple[int, float]:
        """Solve (minimise `terms`, or just find a roster) from the current roster; return status and bound."""
        cp = self.cp
        if cap is not None:
            cp = self.cp.clone()
            cp.add(cp_model.LinearExpr.weighted_sum([self.vars[i] for i in cap[0]], list(cap[0].values())) <= cap[1])
        if terms is None:
            cp.clear_objective()
        else:
            cp.minimize(self.expr(terms))
        cp.clear_hints()
        if self.values is not None:
            for var, value in zip(self.vars, self.values, strict=True):
                cp.add_hint(var, value)
        solver = self._solver()
        self.tracker.start_stage()
        status = solver.solve(cp, Progress(self.tracker, name) if terms is not None else None)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.values = canonical(self.ctx, [int(solver.value(v)) for v in self.vars])
        bound = solver.best_objective_bound if terms is not None else math.nan
        return status, bound

    def stage(self, stage: Stage) -> list[StageResult]:
        """Minimise the stage's combined objective; empty when nothing was found."""
        started = self.params.elapsed()
        floor = self.lp_floor(stage.terms)
        if floor is not None:
            self.params.report(stage.name, None, floor, "LP bound")
        if floor is not None and self.values is not None and self.value(stage.terms) <= floor:
            # The current roster already meets the LP bound: optimal, nothing to search.
            status, raw_bound = cp_model.OPTIMAL, float(floor)
            self.tracker.incumbent(stage.name, self.value(stage.terms), floor)
        else:
            status, raw_bound = self.run(stage.name, stage.terms)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or self.values is None:
            return []
        value = sum(c * self.values[v] for v, c in stage.terms.items())
        bound = max(math.ceil(raw_bound - 1e-6), floor if floor is not None else -math.inf)
        done = status == cp_model.OPTIMAL or value <= bound
        bound = value if done else min(value, bound)
        self.params.report(stage.name, value, bound, "proven" if done else "time limit")
        if self.coverage is None and "max_load" not in stage.keys:
            self.coverage = (stage.terms, value, done)
        self.fix_keys(stage.keys)
        return stage_results(self.ctx.model, stage, self.values, bound, done, self.params.elapsed() - started)

    def replay(self, hint: list[int]) -> bool:
        """Re-find a roster with every rank at its proven value, single-threaded, from a fixed hint.

        Parallel search picks one of many optimal rosters by thread timing; this last solve depends only on
        the model, the hint and the seed, so the same problem, seed and workers give the same roster.
        """
        cp = self.cp.clone()
        cp.clear_objective()
        cp.clear_hints()
        for var, value in zip(self.vars, hint, strict=True):
            cp.add_hint(var, value)
        solver = self._solver()
        solver.parameters.num_workers = 1
        # Bounded, so determinism never costs more than a fraction of the solve; past it, the parallel roster
        # (optimal too) is kept and stats say `replayed: false`.
        solver.parameters.max_time_in_seconds = min(
            self.params.remaining(), max(2.0, REPLAY_SHARE * self.params.elapsed())
        )
        if solver.solve(cp) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        self.values = canonical(self.ctx, [int(solver.value(v)) for v in self.vars])
        return True


def solve_cpsat(problem: Problem, params: SolveParams) -> EngineResult:
    """Optimise the stages in rank order; each starts from the previous roster (hint) and keeps the ranks above."""
    ctx = build(problem)
    engine = _Engine(ctx, params)
    # A greedy roster (milliseconds) as the first hint: CP-SAT's own first solutions are far worse, and
    # improving them by LNS took most of the first stage's time (quarter: 7.8 s -> see docs/solver.md).
    first = values_for(ctx, greedy_roster(problem, SolveParams(time_limit=min(5.0, params.remaining()))))
    engine.values = list(first)
    results: list[StageResult] = []
    stages = plan(ctx.model)
    for stage in stages:
        if params.remaining() <= 0:
            break
        if "load_sq" in stage.keys and engine.values is not None:
            # Levelling moves are cheap and never undo the ranks above: start the hardest stage from them.
            levelled = values_for(ctx, improve_roster(problem, pairs_from(ctx, engine.values), params))
            if engine.value_of(levelled, stage.terms) < engine.value(stage.terms):
                engine.values = levelled
        found = engine.max_load(stage) if stage.keys == ("max_load",) else engine.stage(stage)
        if not found:
            break
        results.extend(found)
    finished = len(results) == sum(len(s.keys) for s in stages) and all(r.proven for r in results)
    replayed = finished and params.workers > 1 and engine.replay(first)
    pairs = None if engine.values is None else pairs_from(ctx, engine.values)
    result = EngineResult(
        pairs,
        finished,
        with_constants(ctx.model, final_values(ctx.model, results, engine.values)),
        engine.tracker.last_change,
    )
    result.extra["replayed"] = replayed
    return result
