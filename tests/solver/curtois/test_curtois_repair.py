"""The cover-mending moves of the long instances (repair.py): their rule checks and prices against the evaluator."""

import time

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from solver.curtois import evaluate as ev
from solver.curtois import repair
from solver.curtois.construct import Builder
from solver.curtois.evaluate import evaluate
from solver.curtois.files import DEFAULT_DIR
from solver.curtois.instance import load_instance
from tests.solver.curtois.small import small_instances


def _violations(instance, employee, column, spare=0):
    """The evaluator's rules on one column, the maximum minutes raised by `spare`."""
    out = [v for rule in ev.EMPLOYEE_RULES if rule is not ev.total_minutes for v in rule(instance, employee, column)]
    length = {s.id: s.minutes for s in instance.shifts}
    minutes = sum(length[t] for t in column if t is not None)
    if not employee.min_minutes <= minutes <= employee.max_minutes + spare:
        out.append("minutes")
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(shifts=3, staff=3, weeks=3), st.data())
def test_a_move_fits_exactly_when_the_evaluator_accepts_it_and_is_priced_like_the_evaluator(instance, data):
    builder = Builder(instance, workers=1)
    assume(builder.construct(time.monotonic() + 30, polish=False))
    staff = repair._Staff(builder)
    for _ in range(12):
        # Every draw made before looking at the roster: the construction may differ from run to run (CP-SAT
        # with two workers), and hypothesis needs the same draws when it replays an example.
        employee = data.draw(st.sampled_from(instance.employees))
        day = data.draw(st.integers(0, instance.horizon - 1))
        new = data.draw(st.sampled_from([None, *instance.shift_ids]))
        spare = data.draw(st.sampled_from([0, 480]))
        column = list(builder.roster[employee.id])
        if column[day] == new:
            continue
        changed = column[:day] + [new] + column[day + 1 :]
        assert staff.fits(employee.id, day, new, spare) == (not _violations(instance, employee, changed, spare))
        if staff.fits(employee.id, day, new):
            before, delta = builder.penalty(), staff.delta(employee.id, day, new)
            staff.apply(employee.id, day, new)
            assert builder.penalty() == before + delta
            assert builder.roster[employee.id] == tuple(changed)
            evaluation = evaluate(instance, builder.as_roster())
            assert evaluation.feasible and evaluation.penalty == builder.penalty()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(shifts=3, staff=4, weeks=3), st.integers(0, 5))
def test_repair_keeps_the_roster_valid_and_never_raises_the_penalty(instance, seed):
    builder = Builder(instance, workers=1)
    assume(builder.construct(time.monotonic() + 30, polish=False))
    before = builder.penalty()
    repair.repair(builder, time.monotonic() + 10, seed)
    evaluation = evaluate(instance, builder.as_roster())
    assert evaluation.feasible, evaluation.violations
    assert evaluation.penalty == builder.penalty() <= before


def test_on_instance21_the_shifts_short_after_mixing_are_mostly_filled():
    """Instance21 after its shifts are mixed: the moves must fill most of the lines still short and end valid,
    priced like the evaluator (one run: 1 121 shifts short before, 256 after; the construction no longer
    leaves the 720-minute shifts to the moves, docs/curtois.md)."""
    instance = load_instance(DEFAULT_DIR / "instances" / "Instance21.txt")
    builder = Builder(instance, workers=2)
    assert builder.construct(time.monotonic() + 60, polish=False)
    builder.mix_shifts()

    def short() -> int:
        return sum(max(0, c.requirement - builder.count[key]) for key, c in builder.cover.items())

    before, missing = builder.penalty(), short()
    assert missing > 500  # what the moves are for
    moves = repair.repair(builder, time.monotonic() + 30)
    assert moves > 0 and short() < missing / 2
    evaluation = evaluate(instance, builder.as_roster())
    assert evaluation.feasible and evaluation.penalty == builder.penalty() < before
