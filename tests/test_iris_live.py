"""The graph's IRIs: cities by their administrative-division code, agencies under it, and every IRI
dereferenced through a real server, both ways (HTML for a browser; Turtle, JSON-LD and N-Triples
for an RDF client, holding exactly what /sparql's DESCRIBE gives), and the data-model page."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
import rdflib
from fastapi import FastAPI
from live_server import LiveServer  # tests/ is on sys.path
from pyoxigraph import RdfFormat, serialize
from rdflib import RDF, URIRef
from rdflib.namespace import OWL
from test_remote_store import store_url as oxigraph_url  # noqa: F401 (a fixture: `oxigraph serve` on loopback)

from api.routes_id import create_id_router
from api.serving import ServedGraph, load_served_graph
from api.sparql import SparqlService, create_sparql_router
from graph.iris import BASE, agency_iri, city_iri
from graph.linked_data import curie
from graph.rdf import load_ontology
from graph.remote import upload
from graph.rows import python_value

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PLACES = ROOT / "extract" / "data" / "places.tsv"
SCHEMA = "https://schema.org/"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
RDF_CLIENT = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> ServedGraph:
    return load_served_graph(SEEDS, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def base(served: ServedGraph) -> Iterator[str]:
    app = FastAPI()
    with SparqlService(served.store_path, workers=1) as sparql:
        app.include_router(create_sparql_router(sparql))
        app.include_router(create_id_router(served))
        with LiveServer(app) as server:
            yield server.base


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30, trust_env=False) as http:
        yield http


def prefectures() -> dict[str, dict[str, str]]:
    """places.tsv read here on its own (not through extract/divisions.py): short name → row."""
    with PLACES.open(encoding="utf-8", newline="") as f:
        return {row["city"]: row for row in csv.DictReader(f, delimiter="\t") if row["level"] == "city" and row["city"]}


def select(served: ServedGraph, query: str) -> list[dict[str, Any]]:
    solutions = served.source.query(query)
    names = [v.value for v in solutions.variables]
    return [{name: python_value(s[name]) for name in names} for s in solutions]


PREFIXES = """PREFIX schema: <https://schema.org/>
PREFIX pkg: <https://w3id.org/policykg/ontology#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
"""


# ---------------------------------------------------------------- the IRIs


def test_a_citys_iri_is_its_administrative_division_code(served: ServedGraph) -> None:
    table = prefectures()
    record_cities = {r.city for r in served.records if r.city}
    assert len(record_cities) == 4  # the seeds: one document set per city, each city in places.tsv
    rows = select(served, PREFIXES + "SELECT ?city ?name ?code ?lat ?long WHERE { ?city a schema:City ; "
                  "schema:name ?name OPTIONAL { ?city schema:identifier ?code } "
                  "OPTIONAL { ?city schema:latitude ?lat ; schema:longitude ?long } }")
    assert {r["name"] for r in rows} == record_cities
    for row in rows:
        place = table[row["name"]]
        assert row["city"] == f"{BASE}id/city/{place['adcode']}"
        assert row["code"] == place["adcode"]
        assert (row["lat"], row["long"]) == pytest.approx((float(place["latitude"]), float(place["longitude"])))


def test_an_agency_sits_under_its_citys_code(served: ServedGraph) -> None:
    rows = select(served, PREFIXES + "SELECT ?agency ?city WHERE { ?agency a schema:GovernmentOrganization ; "
                  "pkg:city ?city }")
    assert rows
    for row in rows:
        code = row["city"].rsplit("/", 1)[1]
        assert re.fullmatch(r"\d{6}", code)
        assert re.fullmatch(rf"{re.escape(BASE)}id/agency/{code}/[0-9a-f]{{12}}", row["agency"])


def test_a_city_the_table_does_not_know_keeps_a_name_hash() -> None:
    assert "甲市" not in prefectures()
    assert re.fullmatch(rf"{re.escape(BASE)}id/city/name-[0-9a-f]{{12}}", str(city_iri("甲市")))
    assert str(agency_iri("甲市", "市科技局")).startswith(f"{BASE}id/agency/name-")
    assert str(agency_iri(None, "国务院")).startswith(f"{BASE}id/agency/no-city/")
    assert str(city_iri("大连")) == f"{BASE}id/city/{prefectures()['大连']['adcode']}"


# ---------------------------------------------------------------- dereferencing


def sample_resources(served: ServedGraph) -> list[str]:
    """One resource of each kind the graph mints, found in the graph (not written down here)."""
    found = []
    for klass in ("schema:City", "schema:GovernmentOrganization", "pkg:Policy", "eli:LegalResourceSubdivision",
                  "pkg:Instrument", "pkg:Target", "schema:MonetaryAmount"):
        rows = select(served, PREFIXES + f"SELECT ?r WHERE {{ ?r a {klass} }} ORDER BY ?r LIMIT 1")
        assert rows, klass
        found.append(rows[0]["r"])
    return found


def mirror(base: str, iri: str) -> str:
    assert iri.startswith(BASE + "id/")
    return base + "/id/" + iri[len(BASE + "id/"):]


def describe(client: httpx.Client, base: str, iri: str) -> rdflib.Graph:
    answer = client.get(base + "/sparql", params={"query": f"DESCRIBE <{iri}>"},
                        headers={"Accept": "application/n-triples"})
    assert answer.status_code == 200, answer.text
    return rdflib.Graph().parse(data=answer.text, format="nt")


def test_an_iri_gives_an_rdf_client_what_describe_gives(served: ServedGraph, base: str, client: httpx.Client) -> None:
    for iri in sample_resources(served):
        expected = describe(client, base, iri)
        assert len(expected) >= 2 and set(expected.subjects()) == {URIRef(iri)}
        for media_type, rdflib_format in RDF_CLIENT.items():
            answer = client.get(mirror(base, iri), headers={"Accept": media_type})
            assert answer.status_code == 200, (iri, media_type, answer.text)
            assert answer.headers["content-type"].startswith(media_type)
            assert answer.headers["vary"] == "Accept"
            got = rdflib.Graph().parse(data=answer.text, format=rdflib_format)
            assert set(got) == set(expected), (iri, media_type)


def test_an_iri_gives_a_browser_a_page(served: ServedGraph, base: str, client: httpx.Client) -> None:
    city = sample_resources(served)[0]
    name = select(served, PREFIXES + f"SELECT ?n WHERE {{ <{city}> schema:name ?n }}")[0]["n"]
    answer = client.get(mirror(base, city), headers={"Accept": BROWSER_ACCEPT})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert answer.headers["vary"] == "Accept"
    assert "script-src" not in answer.headers["content-security-policy"]  # no script at all
    links = LinkParser.of(answer.text)
    assert f"<h1>{name}</h1>" in answer.text
    # its policies point to it: each is listed, linked to its own /id/ page
    policies = {r["p"] for r in select(served, PREFIXES + f"SELECT ?p WHERE {{ ?p a pkg:Policy ; pkg:city <{city}> }}")}
    assert policies and {"/id/" + p[len(BASE + "id/"):] for p in policies} <= links
    assert not [href for href in links if href.startswith(("http:", "https:", "//"))]  # no remote address
    # every link to a resource of the graph works
    for href in sorted(h for h in links if h.startswith("/id/"))[:10]:
        assert client.get(base + href, headers={"Accept": BROWSER_ACCEPT}).status_code == 200, href


def test_an_unknown_iri_is_a_404_both_ways(base: str, client: httpx.Client) -> None:
    for accept in (BROWSER_ACCEPT, "text/turtle"):
        answer = client.get(base + "/id/city/000000", headers={"Accept": accept})
        assert answer.status_code == 404
    assert client.get(base + "/id/city/210200", headers={"Accept": "application/pdf"}).status_code == 406


# ---------------------------------------------------------------- the ontology and the data-model page


class LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: set[str] = set()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value:
                self.hrefs.add(value)
            if name == "id" and value:
                self.ids.add(value)

    @classmethod
    def of(cls, text: str) -> set[str]:
        parser = cls()
        parser.feed(text)
        return parser.hrefs

    @classmethod
    def ids_of(cls, text: str) -> set[str]:
        parser = cls()
        parser.feed(text)
        return parser.ids


def test_the_data_model_page_lists_every_term_of_the_ontology(base: str, client: httpx.Client) -> None:
    ontology = load_ontology()
    terms = {s for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty) for s in ontology.subjects(RDF.type, kind)}
    assert len(terms) > 10
    page = client.get(base + "/ontology", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    ids = LinkParser.ids_of(page.text)
    for term in terms:
        local = str(term).split("#", 1)[1]
        assert local in ids, local  # /ontology#city is pkg:city, as the namespace says
        assert curie(str(term)) in page.text
    assert "cheat-sheet" in ids and "xsd:gYear" in page.text and "@zh" in page.text


def test_the_ontology_answers_an_rdf_client(base: str, client: httpx.Client) -> None:
    expected = load_ontology()
    for media_type, rdflib_format in RDF_CLIENT.items():
        answer = client.get(base + "/ontology", headers={"Accept": media_type})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(media_type)
        assert set(rdflib.Graph().parse(data=answer.text, format=rdflib_format)) == set(expected)


def test_the_query_page_links_the_data_model(base: str, client: httpx.Client) -> None:
    page = client.get(base + "/sparql", headers={"Accept": BROWSER_ACCEPT})
    assert "/ontology" in LinkParser.of(page.text)


# ---------------------------------------------------------------- a remote store


def test_iris_answer_the_same_from_a_remote_store(served: ServedGraph, oxigraph_url: str, client: httpx.Client,  # noqa: F811
                                                  base: str) -> None:
    """`serve --store URL`: /id/ and /ontology read the remote store through the same queries."""
    everything = serialize(served.source.query("CONSTRUCT WHERE { ?s ?p ?o }"), format=RdfFormat.N_TRIPLES)
    upload(oxigraph_url, everything)
    remote = ServedGraph(served.directory, store_url=oxigraph_url)
    app = FastAPI()
    app.include_router(create_id_router(remote))
    with LiveServer(app) as server:
        for iri in sample_resources(served):
            for accept in ("text/turtle", BROWSER_ACCEPT):
                local = client.get(mirror(base, iri), headers={"Accept": accept})
                far = client.get(mirror(server.base, iri), headers={"Accept": accept})
                assert far.status_code == local.status_code == 200
                if accept == "text/turtle":
                    assert set(rdflib.Graph().parse(data=far.text)) == set(rdflib.Graph().parse(data=local.text))
                else:
                    assert far.text == local.text
        assert client.get(server.base + "/id/city/000000").status_code == 404
        page = client.get(server.base + "/ontology", headers={"Accept": BROWSER_ACCEPT})
        assert page.status_code == 200 and page.text == client.get(base + "/ontology", headers={"Accept": BROWSER_ACCEPT}).text
