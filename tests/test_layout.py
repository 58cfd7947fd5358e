"""The package's shape: imports point one way along the pipeline, Whoosh stays in the engine.

text → extract → query / io → engine → ingest → index → maintenance → results → cli.
Every ``import`` counts, at module level, inside functions and under
``TYPE_CHECKING``. The base modules (errors, models, data, native) may be imported
from anywhere and import nothing above them.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "arsearch"

#: The pipeline stages in order; a module may import only from earlier stages
#: or from its own stage. Keys are module-name prefixes.
STAGES: list[tuple[str, ...]] = [
    ("arsearch.errors", "arsearch.models", "arsearch.data", "arsearch.native"),
    ("arsearch.text",),
    ("arsearch.extract",),
    ("arsearch.query",),
    ("arsearch.io",),
    ("arsearch.engine", "arsearch.schema"),
    ("arsearch.ingest",),
    ("arsearch.index",),
    ("arsearch.maintenance",),
    # Shards are ordinary indexes plus a manifest: the cluster stage builds on
    # index and maintenance, and arsearch.Index (its subclass) dispatches to it.
    ("arsearch.cluster",),
    ("arsearch.results",),
    ("arsearch.cli",),
    ("arsearch", "arsearch.__main__"),
]
MAX_TOP_LEVEL_MODULES = 12


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _stage(module: str) -> int:
    best, stage = -1, -1
    for i, prefixes in enumerate(STAGES):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, stage = len(prefix), i
    assert stage >= 0, f"{module} belongs to no stage: add it to STAGES"
    return stage


def _subpackage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(module: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """(imported module, line) for every import in a file, at any depth."""
    found = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # ``from arsearch.extract import crf`` imports the module crf.
                sub = f"{base}.{alias.name}"
                found.append((sub if sub in known else base, node.lineno))
    return found


def _graph() -> dict[str, list[tuple[str, int]]]:
    modules = _modules()
    known = set(modules)
    return {name: [(imp, line) for imp, line in _imports(name, path, known)
                   if imp == "arsearch" or imp.startswith("arsearch.")]
            for name, path in modules.items()}


def test_imports_point_along_the_pipeline() -> None:
    wrong = [f"{module}:{line} imports {target}"
             for module, targets in _graph().items()
             for target, line in targets
             if _stage(target) > _stage(module)]
    assert not wrong, "imports against the pipeline:\n" + "\n".join(wrong)


def test_stages_do_not_import_their_neighbours_sideways() -> None:
    # query and io sit side by side; neither may lean on the other.
    wrong = [f"{module}:{line} imports {target}"
             for module, targets in _graph().items()
             for target, line in targets
             if {_subpackage(module), _subpackage(target)} == {"query", "io"}]
    assert not wrong, "\n".join(wrong)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of a directed graph, as a path that ends where it starts, else None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_there_are_no_import_cycles() -> None:
    modules = _modules()
    graph = {m: {t for t, _ in targets if t in modules} for m, targets in _graph().items()}
    graph.pop("arsearch", None)  # the package's __init__ only re-exports public names
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_checks_see_function_level_imports_and_cycles(tmp_path: Path) -> None:
    module = tmp_path / "a.py"
    module.write_text("def f():\n    from arsearch.b import g\n", encoding="utf-8")
    assert _imports("arsearch.a", module, {"arsearch.b"}) == [("arsearch.b", 2)]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_only_the_engine_imports_whoosh() -> None:
    modules = _modules()
    outside = [f"{name}:{line}"
               for name, path in modules.items()
               if not name.startswith("arsearch.engine")
               for target, line in _imports(name, path, set(modules))
               if target == "whoosh" or target.startswith("whoosh.")]
    assert not outside, "whoosh imported outside arsearch/engine: " + ", ".join(outside)


def test_the_top_level_holds_few_modules() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top
