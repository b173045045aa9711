"""The dependency graph points one way, and no module imports its way back round.

Read from the source (every import statement, function-local ones too), so a lazy import cannot
hide an edge: importers <- shoetrack core <- shoetrack.cli / shoetrack.daemon / shoetrack.web.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Where a framework may be imported; nowhere else in the package.
ALLOWED = {
    "click": ("shoetrack.cli",),
    "apscheduler": ("shoetrack.daemon", "shoetrack.cli.daemon"),
    "flask": ("shoetrack.web",),
    "werkzeug": ("shoetrack.web",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for top in ("shoetrack", "importers"):
        for path in (ROOT / top).rglob("*.py"):
            found[_module_name(path)] = path
    return found


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every module ``name`` imports, as dotted names (resolved to a known module when possible)."""
    is_pkg = path.name == "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = name.split(".") if is_pkg else name.split(".")[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join(pkg + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in known else base)
    return out


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_importers_import_nothing_from_shoetrack():
    bad = {
        m: sorted(i for i in deps if _within(i, ("shoetrack",)))
        for m, deps in _graph().items()
        if _within(m, ("importers",))
    }
    assert {m: v for m, v in bad.items() if v} == {}


def test_frameworks_only_where_they_belong():
    bad = []
    for module, deps in _graph().items():
        for dep in deps:
            top = dep.split(".")[0]
            if top in ALLOWED and not _within(module, ALLOWED[top]):
                bad.append(f"{module} imports {dep}")
    assert bad == []


def test_no_import_cycles():
    graph = {m: {d for d in deps if d in _modules()} for m, deps in _graph().items()}
    # A package's __init__ that registers its own submodules (shoetrack.cli) is not a cycle: the
    # submodule needs the package object, not a name the package defines after importing it.
    for m, deps in graph.items():
        graph[m] = {d for d in deps if not m.startswith(d + ".")}
    seen, stack, cycles = set(), [], []

    def visit(node: str) -> None:
        if node in stack:
            cycles.append(stack[stack.index(node) :] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for dep in sorted(graph[node]):
            visit(dep)
        stack.pop()

    for node in sorted(graph):
        visit(node)
    assert [" -> ".join(c) for c in cycles] == []


def test_no_test_module_imports_another():
    """Shared builders live in fixture modules (builders, helpers, importer_fixtures, ...), so a
    test module can be run, moved or deleted alone."""
    offenders = []
    for path in sorted((ROOT / "tests").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0].startswith("test_")]
    assert offenders == []
