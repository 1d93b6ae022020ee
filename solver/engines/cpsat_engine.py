"""The CP-SAT engine's model: the shared linear model in CP-SAT, solved repeatedly as ranks get fixed.

Each stage starts from the previous roster (hint), states GLOP's LP bound as a floor, and fixes its ranks for
the stages below. docs/solver.md gives the measurements behind each choice.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ortools.sat.python import cp_model

from solver.engines.base import StageResult, Tracker, stage_results
from solver.engines.lp import Relaxation
from solver.formulation import AtMost, Context, Terms, canonical
from solver.params import SolveParams
from solver.stages import Stage

# Share of the time already spent that the deterministic replay may use (see CpSatEngine.replay).
REPLAY_SHARE = 0.25


def _ceil(low: float) -> int:
    """An LP value rounded up to an integer bound, lowered by a relative 1e-6 first so that floating-point
    error can never cut off a true optimum."""
    return math.ceil(low - 1e-6 * max(1.0, abs(low)) - 1e-6)


class Known(NamedTuple):
    """A later stage already settled by another back-end (HiGHS solved it while proving max_load): its proven
    lower bound, whether the roster handed over meets it, who proved it and when."""

    bound: int
    proven: bool
    prover: str
    at: float


class LpOptimum(NamedTuple):
    """GLOP's last optimum of a stage's objective: its value and the reduced cost of every column."""

    terms: Terms
    low: float
    reduced: list[float]


class Coverage(NamedTuple):
    """The first stage's combined objective (ranks 1–3), its value, and whether that value is proven."""

    terms: Terms
    value: int
    proven: bool


def set_hint(cp: cp_model.CpModel, values: list[int]) -> None:
    """A complete roster as the model's solution hint, variable i at values[i] (the engine's variables are the
    model's first ones, in order): extended at once, not one `add_hint` call per variable (0.1 s a stage on
    the quarter amendment's 8,800 variables)."""
    cp.clear_hints()
    hint = cp.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)


def set_objective(cp: cp_model.CpModel, terms: Terms) -> None:
    """`minimize(Σ terms)`, written to the model's objective at once (the same proto `minimize` writes)."""
    cp.clear_objective()
    objective = cp.proto.objective
    objective.vars.extend(terms.keys())
    objective.coeffs.extend(terms.values())
    objective.scaling_factor = 1.0


def add_row(cp: cp_model.CpModel, terms: Terms, lo: int | None, hi: int | None) -> None:
    """lo <= Σ terms <= hi as one linear constraint of the proto (`add_linear_constraint` writes the same),
    without building an expression object first: the quarter's 6,400 rows in half the time."""
    linear = cp.proto.constraints.add().linear
    linear.vars.extend(terms.keys())
    linear.coeffs.extend(terms.values())
    linear.domain.extend((cp_model.INT_MIN if lo is None else lo, cp_model.INT_MAX if hi is None else hi))


class Variables:
    """The engine's CP-SAT variables by index (the model's first `size` ones), each made on first use: most
    rows, objectives and hints are written to the proto by index, and only a few expressions need a variable
    object (8,800 made up front took 0.05 s on the quarter amendment)."""

    def __init__(self, cp: cp_model.CpModel, size: int) -> None:
        self.cp, self.size = cp, size
        self.made: dict[int, cp_model.IntVar] = {}

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> cp_model.IntVar:
        var = self.made.get(index)
        if var is None:
            if not 0 <= index < self.size:
                raise IndexError(index)
            var = self.made[index] = self.cp.get_int_var_from_proto_index(index)
        return var


class IncumbentCallback(cp_model.CpSolverSolutionCallback):
    """Forwards each improving solution (stage, objective, bound) to the tracker."""

    def __init__(self, tracker: Tracker, stage: str) -> None:
        super().__init__()
        self.tracker, self.stage = tracker, stage
        # (each rank's terms, the ranks' lexicographic LP bounds, the combined objective of a roster
        # meeting them): stop when a roster meets them. The ranks are summed only for a solution whose objective
        # is that value (any roster meeting the bounds has it), so the callback stays cheap on long searches.
        self.stop_at: tuple[list[Terms], list[int], int] | None = None
        self.met = False

    def on_solution_callback(self) -> None:
        self.tracker.incumbent(self.stage, self.objective_value, self.best_objective_bound)
        if self.stop_at is not None and round(self.objective_value) == self.stop_at[2]:
            ranks, bounds, _ = self.stop_at
            solution = list(self.response_proto.solution)
            values = [sum(c * solution[v] for v, c in rank.items()) for rank in ranks]
            if values == bounds:
                self.met = True
                self.stop_search()


class CpSatEngine:
    """One CP-SAT model, solved repeatedly: objectives change, rows fixing finished stages accumulate."""

    def __init__(self, ctx: Context, params: SolveParams) -> None:
        self.ctx, self.params = ctx, params
        self.tracker = Tracker(params)
        self.cp = cp_model.CpModel()
        model = ctx.model
        # Written to the model's proto in bulk (variables, then rows), as `new_int_var` and
        # `add_linear_constraint` would write them one by one: quarter amendment 0.18 s -> 0.1 s.
        variables = self.cp.proto.variables
        for lo, hi in zip(model.lb, model.ub, strict=True):
            variables.add().domain.extend((lo, hi))
        self.vars = Variables(self.cp, len(model.lb))
        for row in model.rows:
            add_row(self.cp, row.terms, row.lo, row.hi)
        # The hard rules alone, before any rank is fixed: the max_load caps are tested on a copy of it.
        self.base = self.cp.clone()
        self.fixed: list[AtMost] = []
        self.values: list[int] | None = None
        self.coverage: Coverage | None = None
        self._relaxation: Relaxation | None = None
        self.last_lp: LpOptimum | None = None
        # Stage name -> what another back-end proved about it (see Known).
        self.known: dict[str, Known] = {}
        # Whether the roster came from a multi-threaded CP-SAT search (which optimum it returns depends on thread
        # timing): only then does the deterministic replay run. Greedy, GLOP and HiGHS are deterministic.
        self.parallel_roster = False

    def relaxation(self) -> Relaxation:
        """The engine's one LP relaxation (GLOP), with every fixed row; re-solved warm from stage to stage."""
        if self._relaxation is None:
            self._relaxation = Relaxation(self.ctx.model, self.fixed)
        return self._relaxation

    def stage_relaxation(self, stage: Stage, later: list[Stage]) -> Relaxation:
        """The LP for a stage's bounds: the engine's relaxation, or — for a stage before the ranks whose
        auxiliaries are not assignments (max_load's variable, load_sq's steps) — a smaller one without the rows
        that define those auxiliaries, built for the stage's questions only.

        Leaving rows out relaxes the LP, so its bounds stay valid. These rows do not restrict the assignments
        here: a GP's steps number `max_units` and max_load's range reaches every such load, which `max_shifts`
        and the variables' bounds already allow in the LP. Quarter amendment, `removed` with uncovered held
        at 0: 0.03 s against 0.3 s cold on the whole LP (half its rows).
        """
        model = self.ctx.model
        assignments = set(model.x.values())
        mine = {v for key in stage.keys for v in model.objectives[key].terms}
        auxiliaries = frozenset(
            v
            for s in later
            for key in s.keys
            for v in model.objectives[key].terms
            if v not in assignments and v not in mine
        )
        if not auxiliaries:
            return self.relaxation()
        return Relaxation(model, self.fixed, auxiliaries)

    def adopt(self, solver: cp_model.CpSolver, terms: Terms | None = None) -> None:
        """Take the solver's roster, unless it is no better than the current one on `terms` (then the current,
        deterministic roster stays)."""
        values = self.read(solver)
        if terms is not None and self.values is not None and self.value_of(values, terms) >= self.value(terms):
            return
        self.values = values
        self.parallel_roster = self.parallel_roster or solver.parameters.num_workers > 1

    def expr(self, terms: Terms) -> cp_model.LinearExprT:
        return cp_model.LinearExpr.weighted_sum([self.vars[i] for i in terms], list(terms.values()))

    def fix(self, terms: Terms, hi: int) -> None:
        """Later stages may only choose among rosters that keep this objective at or below `hi`."""
        add_row(self.cp, terms, None, hi)
        self.fixed.append(AtMost(terms, hi))
        if self._relaxation is not None:
            self._relaxation.add(self.fixed[-1])

    def fix_keys(self, keys: tuple[str, ...]) -> None:
        """Keep each rank of a finished stage at its value: one sparse row per rank, kinder to the LP than the
        combined row, and the same set of rosters once the stage is proven."""
        assert self.values is not None
        for key in keys:
            objective = self.ctx.model.objectives[key]
            self.fix(objective.terms, self.ctx.model.value(key, self.values) - objective.constant)

    def solver(self) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, self.params.remaining())
        solver.parameters.num_workers = max(1, self.params.workers)
        solver.parameters.random_seed = self.params.seed
        # The model is a network with side rows: its LP relaxation is strong, so let CP-SAT use all of it.
        # With 2 workers CP-SAT's own portfolio runs `default_lp` (linearization 1) as its only full solver,
        # whose bound on the tight month stays at 33 against an LP optimum of 64 (not proven in 30 s);
        # `max_lp` first proves it in 0.2 s.
        solver.parameters.linearization_level = 2
        for name in ("max_lp", "default_lp", "quick_restart", "core", "reduced_costs", "pseudo_costs"):
            solver.parameters.subsolvers.append(name)
        return solver

    def read(self, solver: cp_model.CpSolver) -> list[int]:
        """The solver's roster, its auxiliaries at their tightest (see `canonical`)."""
        return canonical(self.ctx, list(solver.response_proto.solution)[: len(self.vars)])

    def value(self, terms: Terms) -> int:
        assert self.values is not None
        return self.value_of(self.values, terms)

    @staticmethod
    def value_of(values: list[int], terms: Terms) -> int:
        return sum(c * values[v] for v, c in terms.items())

    def lp_floor(self, terms: Terms, relaxation: Relaxation | None = None) -> int | None:
        """A proven lower bound from GLOP's LP relaxation, added to the model as `objective >= floor`.

        The stages are flow-like, so the LP bound is usually the optimum: with it stated, CP-SAT stops as soon
        as its (fast, LNS-driven) primal search reaches it instead of proving it by search. The bound is
        lowered by a relative 1e-6 so that floating-point error can never cut off a true optimum.
        """
        relaxation = relaxation or self.relaxation()
        low = relaxation.minimise(terms)
        if low is None:
            return None
        reduced = relaxation.reduced_costs()
        self.last_lp = None if reduced is None else LpOptimum(terms, low, reduced)
        floor = _ceil(low)
        add_row(self.cp, terms, floor, None)
        return floor

    def fix_by_reduced_costs(self, optimum: LpOptimum) -> int:
        """Reduced-cost fixing before a search: how many variables it fixed in the CP model.

        For any roster, objective >= LP optimum + d_v·|x_v − bound_v| for each column v at a bound with reduced
        cost d_v (every term of the LP's duality identity is non-negative). A variable whose |d_v| exceeds the
        gap between the current roster (an upper bound) and the LP optimum keeps its LP bound in every roster
        at least as good as the current one: fixing it loses none of them, the current roster included. The
        gap is widened by a relative 1e-6 against floating-point error, and nothing is fixed if the current
        roster itself disagrees with one fixing (the LP's numbers are then not trusted). Quarter amendment,
        ranks 5–6: 7,060 of 8,793 variables fixed, CP-SAT's proof 0.25 s -> 0.08 s (its presolve is the work).
        """
        if self.values is None:
            return 0
        model = self.ctx.model
        gap = self.value(optimum.terms) - optimum.low + 1e-6 * max(1.0, abs(optimum.low)) + 1e-6
        fixings = []
        for v, d in enumerate(optimum.reduced):
            lo, hi = model.lb[v], model.ub[v]
            if lo == hi or abs(d) <= gap:
                continue
            value = lo if d > 0 else hi
            if self.values[v] != value:
                return 0
            fixings.append((v, value))
        variables = self.cp.proto.variables
        for v, value in fixings:
            domain = variables[v].domain
            domain.clear()
            domain.extend((value, value))
        return len(fixings)

    def minimise(
        self, name: str, terms: Terms, stage: Stage | None = None, lex: list[int] | None = None
    ) -> tuple[int, float, bool]:
        """Minimise `terms` from the current roster (hint); CP-SAT's status, its bound, and whether the search
        stopped on the rank-by-rank LP bounds.

        With `lex` (lex_bounds of `stage`): the first rank's bound is stated as a floor, and the search stops at
        the first roster whose ranks meet them all, proven optimal (status OPTIMAL).
        """
        set_objective(self.cp, terms)
        if self.values is not None:
            set_hint(self.cp, self.values)
        else:
            self.cp.clear_hints()
        solver = self.solver()
        self.tracker.start_stage()
        callback = IncumbentCallback(self.tracker, name)
        if stage is not None and lex is not None:
            first = self.ctx.model.objectives[stage.parts[0].key].terms
            add_row(self.cp, first, lex[0], None)
            ranks = [self.ctx.model.objectives[p.key].terms for p in stage.parts]
            target = sum(p.weight * (b // p.gcd) for p, b in zip(stage.parts, lex, strict=True))
            callback.stop_at = (ranks, lex, target)
        status = solver.solve(self.cp, callback)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.adopt(solver, terms)
        if status == cp_model.FEASIBLE and callback.met:
            # Stopped on a roster meeting every rank's LP bound: optimal (see lex_bounds).
            status = cp_model.OPTIMAL
            self.params.report(name, None, self.value(terms), "LP bound, rank by rank")
        return status, solver.best_objective_bound, callback.met

    def lex_bounds(self, stage: Stage, relaxation: Relaxation) -> list[int] | None:
        """Each rank's own LP bound, rounded up on its own, with the ranks above it held at theirs.

        Each rank is an integer (a multiple of its gcd), so its LP bound rounds up on its own; the combined
        objective's LP bound rounds only once, after the weights. A roster whose ranks equal these bounds is
        lexicographically optimal (rank k's bound holds among the rosters whose ranks above meet theirs). An
        amendment's first stage shows the difference: the published roster with the withdrawn pairs refilled
        is optimal (0 · 6 · 0), the combined LP bound is 6 units of `understaffed` below it (`removed` at
        5.9995 in the LP), and CP-SAT spent 1-3 s proving what "removed >= ceil(5.9995) = 6" proves at once.
        """
        bounds: list[int] = []
        added = []
        try:
            for index, part in enumerate(stage.parts):
                terms = self.ctx.model.objectives[part.key].terms
                floor = self.floor(part.key, part.gcd)
                if self.values is not None and self.value(terms) <= floor:
                    # The roster is at the rank's floor (variables' bounds, the rule's own): no LP re-solve.
                    bounds.append(floor)
                else:
                    low = relaxation.minimise(terms)
                    if low is None:
                        return None
                    bounds.append(max(floor, _ceil(low / part.gcd) * part.gcd))
                if index + 1 < len(stage.parts):  # the last rank's row would restrict no later question
                    added.append(relaxation.add(AtMost(terms, bounds[-1])))
        finally:
            for row in added:  # these rows hold for the question only, not for every roster of the stage
                relaxation.drop(row)
        return bounds

    def floor(self, key: str, gcd: int = 1) -> int:
        """The rank's floor known without LP (LinearModel.floor), without its constant, rounded up to its gcd."""
        objective = self.ctx.model.objectives[key]
        return -(-(self.ctx.model.floor(key) - objective.constant) // gcd) * gcd

    def at_floors(self, stage: Stage) -> bool:
        """Whether the roster has every rank of the stage at its floor: lexicographically optimal, nothing to
        solve (an amendment's first stage when everything can still be covered and staffed: 0 · 0 · 0)."""
        return self.values is not None and all(
            self.value(self.ctx.model.objectives[p.key].terms) <= self.floor(p.key, p.gcd) for p in stage.parts
        )

    def ranks_meet_lp(self, stage: Stage, relaxation: Relaxation) -> bool:
        """Whether the current roster meets lex_bounds: lexicographically optimal by the LP alone."""
        assert self.values is not None
        bounds = self.lex_bounds(stage, relaxation)
        return bounds is not None and self.ranks(stage, self.values) == bounds

    def meets(self, stage: Stage, floor: int) -> bool:
        """Whether the current roster's combined objective is at (or below) a proven floor."""
        return self.values is not None and self.value(stage.terms) <= floor

    def ranks(self, stage: Stage, values: list[int]) -> list[int]:
        return [self.value_of(values, self.ctx.model.objectives[p.key].terms) for p in stage.parts]

    def stage(self, stage: Stage, later: list[Stage] | None = None) -> list[StageResult]:
        """Minimise the stage's combined objective; empty when nothing was found. `later`: the stages after it
        (see stage_relaxation)."""
        started = self.params.elapsed()
        known = self.known.get(stage.name)
        if known is not None and self.values is not None and self.value(stage.terms) <= known.bound:
            # Settled by another back-end (HiGHS, while proving max_load): its roster is the engine's roster.
            value = self.value(stage.terms)
            self.tracker.incumbent(stage.name, value, known.bound)
            self.params.report(stage.name, value, known.bound, f"proven ({known.prover})")
            self.fix_keys(stage.keys)
            return stage_results(self.ctx.model, stage, self.values, value, True, 0.0, known.prover, known.at)
        if known is None and self.at_floors(stage):
            value = self.value(stage.terms)
            self.tracker.incumbent(stage.name, value, value)
            self.params.report(stage.name, value, value, "proven (floors without LP)")
            if self.coverage is None and "max_load" not in stage.keys:
                self.coverage = Coverage(stage.terms, value, True)
            self.fix_keys(stage.keys)
            elapsed = self.params.elapsed()
            return stage_results(self.ctx.model, stage, self.values, value, True, elapsed - started, "bounds", elapsed)
        relaxation = self.stage_relaxation(stage, later or [])
        if known is not None:
            # The other back-end's dual bound is at least the LP's: state it and keep searching from its roster.
            add_row(self.cp, stage.terms, known.bound, None)
        # With a published roster, `removed` sits fractionally below its integer value in the combined LP (the
        # quarter amendment: 5.9995 for 6), so the combined bound is not met and only the rank-by-rank bounds
        # prove the stage: then skip the combined LP and go rank by rank at once.
        by_rank = "removed" in stage.keys and len(stage.parts) > 1 and bool(self.ctx.problem.previous)
        floor = None if by_rank else self.lp_floor(stage.terms, relaxation)
        if known is not None:
            floor = known.bound if floor is None else max(floor, known.bound)
        if floor is not None:
            self.params.report(stage.name, None, floor, "LP bound")
        # Who proved the stage: GLOP's bound met by a roster, or CP-SAT's own search.
        prover = "glop"
        lex = None
        if (by_rank or floor is not None) and len(stage.parts) > 1 and (floor is None or not self.meets(stage, floor)):
            # Each rank's own LP bound (one warm re-solve per rank): their weighted sum bounds the combined
            # objective, never below the combined LP bound rounded once (see lex_bounds). Department quarter,
            # ranks 1–3: 1.8 s against 0.5 s for the combined LP, so only when the combined bound is not met.
            lex = self.lex_bounds(stage, relaxation)
            if lex is not None:
                total = sum(p.weight * (b // p.gcd) for p, b in zip(stage.parts, lex, strict=True))
                floor = total if floor is None else max(floor, total)
                add_row(self.cp, stage.terms, floor, None)
                self.params.report(stage.name, None, floor, "LP bound, rank by rank")
        if floor is not None and self.meets(stage, floor):
            # The current roster already meets the LP bound: optimal, nothing to search.
            status, raw_bound = cp_model.OPTIMAL, float(floor)
            self.tracker.incumbent(stage.name, self.value(stage.terms), floor)
        else:
            if self.last_lp is not None and self.last_lp.terms is stage.terms:
                fixed = self.fix_by_reduced_costs(self.last_lp)
                self.params.report(stage.name, None, floor, f"reduced costs fix {fixed} of {len(self.vars)} variables")
            status, raw_bound, met = self.minimise(stage.name, stage.terms, stage, lex)
            if status == cp_model.OPTIMAL and not met:
                prover = "cp-sat"
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or self.values is None:
            return []
        value = self.value(stage.terms)
        bound = max(math.ceil(raw_bound - 1e-6), floor if floor is not None else -math.inf)
        done = status == cp_model.OPTIMAL or value <= bound
        bound = value if done else min(value, bound)
        self.params.report(stage.name, value, bound, "proven" if done else "time limit")
        if self.coverage is None and "max_load" not in stage.keys:
            self.coverage = Coverage(stage.terms, value, done)
        self.fix_keys(stage.keys)
        elapsed = self.params.elapsed()
        return stage_results(self.ctx.model, stage, self.values, bound, done, elapsed - started, prover, elapsed)

    def replay(self, hint: list[int]) -> bool:
        """Re-find a roster with every rank at its proven value, single-threaded, from a fixed hint.

        Parallel search picks one of many optimal rosters by thread timing; this last solve depends only on
        the model, the hint and the seed, so the same problem, seed and workers give the same roster. The model
        is the hard rules (`base`) and the finished ranks at their proven values, nothing else: the search's
        own model also holds rows and fixings that depend on thread timing (the roster a reduced-cost fixing
        was checked against, a bound HiGHS sent while it ran), and replaying on it gave another roster in 1
        of 12 runs of the 25-GP fortnight on a loaded machine.
        """
        cp = self.base.clone()
        for row in self.fixed:
            add_row(cp, row.terms, None, row.hi)
        set_hint(cp, hint)
        solver = self.solver()
        solver.parameters.num_workers = 1
        # Bounded, so determinism never costs more than a fraction of the solve; past it, the parallel roster
        # (optimal too) is kept and stats say `replayed: false`.
        solver.parameters.max_time_in_seconds = min(
            self.params.remaining(), max(2.0, REPLAY_SHARE * self.params.elapsed())
        )
        if solver.solve(cp) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        self.values = self.read(solver)
        self.parallel_roster = False
        return True
