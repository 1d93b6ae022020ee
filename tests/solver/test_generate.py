"""Generated instances look like a CPTS's: hard slots only, holidays skipped, clustered availability."""

from collections import Counter
from datetime import date

import holidays

from solver import load_problem
from solver.bench import amendment
from solver.generate import generate
from solver.holidays_fr import easter, french_holidays


def test_french_holidays_match_the_reference_library():
    for year in range(2025, 2035):
        assert french_holidays(year) == set(holidays.France(years=year))
    assert easter(2027) == date(2027, 3, 28)
    assert date(2027, 3, 26) in french_holidays(2027, alsace_moselle=True)


def test_shifts_are_weekday_evenings_and_saturday_mornings_without_holidays():
    data = generate(40, 3, 91, seed=1, start=date(2027, 4, 1))
    p = load_problem(data)
    closed = french_holidays(2027)
    assert {(s.start.weekday() == 5, s.start.strftime("%H:%M"), s.minutes) for s in p.shifts} == {
        (False, "18:00", 120),
        (True, "09:00", 240),
    }
    assert not [s for s in p.shifts if s.day in closed or s.start.weekday() == 6]
    assert date(2027, 5, 8) not in {s.day for s in p.shifts}  # a Saturday holiday too


def test_gps_have_one_or_two_adjacent_sites_and_clustered_availability():
    p = load_problem(generate(200, 6, 91, seed=2))
    for g in p.gps:
        sites = sorted(int(s[-2:]) for s in g.sites)
        assert len(sites) in (1, 2) and sites[-1] - sites[0] <= 1
    levels = Counter(level for g in p.gps for level in g.availability.values())
    assert 0.25 < levels["preferred"] / sum(levels.values()) < 0.42
    # clustered: most of a GP's availability falls on at most three weekdays
    share = [
        max(sum(c for _, c in Counter(p.shift(s).start.weekday() for s in g.availability).most_common(3)), 0)
        / max(1, len(g.availability))
        for g in p.gps
        if g.availability
    ]
    assert sum(share) / len(share) > 0.85


def test_same_seed_same_instance_and_amendment_changes_three_and_pins_one():
    a, b = generate(30, 2, 30, seed=9), generate(30, 2, 30, seed=9)
    assert a == b and generate(30, 2, 30, seed=10) != a
    published = {
        "assignments": [{"gp": g["id"], "shift": s} for g in a["gps"][:10] for s in list(g["availability"])[:1]]
    }
    amended = amendment(a, published)
    assert len(amended["previous"]) == len(published["assignments"]) and len(amended["pinned"]) == 1
    lost = sum(len(g["availability"]) for g in a["gps"]) - sum(len(g["availability"]) for g in amended["gps"])
    assert lost == 3
