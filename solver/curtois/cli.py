"""`python -m solver curtois INSTANCE.txt`: solve one benchmark instance, check it, compare with the best known."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from solver.curtois.files import BestKnownError, best_known, format_roster
from solver.curtois.instance import InstanceError, load_instance
from solver.curtois.solve import CurtoisResult, solve_instance
from solver.params import SolveParams, print_progress


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `curtois` subcommand; `run` is attached as the handler (args.run)."""
    parser = subparsers.add_parser(
        "curtois",
        help="solve a Curtois-Qu shift scheduling benchmark instance",
        description="Solve a Curtois-Qu instance with CP-SAT, check the roster, compare with the best known.",
    )
    parser.add_argument("instance", type=Path, help="instance file, e.g. Instance1.txt")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--roster-out", type=Path, help="write the roster: employee id, one token per day")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """0 when a valid roster was found, 1 when not, 2 when the instance file cannot be used."""
    try:
        instance = load_instance(args.instance)
    except InstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    params = SolveParams(args.time_limit, args.workers, args.seed, print_progress)
    result = solve_instance(instance, params)
    # The roster first: nothing printed or looked up after the solve may lose it.
    written = True
    if result.roster is not None and args.roster_out is not None:
        try:
            args.roster_out.write_text(format_roster(instance, result.roster), encoding="utf-8")
        except OSError as exc:
            print(f"error: cannot write {args.roster_out}: {exc}", file=sys.stderr)
            written = False
    print(summary(result, args.instance, warn=lambda exc: print(f"warning: {exc}", file=sys.stderr)))
    return 0 if result.valid and written else 1


def summary(result: CurtoisResult, path: Path, warn: Callable[[BestKnownError], None] | None = None) -> str:
    """The lines the user reads: status, penalty, the evaluator's verdict, best known and gap.

    An unreadable best_known.csv goes to `warn` (the CLI prints a warning line) and counts as unknown."""
    if result.roster is None or result.evaluation is None:
        return f"{result.instance}: no roster found ({result.status}, {result.seconds:.1f} s)"
    evaluation = result.evaluation
    lines = [
        f"instance:   {result.instance}",
        f"status:     {result.status} after {result.seconds:.1f} s (bound {result.bound})",
        f"penalty:    {evaluation.penalty}  ("
        + ", ".join(f"{name} {value}" for name, value in evaluation.breakdown.items())
        + ")",
    ]
    if not evaluation.feasible:
        lines.append(f"INVALID:    {len(evaluation.violations)} hard violations, first: {evaluation.violations[0]}")
    if evaluation.penalty != result.claimed:
        lines.append(f"MISMATCH:   the model claims {result.claimed}, the evaluator computes {evaluation.penalty}")
    reference = best_known(result.instance, path, on_error=warn or (lambda exc: None))
    if reference is None:
        lines.append("best known: unknown")
    else:
        proven = " (proven optimal)" if reference.proven else ""
        lines.append(f"best known: {reference.value}{proven}")
        lines.append(f"gap:        {gap_percent(evaluation.penalty, reference.value):.2f} %")
    return "\n".join(lines)


def gap_percent(penalty: int, best: int) -> float:
    """Relative distance to the best-known value, in percent of it."""
    if best == 0:
        return 0.0 if penalty == 0 else float("inf")
    return 100.0 * (penalty - best) / best
