"""No SPARQL query makes the endpoint open a network connection, whatever its text.

A loopback listener counts every connection. Generated queries hide SERVICE (and LOAD, remote FROM)
in every way we could think of; the same queries, run by a plain in-process Oxigraph store, really
call the listener (the control), so the generator is known to produce fetching queries. Sent to the
endpoint, and sent straight to its worker processes past the guard, they must call it zero times:
the workers have no network (api/sparql/sandbox.py), whatever the guard misses.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat, Store
from sparql_stores import store_from_ntriples  # tests/ is on sys.path

from api.sparql import SparqlService, create_sparql_router, worker
from api.sparql.errors import QueryRejected
from api.sparql.guard import check_query, spells_service
from api.sparql.sandbox import Isolation

ROOT = Path(__file__).resolve().parent.parent
GRAPH = (
    b"<http://a/s> <http://a/p> <http://a/o> .\n"
    b'<http://a/s> <http://a/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    b"<http://a/s> <http://a/p> <http://a/a#b> .\n"
)
PLACE = "@TRAP@"  # replaced by the listener's address


class Listener:
    """A loopback HTTP server that counts connections and answers any request with one empty
    solution, so that a SERVICE call to it succeeds."""

    BODY = b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.calls = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.getsockname()[1]}/"

    def _serve(self) -> None:
        while self.running:
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.calls += 1
            with connection:
                connection.settimeout(1)
                try:
                    connection.recv(65536)
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                        b"Connection: close\r\nContent-Length: " + str(len(self.BODY)).encode() + b"\r\n\r\n" + self.BODY
                    )
                except OSError:
                    pass

    def close(self) -> None:
        self.running = False
        self.thread.join(2)
        self.server.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlService]:
    store = store_from_ntriples(GRAPH, tmp_path_factory.mktemp("sparql") / "store")
    with SparqlService(store, timeout_s=5.0, workers=2) as running:
        yield running


def require_isolation(service: SparqlService) -> None:
    isolation = service.pool.isolation
    if not isolation.isolated:
        reason = f"this platform refuses the workers' network isolation: {isolation.describe()}"
        print(reason)
        pytest.skip(reason)


# ------------------------------------------------------------------ generated queries

# Where a SERVICE clause can stand, so that the engine evaluates it (each `{}` is the clause).
PLACES = [
    "SELECT * WHERE {{ {} }}",
    "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ {} }} }}",
    "SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ {} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ {} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o MINUS {{ {} }} }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ {} }} }} }}",
    "ASK {{ {} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ OPTIONAL {{ {} }} }}",
    "SELECT (COUNT(*) AS ?n) WHERE {{ {} }}",
    "SELECT * WHERE {{ BIND(1 AS ?a) BIND(2 AS ?b) {} }}",
]
# The keyword, spelled as the engine accepts it and in look-alikes it does not (those must fail
# harmlessly): case, escapes, Unicode confusables, zero-width and full-width characters.
KEYWORDS = [
    *["SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "service silent", "Service\nSilent"] * 2,
    "\\u0053ERVICE",
    "SERV\\u0049CE",
    "SERVİCE",  # Turkish dotted capital I
    "ЅERVICE",  # Cyrillic DZE
    "ＳＥＲＶＩＣＥ",  # full width
    "SER\u200bVICE",  # zero-width space
    "ſervice",  # long s
]
# How the endpoint is named: the IRI, escaped IRIs, a prefixed name, BASE-relative, a variable.
ENDPOINTS = [
    ("", f"<{PLACE}>"),
    ("", f"<{PLACE}sparql?x=1#f>"),
    ("", "<\\u0068ttp://127.0.0.1:" + "@PORT@/>"),
    (f"PREFIX t: <{PLACE}> ", "t:"),
    (f"PREFIX t: <{PLACE}> ", "t:q"),
    (f"PREFIX service: <{PLACE}> ", "service:"),
    (f"BASE <{PLACE}> ", "<>"),
    (f"BASE <{PLACE}> ", "<sparql>"),
    ("", "?endpoint"),
]
# What goes right before the keyword: nothing, comments, strings, IRIs, `<` comparisons that a
# tokenizer may take for an IRI, numbers and names the keyword can be glued to.
BEFORE = [
    "",
    " ",
    "\n",
    "# a comment\n",
    "#>\n",
    '"""a""" ',
    "?s ?p ?o .",
    "?s ?p 1.",
    "?s ?p 1",
    "?s ?p ?o FILTER(?o != \"\\\"\")",
    "?s ?p ?o FILTER(?s != <http://x/#>)",
    "FILTER(?a<?b)",
    "FILTER(?a < ?b)",
    "FILTER(1<2)",
    "OPTIONAL{}",
    "BIND(<" + PLACE + "> AS ?endpoint)",
    "?s ?p ex:a\\#b ",
    "{}",
]
GLUE = ["", " ", "\n", "#>\n", "\t", "#*/\n"]


def generated_queries(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        prologue, endpoint = rng.choice(ENDPOINTS)
        before = rng.choice(BEFORE)
        if endpoint == "?endpoint" and "?endpoint" not in before:
            before = "BIND(<" + PLACE + "> AS ?endpoint) " + before
        clause = f"{before}{rng.choice(GLUE)}{rng.choice(KEYWORDS)}{rng.choice(GLUE)}{endpoint} {{ ?x ?y ?z }}"
        queries.append("PREFIX ex: <http://a/> " + prologue + rng.choice(PLACES).format(clause))
    # Fixed cases: the guard bypass first reported, remote datasets, and updates.
    queries += [
        f"SELECT * WHERE {{ BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b)SERVICE#>\nSILENT <{PLACE}> {{ ?x ?y ?z }} }}",
        f"SELECT * FROM <{PLACE}> WHERE {{ ?x ?y ?z }}",
        f"SELECT * FROM NAMED <{PLACE}> WHERE {{ GRAPH ?g {{ ?x ?y ?z }} }}",
        f"LOAD <{PLACE}>",
        f"LOAD SILENT <{PLACE}> INTO GRAPH <http://a/g>",
        f"SELECT * WHERE {{ ?s ?p ?o }} ; LOAD <{PLACE}>",
        f"DESCRIBE <{PLACE}>",
    ]
    return queries


def aimed_at(query: str, listener: Listener) -> str:
    port = listener.url.rsplit(":", 1)[1].rstrip("/")
    return query.replace(PLACE, listener.url).replace("@PORT@", port)


def calls_made(listener: Listener, before: int) -> int:
    time.sleep(0.05)  # let the listener thread count a connection that was just made
    return listener.calls - before


# ------------------------------------------------------------------ tests

QUERIES = generated_queries(400)


def test_the_generated_queries_really_fetch_when_nothing_stops_them(listener: Listener) -> None:
    """The control: a plain Oxigraph store, in this process, calls the listener for many of them
    (so zero calls below means they were stopped, not that they were harmless)."""
    store = Store()
    store.bulk_load(GRAPH, format=RdfFormat.N_TRIPLES)
    fetching = 0
    for query in QUERIES:
        before = listener.calls
        with contextlib.suppress(SyntaxError, OSError, ValueError, RuntimeError):
            store.query(aimed_at(query, listener))
        fetching += listener.calls > before  # counted before the listener answers: no wait needed
    assert fetching >= len(QUERIES) // 3, fetching


def test_no_query_through_the_endpoint_reaches_the_network(service: SparqlService, listener: Listener) -> None:
    require_isolation(service)
    app = FastAPI()
    app.include_router(create_sparql_router(service))
    statuses: dict[int, int] = {}
    with TestClient(app) as client:
        for query in QUERIES:
            response = client.post("/sparql", data={"query": aimed_at(query, listener)})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": listener.url})
        assert response.status_code == 403
        plain = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert plain.status_code == 200 and len(plain.json()["results"]["bindings"]) == 3  # still answering
    assert calls_made(listener, 0) == 0, statuses
    assert statuses.get(403, 0) > len(QUERIES) // 2, statuses  # most are refused up front, by the guard


def test_no_query_reaches_the_network_even_past_the_guard(service: SparqlService, listener: Listener) -> None:
    """The guard is not the barrier: the same queries sent straight to the worker processes."""
    require_isolation(service)

    async def ask_all() -> list[worker.Reply | worker.Failure]:
        replies = []
        for query in QUERIES:
            request = worker.Request(aimed_at(query, listener), "json", 100, {}).encode()
            payload, _ = await service.pool.ask(request)
            replies.append(worker.decode_reply(payload))
        return replies

    replies = asyncio.run(ask_all())
    assert calls_made(listener, 0) == 0
    failures = [reply.message for reply in replies if isinstance(reply, worker.Failure) and not reply.syntax]
    # The engine tried, and the OS said no: the errors are the sandbox's, not the listener's.
    assert failures, "no query got as far as trying the network"
    harmless = ("unreachable", "not permitted", "service name is unbound")
    odd = [m for m in failures if not any(reason in m.lower() for reason in harmless)]
    assert not odd, odd[:3]


def test_an_isolated_process_cannot_connect_to_a_loopback_listener(listener: Listener) -> None:
    """A fresh process that calls `isolate()` as the workers do, then tries a plain TCP connection."""
    script = (
        "import socket, sys\n"
        "from api.sparql.sandbox import isolate\n"
        "isolation = isolate()\n"
        "print(isolation.encode())\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {listener.server.getsockname()[1]}), timeout=2)\n"
        "    print('connected')\n"
        "except OSError as error:\n"
        "    print('refused', error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True, cwd=ROOT
    )
    isolation_line, outcome = result.stdout.splitlines()
    isolation = Isolation.decode(isolation_line)
    if not isolation.isolated:
        reason = f"this platform refuses the isolation: {isolation.describe()}"
        print(reason)
        pytest.skip(reason)
    assert outcome.startswith("refused"), outcome
    assert calls_made(listener, 0) == 0


@pytest.mark.parametrize("layer", ["_enter_network_namespace", "_deny_new_sockets"])
def test_each_layer_alone_stops_a_connection(listener: Listener, layer: str) -> None:
    """Either layer is a barrier on its own, should the other be refused somewhere."""
    script = (
        "import socket\n"
        f"from api.sparql.sandbox import {layer} as enter\n"
        "problems = []\n"
        "if not enter(problems):\n"
        "    print('refused', problems)\n"
        "    raise SystemExit\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {listener.server.getsockname()[1]}), timeout=2)\n"
        "    print('connected')\n"
        "except OSError as error:\n"
        "    print('blocked', error)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    if result.stdout.startswith("refused"):
        print(f"{layer}: {result.stdout.strip()}")
        pytest.skip(f"this platform refuses {layer}: {result.stdout.strip()}")
    assert result.stdout.startswith("blocked"), result.stdout
    assert calls_made(listener, 0) == 0


def test_workers_say_how_they_are_isolated(service: SparqlService) -> None:
    require_isolation(service)
    isolation = service.pool.isolation
    assert isolation.namespace and isolation.seccomp, isolation.describe()
    assert service.refuse_service_text is False


def test_isolation_survives_the_round_trip_through_the_ready_message() -> None:
    isolation = Isolation(namespace=False, seccomp=True, problems=("unshare refused: EPERM", "x"))
    assert Isolation.decode(isolation.encode()) == isolation
    assert isolation.isolated and not Isolation(problems=("no",)).isolated


def test_without_isolation_any_service_text_is_refused(
    service: SparqlService, caplog: pytest.LogCaptureFixture
) -> None:
    """Where the workers keep their network, the server says so loudly and the endpoint refuses
    every query that spells "service" in any way; that is lifted once isolation is back."""
    try:
        with caplog.at_level("ERROR", logger="policykg.sparql"):
            service.apply_isolation(Isolation(problems=("pretend: unshare refused",)))
        assert "could NOT be cut off from the network" in caplog.text and "pretend: unshare refused" in caplog.text
        app = FastAPI()
        app.include_router(create_sparql_router(service))
        client = TestClient(app)
        for query in [
            "SELECT * WHERE { ?s ?p ?o } # service",
            'SELECT * WHERE { ?s ?p "SERVICE" }',
            "SELECT * WHERE { ?s <http://a/Service> ?o }",
            "SELECT * WHERE { ?s ?p ?o } # \\u0073ervice",
            "SELECT * WHERE { ?s ?p ?o } # ＳＥＲＶＩＣＥ",
        ]:
            response = client.get("/sparql", params={"query": query})
            assert response.status_code == 403, query
            assert "isolate" in response.text
        assert client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}).status_code == 200
    finally:
        service.apply_isolation(service.pool.isolation)
    assert service.refuse_service_text is (not service.pool.isolation.isolated)


def test_every_generated_query_spelling_service_is_caught_by_the_conservative_check() -> None:
    """The conservative check must catch every query that the engine could read as SERVICE."""
    for query in QUERIES:
        if "ERVICE" in query.upper() or "\\u0053" in query:
            if any(k in query for k in ("ЅERVICE", "ＳＥＲＶＩＣＥ", "SER\u200bVICE")) and "service" not in query.lower():
                continue  # look-alikes the engine cannot read as SERVICE either
            assert spells_service(query), query


def test_the_guard_refuses_the_reported_bypass() -> None:
    query = "SELECT * WHERE { BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b)SERVICE#>\nSILENT <http://127.0.0.1:9/> { ?x ?y ?z } }"
    with pytest.raises(QueryRejected) as caught:
        check_query(query, max_chars=10_000)
    assert caught.value.status == 403


def test_isolation_is_reported_on_this_platform() -> None:
    """On Linux as root (as in CI) both layers must hold; elsewhere a refusal says why."""
    result = subprocess.run(
        [sys.executable, "-c", "from api.sparql.sandbox import isolate; print(isolate().encode())"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        cwd=ROOT,
    )
    isolation = Isolation.decode(result.stdout.strip())
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        assert isolation.namespace and isolation.seccomp, isolation.describe()
    elif not isolation.isolated:
        assert isolation.problems, "a refusal must say why"
        pytest.skip(f"isolation refused here: {isolation.describe()}")
