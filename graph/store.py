"""The graph as a persisted, on-disk Oxigraph store: written once by a build, then only opened read-only.

One store holds everything a reader needs (ontology, SKOS schemes, facts, and each document's text
as nif:isString), so a server, a query or an export never goes back to the records or the files.

How a build makes it (measured at 300 cities, 2.2 M triples): the triples go into an in-memory
store first, since Oxigraph writes a file from memory about six times faster than from disk
(reading a term from the disk store is a database lookup per term); the exports are dumped from
there (graph/export.py), and the on-disk store is then bulk-loaded from the N-Triples dump by
Oxigraph's own parser, in slices, so the loader holds one slice at a time rather than the graph.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import DefaultGraph, RdfFormat, Store

if TYPE_CHECKING:
    from extract.records import ExtractionRecord

# Bytes of N-Triples per bulk load: the loader's memory grows with its input (about 1 GB for the
# 450 MB dump of 300 cities at once), so it is fed slices of whole lines.
LOAD_SLICE_BYTES = 64 << 20


def memory_store(records: list[ExtractionRecord], texts: Mapping[str, str]) -> Store:
    """The graph of `records` (with `texts`, doc → original text) in an in-memory store."""
    store = Store()
    from graph.rdf import graph_quads  # the graph's makers (rdflib's vocabularies) only when building

    store.bulk_extend(graph_quads(records, texts))
    return store


def load_ntriples(ntriples: Path, path: Path) -> Path:
    """A new on-disk store at `path` holding the triples of the N-Triples file `ntriples`."""
    if path.exists() and any(path.iterdir()):
        raise FileExistsError(f"{path}: not empty; a store is built into a new directory")
    path.mkdir(parents=True, exist_ok=True)
    store = Store(str(path))
    with ntriples.open("rb") as stream:
        rest = b""
        while piece := stream.read(LOAD_SLICE_BYTES):
            # N-Triples is one triple per line (a newline inside a literal is written \n): a slice
            # of whole lines is a document of its own
            piece = rest + piece
            cut = piece.rfind(b"\n") + 1
            store.bulk_load(piece[:cut], RdfFormat.N_TRIPLES)
            rest = piece[cut:]
        if rest.strip():
            store.bulk_load(rest, RdfFormat.N_TRIPLES)
    store.flush()
    store.optimize()
    del store
    gc.collect()  # the database is closed (its lock released) when the last handle goes
    return path


def build_store(records: list[ExtractionRecord], texts: Mapping[str, str], path: Path) -> Path:
    """Load the graph of `records` (with `texts`, doc → original text) into a new store at `path`.

    `path` must not hold a store yet: a build writes a fresh one (and swaps it in), never into one
    that a server may have open.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    store = memory_store(records, texts)
    handle, dump = tempfile.mkstemp(prefix=".", suffix=".nt", dir=path.parent)
    os.close(handle)
    try:
        store.dump(dump, RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
        del store
        release_memory()
        return load_ntriples(Path(dump), path)
    finally:
        os.unlink(dump)


def open_store(path: Path) -> Store:
    """The store at `path`, read-only: any number of processes may open it at once."""
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no store here (run `policykg build`)")
    return Store.read_only(str(path))


def release_memory() -> None:
    """Hand freed memory back to the system (glibc keeps it otherwise), so the next phase of a build
    does not stack its peak on the in-memory store's. A no-op where there is no malloc_trim."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)
