"""Which part of the graph a page draws: the subgraph for the browse filters, the cross-city view of
one instrument type, and one policy's tree. Pure functions over `graph.network.build_networkx`.

Every function returns a `View`: the subgraph to draw (its nodes keep the networkx attributes), the
roots its layout grows from, and what was asked. Unknown names raise `graph.terms.NotFound` with
the nearest valid ones. Which instruments the comparison shows, and in which order, is the answer of
the query layer (`graph.compare.compare`), the same as /compare's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import networkx as nx

from graph.compare import CompareResult
from graph.iris import instrument_type_iri
from graph.terms import NotFound, resolve_term

from .style import KIND_ORDER

AGENCY_LINKS = ("lead_agency", "responsible_agency")
POLICY_AGENCY_LINKS = ("issued_by", "collective_agency")
UNKNOWN_CITY_NODE = "urn:policykg:city:unknown"


@dataclass
class View:
    page: str  # "browse", "compare" or "policy"
    title: str
    graph: nx.MultiDiGraph
    roots: tuple[str, ...] = ()
    filters: dict[str, Any] = field(default_factory=dict)
    summary: list[dict[str, Any]] = field(default_factory=list)  # compare: one row per city

    def count(self, kind: str) -> int:
        return sum(1 for _, k in self.graph.nodes(data="kind") if k == kind)


def policy_id(data: dict[str, Any]) -> str:
    return PurePath(data["doc"]).stem


def policy_nodes(graph: nx.MultiDiGraph) -> dict[str, str]:
    """Policy id (document stem) → node, for the corpus's own policies, in corpus order."""
    return {
        policy_id(d): n
        for n, d in graph.nodes(data=True)
        if d["kind"] == "policy" and d.get("in_corpus") and "doc" in d
    }


def city_nodes(graph: nx.MultiDiGraph) -> dict[str, str]:
    return {d["label"]: n for n, d in graph.nodes(data=True) if d["kind"] == "city"}


def find_policy(graph: nx.MultiDiGraph, policy: str) -> str:
    nodes = policy_nodes(graph)
    stem = PurePath(policy).stem if policy.endswith(".txt") else policy
    if stem not in nodes:
        raise NotFound("policy", policy, list(nodes))
    return nodes[stem]


def find_type(term: str) -> str:
    """The instrument type id a term names (id, label, cue word), or NotFound with valid words."""
    return resolve_term(term).id


def _successors(graph: nx.MultiDiGraph, node: str, relations: Iterable[str]) -> list[str]:
    wanted = set(relations)
    return list(dict.fromkeys(v for _, v, r in graph.out_edges(node, data="relation") if r in wanted))


def _predecessors(graph: nx.MultiDiGraph, node: str, relations: Iterable[str]) -> list[str]:
    wanted = set(relations)
    return list(dict.fromkeys(u for u, _, r in graph.in_edges(node, data="relation") if r in wanted))


def _keep(graph: nx.MultiDiGraph, nodes: set[str]) -> nx.MultiDiGraph:
    """The induced subgraph, in the graph's own node order (layouts and pages stay deterministic)."""
    return graph.subgraph([n for n in graph if n in nodes]).copy()


def _city_scope(graph: nx.MultiDiGraph, cities: Sequence[str]) -> set[str]:
    wanted = set(cities)
    keep = {
        n
        for n, d in graph.nodes(data=True)
        if (d["kind"] == "city" and d["label"] in wanted) or d.get("city") in wanted
    }
    for node in list(keep):
        kind = graph.nodes[node]["kind"]
        if kind == "instrument":
            keep.update(_successors(graph, node, ["has_type"]))
        elif kind == "policy":
            keep.update(_successors(graph, node, ["cites"]))
    return keep


def _policy_scope(graph: nx.MultiDiGraph, policy: str, context: bool) -> set[str]:
    """A policy with its measures, facts, agencies and citations; `context` adds its city and the
    instrument types of its instruments."""
    doc = graph.nodes[policy]["doc"]
    keep = {policy} | {n for n, d in graph.nodes(data=True) if d.get("doc") == doc and d["kind"] != "policy"}
    for node in list(keep):
        kind = graph.nodes[node]["kind"]
        if kind == "measure":
            keep.update(_successors(graph, node, AGENCY_LINKS))
        elif kind == "instrument" and context:
            keep.update(_successors(graph, node, ["has_type"]))
    keep.update(_successors(graph, policy, POLICY_AGENCY_LINKS))
    keep.update(_successors(graph, policy, ["cites"]))
    keep.update(_predecessors(graph, policy, ["cites"]))
    if context:
        keep.update(_successors(graph, policy, ["in_city"]))
    return keep


def _measure_chain(graph: nx.MultiDiGraph, measure: str) -> list[str]:
    """A measure and the measures above it in the outline, up to (not including) the policy."""
    chain = [measure]
    while parents := [p for p in _predecessors(graph, chain[-1], ["has_part"]) if graph.nodes[p]["kind"] == "measure"]:
        if parents[0] in chain:
            break
        chain.append(parents[0])
    return chain


def _instrument_scope(graph: nx.MultiDiGraph, type_id: str) -> set[str]:
    """The instruments of one type with their context: the type, the measures (with the outline
    above them) and policies they come from, the agencies of those measures, the policies' cities."""
    instruments = [n for n, d in graph.nodes(data=True) if d["kind"] == "instrument" and d["type"] == type_id]
    keep = set(instruments)
    type_node = str(instrument_type_iri(type_id))
    if graph.has_node(type_node):
        keep.add(type_node)
    for node in instruments:
        for measure in _successors(graph, node, ["in_measure"]):
            keep.add(measure)
            keep.update(_successors(graph, measure, AGENCY_LINKS))
            keep.update(_measure_chain(graph, measure))
        for policy in _successors(graph, node, ["in_policy"]):
            keep.add(policy)
            keep.update(_successors(graph, policy, ["in_city"]))
    return keep


def check_kinds(kinds: Sequence[str]) -> list[str]:
    for kind in kinds:
        if kind not in KIND_ORDER:
            raise NotFound("node kind", kind, list(KIND_ORDER))
    return [k for k in KIND_ORDER if k in kinds]


def browse_view(
    graph: nx.MultiDiGraph,
    cities: Sequence[str] = (),
    policy: str | None = None,
    instrument: str | None = None,
    kinds: Sequence[str] = (),
) -> View:
    """The graph under the browse filters, each narrowing the last: cities (any of), one policy,
    one instrument type, then only the node kinds asked for (all when none is)."""
    known = city_nodes(graph)
    for city in cities:
        if city not in known:
            raise NotFound("city", city, list(known))
    policy_node = find_policy(graph, policy) if policy else None
    type_id = find_type(instrument) if instrument else None
    kinds = check_kinds(kinds)

    view = graph
    if cities:
        view = _keep(view, _city_scope(view, cities))
    if policy_node is not None:
        view = _keep(view, _policy_scope(view, policy_node, context=True)) if policy_node in view else nx.MultiDiGraph()
    if type_id is not None:
        view = _keep(view, _instrument_scope(view, type_id))
    if kinds:
        view = _keep(view, {n for n, k in view.nodes(data="kind") if k in kinds})
    if view is graph:
        view = graph.copy()

    filters: dict[str, Any] = {
        "city": list(cities),
        "policy": policy or "",
        "instrument": instrument or "",
        "kind": kinds,
    }
    parts = [" · ".join(cities)] if cities else []
    if policy_node is not None:
        parts.append(graph.nodes[policy_node]["label"])
    if type_id is not None:
        parts.append(graph.nodes[str(instrument_type_iri(type_id))]["label"])
    title = "全部图谱 · Whole graph" if not parts else " / ".join(parts)
    roots = tuple(n for n in known.values() if n in view)
    return View("browse", title, view, roots, filters)


def compare_view(graph: nx.MultiDiGraph, result: CompareResult) -> View:
    """One instrument type across cities, as the query layer compared them: the type, every city
    (funding or not), each city's instruments of the type (sized by amount) and the agencies
    responsible for them.

    The links are the view's own: type → city (`funds` / `does_not_fund`), city → instrument
    (`funds`, width by amount), instrument → agency (`lead_agency` / `responsible_agency`, through
    the instrument's measure).
    """
    type_id = result.type.id
    type_node = str(instrument_type_iri(type_id))
    view = nx.MultiDiGraph()
    view.add_node(type_node, **graph.nodes[type_node])
    cities = city_nodes(graph)
    summary = []
    roots = []
    funding = {c.city: c for c in result.funding}
    for city in result.cities:
        city_node = cities.get(city, UNKNOWN_CITY_NODE)
        view.add_node(city_node, **(graph.nodes[city_node] if city in cities else {"kind": "city", "label": city}))
        roots.append(city_node)
        matches = funding[city].matches if city in funding else []
        largest = funding[city].largest_amount if city in funding else None
        relation = "funds" if matches else "does_not_fund"
        view.add_edge(type_node, city_node, key=relation, relation=relation, amount_yuan=largest)
        summary.append({"city": city, "count": len(matches), "largest_amount_yuan": largest})
        for match in matches:
            node = match.iri
            view.add_node(node, **graph.nodes[node])
            view.add_edge(city_node, node, key="funds", relation="funds", amount_yuan=match.instrument.amount_yuan)
            for measure in _successors(graph, node, ["in_measure"]):
                for relation in AGENCY_LINKS:
                    for agency in _successors(graph, measure, [relation]):
                        if not view.has_node(agency):
                            view.add_node(agency, **graph.nodes[agency])
                        if not view.has_edge(node, agency, key="lead_agency"):
                            view.add_edge(node, agency, key=relation, relation=relation)
    label = graph.nodes[type_node]
    title = f"{label['label']} · {label.get('label_en', type_id)}: 各城市对比 · across cities"
    return View("compare", title, view, tuple(roots), {"instrument": result.term, "type": type_id}, summary)


def policy_view(graph: nx.MultiDiGraph, policy: str) -> View:
    """One policy's tree: its measures (the outline), the agencies responsible, its instruments,
    targets and baselines, the policies it cites and those citing it."""
    node = find_policy(graph, policy)
    view = _keep(graph, _policy_scope(graph, node, context=False))
    return View("policy", graph.nodes[node]["label"], view, (node,), {"policy": policy_id(graph.nodes[node])})
