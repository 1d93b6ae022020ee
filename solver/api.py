"""`solve`: pins check, engine, then the checker's verdict and score, diagnostics, and the solution document."""

from __future__ import annotations

from typing import Any

from solver.check import check
from solver.diagnostics import diagnose
from solver.engines.base import EngineResult
from solver.io import load_problem, solution_document
from solver.model import Problem
from solver.params import ProgressCallback, SolveParams
from solver.pins import pin_conflicts

ENGINES = ("cp-sat", "highs", "greedy")


def _run(engine: str, problem: Problem, params: SolveParams) -> EngineResult:
    # Imported here: the HiGHS child process must never load OR-Tools (see engines/isolated.py).
    if engine == "cp-sat":
        from solver.engines.cpsat import solve_cpsat

        return solve_cpsat(problem, params)
    if engine == "highs":
        from solver.engines.isolated import solve_highs_isolated

        return solve_highs_isolated(problem, params)
    from solver.engines.greedy import solve_greedy

    return solve_greedy(problem, params)


def solve(
    problem: Problem | dict[str, Any],
    *,
    engine: str = "cp-sat",
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    milp_fallback: bool = True,
) -> dict[str, Any]:
    """Solve a problem and return the snp-roster/1-solution document, with `diagnostics` (and `conflicts`)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if isinstance(problem, dict):
        problem = load_problem(problem)
    params = SolveParams(
        time_limit=time_limit, workers=workers, seed=seed, progress=progress, milp_fallback=milp_fallback
    )
    stats: dict[str, Any] = {"engine": engine, "workers": workers, "seed": seed}
    conflicts = pin_conflicts(problem)
    if conflicts:
        stats["wall_time_s"] = round(params.elapsed(), 3)
        doc = solution_document(problem, "infeasible", [], None, stats)
        doc["score"] = check(problem, doc).score
        doc["conflicts"] = [c.as_dict() for c in conflicts]
        doc["diagnostics"] = []
        return doc
    result = _run(engine, problem, params)
    stats["wall_time_s"] = round(params.elapsed(), 3)
    stats["time_to_best_s"] = round(result.time_to_best, 3)
    stats["stages"] = [s.as_dict() for s in result.stages]
    stats.update(result.extra)
    if result.pairs is None:
        doc = solution_document(problem, "unknown", [], None, stats)
        doc["score"] = check(problem, doc).score
        doc["diagnostics"] = [d.as_dict() for d in diagnose(problem, [])]
        return doc
    status = "optimal" if result.proven else "feasible"
    doc = solution_document(problem, status, result.pairs, None, stats)
    report = check(problem, doc)
    if not report.valid:
        raise RuntimeError(f"engine {engine} produced an invalid roster: {'; '.join(map(str, report.violations[:3]))}")
    for stage in result.stages:
        if stage.value != report.score[stage.key]:
            raise RuntimeError(
                f"engine {engine} scored {stage.key}={stage.value}, checker says {report.score[stage.key]}"
            )
    doc["score"] = report.score
    doc["diagnostics"] = [d.as_dict() for d in diagnose(problem, result.pairs)]
    return doc
