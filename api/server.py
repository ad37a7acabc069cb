"""`policykg serve`: build or load the graph of a folder and serve it with uvicorn."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from extract.runner import DEFAULT_BASE_S

from .corpus import FileFailure
from .serving import ServedGraph, load_served_graph
from .sparql.service import Endpoint


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
    store_url: str | None = None,
    lanes: SparqlLanes | None = None,
) -> None:
    """Build or load the graph of `data` and serve it; raises NothingToServe before listening if it is empty.

    Each broken file is named on stderr as soon as a fresh build has failed on it (or, from the
    cache, at start-up). With `store_url`, /sparql answers from that SPARQL store (raises
    StoreUnavailable before listening if it does not answer).
    """
    began = time.perf_counter()
    if store_url is not None:
        check_store(store_url, sparql_timeout)
    served = load_served_graph(data, cache_dir, print_failure, jobs, time_limit)
    served.store_url = store_url
    if served.from_cache:
        for failure in served.failures:
            print_failure(Path(failure.path), failure)
    if not served.documents:
        raise NothingToServe(data, len(served.failures), served.failures)
    with sparql_service(served, store_url, sparql_timeout, max_rows, workers, lanes or SparqlLanes()) as (service, http):
        # imported once the SPARQL workers are launched: FastAPI's import (about 0.4 s) and the
        # workers' start-up then overlap
        import uvicorn

        from .app import create_app

        app = create_app(served, service)
        how = "cached build" if served.from_cache else "fresh build"
        print(
            f"policykg: {len(served.documents)} documents from {data} ({how}, {time.perf_counter() - began:.2f} s); "
            f"serving on http://{host}:{port} (API docs /docs, SPARQL /sparql)",
            file=sys.stderr,
        )
        # uvicorn reads X-Forwarded-For (and -Proto) from the same proxies as the /sparql bounds
        # (its default trusts any loopback peer, which would let a local caller pose as anyone)
        trusted = list((lanes or SparqlLanes()).trusted_proxies)
        uvicorn.run(app, host=host, port=port, log_level="warning", http=http, forwarded_allow_ips=trusted)


@dataclass(frozen=True)
class SparqlLanes:
    """`serve`'s options for fair /sparql scheduling (api/sparql/service.py)."""

    demote_ms: float = 100.0  # a query running longer moves to the slow lane; 0: one lane
    slow_workers: int = 1
    slow_queue: int = 8  # queries waiting or running on the slow lane
    heavy_per_client: int = 2  # of those, per client
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For names the client
    kept_answer_kb: int = 64  # answers up to this size are kept and repeated without a worker; 0: none


class StoreUnavailable(Exception):
    """`serve --store URL`: the store does not answer."""


def check_store(store_url: str, timeout_s: float) -> None:
    """Raise StoreUnavailable unless the SPARQL store at `store_url` answers `ASK {}`."""
    from graph.remote import RemoteSource, RemoteStoreError, redact

    try:
        RemoteSource(store_url, timeout_s=timeout_s).query("ASK {}")
    except RemoteStoreError as error:
        raise StoreUnavailable(f"{redact(store_url)}: the SPARQL store does not answer: {error.message}") from None


@contextmanager
def sparql_service(
    served: ServedGraph, store_url: str | None, timeout_s: float, max_rows: int, workers: int,
    lanes: SparqlLanes | None = None,
) -> Iterator[tuple[Endpoint, type[asyncio.Protocol] | str]]:
    """The /sparql service, and the HTTP protocol for uvicorn: over the remote store at `store_url`
    (`workers` connections to it, at least 4), else over the served graph's store, whose plain
    GETs the protocol answers ahead of the app (api/sparql/protocol.py)."""
    from .http_protocol import http_protocol
    from .sparql import RemoteSparqlService, SparqlService

    if store_url is not None:
        service = RemoteSparqlService(store_url, timeout_s=timeout_s, max_rows=max_rows, connections=max(4, workers))
        yield service, http_protocol()
        return
    lanes = lanes or SparqlLanes()
    service = SparqlService(
        served.store_path, timeout_s=timeout_s, max_rows=max_rows, workers=workers, demote_ms=lanes.demote_ms,
        slow_workers=lanes.slow_workers, slow_queue=lanes.slow_queue, heavy_per_client=lanes.heavy_per_client,
        trusted_proxies=lanes.trusted_proxies, kept_answer_bytes=lanes.kept_answer_kb * 1024,
    )
    service.launch()  # the app's lifespan waits for them (service.start)
    try:
        from .sparql.protocol import sparql_protocol  # imports FastAPI: after the launch

        yield service, sparql_protocol(service) or http_protocol()
    finally:
        service.close()

