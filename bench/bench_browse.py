"""Time the browsing pages in headless Chromium: how long until each page is drawn and interactive.

    python bench/bench_browse.py [--runs 5] [--json FILE]

Serves the seeds with `create_app` on a free 127.0.0.1 port (uvicorn in a thread, fresh build
cache), drives Debian's /usr/bin/chromium with Playwright (the flags of the tests), and loads each
page `--runs` times in a fresh browser context: "ready" is `window.policykgReadyMs`, the time from
navigation start to the first drawing of the network (vis-network with physics off: drawn is
interactive). The first load of a page also pays for its server-side rendering (layout + HTML),
cached afterwards. Then a click's cost: selecting a node, fading the rest and filling the detail
panel (`policykgSelect`, without the view animation). And the self-contained `policykg viz` file,
opened offline from disk.

Targets (issue 4): the whole graph ready in under 5 s, filtered views in under 1 s; exit status 1
if a median misses them.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.app import create_app  # noqa: E402
from api.serving import load_served_graph  # noqa: E402
from viz.pages import Pages  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = [
    ("/browse", "whole graph", 5_000),
    ("/browse?city=威海", "filter: city 威海", 1_000),
    ("/browse?city=威海&kind=city&kind=policy&kind=measure&kind=instrument", "filter: 威海, 4 kinds", 1_000),
    ("/browse?instrument=孵化器", "filter: instrument 孵化器", 1_000),
    ("/browse/compare?instrument=孵化器", "compare 孵化器", 1_000),
    ("/browse/compare?instrument=科技创新券", "compare 科技创新券", 1_000),
    ("/browse/policy/000_cf86821d3aa6d29d", "policy tree 000 (大连)", 1_000),
    ("/browse/policy/001_44c0e93a09a44987", "policy tree 001 (威海)", 1_000),
]


def serve(app: Any) -> tuple[uvicorn.Server, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{sock.getsockname()[1]}"


def load(browser: Any, url: str, offline: bool = False) -> tuple[float, int, Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, offline=offline)
    page = context.new_page()
    page.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1:", "file:", "data:")) else r.abort(),
    )
    page.goto(url)
    page.wait_for_function("window.policykgReady === true", timeout=60_000)
    ready = page.evaluate("window.policykgReadyMs")
    nodes = page.evaluate("window.policykgNetwork.body.nodeIndices.length")
    return ready, nodes, page


def click_cost(page: Any) -> float:
    """Median ms of selecting a node (fade the rest, fill the panel) over a few nodes."""
    return page.evaluate(
        """async () => {
            const ids = window.policykgNodes.getIds().slice(0, 9);
            const times = [];
            for (const id of ids) {
                const t = performance.now();
                window.policykgSelect(id, false);
                await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                times.push(performance.now() - t);
            }
            times.sort((a, b) => a - b);
            return times[Math.floor(times.length / 2)];
        }"""
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="policykg-bench-") as tmp:
        served = load_served_graph(ROOT / "seeds", Path(tmp) / "cache")
        server, base = serve(create_app(served))
        results = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            print(f"chromium {browser.version}, {args.runs} loads a page, ms from navigation start to drawn")
            for path, label, target in PAGES:
                size = click = None  # the first load stays cold: nothing fetches the page before it
                readies = []
                for run in range(args.runs):
                    ready, nodes, page = load(browser, base + path)
                    readies.append(ready)
                    if run == 0:
                        click = click_cost(page)
                        size = page.evaluate("document.documentElement.outerHTML.length")
                    page.context.close()
                warm = readies[1:] or readies
                row = {
                    "page": label,
                    "path": path,
                    "nodes": nodes,
                    "html_chars": size,
                    "first_ms": round(readies[0]),
                    "median_ms": round(statistics.median(warm)),
                    "max_ms": round(max(warm)),
                    "click_ms": round(click, 1),
                    "target_ms": target,
                }
                row["ok"] = row["median_ms"] < target and row["first_ms"] < target
                results.append(row)
                print(
                    f"  {label:34} {nodes:4} nodes  first {row['first_ms']:5} ms  median {row['median_ms']:5} ms"
                    f"  max {row['max_ms']:5} ms  click {row['click_ms']:6} ms  target < {target} ms: "
                    f"{'ok' if row['ok'] else 'MISSED'}"
                )
            # the self-contained file, offline, from disk
            file = Path(tmp) / "whole.html"
            started = time.perf_counter()
            file.write_text(Pages(served.source, inline=True).browse(), encoding="utf-8")
            written = (time.perf_counter() - started) * 1000
            readies = []
            for _ in range(args.runs):
                ready, nodes, page = load(browser, file.as_uri(), offline=True)
                readies.append(ready)
                page.context.close()
            row = {
                "page": "policykg viz file (whole, offline)",
                "path": "file://…/whole.html",
                "nodes": nodes,
                "html_chars": len(file.read_text(encoding="utf-8")),
                "first_ms": round(readies[0]),
                "median_ms": round(statistics.median(readies)),
                "max_ms": round(max(readies)),
                "click_ms": None,
                "target_ms": 5_000,
                "written_ms": round(written),
            }
            row["ok"] = row["median_ms"] < 5_000
            results.append(row)
            print(
                f"  {row['page']:34} {nodes:4} nodes  first {row['first_ms']:5} ms  median {row['median_ms']:5} ms"
                f"  max {row['max_ms']:5} ms  (file written in {written:.0f} ms)"
            )
            browser.close()
        server.should_exit = True

    print()
    print("| page | nodes | first load (ms) | median (ms) | max (ms) | click (ms) | target |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in results:
        click = "" if r["click_ms"] is None else f"{r['click_ms']}"
        print(
            f"| {r['page']} | {r['nodes']} | {r['first_ms']} | {r['median_ms']} | {r['max_ms']} | {click} | "
            f"< {r['target_ms'] / 1000:g} s: {'met' if r['ok'] else 'MISSED'} |"
        )
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
