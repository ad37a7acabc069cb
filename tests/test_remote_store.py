"""The remote-store mode end to end, on loopback: a real `oxigraph serve` (the `oxigraph` package
of the test extras) started here on a free 127.0.0.1 port, loaded by `policykg load --store URL`
with the seeds' graph, then `policykg serve --store URL` answering /sparql (with the guard, the row
cap and the time limit applied on our side) and the analyst API (/compare) from it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pyoxigraph import Literal, QueryBoolean, QuerySolutions, QueryTriples, RdfFormat, Store

from api.sparql import RemoteSparqlService, create_sparql_router
from api.sparql.examples import load_examples
from graph.remote import RemoteSource, RemoteStoreError, store_endpoints, upload

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BIN = Path(sys.executable).parent
SCHEMA = "PREFIX schema: <https://schema.org/>\n"
CITIES = SCHEMA + "SELECT ?name WHERE { ?city a schema:City ; schema:name ?name }"
SEED_CITIES = {"大连", "威海", "盘锦", "鞍山"}
# A few seconds of work for the store (every typed node against every triple): over a 0.3 s limit.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a a ?t . ?d ?e ?f }"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment() -> dict[str, str]:
    """Loopback only: no proxy of the environment may see these requests."""
    return {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"{process.args} exited with {process.returncode}: {stderr}")
        try:
            httpx.get(url, timeout=1, trust_env=False)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not answer in {seconds} s")


@contextmanager
def running(command: list[str], probe: str) -> Iterator[subprocess.Popen[bytes]]:
    """`command` started, once `probe` answers; stopped at the end."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment())
    try:
        wait_for(probe, process)
        yield process
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Oxigraph server on disk, with its own time limit (a store should have one: it goes on
    evaluating a query whose client has gone)."""
    binary = BIN / "oxigraph"
    if not binary.exists():
        missing = f"no oxigraph server next to {sys.executable}: pip install '.[test]'"
        if os.environ.get("CI"):  # in CI the remote mode is tested, never skipped
            pytest.fail(missing)
        pytest.skip(missing)
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    command = [str(binary), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", "--timeout-s", "5"]
    url = f"http://127.0.0.1:{port}"
    with running(command, f"{url}/query?query=ASK%7B%7D"):
        yield url


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


def policykg(*arguments: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    command = [str(BIN / "policykg"), *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`policykg build seeds --out OUT`: OUT."""
    out = tmp_path_factory.mktemp("build") / "out"
    done = policykg("build", str(SEEDS), "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def loaded(store_url: str, built: Path) -> str:
    """`policykg load --store URL --from OUT`, as a user runs it; the store's URL."""
    done = policykg("load", "--store", store_url, "--from", str(built))
    assert done.returncode == 0, done.stderr
    assert f"triples loaded into {store_url}/store?default" in done.stderr
    return store_url


@pytest.fixture(scope="module")
def seed_graph(built: Path) -> Store:
    """The graph `load` sent, in a local store, to compare answers with."""
    graph = Store()
    graph.bulk_load((built / "graph.nt").read_bytes(), format=RdfFormat.N_TRIPLES)
    return graph


@pytest.fixture(scope="module")
def server(loaded: str, cache: Path) -> Iterator[str]:
    """`policykg serve --store URL` on a free port; its base URL."""
    port = free_port()
    command = [str(BIN / "policykg"), "serve", "--data", str(SEEDS), "--store", loaded, "--port", str(port),
               "--cache-dir", str(cache), "--max-rows", "50"]
    base = f"http://127.0.0.1:{port}"
    with running(command, f"{base}/health"):
        yield base


# ---------------------------------------------------------------- load and the remote source


def test_the_store_holds_what_was_loaded(loaded: str, seed_graph: Store) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    remote = RemoteSource(loaded).query(count)
    assert isinstance(remote, QuerySolutions)
    local = seed_graph.query(count)
    assert isinstance(local, QuerySolutions)
    assert [row["n"] for row in remote] == [row["n"] for row in local]
    assert len(seed_graph) > 5_000


def test_a_remote_source_answers_as_a_local_store_does(loaded: str, seed_graph: Store) -> None:
    """Every example query: same kind of result, same rows (as multisets of terms), same triples."""
    source = RemoteSource(loaded)
    for example in load_examples():
        remote, local = source.query(example.query), seed_graph.query(example.query)
        assert type(remote) is type(local), example.name
        if isinstance(remote, QueryBoolean):
            assert bool(remote) == bool(local), example.name
        elif isinstance(remote, QueryTriples):
            assert isinstance(local, QueryTriples)
            assert {str(t) for t in remote} == {str(t) for t in local}, example.name
        else:
            assert isinstance(remote, QuerySolutions) and isinstance(local, QuerySolutions)
            names = [v.value for v in local.variables]
            assert [v.value for v in remote.variables] == names, example.name
            rows = Counter(tuple(_term(row[n]) for n in names) for row in remote)
            assert rows == Counter(tuple(_term(row[n]) for n in names) for row in local), example.name
            assert rows, example.name


def _term(term: object) -> str:
    """A term to compare; a GROUP_CONCAT (separator 、) has its parts in no set order."""
    if isinstance(term, Literal):
        return f"{'、'.join(sorted(term.value.split('、')))}@{term.language}^^{term.datatype.value}"
    return str(term)


def test_remote_errors_are_clear(loaded: str) -> None:
    with pytest.raises(RemoteStoreError, match="refused the query: 400"):
        RemoteSource(loaded).query("SELECT * WHERE { ?s ?p }")
    port = free_port()  # nothing listens there
    with pytest.raises(RemoteStoreError, match=f"127.0.0.1:{port}/query: cannot reach the store"):
        RemoteSource(f"http://127.0.0.1:{port}").query("ASK {}")
    with pytest.raises(RemoteStoreError, match="not an http"):
        RemoteSource("ftp://127.0.0.1/x")


def test_store_urls() -> None:
    oxigraph = store_endpoints("http://127.0.0.1:7878/")
    assert (oxigraph.query, oxigraph.graph_store) == ("http://127.0.0.1:7878/query", "http://127.0.0.1:7878/store?default")
    fuseki = store_endpoints("http://127.0.0.1:3030/policykg/data")
    assert fuseki.graph_store == "http://127.0.0.1:3030/policykg/data?default"
    virtuoso = "http://dba:pw@127.0.0.1:8890/sparql-graph-crud-auth?graph-uri=urn:policykg"
    assert store_endpoints(virtuoso).graph_store == virtuoso  # names its graph already


def test_load_a_folder_and_append(loaded: str, built: Path, cache: Path, tmp_path: Path, seed_graph: Store) -> None:
    """`load DIR` builds the folder (as `serve` does, into its cache) and sends the same graph as
    the build; `--append` adds to the graph instead of replacing it."""
    done = policykg("load", str(SEEDS), "--store", loaded, "--cache-dir", str(cache))
    assert done.returncode == 0, done.stderr
    assert f"{len(seed_graph):,} triples loaded into" in done.stderr
    assert _count(loaded) == len(seed_graph)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "graph.nt").write_bytes(b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n")
    done = policykg("load", "--store", loaded, "--from", str(extra), "--append")
    assert done.returncode == 0, done.stderr
    assert "1 triples added to" in done.stderr
    assert _count(loaded) == len(seed_graph) + 1
    assert upload(loaded, built / "graph.nt") == 204  # PUT: the graph replaced, as it was
    assert _count(loaded) == len(seed_graph)


def _count(url: str) -> int:
    result = RemoteSource(url).query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert isinstance(result, QuerySolutions)
    return int(next(iter(result))["n"].value)


def test_load_refuses_what_it_cannot_send(tmp_path: Path) -> None:
    port = free_port()
    arguments = ("load", "--store", f"http://127.0.0.1:{port}", "--from", str(tmp_path))
    done = policykg(*arguments)
    assert done.returncode == 2 and "neither graph.nt nor store/" in done.stderr
    (tmp_path / "graph.nt").write_bytes(b"")
    done = policykg(*arguments)
    assert done.returncode == 2 and "cannot reach the store" in done.stderr


# ---------------------------------------------------------------- policykg serve --store URL


def test_serve_answers_sparql_from_the_store(server: str) -> None:
    response = httpx.get(f"{server}/sparql", params={"query": CITIES}, trust_env=False)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert {row["name"]["value"] for row in response.json()["results"]["bindings"]} == SEED_CITIES
    posted = httpx.post(f"{server}/sparql", data={"query": CITIES}, headers={"Accept": "text/csv"}, trust_env=False)
    assert set(posted.text.split("\r\n")[1:-1]) == SEED_CITIES
    construct = SCHEMA + "CONSTRUCT { ?c schema:name ?n } WHERE { ?c a schema:City ; schema:name ?n }"
    turtle = httpx.get(f"{server}/sparql", params={"query": construct}, headers={"Accept": "text/turtle"},
                       trust_env=False)
    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    assert "@prefix schema: <https://schema.org/>" in turtle.text  # written by us, with the query's prefixes
    assert {str(t.object.value) for t in _parse_turtle(turtle.content)} == SEED_CITIES


def _parse_turtle(body: bytes) -> list:
    from pyoxigraph import parse

    return [quad.triple for quad in parse(body, format=RdfFormat.TURTLE)]


def test_serve_caps_rows_as_the_embedded_store_does(server: str) -> None:
    everything = "SELECT * WHERE { ?s ?p ?o }"
    for accept, rows in (("application/sparql-results+json", lambda r: len(r.json()["results"]["bindings"])),
                         ("text/tab-separated-values", lambda r: r.text.count("\n") - 1)):
        response = httpx.get(f"{server}/sparql", params={"query": everything}, headers={"Accept": accept},
                             trust_env=False)
        assert response.headers["x-result-truncated"] == "true"
        assert rows(response) == 50
    whole = httpx.get(f"{server}/sparql", params={"query": everything + " LIMIT 50"}, trust_env=False)
    assert "x-result-truncated" not in whole.headers and len(whole.json()["results"]["bindings"]) == 50


def test_serve_refuses_service_before_the_store_sees_it(server: str) -> None:
    """A remote store evaluates SERVICE itself: the guard refuses it, and any query spelling
    "service" at all, before it is sent; the listener, standing for any other host, is never called."""
    listener = socket.create_server(("127.0.0.1", 0))
    calls: list[bytes] = []

    def count() -> None:
        listener.settimeout(0.2)
        while True:
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            calls.append(connection.recv(1000))
            connection.close()

    threading.Thread(target=count, daemon=True).start()
    target = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    try:
        for query in (
            f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b)SERVICE#>\nSILENT <{target}> {{ ?x ?y ?z }} }}",
            "SELECT * WHERE { ?s ?p ?o } # service",
            f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
            f"LOAD <{target}>",
        ):
            response = httpx.post(f"{server}/sparql", data={"query": query}, trust_env=False)
            assert response.status_code == 403, (query, response.text)
        # Not SPARQL 1.1: an engine's pragma (Virtuoso's has it fetch every IRI of the query).
        grab = f'define input:grab-all "yes" SELECT * WHERE {{ <{target}> ?p ?o }}'
        response = httpx.post(f"{server}/sparql", data={"query": grab}, trust_env=False)
        assert response.status_code == 400 and "SPARQL 1.1" in response.text
        time.sleep(0.1)
        assert calls == []
    finally:
        listener.close()


def test_serve_compare_agrees_with_sparql_on_the_store(server: str) -> None:
    """/compare (asked of the store: the next test) and the store's SPARQL name the same
    innovation-voucher promises, city by city."""
    compare = httpx.get(f"{server}/compare", params={"instrument": "innovation_voucher"}, trust_env=False).json()
    from_compare = Counter((c["city"], i["quote"]) for c in compare["cities"] for i in c["instruments"])
    query = next(e.query for e in load_examples() if e.name == "01_innovation_vouchers")
    rows = httpx.get(f"{server}/sparql", params={"query": query}, trust_env=False).json()["results"]["bindings"]
    from_sparql = Counter((row["city"]["value"], row["quote"]["value"]) for row in rows)
    assert from_compare == from_sparql
    assert len(from_compare) >= 3


def test_serve_refuses_a_store_that_does_not_answer(cache: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = policykg("serve", "--data", str(SEEDS), "--store", url, "--port", str(free_port()), "--cache-dir", str(cache))
    assert done.returncode == 2
    assert f"{url}: the SPARQL store does not answer" in done.stderr


# ---------------------------------------------------------------- the time limit, in process


def test_the_time_limit_stops_a_slow_remote_query(loaded: str) -> None:
    service = RemoteSparqlService(loaded, timeout_s=0.3)
    app = FastAPI()
    app.include_router(create_sparql_router(service))
    with service, TestClient(app) as client:
        began = time.monotonic()
        response = client.get("/sparql", params={"query": SLOW})
        assert response.status_code == 504, response.text
        assert time.monotonic() - began < 2.0
        assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
        response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
        assert response.status_code == 400 and "SPARQL syntax error" in response.text


def test_serve_asks_the_store_not_the_local_build(tmp_path: Path, cache: Path) -> None:
    """With --store, the analyst API answers from the store: a store holding other documents than
    --data gives their cities in /compare (the fixtures' 济南 and 杭州, not the seeds')."""
    from conftest import FIXTURES, GOOD_DOCUMENTS

    folder = tmp_path / "other"
    folder.mkdir()
    for name in GOOD_DOCUMENTS:
        (folder / name).write_bytes((FIXTURES / name).read_bytes())
    port = free_port()
    store = f"http://127.0.0.1:{port}"
    oxigraph = [str(BIN / "oxigraph"), "serve", "--location", str(tmp_path / "oxigraph"), "--bind", f"127.0.0.1:{port}"]
    with running(oxigraph, f"{store}/query?query=ASK%7B%7D"):
        loaded = policykg("load", str(folder), "--store", store, "--cache-dir", str(cache))
        assert loaded.returncode == 0, loaded.stderr
        serve_port = free_port()
        base = f"http://127.0.0.1:{serve_port}"
        serve = [str(BIN / "policykg"), "serve", "--data", str(SEEDS), "--store", store, "--port", str(serve_port),
                 "--cache-dir", str(cache)]
        with running(serve, f"{base}/health"):
            compare = httpx.get(f"{base}/compare", params={"instrument": "innovation_voucher"}, trust_env=False).json()
    cities = {c["city"] for c in compare["cities"]}
    assert "济南" in cities and not cities & SEED_CITIES, cities
