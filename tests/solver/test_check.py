"""The checker: one satisfied/violated pair per hard rule and per score key, and the fixtures' scores."""

import json

import pytest
from helpers import EXAMPLES, example, gp, problem, shift, solution

from solver import SCORE_KEYS, Rule, Violation, check

MON, TUE, SAT = "2027-01-04", "2027-01-05", "2027-01-09"


@pytest.mark.parametrize("name", ["example-cpts-month", "example-cpts-month-amended"])
def test_fixture_scores_are_reproduced_exactly(name):
    documented = json.loads((EXAMPLES / f"{name}.solution.json").read_text(encoding="utf-8"))
    report = check(example(name), documented)
    assert report.valid, report.violations
    assert report.score == documented["score"]
    assert list(report.score) == list(SCORE_KEYS)


def _rule(data, good, bad, expected, english):
    """`good` passes; `bad` breaks exactly `expected`, which the CLI prints as `english`."""
    ok, ko = check(data, solution(good)), check(data, solution(bad))
    assert ok.valid and not ok.violations
    assert not ko.valid
    assert ko.violations == [expected]
    assert str(expected) == english


def test_rule1_known_ids_and_no_duplicate():
    data = problem([shift("s", target=2)], [gp("g", ["s"])])
    _rule(
        data, [("g", "s")], [("g", "s"), ("g", "s")],
        Violation(Rule.DUPLICATE, gp="g", shift="s"), "rule 1 (ids): g on shift s appears twice",
    )  # fmt: skip
    _rule(
        data, [("g", "s")], [("ghost", "s")],
        Violation(Rule.UNKNOWN_ID, item="{'gp': 'ghost', 'shift': 's'}"),
        "rule 1 (ids): assignment {'gp': 'ghost', 'shift': 's'} names an unknown shift or GP",
    )  # fmt: skip


def test_rule2_availability_and_site():
    data = problem([shift("s"), shift("t", site="B")], [gp("g", ["s", "t"], sites=["A"]), gp("h", ["t"])])
    _rule(
        data, [("g", "s")], [("h", "s")],
        Violation(Rule.AVAILABILITY, gp="h", shift="s"), "rule 2 (availability): h is not available for shift s",
    )  # fmt: skip
    _rule(
        data, [("h", "t")], [("g", "t")],
        Violation(Rule.SITES, gp="g", shift="t", site="B"), "rule 2 (sites): g does not work at site B (shift t)",
    )  # fmt: skip


def test_rule2_a_pin_counts_as_available():
    data = problem([shift("s")], [gp("g", [])], pinned=[{"gp": "g", "shift": "s"}])
    assert check(data, solution([("g", "s")])).valid


def test_rule3_target():
    data = problem([shift("s", target=1)], [gp("g", ["s"]), gp("h", ["s"])])
    _rule(
        data, [("g", "s")], [("g", "s"), ("h", "s")],
        Violation(Rule.TARGET, shift="s", count=2, limit=1), "rule 3 (target): shift s has 2 GPs, target is 1",
    )  # fmt: skip


def test_rule4_overlap_even_across_days():
    night = {"id": "n", "site": "A", "start": f"{MON}T22:00", "end": f"{TUE}T06:00"}
    early = shift("e", TUE, "05:00", "07:00")
    data = problem([night, early], [gp("g", ["n", "e"])])
    _rule(
        data, [("g", "n")], [("g", "n"), ("g", "e")],
        Violation(Rule.OVERLAP, gp="g", shift="n", other="e"), "rule 4 (overlap): g works overlapping shifts n and e",
    )  # fmt: skip


def test_rule4_one_shift_per_day():
    shifts = [shift("a", MON, "09:00", "11:00"), shift("b", MON, "18:00", "20:00")]
    data = problem(shifts, [gp("g", ["a", "b"])])
    _rule(
        data, [("g", "a")], [("g", "a"), ("g", "b")],
        Violation(Rule.SAME_DAY, gp="g", shift="a", other="b", when=MON),
        f"rule 4 (one shift per day): g works a and b on {MON}",
    )  # fmt: skip
    data["one_shift_per_day"] = False
    assert check(data, solution([("g", "a"), ("g", "b")])).valid


def test_rule5_max_shifts():
    data = problem([shift("a", MON), shift("b", TUE)], [gp("g", ["a", "b"], max_shifts=1)])
    _rule(
        data, [("g", "a")], [("g", "a"), ("g", "b")],
        Violation(Rule.MAX_SHIFTS, gp="g", count=2, limit=1), "rule 5 (max_shifts): g works 2 shifts, limit 1",
    )  # fmt: skip


def test_rule5_max_per_week_uses_iso_weeks():
    sunday, monday = "2027-01-10", "2027-01-11"
    shifts = [shift("a", MON), shift("b", TUE), shift("c", sunday), shift("d", monday)]
    data = problem(shifts, [gp("g", ["a", "b", "c", "d"], max_per_week=1)])
    _rule(
        data, [("g", "c"), ("g", "d")], [("g", "a"), ("g", "b")],
        Violation(Rule.MAX_PER_WEEK, gp="g", count=2, limit=1, when="2027-W01"),
        "rule 5 (max_per_week): g works 2 shifts in week 2027-W01, limit 1",
    )  # fmt: skip


def test_rule5_max_saturdays():
    data = problem([shift("a", SAT, "09:00", "13:00"), shift("b", MON)], [gp("g", ["a", "b"], max_saturdays=0)])
    _rule(
        data, [("g", "b")], [("g", "a")],
        Violation(Rule.MAX_SATURDAYS, gp="g", count=1, limit=0), "rule 5 (max_saturdays): g works 1 Saturdays, limit 0",
    )  # fmt: skip


def test_rule6_pins():
    data = problem([shift("s")], [gp("g", ["s"])], pinned=[{"gp": "g", "shift": "s"}])
    _rule(
        data, [("g", "s")], [],
        Violation(Rule.PINNED, gp="g", shift="s"), "rule 6 (pinned): g is pinned on shift s but not assigned",
    )  # fmt: skip


def _score(data, pairs):
    report = check(data, solution(pairs))
    assert report.valid, report.violations
    return report.score


def test_score_uncovered_weights_priority():
    data = problem([shift("s", min=2, target=2, priority=3)], [gp("g", ["s"]), gp("h", ["s"])])
    assert _score(data, [("g", "s"), ("h", "s")])["uncovered"] == 0
    assert _score(data, [("g", "s")])["uncovered"] == 3


def test_score_removed():
    data = problem([shift("s")], [gp("g", ["s"]), gp("h", ["s"])], previous=[{"gp": "g", "shift": "s"}])
    assert _score(data, [("g", "s")])["removed"] == 0
    assert _score(data, [("h", "s")])["removed"] == 1


def test_score_understaffed():
    data = problem([shift("s", min=1, target=3, priority=2)], [gp(i, ["s"]) for i in "ghk"])
    assert _score(data, [("g", "s"), ("h", "s"), ("k", "s")])["understaffed"] == 0
    assert _score(data, [("g", "s")])["understaffed"] == 4


def test_score_max_load_counts_history_and_idle_gps():
    data = problem([shift("s")], [gp("g", ["s"], history_minutes=60), gp("h", [], history_minutes=200)])
    assert _score(data, [])["max_load"] == 200
    assert _score(data, [("g", "s")])["max_load"] == 200
    data["gps"][1]["history_minutes"] = 100
    assert _score(data, [("g", "s")])["max_load"] == 180


def test_score_load_sq():
    data = problem([shift("a", MON), shift("b", TUE)], [gp("g", ["a", "b"]), gp("h", ["a", "b"])])
    assert _score(data, [("g", "a"), ("h", "b")])["load_sq"] == 2 * 120**2
    assert _score(data, [("g", "a"), ("g", "b")])["load_sq"] == 240**2


def test_score_unpreferred_ignores_preferred_and_pinned():
    data = problem(
        [shift("a", MON), shift("b", TUE), shift("c", SAT)],
        [gp("g", {"a": "preferred", "b": "available", "c": "available"})],
        pinned=[{"gp": "g", "shift": "c"}],
    )
    assert _score(data, [("g", "a"), ("g", "c")])["unpreferred"] == 0
    assert _score(data, [("g", "b"), ("g", "c")])["unpreferred"] == 1
