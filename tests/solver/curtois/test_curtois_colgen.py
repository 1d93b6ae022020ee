"""Column generation: every column is a roster the evaluator accepts at the cost it is given, the bound
never exceeds the optimum, and the dive only restricts."""

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from solver.curtois import evaluate as ev
from solver.curtois.colgen import ColumnGeneration, alone
from solver.curtois.instance import load_instance
from solver.curtois.solve import solve_instance
from solver.params import SolveParams
from tests.solver.curtois.small import brute_force, small_instances

DATA = Path(__file__).parent / "data"


def converged(instance, seconds: float = 10.0) -> ColumnGeneration:
    generation = ColumnGeneration(instance, 1)
    assert generation.run(time.monotonic() + seconds)
    return generation


def test_columns_are_valid_rosters_priced_at_their_request_penalty():
    tiny = load_instance(DATA / "tiny.txt")
    generation = converged(tiny)
    assert generation.converged and generation.bound is not None
    for employee in tiny.employees:
        for column, cost, _ in generation.master.columns[employee.id]:
            evaluation = ev.evaluate(alone(tiny, employee), {employee.id: list(column)})
            assert evaluation.violations == []
            assert evaluation.penalty == cost  # requests only: the cover is the master's


def test_tiny_bound_is_at_most_the_proven_optimum_and_the_relaxation_at_least_the_bound():
    tiny = load_instance(DATA / "tiny.txt")
    generation = converged(tiny)
    optimum = solve_instance(tiny, SolveParams(10, 1, 0))
    assert optimum.optimal
    assert generation.bound <= optimum.claimed
    assert generation.bound <= generation.value + 1e-6


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(shifts=1, staff=2))
def test_the_bound_never_exceeds_the_brute_force_optimum(instance):
    expected = brute_force(instance)
    generation = ColumnGeneration(instance, 1)
    generation.run(time.monotonic() + 60)  # converges in milliseconds: the deadline only guards a loaded machine
    if expected is None:
        assert generation.bound is None  # some employee has no roster at all
    else:  # a feasible instance this small converges well inside 10 s: no bound is a failure, not a pass
        assert generation.bound is not None
        assert generation.bound <= expected


def test_the_dive_fixes_employees_to_columns_and_never_lowers_the_relaxation():
    tiny = load_instance(DATA / "tiny.txt")
    generation = converged(tiny)
    root = generation.value
    generation.dive(time.monotonic() + 10, rounds=5, slack=1.0)  # a wide slack: the dive may fix everyone
    assert generation.fixed
    assert generation.value >= root - 1e-6
    assignment = generation.assignment()
    heaviest = generation.heaviest()
    for employee, column in generation.fixed.items():
        assert heaviest[employee] == column
        for d, t in enumerate(column):
            for shift in tiny.shift_ids:
                assert abs(assignment.get((employee, d, shift), 0.0) - (t == shift)) < 1e-6


def test_an_undone_dive_step_restores_the_relaxation():
    tiny = load_instance(DATA / "tiny.txt")
    generation = converged(tiny)
    root = generation.value
    generation.dive(time.monotonic() + 10, rounds=5, slack=-1.0)  # any step is over the ceiling: undone
    assert generation.fixed == {} and len(generation.free) == len(tiny.employees)
    assert abs(generation.value - root) < 1e-6


@pytest.mark.parametrize(
    ("finished", "offset", "steps"),
    [(True, 0.0, [3, 1]), (False, 0.5, [3, 1]), (True, 0.5, [3])],
    ids=["integral", "not-converged", "fractional"],
)
def test_an_undone_step_is_retried_halved_unless_the_relaxation_is_fractional(finished, offset, steps):
    tiny = load_instance(DATA / "tiny.txt")
    generation = converged(tiny)
    assert generation.value == 103  # integral: every employee has one column of weight 1
    generation.converged = finished  # False: as if column generation had been cut short by its deadline
    generation.value += offset  # a fractional value, as the dive sees it before its first step
    tried: list[int] = []
    run = generation.run

    def recording_run(deadline, rounds=None):
        tried.append(len(generation.fixed))
        return run(deadline, rounds)

    generation.run = recording_run
    generation.dive(time.monotonic() + 10, rounds=1, slack=-1.0)  # every step is over the ceiling
    assert tried == steps
    assert generation.fixed == {}
