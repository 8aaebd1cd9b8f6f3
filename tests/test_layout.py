"""The layout's promises (docs/architecture.md): no import circles, dependencies point one way
along the pipeline, and `embeddings/` knows nothing of `qa`."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lower layers never import higher ones: app.py -> serve -> (evaluation, scale) -> assistant
# -> answer -> search -> index -> settings -> ingest -> core (errors, types, progress), and
# everything may use embeddings/, which imports nothing of the project.
LAYERS = (
    ("embeddings",),
    ("qa.errors", "qa.types", "qa.progress"),
    ("qa.ingest",),
    ("qa.settings",),
    ("qa.index",),
    ("qa.search",),
    ("qa.answer",),
    ("qa.assistant",),
    ("qa.scale",),
    ("qa.evaluation",),
    ("qa.serve",),
    ("qa",),  # the package's facade: re-exports for users, never imported from inside qa
    ("app",),
)


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the project by dotted name (a package by its own name)."""
    files = {"app": root / "app.py"}
    for package in ("qa", "embeddings"):
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            files[name] = path
    return files


def imports_of(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The project's modules that module `name` imports anywhere in its body (inside
    functions and `TYPE_CHECKING` blocks too); `from package import module` counts as the
    module, `from package import name` as the package."""
    known = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.add(f"{base}.{alias.name}")
                elif base in known:
                    found.add(base)
    found.discard(name)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    files = module_files(root)
    return {name: imports_of(name, path, files) for name, path in files.items()}


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One import circle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def layer_of(module: str) -> int:
    """The index in LAYERS of the longest prefix naming `module`'s layer."""
    best, rank = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module.startswith(prefix + ".") and prefix != "qa"  # the facade is one module
            if (module == prefix or inside) and len(prefix) > best:
                best, rank = len(prefix), i
    if rank < 0:
        raise AssertionError(f"{module} belongs to no layer; add it to LAYERS and the docs")
    return rank


def upward_imports(graph: Mapping[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} -> {imported}"
        for module, imported_set in graph.items()
        for imported in imported_set
        if layer_of(imported) > layer_of(module)
    )


def test_the_project_has_no_import_circles() -> None:
    assert find_cycle(import_graph()) is None


def test_dependencies_point_down_the_pipeline() -> None:
    assert upward_imports(import_graph()) == []


def test_embeddings_imports_nothing_of_qa_or_the_app() -> None:
    graph = import_graph()
    leaks = {m: deps for m, deps in graph.items() if m.startswith("embeddings") and any(
        not d.startswith("embeddings") for d in deps
    )}
    assert leaks == {}


def test_every_folder_reexports_only() -> None:
    """Each subpackage's `__init__.py` is a docstring, imports and `__all__`; nothing else."""
    for init in sorted((ROOT / "qa").rglob("__init__.py")):
        body = ast.parse(init.read_text(encoding="utf-8")).body
        assert body and isinstance(body[0], ast.Expr), f"{init} has no docstring"
        for node in body[1:]:
            allowed = isinstance(node, (ast.Import, ast.ImportFrom)) or (
                isinstance(node, ast.Assign)
                and [getattr(t, "id", None) for t in node.targets] == ["__all__"]
            )
            assert allowed, f"{init}:{node.lineno} does more than re-export"


def _tree(tmp_path: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_checks_catch_a_circle_and_an_upward_import(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "app.py": "import qa\n",
            "qa/__init__.py": '"""x"""\n',
            "qa/index/__init__.py": '"""x"""\n',
            "qa/index/store.py": "def f():\n    from qa.serve import cli\n",
            "qa/serve/__init__.py": '"""x"""\n',
            "qa/serve/cli.py": "from qa.index.store import f\n",
            "embeddings/__init__.py": "from qa.index import store\n",
        },
    )
    graph = import_graph(root)
    assert find_cycle(graph) == ["qa.index.store", "qa.serve.cli", "qa.index.store"]
    assert upward_imports(graph) == [
        "embeddings -> qa.index.store",
        "qa.index.store -> qa.serve.cli",
    ]
    with pytest.raises(AssertionError, match="no layer"):
        layer_of("qa.newfolder.thing")
