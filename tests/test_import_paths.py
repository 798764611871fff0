"""One canonical import path per public name, no private imports, no import cycles.

Every module of :mod:`hashlib_edu` is read with :mod:`ast` (and imported, for ``__all__``):

* (a) each name in a module's ``__all__`` is defined in that module; a package ``__init__``
  (a facade: ``hashlib_edu.plots``, ``hashlib_edu.data``, ``hashlib_edu.explorers``, ...) may only
  export names defined in its own subpackage. A name imported only to be re-exported, or served by
  a module-level ``__getattr__``, is a second path to it too;
* (b) no module imports another module's private (``_name``) names; a private helper *module*
  (``from hashlib_edu import _validation``) and its public names are fine;
* (c) the modules import each other without a cycle, counting imports inside functions too.

Each test lists every offender in its failure message.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
from functools import cache
from pathlib import Path

import hashlib_edu

PACKAGE = hashlib_edu.__name__


@cache
def modules() -> tuple[str, ...]:
    """Every module of the package, the package itself first."""
    found = [m.name for m in pkgutil.walk_packages(hashlib_edu.__path__, f"{PACKAGE}.")]
    return (PACKAGE, *sorted(found))


@cache
def is_package(name: str) -> bool:
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.submodule_search_locations is not None


@cache
def tree(name: str) -> ast.Module:
    origin = importlib.util.find_spec(name).origin
    return ast.parse(Path(origin).read_text(encoding="utf-8"), filename=origin)


def resolve(importer: str, node: ast.ImportFrom) -> str:
    """The absolute module name of ``from <module> import ...`` written in ``importer``."""
    if node.level == 0:
        return node.module or ""
    base = importer if is_package(importer) else importer.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    return f"{base}.{node.module}" if node.module else base


def in_package(name: str) -> bool:
    return name == PACKAGE or name.startswith(f"{PACKAGE}.")


def top_level_statements(body: list[ast.stmt]):
    """The statements of a module's top level, those inside top-level ``if`` / ``try`` too."""
    for node in body:
        if isinstance(node, ast.If | ast.Try):
            yield from top_level_statements(
                node.body + node.orelse + getattr(node, "finalbody", [])
            )
            for handler in getattr(node, "handlers", []):
                yield from top_level_statements(handler.body)
        else:
            yield node


def assigned_names(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> set[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return {n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)}


def top_level_bindings(name: str) -> tuple[set[str], dict[str, str]]:
    """Names the module's top level defines (def, class, assignment) and those it imports
    (name -> ``"source module:original name"``, or the module for ``import x``)."""
    defined: set[str] = set()
    imported: dict[str, str] = {}
    for node in top_level_statements(tree(name).body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            defined |= assigned_names(node)
        elif isinstance(node, ast.ImportFrom):
            source = resolve(name, node)
            imported.update({a.asname or a.name: f"{source}:{a.name}" for a in node.names})
        elif isinstance(node, ast.Import):
            imported.update({a.asname or a.name.partition(".")[0]: a.name for a in node.names})
    return defined, imported


def defining_module(module: str, name: str, depth: int = 0) -> str | None:
    """The module whose top level defines ``name``, following ``from x import name`` chains."""
    defined, imported = top_level_bindings(module)
    if name in defined:
        return module
    source = imported.get(name)
    if source is None or ":" not in source or depth > 10:
        return None
    origin, _, original = source.partition(":")
    if f"{origin}.{original}" in modules():
        return f"{origin}.{original}"  # a submodule exported by name
    return defining_module(origin, original, depth + 1) if origin in modules() else origin


def declared_all(module: str) -> list[str]:
    for node in tree(module).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                return list(ast.literal_eval(node.value))
    return []


def used_names(module: str) -> set[str]:
    """Every name the module reads (Name loads and the root of attribute chains)."""
    return {
        node.id
        for node in ast.walk(tree(module))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def all_offences(module: str) -> list[str]:
    """Names of the module's ``__all__`` defined elsewhere (a facade: outside its subpackage)."""
    facade = is_package(module)
    try:
        loaded = importlib.import_module(module)
    except ImportError as error:
        return [f"{module} does not import: {error}"]
    found = []
    for name in declared_all(module):
        if not hasattr(loaded, name):
            found.append(f"{module}.__all__ lists {name!r}, which the module does not have")
            continue
        obj = getattr(loaded, name)
        home = defining_module(module, name)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and in_package(obj.__module__):
            home = obj.__module__
        inside = facade and home is not None and home.startswith(f"{module}.")
        if home != module and not inside:
            where = "outside its subpackage" if facade else "elsewhere"
            found.append(f"{module}.__all__ exports {name!r}, defined {where} (in {home})")
    return found


def reexport_offences(module: str) -> list[str]:
    """Package names a (non-facade) module imports only to pass on, and a lazy ``__getattr__``."""
    _, imported = top_level_bindings(module)
    used, exported = used_names(module), set(declared_all(module))
    found = [
        f"{module} imports {name!r} from {source.partition(':')[0]} only to re-export it"
        for name, source in imported.items()
        if in_package(source.partition(":")[0]) and name not in used | exported
    ]
    for node in tree(module).body:
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            line = node.lineno
            found.append(f"{module} re-exports names lazily through __getattr__ (line {line})")
    return found


def export_offences(module: str) -> list[str]:
    """(a) for one module: exports defined elsewhere, re-export-only imports, lazy re-exports."""
    if is_package(module):
        return all_offences(module)
    return all_offences(module) + reexport_offences(module)


def test_every_export_is_defined_where_it_is_exported():
    offences = [line for module in modules() for line in export_offences(module)]
    assert not offences, "names with a second import path:\n" + "\n".join(offences)


def private_imports(module: str) -> list[str]:
    """(b) for one module: ``from <a hashlib_edu module> import _private`` (not a submodule)."""
    found = []
    for node in ast.walk(tree(module)):
        if not isinstance(node, ast.ImportFrom):
            continue
        source = resolve(module, node)
        if not in_package(source):
            continue
        for alias in node.names:
            private = alias.name.startswith("_") and not alias.name.startswith("__")
            if private and f"{source}.{alias.name}" not in modules():
                found.append(f"{module} line {node.lineno}: imports {alias.name} from {source}")
    return found


def test_no_module_imports_a_private_name_of_another():
    offences = [line for module in modules() for line in private_imports(module)]
    assert not offences, "private names imported across modules:\n" + "\n".join(offences)


def imports_of(module: str) -> dict[str, int]:
    """(c) the package modules ``module`` imports (anywhere in it) -> first line. Importing
    ``a.b.c`` runs the ``__init__`` of ``a.b`` too, unless ``module`` already lives inside it."""
    targets: dict[str, int] = {}

    def add(target: str, line: int) -> None:
        parts = target.split(".")
        for i in range(2, len(parts) + 1):
            name = ".".join(parts[:i])
            inside = module == name or module.startswith(f"{name}.")
            if name in modules() and not inside:
                targets.setdefault(name, line)

    for node in ast.walk(tree(module)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            source = resolve(module, node)
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                add(sub if sub in modules() else source, node.lineno)
    return targets


def reachable(graph: dict[str, dict[str, int]], start: str) -> set[str]:
    """The modules ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for succ in graph[todo.pop()]:
            if succ not in seen:
                seen.add(succ)
                todo.append(succ)
    return seen


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The groups of more than one module that each reach the others (sorted)."""
    reach = {node: reachable(graph, node) for node in graph}
    groups = {
        tuple(sorted(other for other in reach[node] if node in reach[other]))
        for node in graph
        if node in reach[node]
    }
    return sorted(list(group) for group in groups if len(group) > 1)


def test_no_import_cycle():
    graph = {module: imports_of(module) for module in modules()}
    lines = []
    for component in cycles(graph):
        edges = [
            f"    {a} -> {b} (line {graph[a][b]})" for a in component for b in graph[a]
            if b in component
        ]  # fmt: skip
        lines.append("cycle among " + ", ".join(component) + ":\n" + "\n".join(edges))
    assert not lines, "import cycles (top-level and function-level imports):\n" + "\n".join(lines)


def test_the_checks_find_made_up_offences(monkeypatch):
    """Each check reports an offence planted in the source of two real modules."""
    planted = {
        f"{PACKAGE}.pair_weights": ast.parse(
            "from hashlib_edu.plots.style import PALETTE, new_figure\n"
            "from hashlib_edu.ties import _code_text\n"
            "__all__ = ['PALETTE']\n"
            "def __getattr__(name):\n"
            "    from .plots.style import _style_rc\n"
        ),
        f"{PACKAGE}.ties": ast.parse(
            "def f():\n    from hashlib_edu.pair_weights import percent\n"
        ),
    }
    real = tree
    monkeypatch.setitem(globals(), "tree", lambda name: planted.get(name) or real(name))
    module = f"{PACKAGE}.pair_weights"
    assert export_offences(module) == [
        f"{module}.__all__ exports 'PALETTE', defined elsewhere (in {PACKAGE}.plots.style)",
        f"{module} imports 'new_figure' from {PACKAGE}.plots.style only to re-export it",
        f"{module} imports '_code_text' from {PACKAGE}.ties only to re-export it",
        f"{module} re-exports names lazily through __getattr__ (line 4)",
    ]
    assert private_imports(module) == [
        f"{module} line 2: imports _code_text from {PACKAGE}.ties",
        f"{module} line 5: imports _style_rc from {PACKAGE}.plots.style",
    ]
    graph = {name: imports_of(name) for name in modules()}
    assert [module, f"{PACKAGE}.ties"] in cycles(graph)
    assert cycles({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}) == [["a", "b", "c"]]
