"""Pure optimisation package for snp-roster/1 problems: read, solve (CP-SAT, HiGHS, greedy), check, explain.

No web, database or application import here: the app talks to it only through the JSON format.
"""

from solver.api import ENGINES, solve
from solver.check import CheckReport, Rule, Violation, check
from solver.diagnostics import Diagnosis, Fix
from solver.io import load_problem, read_problem
from solver.model import SCORE_KEYS, Problem, ProblemError
from solver.params import Progress, SolveParams, print_progress
from solver.pins import PinConflict

__all__ = [
    "ENGINES",
    "SCORE_KEYS",
    "CheckReport",
    "Diagnosis",
    "Fix",
    "PinConflict",
    "Problem",
    "ProblemError",
    "Progress",
    "Rule",
    "SolveParams",
    "Violation",
    "check",
    "load_problem",
    "print_progress",
    "read_problem",
    "solve",
]
