"""Components and the pipeline that runs them (after spaCy's `Language.component`).

A component is a function `Document -> None` that reads some layers of the document and adds
others (`doc.layers`). It declares both: `@component("measures", requires=("outline",
"duty_lists"), assigns=("measures",))`. No component calls another; what one needs from another
it reads from a layer that an earlier component assigned. The pipeline checks the declarations as
it runs: a component that needs a layer nobody assigned yet, or that does not assign what it
declares, is a bug reported with its name.

Layers hold plain Python values (lists of spans, records); they are read-only for the components
that read them. The one exception is the last component, `provenance`, which maps the facts'
normalised spans to the original text in place, once, when nothing reads them any more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .document import Document

Run = Callable[[Document], None]


class PipelineError(RuntimeError):
    """A component broke its declaration (a programming error, not a bad document)."""


@dataclass(frozen=True)
class Component:
    name: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    run: Run


COMPONENTS: dict[str, Component] = {}


def component(name: str, *, requires: Sequence[str] = (), assigns: Sequence[str] = ()) -> Callable[[Run], Run]:
    """Register `run` as the component `name`."""

    def register(run: Run) -> Run:
        if name in COMPONENTS and COMPONENTS[name].run is not run:
            raise PipelineError(f"component {name!r} registered twice")
        COMPONENTS[name] = Component(name, tuple(requires), tuple(assigns), run)
        return run

    return register


def check_order(names: Sequence[str], given: Sequence[str] = ()) -> None:
    """Refuse an order in which a component requires a layer no earlier component assigns."""
    available = set(given)
    for name in names:
        if name not in COMPONENTS:
            raise PipelineError(f"no component named {name!r}")
        each = COMPONENTS[name]
        missing = [layer for layer in each.requires if layer not in available]
        if missing:
            raise PipelineError(f"component {name!r} requires {missing}, which no earlier component assigns")
        available.update(each.assigns)


def run_components(doc: Document, names: Sequence[str]) -> Document:
    """Run the named components in order on `doc`, checking what each reads and adds."""
    for name in names:
        each = COMPONENTS[name]
        missing = [layer for layer in each.requires if layer not in doc.layers]
        if missing:
            raise PipelineError(f"component {name!r} requires {missing}, not assigned yet")
        each.run(doc)
        unassigned = [layer for layer in each.assigns if layer not in doc.layers]
        if unassigned:
            raise PipelineError(f"component {name!r} did not assign {unassigned}")
    return doc
