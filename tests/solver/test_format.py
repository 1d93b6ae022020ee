"""Reading problems: the fixtures load, and every malformed field is refused with its name and id."""

import pytest
from helpers import example, gp, problem, shift

from solver import ProblemError, load_problem, read_problem


def test_fixtures_load_with_their_defaults():
    p = load_problem(example("example-cpts-month-amended"))
    assert len(p.shifts) == 44 and len(p.gps) == 40
    assert p.pinned == (("gp-0024", "site-00/2027-01-07/18:00"),)
    assert p.shifts[0].minutes == 120 and p.shifts[0].week == (2027, 1)


def test_defaults_min_target_priority():
    p = load_problem(problem([shift("s")], [gp("g", ["s"])]))
    s = p.shifts[0]
    assert (s.min, s.target, s.priority) == (1, 1, 1)
    assert p.one_shift_per_day is True and p.gps[0].max_shifts is None and p.gps[0].sites is None


def test_duration_follows_the_clock_change():
    # Night of 27 to 28 March 2027: clocks go forward at 02:00, so 20:00 -> 08:00 lasts 11 hours, not 12.
    night = {"id": "n", "site": "A", "start": "2027-03-27T20:00", "end": "2027-03-28T08:00"}
    assert load_problem(problem([night], [])).shifts[0].minutes == 11 * 60


BAD = [
    ({"format": "snp-roster/2"}, "format", None),
    ({"shifts": [shift("s", start="18:00", end="18:00")]}, "shifts.end", "s"),
    ({"shifts": [shift("s", min=2, target=1)]}, "shifts.target", "s"),
    ({"shifts": [shift("s", priority=0)]}, "shifts.priority", "s"),
    ({"shifts": [shift("s"), shift("s")]}, "shifts.id", "s"),
    ({"shifts": [{**shift("s"), "start": "2027-01-04 18h"}]}, "shifts.start", "s"),
    ({"gps": [gp("g", {"nope": "available"})]}, "gps.availability", "g"),
    ({"gps": [gp("g", {"s": "maybe"})]}, "gps.availability", "g"),
    ({"gps": [gp("g", ["s"], max_per_week=-1)]}, "gps.max_per_week", "g"),
    ({"gps": [gp("g", ["s"], max_shifts="3")]}, "gps.max_shifts", "g"),
    ({"gps": [gp("g", ["s"]), gp("g", [])]}, "gps.id", "g"),
    ({"pinned": [{"gp": "ghost", "shift": "s"}]}, "pinned.gp", "ghost"),
    ({"previous": [{"gp": "g", "shift": "ghost"}]}, "previous.shift", "ghost"),
    ({"timezone": "Mars/Olympus"}, "timezone", None),
]


@pytest.mark.parametrize(("change", "field", "id"), BAD)
def test_invalid_problem_names_field_and_id(change, field, id):
    data = problem([shift("s")], [gp("g", ["s"])])
    data.update(change)
    with pytest.raises(ProblemError) as info:
        load_problem(data)
    assert info.value.field == field
    assert info.value.id == id
    assert field in str(info.value) and "\n" not in str(info.value)


def test_unknown_fields_are_ignored():
    data = problem([{**shift("s"), "colour": "red"}], [gp("g", ["s"], nickname="Bob")], owner="x")
    assert load_problem(data).shifts[0].id == "s"


def test_unreadable_file_is_a_problem_error(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ProblemError) as info:
        read_problem(path)
    assert info.value.field == "file"
