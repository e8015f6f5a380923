"""The shape of the package (docs/architecture.md, "Who owns what"): no import circles, areas that
depend one way, no area reaching into another's pages, a course engine and models that stand alone."""

from __future__ import annotations

import ast

from tests.structure_support import area, area_graph, cycles, graph, imports, modules

#: web plumbing that may read the request besides the views: language choice, navigation, headers
# web plumbing: the interface language, the navigation, the security headers, the signed-in session
# (which lives in the cookie), and the request log (its id, method, route and status)
REQUEST_READERS = {
    "literacy.i18n", "literacy.navigation", "literacy.security", "literacy.request_guard", "literacy.auth.sessions",
    "literacy.extensions", "literacy.operations.request_log",
}


def is_page_module(name: str) -> bool:
    """Views and forms: what a blueprint shows and reads from people, private to its own area."""
    last = name.rsplit(".", 1)[-1]
    return last in ("views", "forms") or last.endswith("_views")


def test_the_import_graph_has_no_circle():
    assert cycles(graph()) == []


def test_areas_depend_on_each_other_one_way_only():
    crossing = area_graph(graph())
    between = {source: {area(target) for _, target in pairs} for source, pairs in crossing.items()}
    circles = cycles(between)
    detail = {
        tuple(circle): sorted(pair for a in circle for pair in crossing[a] if area(pair[1]) in circle)
        for circle in circles
    }
    assert circles == [], detail


def test_no_area_imports_another_areas_views_or_forms():
    reaching = [
        (source, target)
        for source, targets in graph().items()
        for target in targets
        if is_page_module(target) and area(source) != area(target)
    ]
    assert reaching == []


def test_the_course_engine_imports_no_flask_and_nothing_else_of_the_package():
    known = modules()
    for name in [n for n in known if area(n) == "content"]:
        tree = ast.parse(known[name].read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and not node.level
        }
        assert not {m for m in imported if m.split(".")[0] in ("flask", "flask_babel", "flask_login")}, name
    edges = graph()
    assert all(area(target) == "content" for n in known if area(n) == "content" for target in edges[n])


def test_models_depend_only_on_the_extensions():
    edges = graph()
    for name in [n for n in edges if area(n) == "models"]:
        assert {area(target) for target in edges[name]} <= {"models", "extensions"}, name


def test_only_pages_and_web_plumbing_read_the_request():
    known = modules()
    readers = set()
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "flask" and any(
                alias.name == "request" for alias in node.names
            ):
                readers.add(name)
    assert {name for name in readers if not is_page_module(name)} <= REQUEST_READERS


def test_the_graph_sees_imports_in_functions_but_not_those_for_annotations_only(tmp_path):
    """A guard for the guard: a lazy import inside a function is still a dependency."""
    files = {"pkg": "pkg/__init__.py", "pkg.a": "pkg/a.py", "pkg.b": "pkg/b.py", "pkg.c": "pkg/c.py"}
    for path in files.values():
        (tmp_path / path).parent.mkdir(exist_ok=True)
        (tmp_path / path).write_text("")
    (tmp_path / "pkg/a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import c\n"
        "def later():\n    from .b import thing\n"
    )
    known = {name: tmp_path / path for name, path in files.items()}
    assert imports("pkg.a", known) == {"pkg.b"}
