"""The SPARQL endpoint through FastAPI's TestClient, on the graph of the seeds: the protocol, result
formats, the query page and service description, safety refusals, errors and limits."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sparql_stores import store_from_ntriples  # tests/ is on sys.path

import api.sparql
from api.sparql import SparqlService, create_sparql_router
from api.sparql.examples import load_examples
from extract.pipeline import extract_file
from graph.rdf import build_rdf

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PREFIXES = """PREFIX pkg: <https://w3id.org/policykg/ontology#>
PREFIX schema: <https://schema.org/>
"""
CITIES = PREFIXES + "SELECT ?name WHERE { ?city a schema:City ; schema:name ?name } ORDER BY ?name"
CITY_GRAPH = PREFIXES + "CONSTRUCT { ?city schema:name ?name } WHERE { ?city a schema:City ; schema:name ?name }"
SEED_CITIES = {"大连", "威海", "盘锦", "鞍山"}
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")


def seed_ntriples() -> bytes:
    graph = build_rdf([extract_file(path) for path in sorted(SEEDS.glob("*.txt"))])
    return graph.serialize(format="nt", encoding="utf-8")


def client_for(service: SparqlService) -> TestClient:
    app = FastAPI()
    app.include_router(create_sparql_router(service))
    return TestClient(app)


@pytest.fixture(scope="module")
def ntriples() -> bytes:
    return seed_ntriples()


@pytest.fixture(scope="module")
def store(ntriples: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return store_from_ntriples(ntriples, tmp_path_factory.mktemp("sparql") / "store")


@pytest.fixture(scope="module")
def service(store: Path) -> Iterator[SparqlService]:
    with SparqlService(store, timeout_s=10.0, max_query_chars=5_000) as running:
        yield running


@pytest.fixture(scope="module")
def client(service: SparqlService) -> TestClient:
    return client_for(service)


def city_names(response_json: dict) -> set[str]:
    return {row["name"]["value"] for row in response_json["results"]["bindings"]}


# ---------------------------------------------------------------- protocol: three ways to send a query


def test_get_query_answers_sparql_json(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": CITIES})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert response.headers["vary"] == "Accept"
    data = response.json()
    assert data["head"]["vars"] == ["name"]
    assert city_names(data) == SEED_CITIES
    assert data["results"]["bindings"][0]["name"]["xml:lang"] == "zh"


def test_post_sparql_query_body(client: TestClient) -> None:
    response = client.post("/sparql", content=CITIES.encode(), headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 200
    assert city_names(response.json()) == SEED_CITIES


def test_post_form(client: TestClient) -> None:
    response = client.post("/sparql", data={"query": CITIES})
    assert response.status_code == 200
    assert city_names(response.json()) == SEED_CITIES


# ---------------------------------------------------------------- result formats


def test_select_as_xml(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": CITIES}, headers={"Accept": "application/sparql-results+xml"})
    assert response.headers["content-type"] == "application/sparql-results+xml"
    namespace = "{http://www.w3.org/2005/sparql-results#}"
    root = ET.fromstring(response.content)
    literals = root.findall(f"{namespace}results/{namespace}result/{namespace}binding/{namespace}literal")
    assert {literal.text for literal in literals} == SEED_CITIES


def test_select_as_csv_and_tsv(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": CITIES}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["name"]
    assert {row[0] for row in rows[1:]} == SEED_CITIES

    response = client.get("/sparql", params={"query": CITIES, "format": "tsv"})
    assert response.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
    lines = response.text.splitlines()
    assert lines[0] == "?name"
    assert '"大连"@zh' in lines


def test_format_parameter_beats_accept(client: TestClient) -> None:
    response = client.get(
        "/sparql", params={"query": CITIES, "format": "csv"}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.headers["content-type"].startswith("text/csv")


def test_ask_in_json_and_xml(client: TestClient) -> None:
    query = PREFIXES + 'ASK { ?city schema:name "威海"@zh }'
    assert client.get("/sparql", params={"query": query}).json() == {"head": {}, "boolean": True}
    response = client.get(
        "/sparql", params={"query": query.replace("威海", "北京")}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert "<boolean>false</boolean>" in response.text


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_construct_formats(client: TestClient, accept: str, media_type: str, rdflib_format: str) -> None:
    response = client.get("/sparql", params={"query": CITY_GRAPH}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    graph = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    assert {str(name) for name in graph.objects()} == SEED_CITIES


def test_construct_turtle_uses_the_query_prefixes(client: TestClient) -> None:
    text = client.get("/sparql", params={"query": CITY_GRAPH}).text  # no Accept: Turtle
    assert "@prefix schema: <https://schema.org/> ." in text
    assert "schema:name" in text


def test_describe(client: TestClient) -> None:
    query = "DESCRIBE <https://w3id.org/policykg/id/policy/002_4e90a411367dfbcd>"
    response = client.get("/sparql", params={"query": query, "format": "ntriples"})
    graph = rdflib.Graph().parse(data=response.text, format="nt")
    titles = {str(o) for o in graph.objects(predicate=rdflib.URIRef("http://data.europa.eu/eli/ontology#title"))}
    assert any("产校地企融协同发展" in title for title in titles)


def test_not_acceptable_and_wrong_format(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": CITIES}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text
    response = client.get("/sparql", params={"query": CITY_GRAPH, "format": "csv"})
    assert response.status_code == 400
    assert "turtle" in response.text


# ---------------------------------------------------------------- without a query: page or service description


def test_service_description_for_sparql_clients(client: TestClient, ntriples: bytes) -> None:
    for headers in ({}, {"Accept": "text/turtle"}, {"Accept": "*/*"}):
        response = client.get("/sparql", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
    assert service is not None
    assert graph.value(service, SD.endpoint) == rdflib.URIRef("http://testserver/sparql")
    assert graph.value(service, SD.supportedLanguage) == SD.SPARQL11Query
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in set(
        graph.objects(service, SD.resultFormat)
    )
    default_graph = graph.value(graph.value(service, SD.defaultDataset), SD.defaultGraph)
    assert graph.value(default_graph, VOID.triples).toPython() == len(rdflib.Graph().parse(data=ntriples, format="nt"))
    as_jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert as_jsonld.headers["content-type"] == "application/ld+json"
    assert len(rdflib.Graph().parse(data=as_jsonld.text, format="json-ld")) == len(graph)


def test_browsers_get_the_offline_query_page(client: TestClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": browser})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert 'id="yasgui"' in page and 'id="examples"' in page and 'href="/ontology"' in page
    # Offline: nothing is loaded from elsewhere, and the browser is told so.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(http" not in page
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "http" not in policy and "*" not in policy
    # YASGUI's script and stylesheet come from this server (also gzipped), and so do its prefixes.
    assets = re.findall(r'(?:src|href)="(/sparql/static/[^"]+\.(?:js|css))"', page)
    assert sorted(assets) == ["/sparql/static/yasgui/yasgui.min.css", "/sparql/static/yasgui/yasgui.min.js"]
    for asset in assets:
        plain = client.get(asset, headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200 and "content-encoding" not in plain.headers
        assert plain.content == (Path(api.sparql.__file__).parent / asset.removeprefix("/sparql/")).read_bytes()
        assert client.get(asset, headers={"Accept-Encoding": "gzip"}).content == plain.content  # decoded by httpx
    assert client.get("/sparql/static/yasgui/../router.py").status_code == 404
    assert client.get("/sparql/static/yasgui/nothing.js").status_code == 404
    prefixes = client.get("/sparql/static/prefixes.json").json()
    assert prefixes["schema"] == "https://schema.org/" and prefixes["pkg"] == "https://w3id.org/policykg/ontology#"
    # The example queries are in the page, and no query text can end its <script> early.
    settings = re.search(r'<script id="settings" type="application/json">(.*?)</script>', page, re.S)
    assert settings is not None
    data = json.loads(settings.group(1))
    assert [e["title"] for e in data["examples"]] == [e.title for e in load_examples()]
    assert data["timeout_s"] == 10.0


def test_examples_ship_with_the_package() -> None:
    examples = load_examples()
    assert len(examples) >= 8
    for example in examples:
        assert example.title and example.question, example.name
        assert example.query.startswith("# title:")


# ---------------------------------------------------------------- refusals: read-only, nothing fetched


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }",
        "LOAD <http://example.org/data.ttl>",
        "DROP ALL",
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * FROM <http://example.org/graph.ttl> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://example.org/graph.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
    ],
)
def test_forbidden_queries_get_403(client: TestClient, query: str) -> None:
    for response in (client.get("/sparql", params={"query": query}), client.post("/sparql", data={"query": query})):
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("text/plain")


def test_update_requests_are_refused(client: TestClient) -> None:
    update = "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }"
    assert client.post("/sparql", data={"update": update}).status_code == 403
    assert client.get("/sparql", params={"update": update}).status_code == 403
    response = client.post("/sparql", content=update, headers={"Content-Type": "application/sparql-update"})
    assert response.status_code == 403
    assert "read-only" in response.text
    # and the graph is unchanged
    ask = "ASK { <http://example.org/s> ?p ?o }"
    assert client.get("/sparql", params={"query": ask}).json()["boolean"] is False


def test_dataset_parameters_naming_other_graphs_are_refused(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": CITIES, "default-graph-uri": "http://example.org/g"})
    assert response.status_code == 403
    response = client.post("/sparql", data={"query": CITIES, "named-graph-uri": "http://example.org/g"})
    assert response.status_code == 403


def test_keywords_in_strings_and_iris_are_harmless(client: TestClient) -> None:
    query = (
        PREFIXES
        + """
    # SERVICE <http://example.org/> and INSERT DATA in a comment
    SELECT ?name WHERE {
      ?city a schema:City ; schema:name ?name .
      FILTER(?name != "SERVICE <http://example.org/> { } FROM <http://x/> DROP ALL")
      OPTIONAL { ?city <http://example.org/service/load#from> ?nothing }
    }"""
    )
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    assert city_names(response.json()) == SEED_CITIES


# ---------------------------------------------------------------- errors and limits


def test_malformed_query_gets_400_with_the_parser_message(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "SPARQL syntax error" in response.text
    assert re.search(r"error at 1:\d+", response.text)  # the parser's position


def test_query_length_caps(client: TestClient, service: SparqlService) -> None:
    long_query = CITIES + "#" + "x" * service.max_query_chars
    assert client.get("/sparql", params={"query": long_query}).status_code == 414
    assert client.post("/sparql", data={"query": long_query}).status_code == 413
    response = client.post("/sparql", content=long_query, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
    huge = b"x" * (service.max_query_chars * 13)
    response = client.post("/sparql", content=huge, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413


def test_bad_requests(client: TestClient) -> None:
    assert client.post("/sparql", content=CITIES, headers={"Content-Type": "text/plain"}).status_code == 415
    assert client.post("/sparql", data={"format": "json"}).status_code == 400
    assert client.get("/sparql", params=[("query", CITIES), ("query", CITIES)]).status_code == 400
    response = client.post("/sparql", content=b"SELECT \xff", headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400


def test_row_cap_truncates_and_marks_the_answer(store: Path) -> None:
    with SparqlService(store, max_rows=5, workers=1) as small:
        client = client_for(small)
        everything = "SELECT * WHERE { ?s ?p ?o }"
        response = client.get("/sparql", params={"query": everything})
        assert response.headers["x-result-truncated"] == "true"
        assert len(response.json()["results"]["bindings"]) == 5  # still valid SPARQL JSON
        response = client.get(
            "/sparql", params={"query": everything}, headers={"Accept": "application/sparql-results+xml"}
        )
        assert len(ET.fromstring(response.content).findall(".//{http://www.w3.org/2005/sparql-results#}result")) == 5
        response = client.get("/sparql", params={"query": everything, "format": "csv"})
        assert len(list(csv.reader(io.StringIO(response.text)))) == 6
        response = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"})
        assert response.headers["x-result-truncated"] == "true"
        assert len(response.text.strip().splitlines()) == 5
        # exactly at the cap: complete, so not marked
        response = client.get("/sparql", params={"query": everything + " LIMIT 5"})
        assert "x-result-truncated" not in response.headers
        assert len(response.json()["results"]["bindings"]) == 5
