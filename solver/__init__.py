"""Pure optimisation package for snp-roster/1 problems: read, solve (CP-SAT, HiGHS, greedy), check, explain.

No web, database or application import here: the app talks to it only through the JSON format.
"""

from solver.api import ENGINES, solve
from solver.check import CheckReport, check
from solver.io import load_problem, read_problem
from solver.model import SCORE_KEYS, Problem, ProblemError
from solver.params import Progress, SolveParams, print_progress

__all__ = [
    "ENGINES",
    "SCORE_KEYS",
    "CheckReport",
    "Problem",
    "ProblemError",
    "Progress",
    "SolveParams",
    "check",
    "load_problem",
    "print_progress",
    "read_problem",
    "solve",
]
