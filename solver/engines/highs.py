"""HiGHS engine: the same linear model and the same stages as CP-SAT, solved as MILPs through highspy.

highspy and OR-Tools each ship a HiGHS library under the same name and cannot share a process (whichever is
imported second fails to load), so this module only ever runs in a child process: see `isolated.py`.
"""

from __future__ import annotations

import math

import highspy
import numpy as np

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
from solver.formulation import LinearModel, canonical
from solver.model import Problem
from solver.params import SolveParams
from solver.stages import plan


def set_objective_and_start(h: highspy.Highs, n: int, terms: dict[int, int], start: list[int] | None) -> None:
    """Replace the objective by `terms` and, when given, offer `start` as the first solution."""
    cost = np.zeros(n)
    for v, c in terms.items():
        cost[v] = c
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = [float(v) for v in start]
        solution.value_valid = True
        h.setSolution(solution)


def _translate(model: LinearModel) -> highspy.Highs:
    """The whole model in one call: row-wise matrix, every column integer."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    n = len(model.lb)
    lp.num_col_ = n
    lp.num_row_ = len(model.rows)
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = np.array(model.lb, dtype=float)
    lp.col_upper_ = np.array(model.ub, dtype=float)
    lp.row_lower_ = np.array([-highspy.kHighsInf if r.lo is None else r.lo for r in model.rows], dtype=float)
    lp.row_upper_ = np.array([highspy.kHighsInf if r.hi is None else r.hi for r in model.rows], dtype=float)
    starts, index, value = [0], [], []
    for row in model.rows:
        index.extend(row.terms)
        value.extend(row.terms.values())
        starts.append(len(index))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = len(model.rows)
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value, dtype=float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h.passModel(lp)
    return h


def solve_highs(problem: Problem, params: SolveParams) -> EngineResult:
    """Optimise the same stages as CP-SAT with HiGHS; each stage is warm-started from the previous roster."""
    ctx = build(problem)
    model = ctx.model
    h = _translate(model)
    n = len(model.lb)
    h.setOptionValue("random_seed", params.seed)
    # Objectives are integers: stop only when the gap is below one unit, i.e. the optimum is proven.
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.5)
    tracker = Tracker(params)
    stage_name = [""]

    def improving(event: highspy.highs.HighsCallbackEvent) -> None:
        out = event.data_out
        tracker.incumbent(stage_name[0], out.objective_function_value, out.mip_dual_bound)

    h.cbMipImprovingSolution.subscribe(improving)
    results: list[StageResult] = []
    values: list[int] | None = None
    proven = True
    stages = plan(model)
    for stage in stages:
        if params.remaining() <= 0:
            proven = False
            break
        set_objective_and_start(h, n, stage.terms, values)
        h.setOptionValue("time_limit", max(0.01, params.remaining()))
        stage_name[0] = stage.name
        tracker.start_stage()
        started = params.elapsed()
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        if info.primal_solution_status != 2:  # 2 = a feasible solution is known
            proven = False
            break
        values = canonical(ctx, [int(round(v)) for v in h.getSolution().col_value])
        combined = sum(c * values[v] for v, c in stage.terms.items())
        done = status == highspy.HighsModelStatus.kOptimal
        proven &= done
        bound = combined if done else min(combined, math.ceil(info.mip_dual_bound - 1e-6))
        params.report(stage.name, combined, bound, "proven" if done else "time limit")
        elapsed = params.elapsed()
        results.extend(stage_results(model, stage, values, bound, done, elapsed - started, "highs", elapsed))
        # Keep each rank of the stage at its value: one sparse row per rank, as in the CP-SAT engine.
        for key in stage.keys:
            objective = model.objectives[key]
            idx = np.array(list(objective.terms), dtype=np.int32)
            hi = float(model.value(key, values) - objective.constant)
            h.addRow(-highspy.kHighsInf, hi, len(idx), idx, np.array(list(objective.terms.values()), dtype=float))
    pairs = None if values is None else pairs_from(ctx, values)
    finished = len({r.key for r in results}) == sum(len(s.keys) for s in stages)
    return EngineResult(
        pairs, proven and finished, with_constants(model, final_values(model, results, values)), tracker.last_change
    )


def solve_rows(
    problem: Problem,
    objective: dict[int, int],
    rows: list[tuple[dict[int, int], int]],
    hint: list[int] | None,
    time_limit: float,
    seed: int,
    upper: dict[int, int] | None = None,
) -> tuple[str, list[int] | None, float]:
    """One MILP on the shared model plus `rows` (Σ terms <= hi) and `upper` bounds on variables: minimise
    `objective` (empty: any roster).

    For the CP-SAT engine's max_load stage (a cap refuted or met by HiGHS's cuts and branching). Variable
    indices are those of `build(problem)`, deterministic, so the parent's rows and hint apply as they are.
    Returns ("optimal" | "infeasible" | "feasible" | "unknown", the roster's values or None, dual bound).
    """
    ctx = build(problem)
    model = ctx.model
    h = _translate(model)
    n = len(model.lb)
    h.setOptionValue("random_seed", seed)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.5)
    h.setOptionValue("time_limit", max(0.01, time_limit))
    for terms, hi in rows:
        idx = np.array(list(terms), dtype=np.int32)
        h.addRow(-highspy.kHighsInf, float(hi), len(idx), idx, np.array(list(terms.values()), dtype=float))
    for v, hi in (upper or {}).items():
        h.changeColBounds(v, float(model.lb[v]), float(min(hi, model.ub[v])))
    set_objective_and_start(h, n, objective, hint)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    values = None
    if info.primal_solution_status == 2:
        values = canonical(ctx, [int(round(v)) for v in h.getSolution().col_value])
    if status == highspy.HighsModelStatus.kInfeasible:
        return "infeasible", None, math.inf
    if status == highspy.HighsModelStatus.kOptimal and values is not None:
        return "optimal", values, float(info.mip_dual_bound)
    return ("feasible" if values is not None else "unknown"), values, float(info.mip_dual_bound)
