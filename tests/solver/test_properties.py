"""Properties on random small problems: every engine's roster passes the checker with exactly the reported
score, and on tiny problems CP-SAT's score is the brute-force optimum (and `infeasible` means no roster)."""

from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import SCORE_KEYS, check, load_problem, solve
from solver.build import eligible_pairs

DAYS = ["2027-01-04", "2027-01-05", "2027-01-09", "2027-01-11"]  # Mon, Tue, Sat of week 1; Mon of week 2
HOURS = [("18:00", "20:00"), ("09:00", "13:00"), ("19:00", "21:00")]


@st.composite
def problems(draw, max_gps: int, max_shifts: int, max_pairs: int | None = None):
    n_shifts = draw(st.integers(1, max_shifts))
    shifts = []
    for i in range(n_shifts):
        day, (start, end) = draw(st.sampled_from(DAYS)), draw(st.sampled_from(HOURS))
        low = draw(st.integers(0, 2))
        shifts.append(
            {
                "id": f"s{i}",
                "site": draw(st.sampled_from("AB")),
                "start": f"{day}T{start}",
                "end": f"{day}T{end}",
                "min": low,
                "target": low + draw(st.integers(0, 1)),
                "priority": draw(st.integers(1, 3)),
            }
        )
    ids = [s["id"] for s in shifts]
    limit = st.none() | st.integers(0, 3)
    gps = []
    for i in range(draw(st.integers(1, max_gps))):
        available = draw(st.lists(st.sampled_from(ids), unique=True, max_size=min(4, len(ids))))
        gps.append(
            {
                "id": f"g{i}",
                "max_shifts": draw(limit),
                "max_per_week": draw(limit),
                "max_saturdays": draw(limit),
                "history_minutes": draw(st.integers(0, 6)) * 60,
                "sites": draw(st.sampled_from([None, ["A"], ["B"], ["A", "B"]])),
                "availability": {s: draw(st.sampled_from(["available", "preferred"])) for s in available},
            }
        )
    gps = [{k: v for k, v in g.items() if v is not None} for g in gps]
    pairs = [(g["id"], s) for g in gps for s in g["availability"]]
    pinned = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=2)) if pairs else []
    previous = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=3)) if pairs else []
    data = {
        "format": "snp-roster/1",
        "name": "random",
        "one_shift_per_day": draw(st.booleans()),
        "shifts": shifts,
        "gps": gps,
        "pinned": [{"gp": g, "shift": s} for g, s in pinned],
        "previous": [{"gp": g, "shift": s} for g, s in previous],
    }
    if max_pairs is not None:
        # keep brute force small: only problems with few candidate pairs
        from hypothesis import assume

        assume(len(eligible_pairs(load_problem(data))) <= max_pairs)
    return data


def _assert_consistent(data, doc):
    report = check(data, doc)
    if doc["status"] == "infeasible":
        assert doc["conflicts"] and doc["assignments"] == []
        return
    assert report.valid, report.violations
    assert doc["score"] == report.score


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_gps=8, max_shifts=10))
def test_cpsat_and_greedy_rosters_pass_the_checker(data):
    for engine in ("cp-sat", "greedy"):
        _assert_consistent(data, solve(data, engine=engine, time_limit=20, workers=1))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_gps=6, max_shifts=8))
def test_highs_rosters_pass_the_checker(data):
    _assert_consistent(data, solve(data, engine="highs", time_limit=20, workers=1))


def _brute_force(data):
    """The lexicographically best valid roster over every subset of candidate pairs (None: none is valid)."""
    candidates = eligible_pairs(load_problem(data))
    best = None
    for size in range(len(candidates) + 1):
        for subset in combinations(candidates, size):
            report = check(data, {"assignments": [{"gp": g, "shift": s} for g, s in subset]})
            if report.valid:
                vector = tuple(report.score[k] for k in SCORE_KEYS)
                best = vector if best is None or vector < best else best
    return best


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(problems(max_gps=8, max_shifts=10, max_pairs=10))
def test_cpsat_matches_brute_force_on_tiny_problems(data):
    doc = solve(data, engine="cp-sat", time_limit=20, workers=1)
    best = _brute_force(data)
    if best is None:
        assert doc["status"] == "infeasible"
    else:
        assert doc["status"] == "optimal"
        assert tuple(doc["score"][k] for k in SCORE_KEYS) == best
