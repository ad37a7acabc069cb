"""GET /sparql?query= answered by the HTTP protocol itself (api/sparql/protocol.py), ahead of the
app: the same answers as the app's own route, byte for byte, under keep-alive, pipelining and
HTTP/1.0; and every request it does not take still reaches the app."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
from fastapi import FastAPI
from live_server import LiveServer  # tests/ is on sys.path
from sparql_stores import store_from_ntriples

from api.sparql import SparqlService, create_sparql_router
from api.sparql.protocol import sparql_protocol

GRAPH = b"".join(
    b'<http://a/s%d> <http://a/p> "value %d"@en .\n' % (i, i) for i in range(30)
)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?u ?o . ?q ?r ?t }"  # 30^6 rows
# Requests whose answers must not depend on which of the two paths answered them.
CASES: list[tuple[dict[str, str] | list[tuple[str, str]], dict[str, str]]] = [
    ({"query": "ASK {}"}, {}),
    ({"query": "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s"}, {"Accept": "application/sparql-results+json"}),
    ({"query": "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s"}, {"Accept": "text/csv"}),
    ({"query": "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s", "format": "xml"}, {}),
    ({"query": "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 10"}, {"Accept": "text/tab-separated-values"}),
    ({"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, {"Accept": "application/n-triples"}),
    ({"query": "SELECT * WHERE { ?s ?p }"}, {}),  # syntax error: 400
    ({"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}, {}),  # 403
    ({"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": "http://x/"}, {}),  # 403
    ([("query", "ASK {}"), ("query", "ASK {}")], {}),  # 400
    ({"query": "ASK {}", "update": "CLEAR ALL"}, {}),  # 403
    ({"query": "ASK {} #" + "x" * 600}, {}),  # 414
    ({"query": "ASK {}"}, {"Accept": "image/png"}),  # 406
    ({"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "csv"}, {}),  # 400
]
COMPARED_HEADERS = ("content-type", "vary", "access-control-allow-origin", "access-control-expose-headers",
                    "x-result-truncated", "retry-after")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlService]:
    store = store_from_ntriples(GRAPH, tmp_path_factory.mktemp("sparql") / "store")
    # one lane (demote_ms=0): these tests are about the line in front of a busy worker; the two
    # lanes are tested in test_sparql_fair.py
    with SparqlService(store, workers=1, max_rows=20, max_query_chars=500, timeout_s=1.0, demote_ms=0) as running:
        yield running


@pytest.fixture(scope="module")
def patient_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`servers` with a generous time limit: their answers are compared, and a loaded machine must
    not turn one of them into a 504."""
    store = store_from_ntriples(GRAPH, tmp_path_factory.mktemp("patient") / "store")
    with SparqlService(store, workers=1, max_rows=20, max_query_chars=500, timeout_s=15.0) as running:
        yield from both_servers(running)


@pytest.fixture(scope="module")
def servers(service: SparqlService) -> Iterator[tuple[str, str]]:
    yield from both_servers(service)


def both_servers(service: SparqlService) -> Iterator[tuple[str, str]]:
    """The same app twice: served by the fast protocol, and by uvicorn's own."""
    app = FastAPI()
    app.include_router(create_sparql_router(service))
    protocol = sparql_protocol(service)
    assert protocol is not None
    with LiveServer(app, http=protocol) as fast, LiveServer(app) as plain:
        yield fast.sparql_url, plain.sparql_url


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def test_the_protocol_answers_as_the_app_does(patient_servers: tuple[str, str]) -> None:
    fast, plain = patient_servers
    with httpx.Client(trust_env=False, timeout=30) as client:
        for params, headers in CASES:
            ours, theirs = (client.get(url, params=params, headers=headers) for url in (fast, plain))
            assert ours.status_code == theirs.status_code, params
            assert ours.content == theirs.content, params
            for name in COMPARED_HEADERS:
                assert ours.headers.get(name) == theirs.headers.get(name), (params, name)
        statuses = {client.get(fast, params=p, headers=h).status_code for p, h in CASES}
    assert statuses == {200, 400, 403, 406, 414}
    truncated = client_get(fast, {"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert truncated.headers["x-result-truncated"] == "true"


def client_get(url: str, params: dict[str, str]) -> httpx.Response:
    return httpx.get(url, params=params, trust_env=False, timeout=30)


def test_requests_it_does_not_take_reach_the_app(servers: tuple[str, str]) -> None:
    fast, _ = servers
    page = httpx.get(fast, headers={"Accept": "text/html"}, trust_env=False)
    assert page.status_code == 200 and "<html" in page.text.lower()
    description = httpx.get(fast, headers={"Accept": "text/turtle"}, trust_env=False)
    assert "sd:Service" in description.text
    posted = httpx.post(fast, data={"query": "ASK {}"}, trust_env=False)
    assert posted.json()["boolean"] is True
    head = httpx.head(fast, params={"query": "ASK {}"}, trust_env=False)
    assert head.status_code in (200, 405)


def raw_exchange(url: str, request: bytes, responses: int) -> list[bytes]:
    """Send raw bytes on one connection; read `responses` HTTP responses (each with a Content-Length)."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        data = b""
        answers: list[bytes] = []
        while len(answers) < responses:
            head_end = data.find(b"\r\n\r\n")
            if head_end >= 0:
                head = data[:head_end].decode("latin-1").lower()
                length = int(head.split("content-length: ")[1].split("\r\n")[0])
                end = head_end + 4 + length
                if len(data) >= end:
                    answers.append(data[:end])
                    data = data[end:]
                    continue
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
        return answers


def get_line(path: str, version: str = "1.1", extra: str = "") -> bytes:
    return f"GET {path} HTTP/{version}\r\nHost: x\r\n{extra}\r\n".encode()


def test_keep_alive_and_pipelining_keep_the_order(servers: tuple[str, str]) -> None:
    fast, _ = servers
    ask = "/sparql?" + urlencode({"query": "ASK {}"})
    count = "/sparql?" + urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "format": "csv"})
    page = "/sparql"  # not taken by the protocol: answered by the app, in its turn
    pipelined = get_line(ask) + get_line(count) + get_line(page, extra="Accept: text/turtle\r\n") + get_line(ask)
    answers = raw_exchange(fast, pipelined, 4)
    assert len(answers) == 4
    assert answers[0].endswith(b'{"head":{},"boolean":true}')
    assert answers[1].endswith(b"n\r\n30\r\n")
    assert b"sd:Service" in answers[2]
    assert answers[3].endswith(b'{"head":{},"boolean":true}')


def test_http_1_0_and_connection_close_end_the_connection(servers: tuple[str, str]) -> None:
    fast, _ = servers
    ask = "/sparql?" + urlencode({"query": "ASK {}"})
    for request in (get_line(ask, "1.0"), get_line(ask, extra="Connection: close\r\n")):
        answers = raw_exchange(fast, request + get_line(ask), 2)
        assert len(answers) == 1 and b"connection: close" in answers[0].lower()


def test_a_runaway_query_is_stopped_on_the_fast_path(servers: tuple[str, str], service: SparqlService) -> None:
    fast, _ = servers
    began = time.monotonic()
    response = httpx.get(fast, params={"query": RUNAWAY}, trust_env=False, timeout=30)
    assert response.status_code == 504 and "stopped" in response.text
    assert time.monotonic() - began < 3
    again = httpx.get(fast, params={"query": "ASK {}"}, trust_env=False, timeout=30)
    assert again.status_code == 200  # a fresh worker took over


def test_a_client_that_leaves_does_not_stop_the_server(servers: tuple[str, str]) -> None:
    fast, _ = servers
    host, port = fast.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(get_line("/sparql?" + urlencode({"query": RUNAWAY})))
    time.sleep(0.2)
    assert httpx.get(fast, params={"query": "ASK {}"}, trust_env=False, timeout=30).status_code == 200


def post_request(path: str, query: str) -> bytes:
    body = query.encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


@pytest.mark.parametrize(
    ("path", "method"), [("fast", "GET"), ("plain", "GET"), ("fast", "POST"), ("plain", "POST")]
)
def test_a_client_that_leaves_gives_up_its_place_in_line(
    servers: tuple[str, str], service: SparqlService, path: str, method: str
) -> None:
    """With the one worker busy, requests whose clients hang up before their turn are never run:
    after a burst of slow queries, the clients that gave up would otherwise keep it busy. Whether
    the protocol answers (fast GET) or the app does (POST, and GET on uvicorn's own protocol)."""
    fast = servers[0] if path == "fast" else servers[1]
    host, port = fast.split("//")[1].split("/")[0].split(":")

    def request_for(target: str) -> bytes:  # the request, as this case sends it
        if method == "GET":
            return get_line(target)
        return post_request("/sparql", parse_qs(target.partition("?")[2])["query"][0])

    sent_before = service.pool.sent
    with socket.create_connection((host, int(port)), timeout=10) as busy:
        busy.sendall(request_for("/sparql?" + urlencode({"query": RUNAWAY})))  # holds the worker for 1 s
        time.sleep(0.2)
        for index in range(3):
            with socket.create_connection((host, int(port)), timeout=10) as leaving:
                query = f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {index + 1}"
                leaving.sendall(request_for("/sparql?" + urlencode({"query": query})))
                time.sleep(0.05)  # in line now; the client leaves
        answer = busy.recv(65536)
        assert answer.startswith(b"HTTP/1.1 504")
    last = f"ASK {{}} # {path} {method}"  # a text not asked before: no kept answer (service.py), a worker
    assert httpx.get(fast, params={"query": last}, trust_env=False, timeout=30).status_code == 200
    assert service.pool.sent == sent_before + 2  # the runaway query and the last one: not the three left
