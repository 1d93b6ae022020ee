"""A fast first roster, for instances too large for the whole model.

Cover is the only rule linking employees, so a valid roster can be built one employee at a time: each
employee gets a roster of their own from a small CP-SAT model of a few shift types (the working pattern: days
off, runs, weekends, the minutes window), searched by CP-SAT's local search alone: tens of milliseconds, where
the employee's whole model needs seconds to find any roster on Instance24 and the whole instance's model none
in 30 s on Instance20. `mix_shifts` then mixes the shift types; repair.py and window.py improve the roster.

Weekends are what the long instances run short of: Instance24's weekends ask 6 535 shifts and its staff can
work at most 6 818 weekend days, and only by working both days of every weekend they may. And the minutes
window (720 minutes wide for a year) leaves an employee of 480-minute shifts alone 233-234 working days, a
5-on-2-off rhythm whose weekends cannot be chosen. So, in order, until one has a roster:
1. an employee who may work several shift lengths gets the type of each length still shortest (`_lengths`)
   and works both days of as many weekends as allowed, the shortest weekends first (`_weekends`), no other
   weekend day (`_mixed_pattern_model`): the long shifts are planned from the start, the rhythm is free;
2. one type (the most demanded of those the employee may work every day, not forbidden after itself, a count
   that fits the minutes window), weekends whole and as many as allowed (`_pattern_model`, `whole`);
3. each such type with weekends free (the whole search when local search finds nothing);
4. the employee's whole model (`_best`, which prices cover with everyone else as now).
A pattern of the first kind is then searched again, briefly, for the days the roster still leaves short, time
allowing (`_mixed`: Instance24's demand triples over the year, and a pattern found with no objective works
evenly through it); one of the second kind for the weekends still short (`_pattern`: Instance22's weekends
ask 42-68 shifts, and patterns found with no objective left the busiest to 16-31 employees).
Instance24 after repair: 226 391 (one type each) against about 104 000, the construction taking 9.7-9.8 s
instead of 5.5 (docs/curtois.md, thirteenth session).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor

from ortools.sat.python import cp_model

from solver.curtois.evaluate import EMPLOYEE_RULES
from solver.curtois.instance import Employee, Instance, ShiftType
from solver.curtois.model import Literal, add_clause, build_model, linear_sum, negate

Column = tuple[str | None, ...]
PATTERN_SECONDS = 2.0  # at most, per pattern model (0.1-0.6 s on Instance24)
LS_SECONDS = 0.25  # of it, at most, for the local search alone (0.01-0.04 s on Instance24)
PATTERN_POLISH = 0.05  # then this long preferring the days still short,
POLISH_FROM = 0.3  # when at least this many seconds per employee still to construct are left
# A pattern of several lengths then prefers the days still short, by local search for this long (time
# allowing as above, `polish` or not): Instance24 at 60 s, three seeds, 61 071 on average against 64 075.
# A single type's pattern on whole weekends prefers the weekends still short, as long: Instance22 at 60 s,
# four seeds, 35 992 / 37 293 / 36 049 / 35 474 against 37 881 / 40 133 / 37 701 / 39 990 (19 3 471 against
# 3 492, 21 21 916 against 22 170, 23 21 863 against 21 833, 24 56 476 against 55 657, 20 the same).
MIXED_POLISH = 0.1


def _alone(instance: Instance, employee: Employee, shifts: list[ShiftType]) -> Instance:
    """One employee, their requests, no cover, and only the shift types in `shifts`."""
    kept = {s.id for s in shifts}
    return dataclasses.replace(
        instance,
        shifts=[dataclasses.replace(s, forbidden_next=s.forbidden_next & kept) for s in shifts],
        employees=[dataclasses.replace(employee, max_shifts={t: employee.max_shifts[t] for t in kept})],
        on_requests=[r for r in instance.on_requests if r.employee == employee.id and r.shift in kept],
        off_requests=[r for r in instance.off_requests if r.employee == employee.id and r.shift in kept],
        cover=[],
    )


def _pattern_model(
    instance: Instance, employee: Employee, shift: ShiftType, whole: bool = False
) -> tuple[cp_model.CpModel, list[cp_model.IntVar | None]]:
    """The hard rules of `employee` working `shift` only, with no objective: one Boolean a day ("works"), None
    on a day off. `shift` never follows itself (`_single_types`), so the rotation holds; the rest is
    model.py's encoding with one shift a day. Built directly, it takes a third of the time `build_model` took
    on the employee alone (two Booleans a day, their link, the requests' objective cleared at once).
    `whole`: both days of a weekend or neither (unless one is off), as many weekends as allowed."""
    model, works = _works(instance, employee)
    most = min(employee.max_shifts.get(shift.id, instance.horizon), employee.max_minutes // shift.minutes)
    model.add_linear_constraint(
        linear_sum([w for w in works if w is not None]), math.ceil(employee.min_minutes / shift.minutes), most
    )
    _days_rules(instance, employee, model, works)
    if whole:
        first_days = []
        for k in range(instance.weekends):
            saturday, sunday = works[7 * k + 5 : 7 * k + 7]
            if saturday is not None and sunday is not None:
                model.add(saturday == sunday)
            if saturday is not None or sunday is not None:
                first_days.append(sunday if saturday is None else saturday)
        model.add(linear_sum(first_days) >= min(employee.max_weekends, len(first_days)))
    return model, works


def _mixed_pattern_model(
    instance: Instance, employee: Employee, shifts: list[ShiftType], weekends: frozenset[int]
) -> tuple[cp_model.CpModel, list[dict[str, cp_model.IntVar]]]:
    """The hard rules of `employee` working `shifts` only, both days of `weekends` and no other weekend day
    (days off aside): one Boolean a day and type (at most one a day), the rotation among them, each type's
    limit, the minutes window."""
    model, works = _works(instance, employee, weekends)
    x: list[dict[str, cp_model.IntVar]] = []
    for w in works:
        day = {s.id: model.new_bool_var("") for s in shifts} if w is not None else {}
        if w is not None:
            model.add(linear_sum(list(day.values())) == w)
        x.append(day)
    for s in shifts:
        if (limit := employee.max_shifts.get(s.id, instance.horizon)) < instance.horizon:
            model.add(linear_sum([day[s.id] for day in x if day]) <= limit)
    pairs = [(s.id, t.id) for s in shifts for t in shifts if t.id in s.forbidden_next]
    for d in range(instance.horizon - 1):
        if x[d] and x[d + 1]:
            for s, t in pairs:
                model.add_bool_or([x[d][s].Not(), x[d + 1][t].Not()])
    own = [(s.minutes, day[s.id]) for day in x if day for s in shifts]
    worked = cp_model.LinearExpr.weighted_sum([v for _, v in own], [m for m, _ in own])  # as window.py's
    model.add_linear_constraint(worked, employee.min_minutes, employee.max_minutes)
    _days_rules(instance, employee, model, works)
    for k in weekends:
        for w in works[7 * k + 5 : 7 * k + 7]:
            if w is not None:
                model.add(w == 1)
    return model, x


def _works(
    instance: Instance, employee: Employee, weekends: frozenset[int] | None = None
) -> tuple[cp_model.CpModel, list[cp_model.IntVar | None]]:
    """One Boolean a day; None on a day off and, when `weekends` are chosen, on the other weekends' days."""
    model = cp_model.CpModel()
    off = set(employee.days_off)
    if weekends is not None:
        off.update(d for k in range(instance.weekends) if k not in weekends for d in (7 * k + 5, 7 * k + 6))
    return model, [None if d in off else model.new_bool_var("") for d in range(instance.horizon)]


def _days_rules(
    instance: Instance,
    employee: Employee,
    model: cp_model.CpModel,
    works: list[cp_model.IntVar | None],
) -> None:
    """What every pattern model holds to: runs of days on and off, and the weekends worked."""
    horizon = instance.horizon
    span = employee.max_consecutive + 1
    for start in range(horizon - span + 1):
        days = [w for w in works[start : start + span] if w is not None]
        if len(days) > employee.max_consecutive:
            model.add(linear_sum(days) <= employee.max_consecutive)
    # Runs not touching a horizon end: state[s-1] or not state[s] or state[s+k] for k < minimum (model.py),
    # a day off being the constant "not working".
    for minimum, working in ((employee.min_consecutive, True), (employee.min_days_off, False)):

        def state(d: int, working: bool = working) -> Literal:
            lit = False if works[d] is None else works[d]
            return lit if working else negate(lit)

        for start in range(1, horizon):
            for k in range(1, min(minimum, horizon - start)):
                add_clause(model, [state(start - 1), negate(state(start)), state(start + k)])
    weekends = [[w for w in works[7 * k + 5 : 7 * k + 7] if w is not None] for k in range(instance.weekends)]
    weekends = [days for days in weekends if days]
    if len(weekends) > employee.max_weekends:
        worked = [model.new_bool_var("") for _ in weekends]
        for y, days in zip(worked, weekends, strict=True):
            for w in days:
                model.add_implication(w, y)
        model.add(linear_sum(worked) <= employee.max_weekends)


def allowed_shifts(instance: Instance, employee: Employee) -> list[ShiftType]:
    return [s for s in instance.shifts if employee.max_shifts.get(s.id, instance.horizon) > 0]


def _single_types(instance: Instance, employee: Employee, demand: Counter[str]) -> list[ShiftType]:
    """Types this employee could work on every working day: most demanded first."""
    fits = []
    for s in allowed_shifts(instance, employee):
        if s.id in s.forbidden_next:
            continue
        most = min(employee.max_shifts.get(s.id, instance.horizon), employee.max_minutes // s.minutes)
        if math.ceil(employee.min_minutes / s.minutes) <= most:
            fits.append(s)
    return sorted(fits, key=lambda s: (-demand[s.id], s.id))


def _weekends(instance: Instance, employee: Employee, need: Counter[int]) -> frozenset[int]:
    """The weekends `employee` is to work both days of: as many as allowed among those with neither day off,
    the shortest first; taken off `need` at once (the employee in flight counts before their column is in)."""
    free = [k for k in range(instance.weekends) if not {7 * k + 5, 7 * k + 6} & employee.days_off]
    chosen = sorted(free, key=lambda k: (-need[k], k))[: employee.max_weekends]
    for k in chosen:
        need[k] -= 2
    return frozenset(chosen)


def _lengths(instance: Instance, employee: Employee, short: Counter[str], types: list[ShiftType]) -> list[ShiftType]:
    """For `_mixed`: of each length the employee may work, the type still shortest; and the first single type,
    whose limit alone holds the minutes window."""
    shortest: dict[int, ShiftType] = {}
    for shift in sorted(allowed_shifts(instance, employee), key=lambda s: (-short[s.id], s.id)):
        shortest.setdefault(shift.minutes, shift)
    return list(shortest.values()) + [s for s in types[:1] if s not in shortest.values()]


class Builder:
    """Constructs and improves a roster employee by employee; `penalty()` is its exact objective."""

    def __init__(self, instance: Instance, workers: int = 1, seed: int = 0) -> None:
        self.instance, self.workers, self.seed = instance, max(1, workers), seed
        self.roster: dict[str, Column] = {}
        self.count: Counter[tuple[int, str]] = Counter()  # employees on (day, shift)
        self.cover = {(c.day, c.shift): c for c in instance.cover}
        self.on: dict[str, list[tuple[int, str, int]]] = {e.id: [] for e in instance.employees}
        self.off: dict[str, list[tuple[int, str, int]]] = {e.id: [] for e in instance.employees}
        for requests, by_employee in ((instance.on_requests, self.on), (instance.off_requests, self.off)):
            for r in requests:
                by_employee[r.employee].append((r.day, r.shift, r.weight))
        self.models: dict[str, tuple[cp_model.CpModel, dict[tuple[int, str], cp_model.IntVar]]] = {}
        self.allowed = {e.id: [s.id for s in allowed_shifts(instance, e)] for e in instance.employees}

    # --- the objective, exactly as FORMAT.md section 5 states it -----------------------------------------

    def requests(self, employee: str, column: Column) -> int:
        return sum(w for d, t, w in self.on[employee] if column[d] != t) + sum(
            w for d, t, w in self.off[employee] if column[d] == t
        )

    def line(self, key: tuple[int, str]) -> int:
        """What cover line (day, shift) costs now."""
        c, n = self.cover[key], self.count[key]
        return c.weight_under * max(0, c.requirement - n) + c.weight_over * max(0, n - c.requirement)

    def penalty(self) -> int:
        return sum(self.requests(e, column) for e, column in self.roster.items()) + sum(map(self.line, self.cover))

    def marginal(self, d: int, t: str | None, sign: int = +1) -> int:
        """What one employee more (sign +1) or less (-1) on (d, t) changes in the cover penalty, everyone else
        as now (0 for a day off or a shift the day does not cover)."""
        c = self.cover.get((d, t)) if t is not None else None
        if c is None:
            return 0
        n = self.count[d, t]
        if sign > 0:
            return -c.weight_under if n < c.requirement else c.weight_over
        return -c.weight_over if n > c.requirement else c.weight_under

    def _place(self, employee: str, column: Column, sign: int) -> None:
        for d, t in enumerate(column):
            if t is not None:
                self.count[d, t] += sign

    def set(self, employee: str, column: Column) -> None:
        if employee in self.roster:
            self._place(employee, self.roster[employee], -1)
        self.roster[employee] = column
        self._place(employee, column, +1)

    def move(self, employee: str, day: int, shift: str | None) -> None:
        """One day of one employee's roster changed (`set` for a single day, without going over the column)."""
        column = self.roster[employee]
        if column[day] is not None:
            self.count[day, column[day]] -= 1
        if shift is not None:
            self.count[day, shift] += 1
        self.roster[employee] = column[:day] + (shift,) + column[day + 1 :]

    def _solver(self, seconds: float, workers: int | None = None) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, seconds)
        solver.parameters.num_workers = workers or self.workers
        solver.parameters.random_seed = self.seed
        return solver

    # --- 1. construction ----------------------------------------------------------------------------------

    def construct(self, deadline: float, polish: bool = True) -> bool:
        """A valid roster for every employee (True), or the deadline passed / an employee has none (False).
        `polish=False`: never spend the extra 0.05 s per single-type pattern on the short days (a pattern of
        several lengths spends MIXED_POLISH on them whenever the time left allows it)."""
        todo = [e for e in self.instance.employees if e.id not in self.roster]
        # What each shift type is still short, kept as employees come in (counted again for each employee,
        # it took 3.8 s of Instance24's construction).
        short: Counter[str] = Counter()
        for (d, t), c in self.cover.items():
            short[t] += max(0, c.requirement - self.count[d, t])
        # With two workers, three employees at a time, each pattern's search on one core (a model's build holds
        # the GIL, the search does not: Instance24 in 9.7-9.8 s against 10.6-11.7 with two, 10.6-11.8 with
        # four): the next employee's types are chosen before those in flight come in. Their columns go in in
        # the employees' order.
        threads = 3 if self.workers > 1 else 1
        need: Counter[int] = Counter()  # what the roster leaves short on each weekend, Saturday and Sunday
        for (d, t), c in self.cover.items():
            if d % 7 >= 5 and d < 7 * self.instance.weekends:
                need[d // 7] += c.requirement - self.count[d, t]
        flying: deque[tuple[Employee, Future[Column | None]]] = deque()
        with ThreadPoolExecutor(threads) as pool:
            for done, employee in enumerate(todo):
                # The brief polish of each pattern only while the time left allows it for everyone to come.
                leisure = (deadline - time.monotonic()) / (len(todo) - done) > POLISH_FROM
                types = _single_types(self.instance, employee, short)
                shifts = _lengths(self.instance, employee, short, types)
                weekends = _weekends(self.instance, employee, need) if len({s.minutes for s in shifts}) > 1 else None
                job = pool.submit(
                    self._first_column, employee, deadline, polish and leisure, leisure, types, shifts, weekends
                )
                flying.append((employee, job))
                if len(flying) == threads and not self._take(*flying.popleft(), short):
                    return False  # a pattern still in flight ends by the deadline
            return all(self._take(*flying.popleft(), short) for _ in range(len(flying)))

    def _take(self, employee: Employee, future: Future[Column | None], short: Counter[str]) -> bool:
        """The employee's column in the roster, what it covers out of `short`; False if it has none."""
        column = future.result()
        if column is None:
            return False
        self.set(employee.id, column)
        for d, t in enumerate(column):
            if t is not None and (c := self.cover.get((d, t))) is not None and self.count[d, t] <= c.requirement:
                short[t] -= 1
        return True

    def _first_column(
        self,
        employee: Employee,
        deadline: float,
        polish: bool,
        polish_mixed: bool,
        types: list[ShiftType],
        shifts: list[ShiftType],
        weekends: frozenset[int] | None,
    ) -> Column | None:
        """The first of: several lengths and chosen weekends (`_mixed`), the first single type on whole
        weekends, each single type, the employee's whole model. The first two by local search alone.
        `polish`: whether a single type's pattern then prefers the days still short; `polish_mixed`: whether a
        mixed one does, and a single type's on whole weekends the weekends still short."""
        if weekends is not None and (column := self._mixed(employee, shifts, weekends, polish_mixed)) is not None:
            return column
        attempts = [(types[0], True)] if types else []
        for shift, whole in attempts + [(shift, False) for shift in types]:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            column = self._pattern(employee, shift, min(PATTERN_SECONDS, left), polish, whole, polish_mixed)
            if column is not None:
                return column
        left = deadline - time.monotonic()
        return self._best(employee, min(left, max(1.0, left / 2)), None) if left > 0 else None

    def _pattern(
        self, employee: Employee, shift: ShiftType, seconds: float, polish: bool, whole: bool, leisure: bool = False
    ) -> Column | None:
        """The employee working `shift` only: every hard rule holds; then, briefly, short days preferred.

        Feasibility first, by CP-SAT's local search alone (feasibility jump, one worker) for at most
        LS_SECONDS: the default search on one worker found no pattern of Instance24 in 5 s (the minutes window
        leaves 233-234 days), two workers (one of them feasibility jump) found each in 0.1-0.6 s, the local
        search alone in 0.01-0.04 s (quiet machine, one employee at a time, the model built directly:
        Instance24's construction 3.0-3.2 s against 4.7-5.3). It cannot prove a pattern impossible: then the
        whole search, two workers. With `whole` (weekends whole, as many as allowed), local search alone: a
        pattern it does not find is left to the next attempt; one it finds then prefers the weekends still short
        (`_prefer`, with `leisure`): their patterns found with no objective, Instance22's employees (one length
        each) left weekends 0-11, 56-68 shifts asked, to 16-31 of them and the last, 42 asked, to 40.
        """
        started = time.monotonic()
        model, works = _pattern_model(self.instance, employee, shift, whole)
        x = {d: var for d, var in enumerate(works) if var is not None}
        solver = self._pattern_solver(min(LS_SECONDS, seconds), local=True)
        if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if whole:
                return None
            solver = self._pattern_solver(seconds - (time.monotonic() - started), local=False)
            if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return None
        column = tuple(shift.id if d in x and solver.boolean_value(x[d]) else None for d in range(len(works)))
        if whole and leisure:
            days = [{shift.id: x[d]} if d in x else {} for d in range(len(works))]
            return self._prefer(model, days, column, self._short_days(weekends=True))
        if not polish:
            return column
        gains = {d: -self.marginal(d, shift.id) for d in x}
        model.maximize(linear_sum([g * x[d] for d, g in gains.items() if g]))
        for d, var in x.items():
            model.add_hint(var, column[d] is not None)
        left = seconds - (time.monotonic() - started)
        solver = self._solver(min(PATTERN_POLISH, left), workers=max(2, self.workers))
        if left > 0.01 and solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            column = tuple(shift.id if d in x and solver.boolean_value(x[d]) else None for d in range(len(works)))
        return column

    def _mixed(
        self, employee: Employee, shifts: list[ShiftType], weekends: frozenset[int], polish: bool
    ) -> Column | None:
        """The employee's roster of several types on the weekends chosen, by local search alone (None if it
        finds none within LS_SECONDS); with `polish`, then for MIXED_POLISH preferring the days the roster
        leaves short, by how many shifts: Instance24's demand grows from about 320 shifts a week to 974 in
        its last, where patterns found without it work evenly (after repair, its last five weeks cost 59 700
        of 105 733; 60 s runs 2 % to 6 % lower with it)."""
        model, x = _mixed_pattern_model(self.instance, employee, shifts, weekends)

        def read(solver: cp_model.CpSolver) -> Column:
            return tuple(next((t for t, v in day.items() if solver.boolean_value(v)), None) for day in x)

        solver = self._pattern_solver(LS_SECONDS, local=True)
        if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        column = read(solver)
        return self._prefer(model, x, column, self._short_days(weekends=False)) if polish else column

    def _short_days(self, weekends: bool) -> Counter[int]:
        """How many shifts each day (each Saturday and Sunday only, with `weekends`) the roster leaves short, of
        any type (the mixing chooses the types later). `count` changes under us as other columns come in: a
        guide only."""
        need: Counter[int] = Counter()
        for (d, t), c in self.cover.items():
            if (short := c.requirement - self.count[d, t]) > 0 and (not weekends or d % 7 >= 5):
                need[d] += short
        return need

    def _prefer(
        self, model: cp_model.CpModel, x: list[dict[str, cp_model.IntVar]], column: Column, need: Counter[int]
    ) -> Column:
        """`column`, a pattern of `model` (`x`: each day's shift literals), searched again by local search for
        MIXED_POLISH working the days of most `need`, hinted with it; `column` itself if nothing is found."""
        model.maximize(linear_sum([need[d] * v for d, day in enumerate(x) if need[d] for v in day.values()]))
        for day, worked in zip(x, column, strict=True):
            for t, v in day.items():
                model.add_hint(v, t == worked)
        solver = self._pattern_solver(MIXED_POLISH, local=True)
        if solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            column = tuple(next((t for t, v in day.items() if solver.boolean_value(v)), None) for day in x)
        return column

    def _pattern_solver(self, seconds: float, local: bool) -> cp_model.CpSolver:
        solver = self._solver(seconds, workers=1 if local else max(2, self.workers))
        solver.parameters.use_ls_only = local
        # A light presolve: the full one took most of the 48 ms a pattern needed, on a model feasibility jump
        # then solves at once. Instance24's 150 patterns in 5.4 s instead of 7.9, none of them missed.
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.max_presolve_iterations = 1
        solver.parameters.symmetry_level = 0
        return solver

    # --- 2. the shifts mixed ---------------------------------------------------------------------------------

    def mix_shifts(self) -> None:
        """Who works when kept, each working day's shift chosen again, day by day, for the shortest cover line.

        The construction gives each employee one to four shift types; cover asks for a mix every day
        (`_Mixer`). An employee whose new roster breaks a rule anyway keeps the old one; the whole change is
        kept only if the penalty drops. One type each (before the thirteenth session): Instance22 696 304 to
        164 079 in 0.3 s, Instance24 1.30 to 1.08 million in 1.6 s; now Instance24 0.69 to 0.35 million.
        """
        before, mixer = self.penalty(), _Mixer(self)
        for d in range(self.instance.horizon):
            mixer.day(d)
        for e in self.instance.employees:
            if not any(rule(self.instance, e, mixer.new[e.id]) for rule in EMPLOYEE_RULES):
                self.set(e.id, tuple(mixer.new[e.id]))
        if self.penalty() > before:
            for e_id, column in mixer.old.items():
                self.set(e_id, column)

    # --- the employee's whole model: the fallback of the construction -------------------------------------

    def _model(self, employee: Employee) -> tuple[cp_model.CpModel, dict[tuple[int, str], cp_model.IntVar]]:
        if employee.id not in self.models:
            shifts = allowed_shifts(self.instance, employee)
            ctx, _ = build_model(_alone(self.instance, employee, shifts))
            x = {(d, s.id): ctx.x[employee.id, d, s.id] for d in range(self.instance.horizon) for s in shifts}
            self.models[employee.id] = (ctx.model, x)
        return self.models[employee.id]

    def _best(self, employee: Employee, seconds: float, current: Column | None) -> Column | None:
        """The employee's best roster with everyone else as now (hinted with `current`), within `seconds`."""
        model, x = self._model(employee)
        if current is not None:
            self._place(employee.id, current, -1)  # the costs see everyone else only
        try:
            costs = {(d, t): self.marginal(d, t) for (d, t) in x}
        finally:
            if current is not None:
                self._place(employee.id, current, +1)
        terms = [c * x[key] for key, c in costs.items() if c]
        for d, t, w in self.on[employee.id]:
            terms.append(w * (1 - x[d, t]) if (d, t) in x else w)
        for d, t, w in self.off[employee.id]:
            if (d, t) in x:
                terms.append(w * x[d, t])
        model.minimize(sum(terms))
        model.clear_hints()
        if current is not None:
            for (d, t), var in x.items():
                model.add_hint(var, current[d] == t)
        solver = self._solver(seconds, workers=max(2, self.workers))
        if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        shifts = sorted({t for _, t in x})
        return tuple(
            next((t for t in shifts if solver.boolean_value(x[d, t])), None) for d in range(self.instance.horizon)
        )

    def as_roster(self) -> dict[str, list[str | None]]:
        return {e: list(column) for e, column in self.roster.items()}


class _Mixer:
    """The day-by-day choice of shifts behind `Builder.mix_shifts`.

    On each day the employees who work it, the fewest choices first, each take the type still shortest that
    day among those their rules leave: allowed, not forbidden after the day before, under the per-type limit,
    minutes still reachable with the working days left, and some type left for the day after. A shortfall
    first, then the requests, then the old type.
    """

    def __init__(self, builder: Builder) -> None:
        instance = builder.instance
        self.instance, self.cover = instance, builder.cover
        self.old = dict(builder.roster)
        self.new = {e: list(column) for e, column in builder.roster.items()}
        self.shifts = {s.id: s for s in instance.shifts}
        self.allowed = {e.id: allowed_shifts(instance, e) for e in instance.employees}
        self.request = Counter({(r.employee, r.day, r.shift): r.weight for r in instance.on_requests})
        self.request.subtract({(r.employee, r.day, r.shift): r.weight for r in instance.off_requests})
        self.used = {e.id: Counter() for e in instance.employees}
        self.minutes = {e.id: 0 for e in instance.employees}
        self.left = {e.id: sum(1 for t in builder.roster[e.id] if t is not None) for e in instance.employees}

    def _options(self, e: Employee, d: int) -> list[ShiftType]:
        column, horizon = self.new[e.id], self.instance.horizon
        self.left[e.id] -= 1
        lengths = [s.minutes for s in self.allowed[e.id]] or [0]
        low, high = self.left[e.id] * min(lengths), self.left[e.id] * max(lengths)
        previous = self.shifts[column[d - 1]] if d > 0 and column[d - 1] is not None else None
        works_next = d + 1 < horizon and column[d + 1] is not None
        fits = [
            s
            for s in self.allowed[e.id]
            if (previous is None or s.id not in previous.forbidden_next)
            and self.used[e.id][s.id] < e.max_shifts.get(s.id, horizon)
            and e.min_minutes <= self.minutes[e.id] + s.minutes + high
            and self.minutes[e.id] + s.minutes + low <= e.max_minutes
            and (not works_next or any(t.id not in s.forbidden_next for t in self.allowed[e.id]))
        ]
        return fits or [self.shifts[column[d]]]

    def day(self, d: int) -> None:
        options = {e.id: self._options(e, d) for e in self.instance.employees if self.new[e.id][d] is not None}
        assigned: Counter[str] = Counter()

        def preference(e_id: str, s: ShiftType) -> tuple[bool, int, bool]:
            c = self.cover.get((d, s.id))
            short = c is not None and assigned[s.id] < c.requirement
            return short, self.request[e_id, d, s.id], s.id == self.old[e_id][d]

        for e_id in sorted(options, key=lambda e: len(options[e])):
            choice = max(options[e_id], key=lambda s, e_id=e_id: preference(e_id, s))
            self.new[e_id][d] = choice.id
            assigned[choice.id] += 1
            self.used[e_id][choice.id] += 1
            self.minutes[e_id] += choice.minutes
