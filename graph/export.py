"""Write the graph and its tables to disk: Turtle, JSON-LD, N-Triples, GraphML, CSV and the records.

Every file is a function of the records alone: two writes of the same records are byte-identical.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import Graph

from extract.records import ExtractionRecord, Instrument, Measure, Target
from graph.iris import PREFIXES, fact_iri, measure_iri
from graph.network import build_networkx
from graph.rdf import build_rdf

# CSV file → (record field class, record list attributes it draws rows from)
TABLES: dict[str, tuple[type, tuple[str, ...]]] = {
    "measures.csv": (Measure, ("measures",)),
    "instruments.csv": (Instrument, ("instruments",)),
    "targets.csv": (Target, ("targets", "baselines")),
}


def write_exports(records: list[ExtractionRecord], out_dir: Path) -> dict[str, Path]:
    """Write every export into `out_dir`; returns file name → path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    records = sorted(records, key=lambda r: r.doc)
    rdf = build_rdf(records)
    texts = {
        "graph.ttl": rdf.serialize(format="turtle"),
        "graph.nt": _sorted_ntriples(rdf),
        "graph.jsonld": _canonical_jsonld(rdf),
        "records.json": json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2) + "\n",
    }
    paths: dict[str, Path] = {}
    for name, text in texts.items():
        paths[name] = out_dir / name
        paths[name].write_text(text, encoding="utf-8", newline="\n")
    paths["graph.graphml"] = out_dir / "graph.graphml"
    nx.write_graphml(_gephi_graph(build_networkx(records)), paths["graph.graphml"], infer_numeric_types=True)
    for name, (record_class, attributes) in TABLES.items():
        paths[name] = out_dir / name
        _write_table(paths[name], record_class, attributes, records)
    return paths


def load_records(path: Path) -> list[ExtractionRecord]:
    """Read records.json back, so the graph can be rebuilt without re-extracting."""
    return [ExtractionRecord.from_dict(item) for item in json.loads(path.read_text(encoding="utf-8"))]


def _sorted_ntriples(graph: Graph) -> str:
    lines = sorted(line for line in graph.serialize(format="nt").splitlines() if line.strip())
    return "\n".join(lines) + "\n"


def _canonical_jsonld(graph: Graph) -> str:
    """Compact JSON-LD with our prefixes; nodes sorted by @id and multiple values sorted, since rdflib
    emits them in store order."""
    context = {prefix: str(namespace) for prefix, namespace in sorted(PREFIXES.items())}
    document = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    return json.dumps(_sort_json(document), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _sort_json(value: Any) -> Any:
    if isinstance(value, dict):
        # @list holds an ordered RDF collection; everything else is a set and may be sorted.
        return {k: (v if k == "@list" else _sort_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_sort_json(v) for v in value), key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value


def _gephi_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy in sorted order with scalar attributes only: GraphML (and Gephi) cannot hold lists or None."""
    flat = nx.MultiDiGraph()
    for node in sorted(graph.nodes):
        flat.add_node(node, **_scalars(graph.nodes[node]))
    for source, target, key, data in sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3]):
        flat.add_edge(source, target, key=key, **_scalars(data))
    return flat


def _scalars(attributes: dict[str, Any]) -> dict[str, Any]:
    flat = {k: "; ".join(v) if isinstance(v, list) else v for k, v in sorted(attributes.items())}
    return {k: v for k, v in flat.items() if v is not None}


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(value)
    return value


def _table_rows(attributes: tuple[str, ...], records: list[ExtractionRecord]) -> Iterator[dict[str, Any]]:
    for record in records:
        policy = record.policy.title or record.policy.notice_title
        for attribute in attributes:
            kind = attribute.removesuffix("s")
            for index, fact in enumerate(getattr(record, attribute)):
                iri = measure_iri(record.doc, fact.id) if kind == "measure" else fact_iri(record.doc, kind, index)
                yield {"kind": kind, "city": record.city, "doc": record.doc, "policy": policy, **asdict(fact),
                       "iri": str(iri)}


def _write_table(path: Path, record_class: type, attributes: tuple[str, ...], records: list[ExtractionRecord]) -> None:
    """UTF-8 with BOM, so Excel opens the Chinese text correctly."""
    header = ["kind"] if len(attributes) > 1 else []
    names = [f.name for f in fields(record_class)]
    provenance = [n for n in ("quote", "start", "end") if n in names]  # the source, last: added fields go before it
    header += ["city", "doc", "policy", *(n for n in names if n not in provenance), *provenance, "iri"]
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        for row in _table_rows(attributes, records):
            writer.writerow({k: _cell(v) for k, v in row.items()})
