"""SPARQLWrapper, the Python SPARQL client, asking a real server for every format it knows.

SELECT and ASK in JSON, XML, CSV and TSV; CONSTRUCT and DESCRIBE in Turtle, N3, RDF/XML (XML),
JSON-LD and N-Triples, by GET and by POST. SPARQLWrapper sends its format both in Accept and in
`format=` parameters (for JSON-LD: `format=json-ld&format=application/ld+json,application/x-json+ld`);
each answer must be in the format asked for (N3 is answered as Turtle, which is N3) and hold what
the store itself answers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rdflib
from fastapi import FastAPI
from live_server import LiveServer  # tests/ is on sys.path
from pyoxigraph import RdfFormat, serialize
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from api.serving import ServedGraph, load_served_graph
from api.sparql import SparqlService, create_sparql_router
from extract.divisions import prefectures
from graph.iris import city_iri

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PREFIXES = "PREFIX schema: <https://schema.org/>\nPREFIX pkg: <https://w3id.org/policykg/ontology#>\n"
SELECT = PREFIXES + "SELECT ?city ?code WHERE { ?city a schema:City ; schema:identifier ?code } ORDER BY ?code"
ASK = PREFIXES + 'ASK { ?city a schema:City ; schema:name "大连"@zh }'
CONSTRUCT = PREFIXES + "CONSTRUCT { ?city schema:name ?name ; schema:identifier ?code } WHERE { ?city a schema:City ; schema:name ?name ; schema:identifier ?code }"
DESCRIBE = PREFIXES + "DESCRIBE ?city WHERE { ?city a schema:City ; schema:name \"大连\"@zh }"
# What each graph format's answer is parsed with (SPARQLWrapper gives bytes for Turtle and N3, an
# rdflib graph for RDF/XML and JSON-LD).
GRAPH_FORMATS = {TURTLE: "text/turtle", N3: "text/turtle", RDFXML: "application/rdf+xml", XML: "application/rdf+xml",
                 JSONLD: "application/ld+json"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> ServedGraph:
    return load_served_graph(SEEDS, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def endpoint(served: ServedGraph) -> Iterator[str]:
    app = FastAPI()
    with SparqlService(served.store_path, workers=2) as sparql:
        app.include_router(create_sparql_router(sparql))
        with LiveServer(app) as server:
            yield server.sparql_url


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback only: SPARQLWrapper (urllib) would otherwise use a proxy of the environment."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")


def ask(endpoint: str, query: str, return_format: str, method: str) -> tuple[Any, str]:
    """SPARQLWrapper's converted answer and the Content-Type it came with."""
    wrapper = SPARQLWrapper(endpoint)
    wrapper.setQuery(query)
    wrapper.setReturnFormat(return_format)
    wrapper.setMethod(method)
    result = wrapper.query()
    return result.convert(), result.info()["content-type"]


def store_rows(served: ServedGraph) -> list[tuple[str, str]]:
    return [(s["city"].value, s["code"].value) for s in served.source.query(SELECT)]


def store_graph(served: ServedGraph, query: str) -> set[Any]:
    ntriples = serialize(served.source.query(query), format=RdfFormat.N_TRIPLES)
    return set(rdflib.Graph().parse(data=ntriples, format="nt"))


@pytest.mark.parametrize("method", [GET, POST])
def test_select_in_every_results_format(served: ServedGraph, endpoint: str, method: str) -> None:
    expected = store_rows(served)
    assert len(expected) == 4

    data, media = ask(endpoint, SELECT, JSON, method)
    assert media.startswith("application/sparql-results+json")
    assert [(b["city"]["value"], b["code"]["value"]) for b in data["results"]["bindings"]] == expected

    document, media = ask(endpoint, SELECT, XML, method)
    assert media.startswith("application/sparql-results+xml")
    rows = []
    for result in document.getElementsByTagName("result"):
        values = {b.getAttribute("name"): b.firstChild.firstChild.data
                  for b in result.getElementsByTagName("binding")}
        rows.append((values["city"], values["code"]))
    assert rows == expected

    text, media = ask(endpoint, SELECT, CSV, method)
    assert media.startswith("text/csv")
    assert [tuple(r.values()) for r in csv.DictReader(io.StringIO(text.decode("utf-8")))] == expected

    text, media = ask(endpoint, SELECT, TSV, method)
    assert media.startswith("text/tab-separated-values")
    lines = text.decode("utf-8").splitlines()
    assert lines[0] == "?city\t?code"
    assert lines[1:] == [f'<{city}>\t"{code}"' for city, code in expected]


@pytest.mark.parametrize("method", [GET, POST])
def test_ask_in_every_results_format(endpoint: str, method: str) -> None:
    data, media = ask(endpoint, ASK, JSON, method)
    assert media.startswith("application/sparql-results+json") and data["boolean"] is True
    document, media = ask(endpoint, ASK, XML, method)
    assert media.startswith("application/sparql-results+xml")
    assert document.getElementsByTagName("boolean")[0].firstChild.data == "true"
    for return_format, media_type in ((CSV, "text/csv"), (TSV, "text/tab-separated-values")):
        text, media = ask(endpoint, ASK, return_format, method)
        assert media.startswith(media_type)
        assert "true" in text.decode("utf-8")


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_graphs_in_every_rdf_format(served: ServedGraph, endpoint: str, query: str, method: str) -> None:
    expected = store_graph(served, query)
    assert len(expected) >= 3
    for return_format, media_type in GRAPH_FORMATS.items():
        answer, media = ask(endpoint, query, return_format, method)
        assert media.startswith(media_type), (return_format, media)
        if isinstance(answer, bytes):  # Turtle, and N3 answered as Turtle: read by an N3 parser too
            graph = rdflib.Graph().parse(data=answer.decode("utf-8"), format="n3" if return_format == N3 else "turtle")
        else:
            assert isinstance(answer, rdflib.Graph), return_format
            graph = answer
        assert set(graph) == expected, return_format


@pytest.mark.parametrize("method", [GET, POST])
def test_ntriples_asked_by_accept_header(served: ServedGraph, endpoint: str, method: str) -> None:
    """SPARQLWrapper has no N-Triples return format: a client asks for it in its Accept header."""
    wrapper = SPARQLWrapper(endpoint)
    wrapper.setQuery(CONSTRUCT)
    wrapper.setMethod(method)
    wrapper.setOnlyConneg(True)  # no format= parameter: the Accept header alone decides
    wrapper.addCustomHttpHeader("Accept", "application/n-triples")
    result = wrapper.query()
    assert result.info()["content-type"].startswith("application/n-triples")
    graph = rdflib.Graph().parse(data=result.response.read().decode("utf-8"), format="nt")
    assert set(graph) == store_graph(served, CONSTRUCT)


def test_the_readme_sparqlwrapper_example_runs_as_printed(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    readme = (SEEDS.parent / "README.md").read_text(encoding="utf-8")
    examples = [block for block in re.findall(r"```python\n(.*?)```", readme, re.DOTALL) if "SPARQLWrapper(" in block]
    assert len(examples) == 1
    printed_url = "http://127.0.0.1:8000/sparql"
    assert printed_url in examples[0]
    exec(compile(examples[0].replace(printed_url, endpoint), "README.md", "exec"), {})  # noqa: S102
    output = capsys.readouterr().out
    dalian = prefectures()["大连"]  # the row of places.tsv the city's IRI and coordinates come from
    assert f"{city_iri('大连')} 大连 {dalian.latitude} {dalian.longitude}" in output.splitlines()
    assert str(city_iri("大连")) == "https://w3id.org/policykg/id/city/210200"  # the IRI the README describes
    assert '"210200"' in output and "schema:City" in output
