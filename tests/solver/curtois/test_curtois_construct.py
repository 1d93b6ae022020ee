"""Construction and employee-wise descent (construct.py): every roster valid, its penalty the evaluator's,
a roster whenever one exists, and the long-horizon path of solve_instance ending with a roster."""

import dataclasses
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from solver.curtois.construct import Builder
from solver.curtois.evaluate import evaluate
from solver.curtois.instance import Cover, load_instance
from solver.curtois.solve import LARGE_FROM_DAYS, solve_instance
from solver.params import SolveParams
from tests.solver.curtois.small import brute_force, small_instances

DATA = Path(__file__).parent / "data"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(shifts=2, staff=2))
def test_construction_and_descent_give_valid_rosters_priced_like_the_evaluator(instance):
    optimum = brute_force(instance)
    builder = Builder(instance, workers=1)
    built = builder.construct(time.monotonic() + 30)
    # The fallback is the employee's whole model: a roster exists exactly when the evaluator accepts one.
    assert built == (optimum is not None)
    if not built:
        return
    first = builder.penalty()
    seen: list[int] = []
    builder.descend(time.monotonic() + 30, seen.append)
    evaluation = evaluate(instance, builder.as_roster())
    assert evaluation.feasible, evaluation.violations
    assert evaluation.penalty == builder.penalty()
    assert optimum <= builder.penalty() <= first
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)  # only improvements reported


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


@pytest.mark.parametrize("limit", [10, 40], ids=["descent-only", "then-whole-model"])
def test_a_long_horizon_is_solved_by_construction_then_descent_and_the_claim_is_checked(limit):
    instance = _weeks(5)
    assert instance.horizon > LARGE_FROM_DAYS
    result = solve_instance(instance, SolveParams(limit, 1, 0))
    assert result.roster is not None and result.valid
    assert result.evaluation.penalty == result.claimed
    assert result.curve and result.curve[-1][1] == result.claimed
    # With time left the whole model follows the descent and proves this small instance's optimum.
    assert (result.status == "OPTIMAL") == (limit == 40)
