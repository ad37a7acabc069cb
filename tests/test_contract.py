"""The API keeps its OpenAPI contract: schemathesis, with all its checks, against a real server (uvicorn
on 127.0.0.1, with /sparql's fast path and one SPARQL worker) on the graph of the seeds; and the
protocol details a contract tester does not see: POST /sparql without a query, the CORS preflight,
nosniff and CORS headers on answers and errors, here and on the fast path.

A bounded run (20 examples per operation, derandomized); bench/bench_contract.py runs it longer
(POLICYKG_CONTRACT_EXAMPLES, POLICYKG_CONTRACT_REPORT: where to write its figures as JSON).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from contract_hooks import CITY, NAME, run_schemathesis  # tests/ is on sys.path
from live_server import LiveServer

from api.app import create_app
from api.serving import load_served_graph
from api.sparql import SparqlService
from api.sparql.protocol import sparql_protocol

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
EXAMPLES = int(os.environ.get("POLICYKG_CONTRACT_EXAMPLES", "20"))
REPORT = os.environ.get("POLICYKG_CONTRACT_REPORT")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    served = load_served_graph(SEEDS, tmp_path_factory.mktemp("cache"))
    service = SparqlService(served.store_path, timeout_s=10.0, max_rows=1000, workers=1)
    service.launch()
    try:
        # the app's lifespan starts the workers and closes them; the protocol answers GET ?query=
        with LiveServer(create_app(served, service), http=sparql_protocol(service)) as live:
            yield live
    finally:
        service.close()


@pytest.fixture(scope="module")
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base, trust_env=False, timeout=30) as client:
        yield client


def test_schemathesis_finds_nothing(server: LiveServer) -> None:
    """Every check, every phase, a bounded number of examples per operation (deterministic)."""
    figures = run_schemathesis(server.base, EXAMPLES)
    if REPORT:
        Path(REPORT).write_text(json.dumps({k: v for k, v in figures.items() if k != "output"}))
    tail = figures["output"][-6000:]
    assert figures["exit_code"] == 0 and figures["failures"] == 0 and figures["errors"] == 0, tail
    assert figures["operations"] >= 23 and figures["examples"] >= 23 * min(EXAMPLES, 10), tail


# ---------------------------------------------------------------- what a contract tester does not see

SELECT = f"SELECT ?name WHERE {{ ?city a {CITY} ; {NAME} ?name }}"


def test_post_without_a_query_is_a_400_naming_it(http: httpx.Client) -> None:
    for headers, body in [({}, b""), ({"Content-Type": "application/sparql-query"}, b""),
                          ({"Content-Type": "application/x-www-form-urlencoded"}, b"")]:
        response = http.post("/sparql", headers=headers, content=body)
        assert response.status_code == 400 and "no query" in response.text, (headers, response.text)
    form = http.post("/sparql", data={"format": "json"})
    assert form.status_code == 400 and "query=" in form.text
    wrong = http.post("/sparql", content=SELECT.encode(), headers={"Content-Type": "text/plain"})
    assert wrong.status_code == 415 and "text/plain" in wrong.text
    right = http.post("/sparql", content=SELECT.encode(), headers={"Content-Type": "application/sparql-query"})
    assert right.status_code == 200 and right.json()["results"]["bindings"]


def test_cors_preflight_lets_any_origin_post_a_query(http: httpx.Client) -> None:
    asked = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type"}
    response = http.options("/sparql", headers=asked)
    assert response.status_code == 204 and response.content == b""
    assert response.headers["access-control-allow-origin"] == "*"
    assert set(response.headers["access-control-allow-methods"].split(", ")) == {"GET", "POST", "OPTIONS"}
    assert {"content-type", "accept"} <= {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert int(response.headers["access-control-max-age"]) > 0
    # the preflighted request itself
    posted = http.post("/sparql", content=SELECT.encode(),
                       headers={"Content-Type": "application/sparql-query", "Origin": "https://elsewhere.example"})
    assert posted.status_code == 200 and posted.headers["access-control-allow-origin"] == "*"


def test_another_method_is_a_405_naming_every_method(http: httpx.Client) -> None:
    response = http.request("PUT", "/sparql", content=b"x")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


@pytest.mark.parametrize(("path", "params", "status"), [
    ("/sparql", {"query": "SELECT <script>"}, 400),  # the fast path (the protocol answers it)
    ("/sparql", {"query": SELECT}, 200),
    ("/sparql", {"format": "<b>x</b>"}, 400),  # the app's route (no query)
    ("/cities", {"city": "<script>alert(1)</script>"}, 404),
    ("/cities", {"<b>": "1"}, 400),
    ("/map", {"instrument": "<img src=x>"}, 404),
    ("/id/<b>", {"format": "ttl"}, 404),
    ("/source/<b>.txt", {}, 404),
    ("/health", {}, 200),
])
def test_every_answer_is_nosniff_and_readable_from_any_origin(
    http: httpx.Client, path: str, params: dict[str, str], status: int
) -> None:
    response = http.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["access-control-allow-origin"] == "*"
    assert len(response.headers.get_list("x-content-type-options")) == 1


def test_posted_errors_are_nosniff(http: httpx.Client) -> None:
    response = http.post("/sparql", data={"query": "SELECT <script>"})
    assert response.status_code == 400 and response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["access-control-allow-origin"] == "*"


def test_the_openapi_document_names_every_content_type(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in \
        paths["/compare/matrix"]["get"]["responses"]["200"]["content"]
    sparql = paths["/sparql"]
    assert {"application/sparql-results+json", "text/turtle", "text/html"} <= set(sparql["get"]["responses"]["200"]["content"])
    assert {"400", "415", "413"} <= set(sparql["post"]["responses"])
    assert "204" in sparql["options"]["responses"]
    for path, methods in paths.items():
        for method, operation in methods.items():
            assert "200" in operation["responses"] or "204" in operation["responses"], (path, method)
            if path != "/health" and method != "options":
                assert set(operation["responses"]) - {"200", "204"}, f"{method} {path} documents no error"
