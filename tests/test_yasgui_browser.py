"""The SPARQL query page (YASGUI, vendored) in a real browser: Debian's Chromium driven by Playwright
against a real uvicorn on 127.0.0.1, as tests/test_browse_browser.py does.

It loads with no request outside 127.0.0.1 (any other is blocked and fails the test) and no console
error, offers the example queries, highlights the query, completes prefixes from this server, runs
a query into a results table whose IRIs open their /id/ page here, and downloads the table as CSV.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from live_server import LiveServer  # tests/ is on sys.path

from api.routes_id import create_id_router
from api.serving import ServedGraph, load_served_graph
from api.sparql import SparqlService, create_sparql_router
from api.sparql.examples import load_examples
from graph.iris import BASE
from graph.rows import python_value

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
CITIES = """PREFIX schema: <https://schema.org/>
SELECT ?city ?name ?code WHERE { ?city a schema:City ; schema:name ?name ; schema:identifier ?code } ORDER BY ?code"""
BUNDLE_LIMIT_BYTES = 1_500_000  # the vendored script and stylesheet, uncompressed


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests")
        pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install -y chromium fonts-noto-cjk)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()


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


class Watched:
    """A page whose requests outside `base` are blocked and recorded, and whose console errors are kept."""

    def __init__(self, browser: Any, base: str) -> None:
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1300, "height": 1000}, accept_downloads=True)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.base = base

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self.base + "/") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def run(self, query: str | None = None) -> None:
        if query is not None:
            self.page.evaluate("q => { yasgui.getTab().setQuery(q); }", query)
        self.page.click(".yasqe_queryButton")
        self.page.wait_for_selector(".yasr table.dataTable tbody tr", timeout=20_000)

    def table(self) -> list[list[str]]:
        return self.page.eval_on_selector_all(
            ".yasr table.dataTable tbody tr",
            "rows => rows.map(r => Array.from(r.querySelectorAll('td')).slice(1).map(td => td.innerText.trim()))")


@pytest.fixture
def watched(browser: Any, base: str) -> Iterator[Watched]:
    page = Watched(browser, base)
    yield page
    page.context.close()
    assert page.outside == [], "requests outside the server"
    assert page.errors == [], "console errors"


def test_the_bundle_is_vendored_with_its_licence() -> None:
    folder = ROOT / "api" / "sparql" / "static" / "yasgui"
    assert "MIT License" in (folder / "LICENSE.txt").read_text(encoding="utf-8")
    assert "@triply/yasgui" in (folder / "README.md").read_text(encoding="utf-8")
    assert sum((folder / name).stat().st_size for name in ("yasgui.min.js", "yasgui.min.css")) < BUNDLE_LIMIT_BYTES


def test_the_query_page_runs_an_example_into_a_table(watched: Watched, base: str, served: ServedGraph) -> None:
    page = watched.page
    page.goto(base + "/sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    examples = load_examples()
    options = page.eval_on_selector_all("#examples option", "os => os.map(o => o.textContent)")
    assert options[1:] == [e.title for e in examples]
    assert page.evaluate("() => yasgui.getTab().getQuery()") == examples[0].query  # the first example is open
    assert page.locator(".CodeMirror .cm-keyword").count() > 0  # highlighted: SELECT, WHERE... are keywords
    watched.run()
    expected = list(served.source.query(examples[0].query))
    assert len(watched.table()) == len(expected) > 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "yasgui-example.png"), full_page=True)


def test_iris_in_the_table_open_their_page_here(watched: Watched, base: str, served: ServedGraph) -> None:
    page = watched.page
    page.goto(base + "/sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    watched.run(CITIES)
    expected = [{k: python_value(s[k]) for k in ("city", "name", "code")} for s in served.source.query(CITIES)]
    rows = watched.table()
    assert [row[2] for row in rows] == [r["code"] for r in expected]
    hrefs = page.eval_on_selector_all(".yasr table.dataTable tbody a", "as => as.map(a => a.getAttribute('href'))")
    assert hrefs == ["/" + r["city"][len(BASE):] for r in expected]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "yasgui.png"), full_page=True)
    page.click(f'.yasr table.dataTable a[href="{hrefs[0]}"]')
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == expected[0]["name"]
    assert page.url == base + hrefs[0]


def test_the_table_downloads_as_csv(watched: Watched, base: str, served: ServedGraph) -> None:
    page = watched.page
    page.goto(base + "/sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    watched.run(CITIES)
    with page.expect_download() as download:
        page.click(".yasr_downloadIcon")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    expected = [python_value(s["code"]) for s in served.source.query(CITIES)]
    assert [row["code"] for row in rows] == expected


def test_prefixes_are_completed_from_this_server(watched: Watched, base: str) -> None:
    page = watched.page
    page.goto(base + "/sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.evaluate("() => { yasgui.getTab().setQuery(''); }")
    page.click(".yasqe .CodeMirror-code")
    page.keyboard.type("PREFIX sch")
    page.wait_for_selector(".CodeMirror-hints li", timeout=5_000)
    hints = page.eval_on_selector_all(".CodeMirror-hints li", "ls => ls.map(l => l.textContent)")
    assert "schema: <https://schema.org/>" in hints
