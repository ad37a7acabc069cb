"""The analyst API over the seeds, through FastAPI's TestClient."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.serving import load_served_graph

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    served = load_served_graph(SEEDS, tmp_path_factory.mktemp("cache"))
    return TestClient(create_app(served))


def test_cities_list_and_csv(client: TestClient) -> None:
    cities = {row["city"]: row for row in client.get("/cities").json()}
    assert set(cities) == {"大连", "威海", "盘锦", "鞍山"}
    assert cities["大连"]["policies"] == 2
    response = client.get("/cities", headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert {r["city"] for r in rows} == set(cities)


def test_compare_innovation_vouchers_lists_funders_and_non_funders(client: TestClient) -> None:
    data = client.get("/compare", params={"instrument": "科技创新券"}).json()
    assert data["type"]["id"] == "innovation_voucher"
    funders = {c["city"] for c in data["cities"] if c["funds"]}
    assert {"大连", "威海"} <= funders
    assert "盘锦" in data["does_not_fund"]
    inst = next(c for c in data["cities"] if c["funds"])["instruments"][0]
    assert inst["source"] == f"/source/{inst['doc']}?start={inst['start']}&end={inst['end']}"
    # the link leads to the very quote
    quoted = client.get(inst["source"] + "&format=json").json()
    assert quoted["quote"] == inst["quote"]


def test_compare_by_english_label_and_cue_word_agree(client: TestClient) -> None:
    by_label = client.get("/compare", params={"instrument": "innovation voucher"}).json()
    by_cue = client.get("/compare", params={"instrument": "创新券"}).json()
    assert by_label["cities"] == by_cue["cities"]


def test_incubator_awards_carry_amounts(client: TestClient) -> None:
    data = client.get("/compare", params={"instrument": "孵化器", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(data.text.lstrip("\ufeff"))))
    weihai = [r for r in rows if r["city"] == "威海" and r["amount_yuan"]]
    assert "2000000" in {r["amount_yuan"] for r in weihai}


def test_unknown_names_get_404_with_suggestions(client: TestClient) -> None:
    response = client.get("/cities/大連市")
    assert response.status_code == 404
    assert "大连" in response.json()["detail"]["did_you_mean"]
    response = client.get("/compare", params={"instrument": "vouchers for nothing"})
    assert response.status_code == 404
    assert client.get("/policies/nope").status_code == 404
    assert client.get("/targets", params={"indicator": "火星殖民"}).status_code == 404


def test_policy_detail_has_measures_agencies_and_citations(client: TestClient) -> None:
    policies = client.get("/policies").json()
    panjin = next(p for p in policies if p["city"] == "盘锦")
    detail = client.get(f"/policies/{panjin['id']}").json()
    assert detail["doc_number"] == "盘政办发〔2019〕29号"
    assert any(m["lead_agencies"] for m in detail["measures"])
    assert detail["cited_policies"]


def test_agencies_of_a_city(client: TestClient) -> None:
    rows = client.get("/agencies", params={"city": "威海"}).json()["rows"]
    kejiju = next(r for r in rows if r["name"] == "市科技局")
    assert kejiju["lead_count"] > 10
    assert client.get("/agencies", params={"city": "火星"}).status_code == 404


def test_targets_across_cities(client: TestClient) -> None:
    data = client.get("/targets", params={"indicator": "高新技术企业"}).json()
    cities = {row["city"] for row in data["targets"]}
    assert {"威海", "鞍山", "盘锦"} <= cities
    anshan = [r for r in data["targets"] if r["city"] == "鞍山" and r["kind"] == "target"]
    assert (600, 2025) in {(r["value"], r["year"]) for r in anshan}
    rd = client.get("/targets", params={"indicator": "R&D 投入占比"}).json()
    assert (2.85, "%") in {(r["value"], r["unit"]) for r in rd["targets"]}


def test_matrix_and_taxonomy(client: TestClient) -> None:
    rows = client.get("/compare/matrix").json()
    weihai = next(r for r in rows if r["city"] == "威海")
    assert weihai["science_prize_matching.largest_yuan"] == 5_000_000
    assert weihai["science_prize_matching.count"] >= 1 and "science_prize_matching" in weihai["types"]
    types = {t["id"]: t for t in client.get("/instruments").json()}
    assert types["innovation_voucher"]["label_zh"] == "科技创新券"
    assert types["innovation_voucher"]["counts"]["威海"] >= 1


@pytest.mark.parametrize(
    ("question", "intent", "expected"),
    [
        ("哪些城市资助孵化器", "compare", "incubator_award"),
        ("大连 创新券", "compare", "innovation_voucher"),
        ("which cities fund innovation vouchers", "compare", "innovation_voucher"),
    ],
)
def test_search_understands_chinese_and_english(client: TestClient, question: str, intent: str, expected: str) -> None:
    data = client.get("/search", params={"q": question}).json()
    assert data["understood"]["intent"] == intent
    assert expected in data["understood"]["instrument_types"]
    assert data["answer"]


def test_search_with_a_city_narrows_the_table(client: TestClient) -> None:
    data = client.get("/search", params={"q": "大连 创新券"}).json()
    assert data["understood"]["cities"] == ["大连"]
    assert {c["city"] for c in data["answer"][0]["cities"]} == {"大连"}


def test_source_page_highlights_and_escapes(client: TestClient) -> None:
    doc = "002_4e90a411367dfbcd.txt"
    text = (SEEDS / doc).read_text(encoding="utf-8")
    start = text.index("100萬元")
    page = client.get(f"/source/{doc}", params={"start": start, "end": start + 5})
    assert '<mark id="hit">100萬元</mark>' in page.text
    assert client.get(f"/source/{doc}", params={"start": 5, "end": 10**7}).status_code == 400
    assert client.get("/source/nope.txt").status_code == 404


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/compare", "/targets", "/search", "/source/{doc}"} <= set(paths)


@pytest.mark.parametrize(
    "path, params",
    [
        ("/compare", {"instrument": "孵化器"}),
        ("/compare", {"instrument": "incubator_award", "format": "csv"}),
        ("/compare/matrix", {}),
        ("/search", {"q": "哪些城市资助孵化器"}),
        ("/agencies", {"city": "大连"}),
    ],
)
def test_answers_are_gzipped_for_clients_that_accept_it(client: TestClient, path: str, params: dict[str, str]) -> None:
    """The same bytes either way; compressed only when asked, and the same the second time."""
    import gzip

    plain = client.get(path, params=params, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    for _ in range(2):
        packed = client.get(path, params=params, headers={"Accept-Encoding": "gzip"}, extensions={})
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.content == plain.content  # httpx undoes the gzip
        assert len(gzip.compress(plain.content)) < len(plain.content)


def test_a_comparison_asked_by_another_word_echoes_that_word(client: TestClient) -> None:
    """Answers are kept by what was asked: 孵化器 and incubator_award are the same table under their own term."""
    by_cue = client.get("/compare", params={"instrument": "孵化器"}).json()
    by_id = client.get("/compare", params={"instrument": "incubator_award"}).json()
    assert (by_cue["term"], by_id["term"]) == ("孵化器", "incubator_award")
    assert by_cue["cities"] == by_id["cities"]
