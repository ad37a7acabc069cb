"""Where the analyst's questions are asked: a `GraphSource` runs SPARQL and returns pyoxigraph's results.

`LocalSource` wraps a pyoxigraph Store (in memory or opened read-only from disk); a remote SPARQL
1.1 endpoint can stand behind the same protocol (graph/remote.py). Everything above this module
(graph/answers.py, the routes, the pages, the CLI) only ever hands a query text to `query`, so
the text an answer was computed with can also be run through `/sparql` and give the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pyoxigraph import QueryBoolean, QuerySolutions, QueryTriples, RdfFormat, Store

if TYPE_CHECKING:
    from extract.records import ExtractionRecord

QueryResult = QuerySolutions | QueryBoolean | QueryTriples


@runtime_checkable
class GraphSource(Protocol):
    def query(self, sparql: str) -> QueryResult: ...


class LocalSource:
    """A pyoxigraph Store; reads only (it may be shared by threads: Oxigraph's Store is thread-safe)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def query(self, sparql: str) -> QueryResult:
        return self.store.query(sparql)

    @classmethod
    def from_ntriples(cls, ntriples: bytes) -> LocalSource:
        """An in-memory store of an N-Triples dump (what `serve` holds today)."""
        store = Store()
        store.bulk_load(ntriples, format=RdfFormat.N_TRIPLES)
        return cls(store)


def records_source(records: Sequence[ExtractionRecord]) -> LocalSource:
    """An in-memory store of the graph of some records, for the commands that start from records."""
    from graph.store import memory_store

    return LocalSource(memory_store(sorted(records, key=lambda r: r.doc), {}))
