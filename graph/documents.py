"""The documents a graph holds and their original texts (the nif:Context of each policy), for
/source and /health: read from the store, so that they come from wherever the graph is served."""

from __future__ import annotations

from pyoxigraph import Literal

from graph.rows import select
from graph.source import GraphSource


def document_names(source: GraphSource) -> list[str]:
    """The file names of the documents, sorted."""
    return [row["doc"] for row in select(source, "documents")]


def document_text(source: GraphSource, doc: str) -> str | None:
    """The original text of document `doc` (a file name), or None if the graph has no such document."""
    rows = select(source, "document_text", doc=Literal(doc))
    return rows[0]["text"] if rows else None
