"""The `provenance` component: every fact's span mapped to the original text, once, at the end.

The components that find facts work on the normalised text and give each fact its normalised
span (`start`, `end`; `quote` left empty; the metadata's `spans` likewise). This last component
maps each span through the document's offset map once, so the record's contract holds:
`start`/`end` are offsets into the original decoded text and `original[start:end] == quote`.
Until it has run, the facts' offsets are normalised ones; it must run after every component that
reads them (the pipeline names it last).
"""

from __future__ import annotations

from typing import Any

from .document import Document
from .language import component
from .records import Citation, Instrument, Measure, PolicyMeta, Target

# the layers that hold facts with a span; a layer a partial pipeline did not assign is skipped
FACT_LAYERS = ("policy", "measures", "instruments", "targets", "baselines", "citations")


@component("provenance")
def provenance_component(doc: Document) -> None:
    done: set[int] = set()  # a fact two layers share is mapped once
    for name in FACT_LAYERS:
        value = doc.layers.get(name)
        for fact in value if isinstance(value, list) else [value] if value is not None else []:
            if id(fact) not in done:
                done.add(id(fact))
                _locate(doc, fact)


def _locate(doc: Document, fact: Any) -> None:
    if isinstance(fact, PolicyMeta):
        fact.spans = {key: list(doc.original_span(start, end)) for key, (start, end) in fact.spans.items()}
    elif isinstance(fact, Measure):
        fact.start, fact.end = doc.original_span(fact.start, fact.end)
    elif isinstance(fact, Instrument | Target | Citation):
        fact.quote, fact.start, fact.end = doc.quote(fact.start, fact.end)
    else:
        raise TypeError(f"no provenance for a {type(fact).__name__}")
