"""`policykg serve`: build or load the graph of a folder and serve it with uvicorn."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import uvicorn

from extract.runner import DEFAULT_BASE_S

from .app import create_app
from .corpus import FileFailure
from .serving import load_served_graph


class NothingToServe(Exception):
    """Not one document of the folder could be read: serving an empty graph would only hide it."""

    def __init__(self, data: Path, documents: int, failures: list[FileFailure]) -> None:
        self.data = data
        self.documents = documents
        self.failures = failures
        super().__init__(f"{data}: none of the {documents} documents could be read")


def print_failure(_path: Path, outcome: object) -> None:
    """`extract_files` callback: name a broken file on stderr the moment it has failed (plain
    text: the server's log, unlike the CLI's rich console)."""
    if isinstance(outcome, FileFailure):
        print(outcome.message(), file=sys.stderr, flush=True)


def store_ntriples(store_path: Path) -> bytes:
    """The whole store as N-Triples, for SPARQL workers that still load a dump."""
    from pyoxigraph import DefaultGraph, RdfFormat

    from graph.store import open_store

    return open_store(store_path).dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())


def run_server(
    data: Path,
    host: str,
    port: int,
    cache_dir: Path | None,
    sparql_timeout: float,
    max_rows: int,
    workers: int,
    *,
    jobs: int | None = None,
    time_limit: float = DEFAULT_BASE_S,
) -> None:
    """Build or load the graph of `data` and serve it; raises NothingToServe before listening if it is empty.

    Each broken file is named on stderr as soon as a fresh build has failed on it (or, from the
    cache, at start-up).
    """
    from .sparql import SparqlService

    began = time.perf_counter()
    served = load_served_graph(data, cache_dir, print_failure, jobs, time_limit)
    if served.from_cache:
        for failure in served.failures:
            print_failure(Path(failure.path), failure)
    if not served.documents:
        raise NothingToServe(data, len(served.failures), served.failures)
    # TODO(issue 9): workers open store_path
    service = SparqlService(store_ntriples(served.store_path), timeout_s=sparql_timeout, max_rows=max_rows, workers=workers)
    app = create_app(served, service)
    how = "cached build" if served.from_cache else "fresh build"
    print(
        f"policykg: {len(served.documents)} documents from {data} ({how}, {time.perf_counter() - began:.2f} s); "
        f"serving on http://{host}:{port} (API docs /docs, SPARQL /sparql)",
        file=sys.stderr,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
