"""Who may import whom in sched/: one bridge to the solver, services and jobs below the blueprints."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sched import create_app

SCHED = Path(__file__).resolve().parents[2] / "sched"
BLUEPRINTS = ("admin", "api", "auth", "coordination", "feeds", "fhir", "gp", "regulation")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules_under(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (SCHED / folder).rglob("*.py"))


def test_services_scheduling_is_the_only_module_that_imports_the_solver():
    importers = [
        p.relative_to(SCHED).as_posix()
        for p in SCHED.rglob("*.py")
        if any(name == "solver" or name.startswith("solver.") for name in imported_modules(p))
    ]
    assert importers == ["services/scheduling.py"]


@pytest.mark.parametrize("folder", ["services", "commands", "jobs"])
def test_services_commands_and_jobs_import_no_blueprint(folder):
    offenders = {
        p.relative_to(SCHED).as_posix(): sorted(
            name for name in imported_modules(p) if name.split(".")[:2] in (["sched", bp] for bp in BLUEPRINTS)
        )
        for p in modules_under(folder)
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_solver_settings_are_read_through_config(monkeypatch, tmp_path):
    monkeypatch.setenv("SNP_SOLVER_ENGINE", "greedy")
    monkeypatch.setenv("SNP_SOLVER_WORKERS", "4")
    monkeypatch.setenv("SNP_SOLVER_MILP", "0")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "x"})
    assert (app.config["SOLVER_ENGINE"], app.config["SOLVER_WORKERS"], app.config["SOLVER_MILP"]) == (
        "greedy",
        4,
        False,
    )
    assert "TIMEZONE" not in app.config  # the territory's zone is the only one


def test_export_problem_help_says_what_the_code_takes(runner):
    result = runner.invoke(args=["export-problem", "--help"])
    assert "default: the latest version" in " ".join(result.output.split())
