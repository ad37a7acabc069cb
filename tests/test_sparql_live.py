"""A real uvicorn on 127.0.0.1 queried by real clients: SPARQLWrapper for SELECT / ASK / CONSTRUCT,
and httpx for the time limit, which must stop a runaway query while other requests are answered."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import rdflib
from fastapi import FastAPI
from live_server import LiveServer  # tests/ is on sys.path
from sparql_stores import store_from_ntriples
from SPARQLWrapper import ASK, CONSTRUCT, JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from api.sparql import SparqlService, create_sparql_router
from extract.pipeline import extract_file
from graph.rdf import build_rdf

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TIME_LIMIT_S = 1.0
# Counting a three-way cartesian product of the ~8000 seed triples (5·10^11 rows) never ends by itself.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = 'PREFIX schema: <https://schema.org/> ASK { ?city a schema:City ; schema:name "盘锦"@zh }'


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ntriples = build_rdf([extract_file(p) for p in sorted(SEEDS.glob("*.txt"))]).serialize(
        format="nt", encoding="utf-8"
    )
    return store_from_ntriples(ntriples, tmp_path_factory.mktemp("sparql") / "store")


@pytest.fixture(scope="module")
def service(store: Path) -> Iterator[SparqlService]:
    with SparqlService(store, timeout_s=TIME_LIMIT_S, workers=2) as running:
        yield running


@pytest.fixture(scope="module")
def endpoint(service: SparqlService) -> Iterator[str]:
    app = FastAPI()
    app.include_router(create_sparql_router(service))
    with LiveServer(app) as server:
        yield server.sparql_url


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback only: a proxy configured in the environment must not see these requests."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")


def sparql(endpoint: str, query: str, return_format: str = JSON) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(endpoint)
    wrapper.setQuery(query)
    wrapper.setReturnFormat(return_format)
    return wrapper


def test_sparqlwrapper_select(endpoint: str) -> None:
    query = """PREFIX pkg: <https://w3id.org/policykg/ontology#>
    PREFIX schema: <https://schema.org/>
    SELECT ?city (COUNT(?i) AS ?n) WHERE { ?i a pkg:Instrument ; pkg:city/schema:name ?city }
    GROUP BY ?city ORDER BY DESC(?n)"""
    for method in ("GET", POST):
        wrapper = sparql(endpoint, query)
        wrapper.setMethod(method)
        bindings = wrapper.queryAndConvert()["results"]["bindings"]
        assert [b["city"]["value"] for b in bindings][0] == "威海"
        assert {b["city"]["value"] for b in bindings} == {"大连", "威海", "盘锦", "鞍山"}


def test_sparqlwrapper_ask(endpoint: str) -> None:
    wrapper = sparql(endpoint, CHEAP)
    assert wrapper.queryType == ASK
    assert wrapper.queryAndConvert()["boolean"] is True


def test_sparqlwrapper_construct(endpoint: str) -> None:
    wrapper = sparql(
        endpoint,
        """PREFIX schema: <https://schema.org/>
        CONSTRUCT { ?city schema:name ?name } WHERE { ?city a schema:City ; schema:name ?name }""",
        TURTLE,
    )
    assert wrapper.queryType == CONSTRUCT
    graph = rdflib.Graph().parse(data=wrapper.queryAndConvert(), format="turtle")
    assert {str(name) for name in graph.objects()} == {"大连", "威海", "盘锦", "鞍山"}


def test_sparqlwrapper_sees_a_malformed_query(endpoint: str) -> None:
    with pytest.raises(QueryBadFormed, match="error at"):
        sparql(endpoint, "SELECT * WHERE { ?s ?p }").queryAndConvert()


def test_a_runaway_query_is_stopped_while_others_are_answered(endpoint: str, service: SparqlService) -> None:
    replaced_before = service.pool.replaced
    with httpx.Client(timeout=30, trust_env=False) as client, ThreadPoolExecutor(1) as background:
        began = time.monotonic()
        runaway = background.submit(client.get, endpoint, params={"query": RUNAWAY})
        time.sleep(0.2)  # the runaway query now occupies one of the two workers
        for _ in range(3):
            cheap_began = time.monotonic()
            cheap = client.get(endpoint, params={"query": CHEAP})
            assert cheap.status_code == 200 and cheap.json()["boolean"] is True
            assert time.monotonic() - cheap_began < 0.5  # answered promptly meanwhile
        stopped = runaway.result()
        elapsed = time.monotonic() - began
        assert stopped.status_code == 504, stopped.text
        assert "stopped" in stopped.text
        assert TIME_LIMIT_S <= elapsed < TIME_LIMIT_S + 1.0
        # Its worker was killed and replaced; the pool answers as before, on both workers.
        assert service.pool.replaced == replaced_before + 1
        answers = list(background.map(lambda _: client.get(endpoint, params={"query": CHEAP}).status_code, range(4)))
        assert answers == [200] * 4


def test_requests_wait_for_a_worker_then_give_up(service: SparqlService) -> None:
    """With one worker busy on a runaway query, a second request waits in line and gets a 503
    once its wait is over; the worker is then replaced and answers again."""
    # one lane (demote_ms=0): a runaway query holds the one worker (the two lanes: test_sparql_fair.py)
    single = SparqlService(service.pool.store, timeout_s=TIME_LIMIT_S, workers=1, queue_timeout_s=0.3, demote_ms=0)
    app = FastAPI()
    app.include_router(create_sparql_router(single))
    with single, LiveServer(app) as server, httpx.Client(timeout=30, trust_env=False) as client:
        with ThreadPoolExecutor(1) as background:
            runaway = background.submit(client.get, server.sparql_url, params={"query": RUNAWAY})
            time.sleep(0.2)
            began = time.monotonic()
            waiting = client.get(server.sparql_url, params={"query": CHEAP})
            assert waiting.status_code == 503
            assert waiting.headers["retry-after"]
            assert time.monotonic() - began < 0.3 + 0.5
            assert runaway.result().status_code == 504
        assert client.get(server.sparql_url, params={"query": CHEAP}).status_code == 200


def test_a_worker_that_dies_is_replaced(tmp_path: Path) -> None:
    ntriples = b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n"
    with SparqlService(store_from_ntriples(ntriples, tmp_path / "store"), workers=1) as small:
        app = FastAPI()
        app.include_router(create_sparql_router(small))
        with LiveServer(app) as server, httpx.Client(timeout=30, trust_env=False) as client:
            next(iter(small.pool._workers)).process.kill()  # as if the OOM killer struck
            dead = client.get(server.sparql_url, params={"query": "ASK { ?s ?p ?o }"})
            assert dead.status_code == 500
            alive = client.get(server.sparql_url, params={"query": "ASK { ?s ?p ?o }"})
            assert alive.status_code == 200 and alive.json()["boolean"] is True


def test_a_worker_that_dies_while_idle_is_replaced_before_anyone_asks(tmp_path: Path) -> None:
    """Once it has answered, an idle worker stays watched: its death is seen at once, and the next
    request waits for its replacement instead of finding it dead."""
    ntriples = b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n"
    with SparqlService(store_from_ntriples(ntriples, tmp_path / "store"), workers=1) as small:
        app = FastAPI()
        app.include_router(create_sparql_router(small))
        with LiveServer(app) as server, httpx.Client(timeout=30, trust_env=False) as client:
            assert client.get(server.sparql_url, params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
            next(iter(small.pool._workers)).process.kill()
            deadline = time.monotonic() + 5
            while small.pool.replaced == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert small.pool.replaced == 1  # noticed without a request
            answer = client.get(server.sparql_url, params={"query": "ASK { ?s ?p ?o }"})
            assert answer.status_code == 200 and answer.json()["boolean"] is True


def test_a_query_that_eats_memory_is_stopped(service: SparqlService) -> None:
    """Sorting a large join grows a worker by hundreds of MB a second: the memory cap stops it
    long before the time limit, and a fresh worker takes over."""
    hungry = SparqlService(service.pool.store, timeout_s=10, workers=1, memory_mb=256)
    app = FastAPI()
    app.include_router(create_sparql_router(hungry))
    with hungry, LiveServer(app) as server, httpx.Client(timeout=30, trust_env=False) as client:
        began = time.monotonic()
        response = client.get(
            server.sparql_url, params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"}
        )
        assert response.status_code == 500
        assert "256 MB" in response.text
        assert time.monotonic() - began < 5
        assert client.get(server.sparql_url, params={"query": CHEAP}).json()["boolean"] is True


def test_a_missing_store_fails_at_start(tmp_path: Path) -> None:
    from api.sparql import QueryFailed

    with pytest.raises(QueryFailed, match="cannot open the store .*no-store"):
        SparqlService(tmp_path / "no-store", workers=1).start()
    (tmp_path / "not-a-store").mkdir()
    with pytest.raises(QueryFailed, match="cannot open the store"):
        SparqlService(tmp_path / "not-a-store", workers=1).start()
