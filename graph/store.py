"""The graph as a persisted, on-disk Oxigraph store: written once by a build, then only opened read-only.

One store holds everything a reader needs (ontology, SKOS schemes, facts, and each document's text
as nif:isString), so a server, a query or an export never goes back to the records or the files.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from pathlib import Path

from pyoxigraph import Store

from extract.records import ExtractionRecord
from graph.rdf import graph_quads


def build_store(records: list[ExtractionRecord], texts: Mapping[str, str], path: Path) -> Path:
    """Bulk-load the graph of `records` (with `texts`, doc → original text) into a new store at `path`.

    `path` must not hold a store yet: a build writes a fresh one (and swaps it in), never into one
    that a server may have open.
    """
    if path.exists() and any(path.iterdir()):
        raise FileExistsError(f"{path}: not empty; a store is built into a new directory")
    path.mkdir(parents=True, exist_ok=True)
    store = Store(str(path))
    # The bulk loader writes sorted files straight into the database: no write-ahead log, no
    # transaction holding the whole graph in memory.
    store.bulk_extend(graph_quads(records, texts))
    store.flush()
    store.optimize()
    del store
    gc.collect()  # the database is closed (its lock released) when the last handle goes
    return path


def open_store(path: Path) -> Store:
    """The store at `path`, read-only: any number of processes may open it at once."""
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no store here (run `policykg build`)")
    return Store.read_only(str(path))
