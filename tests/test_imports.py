"""The import graph: every module imports on its own, no cycles, and the layers point one way.

    service -> index -> corpus
    index:  searcher (the front) -> cluster -> read -> store
                                    write -> store
            read, write, store, cluster -> the shared contracts at the package's top
            (errors, request, results, schema, analysis, documents)

Imports inside functions count too: a cycle hidden in a function is still a cycle.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import ROOT

PACKAGES = ("index", "service", "corpus")
SHARED = {"index.errors", "index.request", "index.results", "index.schema", "index.analysis",
          "index.documents", "index.limits"}
# what each part of index/ may import from index/ besides the shared contracts
ALLOWED = {
    "index.store": {"index.store"},
    "index.read": {"index.read", "index.store"},
    "index.write": {"index.write", "index.store"},
    "index.cluster": {"index.cluster", "index.read", "index.store"},
}
RAY = {"index.cluster.ray_shards", "index.cluster.ray_build", "index.cluster.ray_replica",
       "index.cluster.ray_head"}


def _module_name(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, set[str]]:
    """Return each project module with the project modules it imports."""
    files = {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")
             if "demo" not in p.parts}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        found: set[str] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                    + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base
                           for a in node.names]
            else:
                continue
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    found.add(target)
        graph[name] = found
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components of more than one module (Tarjan)."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index_of[v] = low[v] = len(index_of)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            # a package's __init__ importing its own modules is how packages work
            if v == w.rpartition(".")[0] or w not in graph:
                continue
            if w not in index_of:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index_of[w])
        if low[v] == index_of[v]:
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
        if v not in index_of:
            visit(v)
    return found


def test_the_import_graph_has_no_cycles():
    assert _cycles(_modules()) == []


def test_layers_point_one_way():
    wrong = []
    for name, targets in _modules().items():
        for target in targets:
            top = target.split(".")[0]
            if name.startswith("corpus") and top != "corpus":
                wrong.append((name, target))
            if name.startswith("index") and top == "service":
                wrong.append((name, target))
            part = ".".join(name.split(".")[:2])
            if part in ALLOWED and target.startswith("index") and target not in SHARED \
                    and target != "index" and ".".join(target.split(".")[:2]) not in ALLOWED[part]:
                if not (name == "index.cluster.ray_build" and target.startswith("index.write")):
                    wrong.append((name, target))
    assert wrong == []


def test_a_cycle_is_found():
    """The checker itself: a made-up graph with a cycle is reported."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def test_every_module_imports_on_its_own():
    """Each module in a fresh interpreter of its own, so an import that only works after
    another module has been loaded fails here."""
    names = sorted(n for n in _modules() if n not in RAY)

    def load(name: str) -> tuple[str, str]:
        done = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=ROOT, timeout=120,
                              capture_output=True, text=True)
        return name, done.stderr.strip().splitlines()[-1] if done.returncode else ""

    with ThreadPoolExecutor(4) as pool:
        failed = {name: error for name, error in pool.map(load, names) if error}
    assert failed == {}
