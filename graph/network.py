"""Records → networkx, for analytics and Gephi: node ids are the RDF IRIs, node attribute `kind` says
what a node is, edge attribute `relation` says how two nodes relate."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields
from functools import cache
from typing import Any, Literal, NamedTuple

import networkx as nx

from extract.records import ExtractionRecord, Instrument
from extract.taxonomy import load_taxonomy, type_by_id
from graph.iris import city_iri, fact_iri, instrument_type_iri, measure_iri, policy_iri
from graph.resolve import Corpus, MeasureParents

AGENCY_RELATIONS = frozenset({"lead_agency", "responsible_agency"})


class TypeCell(NamedTuple):
    count: int
    max_amount_yuan: int | None


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def field_values(fact: Any) -> dict[str, Any]:
    """A record dataclass's fields as a dict, shallow: dataclasses.asdict deep-copies every list,
    which was the largest single cost of the exports at corpus scale."""
    return {name: getattr(fact, name) for name in _field_names(type(fact))}


def _link(graph: nx.MultiDiGraph, source: str, target: str, relation: str) -> None:
    # Keyed by relation: the same link stated twice (e.g. by a measure and by the agency list) is one edge.
    graph.add_edge(source, target, key=relation, relation=relation)


UNTYPED_LABEL = "未分类"  # an instrument no type of the taxonomy covers


def _instrument_label(instrument: Instrument) -> str:
    instrument_type = type_by_id().get(instrument.type) if instrument.type else None
    label = instrument_type.label_zh if instrument_type else instrument.type or UNTYPED_LABEL
    if instrument.amount_yuan is None:
        return label
    return f"{label} {'≤' if instrument.max else ''}{instrument.amount_yuan:,}元"


def build_networkx(records: list[ExtractionRecord]) -> nx.MultiDiGraph:
    corpus = Corpus(records)
    graph = nx.MultiDiGraph()
    for city in corpus.cities:
        graph.add_node(str(city_iri(city)), kind="city", label=city)
    for agency in corpus.agencies:
        graph.add_node(
            str(agency.iri), kind="agency", label=agency.name, city=agency.city,
            aliases=list(agency.aliases), collective=agency.collective,
        )
        if agency.city:
            _link(graph, str(agency.iri), str(city_iri(agency.city)), "in_city")
    for instrument_type in load_taxonomy():
        graph.add_node(
            str(instrument_type_iri(instrument_type.id)), kind="instrument_type", label=instrument_type.label_zh,
            type_id=instrument_type.id, label_en=instrument_type.label_en, stip_type=instrument_type.stip_type,
        )
    for record in corpus.records:
        _add_record(graph, corpus, record)
    return graph


def _add_record(graph: nx.MultiDiGraph, corpus: Corpus, record: ExtractionRecord) -> None:
    policy = str(policy_iri(record.doc))
    meta = {k: v for k, v in field_values(record.policy).items() if k != "spans"}
    graph.add_node(
        policy, kind="policy", label=record.policy.title or record.policy.notice_title or record.doc,
        doc=record.doc, city=record.city, in_corpus=True, **meta,
    )
    if record.city:
        _link(graph, policy, str(city_iri(record.city)), "in_city")
    if record.policy.issuer:
        _link(graph, policy, str(corpus.agency(record.city, record.policy.issuer).iri), "issued_by")
    for name in record.collective_agencies:
        _link(graph, policy, str(corpus.agency(record.city, name).iri), "collective_agency")

    parents = MeasureParents(record)
    for measure in record.measures:
        node = str(measure_iri(record.doc, measure.id))
        graph.add_node(
            node, kind="measure", label=measure.heading, doc=record.doc, city=record.city,
            measure_id=measure.id, path=measure.path, heading=measure.heading, outline_level=measure.level,
            lead_agencies=measure.lead_agencies, agencies=measure.agencies, start=measure.start, end=measure.end,
        )
        _link(graph, str(parents.of(measure)), node, "has_part")
        for relation, names in (("lead_agency", measure.lead_agencies), ("responsible_agency", measure.agencies)):
            for name in names:
                _link(graph, node, str(corpus.agency(record.city, name).iri), relation)
    for agency in record.agencies:
        for relation, measure_ids in (("lead_agency", agency.lead_measures), ("responsible_agency", agency.measures)):
            for measure_id in measure_ids:
                if graph.has_node(node := str(measure_iri(record.doc, measure_id))):
                    _link(graph, node, str(corpus.agency(record.city, agency.name).iri), relation)

    facts: list[tuple[str, list[Any]]] = [
        ("instrument", record.instruments), ("target", record.targets), ("baseline", record.baselines),
    ]
    for kind, items in facts:
        for index, fact in enumerate(items):
            node = str(fact_iri(record.doc, kind, index))
            label = _instrument_label(fact) if kind == "instrument" else f"{fact.indicator} {fact.value}{fact.unit}"
            graph.add_node(node, kind=kind, label=label, doc=record.doc, city=record.city, **field_values(fact))
            _link(graph, node, policy, "in_policy")
            if fact.measure and graph.has_node(measure := str(measure_iri(record.doc, fact.measure))):
                _link(graph, node, measure, "in_measure")
            if kind == "instrument" and fact.type is not None:
                type_node = str(instrument_type_iri(fact.type))
                if not graph.has_node(type_node):  # a type outside the taxonomy (SHACL reports it in RDF)
                    graph.add_node(type_node, kind="instrument_type", label=fact.type, type_id=fact.type)
                _link(graph, node, type_node, "has_type")

    for link in corpus.citations(record):
        target = str(link.target)
        if not graph.has_node(target):  # a policy outside the corpus: known by its title only
            graph.add_node(target, kind="policy", label=link.title, title=link.title, in_corpus=False)
        _link(graph, policy, target, "cites")


def agency_centrality(
    graph: nx.MultiDiGraph,
    metric: Literal["degree", "betweenness"] = "degree",
    include_collective: bool = False,
) -> list[tuple[str, str | None, float]]:
    """(agency name, city, score), highest first, over the undirected measure–agency graph.

    degree: the number of measures an agency leads or shares; betweenness: how often it lies on the
    shortest paths between other agencies and measures, i.e. how much it bridges joint work.
    Collective placeholders (各有关单位) are left out unless asked for: they are not bodies.
    """
    agencies = {
        node for node, data in graph.nodes(data=True)
        if data["kind"] == "agency" and (include_collective or not data["collective"])
    }
    links = nx.Graph()
    links.add_nodes_from(agencies)
    links.add_edges_from(
        (measure, agency) for measure, agency, relation in graph.edges(data="relation")
        if relation in AGENCY_RELATIONS and agency in agencies
    )
    scores = dict(links.degree()) if metric == "degree" else nx.betweenness_centrality(links)
    ranked = [(graph.nodes[a]["label"], graph.nodes[a]["city"], float(scores[a])) for a in agencies]
    return sorted(ranked, key=lambda row: (-row[2], row[1] or "", row[0]))


def city_type_matrix(graph: nx.MultiDiGraph) -> dict[str, dict[str, TypeCell]]:
    """city → instrument type id → (number of instruments, largest amount in yuan or None)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    largest: dict[tuple[str, str], int] = {}
    for _, data in graph.nodes(data=True):
        if data["kind"] != "instrument" or not data["city"] or data["type"] is None:
            continue
        city, type_id, amount = data["city"], data["type"], data["amount_yuan"]
        counts[city][type_id] += 1
        if amount is not None:
            largest[(city, type_id)] = max(amount, largest.get((city, type_id), amount))
    return {
        city: {t: TypeCell(n, largest.get((city, t))) for t, n in sorted(by_type.items())}
        for city, by_type in sorted(counts.items())
    }
