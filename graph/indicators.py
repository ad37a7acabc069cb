"""Indicator concepts (graph/schemes/indicators.ttl): what targets and baselines measure.

The scheme is data; this module reads it with Oxigraph's Turtle parser (no rdflib on the serving
path) and answers two questions: which concepts a target's wording belongs to (`concepts_of`, used
when the graph is built to add pkg:indicatorConcept), and which concept an analyst's term names
(`resolve_indicator`, used by /targets and /search).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from extract.normalise import normalise

PKG = "https://w3id.org/policykg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
INDICATOR_SCHEME = "https://w3id.org/policykg/id/indicator"


@dataclass(frozen=True)
class Indicator:
    iri: str
    id: str
    label_zh: str
    label_en: str
    pattern: str  # a Python regular expression over the wording, case-insensitive

    def matches(self, text: str) -> bool:
        return re.search(self.pattern, text, re.IGNORECASE) is not None

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "label_zh": self.label_zh, "label_en": self.label_en}


def indicator_scheme_turtle() -> str:
    """The scheme as Turtle, for the graph build to load beside the ontology."""
    return resources.files("graph").joinpath("schemes", "indicators.ttl").read_text(encoding="utf-8")


@cache
def load_indicators() -> tuple[Indicator, ...]:
    """The concepts in the order the file lists them: the first one that recognises a term wins."""
    fields: dict[str, dict[str, str]] = {}
    for triple in parse(indicator_scheme_turtle(), format=RdfFormat.TURTLE):
        subject, predicate, value = triple.subject, triple.predicate.value, triple.object
        if not isinstance(subject, NamedNode) or subject.value == INDICATOR_SCHEME or not isinstance(value, Literal):
            continue
        row = fields.setdefault(subject.value, {})
        if predicate == SKOS + "notation":
            row["id"] = value.value
        elif predicate == SKOS + "prefLabel":
            row[f"label_{value.language}"] = value.value
        elif predicate == PKG + "indicatorPattern":
            row["pattern"] = value.value
    return tuple(
        Indicator(iri, row["id"], row["label_zh"], row["label_en"], row["pattern"]) for iri, row in fields.items()
    )


def concepts_of(wording: str) -> tuple[str, ...]:
    """The IRIs of every concept whose pattern recognises a target's or baseline's wording."""
    return tuple(ind.iri for ind in load_indicators() if ind.matches(wording))


def squeeze(term: str) -> str:
    """A term as the wordings are compared with it: normalised (simplified, half-width), no spaces."""
    return re.sub(r"\s+", "", normalise(term.strip())[0])


def resolve_indicator(term: str) -> Indicator | None:
    """The concept a term names: by id or label first, else the first whose pattern recognises it
    (R&D 投入占比 → rd_intensity)."""
    text = normalise(term.strip())[0]
    squeezed = squeeze(term)
    indicators = load_indicators()
    for ind in indicators:
        if squeezed.casefold() in (ind.id, ind.label_zh, ind.label_en.casefold().replace(" ", "")):
            return ind
    for ind in indicators:
        if ind.matches(squeezed) or ind.label_en.casefold() in text.casefold():
            return ind
    return None
