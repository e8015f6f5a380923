"""The import graph of ``literacy/``, read from the source (nothing is imported to build it)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "literacy"
SKIPPED = ("migrations", "templates", "static", "courses", "translations")


@functools.cache
def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (``literacy.cohorts.service``); packages by ``__init__``."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[1:2] and parts[1] in SKIPPED:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _is_package(name: str, known: dict[str, Path]) -> bool:
    return known[name].name == "__init__.py"


def imports(name: str, known: dict[str, Path]) -> set[str]:
    """The package's modules that ``name`` imports, at the top or inside a function alike."""
    tree = ast.parse(known[name].read_text())
    base = name if _is_package(name, known) else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base.rsplit(".", node.level - 1)[0] if node.level > 1 else base
                source = f"{anchor}.{node.module}" if node.module else anchor
            else:
                source = node.module or ""
            submodules = {f"{source}.{alias.name}" for alias in node.names} & set(known)
            found |= submodules or {source}
            if submodules and len(submodules) < len(node.names):
                found.add(source)
    return {target for target in found if target in known and target != name}


def _runtime_nodes(tree: ast.AST):  # type: ignore[no-untyped-def]
    """Every node except those under ``if TYPE_CHECKING:`` (imports for annotations only, never run)."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                pending.extend(child.orelse)
            else:
                pending.append(child)


@functools.cache
def graph() -> dict[str, set[str]]:
    """Module -> the modules it imports. A package's ``__init__`` importing its own submodules (a blueprint
    registering its views, the factory registering every blueprint) is how Flask wires things, not a
    dependency, so those edges are left out."""
    known = modules()
    edges = {}
    for name in known:
        edges[name] = {t for t in imports(name, known) if not (_is_package(name, known) and t.startswith(name + "."))}
    return edges


def area(name: str) -> str:
    """The part of the package a module belongs to: ``literacy.cohorts.service`` -> ``cohorts``."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one node (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def area_graph(edges: dict[str, set[str]]) -> dict[str, set[tuple[str, str]]]:
    """Area -> the (importing module, imported module) pairs that cross into other areas."""
    crossing: dict[str, set[tuple[str, str]]] = {}
    for source, targets in edges.items():
        for target in targets:
            if area(source) and area(target) and area(source) != area(target):
                crossing.setdefault(area(source), set()).add((source, target))
    return crossing
