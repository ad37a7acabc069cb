"""`policykg serve`: build or load the graph of a folder and serve it with uvicorn."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import uvicorn

from .app import create_app
from .serving import load_served_graph


def run_server(
    data: Path,
    host: str,
    port: int,
    cache_dir: Path | None,
    sparql_timeout: float,
    max_rows: int,
    workers: int,
) -> None:
    from .sparql import SparqlService

    began = time.perf_counter()
    served = load_served_graph(data, cache_dir)
    for failure in served.failures:
        print(failure.message(), file=sys.stderr)
    service = SparqlService(served.ntriples, timeout_s=sparql_timeout, max_rows=max_rows, workers=workers)
    app = create_app(served, service)
    how = "cached build" if served.from_cache else "fresh build"
    print(
        f"policykg: {len(served.records)} documents from {data} ({how}, {time.perf_counter() - began:.2f} s); "
        f"serving on http://{host}:{port} (API docs /docs, SPARQL /sparql)",
        file=sys.stderr,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
