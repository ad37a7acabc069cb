"""On-disk Oxigraph stores for the SPARQL tests, written the way a build writes its store:
`Store(path)` and `bulk_load`, here from N-Triples (tests do not depend on graph/store.py)."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import RdfFormat, Store


def store_from_ntriples(ntriples: bytes, path: Path) -> Path:
    """A persisted store at `path` holding `ntriples` in its default graph; closed when returned,
    so that worker processes can open it read-only."""
    store = Store(str(path))
    store.bulk_load(ntriples, format=RdfFormat.N_TRIPLES)
    store.flush()
    del store  # releases the store's lock on the directory
    return path
