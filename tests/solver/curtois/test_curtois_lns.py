"""The employee LNS: a sub-problem's penalty plus the fixed employees' requests is the whole penalty,
so accepting a better sub-problem roster never makes the whole roster worse."""

from pathlib import Path

from solver.curtois import evaluate as ev
from solver.curtois.files import parse_roster
from solver.curtois.instance import load_instance
from solver.curtois.lns import solve_employees, sub_instance

DATA = Path(__file__).parent / "data"


def test_sub_instance_penalty_is_the_whole_penalty_minus_fixed_requests():
    tiny = load_instance(DATA / "tiny.txt")
    roster = parse_roster((DATA / "tiny_roster.txt").read_text())
    sub = sub_instance(tiny, roster, {"B"})
    assert [e.id for e in sub.employees] == ["B"]
    # Whole penalty 261; A's and C's requests cost 4 + 3 (see test_curtois_evaluate): 254 remain, all cover,
    # including day 3 L, where A/C already exceed the requirement (requirement 1 - 1 = 0 for B).
    assert ev.evaluate(sub, {"B": roster["B"]}).penalty == 254


def test_re_solving_one_employee_changes_only_them_and_never_worsens():
    tiny = load_instance(DATA / "tiny.txt")
    roster = parse_roster((DATA / "tiny_roster.txt").read_text())
    found, proven = solve_employees(tiny, roster, {"C"}, 5.0, 1, 0)
    assert found is not None and proven
    assert found["A"] == roster["A"] and found["B"] == roster["B"]
    result = ev.evaluate(tiny, found)
    assert result.violations == []
    assert result.penalty < 261


def test_lns_path_claims_the_full_model_penalty_of_its_roster(monkeypatch):
    from solver.curtois import solve
    from solver.curtois.files import instance_path
    from solver.params import SolveParams

    monkeypatch.setattr(solve, "LNS_FROM", 0)  # as if Instance4 were a large instance
    path = instance_path(4)
    instance = load_instance(path) if path.is_file() else load_instance(DATA / "tiny.txt")
    result = solve.solve_instance(instance, SolveParams(6, 1, 0))
    assert result.roster is not None and result.bound is None
    assert result.evaluation.violations == []
    assert result.claimed == result.evaluation.penalty == result.curve[-1][1]
