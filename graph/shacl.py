"""SHACL validation of a policykg graph against graph/shapes.ttl."""

from __future__ import annotations

from importlib import resources

import pyshacl
from rdflib import Graph

from graph.iris import new_graph
from graph.rdf import load_ontology


def load_shapes() -> Graph:
    graph = new_graph()
    graph.parse(data=resources.files("graph").joinpath("shapes.ttl").read_text(encoding="utf-8"), format="turtle")
    return graph


def validate(graph: Graph) -> tuple[bool, str]:
    """(conforms, report text). The ontology is mixed in so that e.g. pkg:Policy counts as an
    eli:LegalResource even in a graph that was saved without it."""
    conforms, _, report = pyshacl.validate(
        graph, shacl_graph=load_shapes(), ont_graph=load_ontology(), inference="none", allow_warnings=False
    )
    return bool(conforms), str(report)
