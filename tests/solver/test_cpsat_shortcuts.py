"""The CP-SAT engine's shortcuts: floors known without LP, the first stage's smaller LP, reduced-cost fixing."""

from helpers import example, gp, problem, shift

from solver import check, solve
from solver.build import build
from solver.engines.cpsat_engine import CpSatEngine, LpOptimum
from solver.engines.lp import Relaxation
from solver.formulation import values_for
from solver.generate import generate
from solver.io import load_problem
from solver.params import SolveParams
from solver.stages import plan

MON, TUE = "2027-01-04", "2027-01-05"


def _engine(data):
    ctx = build(load_problem(data))
    return ctx, CpSatEngine(ctx, SolveParams(time_limit=60, workers=2))


def test_understaffed_floor_counts_shifts_with_too_few_eligible_gps():
    # Shift a wants 3 (priority 2) and only g may take it; b wants 1 and both may. The variables' bounds alone
    # say understaffed >= 7 − 2·1 − 1·2 = 3; no roster gives a more than 1 GP: the floor is 2·(3 − 1) = 4.
    data = problem(
        [shift("a", MON, min=1, target=3, priority=2), shift("b", TUE, min=0, target=1)],
        [gp("g", ["a", "b"]), gp("h", ["b"])],
    )
    ctx, _ = _engine(data)
    assert ctx.model.floor("understaffed") == 4
    doc = solve(data, time_limit=10)
    assert doc["status"] == "optimal" and doc["score"]["understaffed"] == 4 and check(data, doc).valid
    stages = {s["key"]: s for s in doc["stats"]["stages"]}
    # The greedy roster is at every floor of ranks 1–3 (0 · 0 · 4): proven without any LP.
    assert stages["understaffed"]["prover"] == "bounds"


def test_a_stage_at_its_floors_is_proven_without_lp_and_one_above_is_not():
    data = generate(60, 3, 30, seed=1)  # every shift can be staffed to min(target, eligible GPs)
    ctx, engine = _engine(data)
    first = plan(ctx.model)[0]
    doc = solve(data, engine="greedy")
    pairs = [(a["gp"], a["shift"]) for a in doc["assignments"]]
    engine.values = values_for(ctx, pairs)
    assert engine.at_floors(first)
    results = engine.stage(first, plan(ctx.model)[1:])
    assert all(r.proven and r.prover == "bounds" for r in results)
    assert engine._relaxation is None  # no LP was built
    assert engine.coverage is not None and engine.coverage.proven  # max_load's caps keep ranks 1–3
    # One covered pair fewer: understaffed above its floor, so the stage is not settled by floors.
    engine.values = values_for(ctx, pairs[1:])
    assert not engine.at_floors(first)


def test_the_first_stage_lp_without_later_auxiliaries_gives_the_same_bounds():
    data = example("example-cpts-month-amended")
    ctx, engine = _engine(data)
    stages = plan(ctx.model)
    small = engine.stage_relaxation(stages[0], stages[1:])
    full = Relaxation(ctx.model, [])
    assert small is not engine.relaxation()
    assert small.lp.NumConstraints() < full.lp.NumConstraints()
    for key in stages[0].keys:
        terms = ctx.model.objectives[key].terms
        assert abs(small.minimise(terms) - full.minimise(terms)) < 1e-6
    # The last stage has no later auxiliaries: it uses the engine's own relaxation.
    assert engine.stage_relaxation(stages[-1], []) is engine.relaxation()


def _at_last_stage(data):
    """An engine whose ranks 1–4 are fixed at the greedy roster's values, and the last stage's LP optimum."""
    ctx, engine = _engine(data)
    stages = plan(ctx.model)
    doc = solve(data, engine="greedy")
    engine.values = values_for(ctx, [(a["gp"], a["shift"]) for a in doc["assignments"]])
    for stage in stages[:-1]:
        engine.fix_keys(stage.keys)
    engine.lp_floor(stages[-1].terms)
    assert engine.last_lp is not None and engine.last_lp.terms is stages[-1].terms
    return ctx, engine, stages[-1]


def test_reduced_cost_fixing_keeps_the_optimum():
    data = generate(30, 2, 14, seed=11)
    ctx, engine, last = _at_last_stage(data)
    fixed = engine.fix_by_reduced_costs(engine.last_lp)
    assert fixed > 0
    domains = engine.cp.proto.variables
    pinned_down = [v for v in range(len(engine.vars)) if list(domains[v].domain) == [engine.values[v]] * 2]
    assert len(pinned_down) >= fixed
    # The search with the fixings finds the same optimum as a search without them.
    with_fixings = engine.minimise(last.name, last.terms)
    _, plain, _ = _at_last_stage(data)
    without = plain.minimise(last.name, last.terms)
    assert with_fixings[0] == without[0] and with_fixings[1] == without[1]
    assert engine.value(last.terms) == plain.value(last.terms)


def test_reduced_cost_fixing_refuses_numbers_the_roster_contradicts():
    data = generate(30, 2, 14, seed=11)
    ctx, engine, last = _at_last_stage(data)
    chosen = next(v for v in ctx.model.x.values() if engine.values[v] == 1 and ctx.model.lb[v] == 0)
    reduced = [0.0] * len(engine.vars)
    reduced[chosen] = 1e12  # "x_chosen = 1 costs more than the whole gap": false, the roster has it
    before = [list(engine.cp.proto.variables[v].domain) for v in range(len(engine.vars))]
    assert engine.fix_by_reduced_costs(LpOptimum(last.terms, engine.last_lp.low, reduced)) == 0
    assert [list(engine.cp.proto.variables[v].domain) for v in range(len(engine.vars))] == before
