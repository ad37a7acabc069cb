"""A worker process: holds the graph in an Oxigraph store and answers queries sent over a socket.

Queries run natively in Oxigraph and results are written by Oxigraph's own serializers. The
process exists so that a runaway query can be stopped: pyoxigraph cannot cancel a query, but the
server can kill the process (see pool.py).

The protocol: frames of a 4-byte big-endian signed length and a payload (-1 and an 8-byte length
past 2 GiB: the framing of multiprocessing.connection). The server sends the graph as N-Triples,
the worker answers `ready <triples> <isolation>` (what `sandbox.isolate` achieved, entered before
the graph is loaded) or `failed <message>`; then each request is a pickled tuple
(`Request.encode`, made once per distinct query by the server) and each reply three bytes of
header and the body as Oxigraph wrote it (`Reply.parts`, `decode_reply`), written in one
`sendmsg` without copying the body: the server unpickles nothing. An empty frame asks the worker
to leave. Requests may arrive while the worker is busy (the server pipelines quick ones); they
are answered in order.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import signal
import socket
import struct
import sys
from dataclasses import dataclass
from itertools import islice

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

from .formats import BY_NAME, FORMATS, ResultFormat, ResultKind, default_format
from .sandbox import Isolation, isolate

RESULTS_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
# Workers run a little below the server's priority: the event loop that hands them queries (and
# serves the rest of the API) keeps its CPU when a runaway query, or a burst, keeps them busy.
NICENESS = 5

GRAPH_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "jsonld": RdfFormat.JSON_LD,
    "ntriples": RdfFormat.N_TRIPLES,
    "rdfxml": RdfFormat.RDF_XML,
}


FORMAT_INDEX = {f.name: index for index, f in enumerate(FORMATS)}
_OK, _FAILED = 0, 1


def frame(payload: bytes) -> bytes:
    """`payload` with its length in front."""
    return _length(len(payload)) + payload


def _length(size: int) -> bytes:
    return struct.pack("!i", size) if size < 0x7FFFFFFF else struct.pack("!iQ", -1, size)


@dataclass(frozen=True)
class Request:
    query: str
    format: str  # a name in formats.FORMATS, negotiated by the server for the query's form
    max_rows: int
    prefixes: dict[str, str]  # the query's own PREFIXes, to abbreviate Turtle output

    def encode(self) -> bytes:
        """The request as a frame, ready to send."""
        return frame(pickle.dumps((self.query, self.format, self.max_rows, self.prefixes), pickle.HIGHEST_PROTOCOL))

    @classmethod
    def decode(cls, payload: bytes) -> Request:
        return cls(*pickle.loads(payload))  # from the server, which started us


@dataclass(frozen=True)
class Reply:
    body: bytes
    format: str  # the name of the format the body is in
    truncated: bool

    @property
    def media_type(self) -> str:
        return BY_NAME[self.format].media_type

    def parts(self) -> tuple[bytes, bytes]:
        return bytes((_OK, self.truncated, FORMAT_INDEX[self.format])), self.body

    def encode(self) -> bytes:
        return b"".join(self.parts())


@dataclass(frozen=True)
class Failure:
    syntax: bool  # True: the parser refused the query (a client error)
    message: str

    def parts(self) -> tuple[bytes, bytes]:
        return bytes((_FAILED, self.syntax)), self.message.encode("utf-8", "replace")

    def encode(self) -> bytes:
        return b"".join(self.parts())


def decode_reply(payload: bytes) -> Reply | Failure:
    if payload[0] == _OK:
        return Reply(payload[3:], FORMATS[payload[2]].name, bool(payload[1]))
    return Failure(bool(payload[1]), payload[2:].decode("utf-8", "replace"))


def main() -> None:
    """Process entry point (see pool.py): argv[1] is our end of a socket pair to the server,
    argv[2] the most memory (MB) this process may use, 0 for no limit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle; it closes us
    with contextlib.suppress(AttributeError, OSError):  # no os.nice on Windows
        os.nice(NICENESS)
    _die_with_the_server()
    server = socket.socket(fileno=int(sys.argv[1]))
    isolation = isolate()  # before any query text is seen: no network from here on
    memory_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if memory_mb > 0:
        # A query that sorts or groups a huge join grows by hundreds of MB a second; past the
        # limit an allocation fails, the worker dies and the server replaces it.
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    serve(server, isolation)


def _die_with_the_server() -> None:
    """Without this, a worker deep in a runaway query would outlive a server killed with SIGKILL
    (it only notices the closed socket after the query). Linux only; elsewhere EOF has to do."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def serve(server: socket.socket, isolation: Isolation) -> None:
    """Receive the graph as N-Triples, load it, say ready, answer requests until the server leaves."""
    frames = _Frames(server)
    store = Store()
    try:
        graph = frames.next()
        if graph is None:
            return
        store.bulk_load(graph, format=RdfFormat.N_TRIPLES)
        del graph
    except OSError:
        return
    except (SyntaxError, ValueError) as error:
        _send(server, f"failed the graph is not valid N-Triples: {error}".encode())
        return
    _send(server, f"ready {len(store)} {isolation.encode()}".encode())
    while True:
        try:
            payload = frames.next()
        except OSError:
            return
        if not payload:  # the server left, or asks us to
            return
        _send(server, *answer(store, Request.decode(payload)).parts())


class _Frames:
    """Frames read from a blocking socket into one reused buffer (usually one recv a request)."""

    def __init__(self, server: socket.socket) -> None:
        self.server = server
        self.buffer = bytearray(1 << 16)
        self.filled = 0

    def next(self) -> bytes | None:
        """The next frame's payload; None at the end of the stream."""
        while True:
            buffer, filled = self.buffer, self.filled
            if filled >= 4:
                size, start = int.from_bytes(buffer[:4], "big", signed=True), 4
                if size == -1 and filled >= 12:
                    size, start = int.from_bytes(buffer[4:12], "big"), 12
                if size >= 0:
                    end = start + size
                    if filled >= end:
                        payload = bytes(memoryview(buffer)[start:end])
                        buffer[: filled - end] = buffer[end:filled]
                        self.filled = filled - end
                        if len(buffer) > 1 << 16 and self.filled <= 1 << 16:
                            self.buffer = buffer[: 1 << 16]  # after the graph
                        return payload
                    if end > len(buffer):
                        self.buffer = buffer = buffer + bytes(end - len(buffer))
            received = self.server.recv_into(memoryview(buffer)[filled:])
            if not received:
                return None
            self.filled += received


def _send(server: socket.socket, *parts: bytes) -> None:
    """One frame of `parts`, in one system call when the socket takes it all."""
    pieces = [_length(sum(len(part) for part in parts)), *parts]
    sent = server.sendmsg(pieces)
    if sent < sum(len(piece) for piece in pieces):  # larger than the socket's buffer
        server.sendall(memoryview(b"".join(pieces))[sent:])


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
        return Reply(result.serialize(format=RESULTS_FORMATS[chosen.name]), chosen.name, False)
    if isinstance(result, QueryTriples):
        return _triples(result, chosen, request)
    return _solutions(result, chosen, request.max_rows)


def _triples(result: QueryTriples, chosen: ResultFormat, request: Request) -> Reply:
    triples = list(islice(result, request.max_rows + 1))
    truncated = len(triples) > request.max_rows
    prefixes = request.prefixes if chosen.name == "turtle" else None
    body = serialize(triples[: request.max_rows], format=GRAPH_FORMATS[chosen.name], prefixes=prefixes)
    return Reply(body, chosen.name, truncated)


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
        return Reply(tsv, chosen.name, truncated)
    kept = parse_query_results(tsv, format=QueryResultsFormat.TSV)
    return Reply(kept.serialize(format=RESULTS_FORMATS[chosen.name]), chosen.name, truncated)
