"""Records → RDF: policies (ELI), cities and agencies (schema.org), instruments, targets and baselines
(pkg:), instrument types (SKOS), and for every fact its source span (NIF, PROV).

The triples are pyoxigraph terms, generated one by one and never gathered into a graph object: the
build streams them into an Oxigraph store's bulk loader (graph/store.py), and the exports and the
on-disk store are written from there. rdflib appears only in `build_rdf`, `to_rdflib` and
`load_ontology`, for SHACL validation and for tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import PurePath
from typing import TYPE_CHECKING, TypeVar

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple, parse
from rdflib.namespace import PROV, RDF, XSD

from extract.records import ExtractionRecord, Instrument, Target
from graph.indicators import concepts_of
from graph.iris import (
    CITO,
    ELI,
    NIF,
    PKG,
    SCHEMA,
    amount_iri,
    city_division,
    city_iri,
    context_iri,
    fact_iri,
    instrument_type_iri,
    measure_iri,
    new_graph,
    policy_iri,
    span_iri,
)
from graph.resolve import AgencyNode, Corpus, MeasureParents
from graph.skos import concept_scheme_triples

if TYPE_CHECKING:
    import rdflib

T = TypeVar("T")


def iri(value: str) -> NamedNode:
    return NamedNode(value)


# The vocabulary as pyoxigraph terms, made once: a NamedNode checks its IRI when it is created.
TYPE = iri(RDF.type)
P_DERIVED = iri(PROV.wasDerivedFrom)
P_NAME, P_ALT_NAME, P_SHA256 = iri(SCHEMA.name), iri(SCHEMA.alternateName), iri(SCHEMA.sha256)
P_AMOUNT, P_VALUE, P_MAX_VALUE = iri(SCHEMA.amount), iri(SCHEMA.value), iri(SCHEMA.maxValue)
P_IDENTIFIER, P_LATITUDE, P_LONGITUDE = iri(SCHEMA.identifier), iri(SCHEMA.latitude), iri(SCHEMA.longitude)
P_MIN_VALUE, P_CURRENCY, P_UNIT_TEXT = iri(SCHEMA.minValue), iri(SCHEMA.currency), iri(SCHEMA.unitText)
P_BEGIN, P_END, P_CONTEXT = iri(NIF.beginIndex), iri(NIF.endIndex), iri(NIF.referenceContext)
P_ANCHOR, P_IS_STRING = iri(NIF.anchorOf), iri(NIF.isString)
P_TITLE, P_TITLE_ALT, P_ID_LOCAL = iri(ELI.title), iri(ELI.title_alternative), iri(ELI.id_local)
P_DATE_DOCUMENT, P_DATE_PUBLICATION = iri(ELI.date_document), iri(ELI.date_publication)
P_IN_FORCE, P_PASSED_BY, P_CITES = iri(ELI.in_force), iri(ELI.passed_by), iri(ELI.cites)
P_IS_PART_OF, P_HAS_PART = iri(ELI.is_part_of), iri(ELI.has_part)
P_CITY, P_POLICY, P_MEASURE, P_PATH = iri(PKG.city), iri(PKG.policy), iri(PKG.measure), iri(PKG.path)
P_STATUS, P_COLLECTIVE, P_TYPE = iri(PKG.status), iri(PKG.collectiveAgency), iri(PKG.instrumentType)
P_ISSUER_LEVEL = iri(PKG.issuerLevel)
P_LEAD, P_RESPONSIBLE = iri(PKG.leadAgency), iri(PKG.responsibleAgency)
P_PER_UNIT, P_RATIO, P_CAP = iri(PKG.perUnit), iri(PKG.ratio), iri(PKG.cumulativeCap)
P_LEVEL, P_RECIPIENT, P_INDICATOR, P_YEAR = iri(PKG.level), iri(PKG.recipient), iri(PKG.indicator), iri(PKG.year)
P_CITING, P_CITED = iri(CITO.hasCitingEntity), iri(CITO.hasCitedEntity)
P_INDICATOR_CONCEPT = iri(PKG.indicatorConcept)
C_CITY, C_ORGANISATION, C_COLLECTIVE = iri(SCHEMA.City), iri(SCHEMA.GovernmentOrganization), iri(PKG.CollectiveAgency)
C_CONTEXT, C_SPAN = iri(NIF.Context), iri(NIF.OffsetBasedString)
C_POLICY, C_LEGAL_RESOURCE, C_SUBDIVISION = iri(PKG.Policy), iri(ELI.LegalResource), iri(ELI.LegalResourceSubdivision)
C_INSTRUMENT, C_AMOUNT = iri(PKG.Instrument), iri(SCHEMA.MonetaryAmount)
C_TARGET, C_BASELINE, C_CITATION = iri(PKG.Target), iri(PKG.Baseline), iri(CITO.Citation)
XSD_INTEGER, XSD_DECIMAL = iri(XSD.integer), iri(XSD.decimal)
XSD_DATE, XSD_YEAR = iri(XSD.date), iri(XSD.gYear)
CNY = Literal("CNY")

IN_FORCE = {"有效": iri(ELI["InForce-inForce"]), "失效": iri(ELI["InForce-notInForce"])}


# ---------------------------------------------------------------- the Turtle files of graph/


def _turtle_files() -> list[Traversable]:
    """The ontology, then every SKOS scheme kept as Turtle under graph/schemes/ (sorted by name)."""
    package = resources.files("graph")
    schemes = package.joinpath("schemes")
    found = sorted((f for f in schemes.iterdir() if f.name.endswith(".ttl")), key=lambda f: f.name) if schemes.is_dir() else []
    return [package.joinpath("ontology.ttl"), *found]


def turtle_file_triples() -> Iterator[Triple]:
    """Triples of graph/ontology.ttl and graph/schemes/*.ttl, parsed by Oxigraph.

    A blank node gets a label derived from its file and its position there, not Oxigraph's random
    one, so two builds still write the same bytes.
    """
    for source in _turtle_files():
        data = source.read_bytes()
        prefix = "f" + hashlib.sha1(data).hexdigest()[:8]
        labels: dict[str, BlankNode] = {}

        def stable(term: T, prefix: str = prefix, labels: dict[str, BlankNode] = labels) -> T | BlankNode:
            if not isinstance(term, BlankNode):
                return term
            if term.value not in labels:
                labels[term.value] = BlankNode(f"{prefix}b{len(labels)}")
            return labels[term.value]

        for triple in parse(data, RdfFormat.TURTLE):
            if isinstance(triple.subject, BlankNode) or isinstance(triple.object, BlankNode):
                yield Triple(stable(triple.subject), triple.predicate, stable(triple.object))
            else:
                yield triple


@cache
def _ontology_turtle() -> str:
    return resources.files("graph").joinpath("ontology.ttl").read_text(encoding="utf-8")


def load_ontology() -> rdflib.Graph:
    """The ontology alone as an rdflib graph (pyshacl's ont_graph)."""
    graph = new_graph()
    graph.parse(data=_ontology_turtle(), format="turtle")
    return graph


# ---------------------------------------------------------------- the whole graph


def graph_quads(records: list[ExtractionRecord], texts: Mapping[str, str] | None = None) -> Iterator[Quad]:
    """Every triple of the graph, in the default graph: ontology, schemes, facts, and (given `texts`,
    doc → original text) each document's text as nif:isString of its nif:Context.

    A triple may come more than once (two facts quoting one sentence share its span): a store keeps one.
    """
    for triple in turtle_file_triples():
        yield Quad(triple.subject, triple.predicate, triple.object)
    for triple in fact_triples(records, texts or {}):
        yield Quad(*triple)


Spo = tuple[NamedNode, NamedNode, NamedNode | Literal]


def fact_triples(records: list[ExtractionRecord], texts: Mapping[str, str]) -> Iterator[Spo]:
    """The concept schemes and the facts of all records (no ontology)."""
    corpus = Corpus(records)
    yield from concept_scheme_triples()
    for city in corpus.cities:
        yield from _city(city)
    for agency in corpus.agencies:
        yield from _agency(agency)
    for record in corpus.records:
        yield from _policy(corpus, record, texts.get(record.doc))
        yield from _measures(corpus, record)
        yield from _instruments(record)
        for kind, facts in (("target", record.targets), ("baseline", record.baselines)):
            for index, fact in enumerate(facts):
                yield from _quantity(record, kind, index, fact)
        yield from _citations(corpus, record)


def _optional(subject: NamedNode, predicate: NamedNode, value: str | None, language: str | None = None,
              datatype: NamedNode | None = None) -> Iterator[Spo]:
    """The literal unless the record left the field empty."""
    if value is not None and value != "":
        yield subject, predicate, Literal(value, language=language, datatype=datatype)


# Numbers are written in the canonical form Oxigraph stores them in (it keeps the value, not the
# lexical form, and every integer type as xsd:integer), so that the triples made here, the store
# and every export agree, and build_rdf validates what the store holds.


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_INTEGER)


def _number(value: float | int) -> Literal:
    # Integers stay xsd:integer; floats become xsd:decimal via their shortest repr (0.3, not
    # 0.299…), without exponent or trailing zeros (1e-05 → 0.00001, 1.0 → 1).
    if isinstance(value, int):
        return _integer(value)
    return Literal(f"{Decimal(repr(value)).normalize():f}", datatype=XSD_DECIMAL)


def _span(doc: str, start: int, end: int, quote: str | None = None) -> tuple[NamedNode, list[Spo]]:
    span = iri(span_iri(doc, start, end))
    triples: list[Spo] = [
        (span, TYPE, C_SPAN),
        (span, P_BEGIN, _integer(start)),
        (span, P_END, _integer(end)),
        (span, P_CONTEXT, iri(context_iri(doc))),
    ]
    triples.extend(_optional(span, P_ANCHOR, quote))
    return span, triples


def _city(city: str) -> Iterator[Spo]:
    """A city, and where places.tsv knows it its code, full name and coordinates (for maps)."""
    node = iri(city_iri(city))
    yield node, TYPE, C_CITY
    yield node, P_NAME, Literal(city, language="zh")
    division = city_division(city)
    if division is None:
        return
    yield node, P_IDENTIFIER, Literal(division.adcode)
    if division.name != city:
        yield node, P_ALT_NAME, Literal(division.name, language="zh")
    if division.latitude is not None and division.longitude is not None:
        yield node, P_LATITUDE, _number(division.latitude)
        yield node, P_LONGITUDE, _number(division.longitude)


def _agency(agency: AgencyNode) -> Iterator[Spo]:
    node = iri(agency.iri)
    yield node, TYPE, C_COLLECTIVE if agency.collective else C_ORGANISATION
    yield node, P_NAME, Literal(agency.name, language="zh")
    for alias in agency.aliases:
        yield node, P_ALT_NAME, Literal(alias, language="zh")
    if agency.city:
        yield node, P_CITY, iri(city_iri(agency.city))


def _agency_node(corpus: Corpus, city: str | None, name: str) -> NamedNode:
    return iri(corpus.agency(city, name).iri)


def _policy(corpus: Corpus, record: ExtractionRecord, text: str | None) -> Iterator[Spo]:
    policy, meta, context = iri(policy_iri(record.doc)), record.policy, iri(context_iri(record.doc))
    yield context, TYPE, C_CONTEXT
    yield context, P_NAME, Literal(PurePath(record.doc).name)
    yield context, P_SHA256, Literal(record.sha256)
    if text is not None:
        yield context, P_IS_STRING, Literal(text)

    yield policy, TYPE, C_POLICY
    yield policy, TYPE, C_LEGAL_RESOURCE
    yield policy, P_DERIVED, context
    title = meta.title or meta.notice_title  # a notice without a separate policy title is the policy
    yield from _optional(policy, P_TITLE, title, language="zh")
    if meta.notice_title != title:
        yield from _optional(policy, P_TITLE_ALT, meta.notice_title, language="zh")
    yield from _optional(policy, P_ID_LOCAL, meta.doc_number)
    yield from _optional(policy, P_DATE_DOCUMENT, meta.issued_date, datatype=XSD_DATE)
    yield from _optional(policy, P_DATE_PUBLICATION, meta.published_date, datatype=XSD_DATE)
    if meta.status in IN_FORCE:
        yield policy, P_IN_FORCE, IN_FORCE[meta.status]
    else:
        yield from _optional(policy, P_STATUS, meta.status)
    if meta.issuer:
        yield policy, P_PASSED_BY, _agency_node(corpus, record.city, meta.issuer)
    if record.city:
        yield policy, P_CITY, iri(city_iri(record.city))
    yield from _optional(policy, P_ISSUER_LEVEL, record.issuer_level)
    for name in record.collective_agencies:
        yield policy, P_COLLECTIVE, _agency_node(corpus, record.city, name)
    for start, end in sorted(tuple(span) for span in meta.spans.values()):
        span, triples = _span(record.doc, start, end)
        yield from triples
        yield policy, P_DERIVED, span


def _measures(corpus: Corpus, record: ExtractionRecord) -> Iterator[Spo]:
    parents = MeasureParents(record)
    for measure in record.measures:
        node, parent = iri(measure_iri(record.doc, measure.id)), iri(parents.of(measure))
        yield node, TYPE, C_SUBDIVISION
        yield from _optional(node, P_TITLE, measure.heading, language="zh")
        yield node, P_PATH, Literal(measure.path)
        yield node, P_IS_PART_OF, parent
        yield parent, P_HAS_PART, node
        span, triples = _span(record.doc, measure.start, measure.end)
        yield from triples
        yield node, P_DERIVED, span
        for role, names in ((P_LEAD, measure.lead_agencies), (P_RESPONSIBLE, measure.agencies)):
            for name in names:
                yield node, role, _agency_node(corpus, record.city, name)
    # The agency list may link measures the measure entries do not (and vice versa): take both,
    # but only for measures the record lists, so no untyped measure node appears.
    listed = {measure.id for measure in record.measures}
    for agency in record.agencies:
        agency_node = _agency_node(corpus, record.city, agency.name)
        for role, measure_ids in ((P_LEAD, agency.lead_measures), (P_RESPONSIBLE, agency.measures)):
            for measure_id in (m for m in measure_ids if m in listed):
                yield iri(measure_iri(record.doc, measure_id)), role, agency_node


def _fact_context(record: ExtractionRecord, node: NamedNode, fact: Instrument | Target) -> Iterator[Spo]:
    """Links every instrument, target and baseline shares: policy, city, measure and quoted span."""
    yield node, P_POLICY, iri(policy_iri(record.doc))
    if record.city:
        yield node, P_CITY, iri(city_iri(record.city))
    if fact.measure:
        yield node, P_MEASURE, iri(measure_iri(record.doc, fact.measure))
    span, triples = _span(record.doc, fact.start, fact.end, fact.quote)
    yield from triples
    yield node, P_DERIVED, span


def _instruments(record: ExtractionRecord) -> Iterator[Spo]:
    for index, instrument in enumerate(record.instruments):
        fact = fact_iri(record.doc, "instrument", index)
        node = iri(fact)
        yield node, TYPE, C_INSTRUMENT
        if instrument.type is not None:  # untyped: no type of the taxonomy covers what it funds
            yield node, P_TYPE, iri(instrument_type_iri(instrument.type))
        if instrument.amount_yuan is not None:
            amount = iri(amount_iri(fact))
            yield node, P_AMOUNT, amount
            yield amount, TYPE, C_AMOUNT
            yield amount, P_MAX_VALUE if instrument.max else P_VALUE, _integer(instrument.amount_yuan)
            yield amount, P_CURRENCY, CNY
        yield from _optional(node, P_PER_UNIT, instrument.per)
        if instrument.ratio is not None:
            yield node, P_RATIO, _number(instrument.ratio)
        if instrument.cumulative_cap_yuan is not None:
            yield node, P_CAP, _integer(instrument.cumulative_cap_yuan)
        yield from _optional(node, P_LEVEL, instrument.level)
        yield from _optional(node, P_RECIPIENT, instrument.recipient, language="zh")
        yield from _fact_context(record, node, instrument)


def _quantity(record: ExtractionRecord, kind: str, index: int, fact: Target) -> Iterator[Spo]:
    node = iri(fact_iri(record.doc, kind, index))
    yield node, TYPE, C_TARGET if kind == "target" else C_BASELINE
    yield node, P_INDICATOR, Literal(fact.indicator, language="zh")
    for concept in concepts_of(fact.indicator):  # the indicator scheme (graph/schemes/indicators.ttl)
        yield node, P_INDICATOR_CONCEPT, iri(concept)
    yield node, P_VALUE, _number(fact.value)
    if fact.value_min is not None:
        yield node, P_MIN_VALUE, _number(fact.value_min)
    yield from _optional(node, P_UNIT_TEXT, fact.unit)
    if fact.year is not None:
        yield node, P_YEAR, Literal(f"{fact.year:04d}", datatype=XSD_YEAR)
    yield from _fact_context(record, node, fact)


def _citations(corpus: Corpus, record: ExtractionRecord) -> Iterator[Spo]:
    policy = iri(policy_iri(record.doc))
    for link in corpus.citations(record):
        target = iri(link.target)
        yield policy, P_CITES, target
        if not link.in_corpus:
            yield target, TYPE, C_LEGAL_RESOURCE
            yield target, P_TITLE, Literal(link.title, language="zh")
            yield from _optional(target, P_ID_LOCAL, link.doc_number)
        if link.quoted is not None:
            index, citation = link.quoted
            node = iri(fact_iri(record.doc, "citation", index))
            yield node, TYPE, C_CITATION
            yield node, P_CITING, policy
            yield node, P_CITED, target
            span, triples = _span(record.doc, citation.start, citation.end, citation.quote)
            yield from triples
            yield node, P_DERIVED, span


# ---------------------------------------------------------------- rdflib, for SHACL and tests


def to_rdflib(quads: Iterable[Quad]) -> rdflib.Graph:
    """The same triples as an rdflib graph (default graph only), with our prefixes bound."""
    from rdflib import BNode, URIRef
    from rdflib import Literal as RdfLiteral

    xsd_string = str(XSD.string)

    def term(node: NamedNode | BlankNode | Literal) -> URIRef | BNode | RdfLiteral:
        if isinstance(node, NamedNode):
            return URIRef(node.value)
        if isinstance(node, BlankNode):
            return BNode(node.value)
        if node.language:
            return RdfLiteral(node.value, lang=node.language)
        datatype = node.datatype.value
        # rdflib tells a plain literal from an xsd:string one; RDF 1.1 (and Oxigraph) does not
        return RdfLiteral(node.value, datatype=None if datatype == xsd_string else URIRef(datatype))

    graph = new_graph()
    for quad in quads:
        graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))
    return graph


def build_rdf(records: list[ExtractionRecord], texts: Mapping[str, str] | None = None) -> rdflib.Graph:
    """The graph of `records` as an rdflib graph: for SHACL validation and tests, not the build."""
    return to_rdflib(graph_quads(records, texts))
