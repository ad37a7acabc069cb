"""GraphML for Gephi, written line by line.

networkx's writer builds the whole document as an ElementTree first: at 300 cities that is minutes
and gigabytes for a 200 MB file. This one makes two passes over the graph (attribute types, then
the elements) and writes each element as it goes, in sorted order so two writes are byte-identical.
The attribute types follow networkx's `infer_numeric_types`: a key holding ints and floats is a
double, one holding anything else besides is a string; `nx.read_graphml` reads the file back.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

XML_TYPES: dict[type, str] = {bool: "boolean", int: "long", float: "double", str: "string"}
HEADER = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)


# Characters XML 1.0 cannot hold at all (a scraped quote may carry one): written as U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def scalars(attributes: dict[str, Any]) -> dict[str, Any]:
    """GraphML (and Gephi) cannot hold lists or None: lists are joined with "; ", None is left out."""
    flat = {k: "; ".join(v) if isinstance(v, list) else v for k, v in sorted(attributes.items())}
    return {k: v for k, v in flat.items() if v is not None}


def _xml_type(types: set[type]) -> str:
    names = {XML_TYPES.get(t, "string") for t in types}
    if len(names) == 1:
        return names.pop()
    if "string" in names:
        return "string"
    return "double" if "double" in names else "long"


def _node_items(graph: nx.MultiDiGraph) -> Iterator[tuple[str, dict[str, Any]]]:
    for node in sorted(graph.nodes):
        yield node, scalars(graph.nodes[node])


def _edge_items(graph: nx.MultiDiGraph) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    for source, target, key, attributes in sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3]):
        yield source, target, key, scalars(attributes)


def _data(keys: dict[str, str], attributes: dict[str, Any]) -> str:
    return "".join(
        f'      <data key="{keys[name]}">{escape(_text(value))}</data>\n' if value != "" else f'      <data key="{keys[name]}" />\n'
        for name, value in attributes.items()
    )


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> None:
    types: dict[tuple[str, str], set[type]] = defaultdict(set)
    for _, attributes in _node_items(graph):
        for name, value in attributes.items():
            types[("node", name)].add(type(value))
    for *_, attributes in _edge_items(graph):
        for name, value in attributes.items():
            types[("edge", name)].add(type(value))
    ids = {scope_name: f"d{index}" for index, scope_name in enumerate(sorted(types))}
    node_keys = {name: ids[(scope, name)] for scope, name in ids if scope == "node"}
    edge_keys = {name: ids[(scope, name)] for scope, name in ids if scope == "edge"}

    with path.open("w", encoding="utf-8", newline="\n") as stream:
        stream.write(HEADER)
        for (scope, name), key in ids.items():
            stream.write(f'  <key id="{key}" for="{scope}" attr.name={quoteattr(name)} '
                         f'attr.type="{_xml_type(types[(scope, name)])}" />\n')
        stream.write('  <graph edgedefault="directed">\n')
        for node, attributes in _node_items(graph):
            stream.write(f"    <node id={quoteattr(_text(node))}>\n{_data(node_keys, attributes)}    </node>\n")
        for source, target, key, attributes in _edge_items(graph):
            stream.write(f"    <edge source={quoteattr(_text(source))} target={quoteattr(_text(target))} id={quoteattr(_text(key))}>\n"
                         f"{_data(edge_keys, attributes)}    </edge>\n")
        stream.write("  </graph>\n</graphml>\n")
