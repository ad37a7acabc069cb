"""The shape of `extract/`: flat components that never import one another, and the layers
between `extract`, `graph`, `api` and `viz` (data flows one way)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTRACT = ROOT / "extract"


def _imports(path: Path) -> set[str]:
    """The project modules `path` imports: `extract.x` for `from .x import`, `graph.y`…"""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                package = path.parent.name
                if node.module:
                    found.add(f"{package}.{node.module.split('.')[0]}")
                else:
                    found.update(f"{package}.{alias.name}" for alias in node.names)
            elif node.module:
                found.add(".".join(node.module.split(".")[:2]))
        elif isinstance(node, ast.Import):
            found.update(".".join(alias.name.split(".")[:2]) for alias in node.names)
    return found


def _component_modules() -> set[str]:
    decorated = re.compile(r"^@component\(", re.MULTILINE)
    return {f"extract.{p.stem}" for p in EXTRACT.glob("*.py") if decorated.search(p.read_text(encoding="utf-8"))}


def test_there_are_components() -> None:
    assert {"extract.metadata", "extract.instruments", "extract.measures"} <= _component_modules()


def test_no_component_module_imports_another() -> None:
    components = _component_modules()
    offenders = {
        f"extract.{p.stem}": sorted(_imports(p) & (components - {f"extract.{p.stem}"}))
        for p in EXTRACT.glob("*.py")
        if f"extract.{p.stem}" in components
    }
    assert not {module: found for module, found in offenders.items() if found}


def test_only_the_pipeline_assembles_components() -> None:
    """Modules that are not components (grammar, lexicon, document, records) import no component,
    except the pipeline, which names the order, and the runner, which calls the pipeline."""
    components = _component_modules()
    assemblers = {"extract.pipeline", "extract.runner"}
    offenders = {}
    for path in EXTRACT.glob("*.py"):
        module = f"extract.{path.stem}"
        if module in components or module in assemblers:
            continue
        found = sorted(_imports(path) & components)
        if found:
            offenders[module] = found
    assert not offenders


def test_data_flows_one_way_between_packages() -> None:
    forbidden = {"extract": ("graph", "api", "viz"), "graph": ("api", "viz"), "viz": ("api",)}
    offenders = []
    for package, above in forbidden.items():
        for path in (ROOT / package).rglob("*.py"):
            for module in _imports(path):
                if module.split(".")[0] in above:
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not offenders, offenders


def _calls(path: Path, names: set[str]) -> list[str]:
    """The calls of `path` to a function or method named in `names` (doc.quote(…), original_span(…))."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in names:
                found.append(f"{path.name}:{node.lineno} {name}")
    return found


def test_only_provenance_maps_facts_to_the_original_text() -> None:
    """Components give facts normalised spans; the `provenance` component, last in the pipeline,
    maps them to original offsets and quotes, once (Document.warn may quote its own message)."""
    from extract.pipeline import PIPELINE

    assert PIPELINE[-1] == "provenance"
    offenders = [
        call
        for path in EXTRACT.glob("*.py")
        if f"extract.{path.stem}" in _component_modules() - {"extract.provenance"}
        for call in _calls(path, {"quote", "original_span"})
    ]
    assert not offenders
