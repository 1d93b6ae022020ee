"""solver/ imports form a layered graph: no module imports, even lazily or for typing, one that imports it back."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.Import | ast.ImportFrom, package: str, modules: set[str]) -> set[str]:
    """The solver modules one import statement loads (`from a import b` loads a.b when b is a module)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    if node.level:  # relative: resolved against the importing module's package
        base = package.rsplit(".", node.level - 1)[0]
        source = f"{base}.{node.module}" if node.module else base
    else:
        source = node.module or ""
    found = {f"{source}.{alias.name}" for alias in node.names} & modules
    if source in modules and len(found) < len(node.names):  # some name is not a submodule: X itself runs
        found.add(source)
    return found


def import_graph() -> dict[str, set[str]]:
    """Every import statement anywhere in a module (top level, in a function, under TYPE_CHECKING) is an edge."""
    paths = sorted((ROOT / "solver").rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= _imported(node, package, modules)
        graph[name] = edges - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_solver_package_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 10 and "solver.api" in graph["solver"]
    assert cycles(graph) == []


def test_a_lazy_import_back_is_a_cycle():
    # The detector itself: a function-level import closing a loop must be reported, or the test above proves nothing.
    graph = {"solver.a": {"solver.b"}, "solver.b": {"solver.c"}, "solver.c": {"solver.a"}, "solver.d": {"solver.a"}}
    assert cycles(graph) == [["solver.a", "solver.b", "solver.c"]]


def test_from_package_import_module_is_an_edge_to_the_module():
    graph = import_graph()
    assert "solver.curtois.colgen" in graph["solver.curtois.solve"]
    assert "solver.curtois" not in graph["solver.curtois.solve"]
