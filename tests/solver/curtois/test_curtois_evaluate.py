"""The independent evaluator on a tiny hand-made instance: the hand-computed penalty, then each rule
satisfied by the reference roster and broken by a one-line change."""

from pathlib import Path

import pytest

from solver.curtois import evaluate as ev
from solver.curtois.files import format_roster, parse_roster
from solver.curtois.instance import load_instance

DATA = Path(__file__).parent / "data"


@pytest.fixture
def tiny():
    return load_instance(DATA / "tiny.txt")


@pytest.fixture
def roster():
    # A E E E - - E E / B L - L L L - - / C E E - L L - -
    return parse_roster((DATA / "tiny_roster.txt").read_text())


def test_hand_computed_penalty(tiny, roster):
    # On requests: A day 4 E unmet (3), C day 1 L unmet (C works E) (1)                          -> 4
    # Off requests: A works E on day 1 (1), C works L on day 3 (2)                              -> 3
    # Cover: day1 E over 1 (1), day1 L under 1 (100), day3 E under 1 at weight 50 (50),
    #        day3 L over 1 at weight 2 (2), day4 L over 1 (1), day5 E under 1 (100); day 6 L has
    #        no cover line, so nobody on it costs nothing                                       -> 254
    result = ev.evaluate(tiny, roster)
    assert result.violations == []
    assert result.breakdown == {"shift-on requests": 4, "shift-off requests": 3, "cover": 254}
    assert result.penalty == 261


def test_roster_file_round_trip(tiny, roster):
    assert parse_roster(format_roster(tiny, roster)) == roster
    assert format_roster(tiny, roster).splitlines()[1] == "B L - L L L - -"


BROKEN = [
    # (rule, employee, new days)
    (ev.shift_rotation, "C", "L E - L L - -"),
    (ev.max_shifts_per_type, "B", "E - L L L - -"),
    (ev.total_minutes, "A", "E E - - - - -"),
    (ev.max_consecutive_shifts, "B", "L L L L L L -"),
    (ev.min_consecutive_shifts, "A", "E E E - - E -"),
    (ev.min_consecutive_days_off, "A", "E E E - E E -"),
    (ev.max_weekends, "C", "E E - E E E -"),
    (ev.days_off, "A", "E E E E - - E"),
]


@pytest.mark.parametrize(("rule", "employee", "days"), BROKEN, ids=[b[0].__name__ for b in BROKEN])
def test_each_hard_rule_is_caught_alone(tiny, roster, rule, employee, days):
    staff = {e.id: e for e in tiny.employees}
    assert rule(tiny, staff[employee], roster[employee]) == []
    roster[employee] = [None if d == "-" else d for d in days.split()]
    violations = ev.evaluate(tiny, roster).violations
    assert len(violations) == 1
    assert rule(tiny, staff[employee], roster[employee]) == violations


EXEMPT = [
    # (rule, A's days with a short run touching a horizon end, A's days with the same run inside)
    (ev.min_consecutive_shifts, "E - - - - E E", "- E - - - E E"),
    (ev.min_consecutive_shifts, "E E E - - - E", "E E E - - E -"),
    (ev.min_consecutive_days_off, "- E E - - E E", "E E E - E E -"),
    (ev.min_consecutive_days_off, "E E - - E E -", "E E E - E E -"),
]


@pytest.mark.parametrize(("rule", "exempt", "inner"), EXEMPT)
def test_short_runs_are_exempt_only_at_the_horizon_ends(tiny, roster, rule, exempt, inner):
    a = tiny.employees[0]
    roster["A"] = [None if d == "-" else d for d in exempt.split()]
    assert ev.evaluate(tiny, roster).violations == []
    roster["A"] = [None if d == "-" else d for d in inner.split()]
    assert ev.evaluate(tiny, roster).violations == rule(tiny, a, roster["A"])
    assert len(rule(tiny, a, roster["A"])) == 1


def test_wrong_length_and_unknown_shift_are_hard_violations(tiny, roster):
    roster["A"] = roster["A"][:-1]
    roster["B"][0] = "X"
    violations = ev.evaluate(tiny, roster).violations
    assert any("horizon is 7" in v for v in violations)
    assert any("unknown shift 'X'" in v for v in violations)
