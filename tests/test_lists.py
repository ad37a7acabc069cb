"""The analyst's lists through a real server (uvicorn on 127.0.0.1): filters, sort and paging on
every list, 400 for an unknown parameter or a malformed value, 404 with the nearest names, JSON,
CSV and HTML agreeing row for row, and /compare/matrix as an Excel workbook read back by openpyxl."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from live_server import LiveServer

from api.app import create_app
from api.serving import load_served_graph

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    served = load_served_graph(SEEDS, tmp_path_factory.mktemp("cache"))
    with LiveServer(create_app(served)) as server, httpx.Client(base_url=server.base, trust_env=False, timeout=30) as c:
        yield c


def rows_of(http: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    response = http.get(path, params={**params, "limit": 1000})
    assert response.status_code == 200, response.text
    return response.json()["rows"]


# each list, what it needs besides, and a filter that keeps some rows but not all on the seeds
LISTS = [
    ("/cities", {}, "type", "talent_subsidy"),
    ("/policies", {}, "city", "大连"),
    ("/agencies", {}, "city", "威海"),
    ("/targets", {"indicator": "高新技术企业"}, "kind", "target"),
    ("/compare", {"instrument": "孵化器"}, "level", "国家级"),
    ("/compare/matrix", {}, "type", "incubator_award"),
    ("/search", {"q": "哪些城市资助孵化器"}, "city", "威海"),
]
SORTS = {"/cities": "policies", "/policies": "measures", "/agencies": "lead_count", "/targets": "value",
         "/compare": "amount_yuan", "/compare/matrix": "instruments", "/search": "amount_yuan"}


@pytest.mark.parametrize(("path", "needs", "name", "value"), LISTS)
def test_a_filter_keeps_the_rows_that_match(http: httpx.Client, path: str, needs: dict, name: str, value: str) -> None:
    whole = rows_of(http, path, **needs)
    kept = rows_of(http, path, **needs, **{name: value})
    column = {"type": "instrument_types" if path == "/cities" else "types"}.get(name, name)
    matches = [r for r in whole if r[column] == value or (isinstance(r[column], list) and value in r[column])]
    assert kept == matches and 0 < len(kept) < len(whole)


@pytest.mark.parametrize(("path", "needs", "name", "value"), LISTS)
def test_sort_and_paging(http: httpx.Client, path: str, needs: dict, name: str, value: str) -> None:
    column = SORTS[path]
    ordered = rows_of(http, path, **needs, sort=f"-{column}")
    values = [r[column] for r in ordered if r[column] is not None]
    assert values == sorted(values, reverse=True) and len(set(values)) > 1
    assert all(r[column] is None for r in ordered[len(values) :])  # empty cells last
    first = http.get(path, params={**needs, "sort": f"-{column}", "limit": 2}).json()
    assert first["rows"] == ordered[:2] and first["total"] == len(ordered) and first["limit"] == 2
    assert first["next"] is not None
    following = http.get(first["next"]).json()
    assert following["rows"] == ordered[2:4] and following["offset"] == 2


@pytest.mark.parametrize(("path", "needs", "name", "value"), LISTS)
def test_an_unknown_parameter_or_a_malformed_value_is_a_400_naming_it(
    http: httpx.Client, path: str, needs: dict, name: str, value: str
) -> None:
    response = http.get(path, params={**needs, "colour": "red"})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail["parameter"] == "colour" and name in detail["allowed"]
    for bad in ({"limit": "many"}, {"limit": "5000"}, {"offset": "-1"}, {"sort": "nonsense"}, {"format": "pdf"}):
        response = http.get(path, params={**needs, **bad})
        assert response.status_code == 400, bad
        assert response.json()["detail"]["parameter"] == next(iter(bad))
    assert http.get(path).status_code == (400 if needs else 200)  # what a list needs is required


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/compare", {"instrument": "孵化器", "min_amount": "lots"}, "min_amount"),
        ("/compare", {"instrument": "孵化器", "year": "twenty"}, "year"),
        ("/compare", {"instrument": "孵化器", "level": "县级以上"}, "level"),
        ("/targets", {"indicator": "高新技术企业", "target_year": "2025年"}, "target_year"),
        ("/compare/matrix", {"type": "vouchers"}, "type"),
    ],
)
def test_malformed_filter_values(http: httpx.Client, path: str, params: dict, parameter: str) -> None:
    response = http.get(path, params=params)
    assert response.status_code == 400 and response.json()["detail"]["parameter"] == parameter


def test_unknown_city_or_agency_is_a_404_with_the_nearest_names(http: httpx.Client) -> None:
    response = http.get("/compare", params={"instrument": "孵化器", "city": "大連"})
    assert response.status_code == 404 and "大连" in response.json()["detail"]["did_you_mean"]
    response = http.get("/agencies", params={"agency": "市科技厅"})
    assert response.status_code == 404 and "市科技局" in response.json()["detail"]["did_you_mean"]
    assert http.get("/compare", params={"instrument": "火星券", "city": "大连"}).status_code == 404


def test_an_agency_by_another_of_its_names_finds_its_rows(tmp_path: Path) -> None:
    """市科学技术局 is also called 市科技局: asked by either name, the list gives the merged body."""
    from conftest import record
    from fastapi.testclient import TestClient

    from api.serving import served_records
    from extract.records import Measure

    first = record("a.txt", "甲市", agencies=["市科学技术局"])
    first.agencies[0].aliases = ["市科学技术局", "市科技局"]
    first.agencies[0].lead_measures = first.agencies[0].measures = ["m1"]
    first.measures = [Measure("m1", "一", "支持创新", ["市科学技术局"], [], 0, 10)]
    client = TestClient(create_app(served_records([first], tmp_path / "build")))
    by_name = client.get("/agencies", params={"agency": "市科学技术局"}).json()["rows"]
    assert [a["name"] for a in by_name] == ["市科学技术局"]
    assert client.get("/agencies", params={"agency": "市科技局"}).json()["rows"] == by_name


def test_compare_filters_by_amount_and_agency(http: httpx.Client) -> None:
    whole = [r for r in rows_of(http, "/compare", instrument="孵化器") if r["funds"]]
    rich = rows_of(http, "/compare", instrument="孵化器", min_amount=1_000_000)
    assert rich == [r for r in whole if r["amount_yuan"] is not None and r["amount_yuan"] >= 1_000_000] and rich
    lead = whole[0]["lead_agencies"][0]
    led = rows_of(http, "/compare", instrument="孵化器", agency=lead)
    assert led and all(lead in r["lead_agencies"] + r["responsible_agencies"] for r in led)


def test_a_city_with_no_match_is_no_such_promise_in_its_documents(http: httpx.Client) -> None:
    answer = http.get("/compare", params={"instrument": "孵化器"}).json()
    city = answer["no_such_promise"][0]
    policies = rows_of(http, "/policies", city=city["city"])
    assert city["documents"] == [p["doc"] for p in policies]
    assert city["message"].startswith(f"no such promise in the {len(policies)} document")
    row = rows_of(http, "/compare", instrument="孵化器", city=city["city"])
    assert [r["funds"] for r in row] == [False] and row[0]["note"].startswith(city["message"])
    page = http.get("/compare", params={"instrument": "孵化器", "format": "html"}).text
    assert "does not fund" not in page and "no such promise" in page


def csv_rows(http: httpx.Client, path: str, **params: Any) -> list[dict[str, str]]:
    response = http.get(path, params={**params, "limit": 1000, "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))


def html_rows(http: httpx.Client, path: str, **params: Any) -> tuple[list[str], list[list[str]], str]:
    page = http.get(path, params={**params, "limit": 1000}, headers={"Accept": "text/html,*/*"}).text
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", page, re.S).group(1)
    columns = [re.sub(r"<[^>]+>| [▲▼]", "", c) for c in re.findall(r"<th>(.*?)</th>", head)]
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    rows = [
        [html.unescape(re.sub(r"<[^>]+>", "", c.replace("<br>", "; "))) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
        for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]
    return columns, rows, page


@pytest.mark.parametrize(
    ("path", "params"),
    [("/compare", {"instrument": "孵化器", "sort": "-amount_yuan"}), ("/policies", {"sort": "year"}),
     ("/agencies", {"city": "威海"}), ("/cities", {})],
)
def test_json_csv_and_html_agree_row_for_row(http: httpx.Client, path: str, params: dict) -> None:
    rows = rows_of(http, path, **params)
    table = csv_rows(http, path, **params)
    columns, cells, page = html_rows(http, path, **params)
    assert len(rows) == len(table) == len(cells) > 0
    for row, line, shown in zip(rows, table, cells, strict=True):
        for column in ("city", "doc", "start", "name", "policy_title", "title", "quote"):
            if column in row:
                expected = "" if row[column] is None else str(row[column])
                assert line[column] == expected
                if column in columns:
                    assert shown[columns.index(column)] == expected
    # the cells link to the policy, the agency and the source span
    if path == "/compare":
        first = rows[0]
        assert f'href="{html.escape(first["source"])}"' in page
        assert f'href="/browse/policy/{first["policy"]}"' in page
        assert "/agencies?city=" in page and 'rel="next"' not in page


def test_an_html_page_escapes_and_pages(http: httpx.Client) -> None:
    page = http.get("/policies", params={"format": "html", "limit": 2, "city": "大连"}).text
    assert page.startswith("<!doctype html>") and 'rel="next"' not in page  # 大连 has two policies
    page = http.get("/policies", params={"format": "html", "limit": 1}).text
    assert 'rel="next"' in page and "<script" not in page and "http://" not in page.split("<body>")[1]
    assert '<form class="filters"' in page


def test_the_matrix_as_an_excel_workbook(http: httpx.Client) -> None:
    response = http.get("/compare/matrix", params={"format": "xlsx"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/vnd.openxml")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["matrix", "instruments"]
    matrix, instruments = book["matrix"], book["instruments"]
    assert matrix.freeze_panes == "B2" and instruments.freeze_panes == "A2"
    header = [c.value for c in matrix[1]]
    rows = http.get("/compare/matrix").json()
    assert header == list(rows[0])
    first = dict(zip(header, (c.value for c in matrix[2]), strict=True))
    expected = {k: ("; ".join(v) if isinstance(v, list) else v) for k, v in rows[0].items()}
    assert first == expected and isinstance(first["instruments"], int)
    columns = [c.value for c in instruments[1]]
    line = dict(zip(columns, (c.value for c in instruments[2]), strict=True))
    assert line["source"].startswith(str(http.base_url).rstrip("/") + "/source/")
    quoted = http.get(line["source"].replace(str(http.base_url).rstrip("/"), "") + "&format=json").json()
    assert quoted["quote"] == line["quote"]
    compared = rows_of(http, "/compare", instrument=line["type"])
    assert any(r["quote"] == line["quote"] and r["amount_yuan"] == line["amount_yuan"] for r in compared)
    n = sum(r["instruments"] for r in rows)
    assert instruments.max_row - 1 == n  # every typed instrument, once


def test_openapi_documents_each_list(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for path, needs, name, _ in LISTS:
        operation = paths[path]["get"]
        documented = {p["name"]: p for p in operation["parameters"]}
        assert {*needs, name, "sort", "limit", "offset", "format"} <= set(documented)
        assert all(p.get("description") and "example" in p for p in documented.values())
        assert {"400", "404"} <= set(operation["responses"])
        assert {"text/csv", "text/html"} <= set(operation["responses"]["200"]["content"])
    assert "spreadsheetml" in str(paths["/compare/matrix"]["get"]["responses"]["200"]["content"])


def test_issuer_level_filters_policies_and_compare_rows(http: httpx.Client) -> None:
    """The issuer's level (city, district, county, zone, town) is in the graph (pkg:issuerLevel) and
    filters /policies and /compare; a level outside the list is a 400 naming the levels."""
    policies = rows_of(http, "/policies")
    levels = {p["id"]: p["issuer_level"] for p in policies}
    assert set(levels.values()) <= {"city", "district", "county", "zone", "town", None} and any(levels.values())
    for level in ("city", "district"):
        assert rows_of(http, "/policies", issuer_level=level) == [p for p in policies if p["issuer_level"] == level]
    compared = rows_of(http, "/compare", instrument="孵化器")
    assert all(r["issuer_level"] == levels[r["policy"]] for r in compared if r["funds"])
    kept = rows_of(http, "/compare", instrument="孵化器", issuer_level="city")
    assert kept == [r for r in compared if r["issuer_level"] == "city"]
    refused = http.get("/policies", params={"issuer_level": "province"})
    assert refused.status_code == 400 and "district" in refused.json()["detail"]["allowed"]
