"""Raw UTF-8 in a request line (`curl 'http://…/compare?instrument=孵化器'`, typed by hand) is read as
if percent-encoded, on both protocols the server runs (api/http_protocol.py, and the SPARQL
protocol built on it); a body's bytes are never rewritten."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from live_server import LiveServer  # tests/ is on sys.path

from api.app import create_app
from api.http_protocol import encode_request_target, http_protocol
from api.serving import ServedGraph, load_served_graph
from api.sparql import SparqlService
from api.sparql.protocol import sparql_protocol

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_only_a_request_lines_target_is_encoded() -> None:
    line = "GET /compare?instrument=孵化器&format=csv HTTP/1.1\r\nHost: x\r\nX-Note: 孵化器\r\n\r\n".encode()
    encoded = encode_request_target(line)
    assert encoded.split(b"\r\n", 1)[0] == f"GET /compare?instrument={quote('孵化器')}&format=csv HTTP/1.1".encode()
    assert encoded.split(b"\r\n", 1)[1] == line.split(b"\r\n", 1)[1]  # headers as sent
    ascii_line = b"GET /compare?instrument=%E5%AD%B5 HTTP/1.1\r\n\r\n"
    assert encode_request_target(ascii_line) is ascii_line
    body = "ASK { ?s ?p \"孵化器\" }".encode()  # the start of a POST body is no request line
    assert encode_request_target(body) is body


def exchange(base: str, request: bytes) -> tuple[int, bytes]:
    host, port = base.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> ServedGraph:
    return load_served_graph(SEEDS, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def service(served: ServedGraph) -> Iterator[SparqlService]:
    with SparqlService(served.store_path, workers=1, timeout_s=15) as running:
        yield running


@pytest.fixture(scope="module", params=["app protocol", "sparql protocol"])
def base(request: pytest.FixtureRequest, served: ServedGraph, service: SparqlService) -> Iterator[str]:
    protocol = http_protocol() if request.param == "app protocol" else sparql_protocol(service)
    assert protocol is not None and not isinstance(protocol, str)
    with LiveServer(create_app(served, service), http=protocol) as live:
        yield live.base


def test_a_raw_utf8_query_string_is_answered_as_an_encoded_one(base: str) -> None:
    raw = "GET /compare?instrument=孵化器 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    encoded = f"GET /compare?instrument={quote('孵化器')} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    status, body = exchange(base, raw)
    assert status == 200
    assert json.loads(body) == json.loads(exchange(base, encoded)[1])
    assert json.loads(body)["type"]["label_zh"] == "孵化载体奖励"


def test_a_raw_utf8_sparql_query_is_answered(base: str) -> None:
    query = 'ASK { ?city <https://schema.org/name> "大连"@zh }'
    raw = f"GET /sparql?query={query.replace(' ', '%20')} HTTP/1.1\r\nHost: x\r\nAccept: application/sparql-results+json\r\nConnection: close\r\n\r\n"
    status, body = exchange(base, raw.encode())
    assert status == 200 and json.loads(body)["boolean"] is True


def test_a_post_body_keeps_its_bytes(base: str) -> None:
    query = 'SELECT ?name WHERE { ?city <https://schema.org/name> ?name FILTER(?name = "大连"@zh) }'.encode()
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Accept: application/sparql-results+json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(query)
    ) + query
    status, body = exchange(base, request)
    assert status == 200
    assert [b["name"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["大连"]
