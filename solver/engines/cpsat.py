"""CP-SAT engine: the shared linear model, optimised stage by stage with the earlier ranks bounded.

The model and its stages are `cpsat_engine.py`; rank 4 (max_load) has its own search in `cpsat_max_load.py`.
docs/solver.md gives the measurements behind each choice.
"""

from __future__ import annotations

from solver.build import build
from solver.engines.base import EngineResult, StageResult, final_values, pairs_from, with_constants
from solver.engines.cpsat_engine import CpSatEngine
from solver.engines.cpsat_max_load import MaxLoadSearch
from solver.engines.greedy import greedy_roster, improve_roster
from solver.formulation import values_for
from solver.model import Problem
from solver.params import SolveParams
from solver.stages import plan


def solve_cpsat(problem: Problem, params: SolveParams) -> EngineResult:
    """Optimise the stages in rank order; each starts from the previous roster (hint) and keeps the ranks above."""
    ctx = build(problem)
    engine = CpSatEngine(ctx, params)
    # A greedy roster (milliseconds) as the first hint: CP-SAT's own first solutions are far worse, and
    # improving them by LNS took most of the first stage's time (quarter: 7.8 s -> see docs/solver.md).
    first = values_for(ctx, greedy_roster(problem, SolveParams(time_limit=min(5.0, params.remaining()))))
    engine.values = list(first)
    results: list[StageResult] = []
    stages = plan(ctx.model)
    for index, stage in enumerate(stages):
        if params.remaining() <= 0:
            break
        known = engine.known.get(stage.name)
        settled = known is not None and engine.values is not None and engine.value(stage.terms) <= known.bound
        # The greedy roster is already levelled: level only a roster that a search has changed since.
        changed = engine.values is not None and engine.values != first
        if "load_sq" in stage.keys and engine.values is not None and changed and not settled:
            # Levelling moves are cheap and never undo the ranks above: start the hardest stage from them.
            levelled = values_for(ctx, improve_roster(problem, pairs_from(ctx, engine.values), params))
            if engine.value_of(levelled, stage.terms) < engine.value(stage.terms):
                engine.values = levelled
        if stage.keys == ("max_load",):
            found = MaxLoadSearch(engine, stage, stages[index + 1] if index + 1 < len(stages) else None).run()
        else:
            found = engine.stage(stage, stages[index + 1 :])
        if not found:
            break
        results.extend(found)
    finished = len(results) == sum(len(s.keys) for s in stages) and all(r.proven for r in results)
    # Only a roster from a multi-threaded search needs the replay: greedy, GLOP and HiGHS are deterministic.
    replayed = finished and engine.parallel_roster and engine.replay(first)
    pairs = None if engine.values is None else pairs_from(ctx, engine.values)
    result = EngineResult(
        pairs,
        finished,
        with_constants(ctx.model, final_values(ctx.model, results, engine.values)),
        engine.tracker.last_change,
    )
    result.extra["replayed"] = replayed
    result.extra["deterministic"] = not engine.parallel_roster
    return result
