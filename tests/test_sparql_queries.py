"""Every example query (api/sparql/queries/*.rq) run through the endpoint on the graph of the seeds.

Answers are checked two ways: against facts read in the seed texts (cities, amounts, quotes), and
against the extraction records the graph was built from (counts), so a query that silently joins
the wrong things fails.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rdflib
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sparql_stores import store_from_ntriples  # tests/ is on sys.path

from api.sparql import SparqlService, create_sparql_router
from api.sparql.examples import load_examples
from extract.pipeline import extract_file
from extract.reader import read_text
from extract.records import ExtractionRecord
from graph.rdf import build_rdf

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
EXAMPLES = {example.name: example for example in load_examples()}
Row = dict[str, Any]


@pytest.fixture(scope="module")
def records() -> list[ExtractionRecord]:
    return [extract_file(path) for path in sorted(SEEDS.glob("*.txt"))]


@pytest.fixture(scope="module")
def client(records: list[ExtractionRecord], tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    ntriples = build_rdf(records).serialize(format="nt", encoding="utf-8")
    store = store_from_ntriples(ntriples, tmp_path_factory.mktemp("sparql") / "store")
    with SparqlService(store, workers=1) as service:
        app = FastAPI()
        app.include_router(create_sparql_router(service))
        yield TestClient(app)


def texts() -> dict[str, str]:
    return {path.name: read_text(path)[0] for path in SEEDS.glob("*.txt")}


def value(term: dict[str, str]) -> Any:
    """A SPARQL JSON term as Python: numbers and booleans converted, everything else its string."""
    datatype = term.get("datatype", "").rsplit("#", 1)[-1]
    if datatype == "integer":
        return int(term["value"])
    if datatype in ("decimal", "double"):
        return float(term["value"])
    if datatype == "boolean":
        return term["value"] == "true"
    return term["value"]


def run(client: TestClient, query: str) -> Any:
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()


def select(client: TestClient, name: str) -> list[Row]:
    data = run(client, EXAMPLES[name].query)
    return [{var: value(binding[var]) for var in binding} for binding in data["results"]["bindings"]]


def test_there_are_enough_examples_and_all_run(client: TestClient) -> None:
    assert len(EXAMPLES) >= 8
    for example in EXAMPLES.values():
        response = client.post("/sparql", data={"query": example.query})
        assert response.status_code == 200, f"{example.name}: {response.text}"


def test_examples_are_all_tested() -> None:
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    untested = [name for name in EXAMPLES if not any(t.startswith(f"example_{name[:2]}_") for t in tested)]
    assert not untested


def test_example_01_innovation_vouchers(client: TestClient, records: list[ExtractionRecord]) -> None:
    rows = select(client, "01_innovation_vouchers")
    assert {row["city"] for row in rows} == {"大连", "威海"}  # 盘锦 and 鞍山 do not fund them
    expected = sum(1 for r in records for i in r.instruments if i.type == "innovation_voucher")
    assert len(rows) == expected == 5
    assert all("amountYuan" not in row for row in rows)  # the seeds promise vouchers without a figure
    assert any(row["city"] == "大连" and row["quote"] == "重点通过科技创新券予以支持" for row in rows)


def test_example_02_largest_award_per_level(client: TestClient, records: list[ExtractionRecord]) -> None:
    rows = select(client, "02_largest_award_per_level")
    largest = {row["level"]: row["largestYuan"] for row in rows}
    assert largest["国家级"] == 10_000_000  # 威海: 国家级、省级技术创新中心 分别给予 1000 万元、500 万元
    assert largest["省级"] == 5_000_000
    assert largest["市级"] == 200_000_000  # 威海: 市级财政连续 5 年每年安排 2 亿元
    national = next(row for row in rows if row["level"] == "国家级")
    assert national["city"] == "威海" and "技术创新中心" in national["quote"]
    from_records: dict[str, int] = {}
    for record in records:
        for i in record.instruments:
            if i.level and i.amount_yuan is not None:
                from_records[i.level] = max(from_records.get(i.level, 0), i.amount_yuan)
    assert largest == from_records


def test_example_03_agencies_leading_most_measures(client: TestClient) -> None:
    rows = select(client, "03_agencies_leading_most_measures")
    assert (rows[0]["city"], rows[0]["agency"]) == ("威海", "市科技局")
    assert (rows[1]["city"], rows[1]["agency"]) == ("盘锦", "市科技局")
    counts = [row["measuresLed"] for row in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[2]
    assert not any(row["agency"].startswith("各") for row in rows)  # no collective placeholders


def test_example_04_targets_2025(client: TestClient, records: list[ExtractionRecord]) -> None:
    rows = select(client, "04_targets_2025_by_city")
    assert {row["city"] for row in rows} == {"鞍山"}  # only 鞍山's 2023-2025 plan runs to 2025
    assert len(rows) == sum(1 for r in records for t in r.targets if t.year == 2025)
    found = {(row["indicator"], row["value"], row.get("unit")) for row in rows}
    assert ("全社会研发投入总量", 30, "亿元") in found  # 到2025年,全社会研发投入总量突破30亿
    assert ("科技创新平台总数", 670, "个") in found


def test_example_05_policies_citing_a_policy(client: TestClient) -> None:
    rows = select(client, "05_policies_citing_a_policy")
    assert {row["citingPolicy"] for row in rows} == {"落实大连市重点产业领域科技创新指南2018年工作推进计划"}
    assert {row["city"] for row in rows} == {"大连"}
    assert {row["date"] for row in rows} == {"2018-05-16"}
    assert all("支持科技创新若干政策措施" in row["citedTitle"] for row in rows)
    source = texts()["000_cf86821d3aa6d29d.txt"]
    for row in rows:
        assert source[row["start"] : row["end"]] == row["quote"]
    assert any("大政发〔2017〕52号" in row["quote"] for row in rows)


def test_example_06_instruments_without_amount(client: TestClient, records: list[ExtractionRecord]) -> None:
    rows = select(client, "06_instruments_without_amount")
    answered = {row["city"]: (row["instruments"], row["withoutAmount"]) for row in rows}
    expected = {
        r.city: (len(r.instruments), sum(1 for i in r.instruments if i.amount_yuan is None))
        for r in records
        if r.city != "大连"
    }
    dalian = [r for r in records if r.city == "大连"]  # two policies
    expected["大连"] = (
        sum(len(r.instruments) for r in dalian),
        sum(1 for r in dalian for i in r.instruments if i.amount_yuan is None),
    )
    assert answered == expected
    anshan = next(row for row in rows if row["city"] == "鞍山")
    assert anshan["percentWithout"] == 100


def test_example_07_instrument_counts_by_type(client: TestClient, records: list[ExtractionRecord]) -> None:
    rows = select(client, "07_instrument_counts_by_type")
    answered = Counter({(row["city"], row["type"]): row["instruments"] for row in rows})
    assert answered == Counter((r.city, i.type) for r in records for i in r.instruments)
    anshan = {row["type"] for row in rows if row["city"] == "鞍山"}
    assert anshan == {"loan_interest_subsidy", "risk_compensation", "tax_incentive"}  # “风险补偿+担保+贴息”
    assert all(row["typeLabel"] for row in rows)


def test_example_08_measures_of_a_policy(client: TestClient, records: list[ExtractionRecord]) -> None:
    rows = select(client, "08_measures_of_a_policy")
    panjin = next(r for r in records if r.policy.doc_number == "盘政办发〔2019〕29号")
    assert [row["path"] for row in rows] == [m.path for m in sorted(panjin.measures, key=lambda m: m.start)]
    first = rows[0]
    assert (first["path"], first["heading"], first["leadAgencies"]) == (
        "二/(一)/1",
        "引进建设产业技术研究院",
        "市科技局",
    )
    talent = next(row for row in rows if row["heading"] == "加大高端人才引进力度")
    assert set(talent["leadAgencies"].split("、")) == {"市委组织部", "市科技局", "市人力资源社会保障局"}


def test_example_09_amounts_above_a_million(client: TestClient, records: list[ExtractionRecord]) -> None:
    rows = select(client, "09_amounts_above_a_million")
    assert len(rows) == sum(1 for r in records for i in r.instruments if (i.amount_yuan or 0) > 1_000_000)
    assert all(row["yuan"] > 1_000_000 for row in rows)
    sources = texts()
    for row in rows:  # every quote is exactly the source text at its offsets
        assert sources[row["document"]][row["start"] : row["end"]] == row["quote"]
    assert (rows[0]["city"], rows[0]["yuan"]) == ("威海", 200_000_000)
    dalian = next(row for row in rows if row["city"] == "大连")
    assert dalian["yuan"] == 20_000_000 and dalian["isCeiling"] is True and "最高2000万元" in dalian["quote"]


def test_example_10_incubator_awards_graph(client: TestClient, records: list[ExtractionRecord]) -> None:
    response = client.post(
        "/sparql", data={"query": EXAMPLES["10_incubator_awards_graph"].query}, headers={"Accept": "text/turtle"}
    )
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    pkg = rdflib.Namespace("https://w3id.org/policykg/ontology#")
    schema = rdflib.Namespace("https://schema.org/")
    instruments = set(graph.subjects(rdflib.RDF.type, pkg.Instrument))
    assert len(instruments) == sum(1 for r in records for i in r.instruments if i.type == "incubator_award")
    amounts = {int(v) for v in graph.objects(predicate=schema.value)}
    assert 2_000_000 in amounts  # 威海: 国家级科技企业孵化器 一次性分别给予 200 万元奖励
    cities = {str(graph.value(graph.value(i, pkg.city), schema.name)) for i in instruments}
    assert cities == {r.city for r in records if any(i.type == "incubator_award" for i in r.instruments)}


def test_example_11_does_a_city_fund(client: TestClient) -> None:
    query = EXAMPLES["11_does_a_city_fund"].query
    assert run(client, query)["boolean"] is False  # 盘锦 promises no innovation vouchers
    assert run(client, query.replace('"盘锦"@zh', '"威海"@zh'))["boolean"] is True


def test_example_12_targets_of_an_indicator(client: TestClient, records: list[ExtractionRecord]) -> None:
    from graph.indicators import load_indicators

    rows = select(client, "12_targets_of_an_indicator")
    concept = next(i for i in load_indicators() if i.label_zh == "高新技术企业")
    expected = [t for r in records for t in r.targets + r.baselines if concept.matches(t.indicator)]
    assert len(rows) == len(expected) and len({row["wording"] for row in rows}) > 1  # several wordings, one concept
    assert ("鞍山", "target", "2025", 600) in {(row["city"], row["kind"], row.get("year"), row["value"]) for row in rows}
    assert ("鞍山", "baseline", 473) in {(row["city"], row["kind"], row["value"]) for row in rows}
