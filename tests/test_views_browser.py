"""/map and /timeline in a real browser (Debian's Chromium through Playwright, as
tests/test_browse_browser.py drives it), against a real uvicorn on 127.0.0.1: each page loads with
no request outside the server's origin and no console error, draws its marks and legend, and is
saved as a screenshot in the test's tmp dir. Also: the browse search lists an agency once, with
its city."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from live_server import LiveServer  # tests/ is on sys.path
from test_browse_browser import WEIHAI_POLICY, browser, visit  # noqa: F401 (browser: the fixture)
from test_views import views_app

from api.serving import load_served_graph

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[str]:  # noqa: F811
    served = load_served_graph(SEEDS, tmp_path_factory.mktemp("cache"))
    app, lane = views_app(served)
    with LiveServer(app) as live:
        yield live.base
    lane.close()


@dataclass
class Opened:
    page: Any
    console_errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


def open_page(browser: Any, base: str, path: str) -> Opened:  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    seen = Opened(page)
    page.on("console", lambda m: seen.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.console_errors.append(f"pageerror: {e}"))

    def gate(route: Any) -> None:
        url = route.request.url
        if url.startswith(base + "/") or url.startswith("data:"):
            route.continue_()
        else:
            seen.external.append(url)
            route.abort()

    page.route("**/*", gate)
    page.goto(base + path)
    page.wait_for_load_state("load")
    return seen


@pytest.mark.parametrize(
    ("path", "name"),
    [("/map?instrument=rd_project_grant", "map"), ("/timeline?instrument=rd_project_grant", "timeline"),
     ("/map?instrument=孵化器", "map-incubator"), ("/timeline?instrument=孵化器", "timeline-incubator")],
)
def test_the_view_loads_offline_and_clean(browser: Any, server: str, path: str, name: str, tmp_path: Path) -> None:  # noqa: F811
    seen = open_page(browser, server, path)  # a browser's Accept asks for the page
    page = seen.page
    assert page.locator("svg a.mark").count() >= 2
    assert page.locator(".legend").count() == 1 and page.locator("table tbody tr").count() >= 4
    assert page.locator("select#instrument option").count() >= 5
    box = page.locator(".figure svg[role=img]").bounding_box()
    assert box is not None and box["width"] > 500, "the figure is drawn at a readable size"
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert seen.external == [] and seen.console_errors == []
    page.context.close()


def test_the_chooser_switches_the_type(browser: Any, server: str) -> None:  # noqa: F811
    seen = open_page(browser, server, "/timeline?instrument=rd_project_grant&format=html")
    page = seen.page
    page.select_option("select#instrument", "incubator_award")
    page.click("header form button[type=submit]")
    page.wait_for_load_state("load")
    assert "instrument=incubator_award" in page.url and "孵化载体奖励" in page.locator("h2").inner_text()
    assert seen.external == [] and seen.console_errors == []
    page.context.close()


def test_the_browse_search_lists_an_agency_once_with_its_city(browser: Any, server: str) -> None:  # noqa: F811
    seen = visit(browser, server, f"/browse/policy/{WEIHAI_POLICY}")
    page = seen.page
    page.fill("#search", "科技局")
    names = page.locator("#search-results button").all_inner_texts()
    assert names and len(names) == len(set(names)), names
    assert all(n.endswith("(威海)") for n in names), names
    page.context.close()
