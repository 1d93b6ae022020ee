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
    # CP-SAT never decides a cap: the floor cap goes to HiGHS, which answers ranks 5–6 under it; the whole
    # score must be the HiGHS engine's, ranks 5–6 proven by HiGHS, max_load by the cap LP or HiGHS's refutation.
    monkeypatch.setattr(cpsat_max_load.MaxLoadSearch, "under_cap", lambda self, *a, **k: (cp_model.UNKNOWN, False))
    data = generate(60, 3, 30, seed=2)  # greedy's max_load (1,020) is far above the LP bound (720)
    doc = solve(data, engine="cp-sat", time_limit=60, workers=2)
    stages = {s["key"]: s for s in doc["stats"]["stages"]}
    assert stages["max_load"]["proven"] and stages["max_load"]["prover"] in ("glop", "highs")
    assert stages["load_sq"]["prover"] == stages["unpreferred"]["prover"] == "highs"
    assert doc["status"] == "optimal" and check(data, doc).valid
    assert doc["score"] == solve(data, engine="highs", time_limit=60)["score"]


def test_a_cap_the_lp_refutes_is_refuted_by_cp_sat_and_the_lp_floor_is_a_lower_bound():
    """The LP under a cap (each GP's load steps bounded) refutes caps; CP-SAT, an independent search, must
    agree on the largest cap it refutes, and the floor it leaves can never be above the proven optimum."""
    data = generate(30, 4, 30, seed=4)  # the bench's tight month: the cap LP says 1,200, the max-load LP 1,140
    problem = load_problem(data)
    ctx = build(problem)
    engine = CpSatEngine(ctx, SolveParams(time_limit=60, workers=2))
    stages = plan(ctx.model)
    engine.stage(stages[0])
    search = cpsat_max_load.MaxLoadSearch(engine, stages[1], stages[2])
    incumbent = search.real_max_load()
    possible = sorted({g.history_minutes + 60 * k for g in problem.gps for k in range(40)})
    candidates = [v for v in possible if ctx.model.lb[ctx.top] <= v <= incumbent]
    floor = search.lp_floor(candidates)
    optimum = solve(data, engine="highs", time_limit=60)["score"]["max_load"]
    assert floor <= optimum
    refuted = [v for v in candidates if v < floor]
    assert refuted, "the instance should let the cap LP refute something"
    assert engine.relaxation().feasible_with(search.caps(refuted[-1])) is False
    capped = engine.cp.clone()
    for v, hi in search.caps(refuted[-1]).items():
        capped.add(engine.vars[v] <= hi)
    capped.clear_hints()
    assert engine.solver().solve(capped) == cp_model.INFEASIBLE
    # The bound it improves on: the LP of "minimise the largest load" is weaker or equal.
    from solver.engines.lp import lp_bound

    assert lp_bound(ctx.model, {ctx.top: 1}, engine.fixed) < floor - 30


def test_a_highs_roster_without_a_dual_bound_is_kept_and_claims_nothing():
    """HiGHS stopped before its root LP: its roster (valid, under the cap) is taken, no bound is claimed for
    ranks 5–6, and an answer that breaks a fixed rank is refused."""
    problem = load_problem(example("example-cpts-month"))
    ctx = build(problem)
    engine = CpSatEngine(ctx, SolveParams(time_limit=60, workers=2))
    stages = plan(ctx.model)
    engine.stage(stages[0])
    search = cpsat_max_load.MaxLoadSearch(engine, stages[1], stages[2])
    search.incumbent = search.real_max_load()
    roster = list(engine.values)
    assert not search.highs_answer(search.incumbent, "feasible", roster, float("-inf"), [search.incumbent])
    assert engine.known == {} and search.best == roster
    broken = list(roster)
    broken[next(v for v in ctx.model.x.values() if roster[v])] = 0  # one assignment fewer: ranks 1–3 worse
    engine.values = None
    assert not search.highs_answer(search.incumbent, "optimal", broken, 0.0, [search.incumbent])
    assert engine.values is None and engine.known == {}


def test_without_the_milp_child_the_stage_stays_cp_sat_and_exact():
    """`milp_fallback=False` (the app's SNP_SOLVER_MILP=0): caps tested by CP-SAT alone above the LP's cap
    floor; nothing is proven by HiGHS, and the score is still the HiGHS engine's proven optimum."""
    data = generate(60, 3, 30, seed=2)
    doc = solve(data, engine="cp-sat", time_limit=60, workers=2, milp_fallback=False)
    provers = {s["key"]: s.get("prover") for s in doc["stats"]["stages"]}
    assert "highs" not in provers.values()
    assert doc["status"] == "optimal" and check(data, doc).valid
    assert doc["score"] == solve(data, engine="highs", time_limit=60)["score"]
