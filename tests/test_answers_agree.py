"""One answer everywhere: on the seeds, /agencies, /compare (every instrument type, JSON and CSV),
/compare/matrix and /browse/compare give, item for item, what the query layer's SPARQL files give
when run through the public /sparql endpoint of the same app; and the agency merge of
graph/resolve.py reaches /agencies."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, QueryResultsFormat, QuerySolutions, parse_query_results

from api.app import create_app
from api.serving import load_served_graph
from api.sparql import SparqlService
from extract.taxonomy import load_taxonomy
from graph.questions import question
from graph.rows import python_value, split
from graph.terms import format_wan

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TYPES = [t.id for t in load_taxonomy()]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    served = load_served_graph(SEEDS, tmp_path_factory.mktemp("cache"))
    service = SparqlService(served.store_path, timeout_s=10.0, max_rows=10_000, workers=1)
    with TestClient(create_app(served, service)) as running:  # the lifespan starts the SPARQL worker
        yield running


def sparql(client: TestClient, text: str) -> list[dict[str, Any]]:
    """Rows of a query run through /sparql, as plain Python values (graph.rows.python_value)."""
    response = client.post(
        "/sparql",
        content=text.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    solutions = parse_query_results(response.content, format=QueryResultsFormat.JSON)
    assert isinstance(solutions, QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: python_value(s[n]) for n in names} for s in solutions]


def corpus_cities(client: TestClient) -> list[str]:
    return [row["city"] for row in sparql(client, question("cities").text)]


def test_the_matrix_is_the_matrix_query(client: TestClient) -> None:
    cells = sparql(client, question("matrix").text)
    assert cells  # the seeds fund something
    table = client.get("/compare/matrix").json()
    assert [r["city"] for r in table] == corpus_cities(client)  # every city, in corpus order
    by_city = {r["city"]: r for r in table}
    for cell in cells:
        row = by_city[cell["city"]]
        assert (row[f"{cell['type']}.count"], row[f"{cell['type']}.largest_yuan"]) == (cell["count"], cell["largestYuan"])
    for row in table:  # and nothing that the query does not have
        own = [c for c in cells if c["city"] == row["city"]]
        assert row["instruments"] == sum(c["count"] for c in own)
        assert sorted(row["types"]) == sorted(c["type"] for c in own)
    rows = list(csv.DictReader(io.StringIO(client.get("/compare/matrix?format=csv").text.lstrip("\ufeff"))))
    assert [(r["city"], int(r["instruments"])) for r in rows] == [(r["city"], r["instruments"]) for r in table]


@pytest.mark.parametrize("type_id", TYPES)
def test_compare_is_the_compare_query(client: TestClient, type_id: str) -> None:
    rows = sparql(client, question("compare").bind(typeId=Literal(type_id)))
    answer = client.get("/compare", params={"instrument": type_id}).json()
    funders = list(dict.fromkeys(r["city"] for r in rows))
    assert [c["city"] for c in answer["cities"] if c["funds"]] == funders
    assert answer["does_not_fund"] == [c for c in corpus_cities(client) if c not in funders]
    listed = [i for c in answer["cities"] for i in c["instruments"]]
    assert [(i["city"], i["doc"], i["start"], i["end"]) for i in listed] == [
        (r["city"], r["file"], r["start"], r["end"]) for r in rows
    ]
    for item, row in zip(listed, rows, strict=True):
        assert (item["amount_yuan"], item["max"], item["per"], item["ratio"]) == (
            row["amountYuan"],
            row["isCeiling"],
            row["per"],
            row["ratio"],
        )
        assert (item["level"], item["recipient"], item["quote"], item["policy_title"]) == (
            row["level"],
            row["recipient"],
            row["quote"],
            row["policyTitle"],
        )
        # the measure's agencies and the policy's own date, as the query gives them
        assert (item["lead_agencies"], item["responsible_agencies"]) == (
            split(row["leadAgencies"]),
            split(row["responsibleAgencies"]),
        )
        assert (item["date"], item["date_kind"]) == (row["date"], row["dateKind"])
        assert item["source"] == f"/source/{row['file']}?start={row['start']}&end={row['end']}"
    table = list(csv.DictReader(io.StringIO(client.get(f"/compare?instrument={type_id}&format=csv").text.lstrip("\ufeff"))))
    assert [(r["city"], r["doc"], r["start"]) for r in table if r["funds"] == "yes"] == [
        (r["city"], r["file"], str(r["start"])) for r in rows
    ]
    assert [r["city"] for r in table if r["funds"] == "no"] == answer["does_not_fund"]
    assert [(r["lead_agencies"], r["date"], r["date_kind"]) for r in table if r["funds"] == "yes"] == [
        ("; ".join(split(r["leadAgencies"])), r["date"] or "", r["dateKind"] or "") for r in rows
    ]
    # the listed form (a page of rows) gives the same rows, agencies and dates included
    listed = client.get("/compare", params={"instrument": type_id, "limit": 1000}).json()["rows"]
    assert [(r["city"], r["doc"], r["start"], r["lead_agencies"], r["date_kind"]) for r in listed if r["funds"]] == [
        (r["city"], r["file"], r["start"], split(r["leadAgencies"]), r["dateKind"]) for r in rows
    ]


def test_compare_by_label_answers_the_same_with_the_term_asked(client: TestClient) -> None:
    by_label = client.get("/compare", params={"instrument": "孵化器"}).json()
    by_id = client.get("/compare", params={"instrument": "incubator_award"}).json()
    assert by_label["term"] == "孵化器" and by_id["term"] == "incubator_award"
    assert by_label["cities"] == by_id["cities"]


def test_agencies_are_the_agencies_query(client: TestClient) -> None:
    rows = sparql(client, question("agencies").bind(city=None))
    answer = client.get("/agencies").json()
    assert [(a["city"], a["name"], a["lead_count"], a["responsible_count"]) for a in answer] == [
        (r["city"], r["name"], r["leadCount"] or 0, r["responsibleCount"] or 0) for r in rows
    ]
    for agency, row in zip(answer, rows, strict=True):
        assert agency["aliases"] == sorted((row["aliases"] or "").split("\n") if row["aliases"] else [])
        assert set(agency["measures_led"]) == set(row["measuresLed"].split("\n") if row["measuresLed"] else [])
    weihai = sparql(client, question("agencies").bind(city=Literal("威海")))
    assert [a["name"] for a in client.get("/agencies", params={"city": "威海"}).json()["rows"]] == [r["name"] for r in weihai]


COUNT_BODIES = """PREFIX pkg: <https://w3id.org/policykg/ontology#>
PREFIX schema: <https://schema.org/>
SELECT ?city (COUNT(DISTINCT ?agency) AS ?n)
WHERE { ?agency a schema:GovernmentOrganization ; pkg:city/schema:name ?name . BIND(STR(?name) AS ?city) }
GROUP BY ?city"""

MERGED = """PREFIX schema: <https://schema.org/>
SELECT ?name ?alias WHERE { ?agency a schema:GovernmentOrganization ; schema:name ?name ; schema:alternateName ?alias }"""


def test_the_agency_merge_reaches_agencies(client: TestClient) -> None:
    """/agencies counts the merged bodies the graph has: one per body, whatever its names in the
    documents (the per-record lists it was counted from before gave 39/31/13/14 on these seeds)."""
    per_city: dict[str, int] = {}
    for agency in client.get("/agencies").json():
        per_city[agency["city"]] = per_city.get(agency["city"], 0) + 1
    assert per_city == {r["city"]: r["n"] for r in sparql(client, COUNT_BODIES)}
    # every name the merge folded into a body is that body's alias, and no body is listed twice
    names = {(a["city"], a["name"]) for a in client.get("/agencies").json()}
    assert len(names) == sum(per_city.values())
    aliases = {a["name"]: set(a["aliases"]) for a in client.get("/agencies").json()}
    for row in sparql(client, MERGED):
        assert row["alias"] in aliases[row["name"]]


SUMMARY_ROW = re.compile(r'<tr><td>([^<]*)</td>\s*<td class="num">([^<]*)</td>\s*<td class="num">([^<]*)</td></tr>')


@pytest.mark.parametrize("type_id", ["innovation_voucher", "incubator_award", "talent_subsidy", "tax_incentive"])
def test_the_comparison_page_is_the_compare_query(client: TestClient, type_id: str) -> None:
    rows = sparql(client, question("compare").bind(typeId=Literal(type_id)))
    page = client.get("/browse/compare", params={"instrument": type_id}).text
    table = page[page.index('<table class="summary">') : page.index("</table>", page.index('<table class="summary">'))]
    summary = [(html.unescape(c), n, html.unescape(w)) for c, n, w in SUMMARY_ROW.findall(table)]
    funders = list(dict.fromkeys(r["city"] for r in rows))
    assert [c for c, _, _ in summary] == funders + [c for c in corpus_cities(client) if c not in funders]
    for city, count, largest in summary[: len(funders)]:
        own = [r for r in rows if r["city"] == city]
        assert int(count) == len(own)
        amounts = [r["amountYuan"] for r in own if r["amountYuan"] is not None]
        assert largest == (format_wan(max(amounts)) if amounts else "未写明金额 · no figure")
    data = json.loads(re.search(r'id="policykg-data">(.*?)</script>', page, re.S).group(1))
    drawn = [n["iri"] for n in data["nodes"] if n["kind"] == "instrument"]  # the page shows them as pkgid:…
    assert drawn == [r["instrument"].replace("https://w3id.org/policykg/id/", "pkgid:") for r in rows]


def test_agencies_named_differently_in_two_documents_are_one_body(tmp_path: Path) -> None:
    """市科学技术局 (also called 市科技局) in one policy and 市科技局 in another: one agency of the
    city, with the measures of both, where the per-document lists had two."""
    from conftest import record

    from api.serving import served_records
    from extract.records import Measure

    first = record("a.txt", "甲市", agencies=["市科学技术局"])
    first.agencies[0].aliases = ["市科学技术局", "市科技局"]
    first.agencies[0].lead_measures = first.agencies[0].measures = ["m1"]
    first.measures = [Measure("m1", "一", "支持创新", ["市科学技术局"], [], 0, 10)]
    second = record("b.txt", "甲市", agencies=["市科技局"])
    second.agencies[0].measures = ["m1"]
    second.measures = [Measure("m1", "一", "落实", [], ["市科技局"], 0, 10)]
    client = TestClient(create_app(served_records([first, second], tmp_path / "build")))
    assert client.get("/agencies", params={"city": "甲市"}).json()["rows"] == [
        {
            "city": "甲市",
            "name": "市科学技术局",
            "aliases": ["市科技局"],
            "measures_led": ["a/m1"],
            "measures_responsible": ["b/m1"],
            "lead_count": 1,
            "responsible_count": 1,
        }
    ]
