"""The `curtois` subcommand, the parser on the benchmark files, and the bench table, as a user sees them."""

import argparse
from pathlib import Path

import pytest

from solver.curtois import bench
from solver.curtois.cli import add_parser
from solver.curtois.evaluate import evaluate
from solver.curtois.files import instance_path, parse_roster
from solver.curtois.instance import InstanceError, load_instance, parse_instance
from solver.curtois.solve import CurtoisResult
from solver.params import SolveParams

DATA = Path(__file__).parent / "data"

# FORMAT.md section 1: (days, staff, shift types) of the Instances the repository holds.
SIZES = {1: (14, 8, 1), 2: (14, 14, 2), 3: (14, 20, 3), 4: (28, 10, 2), 5: (28, 16, 2), 6: (28, 18, 3),
         7: (28, 20, 3), 8: (28, 30, 4), 9: (28, 36, 4), 10: (28, 40, 5), 11: (28, 50, 6), 12: (28, 60, 10),
         19: (84, 40, 5), 20: (182, 50, 6), 21: (182, 100, 8), 22: (364, 50, 10), 23: (364, 100, 16),
         24: (364, 150, 32)}  # fmt: skip


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m solver")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


@pytest.mark.parametrize("number", sorted(SIZES))
def test_benchmark_files_parse_to_the_published_sizes(number):
    path = instance_path(number)
    instance = load_instance(path)
    assert (instance.horizon, len(instance.employees), len(instance.shifts)) == SIZES[number]
    # Every (day, shift) has exactly one cover line in these files.
    assert len(instance.cover) == instance.horizon * len(instance.shifts)


def test_a_bad_instance_file_exits_2_with_one_readable_line(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("SECTION_HORIZON\n14\nSECTION_SHIFTS\nD,eight hours,\n")
    assert _run(["curtois", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "eight hours" in err[0] and "Traceback" not in err[0]
    assert _run(["curtois", str(tmp_path / "missing.txt")]) == 2


def test_parser_rejects_unknown_ids_with_the_line_number():
    with pytest.raises(InstanceError, match="line 6: unknown id 'X'"):
        parse_instance("SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480,\nSECTION_STAFF\nA,X=7,1,0,5,1,1,1\n")


def test_instance1_end_to_end_prints_penalty_best_known_and_gap(tmp_path, capsys):
    path = instance_path(1)
    out = tmp_path / "roster.txt"
    assert _run(["curtois", str(path), "--time-limit", "60", "--workers", "1", "--roster-out", str(out)]) == 0
    printed = capsys.readouterr().out
    roster = parse_roster(out.read_text())
    assert len(roster) == 8 and all(len(days) == 14 for days in roster.values())
    penalty = evaluate(load_instance(path), roster).penalty
    assert f"penalty:    {penalty} " in printed
    assert "best known: 607 (proven optimal)" in printed
    assert f"gap:        {100 * (penalty - 607) / 607:.2f} %" in printed


@pytest.mark.parametrize(
    "table",
    ["name,value\nInstance7001,103\n", "instance,best_known\nInstance7001,about 100\n", b"\xff\xfe\x00bad"],
    ids=["other-columns", "not-an-integer", "not-utf8"],
)
def test_an_unreadable_best_known_file_is_a_warning_and_the_roster_is_written(tmp_path, capsys, table):
    path = tmp_path / "Instance7001.txt"
    path.write_text((DATA / "tiny.txt").read_text())
    csv_path = tmp_path / "best_known.csv"
    csv_path.write_bytes(table if isinstance(table, bytes) else table.encode())
    out = tmp_path / "roster.txt"
    assert _run(["curtois", str(path), "--time-limit", "30", "--workers", "1", "--roster-out", str(out)]) == 0
    captured = capsys.readouterr()
    roster = parse_roster(out.read_text())
    assert evaluate(load_instance(path), roster).feasible and len(roster) == 3
    assert "best known: unknown" in captured.out
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and str(csv_path) in warnings[0]


def test_quick_bench_table_has_a_row_and_a_curve_per_instance(monkeypatch):
    monkeypatch.setattr(bench, "QUICK", (range(1, 2), 60.0))  # proven optimal in ~1 s: a ceiling for loaded machines
    table = bench.curtois_table(lambda limit: SolveParams(limit, 1, 0), quick=True)
    row = next(line for line in table.splitlines() if line.startswith("| Instance1 | 607 | 607 |"))
    assert row.split("|")[4].strip().isdigit()  # the penalty at 10 s column holds a number
    assert "| instance | 1 s | 2 s | 5 s | 10 s | 20 s | 30 s | 45 s | 60 s |" in table


def test_bench_runs_every_instance_of_a_directory_given_on_the_command_line(tmp_path):
    (tmp_path / "Instance7001.txt").write_text((DATA / "tiny.txt").read_text())
    (tmp_path / "best_known.csv").write_text("instance,best_known,lower_bound\nInstance7001,103,103\n")
    table = bench.curtois_table(lambda limit: SolveParams(limit, 1, 0), quick=True, folder=tmp_path)
    assert f"the instances of {tmp_path}" in table
    row = next(line for line in table.splitlines() if line.startswith("| Instance7001 | 103 | 103 |"))
    assert row.split("|")[4].strip().isdigit()
    assert "| Instance1 |" not in table


def test_bench_refuses_a_directory_without_instances(tmp_path, capsys):
    from solver.bench import run_bench

    assert run_bench(quick=True, curtois=str(tmp_path), output=str(tmp_path / "b.md"), engines="greedy") == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path} holds no instance file (*.txt)"
    assert not (tmp_path / "b.md").exists()


def _result(curve: list[tuple[float, int]]) -> CurtoisResult:
    """A finished run whose improving rosters came at the times of `curve` (the last one its final roster)."""
    instance = load_instance(DATA / "tiny.txt")
    roster = parse_roster((DATA / "tiny_roster.txt").read_text())
    evaluation = evaluate(instance, roster)
    return CurtoisResult("tiny", "FEASIBLE", roster, evaluation.penalty, None, evaluation, 60.0, curve)


def test_the_10_s_column_solves_again_for_10_s_only_where_the_long_run_had_no_roster_by_then():
    solved: list[bool] = []

    def again() -> CurtoisResult:
        solved.append(True)
        return _result([(9.5, 0)])  # its roster: the tiny hand roster

    # A roster at 4 s: the column is the long run's, read off its curve; no second solve.
    assert bench.early_cell(_result([(4.0, 900), (30.0, 800)]), again) == "900" and solved == []
    # The first roster at 11 s (a 60 s run's construction): the instance's own 10 s run, marked.
    evaluation = _result([]).evaluation
    assert bench.early_cell(_result([(11.0, 900)]), again) == f"{evaluation.penalty} ²" and solved == [True]
