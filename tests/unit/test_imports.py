"""The import graph of marque_app/: no cycle, no private name taken from another module.

An ast walk over the source (no import is executed), so it runs in milliseconds and names the
file and line at fault. Every import counts, also the ones inside a function (a lazy import
hides a cycle from Python, not from the reader). import-linter (`make lint`) checks the layers.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "marque_app"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules(root: Path, package: str) -> dict[str, Path]:
    return {_module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}


def import_edges(root: Path, package: str) -> tuple[dict[str, set[str]], list[str]]:
    """(module -> project modules it imports, private names imported across modules)."""
    modules = _modules(root, package)
    edges: dict[str, set[str]] = {name: set() for name in modules}
    private: list[str] = []
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        here = name if is_package else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        module_aliases: dict[str, str] = {}  # local name -> another project module
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == package or alias.name.startswith(package + "."):
                        target = alias.name
                        while target not in modules and "." in target:
                            target = target.rpartition(".")[0]
                        edges[name].add(target)
                        private += _private_parts(name, path, node, alias.name)
                        if alias.asname and target == alias.name:
                            module_aliases[alias.asname] = target
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    target = node.module or ""
                if target != package and not target.startswith(package + "."):
                    continue
                private += _private_parts(name, path, node, target)
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    if full in modules:
                        edges[name].add(full)  # `from package import module`
                        module_aliases[alias.asname or alias.name] = full
                        continue
                    edges[name].add(target)
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        private.append(f"{path.relative_to(root)}:{node.lineno}: {alias.name} from {target}")
        for node in ast.walk(tree):  # `other_module._helper(...)`
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in module_aliases
                and module_aliases[node.value.id] != name
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                target = module_aliases[node.value.id]
                private.append(f"{path.relative_to(root)}:{node.lineno}: {node.attr} from {target}")
    return {k: {t for t in v if t != k} for k, v in edges.items()}, private


def _private_parts(name: str, path: Path, node: ast.stmt, dotted: str) -> list[str]:
    """An import of a private module (`a._b`) from outside its parent package."""
    parts = dotted.split(".")
    out = []
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            parent = ".".join(parts[:i])
            if not (name == parent or name.startswith(parent + ".")):
                out.append(f"{path}:{node.lineno}: private module {dotted}")
            break
    return out


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of more than one module (Tarjan), as a sorted list.

    A module imports its own package's ``__init__`` and vice versa all the time (``from . import
    x``); those parent/child edges are not cycles between siblings, so they are left out.
    """

    def related(a: str, b: str) -> bool:
        return a.startswith(b + ".") or b.startswith(a + ".")

    graph = {k: {t for t in v if t in edges and not related(k, t)} for k, v in edges.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def test_marque_app_has_no_import_cycle():
    edges, _ = import_edges(ROOT, "marque_app")
    assert len(edges) > 100  # the walk found the package
    assert find_cycles(edges) == []


def test_no_private_name_is_imported_from_another_module():
    _, private = import_edges(ROOT, "marque_app")
    assert private == []


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("files", "cycles", "private"),
    [
        # a cycle through a lazy import inside a function
        (
            {
                "pkg/__init__.py": "",
                "pkg/a.py": "from pkg.b import f\n",
                "pkg/b.py": "def f():\n    from pkg import a\n",
            },
            [["pkg.a", "pkg.b"]],
            [],
        ),
        # a relative-import cycle of three
        (
            {
                "pkg/__init__.py": "",
                "pkg/s/__init__.py": "",
                "pkg/s/a.py": "from .b import x\n",
                "pkg/s/b.py": "from . import c\n",
                "pkg/s/c.py": "import pkg.s.a\n",
            },
            [["pkg.s.a", "pkg.s.b", "pkg.s.c"]],
            [],
        ),
        # a private name across modules, and a private module from outside its package
        (
            {
                "pkg/__init__.py": "",
                "pkg/a.py": "from pkg.b import _helper, public\n",
                "pkg/b.py": "_helper = public = 1\n",
                "pkg/c.py": "from pkg.s._impl import y\n",
                "pkg/s/__init__.py": "",
                "pkg/s/_impl.py": "y = 1\n",
                "pkg/s/ok.py": "from ._impl import y\n",
            },
            [],
            ["pkg/a.py:1: _helper from pkg.b", "private module pkg.s._impl"],
        ),
        # a private function reached through a module alias
        (
            {
                "pkg/__init__.py": "",
                "pkg/a.py": "def f():\n    from pkg import b as other\n    other._add()\n",
                "pkg/b.py": "def _add():\n    pass\n",
            },
            [],
            ["pkg/a.py:3: _add from pkg.b"],
        ),
        # a clean tree: a package importing its children and children importing the package
        (
            {
                "pkg/__init__.py": "from pkg import a\n",
                "pkg/a.py": "import pkg\nfrom pkg.b import x\n",
                "pkg/b.py": "x = 1\n",
            },
            [],
            [],
        ),
    ],
)
def test_the_checker_finds_what_it_is_meant_to(tmp_path, files, cycles, private):
    _write(tmp_path, files)
    edges, found = import_edges(tmp_path, "pkg")
    assert find_cycles(edges) == cycles
    assert len(found) == len(private)
    for want, got in zip(private, found, strict=True):
        assert want in got


def test_view_types_load_without_sqlmodel_or_reflex():
    """Components import the shapes they render from marque_app.views: no database layer."""
    modules = sorted(_module_name(p, ROOT) for p in (PACKAGE / "views").rglob("*.py"))
    assert "marque_app.views.catalog" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = [m for m in ('sqlmodel', 'sqlalchemy', 'reflex', 'fastapi') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""
