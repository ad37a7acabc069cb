"""A SPARQL 1.1 store on the network (Oxigraph's server, Fuseki, Virtuoso...) as a graph source.

`RemoteSource(url).query(sparql)` asks the store over the SPARQL 1.1 Protocol (POST, form-encoded
`query=`) and returns what a pyoxigraph Store's `query` returns, parsed by pyoxigraph: solutions or
a boolean (`parse_query_results` of SPARQL JSON), or triples (CONSTRUCT / DESCRIBE, read into a
small in-memory store and returned by it as `QueryTriples`), so answers are shaped by the same
code whether the graph is embedded or remote. `upload` writes a graph to the store through the
SPARQL 1.1 Graph Store Protocol.

`url` is either the root of an Oxigraph server (`http://127.0.0.1:7878`, whose query endpoint is
`/query` and graph store `/store`), or the endpoint itself: `http://host:3030/ds/query` (Fuseki),
`http://host:8890/sparql` (Virtuoso) to query; `http://host:3030/ds/data` (Fuseki) or
`http://host:8890/sparql-graph-crud-auth` (Virtuoso) to upload. Credentials may be given in the URL
(`http://user:password@host/...`; Basic or Digest, as the store asks).

Connections go straight to the store, never through an HTTP proxy of the environment: a store is
on the same machine or network, and a proxy would see every query. Each request has a time limit
on our side (`timeout_s`); the store should have its own too (oxigraph `--timeout-s`, Fuseki
`--timeout`, Virtuoso `MaxQueryExecutionTime`), since a store may go on evaluating a query whose
client has left.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    parse_query_results,
)

DEFAULT_TIMEOUT_S = 60.0
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
# SELECT / ASK in SPARQL JSON; CONSTRUCT / DESCRIBE in N-Triples (or Turtle, which every store
# writes). Asked by the query's form: given both, Virtuoso answers a CONSTRUCT in a JSON of its own.
RESULTS_ACCEPT = RESULTS_JSON
TRIPLES_ACCEPT = f"{N_TRIPLES}, text/turtle;q=0.9"
EITHER_ACCEPT = f"{RESULTS_JSON}, {N_TRIPLES};q=0.9, text/turtle;q=0.8"
# The first query-form keyword outside IRIs, strings and comments.
_FORM = re.compile(r"""<[^<>\s]*>|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\#[^\n]*|\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b""",
                   re.IGNORECASE)
ALL_TRIPLES = "CONSTRUCT WHERE { ?s ?p ?o }"
CHUNK_BYTES = 1 << 16

QueryResult = QuerySolutions | QueryBoolean | QueryTriples
T = TypeVar("T")


class RemoteStoreError(Exception):
    """The store could not be reached, refused the request, or answered something unreadable."""

    def __init__(self, message: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status  # the store's HTTP status, if it answered
        self.detail = detail  # what the store said, if it said why


class RemoteTimeout(RemoteStoreError):
    """The store took longer than the time limit."""


@dataclass(frozen=True)
class StoreEndpoints:
    query: str  # SPARQL 1.1 Protocol query endpoint
    graph_store: str  # SPARQL 1.1 Graph Store Protocol URL of the graph to write (the default graph)


def store_endpoints(url: str) -> StoreEndpoints:
    """The query and graph store URLs of `url` (see the module docstring)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteStoreError(f"{redact(url)}: not an http:// or https:// URL of a SPARQL store")
    if parts.path in ("", "/"):  # an Oxigraph server's root
        root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        return StoreEndpoints(f"{root}/query", f"{root}/store?default")
    # A Graph Store Protocol request names its graph (`?graph=IRI`, Virtuoso `?graph-uri=IRI`) or
    # the default graph (`?default`); a bare endpoint URL means the default graph.
    graph_store = url
    names = {item.split("=", 1)[0] for item in parts.query.split("&") if item}
    if not names & {"default", "graph", "graph-uri"}:
        graph_store = urlunsplit(parts._replace(query="&".join(filter(None, [parts.query, "default"]))))
    return StoreEndpoints(url, graph_store)


def redact(url: str) -> str:
    """`url` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class RemoteSource:
    """A graph source over a remote SPARQL 1.1 store; `query` as pyoxigraph's `Store.query`."""

    def __init__(self, url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.url = url
        self.endpoints = store_endpoints(url)
        self.timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"RemoteSource({redact(self.url)!r})"

    def query(self, sparql: str) -> QueryResult:
        form = next((m.group(1).upper() for m in _FORM.finditer(sparql) if m.group(1)), None)
        accept = {"SELECT": RESULTS_ACCEPT, "ASK": RESULTS_ACCEPT, "CONSTRUCT": TRIPLES_ACCEPT,
                  "DESCRIBE": TRIPLES_ACCEPT}.get(form or "", EITHER_ACCEPT)
        with self.ask(sparql, accept) as answer:
            body = answer.read_all()
        media_type = answer.media_type
        if media_type in ("application/sparql-results+json", "application/json", "application/sparql-results+xml",
                          "text/tab-separated-values", "application/xml", "text/xml"):
            try:
                return parse_query_results(body, format=QueryResultsFormat.from_media_type(media_type))
            except (SyntaxError, ValueError) as error:
                raise RemoteStoreError(f"{redact(self.endpoints.query)} answered unreadable results: {error}") from None
        try:
            rdf_format = RdfFormat.from_media_type(media_type)
        except ValueError:
            rdf_format = None
        if rdf_format is None:
            raise RemoteStoreError(f"{redact(self.endpoints.query)} answered {media_type or 'no Content-Type'}, "
                                   "neither SPARQL results nor RDF")
        triples = Store()  # a CONSTRUCT's graph, given back as pyoxigraph gives a local one
        try:
            triples.bulk_load(body, format=rdf_format)
        except (SyntaxError, ValueError) as error:
            raise RemoteStoreError(f"{redact(self.endpoints.query)} answered unreadable RDF: {error}") from None
        result = triples.query(ALL_TRIPLES)
        assert isinstance(result, QueryTriples)
        return result

    @contextmanager
    def ask(self, sparql: str, accept: str, timeout_s: float | None = None) -> Iterator[Answer]:
        """The store's answer to `sparql`, to be read within `timeout_s` (default: the source's)
        from the moment the query is sent; the connection is closed on leaving the block."""
        deadline = time.monotonic() + (self.timeout_s if timeout_s is None else timeout_s)
        body = urlencode({"query": sparql}).encode()
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        connection, response = _send("POST", self.endpoints.query, body, headers, deadline)
        try:
            if response.status != 200:
                detail = _read_text(response)
                raise RemoteStoreError(
                    f"{redact(self.endpoints.query)} refused the query: {response.status} {response.reason}"
                    + (f": {detail}" if detail else ""), response.status, detail)
            yield Answer(response, connection, deadline, self.endpoints.query)
        finally:
            connection.close()


class Answer:
    """A store's answer being read: its media type, and its body in chunks within the deadline."""

    def __init__(self, response: http.client.HTTPResponse, connection: http.client.HTTPConnection,
                 deadline: float, url: str) -> None:
        self.response = response
        self.connection = connection
        self.deadline = deadline
        self.url = url
        self.media_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()

    def chunks(self) -> Iterator[bytes]:
        while True:
            chunk = _timed(self.connection, self.deadline, self.url, lambda: self.response.read1(CHUNK_BYTES))
            if not chunk:
                return
            yield chunk

    def read_all(self) -> bytes:
        return b"".join(self.chunks())


def upload(url: str, source: Path | bytes, *, replace: bool = True, content_type: str = N_TRIPLES,
           timeout_s: float = 600.0) -> int:
    """Write `source` (a file, or bytes) to the store's graph at `url` through the Graph Store
    Protocol: PUT replaces the graph, POST (`replace=False`) adds to it. Returns the store's status.

    A file is streamed, never read into memory whole. Credentials in the URL are sent as the store
    asks for them, Basic or Digest (Virtuoso), learnt from a HEAD request first, so that a large
    body is sent once."""
    target = store_endpoints(url).graph_store
    method = "PUT" if replace else "POST"
    size = source.stat().st_size if isinstance(source, Path) else len(source)
    headers = {"Content-Type": content_type, "Content-Length": str(size)}
    deadline = time.monotonic() + timeout_s
    parts = urlsplit(target)
    if parts.username is not None:
        headers.update(_credentials(target, method, deadline))
    with _opened(source) as body:
        connection, response = _send(method, target, body, headers, deadline, basic=False)
        try:
            detail = _read_text(response)
        finally:
            connection.close()
    if response.status >= 300:
        raise RemoteStoreError(f"{redact(target)} refused the graph: {response.status} {response.reason}"
                               + (f": {detail}" if detail else ""), response.status, detail)
    return response.status


def _credentials(url: str, method: str, deadline: float) -> dict[str, str]:
    """The Authorization header for `method` on `url`, as the store's challenge to a HEAD asks."""
    parts = urlsplit(url)
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    connection, response = _send("HEAD", url, None, {}, deadline, basic=False)
    challenge = response.getheader("WWW-Authenticate") or ""
    connection.close()
    scheme, _, parameters = challenge.partition(" ")
    if response.status != 401 or scheme.lower() == "basic":
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
    if scheme.lower() != "digest":
        raise RemoteStoreError(f"{redact(url)} asks for {scheme or 'an unknown'} authentication")
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    plain = urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")))
    passwords.add_password(None, plain, user, password)
    digest = urllib.request.HTTPDigestAuthHandler(passwords)
    request = urllib.request.Request(plain, method=method)
    answer = digest.get_authorization(request, urllib.request.parse_keqv_list(urllib.request.parse_http_list(parameters)))
    if answer is None:
        raise RemoteStoreError(f"{redact(url)}: cannot answer its Digest challenge ({challenge})")
    return {"Authorization": f"Digest {answer}"}


@contextmanager
def _opened(source: Path | bytes) -> Iterator[BinaryIO | bytes]:
    if isinstance(source, bytes):
        yield source
        return
    with source.open("rb") as file:  # streamed: a large graph is never held in memory
        yield file


def _send(method: str, url: str, body: bytes | BinaryIO | None, headers: dict[str, str], deadline: float,
          basic: bool = True) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    """`basic`: send the URL's credentials, if any, as Basic authentication."""
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname or "", parts.port, timeout=max(0.001, deadline - time.monotonic()))
    if basic and parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers = {**headers, "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}
    target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    try:
        # The store may answer (refuse) before taking the whole body: its answer is read below.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.request(method, target, body, headers)
        response = _timed(connection, deadline, url, connection.getresponse)
    except RemoteStoreError:
        connection.close()
        raise
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise RemoteStoreError(f"{redact(url)}: cannot reach the store: {error}") from None
    return connection, response


def _timed(connection: http.client.HTTPConnection, deadline: float, url: str, read: Callable[[], T]) -> T:
    """`read()` on the connection, given what is left of the time until `deadline`."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise RemoteTimeout(f"{redact(url)} did not answer in time")
    if connection.sock is not None:
        connection.sock.settimeout(remaining)
    try:
        return read()
    except TimeoutError:
        raise RemoteTimeout(f"{redact(url)} did not answer in time") from None
    except (OSError, http.client.HTTPException) as error:
        raise RemoteStoreError(f"{redact(url)}: the connection to the store failed: {error}") from None


def _read_text(response: http.client.HTTPResponse) -> str:
    """The start of an error answer, for the message."""
    try:
        return response.read(2000).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException):
        return ""
