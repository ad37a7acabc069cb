"""/sparql in front of a remote SPARQL 1.1 store (`policykg serve --store URL`).

The guard runs here as it does for the embedded store, and more strictly. A remote store evaluates
SERVICE itself and policykg cannot take its network away, so, as with workers that could not be
isolated, any query whose text spells "service" at all is refused (`refuse_service_text`); the
store must run with no route out all the same (README, "Serving from a remote store"), since no
text check can be sure to read a query as another engine's parser does.

A query that passes is sent on (`graph.remote.RemoteSource`, POST form `query=`) from one of
`connections` threads, and its answer read within the time limit and cut at the row cap as the
embedded store's answers are (results.py): SELECT / ASK results are asked in SPARQL JSON, passed
on as the store wrote them to a client that asked for JSON and written by pyoxigraph in any other
format; CONSTRUCT / DESCRIBE are asked as N-Triples and written by pyoxigraph in the client's
format. So CSV, TSV, XML and RDF answers are written as the embedded store writes them, whatever
the store. The time limit stops our request for real (its
connection is closed); the store should have a limit of its own to stop its evaluation too.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse,
    parse_query_results,
    serialize,
)

from graph.remote import RemoteSource, RemoteStoreError, RemoteTimeout, redact

from .errors import QueryFailed, QueryRejected, QueryTimeout, ServiceBusy
from .formats import BY_NAME, QUERY_FORM_KINDS, ResultFormat, negotiate
from .guard import check_dataset_parameters
from .results import RESULTS_FORMATS, Capped, Enough, write_solutions
from .service import LOCAL_GRAPHS, Endpoint, SparqlResult
from .worker import GRAPH_FORMATS

TRIPLES_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
RESULTS_MEDIA_TYPES = {  # what a store may call each results format
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
BAD_GATEWAY = 502


class RemoteSparqlService(Endpoint):
    """The public endpoint over the SPARQL store at `url` (see graph.remote for the URL forms)."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 10.0,
        max_rows: int = 10_000,
        max_query_chars: int = 20_000,
        connections: int = 4,
        queue_timeout_s: float | None = None,
    ) -> None:
        """`connections`: queries sent to the store at once; `queue_timeout_s`: how long a request
        may wait for one (default: the time limit plus 1 s)."""
        super().__init__(timeout_s=timeout_s, max_rows=max_rows, max_query_chars=max_query_chars)
        self.source = RemoteSource(url, timeout_s=timeout_s)
        self.connections = max(1, connections)
        self.queue_timeout_s = timeout_s + 1.0 if queue_timeout_s is None else queue_timeout_s
        self._threads: ThreadPoolExecutor | None = None

    def start(self) -> None:
        """Check that the store answers, so that a wrong URL stops the server at start."""
        if self._threads is not None:
            return
        try:
            self.source.query("ASK {}")
        except RemoteStoreError as error:
            raise QueryFailed(f"the SPARQL store does not answer: {error.message}", BAD_GATEWAY) from None
        self._threads = ThreadPoolExecutor(self.connections, thread_name_prefix="sparql-remote")

    def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
            self._threads = None

    def evaluation(self) -> str:
        return (f"Queries are evaluated by the SPARQL store at {redact(self.source.endpoints.query)}; "
                'any query whose text contains "service" is refused.')

    async def run(
        self, query: str, accept: str | None = None, *, format: str | None = None, dataset: list[str] | None = None,
        client: str | None = None, fresh: bool = False,
    ) -> SparqlResult:
        info = self._check(query)
        if info.form is None:
            # Engine extensions before the query form (Virtuoso's `define input:grab-all "yes"`
            # has it fetch every IRI the query names) are not SPARQL 1.1: never sent on.
            raise QueryRejected("this endpoint takes SPARQL 1.1 queries: PREFIX / BASE declarations, then "
                                "SELECT, ASK, CONSTRUCT or DESCRIBE")
        if dataset:
            check_dataset_parameters(dataset, LOCAL_GRAPHS)
        chosen = negotiate(QUERY_FORM_KINDS.get(info.form or "", "solutions"), accept, format)
        if self._threads is None:
            raise QueryFailed("the SPARQL service is not started")
        submitted = time.monotonic()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._forward, query, chosen, info.prefixes, submitted)

    def _forward(self, query: str, chosen: ResultFormat, prefixes: dict[str, str], submitted: float) -> SparqlResult:
        """On a thread: the store's answer to `query` in `chosen`, capped."""
        if time.monotonic() - submitted > self.queue_timeout_s:
            raise ServiceBusy(f"all {self.connections} connections to the SPARQL store stayed busy for "
                              f"{self.queue_timeout_s:g} s; retry later")
        try:
            if chosen.name in RESULTS_FORMATS:
                body, truncated = self._results(query, chosen)
            else:
                body, truncated = self._triples(query, chosen, prefixes)
        except RemoteTimeout:
            raise QueryTimeout(f"the query ran for more than {self.timeout_s:g} s and was stopped") from None
        except RemoteStoreError as error:
            if error.status == 400:
                raise QueryRejected(f"SPARQL syntax error: {error.detail or error.message}") from None
            raise QueryFailed(f"the query failed: {error.message}", BAD_GATEWAY) from None
        except (SyntaxError, ValueError) as error:
            raise QueryFailed(f"the SPARQL store answered something unreadable: {error}", BAD_GATEWAY) from None
        return SparqlResult(body, chosen.media_type, truncated)

    def _results(self, query: str, chosen: ResultFormat) -> tuple[bytes, bool]:
        """The store is asked for SPARQL JSON, which every store writes as the standard says (not so
        TSV: Virtuoso writes IRIs there as strings), and which is sent on as it came when the client
        asked for JSON; any other format is written from it by pyoxigraph, as the embedded store's."""
        with self.source.ask(query, "application/sparql-results+json") as answer:
            written = RESULTS_MEDIA_TYPES.get(answer.media_type)
            if written == chosen.name:  # as the store wrote it, cut at the cap
                target = Capped(chosen.name, self.max_rows)
                try:
                    for chunk in answer.chunks():
                        target.write(chunk)
                except Enough:
                    return target.finish(complete=False)
                if not _ends_well(target.buffer, chosen.name):
                    raise RemoteStoreError("its answer was cut short (a store that stops a query at its own "
                                           "time limit may end the answer with a message)")
                return target.finish(complete=True)
            if written in (None, "csv"):
                raise RemoteStoreError(f"it answered {answer.media_type or 'no Content-Type'} to a SELECT or ASK")
            results_format = QueryResultsFormat.from_media_type(answer.media_type)
            parsed = parse_query_results(_Stream(answer.chunks()), format=results_format)
            if isinstance(parsed, QueryBoolean):
                return parsed.serialize(format=RESULTS_FORMATS[chosen.name]), False
            assert isinstance(parsed, QuerySolutions)
            return write_solutions(parsed, chosen.name, self.max_rows)

    def _triples(self, query: str, chosen: ResultFormat, prefixes: dict[str, str]) -> tuple[bytes, bool]:
        with self.source.ask(query, TRIPLES_ACCEPT) as answer:
            try:
                rdf_format = RdfFormat.from_media_type(answer.media_type)
            except ValueError:
                rdf_format = None
            if rdf_format is None:
                raise RemoteStoreError(f"it answered {answer.media_type or 'no Content-Type'} to a "
                                       f"{BY_NAME[chosen.name].kinds[0]} query")
            triples = [quad.triple for quad in islice(parse(_Stream(answer.chunks()), rdf_format), self.max_rows + 1)]
        truncated = len(triples) > self.max_rows
        body = serialize(triples[: self.max_rows], format=GRAPH_FORMATS[chosen.name],
                         prefixes=prefixes if chosen.name == "turtle" else None)
        return body, truncated


def _ends_well(body: bytes | bytearray, format_name: str) -> bool:
    """Whether a JSON or XML document ends as one does (TSV and CSV cannot tell)."""
    end = bytes(body[-64:]).rstrip()
    return {"json": end.endswith(b"}"), "xml": end.endswith(b">")}.get(format_name, True)


class _Stream(io.RawIOBase):
    """Chunks read as a binary file, for pyoxigraph's streaming parsers."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if not self.pending:
            self.pending = next(self.chunks, b"")
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size
