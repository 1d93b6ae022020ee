"""CP-SAT engine: the shared linear model, optimised stage by stage with the earlier ranks bounded.

Rank 4 (max_load) is where plain CP-SAT stalls: minimising a maximum gives its search no gradient (quarter,
250 GPs: 43 s to 90 s+). Its possible values are few and known (history + whole shift-units), so the engine
takes the LP relaxation's bound, tries the smallest possible value above it as a hard cap, and lets CP-SAT
find a roster under that cap — which it does in about a second. A roster under the smallest value the bound
allows is a proof of optimality; if CP-SAT proves the cap infeasible, the next value is tried.
"""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from solver.engines.base import EngineResult, StageResult, Tracker, pairs_from, stage_results, with_constants
from solver.engines.greedy import greedy_roster, improve_roster
from solver.engines.lp import lp_bound
from solver.formulation import Context, Terms, build, canonical, values_for
from solver.model import Problem
from solver.params import SolveParams
from solver.stages import Stage, plan


REPLAY_SHARE = 0.25


class _Progress(cp_model.CpSolverSolutionCallback):
    """Forwards each improving solution (stage, objective, bound) to the tracker."""

    def __init__(self, tracker: Tracker, stage: str) -> None:
        super().__init__()
        self.tracker, self.stage = tracker, stage

    def on_solution_callback(self) -> None:
        self.tracker.incumbent(self.stage, self.objective_value, self.best_objective_bound)


class _Engine:
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
        status = solver.solve(cp, _Progress(self.tracker, name) if terms is not None else None)
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

    def _max_load(self) -> int:
        """The roster's real max load (the variable itself may sit above it while it is not minimised)."""
        assert self.values is not None
        loads = {g.id: g.history_minutes for g in self.ctx.problem.gps}
        for (gp, sid), v in self.ctx.model.x.items():
            if self.values[v]:
                loads[gp] += self.ctx.problem.shift(sid).minutes
        return max(loads.values())

    def under_cap(self, name: str, top: int, cap: int, budget: float) -> tuple[int, bool]:
        """Can every load stay within `cap` while ranks 1–3 keep their optimum?

        Asked as "maximise coverage with every load capped", from a greedy roster that respects the cap:
        unlike a bare feasibility question, the coverage objective gives CP-SAT's search a direction, and its
        LP bound refutes caps that are too low. Returns the status and whether the cap was met.
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
        status = solver.solve(cp, _Progress(self.tracker, f"{name}<={cap}") if terms else None)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, False
        values = canonical(self.ctx, [int(solver.value(v)) for v in self.vars])
        if sum(c * values[v] for v, c in terms.items()) > required:
            return status, False
        self.values = values
        return status, True

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

    def max_load(self, stage: Stage) -> list[StageResult]:
        """Rank 4 by candidates: the smallest possible value above the LP bound, as a cap, first."""
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
        proven, best, open_from = False, list(self.values), None
        for value in possible:
            if value < floor:
                continue
            if value >= incumbent:
                proven = open_from is None  # every smaller possible value is refuted (or below the bound)
                break
            # Each cap gets a share of the time, so an undecided cap leaves room to try the next one up
            # and for the ranks below.
            status, reached_cap = self.under_cap(stage.name, top, value, budget=0.4 * self.params.remaining())
            reached = self._max_load()
            if reached < incumbent:
                incumbent, best = reached, list(self.values)
            if reached_cap:
                proven = open_from is None
                break
            if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
                # Refuted; smaller caps are refuted with it (feasibility is monotone in the cap).
                floor, open_from = value + 1, None
            elif open_from is None:
                open_from = value  # neither reached nor refuted in its share of time
            if self.params.remaining() <= 0:
                break
        if open_from is not None:
            floor = open_from
        self.values = best
        self.values[top] = incumbent
        assert self.values is not None
        self.tracker.incumbent(stage.name, incumbent, floor)
        self.params.report(stage.name, incumbent, incumbent if proven else floor, "proven" if proven else "time limit")
        self.fix_keys(stage.keys)
        bound = incumbent if proven else floor
        return stage_results(model, stage, self.values, bound, proven, self.params.elapsed() - started)


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
    result = EngineResult(pairs, finished, with_constants(ctx.model, results), engine.tracker.last_change)
    result.extra["replayed"] = replayed
    return result
