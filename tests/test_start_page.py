"""The start page (`/`) and the API docs (`/docs`) work offline: every link on the start page
answers, its figures are /cities' and /instruments', and in a real browser neither page asks for
anything outside the server, nor logs an error; Swagger UI draws every documented route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import LiveServer  # tests/ is on sys.path
from test_browse_browser import ARTIFACTS, browser  # noqa: F401  (the Chromium fixture)

from api.app import create_app
from api.serving import ServedGraph, load_served_graph

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> ServedGraph:
    return load_served_graph(SEEDS, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def base(served: ServedGraph) -> Iterator[str]:
    with LiveServer(create_app(served, sparql=None)) as live:
        yield live.base


def links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"#]+)"', html) if not h.startswith("data:")]


def test_the_start_page_counts_what_the_lists_hold(base: str) -> None:
    summary = httpx.get(base + "/?format=json", trust_env=False).json()
    cities = httpx.get(base + "/cities", trust_env=False).json()
    assert summary["totals"]["cities"] == len(cities)
    assert summary["totals"]["policies"] == sum(c["policies"] for c in cities)
    assert summary["totals"]["instruments"] == sum(c["instruments"] for c in cities)
    instruments = httpx.get(base + "/instruments", trust_env=False).json()
    funded = {t["id"]: len(t["counts"]) for t in instruments if t["counts"]}
    assert {t["id"]: t["cities"] for t in summary["instrument_types"]} == funded
    page = httpx.get(base + "/", trust_env=False)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for city in cities:
        assert f"<td>{city['city']}</td>" in page.text


def test_every_link_on_the_start_page_answers(base: str) -> None:
    page = httpx.get(base + "/", trust_env=False).text
    found = links(page)
    assert any(h.startswith("/compare?") for h in found) and "/browse" in found and "/docs" in found
    assert "/sparql" not in found  # this server has no SPARQL endpoint: not linked
    for href in dict.fromkeys(found):
        answer = httpx.get(base + href, trust_env=False, timeout=60)
        assert answer.status_code == 200, (href, answer.status_code, answer.text[:200])


def test_the_api_docs_use_no_outside_resource(base: str) -> None:
    docs = httpx.get(base + "/docs", trust_env=False).text
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs)
    assert assets and all(a.startswith("/static/swagger-ui/") for a in assets)
    for asset in assets:
        assert httpx.get(base + asset, trust_env=False).status_code == 200
    assert httpx.get(base + "/redoc", trust_env=False).status_code == 404  # ReDoc would load from a CDN


def open_offline(browser: Any, url: str, name: str) -> tuple[Any, list[str], list[str]]:  # noqa: F811
    """The page, its console errors and the requests it tried outside the server (each refused)."""
    context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))

    def gate(route: Any) -> None:
        if route.request.url.startswith("http://127.0.0.1:") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", gate)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, errors, outside


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_the_start_page_and_the_docs_in_a_browser(browser: Any, base: str, path: str) -> None:  # noqa: F811
    page, errors, outside = open_offline(browser, base + path, path)
    if path == "/docs":
        page.wait_for_selector(".opblock", timeout=30_000)
        operations = page.locator(".opblock").count()
        documented = httpx.get(base + "/openapi.json", trust_env=False).json()["paths"]
        assert operations == sum(len(methods) for methods in documented.values())
    else:
        assert page.locator("h1").inner_text().startswith("policykg")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "start-home.png" if path == "/" else "start-docs.png"), full_page=path == "/")
    assert outside == [] and errors == []
    page.context.close()
