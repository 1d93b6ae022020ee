"""Small random instances (a hypothesis strategy) and their optimum by enumeration, for the property tests."""

import itertools
from collections.abc import Callable

from hypothesis import strategies as st

from solver.curtois import evaluate as ev
from solver.curtois.instance import Cover, Employee, Instance, Request, ShiftType


@st.composite
def small_instances(draw, shifts: int, staff: int, weeks: int = 1) -> Instance:
    """Random instances of `weeks` weeks; limits are drawn wide enough that many are feasible, some not."""
    horizon = 7 * weeks
    ids = [f"s{i}" for i in range(shifts)]
    types = [
        ShiftType(t, draw(st.sampled_from([480, 600])), frozenset(draw(st.sets(st.sampled_from(ids))))) for t in ids
    ]
    employees = []
    for n in range(staff):
        low = draw(st.integers(0, 3)) * 480
        employees.append(
            Employee(
                f"E{n}",
                {t: draw(st.integers(0, 7)) for t in ids},
                low + draw(st.integers(0, 4)) * 600,
                low,
                draw(st.integers(1, 5)),
                draw(st.integers(1, 3)),
                draw(st.integers(1, 3)),
                draw(st.integers(0, weeks)),
                frozenset(draw(st.sets(st.integers(0, horizon - 1), max_size=2))),
            )
        )
    request = st.builds(
        Request,
        st.sampled_from([e.id for e in employees]),
        st.integers(0, horizon - 1),
        st.sampled_from(ids),
        st.integers(1, 3),
    )
    cover = [
        Cover(d, t, draw(st.integers(0, staff)), draw(st.integers(1, 100)), draw(st.integers(1, 3)))
        for d in range(horizon)
        for t in ids
        if draw(st.booleans())
    ]
    return Instance("random", horizon, types, employees, draw(st.lists(request, max_size=4)),
                    draw(st.lists(request, max_size=4)), cover)  # fmt: skip


def brute_force(instance: Instance, keep: Callable[[str, list[str | None]], bool] | None = None) -> int | None:
    """The optimum by enumeration: every per-employee pattern the evaluator accepts (and `keep`, when given,
    accepts for that employee's id), every combination."""
    options = [None, *instance.shift_ids]
    patterns = []
    for e in instance.employees:
        mine = []
        for days in itertools.product(options, repeat=instance.horizon):
            if keep is not None and not keep(e.id, list(days)):
                continue
            if not any(rule(instance, e, list(days)) for rule in ev.EMPLOYEE_RULES):
                mine.append(list(days))
        patterns.append(mine)
    best = None
    for combination in itertools.product(*patterns):
        roster = {e.id: days for e, days in zip(instance.employees, combination, strict=True)}
        penalty = ev.evaluate(instance, roster).penalty
        best = penalty if best is None else min(best, penalty)
    return best
