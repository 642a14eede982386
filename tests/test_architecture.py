"""The package's layers only point down, and no two modules import each other (directly or round a loop).

Layers, lowest first (a module may import its own layer or lower ones):
  core:      errors, columns
  inputs:    policy (policy files), dataset (tables read, checked and stored: reference data, import,
             store, templates — no policy, no engine)
  engine:    rounding, solver, engine, funds
  output:    export (tables and documents)
  above:     analysis, scenarios, demo (the demo-data generators: they run the engine and score)
  use cases: usecases
  front:     cli (and the Streamlit app outside the package); it reaches writers only through the use cases
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "allocator"

LAYERS = {
    "allocator": 0, "errors": 0, "columns": 0, "policy": 1, "dataset": 1, "rounding": 1, "solver": 2,
    "engine": 3, "funds": 4, "export": 5, "analysis": 6, "scenarios": 6, "demo": 6, "usecases": 7, "cli": 8,
    "cli_usage": 8,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Modules of the package this file imports, at any depth (inside functions too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            if name.startswith("allocator"):
                while name not in known and "." in name:  # `from pkg import function` → pkg
                    name = name.rsplit(".", 1)[0]
                if name in known:
                    out.add(name)
    return out


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(files)
    return {name: imports_of(path, known) - {name} for name, path in files.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
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

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS[parts[1] if len(parts) > 1 else parts[0]]


def test_no_module_imports_itself_round_a_loop():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_loop_of_three():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_import_points_to_the_same_or_a_lower_layer():
    upward = [(m, dep) for m, deps in graph().items() for dep in deps
              if dep != "allocator" and layer(dep) > layer(m)]
    assert upward == []


def test_every_top_level_part_of_the_package_has_a_layer():
    tops = {module_name(p).split(".")[1] for p in PACKAGE.rglob("*.py") if module_name(p) != "allocator"}
    assert tops <= set(LAYERS)


def _imports_under(package: str) -> set[str]:
    return {dep for m, deps in graph().items() if m == package or m.startswith(package + ".") for dep in deps}


def test_the_dataset_layer_runs_no_engine_and_moves_no_funds():
    """Reading, checking and storing tables needs no allocation: the generators live in allocator.demo."""
    reached = _imports_under("allocator.dataset")
    assert not [d for d in reached if d.split(".")[1:2] in (["engine"], ["funds"], ["solver"], ["rounding"])]


def test_the_command_line_reaches_writers_only_through_the_use_cases():
    assert not [d for d in _imports_under("allocator.cli") if d.startswith("allocator.export")]


def test_the_library_knows_nothing_of_streamlit():
    assert not [p for p in PACKAGE.rglob("*.py") if "streamlit" in p.read_text(encoding="utf-8")]


def test_the_use_cases_declare_each_name_once_for_loading_and_once_for_the_type_checker():
    """`allocator.usecases` loads names on first use: its `_HOMES`, its `__all__` and its TYPE_CHECKING
    imports list the same names, and every name resolves."""
    import allocator.usecases as u

    tree = ast.parse((PACKAGE / "usecases" / "__init__.py").read_text(encoding="utf-8"))
    guarded = next(node for node in tree.body if isinstance(node, ast.If))
    typed = {(node.module, alias.name) for node in guarded.body if isinstance(node, ast.ImportFrom)
             for alias in node.names}
    homes = {(module, name) for module, names in u._HOMES.items() for name in names}
    assert typed == homes
    assert sorted(u.__all__) == sorted(name for _, name in homes)
    assert all(getattr(u, name) is not None for name in u.__all__)


def test_the_command_line_starts_without_the_heavy_libraries():
    """`allocator --help` must answer at once: pandas, the analysis and the writers load inside the commands."""
    heavy = ("pandas", "numpy", "scipy", "pulp", "openpyxl", "docx", "rich", "allocator.analysis",
             "allocator.export", "allocator.engine")
    code = f"import sys, allocator.cli; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent, env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)})
    assert out.stdout.strip() == "[]"
