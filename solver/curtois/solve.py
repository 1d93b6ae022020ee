"""Solve a Curtois–Qu instance under the shared SolveParams, and check the result independently.

Three phases share the time limit:
1. column generation (colgen.py): the Dantzig–Wolfe relaxation, a lower bound and a fractional roster,
   then a dive that fixes employees to whole rosters as long as the relaxation does not rise;
2. the CP-SAT model restricted by it: dived employees fixed, every assignment the relaxation sets to 1
   fixed, no shortfall on a (day, shift) the relaxation covers fully; hinted with its heaviest rosters;
   up to RESTRICTED_RUNS runs, each with its own seed (when they all stick far above the relaxation's bound,
   as many more in phase 3's time: `_stranded`);
3. the whole model, unhinted, for the rest of the time (up to FULL_MODEL_UP_TO assignment variables):
   the better of the two rosters is kept, and its bound adds to the relaxation's.
A roster whose penalty equals a proven bound ends the search early.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from ortools.sat.python import cp_model

from solver.curtois import colgen, repair, window
from solver.curtois.construct import Builder
from solver.curtois.evaluate import Evaluation, Roster, evaluate
from solver.curtois.instance import Instance
from solver.curtois.model import Context, build_model, configure, exact_penalty, extract_roster
from solver.params import SolveParams

STAGE = "curtois"
RELAXATION_SHARE = 0.5  # at most this share of the time limit for column generation
# At most this share of what is left for the dive. Only Instance12's reaches it (the others end in 0.1-4.8 s):
# with half, its dive ended at the deadline with 36-42 employees fixed and 60 s runs gave 4 040, 4 141, 4 140,
# 4 255, 4 256 (the fewer fixed, the later the restricted window's first roster); with three quarters 42-45
# fixed by 46-53 s, 4 040-4 043 in 5 of 5 (optimum 4 040; on a slower machine earlier: 4 044, 4 140, 4 140).
DIVE_SHARE = 0.75
DIVE_ROUNDS = 2  # pricing rounds after each dive step
DIVE_SLACK = 0.001  # the dive stops where the relaxation would rise by more than this fraction
# Phase 2 gets this share of what is left, phase 3 the rest. Phase 3 runs unhinted: hinted with the
# restricted roster it stayed near it on Instance5 in 3 of 11 runs (1 235-1 237; otherwise 1 143-1 149,
# optimum 1 143), unhinted it reached 1 143-1 145 in 3 of 3; on Instances 6-9 the same either way. From
# FULL_MODEL_UP_TO assignment variables on (Instance12: 16 800) the whole model gets nowhere in the time
# left and the restricted model gets all of it (4 047-4 147 against 4 553 with half).
RESTRICTED_SHARE = 0.5
# Phase 2 as this many runs of CP-SAT, each its own seed and an equal part of the phase's time, until one proves
# its restriction. Instance8 (optimum 1 300): a run either finds 1 305-1 315 within 2-4 s or stays at
# 1 399-1 406 (one shift short more), and neither the whole model nor windows left 1 40x in the 22 s after it
# (60 s runs with one run: 1 399, 1 403, 1 406 in 3 of 11). Three restrictions, ten seeds each: 1, 2 and 4 of
# 10 runs of 7-8 s stuck at 1 40x. 60 s runs of Instance8 with two runs: 1 305-1 310 in 5 of 6, 1 400; with
# three: 1 308-1 310 in 6 of 8, 1 318, 1 404 (the 1 400 and the 1 404 came from the same relaxation, 31 rounds).
RESTRICTED_RUNS = 3
# Phase 2's runs all stuck more than this over the relaxation's bound, none proving the restriction: three more
# runs (the next seeds) take phase 3's time until one comes within it. Instance8: one relaxation in four or five
# whose restriction's runs stick at 1 400-1 408 for about a third of the seeds (1 305-1 314 otherwise, within
# 1-6 s; 16 seeds of 8 s on one saved relaxation: 4 stuck); phase 3 never left 1 40x in its 22 s.
STRANDED_GAP = 0.01
FULL_MODEL_UP_TO = 10_000
# Beyond four weeks (Instances 13-24) the phases above do not fit the time: construct.py and window.py
# instead, the construction bounded by this share of the time, the windows the rest.
LARGE_FROM_DAYS = 28
CONSTRUCT_SHARE = 0.95  # construction stops as soon as everyone has a roster
REPAIR_SHARE = 0.5  # of what is left, at most, for repair.py's moves (they stop when a pass gains under 0.5 %)
SAFETY_SHARE = 0.6  # up to four weeks: the construction that guarantees a roster, at most this share


@dataclass
class CurtoisResult:
    """What one solve produced: the roster, the penalty claimed, the bound and the improvement curve."""

    instance: str
    status: str
    roster: Roster | None
    claimed: int | None
    bound: int | None
    evaluation: Evaluation | None
    seconds: float
    # (seconds since the solve started, penalty) for every improving roster.
    curve: list[tuple[float, int]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """A roster exists, has no hard violation, and the evaluator agrees with the claimed penalty."""
        return self.evaluation is not None and self.evaluation.feasible and self.evaluation.penalty == self.claimed

    @property
    def optimal(self) -> bool:
        return self.status == "OPTIMAL"

    def penalty_at(self, seconds: float) -> int | None:
        """Best penalty found within the first `seconds` of the solve (None if none yet)."""
        found = [p for t, p in self.curve if t <= seconds]
        return min(found) if found else None


class _Recorder(cp_model.CpSolverSolutionCallback):
    """Records the improvement curve, forwards each roster to params.report, stops at a proven bound."""

    def __init__(self, params: SolveParams, started: float, ctx: Context | None) -> None:
        super().__init__()
        self.params, self.started, self.ctx = params, started, ctx
        self.curve: list[tuple[float, int]] = []
        self.bound: int | None = None  # a proven lower bound: a roster at it is optimal

    def add(self, penalty: int, bound: float | None, message: str = "") -> None:
        # Only improvements: a later phase may restart from worse rosters before it reaches the best one.
        if not self.curve or penalty < self.curve[-1][1]:
            self.curve.append((time.monotonic() - self.started, penalty))
            self.params.report(STAGE, penalty, bound, message)

    def on_solution_callback(self) -> None:
        penalty = exact_penalty(self.ctx, round(self.objective_value), self.value)
        self.add(penalty, self.best_objective_bound)
        if self.bound is not None and penalty <= self.bound:
            self.stop_search()


class Outcome(NamedTuple):
    """One CP-SAT run or the whole search: status name, roster, the penalty it claims, the proven bound."""

    status: str
    roster: Roster | None
    claimed: int | None
    bound: int | None


def _solve(
    ctx: Context, model: cp_model.CpModel, seconds: float, params: SolveParams, recorder: _Recorder, run: int = 0
) -> Outcome:
    """One CP-SAT run of `model` (the whole model or a restriction of it); `run` shifts the seed."""
    solver = cp_model.CpSolver()
    configure(solver, max(0.01, seconds), params.workers, params.seed + run)
    status = solver.solve(model, recorder)
    raw = solver.best_objective_bound
    bound = round(raw) if status != cp_model.INFEASIBLE and math.isfinite(raw) else None
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Outcome(solver.status_name(status), None, None, bound)
    claimed = exact_penalty(ctx, round(solver.objective_value), solver.value)
    return Outcome(solver.status_name(status), extract_roster(ctx, solver), claimed, bound)


def _relaxation(ctx: Context, params: SolveParams) -> colgen.ColumnGeneration:
    """Phase 1: column generation, then the dive, unless the model is large and the relaxation did not
    converge in its time (`_dived`)."""
    generation = colgen.ColumnGeneration(ctx.instance, params.workers)
    generation.run(time.monotonic() + params.remaining() * RELAXATION_SHARE)
    params.report(
        STAGE,
        None,
        generation.bound,
        f"relaxation {generation.value:.2f} after {generation.rounds} rounds, {len(generation.master.seen)} columns"
        + ("" if generation.converged else " (not converged)"),
    )
    if len(ctx.x) >= FULL_MODEL_UP_TO and not generation.converged:
        return generation
    generation.dive(time.monotonic() + params.remaining() * DIVE_SHARE, DIVE_ROUNDS, DIVE_SLACK)
    params.report(
        STAGE, None, None, f"dive: {len(generation.fixed)} employees fixed, relaxation {generation.value:.2f}"
    )
    return generation


def _settled(instance: Instance, generation: colgen.ColumnGeneration) -> tuple[set[tuple[str, int, str]], set]:
    """What the relaxation settles: the assignments (employee, day, shift) it sets to 1, and the cover lines
    (day, shift) it fills."""
    assignment = generation.assignment()
    ones = {key for key, weight in assignment.items() if weight > 1 - colgen.EPSILON}
    covered: Counter[tuple[int, str]] = Counter()
    for (_, d, t), weight in assignment.items():
        covered[d, t] += weight
    full = {(c.day, c.shift) for c in instance.cover if covered[c.day, c.shift] > c.requirement - colgen.EPSILON}
    return ones, full if assignment else set()


def _restrict(ctx: Context, generation: colgen.ColumnGeneration) -> cp_model.CpModel:
    """Phase 2's model: the whole model with what the relaxation settles fixed, hinted with its rosters."""
    ones, full = _settled(ctx.instance, generation)
    restricted = ctx.model.clone()
    for (e, d, t), var in ctx.x.items():
        if e in generation.fixed:
            restricted.add(var == (generation.fixed[e][d] == t))
        elif (e, d, t) in ones:
            restricted.add(var == 1)
    for c, slack in zip(ctx.instance.cover, ctx.cover_slacks, strict=True):
        if (c.day, c.shift) in full:
            restricted.add(slack.under == 0)
    # Hinted with each employee's heaviest roster: Instance12 found 4 049 three seconds into this phase.
    for e, column in generation.heaviest().items():
        for d, chosen in enumerate(column):
            for t in ctx.instance.shift_ids:
                restricted.add_hint(ctx.x[e, d, t], chosen == t)
    return restricted


class _Forward(cp_model.CpSolverSolutionCallback):
    """A window's rosters to the recorder: its objective plus what the window leaves out."""

    def __init__(self, recorder: _Recorder, offset: int, message: str) -> None:
        super().__init__()
        self.recorder, self.offset, self.message = recorder, offset, message

    def on_solution_callback(self) -> None:
        penalty = round(self.objective_value) + self.offset
        self.recorder.add(penalty, None, self.message)
        if self.recorder.bound is not None and penalty <= self.recorder.bound:
            self.stop_search()


def _dived(
    instance: Instance, generation: colgen.ColumnGeneration, params: SolveParams, recorder: _Recorder
) -> Outcome:
    """Phases 2 and 3 from FULL_MODEL_UP_TO assignment variables on (Instance12): the restriction as a window
    (window.py) of the employees the dive left free, every other employee as the dive fixed them, hinted
    with the heaviest rosters; then the search by windows for whatever time is left. A relaxation that did
    not converge in its time is not dived: the windows start from its heaviest rosters.

    As a clone of the whole model (`_restrict`) the restriction found its first roster 5.7 s after the dive
    on a slower machine (Instance12, relaxation not converged in its 30 s: 4 343 at 60 s, and in the bench of
    2026-12-03 no roster at all, 32 351 from the construction); as a window it has a fifth of the Booleans
    and found one 0.7 s after the dive (4 045 at 60 s). With the relaxation not converged (15-18 rounds in
    30 s on that machine), six runs each: dive, restriction and windows 4 054-5 104; the windows from the
    heaviest rosters 4 073-4 274.
    """
    builder = Builder(instance, params.workers, params.seed)
    for e, column in generation.heaviest().items():
        builder.set(e, column)
    recorder.add(builder.penalty(), None, "the relaxation's heaviest rosters")
    report = lambda penalty: recorder.add(penalty, None, "windows")  # noqa: E731
    claimed, bound = builder.penalty(), generation.bound
    if generation.fixed:
        ones, full = _settled(instance, generation)
        free = [e for e in instance.employees if e.id not in generation.fixed]
        restricted = window.Window(builder, 0, instance.horizon, free)
        for key, var in restricted.x.items():
            if key in ones:
                restricted.model.add(var == 1)
        for key, under in restricted.under.items():
            if key in full:
                restricted.model.add(under == 0)
        forward = _Forward(recorder, restricted.offset(), "restricted model")
        seconds = params.remaining() * RESTRICTED_SHARE
        solver, status = restricted.solve(seconds, params.workers, params.seed, forward)
        claimed = restricted.keep(solver, status, claimed, report)
        params.report(STAGE, claimed, None, f"restricted model: {solver.status_name(status).lower()}")
    if params.remaining() > 0 and (bound is None or claimed > bound):
        deadline = time.monotonic() + params.remaining()
        proved = window.improve(builder, deadline, report, params.workers, params.seed, bound)
        claimed = builder.penalty()
        bound = claimed if proved else bound
    return Outcome("OPTIMAL" if claimed == bound else "FEASIBLE", builder.as_roster(), claimed, bound)


def _restricted(
    ctx: Context,
    restricted: cp_model.CpModel,
    seconds: float,
    params: SolveParams,
    recorder: _Recorder,
    first: int = 0,
    enough: int | None = None,
) -> Outcome:
    """Phase 2: RESTRICTED_RUNS runs of the restricted model, runs `first`, `first` + 1, ... (each its own seed),
    until one proves the restriction's optimum (or infeasibility) or a roster reaches `enough` (by default the
    relaxation's bound); the best roster."""
    deadline = time.monotonic() + seconds
    enough = recorder.bound if enough is None else enough
    best = Outcome("UNKNOWN", None, None, None)
    for run in range(first, first + RESTRICTED_RUNS):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        outcome = _solve(ctx, restricted, left / (first + RESTRICTED_RUNS - run), params, recorder, run)
        if _better(outcome, best):
            best = outcome
        reached = best.claimed is not None and enough is not None and best.claimed <= enough
        if outcome.status in ("OPTIMAL", "INFEASIBLE") or reached:
            break
    return best


def _better(outcome: Outcome, best: Outcome) -> bool:
    """`outcome` replaces `best`: best has no roster yet, or outcome's is cheaper."""
    return best.roster is None or (outcome.roster is not None and outcome.claimed < best.claimed)


def _within_gap(bound: int) -> int:
    """The highest penalty within STRANDED_GAP of the relaxation's bound."""
    return math.floor(bound * (1 + STRANDED_GAP))


def _stranded(outcome: Outcome, bound: int | None) -> bool:
    """Phase 2 ended with a roster more than STRANDED_GAP over the relaxation's bound that no run proved best
    within the restriction (on Instance8: the runs stuck, not the restriction; on Instance9 the relaxation's
    own gap, 406 against the optimum 439, which the extra runs cost nothing)."""
    return outcome.status == "FEASIBLE" and bound is not None and outcome.claimed > _within_gap(bound)


def _guided(ctx: Context, params: SolveParams, recorder: _Recorder) -> Outcome:
    """The three phases; the best roster found, its penalty, the best proven bound."""
    generation = _relaxation(ctx, params)
    recorder.bound = generation.bound
    large = len(ctx.x) >= FULL_MODEL_UP_TO
    if large and len(generation.heaviest()) == len(ctx.instance.employees):
        return _dived(ctx.instance, generation, params, recorder)
    share = 1.0 if large else RESTRICTED_SHARE
    restricted = _restrict(ctx, generation)
    # A restriction's bound is no bound of the instance.
    outcome = _restricted(ctx, restricted, params.remaining() * share, params, recorder)
    if not large and _stranded(outcome, generation.bound):
        message = f"restricted model: over the bound by more than {STRANDED_GAP:.0%}, more runs"
        params.report(STAGE, outcome.claimed, None, message)
        enough = _within_gap(generation.bound)
        again = _restricted(ctx, restricted, params.remaining(), params, recorder, RESTRICTED_RUNS, enough)
        if _better(again, outcome):
            outcome = again
    status, roster, claimed, _ = outcome
    params.report(STAGE, claimed, None, f"restricted model: {status.lower()} within the restriction")
    bound = generation.bound
    # The whole model also runs when the restriction has no roster (the no-shortfall lines may be more than
    # whole rosters can give) — on a large instance only with what time the restriction left.
    if (
        (not large or roster is None)
        and params.remaining() > 0
        and (claimed is None or bound is None or claimed > bound)
    ):
        whole = _solve(ctx, ctx.model, params.remaining(), params, recorder)
        if whole.roster is not None and (claimed is None or whole.claimed <= claimed):
            status, roster, claimed = whole.status, whole.roster, whole.claimed
        elif roster is None:
            status = whole.status  # e.g. INFEASIBLE: the whole model's verdict, not the restriction's
        if whole.bound is not None and (bound is None or whole.bound > bound):
            bound = whole.bound
    if claimed is not None:
        status = "OPTIMAL" if claimed == bound else "FEASIBLE"
    return Outcome(status, roster, claimed, bound)


def _large(instance: Instance, params: SolveParams, recorder: _Recorder) -> Outcome:
    """Instances longer than four weeks: construction and the shifts mixed (construct.py), then the
    large-neighbourhood search by windows (window.py) for the time left.

    Column generation is skipped: its first round took 70 s on Instance21 (its pricing problems are not solved
    in 2 s each). The whole model found no roster of Instance20 in 30 s; hinted with the construction's, it
    reached 18 878 on Instance19 in 60 s, where the windows reach about 5 600.
    """
    builder = Builder(instance, params.workers, params.seed)
    built = builder.construct(time.monotonic() + params.remaining() * CONSTRUCT_SHARE, polish=False)
    if not built:
        params.report(STAGE, None, None, f"construction: {len(builder.roster)} employees rostered in time")
        return Outcome("UNKNOWN", None, None, None)
    recorder.add(builder.penalty(), None, "construction")
    builder.mix_shifts()
    recorder.add(builder.penalty(), None, "shifts mixed")
    moves = repair.repair(builder, time.monotonic() + params.remaining() * REPAIR_SHARE, params.seed)
    recorder.add(builder.penalty(), None, f"cover mended, {moves} moves")
    proved = window.improve(
        builder,
        time.monotonic() + params.remaining(),
        lambda penalty: recorder.add(penalty, None, "windows"),
        params.workers,
        params.seed,
    )
    claimed = builder.penalty()
    if proved:
        return Outcome("OPTIMAL", builder.as_roster(), claimed, claimed)
    return Outcome("FEASIBLE", builder.as_roster(), claimed, None)


def solve_instance(instance: Instance, params: SolveParams) -> CurtoisResult:
    """The three phases under params (construction and windows beyond four weeks); the roster checked by the
    evaluator.

    Up to four weeks a construction (construct.py, no polish, at most SAFETY_SHARE of the time, usually under
    a second) runs first, so that a roster exists whatever the phases after it manage: on a machine at load 20
    the relaxation of Instances 11-12 took the whole minute and the run ended with no roster. Its roster is
    kept only when the phases end without a better one.
    """
    started = time.monotonic()
    if instance.horizon > LARGE_FROM_DAYS:
        recorder = _Recorder(params, started, None)
        status, roster, claimed, bound = _large(instance, params, recorder)
    else:
        safety = Builder(instance, params.workers, params.seed)
        built = safety.construct(time.monotonic() + params.remaining() * SAFETY_SHARE, polish=False)
        ctx, _ = build_model(instance)
        recorder = _Recorder(params, started, ctx)
        if built:
            recorder.add(safety.penalty(), None, "construction")
        params.report(STAGE, None, None, f"model built, {len(ctx.x)} assignment variables")
        status, roster, claimed, bound = _guided(ctx, params, recorder)
        if built and (claimed is None or safety.penalty() < claimed):
            roster, claimed = safety.as_roster(), safety.penalty()
            status = "OPTIMAL" if claimed == bound else "FEASIBLE"
    evaluation = evaluate(instance, roster) if roster is not None else None
    result = CurtoisResult(
        instance.name, status, roster, claimed, bound, evaluation, time.monotonic() - started, recorder.curve
    )
    params.report(STAGE, claimed, bound, f"status {result.status}")
    return result
