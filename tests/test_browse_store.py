"""The browsing pages draw the served store, through the query layer: never the build's records.json.

A build whose records.json says something else (or is gone) still shows the store's facts; in
remote mode (`serve --store URL`, a real `oxigraph serve` on 127.0.0.1) the pages show the remote
store's graph, not the local build's; a corpus with more policies than a page draws gets an
overview of its cities.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import instrument, record  # tests/ is on sys.path
from fastapi.testclient import TestClient
from test_remote_store import BIN, free_port, running  # the same oxigraph server as the remote-mode tests

import viz.pages
from api.app import create_app
from api.serving import ServedGraph, load_served_graph, served_records
from extract.records import Measure
from graph.export import RECORDS
from graph.remote import upload

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
WEIHAI_POLICY = "001_44c0e93a09a44987"


def page_json(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="policykg-data">(.*?)</script>', html, re.S)
    assert match, "the page carries its graph as JSON"
    return json.loads(match.group(1))


def one_policy(doc: str, city: str, amount: int, agency: str) -> list:
    first = record(doc, city, [instrument("innovation_voucher", amount, measure="m1")], agencies=[agency])
    first.agencies[0].lead_measures = first.agencies[0].measures = ["m1"]
    first.measures = [Measure("m1", "一", "支持创新券", [agency], [], 0, 10)]
    return [first]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> ServedGraph:
    return load_served_graph(SEEDS, tmp_path_factory.mktemp("cache"))


def test_pages_draw_the_store_whatever_records_json_says(tmp_path: Path) -> None:
    served = served_records(one_policy("a.txt", "甲市", 300_000, "甲市科技局"), tmp_path / "build")
    # records.json now tells another story: another city, another amount, another agency
    other = one_policy("a.txt", "乙市", 9_990_000, "乙市财政局")
    (served.directory / RECORDS).write_text(json.dumps([r.to_dict() for r in other]), encoding="utf-8")
    client = TestClient(create_app(served))
    for url in ("/browse", "/browse?city=甲市", "/browse/policy/a", "/browse/compare?instrument=创新券"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = json.dumps(page_json(response.text), ensure_ascii=False)
        assert "甲市科技局" in text and "乙市" not in text, url
    nodes = page_json(client.get("/browse/policy/a").text)["nodes"]
    (voucher,) = [n for n in nodes if n["kind"] == "instrument"]
    assert "30 万元" in voucher["label"] and dict(voucher["d"]["rows"])["金额 · amount"].startswith("30 万元")
    assert client.get("/browse?city=乙市").status_code == 404
    # and without records.json at all
    (served.directory / RECORDS).unlink()
    fresh = TestClient(create_app(ServedGraph(served.directory)))
    assert fresh.get("/browse/policy/a").status_code == 200
    assert fresh.get("/browse").status_code == 200


def test_too_many_policies_make_an_overview(seeds: ServedGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(viz.pages, "MAX_DRAWN_POLICIES", 2)
    client = TestClient(create_app(seeds))
    whole = client.get("/browse")
    assert whole.status_code == 200 and "choose a city" in whole.text
    nodes = page_json(whole.text)["nodes"]
    assert {n["kind"] for n in nodes} == {"city"} and len(nodes) == 4
    links = {n["label"]: dict(n["d"]["links"]) for n in nodes}
    assert links["大连"]["本市图谱 · this city's graph"] == "/browse?city=%E5%A4%A7%E8%BF%9E"
    weihai = page_json(client.get("/browse", params={"city": "威海"}).text)["nodes"]  # one policy: drawn whole
    assert {"policy", "measure", "instrument", "agency"} <= {n["kind"] for n in weihai}
    dalian = page_json(client.get("/browse", params={"city": "大连"}).text)["nodes"]  # two: at the limit
    assert sum(1 for n in dalian if n["kind"] == "policy" and n["iri"].startswith("pkgid:policy/00")) >= 2


@pytest.fixture(scope="module")
def remote_store(seeds: ServedGraph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An `oxigraph serve` holding the seeds' graph."""
    binary = BIN / "oxigraph"
    if not binary.exists():
        missing = f"no oxigraph server next to {sys.executable}: pip install '.[test]'"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    command = [str(binary), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", "--timeout-s", "20"]
    url = f"http://127.0.0.1:{port}"
    with running(command, f"{url}/query?query=ASK%7B%7D"):
        upload(url, seeds.directory / "graph.nt")
        yield url


def test_remote_mode_pages_draw_the_remote_store(
    remote_store: str, seeds: ServedGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serve --store URL` over a local build of another corpus: the pages show the remote graph."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    local = served_records(one_policy("a.txt", "甲市", 300_000, "甲市科技局"), tmp_path / "build")
    remote = TestClient(create_app(ServedGraph(local.directory, store_url=remote_store)))
    page = remote.get(f"/browse/policy/{WEIHAI_POLICY}")
    assert page.status_code == 200
    drawn = page_json(page.text)["nodes"]
    embedded = page_json(TestClient(create_app(seeds)).get(f"/browse/policy/{WEIHAI_POLICY}").text)["nodes"]
    assert [(n["iri"], n["label"], n["x"], n["y"]) for n in drawn] == [
        (n["iri"], n["label"], n["x"], n["y"]) for n in embedded
    ]
    assert any("200 万元" in n["label"] for n in drawn if n["kind"] == "instrument")
    missing = remote.get("/browse/policy/a")  # the local build's policy is not in the remote store
    assert missing.status_code == 404 and WEIHAI_POLICY in missing.text
    cities = {n["label"] for n in page_json(remote.get("/browse").text)["nodes"] if n["kind"] == "city"}
    assert cities == {"大连", "威海", "盘锦", "鞍山"}
