"""What an IRI of the graph answers when dereferenced, and the data model as the graph holds it.

`describe(source, iri)` is the resource's triples (graph/queries/resource.rq: what `/id/…` gives an
RDF client and what DESCRIBE gives through /sparql); `links` and `labels` add what a reader's page
shows beside them. `data_model(source)` joins the terms graph/ontology.ttl defines with what the graph
really holds for each class and property (graph/queries/data_model.rq, one query): its use count
and one real value, whose kind, datatype or language tag the page shows. Everything runs on a GraphSource, so it works
on the build's store and on a remote one alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pyoxigraph import (
    Literal,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    Triple,
    parse_query_results,
)
from rdflib import RDF, RDFS, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import OWL

from .iris import BASE, ID, ONTOLOGY_IRI, PREFIXES
from .questions import question
from .rdf import load_ontology
from .rows import python_value
from .source import GraphSource

LINKS_SHOWN = 200  # resource_links.rq asks for one more, to tell that there are more
ID_BASE = str(ID)
PKG_BASE = str(ONTOLOGY_IRI) + "#"


def curie(iri: str) -> str:
    """`https://schema.org/name` → `schema:name`, with the project's prefixes (graph/iris.py)."""
    best = max((p for p, ns in PREFIXES.items() if iri.startswith(str(ns))), key=lambda p: len(str(PREFIXES[p])),
               default=None)
    return f"{best}:{iri[len(str(PREFIXES[best])):]}" if best else iri


def local_path(iri: str) -> str | None:
    """Where this server answers an IRI of the public base (/id/…, /ontology#term); None for others."""
    if iri.startswith(ID_BASE):
        return "/id/" + iri[len(ID_BASE):]
    if iri == str(ONTOLOGY_IRI) or iri.startswith(PKG_BASE):
        return "/ontology" + iri[len(str(ONTOLOGY_IRI)):]
    return None


def mirrored_iri(path: str) -> str:
    """The public IRI whose path `/id/<path>` mirrors."""
    return BASE + "id/" + path


# ---------------------------------------------------------------- one resource


def _triples(result: Any, name: str) -> list[Triple]:
    if not isinstance(result, QueryTriples):
        raise TypeError(f"{name}.rq is not a CONSTRUCT query")
    return sorted(result, key=lambda t: (t.predicate.value, str(t.object)))


def describe(source: GraphSource, iri: str) -> list[Triple]:
    """The triples with `iri` as subject (empty for an IRI the graph does not know)."""
    return _triples(source.query(question("resource").bind(resource=NamedNode(iri))), "resource")


def links(source: GraphSource, iri: str) -> list[dict[str, Any]]:
    """Up to LINKS_SHOWN + 1 resources pointing to `iri`: subject, property, label."""
    result = source.query(question("resource_links").bind(resource=NamedNode(iri)))
    assert isinstance(result, QuerySolutions)
    return [{"subject": r["subject"].value, "property": r["property"].value, "label": python_value(r["label"])}
            for r in result]


def labels(source: GraphSource, iris: Iterable[str]) -> dict[str, str]:
    """A name, title or label of each IRI that has one."""
    wanted = sorted(set(iris))
    if not wanted:
        return {}
    result = source.query(question("resource_labels").bind(resource=[NamedNode(i) for i in wanted]))
    assert isinstance(result, QuerySolutions)
    return {r["resource"].value: r["label"].value for r in result if r["label"] is not None}


# ---------------------------------------------------------------- the data model


@dataclass(frozen=True)
class Usage:
    """How the graph uses a property on the instances of a class."""

    klass: str
    property: str
    # the form of the example value: the graph writes a property's values on a class in one form
    kind: str  # "iri" or "literal"
    datatype: str  # "" for an IRI or a language-tagged string
    language: str  # "" unless a language-tagged string
    uses: int
    example: NamedNode | Literal


@dataclass
class OntologyTerm:
    """A class or property graph/ontology.ttl defines."""

    iri: str
    kind: str  # "class", "object property", "datatype property"
    labels: dict[str, str] = field(default_factory=dict)  # language → label
    comment: str = ""
    domain: list[str] = field(default_factory=list)
    range: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)  # rdfs:subClassOf / rdfs:subPropertyOf


_KINDS = {OWL.Class: "class", OWL.ObjectProperty: "object property", OWL.DatatypeProperty: "datatype property"}


@cache
def ontology_terms() -> tuple[OntologyTerm, ...]:
    """Every class and property of graph/ontology.ttl, classes first, each group by IRI."""
    graph = load_ontology()
    terms = []
    for kind_iri, kind in _KINDS.items():
        for subject in sorted(set(graph.subjects(RDF.type, kind_iri)), key=str):
            term = OntologyTerm(str(subject), kind)
            for label in graph.objects(subject, RDFS.label):
                if isinstance(label, RdfLiteral):
                    term.labels[label.language or ""] = str(label)
            term.comment = str(graph.value(subject, RDFS.comment) or "")
            term.domain = sorted(str(o) for o in graph.objects(subject, RDFS.domain))
            term.range = sorted(str(o) for o in graph.objects(subject, RDFS.range))
            term.parents = sorted(str(o) for p in (RDFS.subClassOf, RDFS.subPropertyOf)
                                  for o in graph.objects(subject, p) if isinstance(o, URIRef))
            terms.append(term)
    return tuple(terms)


DATA_MODEL_ANSWER = "data_model.srj"  # where precompute_answers keeps usage_rows


def usage_rows(source: GraphSource) -> bytes:
    """data_model.rq's answer as SPARQL JSON results: what a build precomputes (one pass over every
    typed resource: 4 s on a cold 300-city store)."""
    result = source.query(question("data_model").text)
    assert isinstance(result, QuerySolutions)
    return result.serialize(format=QueryResultsFormat.JSON)


def usages(source: GraphSource, stored: bytes | None = None) -> list[Usage]:
    """How the graph uses each property on each class; from `stored` (usage_rows) when given."""
    result = parse_query_results(stored if stored is not None else usage_rows(source), format=QueryResultsFormat.JSON)
    assert isinstance(result, QuerySolutions)
    usages = []
    for r in result:
        example = r["example"]
        literal = isinstance(example, Literal)
        usages.append(Usage(
            r["class"].value, r["property"].value, "literal" if literal else "iri",
            example.datatype.value if literal and not example.language else "",
            (example.language or "") if literal else "", int(r["uses"].value), example,
        ))
    return usages


@dataclass(frozen=True)
class DataModel:
    terms: tuple[OntologyTerm, ...]
    usages: tuple[Usage, ...]

    @property
    def classes(self) -> list[str]:
        """Classes with instances, then the ontology's classes that have none in this graph."""
        used = sorted({u.klass for u in self.usages}, key=curie)
        return used + [t.iri for t in self.terms if t.kind == "class" and t.iri not in used]

    def of_class(self, klass: str) -> list[Usage]:
        return [u for u in self.usages if u.klass == klass]

    def of_property(self, prop: str) -> list[Usage]:
        return [u for u in self.usages if u.property == prop]

    def value_forms(self, prop: str, klass: str | None = None) -> set[str]:
        """How the graph writes `prop`'s values: `@zh`, `xsd:gYear`, `IRI`..."""
        return {form(u) for u in self.usages if u.property == prop and (klass is None or u.klass == klass)}

    def example(self, prop: str, klass: str | None = None) -> NamedNode | Literal | None:
        return next((u.example for u in self.usages if u.property == prop and (klass is None or u.klass == klass)), None)


def form(usage: Usage) -> str:
    if usage.kind == "iri":
        return "IRI"
    if usage.language:
        return "@" + usage.language
    return curie(usage.datatype)


def data_model(source: GraphSource, stored: bytes | None = None) -> DataModel:
    return DataModel(ontology_terms(), tuple(usages(source, stored)))
