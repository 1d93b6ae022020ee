"""The CP-SAT engine's max_load stage handing an undecided cap to HiGHS (child process): exact both ways."""

from helpers import example
from ortools.sat.python import cp_model

from solver import check, solve
from solver.build import build
from solver.engines import cpsat_max_load
from solver.engines.cpsat_engine import CpSatEngine
from solver.engines.isolated import solve_rows_isolated
from solver.generate import generate
from solver.io import load_problem
from solver.params import SolveParams
from solver.stages import plan


def test_a_cap_refuted_by_highs_is_refuted_by_cp_sat_too():
    problem = load_problem(example("example-cpts-month"))
    ctx = build(problem)
    engine = CpSatEngine(ctx, SolveParams(time_limit=60, workers=2))
    engine.stage(plan(ctx.model)[0])  # ranks 1–3 at their optimum, fixed as rows
    top = ctx.top
    status, values, _ = solve_rows_isolated(problem, {top: 1}, engine.fixed, engine.values, 60)
    assert status == "optimal"
    optimum = values[top]
    assert optimum == solve(example("example-cpts-month"), engine="highs", time_limit=60)["score"]["max_load"]
    # One minute less: HiGHS says infeasible, and CP-SAT, an independent search, agrees.
    status, values, _ = solve_rows_isolated(problem, {}, [*engine.fixed, ({top: 1}, optimum - 1)], None, 60)
    assert (status, values) == ("infeasible", None)
    capped = engine.cp.clone()
    capped.add(engine.vars[top] <= optimum - 1)
    capped.clear_hints()
    assert engine.solver().solve(capped) == cp_model.INFEASIBLE


def test_max_load_stage_proven_through_highs(monkeypatch):
    # CP-SAT never decides a cap: the whole stage goes through the HiGHS path, which must prove the same optimum.
    monkeypatch.setattr(cpsat_max_load.MaxLoadSearch, "under_cap", lambda self, *a, **k: (cp_model.UNKNOWN, False))
    data = generate(60, 3, 30, seed=2)  # greedy's max_load (1,020) is far above the LP bound (720)
    doc = solve(data, engine="cp-sat", time_limit=60, workers=2)
    stages = {s["key"]: s for s in doc["stats"]["stages"]}
    assert stages["max_load"]["proven"] and stages["max_load"]["prover"] == "highs"
    assert doc["status"] == "optimal" and check(data, doc).valid
    assert doc["score"] == solve(data, engine="highs", time_limit=60)["score"]
