"""Construction (construct.py) and the search by windows (window.py): every roster valid, its penalty the
evaluator's, a roster whenever one exists, each window's optimum the true optimum of what it leaves free, and
the long-horizon path of solve_instance ending with a roster."""

import dataclasses
import itertools
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from solver.curtois import colgen, solve, window
from solver.curtois import evaluate as ev
from solver.curtois.construct import (
    Builder,
    _lengths,
    _mixed_pattern_model,
    _pattern_model,
    _single_types,
    _weekends,
)
from solver.curtois.evaluate import evaluate
from solver.curtois.files import DEFAULT_DIR
from solver.curtois.instance import Cover, Employee, Instance, Request, ShiftType, load_instance
from solver.curtois.model import build_model, exact_penalty
from solver.curtois.solve import LARGE_FROM_DAYS, solve_instance
from solver.curtois.window import Window
from solver.params import SolveParams
from tests.solver.curtois.small import brute_force, small_instances

DATA = Path(__file__).parent / "data"
BENCHMARK = DEFAULT_DIR / "instances"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(shifts=2, staff=2))
def test_construction_gives_valid_rosters_priced_like_the_evaluator(instance):
    optimum = brute_force(instance)
    builder = Builder(instance, workers=1)
    built = builder.construct(time.monotonic() + 30)
    # The fallback is the employee's whole model: a roster exists exactly when the evaluator accepts one.
    assert built == (optimum is not None)
    if not built:
        return
    evaluation = evaluate(instance, builder.as_roster())
    assert evaluation.feasible, evaluation.violations
    assert evaluation.penalty == builder.penalty() >= optimum


class _Patterns(cp_model.CpSolverSolutionCallback):
    def __init__(self, works, shift: str) -> None:
        super().__init__()
        self.works, self.shift, self.found = works, shift, set()

    def on_solution_callback(self) -> None:
        self.found.add(tuple(None if w is None or not self.value(w) else self.shift for w in self.works))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(shifts=2, staff=1, weeks=2), st.data())
def test_a_pattern_model_has_exactly_the_valid_rosters_of_one_shift_type(instance, data):
    """Every solution of the one-type pattern model is a column the evaluator accepts, and every column of that
    type it accepts is a solution (all of them enumerated, two weeks); with `whole`, those that work both days
    of a weekend or neither (a weekend day off aside), and as many weekends as allowed."""
    employee = instance.employees[0]
    types = [s for s in instance.shifts if s.id not in s.forbidden_next]  # what `_single_types` may offer
    assume(types)
    shift = data.draw(st.sampled_from(types))
    whole = data.draw(st.booleans())
    model, works = _pattern_model(instance, employee, shift, whole)
    solver = cp_model.CpSolver()
    solver.parameters.enumerate_all_solutions = True
    solver.parameters.num_workers = 1
    patterns = _Patterns(works, shift.id)
    solver.solve(model, patterns)
    valid = {
        days
        for days in itertools.product([None, shift.id], repeat=instance.horizon)
        if not any(rule(instance, employee, list(days)) for rule in ev.EMPLOYEE_RULES)
        and not (whole and not _whole_weekends(instance, employee, days))
    }
    assert patterns.found == valid


def _half(employee, days, k: int) -> bool:
    """Weekend k worked on one day only, though neither day is off."""
    saturday, sunday = 7 * k + 5, 7 * k + 6
    return not {saturday, sunday} & employee.days_off and (days[saturday] is None) != (days[sunday] is None)


def _whole_weekends(instance, employee, days) -> bool:
    """No weekend worked on one day only (`_half`); as many weekends worked as allowed, of those with a day
    that is not off."""
    weekends = [(7 * k + 5, 7 * k + 6) for k in range(instance.weekends)]
    open_ = [w for w in weekends if set(w) - employee.days_off]
    worked = [w for w in weekends if days[w[0]] is not None or days[w[1]] is not None]
    half = any(_half(employee, days, k) for k in range(instance.weekends))
    return not half and len(worked) >= min(employee.max_weekends, len(open_))


class _Mixed(cp_model.CpSolverSolutionCallback):
    def __init__(self, x) -> None:
        super().__init__()
        self.x, self.found = x, set()

    def on_solution_callback(self) -> None:
        self.found.add(tuple(next((t for t, v in day.items() if self.value(v)), None) for day in self.x))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(shifts=2, staff=1), st.data())
def test_a_mixed_pattern_model_has_exactly_the_valid_rosters_on_its_weekends(instance, data):
    """Every solution of the pattern model with several types is a column the evaluator accepts that works
    both days of the chosen weekend (those not off) and no other weekend day, and every such column is one
    (all enumerated, one week, two shift types)."""
    employee = instance.employees[0]
    shifts = [s for s in instance.shifts if employee.max_shifts[s.id] > 0]
    assume(shifts)
    weekends = frozenset(data.draw(st.sets(st.just(0), max_size=employee.max_weekends)))
    model, x = _mixed_pattern_model(instance, employee, shifts, weekends)
    solver = cp_model.CpSolver()
    solver.parameters.enumerate_all_solutions = True
    solver.parameters.num_workers = 1
    found = _Mixed(x)
    solver.solve(model, found)
    weekend = {5, 6} - employee.days_off
    valid = {
        days
        for days in itertools.product([None, *(s.id for s in shifts)], repeat=instance.horizon)
        if not any(rule(instance, employee, list(days)) for rule in ev.EMPLOYEE_RULES)
        and all((days[d] is not None) == (0 in weekends) for d in weekend)
    }
    assert found.found == valid


def test_on_instance21_the_construction_works_whole_weekends_and_long_shifts():
    """Instance21's weekends ask more than its staff can give (2 502 shifts, at most 2 420 weekend days): the
    construction must work both days of every weekend it works (a weekend day off aside), nearly every
    weekend the employees may, and plan 720-minute shifts (one type of 480 minutes per employee made none)."""
    instance = load_instance(BENCHMARK / "Instance21.txt")
    builder = Builder(instance, workers=2)
    assert builder.construct(time.monotonic() + 60, polish=False)
    assert evaluate(instance, builder.as_roster()).feasible
    worked = allowed = 0
    for e in instance.employees:
        days = builder.roster[e.id]
        open_ = [k for k in range(instance.weekends) if {7 * k + 5, 7 * k + 6} - e.days_off]
        assert not [k for k in open_ if _half(e, days, k)], e.id
        worked += sum(1 for k in open_ if days[7 * k + 5] is not None or days[7 * k + 6] is not None)
        allowed += min(e.max_weekends, len(open_))
    assert worked >= 0.95 * allowed
    long = {s.id for s in instance.shifts if s.minutes == 720}
    assert sum(1 for days in builder.roster.values() for t in days if t in long) > 500


def _narrow_shifts(instance, current, free_ids, start, end) -> dict[int, set[str]]:
    """A narrow window's shifts on each of its days: those a free employee works or asks for, and those short."""
    count = Counter((d, t) for days in current.values() for d, t in enumerate(days) if t is not None)
    shifts = {d: {current[e][d] for e in free_ids} - {None} for d in range(start, end)}
    for c in instance.cover:
        if start <= c.day < end and count[c.day, c.shift] < c.requirement:
            shifts[c.day].add(c.shift)
    for r in instance.on_requests:
        if r.employee in free_ids and start <= r.day < end:
            shifts[r.day].add(r.shift)
    return shifts


def _best_agreeing(instance, current, free_ids, start, end, narrow=False) -> int:
    """By enumeration: the least penalty over the valid rosters equal to `current` outside the window (and, in
    a narrow window, working only the shifts worked or short inside it)."""
    options = [None, *instance.shift_ids]
    shifts = _narrow_shifts(instance, current, free_ids, start, end) if narrow else None
    choices = []
    for e in instance.employees:
        mine = []
        if e.id not in free_ids:
            mine = [current[e.id]]
        else:
            for middle in itertools.product(options, repeat=end - start):
                if shifts is not None and any(
                    t is not None and t not in shifts[start + i] for i, t in enumerate(middle)
                ):
                    continue
                days = current[e.id][:start] + list(middle) + current[e.id][end:]
                if not any(rule(instance, e, days) for rule in ev.EMPLOYEE_RULES):
                    mine.append(days)
        choices.append(mine)
    return min(
        ev.evaluate(instance, {e.id: days for e, days in zip(instance.employees, combination, strict=True)}).penalty
        for combination in itertools.product(*choices)
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(shifts=2, staff=2, weeks=3), st.data())
def test_a_window_finds_the_best_roster_that_agrees_with_the_fixed_part(instance, data):
    """Every day outside [start, end), and every day of a fixed employee, stays as it was; the window's optimum
    is the enumeration's over exactly those rosters: the edges (runs, rotation) and what the fixed days spend
    (minutes, per-type limits, weekends) are modelled right. A narrow window's optimum is the enumeration's
    over the rosters that, inside it, work only the shifts a free employee works or asks for, or that are short."""
    builder = Builder(instance, workers=1)
    if not builder.construct(time.monotonic() + 30):
        return
    start = data.draw(st.integers(0, instance.horizon - 1), label="start")
    end = data.draw(st.integers(start + 1, min(instance.horizon, start + 4)), label="end")
    chosen = data.draw(st.sets(st.integers(0, len(instance.employees) - 1), min_size=1), label="free")
    narrow = data.draw(st.booleans(), label="narrow")
    kind = data.draw(st.sampled_from(["days", "staff"]), label="kind")  # each kind's CP-SAT settings
    free = [instance.employees[i] for i in sorted(chosen)]
    current = builder.as_roster()
    optimum = _best_agreeing(instance, current, {e.id for e in free}, start, end, narrow)
    window = Window(builder, start, end, free, narrow)
    solver, status = window.solve(30.0, 1, 0, kind=kind)
    assert status == cp_model.OPTIMAL
    offset = window.offset()
    for e, column in window.read(solver).items():
        builder.set(e, column)
    roster = builder.as_roster()
    evaluation = evaluate(instance, roster)
    assert evaluation.feasible, evaluation.violations
    free_ids = {e.id for e in free}
    for e, days in roster.items():
        assert all(old == new for d, (old, new) in enumerate(zip(current[e], days, strict=True))
                   if e not in free_ids or not start <= d < end)  # fmt: skip
    assert evaluation.penalty == builder.penalty() == optimum == round(solver.objective_value) + offset


def test_a_narrow_window_lets_a_free_employee_take_the_shift_they_ask_for():
    """The shift asked for is neither short nor worked by a free employee: a narrow window still offers it.
    Without it the window could never grant such a request: Instance24's 60 s roster missed 6 828 of its 9 540
    (weight 13 560 of a penalty of 58 932), and 279 of them were a single valid move that gained."""
    shifts = [ShiftType("s0", 480, frozenset()), ShiftType("s1", 480, frozenset())]
    employee = Employee("E0", {"s0": 7, "s1": 7}, 480, 480, 7, 1, 1, 1)
    cover = [Cover(2, "s0", 0, 100, 1), Cover(2, "s1", 0, 100, 1)]  # either shift is one over: 1
    asked = [Request("E0", 2, "s1", 3)]
    instance = Instance("asked", 7, shifts, [employee], asked, [], cover)
    builder = Builder(instance)
    builder.set("E0", (None, None, "s0", None, None, None, None))
    assert builder.penalty() == 1 + 3
    window = Window(builder, 0, 7, [employee], narrow=True)
    solver, status = window.solve(10.0, 1, 0)
    assert status == cp_model.OPTIMAL
    assert window.read(solver)["E0"][2] == "s1"
    assert window.keep(solver, status, builder.penalty(), lambda penalty: None) == 1


@pytest.mark.parametrize("bias, sunday", [(0, None), (2, "s0")])
def test_a_window_with_a_weekend_bias_keeps_a_weekend_whole_rather_than_save_one_shift_over(bias, sunday):
    """Sunday's line is one over: without a bias the window drops Sunday (penalty 1 to 0); with a bias of 2 the
    weekend worked on one day would cost more than that shift, and the weekend stays whole."""
    employee = Employee("E0", {"s0": 7}, 960, 480, 7, 1, 1, 1)
    cover = [Cover(5, "s0", 1, 100, 1), Cover(6, "s0", 0, 100, 1)]
    instance = Instance("weekend", 7, [ShiftType("s0", 480, frozenset())], [employee], [], [], cover)
    builder = Builder(instance)
    builder.set("E0", (None,) * 5 + ("s0", "s0"))
    window = Window(builder, 0, 7, [employee], narrow=True, weekend_bias=bias)
    solver, status = window.solve(10.0, 1, 0)
    assert status == cp_model.OPTIMAL
    assert window.read(solver)["E0"][5:] == ("s0", sunday)
    assert window.keep(solver, status, builder.penalty(), lambda penalty: None) == (1 if bias else 0)


@pytest.mark.parametrize("name, workers", [("tiny-weeks", 1), ("Instance19", 2)])
def test_the_search_by_windows_only_improves_and_reports_each_roster(name, workers):
    """One window at a time with one worker; with two, two threads of windows on employees apart (Instance19:
    40 employees), whose rosters, each put in while the other thread solves, must add up to a valid roster
    priced like the evaluator."""
    instance = _weeks(6) if name == "tiny-weeks" else load_instance(BENCHMARK / f"{name}.txt")
    builder = Builder(instance, workers=workers)
    assert builder.construct(time.monotonic() + 30, polish=False)
    first = builder.penalty()
    seen: list[int] = []
    builder.mix_shifts()
    assert builder.penalty() <= first
    window.improve(builder, time.monotonic() + 5, seen.append, workers=workers)
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)  # only improvements reported
    assert seen and seen[-1] == builder.penalty() < first
    evaluation = evaluate(instance, builder.as_roster())
    assert evaluation.feasible and evaluation.penalty == builder.penalty()


def test_the_windows_kinds_are_drawn_by_what_they_gained_lately():
    """Each kind is tried once, then drawn in proportion to its recent gain per second, the weaker one never
    less than FLOOR times as often as the best; with no gain anywhere, evenly."""
    builder = Builder(_weeks(2))
    assert builder.construct(time.monotonic() + 30, polish=False)
    search = window._Search(builder, lambda penalty: None, 1, 1, 0, -1)
    assert search._kind() == "days"
    search.yields["days"] = [10.0, 1.0]
    assert search._kind() == "staff"
    draws = 20_000

    def shares(yields: dict[str, list[float]]) -> Counter[str]:
        search.yields = yields
        return Counter(search._kind() for _ in range(draws))

    drawn = shares({"days": [30.0, 1.0], "staff": [10.0, 1.0]})  # 30 a second against 10: three to one
    assert drawn["days"] / draws == pytest.approx(0.75, abs=0.02)
    drawn = shares({"days": [100.0, 1.0], "staff": [0.0, 4.0]})  # no gain: the floor
    assert drawn["staff"] / draws == pytest.approx(window.FLOOR / (1 + window.FLOOR), abs=0.02)
    drawn = shares({"days": [0.0, 1.0], "staff": [0.0, 2.0]})
    assert drawn["days"] / draws == pytest.approx(0.5, abs=0.02)


def test_a_window_grows_when_proven_quickly_unless_the_larger_size_gained_less_a_second():
    """One step smaller after a window not proven in half its time (never below MIN_VARIABLES); one step
    larger after one that was, unless the larger size, when last drawn, gained less a second than this one."""
    builder = Builder(_weeks(2))
    assert builder.construct(time.monotonic() + 30, polish=False)
    search = window._Search(builder, lambda penalty: None, 1, 1, 0, -1)
    search._resize("staff", 0, True)  # the larger size never drawn: grow
    assert search.levels["staff"] == 1
    search.sizes["staff", 0] = [300.0, 1.0]
    search.sizes["staff", 1] = [100.0, 1.0]
    search._resize("staff", 0, True)  # 100 a second there against 300 here: stay
    assert search.levels["staff"] == 0
    search.sizes["staff", 1] = [400.0, 1.0]
    search._resize("staff", 0, True)
    assert search.levels["staff"] == 1
    search._resize("staff", 1, False)  # not proven quickly: shrink, whatever the rates
    assert search.levels["staff"] == 0
    assert window._budget(-3) == window.MIN_VARIABLES and window._budget(13) == window.MAX_VARIABLES
    search._resize("days", -3, False)
    assert search.levels["days"] == -3
    search._resize("days", 13, True)
    assert search.levels["days"] == 13


def test_a_pattern_of_several_lengths_polished_works_where_the_roster_is_short():
    """Instance21 with its second half's demand five times higher: each polished pattern (still valid) works
    more of its days there than the same employee's pattern found by local search alone."""
    plain = load_instance(BENCHMARK / "Instance21.txt")
    half = plain.horizon // 2
    cover = [dataclasses.replace(c, requirement=c.requirement * 5) if c.day >= half else c for c in plain.cover]
    instance = dataclasses.replace(plain, cover=cover)
    builder = Builder(instance, workers=2)
    compared = 0
    for e in instance.employees[:20]:
        shifts = _lengths(instance, e, Counter(), _single_types(instance, e, Counter()))
        if len({s.minutes for s in shifts}) < 2:
            continue
        weekends = _weekends(instance, e, Counter())
        rough, polished = (builder._mixed(e, shifts, weekends, polish) for polish in (False, True))
        assert rough is not None and polished is not None
        assert not any(rule(instance, e, list(polished)) for rule in ev.EMPLOYEE_RULES)
        late = [sum(1 for t in column[half:] if t is not None) for column in (rough, polished)]
        assert late[1] > late[0], e.id
        compared += 1
    assert compared >= 10


def test_a_pattern_on_whole_weekends_with_leisure_works_the_weekends_still_short():
    """Instance22 (each employee one length) with its first half's weekends asking five times as much: each
    single-type pattern on whole weekends found with leisure (still valid, as many weekends) works more of them
    there than the same employee's pattern found by local search alone."""
    plain = load_instance(BENCHMARK / "Instance22.txt")
    half = plain.horizon // 2
    busy = [dataclasses.replace(c, requirement=c.requirement * 5) if c.day < half and c.day % 7 >= 5 else c
            for c in plain.cover]  # fmt: skip
    instance = dataclasses.replace(plain, cover=busy)
    builder = Builder(instance, workers=2)
    early = []
    for e in instance.employees[:10]:
        shift = _single_types(instance, e, Counter())[0]
        rough, preferred = (builder._pattern(e, shift, 2.0, False, True, leisure) for leisure in (False, True))
        assert rough is not None and preferred is not None
        assert not any(rule(instance, e, list(preferred)) for rule in ev.EMPLOYEE_RULES)
        early.append([sum(1 for d in range(5, half, 7) if column[d]) for column in (rough, preferred)])
    assert all(p >= r for r, p in early) and sum(p > r for r, p in early) >= 8, early


def _weeks(weeks: int):
    """The tiny hand-made week repeated: a horizon beyond four weeks, so solve_instance takes construct.py."""
    tiny = load_instance(DATA / "tiny.txt")
    employees = [
        dataclasses.replace(
            e,
            max_shifts={t: m * weeks for t, m in e.max_shifts.items()},
            max_minutes=e.max_minutes * weeks,
            min_minutes=e.min_minutes * weeks,
            max_weekends=e.max_weekends * weeks,
            days_off=frozenset(d + 7 * k for d in e.days_off for k in range(weeks)),
        )
        for e in tiny.employees
    ]
    cover = [Cover(c.day + 7 * k, c.shift, c.requirement, c.weight_under, c.weight_over)
             for k in range(weeks) for c in tiny.cover]  # fmt: skip
    return dataclasses.replace(tiny, name="tiny-weeks", horizon=7 * weeks, employees=employees, cover=cover)


def test_a_long_horizon_is_solved_by_construction_then_windows_and_the_claim_is_checked():
    instance = _weeks(5)
    assert instance.horizon > LARGE_FROM_DAYS
    result = solve_instance(instance, SolveParams(20, 1, 0))
    assert result.roster is not None and result.valid
    assert result.evaluation.penalty == result.claimed
    assert result.curve and result.curve[-1][1] == result.claimed
    # This instance is small enough for one window to hold all of it: solved to optimality, it proves the
    # roster optimal. The whole model, solved on its own, agrees.
    ctx, _ = build_model(instance)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(ctx.model) == cp_model.OPTIMAL
    assert result.status == "OPTIMAL" and result.bound == result.claimed == exact_penalty(
        ctx, round(solver.objective_value), solver.value
    )


@pytest.mark.parametrize("name, converged", [("tiny", True), ("tiny-4-weeks", True), ("tiny-4-weeks", False)])
def test_a_large_model_goes_from_the_relaxation_to_windows(monkeypatch, name, converged):
    """From FULL_MODEL_UP_TO assignment variables on (Instance12), the relaxation's heaviest rosters, then (after
    a dive) the restriction as a window, then the windows replace the clone of the whole model: lowered to 0
    here, so that small instances take that path. A relaxation cut after its first round has not converged:
    no dive then. Every roster reported is a real one, the last is the claim, the evaluator agrees, and the
    optimum is reached (a window holds the whole instance)."""
    monkeypatch.setattr(solve, "FULL_MODEL_UP_TO", 0)
    if not converged:
        run = colgen.ColumnGeneration.run
        monkeypatch.setattr(colgen.ColumnGeneration, "run", lambda self, deadline, rounds=None: run(self, deadline, 1))
    instance = load_instance(DATA / "tiny.txt") if name == "tiny" else _weeks(4)
    assert instance.horizon <= LARGE_FROM_DAYS
    events = []
    result = solve_instance(instance, SolveParams(20, 1, 0, events.append))
    assert any(e.message == "the relaxation's heaviest rosters" for e in events)
    assert any(e.message.startswith("dive:") for e in events) == converged
    assert result.roster is not None and result.valid
    assert result.curve and result.curve[-1][1] == result.claimed
    ctx, _ = build_model(instance)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(ctx.model) == cp_model.OPTIMAL
    optimum = exact_penalty(ctx, round(solver.objective_value), solver.value)
    assert result.status == "OPTIMAL" and result.claimed == result.bound == optimum
