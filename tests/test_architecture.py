"""The layout keeps its promises (docs/architecture.md): no import circle anywhere in converter/
or mappings/ — counting that importing a module first runs the `__init__` of every package
above it — and each stage imports only the stages below it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("converter", "mappings")

# Each module's layer, by the longest matching name; a layer may import the layers listed.
LAYERS = {
    "converter": "base", "converter.problems": "base", "converter.signals": "base",
    "converter.credentials": "base", "converter.csvcells": "base",
    "converter.output": "output",
    "converter.report": "report",
    "mappings.terminology": "terminology",
    "converter.read": "read",
    "mappings": "mappings",
    "converter.fhir": "fhir",
    "converter.server": "server",
    "converter.tables": "tables",
    "converter.pipeline": "pipeline", "converter.paths": "pipeline",
    "converter.coverage": "pipeline", "converter.config": "pipeline",
    "converter.cli": "cli", "converter.clickerrors": "cli", "converter.__main__": "cli",
    "converter.clickconfig": "cli", "converter.progress": "cli",
}
MAY_IMPORT = {
    "base": {"base"},
    "output": {"base", "output"},
    "report": {"base", "output", "report"},
    "terminology": {"base", "terminology"},
    "read": {"base", "output", "report", "terminology", "read"},
    "mappings": {"base", "terminology", "read", "fhir", "mappings"},
    "fhir": {"base", "output", "report", "terminology", "read", "mappings", "fhir"},
    "server": {"base", "output", "report", "terminology", "read", "mappings", "fhir", "server"},
    "tables": {"base", "output", "report", "terminology", "read", "mappings", "fhir", "server",
               "tables"},
    "pipeline": {"base", "output", "report", "terminology", "read", "mappings", "fhir", "tables",
                 "pipeline"},
    "cli": set(LAYERS.values()),
}
# mappings may use only the record schema of read and the ids and references of fhir
MAPPINGS_MAY_IMPORT = {"converter.read.schema", "converter.fhir.ids", "converter.fhir.references"}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported(path: Path, name: str, known: set[str]) -> Iterator[str]:
    """The project modules `path` imports, at any depth of its code (imports inside functions
    run too), each with the packages above it that importing it initialises first."""
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{name}: the project uses absolute imports only"
            base = node.module
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names
                               if f"{base}.{alias.name}" in known)]
        for target in targets:
            if target.split(".")[0] not in PACKAGES:
                continue
            parts = target.split(".")
            for depth in range(1, len(parts) + 1):
                step = ".".join(parts[:depth])
                # the packages that hold this module are already initialising: no new edge
                if step in known and not name.startswith(step + ".") and step != name:
                    yield step


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: set(imported(path, name, known)) for name, path in found.items()}


def layer(name: str) -> str:
    best = max((key for key in LAYERS if name == key or name.startswith(key + ".")), key=len)
    return LAYERS[best]


def test_every_module_has_a_layer() -> None:
    for name in graph():
        assert layer(name), name


def test_no_import_circle() -> None:
    edges = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    circles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                circles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


def test_each_stage_imports_only_the_stages_below_it() -> None:
    edges = graph()
    # a package whose __init__ imports nothing (importing one of its modules runs it) is no
    # dependency on that package's stage
    inert = {name for name, path in modules().items()
             if path.name == "__init__.py" and not edges[name]}
    wrong = []
    for name, targets in edges.items():
        mine = layer(name)
        for target in sorted(targets - inert):
            theirs = layer(target)
            if theirs not in MAY_IMPORT[mine]:
                wrong.append(f"{name} ({mine}) imports {target} ({theirs})")
            elif mine == "mappings" and theirs in ("read", "fhir") \
                    and target not in MAPPINGS_MAY_IMPORT:
                wrong.append(f"{name} (mappings) imports {target}: only "
                             f"{', '.join(sorted(MAPPINGS_MAY_IMPORT))}")
    assert not wrong, "\n".join(wrong)


def test_every_package_says_what_it_holds_and_may_import() -> None:
    for name, path in modules().items():
        if path.name == "__init__.py":
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
            assert "May import" in doc, f"{name}/__init__.py: say what it holds and may import"
