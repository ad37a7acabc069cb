"""A worker process: holds the graph in an Oxigraph store and answers queries sent over a socket.

Queries run natively in Oxigraph and results are written by Oxigraph's own serializers. The
process exists so that a runaway query can be stopped: pyoxigraph cannot cancel a query, but the
server can kill the process (see pool.py).
"""

from __future__ import annotations

import contextlib
import resource
import signal
import sys
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection

from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    parse_query_results,
    serialize,
)

from .formats import BY_NAME, ResultFormat, ResultKind, default_format

RESULTS_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "jsonld": RdfFormat.JSON_LD,
    "ntriples": RdfFormat.N_TRIPLES,
    "rdfxml": RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class Request:
    query: str
    format: str  # a name in formats.FORMATS, negotiated by the server for the query's form
    max_rows: int
    prefixes: dict[str, str]  # the query's own PREFIXes, to abbreviate Turtle output


@dataclass(frozen=True)
class Reply:
    body: bytes
    media_type: str
    truncated: bool


@dataclass(frozen=True)
class Failure:
    syntax: bool  # True: the parser refused the query (a client error)
    message: str


def main() -> None:
    """Process entry point (see pool.py): argv[1] is our end of a socket pair to the server,
    argv[2] the most memory (MB) this process may use, 0 for no limit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle; it closes us
    _die_with_the_server()
    memory_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if memory_mb > 0:
        # A query that sorts or groups a huge join grows by hundreds of MB a second; past the
        # limit an allocation fails, the worker dies and the server replaces it.
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    serve(Connection(int(sys.argv[1])))


def _die_with_the_server() -> None:
    """Without this, a worker deep in a runaway query would outlive a server killed with SIGKILL
    (it only notices the closed socket after the query). Linux only; elsewhere EOF has to do."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def serve(connection: Connection) -> None:
    """Receive the graph as N-Triples, load it, say ready, answer requests until the server leaves."""
    store = Store()
    try:
        store.bulk_load(connection.recv_bytes(), format=RdfFormat.N_TRIPLES)
    except (EOFError, OSError):
        return
    except (SyntaxError, ValueError) as error:
        connection.send(("failed", f"the graph is not valid N-Triples: {error}"))
        return
    connection.send(("ready", len(store)))
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        connection.send(answer(store, request))


def answer(store: Store, request: Request) -> Reply | Failure:
    try:
        result = store.query(request.query)
        return evaluate(result, request)
    except SyntaxError as error:
        return Failure(True, str(error))
    except Exception as error:  # the engine's own failure: report it and keep serving
        return Failure(False, f"{type(error).__name__}: {error}")


def evaluate(result: QuerySolutions | QueryBoolean | QueryTriples, request: Request) -> Reply:
    kind: ResultKind = (
        "boolean" if isinstance(result, QueryBoolean) else "triples" if isinstance(result, QueryTriples) else "solutions"
    )
    chosen = BY_NAME[request.format]
    if kind not in chosen.kinds:  # the server guessed the form wrong: answer in this kind's default
        chosen = default_format(kind)
    if isinstance(result, QueryBoolean):
        return Reply(result.serialize(format=RESULTS_FORMATS[chosen.name]), chosen.media_type, False)
    if isinstance(result, QueryTriples):
        return _triples(result, chosen, request)
    return _solutions(result, chosen, request.max_rows)


def _triples(result: QueryTriples, chosen: ResultFormat, request: Request) -> Reply:
    triples = list(islice(result, request.max_rows + 1))
    truncated = len(triples) > request.max_rows
    prefixes = request.prefixes if chosen.name == "turtle" else None
    body = serialize(triples[: request.max_rows], format=GRAPH_FORMATS[chosen.name], prefixes=prefixes)
    return Reply(body, chosen.media_type, truncated)


class _Enough(Exception):
    pass


class _LineCollector:
    """A write target that stops the serializer once it holds `limit` complete lines."""

    def __init__(self, limit: int) -> None:
        self.buffer = bytearray()
        self.lines = 0
        self.limit = limit

    def write(self, chunk: bytes) -> int:
        self.buffer += chunk
        self.lines += chunk.count(b"\n")
        if self.lines >= self.limit:
            raise _Enough
        return len(chunk)

    def flush(self) -> None:
        pass


def _solutions(result: QuerySolutions, chosen: ResultFormat, max_rows: int) -> Reply:
    """Stop reading solutions after `max_rows`, yet keep Oxigraph writing every format.

    TSV has one line per solution (newlines inside literals are escaped), so the solutions are
    streamed as TSV into a collector that stops the serializer after the header, `max_rows` rows
    and one more (which tells truncation). The kept lines are parsed back and written in the
    requested format, so a truncated answer is still a valid document of its format.
    """
    collector = _LineCollector(max_rows + 2)
    with contextlib.suppress(_Enough):
        result.serialize(collector, format=QueryResultsFormat.TSV)
    lines = bytes(collector.buffer).split(b"\n")[: collector.lines]  # complete lines only
    truncated = len(lines) > max_rows + 1
    tsv = b"\n".join(lines[: max_rows + 1]) + b"\n"
    if chosen.name == "tsv":
        return Reply(tsv, chosen.media_type, truncated)
    kept = parse_query_results(tsv, format=QueryResultsFormat.TSV)
    return Reply(kept.serialize(format=RESULTS_FORMATS[chosen.name]), chosen.media_type, truncated)
