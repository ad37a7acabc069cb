"""GET /sparql?query= answered by uvicorn's HTTP protocol itself, ahead of the ASGI app.

uvicorn's per-request machinery (an ASGI scope, a request-response cycle with its asyncio.Event, a
task, then the app's middleware and router and the ASGI message dicts) costs about 30 µs a request
on this project's machine, as much as Oxigraph's whole server takes to answer `ASK {}`.
`sparql_protocol(service)` makes a subclass of uvicorn's httptools protocol that recognises a plain
GET of the endpoint with a query in the URL, checks it (`router.get_parameters`, then the service's
guard), hands it to a worker, and writes the worker's bytes to the connection when they come, from
the answer's future callback: no task, no coroutine, no ASGI message.

Every other request goes to the app as usual, where the router answers a GET the same way
(`tests/test_sparql_protocol.py` compares the two): no query (the page, the service description),
HEAD, POST, an escaped or absolute request path, and a request pipelined behind one not yet
answered (uvicorn queues those). So the app's middleware, if any is added, never sees a GET with
a query: the endpoint sets its CORS headers itself.

Used by `policykg serve` (`uvicorn.run(..., http=sparql_protocol(service))`) and the benchmark;
any other ASGI server (or TestClient) runs the router's own GET route.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import Any

from .errors import QueryFailed, SparqlError
from .router import RAW_COMMON_HEADERS, get_parameters
from .service import Prepared, SparqlService, wants_fresh

log = logging.getLogger("policykg.sparql")
_HEADERS = b"".join(name + b": " + value + b"\r\n" for name, value in RAW_COMMON_HEADERS)
_ERROR_TYPE = b"content-type: text/plain; charset=utf-8\r\n"
_SMALL_BODY = 1 << 14  # up to this size, head and body are joined and written in one system call


class _NoEvent:
    def set(self) -> None:
        pass


_NO_EVENT = _NoEvent()


class _Answering:
    """Stands for uvicorn's RequestResponseCycle while the protocol answers a request itself:
    the attributes uvicorn's protocol reads and sets on its current cycle."""

    __slots__ = ("url", "response_complete", "disconnected", "keep_alive", "more_body", "body", "message_event",
                 "answer")

    def __init__(self, url: bytes, keep_alive: bool) -> None:
        self.url = url  # for the access log
        self.answer: asyncio.Future[tuple[bytes, float]] | None = None  # the worker's, once asked
        self.response_complete = False
        self.disconnected = False
        self.keep_alive = keep_alive
        self.more_body = True
        self.body = bytearray()  # a body sent with the GET is read and ignored
        self.message_event = _NO_EVENT


def sparql_protocol(service: SparqlService, path: str = "/sparql") -> type[asyncio.Protocol] | None:
    """A uvicorn `http=` protocol class answering GET `path`?query= itself; None where uvicorn's
    httptools protocol is not available (uvicorn then picks its own)."""
    try:
        from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
    except ImportError:
        return None
    prefix = path.encode("ascii") + b"?"

    from api.http_protocol import utf8_targets
    from graph.manifest import build_header

    build = build_header(service.pool.store.parent)  # X-Policykg-Build, as the app's middleware adds it

    class SparqlProtocol(utf8_targets(HttpToolsProtocol)):  # type: ignore[misc]
        answering: _Answering | None = None  # the request this connection waits for a worker's answer to

        def connection_lost(self, exc: Exception | None) -> None:
            """A client that leaves gives up its place in line: its query, if no worker started
            it yet, is never run (after a burst of slow queries, the clients that timed out would
            otherwise keep the workers busy for the next ones)."""
            answering = self.answering
            if answering is not None:
                answering.disconnected = True
                if answering.answer is not None:
                    answering.answer.cancel()
            super().connection_lost(exc)

        def on_headers_complete(self) -> None:
            current: Any = self.cycle
            if (
                self.url.startswith(prefix)
                and (current is None or current.response_complete)  # else it waits its turn in uvicorn's queue
                and self.parser.get_method() == b"GET"
                and not self.parser.should_upgrade()
            ):
                query_string = self.url[len(prefix) :].partition(b"#")[0]
                try:
                    asked = get_parameters(query_string, service.max_query_chars)
                except SparqlError as error:
                    self._error(self._begin(), error)
                    return
                if asked is not None:
                    self._answer(self._begin(), *asked)
                    return
            super().on_headers_complete()

        def _begin(self) -> _Answering:
            keep_alive = self.parser.get_http_version() != "1.0" and self.parser.should_keep_alive()
            cycle = _Answering(self.url, keep_alive)
            self.cycle = cycle  # type: ignore[assignment]
            return cycle

        def _answer(self, cycle: _Answering, query: str, format: str | None, dataset: list[str]) -> None:
            accept = forwarded = None
            fresh = False
            for name, value in self.headers:
                if name == b"accept":
                    accept = value.decode("latin-1")
                elif name == b"cache-control":
                    fresh = fresh or wants_fresh(value)
                elif name == b"x-forwarded-for":  # several: one list (RFC 9110 §5.3)
                    forwarded = value.decode("latin-1") if forwarded is None else f"{forwarded},{value.decode('latin-1')}"
            peer = self.client[0] if self.client else None
            try:
                prepared, answer = service.submit(query, accept, format, dataset, service.client(peer, forwarded), fresh)
            except SparqlError as error:
                self._error(cycle, error)
                return
            if answer.done():  # a kept answer (service.KEPT_ANSWER_BYTES): written now, not on the next turn
                self._answered(cycle, prepared, answer)
                return
            cycle.answer = answer
            self.answering = cycle
            answer.add_done_callback(partial(self._answered, cycle, prepared))

        def _answered(self, cycle: _Answering, prepared: Prepared, answer: asyncio.Future[tuple[bytes, float]]) -> None:
            if self.answering is cycle:
                self.answering = None
            if answer.cancelled() or cycle.disconnected:  # the client left
                return
            try:
                result = service.result(prepared, answer.result())
            except SparqlError as error:
                self._error(cycle, error)
                return
            except BaseException as error:  # the pool was closed under it, or a bug: never leave the client hanging
                log.exception("SPARQL answer failed")
                self._error(cycle, QueryFailed(f"the query failed: {type(error).__name__}"))
                return
            head = b"content-type: " + result.media_type.encode("latin-1") + b"\r\n" + _HEADERS
            if result.truncated:
                head += b"x-result-truncated: true\r\n"
            self._write(cycle, 200, head, result.body)

        def _error(self, cycle: _Answering, error: SparqlError) -> None:
            retry = error.retry_after
            head = _ERROR_TYPE + _HEADERS + (b"retry-after: %d\r\n" % retry if retry is not None else b"")
            self._write(cycle, error.status, head, error.message.encode() + b"\n")

        def _write(self, cycle: _Answering, status: int, head: bytes, body: bytes) -> None:
            """The response, as uvicorn would write it (its default headers: date, server)."""
            if cycle.disconnected or self.transport.is_closing():
                return
            lines = [STATUS_LINE[status]]
            for name, value in self.server_state.default_headers:
                lines += (name, b": ", value, b"\r\n")
            lines.append(head + build)
            if not cycle.keep_alive:
                lines.append(b"connection: close\r\n")
            lines.append(b"content-length: %d\r\n\r\n" % len(body))
            if len(body) <= _SMALL_BODY:
                lines.append(body)
                self.transport.write(b"".join(lines))
            else:  # not copied into one buffer with its head
                self.transport.write(b"".join(lines))
                self.transport.write(body)
            if self.access_log and self.access_logger.isEnabledFor(logging.INFO):
                self.access_logger.info('%s - "GET %s HTTP/1.1" %d', self.client, cycle.url.decode("latin-1"), status)
            cycle.response_complete = True
            if not cycle.keep_alive:
                self.transport.close()
            self.on_response_complete()

    return SparqlProtocol
