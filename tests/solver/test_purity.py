"""solver/ is a pure package: no web, database or application import, by source and at run time."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("flask", "sqlalchemy", "sched")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_under_solver_imports_web_or_database():
    modules = sorted((ROOT / "solver").rglob("*.py"))
    assert len(modules) > 10
    offenders = {str(m.relative_to(ROOT)): _imports(m) & set(FORBIDDEN) for m in modules}
    assert {m: names for m, names in offenders.items() if names} == {}


def test_importing_and_using_solver_loads_none_of_them():
    code = (
        "import sys, solver, solver.__main__, solver.bench, solver.generate, solver.engines.cpsat\n"
        "solver.solve(solver.generate.generate(5, 1, 7), time_limit=10)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
