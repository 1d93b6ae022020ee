"""The command line: solve/check/generate exit codes and outputs, as ROSTER_FORMAT.md describes them."""

import json
import subprocess
import sys
from pathlib import Path

from helpers import EXAMPLES, gp, problem, shift

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "solver", *map(str, args)], cwd=cwd, capture_output=True, text=True)


def test_solve_then_check_round_trip(tmp_path):
    source = EXAMPLES / "example-cpts-month.json"
    out = tmp_path / "s.json"
    solved = run("solve", source, "-o", out, "--time-limit", 30, "--workers", 1, "--seed", 3)
    assert solved.returncode == 0, solved.stderr
    assert "uncovered" in solved.stderr and "proven" in solved.stderr  # progress lines
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["status"] == "optimal" and doc["stats"]["seed"] == 3
    checked = run("check", source, out)
    assert checked.returncode == 0
    assert json.loads(checked.stdout) == doc["score"]


def test_solve_writes_stdout_without_output_file():
    solved = run("solve", EXAMPLES / "example-cpts-month.json", "--engine", "greedy")
    assert solved.returncode == 0
    assert json.loads(solved.stdout)["stats"]["engine"] == "greedy"


def test_check_reports_broken_rules_and_exits_1(tmp_path):
    (tmp_path / "p.json").write_text(json.dumps(problem([shift("s")], [gp("g", [])])), encoding="utf-8")
    (tmp_path / "s.json").write_text(json.dumps({"assignments": [{"gp": "g", "shift": "s"}]}), encoding="utf-8")
    checked = run("check", tmp_path / "p.json", tmp_path / "s.json")
    assert checked.returncode == 1
    assert checked.stderr == "rule 2 (availability): g is not available for shift s\n"
    assert json.loads(checked.stdout)["uncovered"] == 0


def test_bad_problem_exits_2_with_one_line(tmp_path):
    bad = problem([shift("s", min=2, target=1)], [])
    (tmp_path / "p.json").write_text(json.dumps(bad), encoding="utf-8")
    solved = run("solve", tmp_path / "p.json")
    assert solved.returncode == 2
    assert solved.stderr.strip().count("\n") == 0 and "shifts.target" in solved.stderr and "'s'" in solved.stderr
    assert "Traceback" not in solved.stderr


def test_infeasible_pins_exit_1(tmp_path):
    data = problem([shift("s")], [gp("g", ["s"], max_shifts=0)], pinned=[{"gp": "g", "shift": "s"}])
    (tmp_path / "p.json").write_text(json.dumps(data), encoding="utf-8")
    solved = run("solve", tmp_path / "p.json")
    assert solved.returncode == 1
    assert json.loads(solved.stdout)["conflicts"][0]["rule"] == "max_shifts"
    assert "conflict (max_shifts): 1 shifts pinned to g, limit 0" in solved.stderr


def test_generate_writes_a_valid_problem(tmp_path):
    out = tmp_path / "g.json"
    assert run("generate", "--gps", 12, "--sites", 2, "--days", 14, "--seed", 4, "-o", out).returncode == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "snp-roster/1" and len(data["gps"]) == 12
    assert run("solve", out, "--engine", "greedy").returncode == 0
