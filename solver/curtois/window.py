"""Large-neighbourhood search by time windows, for the long instances (Instances 13-24).

Cover is the only rule linking employees and it is counted day by day, so a window of days with everyone in it
is a whole rostering problem of its own: the days outside it are fixed, the hard rules that reach across its
edges (rotation, runs, the consecutive-shift windows) see the fixed days as constants, and the rules that count
over the horizon (shifts per type, minutes, weekends) keep what the fixed days already use. The window's
CP-SAT model has a few thousand to a few tens of thousands of Booleans where the whole model of Instance24 has
1.7 million, so it is built in a fraction of a second and CP-SAT improves it in seconds.

`improve` repeats: pick a window (where the penalty is, chosen at random in proportion to it), free everyone
in it (or a random part of the staff when the window would be too large), solve hinted with the current
roster, keep the new roster when its exact penalty is lower. The window shrinks when a sub-problem is not
solved to optimality in half its time, and grows when it is, unless windows of the larger size gained less a
second (`_Search._resize`). Every roster along the way is valid.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ortools.sat.python import cp_model

from solver.curtois.construct import Builder, Column
from solver.curtois.instance import Employee, Request
from solver.curtois.model import Literal, add_clause, linear_sum, negate

START_VARIABLES = 2_000  # free assignment Booleans of the first neighbourhood
MIN_VARIABLES, MAX_VARIABLES = 1_000, 60_000
SUB_SECONDS = 1.0  # at most, per sub-problem
MIN_DAYS = 3
GROWTH = 1.3  # a window's size steps by this factor (`_Search._resize`)
PAIR_FROM_STAFF = 10  # two threads of windows when each half of the staff has at least this many
STAFF_MIN_DAYS = 28  # the employees' neighbourhood spans at least four weeks
# Windows whose employees may take only the shifts worked, asked for or short (Window), unless one holds the whole
# instance. Instances 19-24, 60 s: 3 844, 5 897, 25 747, 54 945, 47 351, 146 742 against 4 083, 7 074,
# 28 855, 63 026, 72 100, 179 538 with every shift in every window; staff windows only narrow: between.
NARROW = {"staff", "days"}
# A window of the search pays this for each weekend worked on one day only, on top of the penalty (a roster is
# still kept only if its true penalty is no higher): dropping a weekend day to save one shift over spends the
# employee's weekend, which can then no longer be worked whole where a weekend is short, and weekends are what
# Instances 19, 21 and 22 cannot cover even when every weekend allowed is worked whole. 60 s, without → with:
# 19 3 847 → 3 570, 20 5 541 → 5 227, 21 22 058 → 21 956, 22 40 912 → 38 259 and 39 680 → 38 230, 23 22 703 →
# 21 759, 24 56 581 → 56 925 and 56 502 → 55 452; a bias of 4 no better (docs/curtois.md, fifteenth session).
WEEKEND_BIAS = 2
# Each kind is drawn in proportion to what its windows gained per second lately (an exponential average of
# DECAY per window), and never less than FLOOR times as often as the best kind.
DECAY, FLOOR = 0.9, 0.15


class DayCosts:
    """What each day costs now (its cover lines and its requests), counted again only for the days a window
    changed: counting every day for every window took a third of a window's build on Instance24."""

    def __init__(self, builder: Builder) -> None:
        horizon = builder.instance.horizon
        self.builder = builder
        self.lines: list[list[tuple[int, str]]] = [[] for _ in range(horizon)]
        for key in builder.cover:
            self.lines[key[0]].append(key)
        self.on: list[list[Request]] = [[] for _ in range(horizon)]
        self.off: list[list[Request]] = [[] for _ in range(horizon)]
        for requests, by_day in ((builder.instance.on_requests, self.on), (builder.instance.off_requests, self.off)):
            for r in requests:
                by_day[r.day].append(r)
        self.days = [self._day(d) for d in range(horizon)]

    def _day(self, d: int) -> int:
        roster = self.builder.roster
        return (
            sum(map(self.builder.line, self.lines[d]))
            + sum(r.weight for r in self.on[d] if roster[r.employee][d] != r.shift)
            + sum(r.weight for r in self.off[d] if roster[r.employee][d] == r.shift)
        )

    def update(self, start: int, end: int) -> int:
        """Days [start, end) counted again; what the roster's penalty changed by."""
        before = sum(self.days[start:end])
        self.days[start:end] = [self._day(d) for d in range(start, end)]
        return sum(self.days[start:end]) - before


class Window:
    """The CP-SAT model of days [start, end) for the `free` employees; everything else fixed as in the builder's
    roster (whose counts give what the fixed employees cover). With `weekend_bias`, the objective also counts
    that much for each of the window's weekends a free employee works on one day only (`WEEKEND_BIAS`)."""

    def __init__(
        self,
        builder: Builder,
        start: int,
        end: int,
        free: list[Employee],
        narrow: bool = False,
        weekend_bias: int = 0,
    ) -> None:
        instance, roster = builder.instance, builder.roster
        self.builder, self.instance, self.roster = builder, instance, roster
        self.start, self.end, self.free = start, end, free
        self.weekend_bias = weekend_bias  # what the objective adds for each weekend worked on one day
        self.model = cp_model.CpModel()
        self.x: dict[tuple[str, int, str], cp_model.IntVar] = {}
        self.w: dict[tuple[str, int], cp_model.IntVar] = {}
        self.terms: list[cp_model.LinearExprT] = []
        self.under: dict[tuple[int, str], cp_model.IntVar] = {}  # the shortfall of each cover line in the model
        self.minutes = {s.id: s.minutes for s in instance.shifts}
        self.forbidden = {s.id: s.forbidden_next for s in instance.shifts}
        self.days: dict[tuple[str, int], dict[str, cp_model.IntVar]] = {}  # (employee, day) -> shift -> x
        useful = self._useful() if narrow else None
        for e in free:
            allowed = builder.allowed[e.id]
            for d in range(start, end):
                mine = allowed if useful is None else [t for t in allowed if t in useful[d]]
                if d in e.days_off or not mine:
                    continue
                shifts = [self.model.new_bool_var(f"x[{e.id},{d},{t}]") for t in mine]
                works = self.model.new_bool_var(f"w[{e.id},{d}]")
                self.model.add(linear_sum(shifts) == works)
                self.x.update({(e.id, d, t): v for t, v in zip(mine, shifts, strict=True)})
                self.days[e.id, d] = dict(zip(mine, shifts, strict=True))
                self.w[e.id, d] = works
        for e in free:
            self._employee(e)
        self._requests()
        self._cover()
        self.model.minimize(linear_sum(self.terms))
        for key, var in self.x.items():
            self.model.add_hint(var, roster[key[0]][key[1]] == key[2])
        for (e, d), var in self.w.items():
            self.model.add_hint(var, roster[e][d] is not None)

    def _useful(self) -> list[set[str]]:
        """A narrow window's shifts on each of its days (indexed from day 0): those a free employee works or
        asks for (a shift-on request), and those short. Taking any other shift only adds an employee over;
        leaving them out makes the window's model several times smaller where few employees are free. Without
        the requests, no narrow window could grant one on a line already covered (Instance24's 60 s roster
        missed 6 828 of its 9 540, weight 13 560 of 58 932; with them, 60 s runs of Instances 23 and 24 end
        2-13 % lower)."""
        count, cover = self.builder.count, self.builder.cover
        useful: list[set[str]] = [set() for _ in range(self.end)]
        for e in self.free:
            for d in range(self.start, self.end):
                if (t := self.roster[e.id][d]) is not None:
                    useful[d].add(t)
            for d, t, _ in self.builder.on[e.id]:
                if self.start <= d < self.end:
                    useful[d].add(t)
        for (d, t), c in cover.items():
            if self.start <= d < self.end and count[d, t] < c.requirement:
                useful[d].add(t)
        return useful

    def inside(self, d: int) -> bool:
        return self.start <= d < self.end

    def shift(self, e: str, d: int, t: str) -> Literal:
        return self.x.get((e, d, t), False) if self.inside(d) else self.roster[e][d] == t

    def _day(self, e: str, d: int) -> dict[str, cp_model.IntVar] | str | None:
        """Day d of employee e: its variables by shift inside the window, the fixed shift (or None) outside."""
        return self.days.get((e, d), {}) if self.inside(d) else self.roster[e][d]

    def works(self, e: str, d: int) -> Literal:
        return self.w.get((e, d), False) if self.inside(d) else self.roster[e][d] is not None

    def _clause(self, literals: list[Literal]) -> None:
        # All constant and false: the fixed days break the rule themselves, which a valid roster never does.
        assert any(lit is not False for lit in literals), "a window clause with every literal fixed false"
        add_clause(self.model, literals)

    def _employee(self, e: Employee) -> None:
        instance, start, end, horizon = self.instance, self.start, self.end, self.instance.horizon
        column = self.roster[e.id]
        # Rotation across the window and its two edges: shift s on d, then none of those it forbids on d + 1
        # (at most one shift a day, so one linear constraint per (d, s) says it). A fixed day is its one shift.
        forbidden = self.forbidden
        for d in range(max(0, start - 1), min(end, horizon - 1)):
            today, tomorrow = self._day(e.id, d), self._day(e.id, d + 1)
            if isinstance(today, dict):
                for s, first in today.items():
                    if isinstance(tomorrow, dict):
                        after = [var for t, var in tomorrow.items() if t in forbidden[s]]
                        if after:
                            self.model.add(first + linear_sum(after) <= 1)
                    elif tomorrow is not None and tomorrow in forbidden[s]:
                        self.model.add(first == 0)
            elif today is not None and isinstance(tomorrow, dict):
                after = [var for t, var in tomorrow.items() if t in forbidden[today]]
                if after:
                    self.model.add(linear_sum(after) == 0)
        # Shifts per type and minutes: what the fixed days use is spent.
        spent = Counter(column)
        spent.subtract(column[start:end])
        own = [(t, var) for d in range(start, end) for t, var in self.days.get((e.id, d), {}).items()]
        mine: dict[str, list[cp_model.IntVar]] = {}
        for t, var in own:
            mine.setdefault(t, []).append(var)
        for t, variables in mine.items():
            limit = e.max_shifts.get(t, horizon)
            if limit < horizon:
                self.model.add(linear_sum(variables) <= limit - spent[t])
        if own:
            minutes = self.minutes
            used = sum(minutes[t] * n for t, n in spent.items() if t is not None)
            worked = cp_model.LinearExpr.weighted_sum([v for _, v in own], [minutes[t] for t, _ in own])
            self.model.add_linear_constraint(worked, e.min_minutes - used, e.max_minutes - used)
        # Maximum consecutive shifts: every window of max+1 days that reaches into this one.
        span = e.max_consecutive + 1
        for first in range(max(0, start - span + 1), min(end, horizon - span + 1)):
            days = [self.works(e.id, d) for d in range(first, first + span)]
            variables = [v for v in days if not isinstance(v, bool)]
            if variables:
                self.model.add(linear_sum(variables) <= e.max_consecutive - sum(1 for v in days if v is True))
        # Minimum runs, with the model's 3-literal clauses state[s-1] or not state[s] or state[s+k].
        for minimum, working in ((e.min_consecutive, True), (e.min_days_off, False)):

            def state(d: int, working: bool = working) -> Literal:
                lit = self.works(e.id, d)
                return lit if working else negate(lit)

            for first in range(max(1, start - minimum), min(horizon, end + 1)):
                for k in range(1, minimum):
                    if first + k < horizon and any(self.inside(d) for d in (first - 1, first, first + k)):
                        self._clause([state(first - 1), negate(state(first)), state(first + k)])
        # Weekends: those outside the window are spent.
        used, worked_weekends = 0, []
        for k in range(instance.weekends):
            days = (7 * k + 5, 7 * k + 6)
            if not any(self.inside(d) for d in days):
                used += any(column[d] is not None for d in days)
                continue
            literals = [self.works(e.id, d) for d in days]
            if any(lit is True for lit in literals):
                used += 1
                continue
            y = self.model.new_bool_var(f"weekend[{e.id},{k}]")
            for lit in literals:
                if not isinstance(lit, bool):
                    self.model.add_implication(lit, y)
            worked_weekends.append(y)
            if self.weekend_bias:  # 2y - days worked: 1 on a weekend of one day, else 0
                days_worked = [lit for lit in literals if lit is not False]
                self.terms.append(self.weekend_bias * (2 * y - linear_sum(days_worked)))
        if worked_weekends:
            self.model.add(linear_sum(worked_weekends) <= e.max_weekends - used)

    def _requests(self) -> None:
        for e in self.free:
            for d, t, weight in self.builder.on[e.id]:
                if self.inside(d):
                    self.terms.append(weight * (1 - self.shift(e.id, d, t)))  # a fixed literal is a bool: 0 or 1
            for d, t, weight in self.builder.off[e.id]:
                if self.inside(d):
                    self.terms.append(weight * self.shift(e.id, d, t))

    def _cover(self) -> None:
        assigned: dict[tuple[int, str], list[cp_model.IntVar]] = {}
        for (_, d, t), var in self.x.items():
            assigned.setdefault((d, t), []).append(var)
        mine = Counter((d, self.roster[e.id][d]) for e in self.free for d in range(self.start, self.end))
        staff = len(self.instance.employees)
        for key, variables in assigned.items():  # a line nothing free can change is left out
            c = self.builder.cover.get(key)
            if c is None:
                continue
            need = c.requirement - (self.builder.count[key] - mine[key])  # what the fixed employees leave
            under = self.under[key] = self.model.new_int_var(0, max(0, need), "")
            over = self.model.new_int_var(0, staff, "")
            self.model.add(linear_sum(variables) + under - over == need)
            self.terms += [c.weight_under * under, c.weight_over * over]

    def offset(self) -> int:
        """What the objective leaves out (the requests outside the window or of fixed employees, the cover lines
        not in the model): a solution's objective plus this is its roster's penalty, exactly unless a line
        of it is both short and over or the window has a weekend bias (`keep` counts the penalty again)."""
        builder, free = self.builder, {e.id for e in self.free}
        total = sum(builder.line(key) for key in builder.cover if key not in self.under)
        for e, column in self.roster.items():
            if e not in free:
                total += builder.requests(e, column)
                continue
            total += sum(w for d, t, w in builder.on[e] if not self.inside(d) and column[d] != t)
            total += sum(w for d, t, w in builder.off[e] if not self.inside(d) and column[d] == t)
        return total

    def solve(
        self,
        seconds: float,
        workers: int,
        seed: int,
        callback: cp_model.CpSolverSolutionCallback | None = None,
        kind: str = "days",
    ) -> tuple[cp_model.CpSolver, int]:
        """CP-SAT on the window, set for its `kind` of neighbourhood ("days" or "staff", `_configure`)."""
        solver = cp_model.CpSolver()
        _configure(solver, seconds, workers, seed, kind)
        return solver, solver.solve(self.model, callback)

    def keep(
        self,
        solver: cp_model.CpSolver,
        status: int,
        best: int,
        report: Callable[[int], None],
        costs: DayCosts | None = None,
    ) -> int:
        """Put the window's roster in unless the penalty rises above `best` (the roster's penalty now); the
        penalty then. `costs` (the builder's, kept up to date) counts only the window's days again."""
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return best
        builder, costs = self.builder, costs or DayCosts(self.builder)
        previous = {e.id: builder.roster[e.id] for e in self.free}
        for e, column in self.read(solver).items():
            builder.set(e, column)
        penalty = best + costs.update(self.start, self.end)
        if penalty > best:
            for e, column in previous.items():
                builder.set(e, column)
            costs.update(self.start, self.end)
            return best
        if penalty < best:
            report(penalty)
        return penalty

    def read(self, solver: cp_model.CpSolver) -> dict[str, Column]:
        """The free employees' new columns."""
        days = {e.id: list(self.roster[e.id]) for e in self.free}
        for column in days.values():
            column[self.start : self.end] = [None] * (self.end - self.start)
        for (e, d, t), var in self.x.items():
            if solver.boolean_value(var):
                days[e][d] = t
        return {e: tuple(column) for e, column in days.items()}


def _costliest(cost: list[int], days: int, rng: random.Random) -> int:
    """A window start, drawn in proportion to what its days cost now (`cost`: one entry per day)."""
    starts = range(0, len(cost) - days + 1)
    return rng.choices(starts, [sum(cost[s : s + days]) + 1 for s in starts])[0]


def _configure(solver: cp_model.CpSolver, seconds: float, workers: int, seed: int, kind: str) -> None:
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    # The default portfolio adds no cuts here; with them a week of Instance19 is proved in 0.2-0.7 s
    # (the default: 1 of 6 weeks proved in 1 s, one ended at 1 084 where the optimum is 168).
    if workers > 1:
        solver.parameters.subsolvers.extend(["max_lp", "core"])
    else:
        solver.parameters.linearization_level = 2
    # Full presolve took 1.7 s of a 2 s limit on a week of Instance24 (11 000 Booleans) before the first
    # roster; one light round finds it at 0.6 s.
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.max_presolve_iterations = 1
    if kind == "staff":
        # A few employees over the year: CP-SAT spent much of its time following the hint through conflicts
        # and in MIR cuts. Without either, 20 windows of two employees of Instance24 proved in 8-32 s instead
        # of 20-53 s, and 30 s of windows from one roster ended 13 % (Instance24) and 23 % (Instance23) lower
        # (5 seeds). Windows of days lose their roster with no conflict allowed to the hint (Instance24:
        # 57 591 against 21 101).
        solver.parameters.hint_conflict_limit = 0
        solver.parameters.add_mir_cuts = False


def _budget(level: int) -> int:
    """The free Booleans of a window of size `level`: START_VARIABLES * GROWTH ** level, within the bounds."""
    return min(MAX_VARIABLES, max(MIN_VARIABLES, int(START_VARIABLES * GROWTH**level)))


def _draw(
    builder: Builder, cost: list[int], kind: str, budget: int, pool: list[Employee], rng: random.Random
) -> tuple[int, int, list[Employee]]:
    """A neighbourhood of `kind` within `budget` free Booleans, its employees from `pool`: (start, days, free).
    `cost` is what each day costs now."""
    instance = builder.instance
    per_day = max(1, sum(len(builder.allowed[e.id]) for e in pool))  # the pool's Booleans of one day
    if kind == "days":  # a window of days with the whole pool in it; part of the pool if even 3 days are too many
        days = max(MIN_DAYS, min(instance.horizon, budget // per_day))
        free = pool
        if days * per_day > budget:
            free = rng.sample(pool, min(len(pool), max(2, len(pool) * budget // (days * per_day))))
    else:  # at least two employees over at least four weeks: the whole horizon where it fits
        days = min(instance.horizon, max(STAFF_MIN_DAYS, budget * len(pool) // (2 * per_day)))
        free = rng.sample(pool, max(min(2, len(pool)), min(len(pool), budget * len(pool) // (per_day * days))))
    return _costliest(cost, days, rng), days, free


class _Search:
    """The windows of `improve`, drawn, kept and sized by each of its threads in turn (under `lock`)."""

    def __init__(
        self, builder: Builder, report: Callable[[int], None], threads: int, workers: int, seed: int, floor: int
    ) -> None:
        self.builder, self.report, self.threads, self.floor = builder, report, threads, floor
        self.workers = max(1, workers // threads)  # CP-SAT workers per window
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.levels = {"days": 0, "staff": 0}  # each kind's size: START_VARIABLES * GROWTH ** level
        self.yields = {kind: [0.0, 0.0] for kind in self.levels}  # kind -> decayed gain, decayed seconds
        self.sizes: dict[tuple[str, int], list[float]] = {}  # (kind, level) -> its gain and seconds, decayed
        self.best = builder.penalty()
        self.costs = DayCosts(builder)
        self.busy: set[str] = set()  # employees of the windows being solved
        self.flying: dict[int, tuple[int, int]] = {}  # thread -> days of its window, when of days
        self.proved = False

    def run(self, thread: int, deadline: float) -> None:
        instance, staff = self.builder.instance, self.builder.instance.employees
        while (left := deadline - time.monotonic()) > 0.05 and not self.proved and self.best > self.floor:
            drawn = time.monotonic()
            with self.lock:  # the window is built on the roster as it is, no other thread changing it
                kind = self._kind()
                idle = [e for e in staff if e.id not in self.busy]
                pool = self.rng.sample(idle, min(len(idle), max(1, len(staff) // self.threads)))
                cost = list(self.costs.days)
                for first, end in self.flying.values():  # another window of days works there already
                    cost[first:end] = [0] * (end - first)
                level = self.levels[kind]
                start, days, free = _draw(self.builder, cost, kind, _budget(level), pool, self.rng)
                whole = days == instance.horizon and len(free) == len(staff)
                narrow, bias = (False, 0) if whole else (kind in NARROW, WEEKEND_BIAS)  # whole: the true optimum
                window = Window(self.builder, start, start + days, free, narrow, bias)
                self.busy.update(e.id for e in free)
                if kind == "days":
                    self.flying[thread] = (start, start + days)
                seed = self.rng.randrange(1 << 30)
            # CP-SAT releases the GIL: the other thread builds its window meanwhile.
            solver, status = window.solve(min(SUB_SECONDS, left), self.workers, seed, kind=kind)
            with self.lock:
                before, self.best = self.best, window.keep(solver, status, self.best, self.report, self.costs)
                spent = time.monotonic() - drawn
                for gained in (self.yields[kind], self.sizes.setdefault((kind, level), [0.0, 0.0])):
                    gained[:] = [DECAY * gained[0] + before - self.best, DECAY * gained[1] + spent]
                self.busy.difference_update(e.id for e in free)
                self.flying.pop(thread, None)
                self.proved = self.proved or (status == cp_model.OPTIMAL and whole)  # never narrow
                quick = status == cp_model.OPTIMAL and solver.wall_time < SUB_SECONDS / 2
                self._resize(kind, level, quick)

    def _resize(self, kind: str, level: int, quick: bool) -> None:
        """The kind's next size: one step smaller after a window not proven optimal in half its time; one
        larger after one that was, unless the larger size's windows gained less a second when last drawn
        than this size's now. Proven quickly is not enough: pairs of Instance24's employees over the year
        (proven in 0.1-0.8 s) gained 1 258 a second, windows of three 303 and of four 27 (second half of
        the minute: 667, 230, 43); the smallest size led on each of 19 and 21-24."""
        if not quick:
            self.levels[kind] = level - 1 if _budget(level) > MIN_VARIABLES else level
            return
        here, larger = self._rate(kind, level), self._rate(kind, level + 1)
        grow = _budget(level) < MAX_VARIABLES and (larger is None or here is None or larger >= here)
        self.levels[kind] = level + 1 if grow else level

    def _rate(self, kind: str, level: int) -> float | None:
        gained = self.sizes.get((kind, level))
        return gained[0] / gained[1] if gained and gained[1] > 0 else None

    def _kind(self) -> str:
        """The next window's kind: each tried once, then in proportion to its recent gain per second."""
        kinds = tuple(self.levels)
        untried = [kind for kind in kinds if not self.yields[kind][1]]
        if untried:
            return untried[0]
        rates = [gain / seconds for gain, seconds in self.yields.values()]
        top = max(rates)
        if top <= 0:
            return self.rng.choice(kinds)
        return self.rng.choices(kinds, [max(rate, FLOOR * top) for rate in rates])[0]


def improve(
    builder: Builder,
    deadline: float,
    report: Callable[[int], None],
    workers: int = 2,
    seed: int = 0,
    floor: int | None = None,
) -> bool:
    """Window after window until the deadline, or a penalty at `floor` (a proven bound); `builder` keeps the
    best roster, `report` hears each.

    Two kinds of neighbourhood, each with its own size: a window of days with everyone in it (cover moves
    within the days), and a few employees over a long span (work moves across weeks, within each one's
    minutes and weekends), drawn by what each gained per second lately (`_Search._kind`: on Instance24 the
    employees' windows gain five times more a second than the days', 60 s runs 101 389-120 015 against
    119 374-146 738 drawing each kind half the time). With two workers or more and PAIR_FROM_STAFF employees
    per half of the staff, two threads each draw, build and solve windows, one CP-SAT worker each, on
    employees the other's window does not hold: one builds (Python) while the other's CP-SAT searches, and
    neither waits for the other's solve.
    Their windows may share cover lines: each is kept only if the roster's exact penalty, counted once it is
    in, is no worse. True when a window held the whole instance and was solved to optimality: the roster is
    then proven optimal.
    """
    staff = builder.instance.employees
    threads = 2 if workers > 1 and len(staff) >= 2 * PAIR_FROM_STAFF else 1
    search = _Search(builder, report, threads, workers, seed, -1 if floor is None else floor)
    with ThreadPoolExecutor(threads) as pool:
        for done in [pool.submit(search.run, thread, deadline) for thread in range(threads)]:
            done.result()  # a thread's exception raised here
    return search.proved
