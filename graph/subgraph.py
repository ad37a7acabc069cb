"""Part of the graph as networkx, shaped from the query layer: what the browsing pages draw.

`policy_subgraph(source, policies)` runs policy_tree.rq for some policies on a GraphSource (the
served store, local or remote) and returns a MultiDiGraph with the node and edge attributes of
`graph.network.build_networkx` (node ids are the IRIs, `kind` says what a node is, `relation` how two
nodes relate), so the pages' selection, layout and details work on either. Only the policies asked
for are read: a page never walks the whole graph. Cities and instrument types appear as the nodes
those policies link to.

`policy_list` and `instrument_type_counts` are the short lists the pages offer as choices and
check names against, read once per source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import networkx as nx
from pyoxigraph import NamedNode

from .facts import policy_id
from .iris import city_iri, instrument_type_iri
from .network import UNTYPED_LABEL
from .rows import select
from .source import GraphSource
from .terms import UNKNOWN_CITY

NO_CITY = UNKNOWN_CITY


@dataclass(frozen=True)
class PolicyEntry:
    iri: str
    id: str  # the document's file stem
    doc: str
    title: str
    city: str | None


@dataclass(frozen=True)
class TypeEntry:
    iri: str
    id: str
    label_zh: str
    label_en: str
    stip_type: str | None
    count: int  # instruments of the type


@lru_cache(maxsize=16)
def policy_list(source: GraphSource) -> tuple[PolicyEntry, ...]:
    """Every corpus policy (policy_list.rq), by document file."""
    return tuple(
        PolicyEntry(r["policy"], policy_id(r["file"]), r["file"], r["title"], r["city"])
        for r in select(source, "policy_list")
    )


def city_list(policies: Sequence[PolicyEntry]) -> list[str]:
    """The cities, in the order of their first document (that of /cities)."""
    return list(dict.fromkeys(p.city for p in policies if p.city))


@lru_cache(maxsize=16)
def instrument_type_counts(source: GraphSource) -> tuple[TypeEntry, ...]:
    """The instrument-type scheme with each type's number of instruments (instrument_type_counts.rq)."""
    return tuple(
        TypeEntry(r["type"], r["id"], r["labelZh"] or r["id"], r["labelEn"] or r["id"], r["stipType"], r["count"] or 0)
        for r in select(source, "instrument_type_counts", city=None)
    )


def _link(graph: nx.MultiDiGraph, source: str, target: str, relation: str) -> None:
    graph.add_edge(source, target, key=relation, relation=relation)


def wan_label(amount: int | None, ceiling: bool) -> str:
    """200 万元, ≤50 万元: an amount as an analyst reads it."""
    if amount is None:
        return ""
    return f"{'≤' if ceiling else ''}{amount / 10_000:,.10g} 万元"


def _instrument_attributes(row: dict[str, Any], doc: str, city: str | None, measure: str | None) -> dict[str, Any]:
    label = row["typeLabel"] or row["typeId"] or UNTYPED_LABEL
    amount = row["amountYuan"]
    return {
        "kind": "instrument",
        "label": f"{label} {wan_label(amount, bool(row['isCeiling']))}".strip(),
        "doc": doc,
        "city": city,
        "type": row["typeId"],
        "type_label": label,
        "amount_yuan": amount,
        "max": bool(row["isCeiling"]),
        "per": row["per"],
        "ratio": row["ratio"],
        "level": row["level"],
        "recipient": row["recipient"],
        "measure": measure,
        "quote": row["quote"],
        "start": row["start"],
        "end": row["end"],
        "cumulative_cap_yuan": row["cumulativeCap"],
    }


def _quantity_attributes(row: dict[str, Any], doc: str, city: str | None, measure: str | None) -> dict[str, Any]:
    unit = row["unit"] or ""
    return {
        "kind": row["kind"],
        "label": f"{row['label']} {number_text(row['value'])}{unit}",
        "doc": doc,
        "city": city,
        "indicator": row["label"],
        "value": row["value"],
        "value_min": row["valueMin"],
        "unit": unit,
        "year": row["year"],
        "quote": row["quote"],
        "start": row["start"],
        "end": row["end"],
        "measure": measure,
    }


def number_text(value: float | int) -> str:
    """2000, 1.5: a value as written, without a float's trailing .0."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _measure_id(iri: str | None) -> str | None:
    return iri.rpartition("/measure/")[2] if iri and "/measure/" in iri else None


def policy_rows(source: GraphSource, policies: Sequence[str]) -> list[dict[str, Any]]:
    """policy_tree.rq's rows for some policies (IRIs)."""
    if not policies:
        return []
    return select(source, "policy_tree", policy=[NamedNode(p) for p in policies])


def policy_subgraph(source: GraphSource, policies: Sequence[str], types: Sequence[TypeEntry] = ()) -> nx.MultiDiGraph:
    """The policies (IRIs) with everything they state, their cities, the agencies responsible, the
    instrument types of their instruments (labelled from `types` when given) and the policies they
    cite or that cite them, as build_networkx would draw them."""
    return network_of(policy_rows(source, policies), types)


def network_of(rows: Sequence[dict[str, Any]], types: Sequence[TypeEntry] = ()) -> nx.MultiDiGraph:
    """policy_tree.rq's rows as networkx. Nodes come in the order build_networkx adds them: cities,
    agencies, instrument types, then each policy with its measures and facts."""
    own = {r["policy"]: r for r in rows if r["kind"] == "policy" and r["node"] == r["policy"]}
    doc = {p: r["file"] for p, r in own.items()}
    city = {p: r["city"] for p, r in own.items()}
    type_labels = {t.id: t for t in types}

    graph = nx.MultiDiGraph()
    for name in dict.fromkeys(c for c in city.values() if c):
        graph.add_node(str(city_iri(name)), kind="city", label=name)
    aliases: dict[str, list[str]] = {}
    for row in rows:
        if row["kind"] == "alias":
            aliases.setdefault(row["node"], []).append(row["label"])
        elif row["kind"] == "agency" and not graph.has_node(row["node"]):
            graph.add_node(
                row["node"], kind="agency", label=row["label"], city=row["city"], aliases=[],
                collective=bool(row["collective"]),
            )
            if row["city"]:
                if not graph.has_node(city_node := str(city_iri(row["city"]))):
                    graph.add_node(city_node, kind="city", label=row["city"])
                _link(graph, row["node"], city_node, "in_city")
    for node, names in aliases.items():
        if graph.has_node(node):
            graph.nodes[node]["aliases"] = sorted(set(names) | {graph.nodes[node]["label"]})
    for row in rows:
        if row["kind"] == "instrument" and row["typeId"] is not None:
            type_node = str(instrument_type_iri(row["typeId"]))
            if not graph.has_node(type_node):
                known = type_labels.get(row["typeId"])
                graph.add_node(
                    type_node, kind="instrument_type", label=known.label_zh if known else row["typeLabel"] or row["typeId"],
                    type_id=row["typeId"], label_en=known.label_en if known else row["typeId"],
                    stip_type=known.stip_type if known else None,
                )

    for policy, row in own.items():
        graph.add_node(
            policy, kind="policy", label=row["label"], doc=row["file"], city=row["city"], in_corpus=True,
            title=row["label"], notice_title=row["noticeTitle"], doc_number=row["docNumber"], issuer=row["issuer"],
            issued_date=row["issued"], published_date=row["published"], status=row["status"],
        )
        if row["city"]:
            _link(graph, policy, str(city_iri(row["city"])), "in_city")
    leads: dict[str, list[str]] = {}
    others: dict[str, list[str]] = {}
    for row in rows:
        kind, node, policy = row["kind"], row["node"], row["policy"]
        if kind == "measure":
            graph.add_node(
                node, kind="measure", label=row["label"], doc=doc.get(policy), city=city.get(policy),
                measure_id=_measure_id(node), path=row["path"], heading=row["label"],
                outline_level=len(row["path"].split("/")), lead_agencies=[], agencies=[],
                start=row["start"], end=row["end"],
            )
            _link(graph, row["parent"], node, "has_part")
        elif kind in ("instrument", "target", "baseline"):
            measure = _measure_id(row["parent"]) if row["relation"] == "in_measure" else None
            shape = _instrument_attributes if kind == "instrument" else _quantity_attributes
            graph.add_node(node, **shape(row, doc.get(policy, ""), city.get(policy), measure))
            _link(graph, node, policy, "in_policy")
            if measure is not None:
                _link(graph, node, row["parent"], "in_measure")
            if kind == "instrument" and row["typeId"] is not None:
                _link(graph, node, str(instrument_type_iri(row["typeId"])), "has_type")
        elif kind == "agency":
            _link(graph, row["parent"], node, row["relation"])
            if row["relation"] in ("lead_agency", "responsible_agency"):
                (leads if row["relation"] == "lead_agency" else others).setdefault(row["parent"], []).append(row["label"])
        elif kind == "policy" and node != policy:
            if not graph.has_node(node):
                if row["file"]:  # a corpus policy (drawn whole only when asked for)
                    graph.add_node(node, kind="policy", label=row["label"], doc=row["file"], in_corpus=True, title=row["label"])
                else:  # known by its title only
                    graph.add_node(node, kind="policy", label=row["label"], title=row["label"], in_corpus=False)
            if row["relation"] == "cites":
                _link(graph, policy, node, "cites")
            else:
                _link(graph, node, policy, "cites")
    for measure, names in leads.items():
        if graph.has_node(measure):
            graph.nodes[measure]["lead_agencies"] = names
    for measure, names in others.items():
        if graph.has_node(measure):
            graph.nodes[measure]["agencies"] = names
    return graph
