"""The Curtois–Qu table for `python -m solver bench --curtois` (the bench command appends it to the docs)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from solver.curtois.cli import gap_percent
from solver.curtois.files import benchmark_dir, best_known, instance_path, instances_in
from solver.curtois.instance import InstanceError, load_instance
from solver.curtois.solve import LARGE_FROM_DAYS, CurtoisResult, solve_instance
from solver.params import SolveParams

FULL = (None, 60.0)  # every instance the repository holds (1-12, 19-24)
QUICK = (range(1, 5), 10.0)
EARLY = 10.0
CHECKPOINTS = (1, 2, 5, 10, 20, 30, 45, 60)


def curtois_table(
    params_factory: Callable[[float], SolveParams], quick: bool = False, folder: Path | None = None
) -> str:
    """Markdown: one row per instance, then the penalty-against-time curve of every run.

    Every instance of the repository's copy (1-4 when quick), or every `*.txt` of `folder`. The full run solves
    each instance once for 60 s; the 10 s column is the best penalty that run had found after 10 s, which saves
    a second solve per instance on a shared 2-core machine — unless that run had no roster yet at 10 s
    (Instance24: a 60 s run's construction polishes its patterns for about 11 s): then the instance is solved
    again with a 10 s limit, as `curtois --time-limit 10` would, and its penalty is marked ².
    """
    numbers, limit = QUICK if quick else FULL
    if folder is not None:
        paths = instances_in(folder)
    elif numbers is None:
        paths = instances_in(benchmark_dir())
    else:
        paths = [instance_path(n) for n in numbers]
    results: list[tuple[Path, CurtoisResult | None]] = []
    early: dict[Path, str] = {}
    for path in paths:
        try:
            instance = load_instance(path)
        except InstanceError:
            results.append((path, None))
            continue
        result = solve_instance(instance, params_factory(limit))
        results.append((path, result))
        if not quick:
            early[path] = early_cell(result, lambda instance=instance: solve_instance(instance, params_factory(EARLY)))
    workers = params_factory(limit).workers
    header = (
        f"Up to {LARGE_FROM_DAYS} days column generation then CP-SAT, beyond construction then"
        f" search by windows of days and of employees; {workers} workers, {limit:g} s per instance"
    )
    if folder is not None:
        header += f", the instances of {folder}"
    if not quick:
        header += (
            f"; the {EARLY:g} s column is the same run's best penalty after {EARLY:g} s, or, marked ², where that"
            f" run had no roster yet, the penalty of a run limited to {EARLY:g} s"
        )
    return "\n".join([header + ".", "", *_rows(results, quick, early), "", *_curves(results, limit)]) + "\n"


def early_cell(result: CurtoisResult, solve_early: Callable[[], CurtoisResult]) -> str:
    """The 10 s column: the 60 s run's best penalty after EARLY seconds, or where it had none yet (its phases
    paced for the minute) and found one later, the penalty of its own run limited to EARLY seconds, marked ²."""
    found = result.penalty_at(EARLY)
    if found is not None or result.evaluation is None:
        return _cell(found)
    own = solve_early()
    return _cell(own.evaluation.penalty if own.evaluation else None) + " ²"


def _cell(value: int | None) -> str:
    return "—" if value is None else str(value)


def _rows(results: list[tuple[Path, CurtoisResult | None]], quick: bool, early: dict[Path, str]) -> list[str]:
    """One row per instance; `early`: the 10 s column of a full run's instances (`early_cell`)."""
    rows = [
        "| instance | best known | published bound | penalty 10 s | penalty 60 s | gap % | status |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for path, result in results:
        name = path.stem
        reference = best_known(name, path, on_error=lambda exc: print(f"warning: {exc}", file=sys.stderr))
        best = _cell(reference.value if reference else None)
        best += " | " + _cell(reference.lower_bound if reference else None)
        if result is None:
            rows.append(f"| {name} | {best} | — | — | — | instance file missing or invalid |")
            continue
        final = result.evaluation.penalty if result.evaluation else None
        first, late = (_cell(final), _cell(None)) if quick else (early[path], _cell(final))
        gap = "—" if final is None or reference is None else f"{gap_percent(final, reference.value):.2f}"
        rows.append(f"| {name} | {best} | {first} | {late} | {gap} | {_status(result)} |")
    return rows


def _status(result: CurtoisResult) -> str:
    if result.evaluation is None:
        return f"no roster ({result.status.lower()})"
    if not result.valid:
        return f"INVALID: {len(result.evaluation.violations)} hard violations, claimed {result.claimed}"
    if result.optimal:
        return "optimal (proved)"
    if result.bound is None:
        return "feasible, no bound"
    return f"feasible, bound {result.bound}"


def _curves(results: list[tuple[Path, CurtoisResult | None]], limit: float) -> list[str]:
    points = [t for t in CHECKPOINTS if t <= limit]
    lines = [
        "Penalty against time (best roster found after t seconds of search):",
        "",
        "| instance | " + " | ".join(f"{t} s" for t in points) + " |",
        "|---|" + "---:|" * len(points),
    ]
    for path, result in results:
        if result is not None:
            cells = [_cell(result.penalty_at(t)) for t in points]
            lines.append(f"| {path.stem} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"Machine: {os.cpu_count()} logical cores, load average {_load()} at the end of the run.")
    return lines


def _load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"
