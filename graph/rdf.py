"""Records → RDF: policies (ELI), cities and agencies (schema.org), instruments, targets and baselines
(pkg:), instrument types (SKOS), and for every fact its source span (NIF, PROV)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import PurePath

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD

from extract.records import ExtractionRecord, Instrument, Target
from graph.indicators import concepts_of, indicator_scheme_turtle
from graph.iris import (
    CITO,
    ELI,
    NIF,
    PKG,
    SCHEMA,
    amount_iri,
    city_iri,
    context_iri,
    fact_iri,
    instrument_type_iri,
    measure_iri,
    new_graph,
    policy_iri,
    span_iri,
)
from graph.resolve import AgencyNode, Corpus, measure_parent
from graph.skos import add_concept_schemes

IN_FORCE = {"有效": ELI["InForce-inForce"], "失效": ELI["InForce-notInForce"]}


@cache
def _ontology_turtle() -> str:
    return resources.files("graph").joinpath("ontology.ttl").read_text(encoding="utf-8")


def load_ontology() -> Graph:
    graph = new_graph()
    graph.parse(data=_ontology_turtle(), format="turtle")
    return graph


def build_rdf(records: list[ExtractionRecord]) -> Graph:
    """One self-describing graph: ontology, instrument-type schemes and the facts of all records."""
    corpus = Corpus(records)
    graph = load_ontology()
    add_concept_schemes(graph)
    graph.parse(data=indicator_scheme_turtle(), format="turtle")
    for city in corpus.cities:
        graph.add((city_iri(city), RDF.type, SCHEMA.City))
        graph.add((city_iri(city), SCHEMA.name, Literal(city, lang="zh")))
    for agency in corpus.agencies:
        _add_agency(graph, agency)
    for record in corpus.records:
        _add_policy(graph, corpus, record)
        _add_measures(graph, corpus, record)
        _add_instruments(graph, record)
        for kind, facts in (("target", record.targets), ("baseline", record.baselines)):
            for index, fact in enumerate(facts):
                _add_quantity(graph, record, kind, index, fact)
        _add_citations(graph, corpus, record)
    return graph


def _add_optional(graph: Graph, subject: URIRef, predicate: URIRef, value: object, **literal: str) -> None:
    """Add a literal unless the record left the field empty."""
    if value is not None and value != "":
        graph.add((subject, predicate, Literal(value, **literal)))


def _number(value: float | int) -> Literal:
    # Integers stay xsd:integer; floats become xsd:decimal via their shortest repr (0.3, not 0.299…).
    return Literal(value if isinstance(value, int) else Decimal(repr(value)))


def _add_span(graph: Graph, doc: str, start: int, end: int, quote: str | None = None) -> URIRef:
    span = span_iri(doc, start, end)
    graph.add((span, RDF.type, NIF.OffsetBasedString))
    graph.add((span, NIF.beginIndex, Literal(start, datatype=XSD.nonNegativeInteger)))
    graph.add((span, NIF.endIndex, Literal(end, datatype=XSD.nonNegativeInteger)))
    graph.add((span, NIF.referenceContext, context_iri(doc)))
    _add_optional(graph, span, NIF.anchorOf, quote)
    return span


def _add_agency(graph: Graph, agency: AgencyNode) -> None:
    graph.add((agency.iri, RDF.type, PKG.CollectiveAgency if agency.collective else SCHEMA.GovernmentOrganization))
    graph.add((agency.iri, SCHEMA.name, Literal(agency.name, lang="zh")))
    for alias in agency.aliases:
        graph.add((agency.iri, SCHEMA.alternateName, Literal(alias, lang="zh")))
    if agency.city:
        graph.add((agency.iri, PKG.city, city_iri(agency.city)))


def _add_policy(graph: Graph, corpus: Corpus, record: ExtractionRecord) -> None:
    policy, meta, context = policy_iri(record.doc), record.policy, context_iri(record.doc)
    graph.add((context, RDF.type, NIF.Context))
    graph.add((context, SCHEMA.name, Literal(PurePath(record.doc).name)))
    graph.add((context, SCHEMA.sha256, Literal(record.sha256)))

    graph.add((policy, RDF.type, PKG.Policy))
    graph.add((policy, RDF.type, ELI.LegalResource))
    graph.add((policy, PROV.wasDerivedFrom, context))
    title = meta.title or meta.notice_title  # a notice without a separate policy title is the policy
    _add_optional(graph, policy, ELI.title, title, lang="zh")
    if meta.notice_title != title:
        _add_optional(graph, policy, ELI.title_alternative, meta.notice_title, lang="zh")
    _add_optional(graph, policy, ELI.id_local, meta.doc_number)
    _add_optional(graph, policy, ELI.date_document, meta.issued_date, datatype=XSD.date)
    _add_optional(graph, policy, ELI.date_publication, meta.published_date, datatype=XSD.date)
    if meta.status in IN_FORCE:
        graph.add((policy, ELI.in_force, IN_FORCE[meta.status]))
    else:
        _add_optional(graph, policy, PKG.status, meta.status)
    if meta.issuer:
        graph.add((policy, ELI.passed_by, corpus.agency(record.city, meta.issuer).iri))
    if record.city:
        graph.add((policy, PKG.city, city_iri(record.city)))
    for name in record.collective_agencies:
        graph.add((policy, PKG.collectiveAgency, corpus.agency(record.city, name).iri))
    for start, end in sorted(tuple(span) for span in meta.spans.values()):
        graph.add((policy, PROV.wasDerivedFrom, _add_span(graph, record.doc, start, end)))


def _add_measures(graph: Graph, corpus: Corpus, record: ExtractionRecord) -> None:
    for measure in record.measures:
        node, parent = measure_iri(record.doc, measure.id), measure_parent(record, measure)
        graph.add((node, RDF.type, ELI.LegalResourceSubdivision))
        _add_optional(graph, node, ELI.title, measure.heading, lang="zh")
        graph.add((node, PKG.path, Literal(measure.path)))
        graph.add((node, ELI.is_part_of, parent))
        graph.add((parent, ELI.has_part, node))
        graph.add((node, PROV.wasDerivedFrom, _add_span(graph, record.doc, measure.start, measure.end)))
        for role, names in ((PKG.leadAgency, measure.lead_agencies), (PKG.responsibleAgency, measure.agencies)):
            for name in names:
                graph.add((node, role, corpus.agency(record.city, name).iri))
    # The agency list may link measures the measure entries do not (and vice versa): take both,
    # but only for measures the record lists, so no untyped measure node appears.
    listed = {measure.id for measure in record.measures}
    for agency in record.agencies:
        iri = corpus.agency(record.city, agency.name).iri
        for role, measure_ids in ((PKG.leadAgency, agency.lead_measures), (PKG.responsibleAgency, agency.measures)):
            for measure_id in (m for m in measure_ids if m in listed):
                graph.add((measure_iri(record.doc, measure_id), role, iri))


def _add_fact_context(graph: Graph, record: ExtractionRecord, node: URIRef, fact: Instrument | Target) -> None:
    """Links every instrument, target and baseline shares: policy, city, measure and quoted span."""
    graph.add((node, PKG.policy, policy_iri(record.doc)))
    if record.city:
        graph.add((node, PKG.city, city_iri(record.city)))
    if fact.measure:
        graph.add((node, PKG.measure, measure_iri(record.doc, fact.measure)))
    graph.add((node, PROV.wasDerivedFrom, _add_span(graph, record.doc, fact.start, fact.end, fact.quote)))


def _add_instruments(graph: Graph, record: ExtractionRecord) -> None:
    for index, instrument in enumerate(record.instruments):
        node = fact_iri(record.doc, "instrument", index)
        graph.add((node, RDF.type, PKG.Instrument))
        if instrument.type is not None:  # untyped: no type of the taxonomy covers what it funds
            graph.add((node, PKG.instrumentType, instrument_type_iri(instrument.type)))
        if instrument.amount_yuan is not None:
            amount = amount_iri(node)
            graph.add((node, SCHEMA.amount, amount))
            graph.add((amount, RDF.type, SCHEMA.MonetaryAmount))
            graph.add((amount, SCHEMA.maxValue if instrument.max else SCHEMA.value, Literal(instrument.amount_yuan)))
            graph.add((amount, SCHEMA.currency, Literal("CNY")))
        _add_optional(graph, node, PKG.perUnit, instrument.per)
        if instrument.ratio is not None:
            graph.add((node, PKG.ratio, _number(instrument.ratio)))
        if instrument.cumulative_cap_yuan is not None:
            graph.add((node, PKG.cumulativeCap, Literal(instrument.cumulative_cap_yuan)))
        _add_optional(graph, node, PKG.level, instrument.level)
        _add_optional(graph, node, PKG.recipient, instrument.recipient, lang="zh")
        _add_fact_context(graph, record, node, instrument)


def _add_quantity(graph: Graph, record: ExtractionRecord, kind: str, index: int, fact: Target) -> None:
    node = fact_iri(record.doc, kind, index)
    graph.add((node, RDF.type, PKG.Target if kind == "target" else PKG.Baseline))
    graph.add((node, PKG.indicator, Literal(fact.indicator, lang="zh")))
    _link_indicator_concepts(graph, node, fact.indicator)
    graph.add((node, SCHEMA.value, _number(fact.value)))
    if fact.value_min is not None:
        graph.add((node, SCHEMA.minValue, _number(fact.value_min)))
    _add_optional(graph, node, SCHEMA.unitText, fact.unit)
    if fact.year is not None:
        graph.add((node, PKG.year, Literal(f"{fact.year:04d}", datatype=XSD.gYear)))
    _add_fact_context(graph, record, node, fact)


def _add_citations(graph: Graph, corpus: Corpus, record: ExtractionRecord) -> None:
    policy = policy_iri(record.doc)
    for link in corpus.citations(record):
        graph.add((policy, ELI.cites, link.target))
        if not link.in_corpus:
            graph.add((link.target, RDF.type, ELI.LegalResource))
            graph.add((link.target, ELI.title, Literal(link.title, lang="zh")))
            _add_optional(graph, link.target, ELI.id_local, link.doc_number)
        if link.quoted is not None:
            index, citation = link.quoted
            node = fact_iri(record.doc, "citation", index)
            graph.add((node, RDF.type, CITO.Citation))
            graph.add((node, CITO.hasCitingEntity, policy))
            graph.add((node, CITO.hasCitedEntity, link.target))
            span = _add_span(graph, record.doc, citation.start, citation.end, citation.quote)
            graph.add((node, PROV.wasDerivedFrom, span))


# ---------------------------------------------------------------- indicator concepts
# Kept apart so the move of this module to pyoxigraph carries it over as it is: the scheme is loaded
# in build_rdf, and each target and baseline is linked to the concepts its wording belongs to.


def _link_indicator_concepts(graph: Graph, node: URIRef, wording: str) -> None:
    for concept in concepts_of(wording):
        graph.add((node, PKG.indicatorConcept, URIRef(concept)))
