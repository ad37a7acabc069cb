"""Which part of the graph a page draws: the subgraph for the browse filters, the cross-city view of
one instrument type, one policy's tree, and the overview of a corpus too large to draw whole.

The graphs come from the query layer (graph.subgraph: networkx with build_networkx's attributes,
shaped from SPARQL rows on the served store); the functions here only narrow them. Every function
returns a `View`: the subgraph to draw, the roots its layout grows from (or the positions, for the
policy tree), and what was asked. Unknown names raise `graph.terms.NotFound` with the nearest valid
ones. Which instruments the comparison shows, and in which order, is the answer of the query layer
(`graph.compare.compare`), the same as /compare's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import networkx as nx

from graph.compare import CompareResult
from graph.iris import city_iri, instrument_type_iri
from graph.subgraph import NO_CITY, PolicyEntry, TypeEntry, city_list, wan_label
from graph.terms import NotFound, resolve_term

from .style import BROWSE_KINDS

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
    positions: dict[str, tuple[float, float]] | None = None  # given (the policy tree), else laid out radially
    notice: str = ""  # a line above the graph (the overview says why it is one)
    extent: tuple[float, float, float, float] | None = None  # with `positions`: x_min, y_min, x_max, y_max

    def count(self, kind: str) -> int:
        """Nodes of a kind: the policy tree draws an agency under each of its measures, counted once."""
        return len({d.get("iri", n) for n, d in self.graph.nodes(data=True) if d["kind"] == kind})


def policy_id(data: dict[str, Any]) -> str:
    return PurePath(data["doc"]).stem


def city_nodes(graph: nx.MultiDiGraph) -> dict[str, str]:
    return {d["label"]: n for n, d in graph.nodes(data=True) if d["kind"] == "city"}


def find_policy(policies: Sequence[PolicyEntry], policy: str) -> PolicyEntry:
    """The corpus policy named by id (document file stem) or file name, or NotFound."""
    for entry in policies:
        if policy in (entry.id, entry.doc):
            return entry
    raise NotFound("policy", policy, [p.id for p in policies])


def check_cities(policies: Sequence[PolicyEntry], cities: Sequence[str]) -> None:
    known = city_list(policies)
    for city in cities:
        if city not in known:
            raise NotFound("city", city, known)


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
        if kind not in BROWSE_KINDS:
            raise NotFound("node kind", kind, list(BROWSE_KINDS))
    return [k for k in BROWSE_KINDS if k in kinds]


def browse_view(
    graph: nx.MultiDiGraph,
    cities: Sequence[str] = (),
    policy: PolicyEntry | None = None,
    type_id: str | None = None,
    kinds: Sequence[str] = (),
) -> View:
    """The graph under the browse filters, each narrowing the last: cities (any of), one policy,
    one instrument type, then only the node kinds asked for (all when none is). `graph` holds at
    least the policies the filters keep (graph.subgraph); the names are checked by the caller."""
    kinds = check_kinds(kinds)
    view = graph
    if cities:
        view = _keep(view, _city_scope(view, cities))
    if policy is not None:
        view = _keep(view, _policy_scope(view, policy.iri, context=True)) if policy.iri in view else nx.MultiDiGraph()
    if type_id is not None:
        view = _keep(view, _instrument_scope(view, type_id))
    if kinds:
        view = _keep(view, {n for n, k in view.nodes(data="kind") if k in kinds})
    if view is graph:
        view = graph.copy()

    filters: dict[str, Any] = {
        "city": list(cities),
        "policy": policy.id if policy else "",
        "instrument": type_id or "",
        "kind": kinds,
    }
    parts = [" · ".join(cities)] if cities else []
    if policy is not None:
        parts.append(policy.title)
    if type_id is not None:
        type_node = graph.nodes.get(str(instrument_type_iri(type_id)))
        parts.append(type_node["label"] if type_node else type_id)
    title = "全部图谱 · Whole graph" if not parts else " / ".join(parts)
    roots = tuple(n for n in city_nodes(graph).values() if n in view)
    return View("browse", title, view, roots, filters)


def overview_view(
    policies: Sequence[PolicyEntry], cities: Sequence[str], filters: dict[str, Any], limit: int
) -> View:
    """What /browse draws when the filters keep more policies than a page can draw readably: one
    node per city (sized by its policies), each linking to the city's own graph."""
    counts: dict[str, int] = {}
    for entry in policies:
        if entry.city and (not cities or entry.city in cities):
            counts[entry.city] = counts.get(entry.city, 0) + 1
    view = nx.MultiDiGraph()
    for city, n in counts.items():
        view.add_node(str(city_iri(city)), kind="city", label=city, policies=n)
    total = sum(counts.values())
    notice = (
        f"{len(counts)} 个城市、{total} 项政策,一张图画不清:请选择城市(或一项政策、一种工具)。"
        f" · {len(counts)} cities and {total} policies are too many to draw at once (more than {limit}"
        " policies): choose a city, a policy or an instrument type; each city below opens its own graph."
    )
    title = "概览 · Overview: " + (" · ".join(cities) if cities else "全部城市 · all cities")
    return View("browse", title, view, tuple(view), filters, notice=notice)


def compare_view(
    result: CompareResult, context: Sequence[dict[str, Any]], types: Sequence[TypeEntry], max_cities: int | None = None
) -> View:
    """One instrument type across cities, as the query layer compared them: the type, every city
    (funding or not), each city's instruments of the type (sized by amount) and the agencies
    responsible for them (`context`: instrument_context.rq's rows for those instruments).

    The links are the view's own: type → city (`funds` / `does_not_fund`), city → instrument
    (`funds`, width by amount), instrument → agency (`lead_agency` / `responsible_agency`, through
    the instrument's measure).
    """
    type_id = result.type.id
    type_node = str(instrument_type_iri(type_id))
    known = {t.id: t for t in types}.get(type_id)
    view = nx.MultiDiGraph()
    view.add_node(
        type_node, kind="instrument_type", label=known.label_zh if known else result.type.label_zh, type_id=type_id,
        label_en=known.label_en if known else result.type.label_en, stip_type=known.stip_type if known else None,
    )
    measures: dict[str, dict[str, Any]] = {}
    agencies: dict[str, list[dict[str, Any]]] = {}
    for row in context:
        measures[row["instrument"]] = row
        if row["agency"] is not None:
            agencies.setdefault(row["instrument"], []).append(row)
    summary = []
    roots = []
    funding = {c.city: c for c in result.funding}
    drawn = result.funding[:max_cities] if max_cities is not None else result.funding
    undrawn = {c.city for c in result.funding[len(drawn):]}
    for city in result.cities:
        if city in undrawn:  # in the table below the graph, not drawn
            matches = funding[city].matches
            summary.append({"city": city, "count": len(matches), "largest_amount_yuan": funding[city].largest_amount})
            continue
        city_node = UNKNOWN_CITY_NODE if city == NO_CITY else str(city_iri(city))
        view.add_node(city_node, kind="city", label=city)
        roots.append(city_node)
        matches = funding[city].matches if city in funding else []
        largest = funding[city].largest_amount if city in funding else None
        relation = "funds" if matches else "does_not_fund"
        view.add_edge(type_node, city_node, key=relation, relation=relation, amount_yuan=largest)
        summary.append({"city": city, "count": len(matches), "largest_amount_yuan": largest})
        for match in matches:
            node, instrument = match.iri, match.instrument
            measure = measures.get(node)
            view.add_node(
                node, kind="instrument", label=f"{view.nodes[type_node]['label']} {wan_label(instrument.amount_yuan, instrument.max)}",
                doc=match.doc, city=match.city, type_label=view.nodes[type_node]["label"], policy_title=match.policy_title,
                measure_heading=f"{measure['path']} {measure['heading'] or ''}".strip() if measure else None,
                **vars(instrument),
            )
            view.add_edge(city_node, node, key="funds", relation="funds", amount_yuan=instrument.amount_yuan)
            for row in agencies.get(node, []):
                if not view.has_node(row["agency"]):
                    view.add_node(
                        row["agency"], kind="agency", label=row["name"], city=row["city"], aliases=[],
                        collective=bool(row["collective"]),
                    )
                view.add_edge(node, row["agency"], key=row["relation"], relation=row["relation"])
    title = f"{view.nodes[type_node]['label']} · {view.nodes[type_node]['label_en']}: 各城市对比 · across cities"
    notice = (
        f"图中只画出金额最高的 {len(drawn)} 个城市的条款，其余 {len(undrawn)} 个见下表 · "
        f"The graph draws the instruments of the {len(drawn)} cities with the largest amounts; "
        f"the other {len(undrawn)} are in the table below."
        if undrawn
        else ""
    )
    return View("compare", title, view, tuple(roots), {"instrument": result.term, "type": type_id}, summary, notice=notice)
