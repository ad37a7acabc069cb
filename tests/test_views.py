"""/map and /timeline through the app: the three formats agree, the map's marks are /compare's
cities at their places.tsv coordinates (filled iff the city holds such a promise, larger for a
larger amount), the timeline's first year of a city is the earliest year of its promises in
/compare, unknown names and parameters are refused with what would have worked."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.lane import AnalystLane
from api.routes_views import create_views_router
from api.serving import ServedGraph, load_served_graph
from viz.map import frame_for

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PLACES = ROOT / "extract" / "data" / "places.tsv"


def views_app(served: ServedGraph) -> tuple[FastAPI, AnalystLane]:
    """The app with the views' router, as api/app.py includes it."""
    app = create_app(served, sparql=None)
    lane = AnalystLane(served.source, served.answers)
    app.include_router(create_views_router(served, lane))
    return app, lane


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    served = load_served_graph(SEEDS, tmp_path_factory.mktemp("cache"))
    app, lane = views_app(served)
    with TestClient(app) as test_client:
        yield test_client
    lane.close()


@pytest.fixture(scope="module")
def types(client: TestClient) -> list[str]:
    """The instrument types some city of the seeds promises (from /instruments)."""
    found = [t["id"] for t in client.get("/instruments").json() if sum(t["counts"].values())]
    assert len(found) >= 5
    return found


def coordinates() -> dict[str, tuple[float, float]]:
    """The cities' longitude and latitude, read from places.tsv here (not through the code under test)."""
    with PLACES.open(encoding="utf-8") as stream:
        rows = csv.DictReader(stream, delimiter="\t")
        return {
            r["city"]: (float(r["longitude"]), float(r["latitude"]))
            for r in rows
            if r["level"] == "city" and r["longitude"] and r["latitude"]
        }


def read_csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def marks(html: str) -> list[dict[str, str]]:
    """The marks of a page's SVG: their data-* attributes."""
    return [dict(re.findall(r'data-([a-z]+)="([^"]*)"', m)) for m in re.findall(r'<a [^>]*class="mark"[^>]*>', html)]


def largest(instruments: list[dict[str, Any]]) -> int | None:
    return max((i["amount_yuan"] for i in instruments if i["amount_yuan"] is not None), default=None)


# --- /map -----------------------------------------------------------------------------------------


def test_the_map_draws_the_comparisons_cities_at_their_coordinates(client: TestClient, types: list[str]) -> None:
    places = coordinates()
    for type_id in types:
        compared = client.get("/compare", params={"instrument": type_id}).json()
        html = client.get("/map", params={"instrument": type_id, "format": "html"}).text
        drawn = {m["city"]: m for m in marks(html)}
        expected = {c["city"]: c for c in compared["cities"] if c["city"] in places}
        assert set(drawn) == set(expected), type_id
        frame = frame_for([places[c] for c in expected])
        for city, mark in drawn.items():
            funds = expected[city]["funds"]
            assert (mark["kind"] != "none") == funds, (type_id, city)
            x, y = frame.project(*places[city])
            assert abs(float(mark["x"]) - x) < 0.1 and abs(float(mark["y"]) - y) < 0.1, (type_id, city)


def test_a_larger_amount_is_a_larger_mark(client: TestClient, types: list[str]) -> None:
    sizes: list[tuple[int | None, float]] = []
    for type_id in types:
        compared = client.get("/compare", params={"instrument": type_id}).json()
        amounts = {c["city"]: largest(c["instruments"]) for c in compared["cities"] if c["funds"]}
        html = client.get("/map", params={"instrument": type_id}, headers={"Accept": "text/html"}).text
        sizes += [(amounts[m["city"]], float(m["r"])) for m in marks(html) if m["kind"] != "none"]
    with_figure = sorted((a, r) for a, r in sizes if a is not None)
    assert len({a for a, _ in with_figure}) >= 3, "the seeds give amounts of several sizes"
    for (a1, r1), (a2, r2) in zip(with_figure, with_figure[1:], strict=False):
        assert r1 <= r2 and (a1 == a2 or r1 < r2), (a1, r1, a2, r2)
    without = [r for a, r in sizes if a is None]
    assert without and max(without) < min(r for _, r in with_figure)


def test_map_json_csv_and_page_agree(client: TestClient, types: list[str]) -> None:
    cities = {c["city"]: c["policies"] for c in client.get("/cities").json()}
    for type_id in types[:6]:
        answer = client.get("/map", params={"instrument": type_id}).json()
        rows = read_csv(client.get("/map", params={"instrument": type_id, "format": "csv"}).content)
        html = client.get("/map", params={"instrument": type_id, "format": "html"}).text
        assert [r["city"] for r in rows] == [c["city"] for c in answer["cities"]]
        assert set(cities) == {c["city"] for c in answer["cities"]}
        for row, city in zip(rows, answer["cities"], strict=True):
            assert row["funds"] == str(city["funds"])
            assert row["largest_amount_yuan"] == ("" if city["largest_amount_yuan"] is None else str(city["largest_amount_yuan"]))
            assert float(row["longitude"]) == city["longitude"]
            assert f'id="city-{city["city"]}"' in html
            if not city["funds"]:
                n = cities[city["city"]]
                held = f"{n} document{'' if n == 1 else 's'}"
                assert f"no such promise in the {held} held for this city" in row["note"]
                assert f"no such promise in the {held} held for this city" in html


# --- /timeline ------------------------------------------------------------------------------------


def test_the_first_year_is_the_earliest_promise_in_compare(client: TestClient, types: list[str]) -> None:
    cities = {c["city"]: c["policies"] for c in client.get("/cities").json()}
    for type_id in types:
        compared = client.get("/compare", params={"instrument": type_id}).json()
        first = {
            c["city"]: min((i["year"] for i in c["instruments"] if i["year"] is not None), default=None)
            for c in compared["cities"]
            if c["funds"]
        }
        answer = client.get("/timeline", params={"instrument": type_id}).json()
        got = {c["city"]: c["first_year"] for c in answer["cities"] if c["promises"]}
        assert got == first, type_id
        years = [c["first_year"] for c in answer["cities"] if c["first_year"] is not None]
        assert years == sorted(years), "cities ordered by their first year"
        docs = {i["doc"] for c in compared["cities"] for i in c["instruments"]}
        assert {p["doc"] for c in answer["cities"] for p in c["policies"]} == docs
        for city in answer["cities"]:
            if not city["promises"]:
                n = cities[city["city"]]
                assert city["note"].startswith(f"no such promise in the {n} document{'' if n == 1 else 's'} held")
                assert len(city["documents_held"]) == cities[city["city"]]


def test_timeline_json_csv_and_page_agree(client: TestClient, types: list[str]) -> None:
    for type_id in types[:6]:
        answer = client.get("/timeline", params={"instrument": type_id}).json()
        rows = read_csv(client.get("/timeline", params={"instrument": type_id}, headers={"Accept": "text/csv"}).content)
        html = client.get("/timeline", params={"instrument": type_id, "format": "html"}).text
        policies = [(c["city"], p) for c in answer["cities"] for p in c["policies"]]
        assert [(r["city"], r["doc"]) for r in rows if r["doc"]] == [(c, p["doc"]) for c, p in policies]
        for row, (_, policy) in zip([r for r in rows if r["doc"]], policies, strict=True):
            assert row["year"] == str(policy["year"] or "") and row["date_kind"] == (policy["date_kind"] or "")
            assert row["first"] == ("yes" if policy["first"] else "no")
        drawn = marks(html)
        dated = [(c, p) for c, p in policies if p["year"] is not None]
        assert sorted((m["city"], m["year"], m["first"]) for m in drawn) == sorted(
            (c, str(p["year"]), str(p["first"]).lower()) for c, p in dated
        )
        for city in answer["cities"]:
            assert f'id="city-{city["city"]}"' in html


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/map", "/timeline"])
def test_an_unknown_type_is_a_404_with_the_nearest_names(client: TestClient, path: str) -> None:
    response = client.get(path, params={"instrument": "innovation vouchr"})
    assert response.status_code == 404
    assert "innovation_voucher" in response.json()["detail"]["did_you_mean"]
    page = client.get(path, params={"instrument": "innovation vouchr"}, headers={"Accept": "text/html"})
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert f'href="{path}?instrument=innovation_voucher&amp;format=html"' in page.text


@pytest.mark.parametrize("path", ["/map", "/timeline"])
def test_an_unknown_parameter_or_format_is_a_400_naming_it(client: TestClient, path: str) -> None:
    response = client.get(path, params={"instrument": "孵化器", "citty": "大连"})
    assert response.status_code == 400 and "citty" in response.json()["error"]
    response = client.get(path, params={"instrument": "孵化器", "format": "xml"})
    assert response.status_code == 400 and "xml" in response.json()["error"]
    assert client.get(path).status_code == 400  # JSON without a type
    opened = client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"].startswith(f"{path}?instrument=")


def test_the_answer_names_the_term_asked(client: TestClient) -> None:
    for path in ("/map", "/timeline"):
        answer = client.get(path, params={"instrument": "孵化器"}).json()
        assert answer["term"] == "孵化器" and answer["type"]["id"] == "incubator_award"
        assert json.loads(json.dumps(answer)) == answer
