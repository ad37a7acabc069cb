"""A worker process: opens the built Oxigraph store read-only and answers queries sent over a socket.

Queries run natively in Oxigraph and results are written by Oxigraph's own serializers, in the
format the client asked for (results.py counts the rows as they are written and cuts an answer at
the row cap). The process exists so that a runaway query can be stopped: pyoxigraph cannot cancel
a query, but the server can kill the process (see pool.py). Every worker opens the same on-disk
store read-only, so starting one takes the same few milliseconds whatever the graph's size, and
the store's pages are shared between the workers through the OS page cache.

Start-up: argv names the socket to the server, the memory cap, the store's directory and whether
to copy the store into memory. The worker first cuts itself off from the network
(`sandbox.isolate`), then opens the store, then answers `ready <isolation>` or `failed <message>`.

The protocol: frames of a 4-byte big-endian signed length and a payload (-1 and an 8-byte length
past 2 GiB: the framing of multiprocessing.connection). Each request is `Request.encode()` (a
fixed header, the query's prefixes for Turtle, the query; made once per distinct query by the
server) and each reply three bytes of header and the body as Oxigraph wrote it (`Reply.parts`,
`decode_reply`), written in one `sendmsg` without copying the body: neither side unpickles
anything. An empty frame asks the worker to leave. Requests may arrive while the worker is busy
(the server pipelines quick ones); they are answered in order.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import struct
import sys
from dataclasses import dataclass
from itertools import islice

from pyoxigraph import QueryBoolean, QuerySolutions, QueryTriples, RdfFormat, Store, serialize

from extract.lifetime import die_with_parent

from .formats import BY_NAME, FORMATS, ResultFormat, ResultKind, default_format
from .results import RESULTS_FORMATS, write_lines, write_solutions
from .sandbox import Isolation, isolate

# Workers run below the server's priority: the event loop that hands them queries (and serves the
# rest of the API, the analyst lane's threads too) keeps its CPU when a runaway query, or a burst,
# keeps them busy. The slow lane's workers (queries demoted from the fast lane) run lower still.
NICENESS = 5
SLOW_NICENESS = 15

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


# A request's fixed header: the format's index in FORMATS, the row cap, the prefixes' length.
_REQUEST_HEADER = struct.Struct("!BII")


@dataclass(frozen=True)
class Request:
    query: str
    format: str  # a name in formats.FORMATS, negotiated by the server for the query's form
    max_rows: int
    prefixes: dict[str, str]  # the query's own PREFIXes, to abbreviate Turtle output

    def encode(self) -> bytes:
        """The request as a frame, ready to send."""
        prefixes = "".join(f"{name}\t{iri}\n" for name, iri in self.prefixes.items()).encode()
        header = _REQUEST_HEADER.pack(FORMAT_INDEX[self.format], self.max_rows, len(prefixes))
        return frame(header + prefixes + self.query.encode())

    @classmethod
    def decode(cls, payload: bytes) -> Request:
        format_index, max_rows, size = _REQUEST_HEADER.unpack_from(payload)
        start = _REQUEST_HEADER.size
        lines = payload[start : start + size].decode().splitlines()
        prefixes = dict(line.split("\t", 1) for line in lines)
        return cls(payload[start + size :].decode(), FORMATS[format_index].name, max_rows, prefixes)


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
    argv[2] the most memory (MB) this process may use, 0 for no limit; argv[3] the store's
    directory; argv[4] `memory` to answer from a copy of the store in memory, `disk` not to;
    argv[5] (optional) the niceness to run at (the server's plus NICENESS or SLOW_NICENESS); the
    server may have set it already."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle; it closes us
    with contextlib.suppress(AttributeError, OSError):  # no os.nice on Windows
        current = os.nice(0)
        wanted = int(sys.argv[5]) if len(sys.argv) > 5 else current + NICENESS
        if wanted > current:
            os.nice(wanted - current)
    die_with_parent()
    server = socket.socket(fileno=int(sys.argv[1]))
    isolation = isolate()  # before the store is opened and any query text is seen: no network from here on
    memory_mb = int(sys.argv[2])
    if memory_mb > 0:
        # A query that sorts or groups a huge join grows by hundreds of MB a second; past the
        # limit an allocation fails, the worker dies and the server replaces it. The store's
        # files are mapped read-only and do not count.
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    serve(server, isolation, sys.argv[3], in_memory=sys.argv[4] == "memory")


def open_store(path: str, in_memory: bool) -> Store:
    """The store at `path`, read-only; or, `in_memory`, a copy of it in this process's memory
    (faster queries, for a start-up and a memory that grow with the graph)."""
    store = Store.read_only(path)
    if not in_memory:
        return store
    copy = Store()
    copy.bulk_extend(store.quads_for_pattern(None, None, None, None))
    return copy


def serve(server: socket.socket, isolation: Isolation, path: str, in_memory: bool = False) -> None:
    """Open the store, say ready, answer requests until the server leaves."""
    try:
        store = open_store(path, in_memory)
    except (OSError, ValueError) as error:
        with contextlib.suppress(OSError):
            _send(server, f"failed cannot open the store {path}: {error}".encode())
        return
    try:
        _send(server, f"ready {isolation.encode()}".encode())
    except OSError:
        return
    frames = _Frames(server)
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
                            self.buffer = buffer[: 1 << 16]  # after a long query
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
    """At most `max_rows` triples in the chosen format. N-Triples (one triple a line) is written by
    Oxigraph straight from the result and cut by lines; the other formats are written from the
    first `max_rows` triples as they stream by (Turtle with the query's own prefixes), never held
    in a list."""
    if chosen.name == "ntriples":
        body, truncated = write_lines(result, RdfFormat.N_TRIPLES, request.max_rows)
        return Reply(body, chosen.name, truncated)
    prefixes = request.prefixes if chosen.name == "turtle" else None
    body = serialize(islice(result, request.max_rows), format=GRAPH_FORMATS[chosen.name], prefixes=prefixes)
    truncated = next(result, None) is not None
    return Reply(body, chosen.name, truncated)


def _solutions(result: QuerySolutions, chosen: ResultFormat, max_rows: int) -> Reply:
    body, truncated = write_solutions(result, chosen.name, max_rows)
    return Reply(body, chosen.name, truncated)
