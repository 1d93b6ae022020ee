"""python -m solver solve|check|generate|bench — the only module of the package that prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from solver.api import ENGINES, solve
from solver.check import check
from solver.io import read_problem
from solver.model import ProblemError
from solver.params import print_progress
from solver.pins import PinConflict


def _write(doc: Any, output: str | None) -> None:
    text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _solve(args: argparse.Namespace) -> int:
    problem = read_problem(args.problem)
    doc = solve(
        problem,
        engine=args.engine,
        time_limit=args.time_limit,
        workers=args.workers,
        seed=args.seed,
        progress=print_progress,
        milp_fallback=not args.no_milp,
    )
    _write(doc, args.output)
    print(f"status {doc['status']}, score {json.dumps(doc['score'])}", file=sys.stderr)
    for conflict in map(PinConflict.from_dict, doc.get("conflicts", [])):
        print(f"conflict ({conflict.rule}): {conflict}", file=sys.stderr)
    return 0 if doc["status"] in ("optimal", "feasible") else 1


def _check(args: argparse.Namespace) -> int:
    problem = read_problem(args.problem)
    try:
        solution = json.loads(Path(args.solution).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"error: cannot read solution {args.solution}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(solution, dict):
        print(f"error: solution {args.solution} is not a JSON object", file=sys.stderr)
        return 2
    report = check(problem, solution)
    print(json.dumps(report.score))
    for violation in report.violations:
        print(violation, file=sys.stderr)
    return 0 if report.valid else 1


def _generate(args: argparse.Namespace) -> int:
    from solver.generate import generate

    _write(generate(args.gps, args.sites, args.days, seed=args.seed), args.output)
    return 0


def _bench(args: argparse.Namespace) -> int:
    from solver.bench import run_bench

    return run_bench(quick=args.quick, curtois=args.curtois, output=args.output, engines=args.engines, busy=args.busy)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m solver", description="snp-roster/1 solver")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="solve a problem, solution JSON on stdout (or -o)")
    s.add_argument("problem")
    s.add_argument("-o", "--output")
    s.add_argument("--time-limit", type=float, default=60.0)
    s.add_argument("--workers", type=int, default=2)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--engine", choices=ENGINES, default="cp-sat")
    s.add_argument("--no-milp", action="store_true", help="keep the max-load stage CP-SAT only (no HiGHS child)")
    s.set_defaults(run=_solve)
    c = sub.add_parser("check", help="validity and score of a solution")
    c.add_argument("problem")
    c.add_argument("solution")
    c.set_defaults(run=_check)
    g = sub.add_parser("generate", help="a realistic generated problem")
    g.add_argument("--gps", type=int, required=True)
    g.add_argument("--sites", type=int, required=True)
    g.add_argument("--days", type=int, required=True)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("-o", "--output")
    g.set_defaults(run=_generate)
    b = sub.add_parser("bench", help="the benchmark table, engines side by side")
    b.add_argument("--quick", action="store_true", help="small instances and short limits (under a minute)")
    b.add_argument(
        "--curtois",
        nargs="?",
        const="",
        default=None,
        metavar="DIR",
        help="append the Curtois–Qu benchmark: every instance of solver/data/curtois, or every *.txt of DIR",
    )
    b.add_argument("--engines", default=",".join(ENGINES), help="comma-separated engines")
    b.add_argument("--busy", action="store_true", help="keep one core busy with a spinning process during every solve")
    b.add_argument("--output", default=None, help="markdown file to update (default docs/benchmarks.md)")
    b.set_defaults(run=_bench)
    from solver.curtois.cli import add_parser as add_curtois_parser

    add_curtois_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ProblemError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
