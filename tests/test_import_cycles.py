"""No import cycles inside the exitlens package, and lower layers never import higher ones.

Every ``import`` / ``from … import`` statement counts wherever it stands: at module level,
inside a function (a lazy import is still a dependency, it only runs later) and under
``if TYPE_CHECKING:`` (a type-only cycle still ties two modules together). Importing a
package counts as importing its ``__init__``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import exitlens

PACKAGE_DIR = Path(exitlens.__file__).parent

# Modules of the lower layers and the higher modules they must never import (ARCHITECTURE).
LOWER = ("exitlens.model", "exitlens.store", "exitlens.coding", "exitlens.reading",
         "exitlens.ingest", "exitlens.pipeline", "exitlens.analyze_steps", "exitlens.extract",
         "exitlens.records", "exitlens.config", "exitlens.language", "exitlens.process")
HIGHER = ("exitlens.project", "exitlens.cli", "exitlens.evaluation", "exitlens.web")


def module_names() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


def import_graph() -> dict[str, set[str]]:
    """module → the exitlens modules it imports (anywhere in its source)."""
    modules = module_names()
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        package = name if is_package else name.rsplit(".", 1)[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    sub = f"{target}.{alias.name}"  # `from pkg import module`
                    deps.add(sub if sub in modules else target)
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

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
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_the_graph_sees_imports_of_every_kind() -> None:
    graph = import_graph()
    assert "exitlens.pipeline" in graph["exitlens.project"]  # module level
    assert "exitlens.coding.training" in graph["exitlens.project"]  # inside a method
    assert "exitlens.config" in graph["exitlens.analyze_steps"]


def test_finds_a_cycle_when_there_is_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    cycles = find_cycles(import_graph())
    assert cycles == [], "import cycles: " + "; ".join(" ↔ ".join(c) for c in cycles)


def test_lower_layers_never_import_higher_ones() -> None:
    graph = import_graph()
    bad = sorted(
        (module, dep) for module, deps in graph.items() for dep in deps
        if module.startswith(LOWER) and dep.startswith(HIGHER)
    )
    assert bad == []
