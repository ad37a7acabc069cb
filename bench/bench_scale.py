"""Scale benchmark: build and serve corpora of 4, 30 and 300 cities, side by side with Oxigraph.

    python bench/bench_scale.py                          # 4, 30 and 300 cities (about 20 minutes)
    python bench/bench_scale.py --cities 4 30 --seconds 3
    python bench/bench_scale.py --json scale.json

A corpus of N cities is made the way issue 9 describes (bench/make_corpus.py): the five seed
documents copied once per city with the seeds' city names (大连, 威海, 盘锦, 鞍山, in every
spelling they are written in) replaced by a real prefecture-level city's name, read from the
vendored division table (extract/data/places.tsv). Five documents a city: 30 and 300 cities are 3.5 and 35 MB; 4 cities are
the seeds themselves (0.12 MB).

For each size it reports:
- `policykg build`: wall time, CPU time (user + system of the whole process tree) and peak memory,
  as PSS summed over the process tree (`/proc/PID/smaps_rollup`, sampled every 50 ms);
- `policykg serve` ready (until /health answers) from an empty cache (fresh) and from the cached
  build, with the PSS of the whole process tree once ready; the first /search after ready;
- p50 / p99 of /compare, /compare/matrix, /search and the docs/queries examples (through /sparql,
  with `Cache-Control: no-cache`, so that each is run, not repeated from a kept answer) at 1 and
  16 clients (wrk). The analyst routes are asked with `Accept-Encoding: gzip`, as
  browsers, httpx and requests ask; /compare also without it. A URL whose answer takes long is
  timed for longer (four answers at least), so that every cell has a figure;
- /sparql against `oxigraph serve` on the same graph in the same run, two ways: on disk
  (`--location`, a copy of the built store) and in memory (the graph loaded through /store): the
  examples (no-cache) and `ASK {}` (the per-request floor: the same text again, answered from the
  kept answer; beside it, each run on a worker and each a text not seen before) at 1 client.

The targets of issue 9 are checked at the end; exit status 1 if one is missed. Needs wrk
(`apt-get install wrk`), the `oxigraph` package (its server binary), and `.venv/bin/policykg`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from threading import Event, Thread
from urllib.parse import quote, urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sparql import FRESH, accept_for, free_port, oxigraph_binary, wrk  # noqa: E402
from make_corpus import make_corpus as make_seed_copies  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COMPARE_TERMS = ("科技创新券", "孵化器", "talent_subsidy", "专利", "研发费用")
SEARCH_QUESTIONS = ("哪些城市资助孵化器", "innovation voucher", "高新技术企业 目标", "科技局")
ASK = "ASK {}"
# The floor three ways (bench_sparql.py): the same text again (our server repeats its kept answer;
# the measurement and target), each run on a worker (Cache-Control: no-cache), each a text
# not seen before. The last two are told beside the target.
ASK_WORKER, ASK_UNSEEN = "ASK {} on a worker", "ASK {} not seen before"
SEEDS_CITY_COUNT = 4


# ---------------------------------------------------------------- corpora


def make_corpus(cities: int, folder: Path) -> int:
    """Write the seeds once per city into `folder`, city names replaced; returns the bytes written.

    Four cities are the seeds themselves (their four cities), unchanged."""
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    folder.mkdir(parents=True, exist_ok=True)
    if cities == SEEDS_CITY_COUNT:
        for seed in seeds:
            shutil.copyfile(seed, folder / seed.name)
        return sum(seed.stat().st_size for seed in seeds)
    return sum(path.stat().st_size for path in make_seed_copies(cities, folder, ROOT / "seeds"))


# ---------------------------------------------------------------- process trees


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (from /proc/*/stat's parent field)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of the tree, MB: shared pages (the store's page cache mapped by every
    worker, the interpreter) are counted once in total, not once per process."""
    total_kb = 0
    for member in descendants(pid):
        try:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
        except OSError:
            continue
        found = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
        total_kb += int(found.group(1)) if found else 0
    return total_kb / 1024


class PeakPss:
    """Samples a process tree's PSS every `every_s` until stopped; keeps the peak."""

    def __init__(self, pid: int, every_s: float = 0.05) -> None:
        self.pid, self.every_s, self.peak_mb = pid, every_s, 0.0
        self._stop = Event()
        self._thread = Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_pss_mb(self.pid))
            self._stop.wait(self.every_s)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def policykg() -> str:
    found = Path(sys.executable).with_name("policykg")
    if not found.exists():
        raise SystemExit(f"{found}: missing (python3 -m venv .venv && .venv/bin/pip install '.[test]' oxigraph)")
    return str(found)


@dataclass
class BuildFigures:
    wall_s: float
    cpu_s: float
    peak_pss_mb: float


def timed_build(corpus: Path, out: Path, cache: Path) -> BuildFigures:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    before = os.times()
    began = time.perf_counter()
    process = subprocess.Popen([policykg(), "build", str(corpus), "--out", str(out)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = PeakPss(process.pid)
    _, stderr = process.communicate()
    wall = time.perf_counter() - began
    peak = sampler.stop()
    after = os.times()
    if process.returncode != 0:
        raise RuntimeError(f"policykg build failed ({process.returncode}):\n{stderr.decode()[-2000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return BuildFigures(wall, cpu, peak)


# ---------------------------------------------------------------- serving


@dataclass
class ServeFigures:
    ready_fresh_s: float
    ready_cached_s: float
    pss_ready_mb: float
    first_search_ms: float
    pss_after_load_mb: float = 0.0
    latency: dict[str, dict[str, float]] = field(default_factory=dict)  # "/compare c16" → p50/p99 ms


@contextmanager
def serving(corpus: Path, cache: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, float]]:
    """`policykg serve` on a free port; yields the process, base URL and seconds until /health answered."""
    port = free_port()
    # wrk's 16 connections all come from 127.0.0.1, where the server's fairness rule (at most 2
    # slow-lane queries per client, 8 queued) would refuse 14 of them with 429 and time only the
    # refusals: here each connection stands for a client of its own
    command = [policykg(), "serve", "--data", str(corpus), "--port", str(port), "--cache-dir", str(cache),
               "--sparql-heavy-per-client", "16", "--sparql-slow-queue", "16"]
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "XDG_CACHE_HOME": str(cache)})
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(trust_env=False, timeout=2) as client:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"policykg serve exited with {process.returncode}")
                if time.perf_counter() - began > 1800:
                    raise RuntimeError("policykg serve not ready after 30 minutes")
                try:
                    if client.get(f"{base}/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.02)
        yield process, base, time.perf_counter() - began
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def example_queries() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted((ROOT / "docs" / "queries").glob("*.rq"))}


def sparql_url(endpoint: str, query: str) -> str:
    return f"{endpoint}?{urlencode({'query': query})}"


# what browsers, httpx and requests send: the analyst API compresses its answers for them
GZIP = {"Accept-Encoding": "gzip"}


def slice_seconds(url: str, clients: int, seconds: float, headers: dict[str, str] | None) -> int:
    """`seconds`, or long enough for a slow answer to be timed several times over (at most a minute)."""
    began = time.perf_counter()
    httpx.get(url, headers=headers, trust_env=False, timeout=120)
    once = time.perf_counter() - began
    return int(min(30, max(1, round(seconds), math.ceil(once * 4 * max(1, clients / 2)))))


def p50_p99(urls: list[str], clients: int, seconds: float, headers: dict[str, str] | None = None) -> dict[str, float]:
    """The worst p50 and the worst p99 of several URLs, each under `clients` connections (wrk)."""
    runs = [wrk(url, concurrency=clients, seconds=slice_seconds(url, clients, seconds, headers), headers=headers)
            for url in urls]
    errors = sum(r.errors for r in runs)
    return {"p50_ms": max(r.p50 for r in runs) * 1000, "p99_ms": max(r.p99 for r in runs) * 1000,
            "requests": sum(r.requests for r in runs), "errors": errors}


def _errors(cell: dict[str, float]) -> str:
    """How many of a cell's requests got no answer (timed out, refused or failed), if any."""
    if not cell["errors"]:
        return ""
    return f" ({cell['errors']:,} of {cell['requests']:,} not answered)"


def measure_serving(corpus: Path, cache: Path, seconds: float) -> ServeFigures:
    with serving(corpus, cache) as (_, _, fresh_s):
        pass
    with serving(corpus, cache) as (process, base, cached_s):
        pss_ready = tree_pss_mb(process.pid)
        began = time.perf_counter()
        httpx.get(f"{base}/search", params={"q": SEARCH_QUESTIONS[0]}, trust_env=False, timeout=60).raise_for_status()
        first_search_ms = (time.perf_counter() - began) * 1000
        figures = ServeFigures(fresh_s, cached_s, pss_ready, first_search_ms)
        groups = {
            "/compare": [f"{base}/compare?instrument={quote(term)}" for term in COMPARE_TERMS],
            "/compare/matrix": [f"{base}/compare/matrix"],
            "/search": [f"{base}/search?q={quote(q)}" for q in SEARCH_QUESTIONS],
        }
        for clients in (1, 16):
            for name, urls in groups.items():
                figures.latency[f"{name} c{clients}"] = p50_p99(urls, clients, seconds, GZIP)
            figures.latency[f"/compare (no gzip) c{clients}"] = p50_p99(groups["/compare"], clients, seconds)
            for name, query in example_queries().items():
                figures.latency[f"docs/queries/{name} c{clients}"] = p50_p99(  # run each time: no kept answer
                    [sparql_url(f"{base}/sparql", query)], clients, seconds, {"Accept": accept_for(query), **FRESH})
        figures.pss_after_load_mb = tree_pss_mb(process.pid)
    return figures


# ---------------------------------------------------------------- SPARQL beside Oxigraph


@contextmanager
def oxigraph(location: Path | None, graph_nt: Path) -> Iterator[str]:
    """`oxigraph serve` on a free port: on disk at `location`, or in memory with `graph_nt` loaded."""
    port = free_port()
    command = [oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}"]
    if location is not None:
        command[2:2] = ["--location", str(location)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(f"{base}/query", params={"query": ASK}, trust_env=False, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        if location is None:
            with graph_nt.open("rb") as data:
                httpx.post(f"{base}/store?default", content=data.read(), trust_env=False, timeout=600,
                           headers={"Content-Type": "application/n-triples"}).raise_for_status()
        yield f"{base}/query"
    finally:
        process.terminate()
        process.wait(30)


def sparql_side_by_side(corpus: Path, cache: Path, built: Path, seconds: float) -> dict[str, dict[str, float]]:
    """p50 at 1 client of ASK {} and every example: our /sparql, Oxigraph on disk, Oxigraph in memory."""
    queries = {"ASK {}": ASK, ASK_WORKER: ASK, ASK_UNSEEN: ASK, **example_queries()}
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        on_disk = Path(scratch) / "store"
        shutil.copytree(built / "store", on_disk)  # Oxigraph opens its store read-write: give it a copy
        with serving(corpus, cache) as (_, base, _), oxigraph(on_disk, built / "graph.nt") as disk, \
                oxigraph(None, built / "graph.nt") as memory:
            for name, query in queries.items():
                row = figures.setdefault(name, {})
                # servers take turns within each round, so a slow spell does not land on one only
                samples: dict[str, list[float]] = {"policykg": [], "oxigraph_disk": [], "oxigraph_memory": []}
                for _ in range(3):
                    for server, endpoint in (("policykg", f"{base}/sparql"), ("oxigraph_disk", disk),
                                             ("oxigraph_memory", memory)):
                        url = sparql_url(endpoint, query)
                        accept = {"Accept": accept_for(query), **({} if name == "ASK {}" else FRESH)}
                        result = wrk(url, concurrency=1, seconds=slice_seconds(url, 1, seconds / 3, accept),
                                     headers=accept, unseen=name == ASK_UNSEEN)
                        samples[server].append(result.p50 * 1000)
                for server, values in samples.items():
                    row[f"{server}_p50_ms"] = statistics.median(values)
    return figures


# ---------------------------------------------------------------- report


def check_targets(results: dict[int, dict]) -> list[str]:
    """The targets of issue 9 that were missed, in words."""
    missed = []
    if 300 in results:
        at = results[300]
        build = at["build"]
        if build["wall_s"] > 180:
            missed.append(f"300-city build {build['wall_s']:.0f} s > 180 s")
        if build["peak_pss_mb"] > 1536:
            missed.append(f"300-city build peak {build['peak_pss_mb']:.0f} MB > 1.5 GB")
        serve = at["serve"]
        if serve["ready_cached_s"] > 5:
            missed.append(f"300-city serve ready {serve['ready_cached_s']:.1f} s > 5 s")
        if max(serve["pss_ready_mb"], serve["pss_after_load_mb"]) > 1024:
            missed.append(f"300-city serve tree {max(serve['pss_ready_mb'], serve['pss_after_load_mb']):.0f} MB > 1 GB")
        for name in ("/compare c16", "/compare/matrix c16"):
            if serve["latency"][name]["p99_ms"] > 50:
                missed.append(f"{name} p99 {serve['latency'][name]['p99_ms']:.1f} ms > 50 ms")
        if serve["latency"]["/search c16"]["p50_ms"] > 20:
            missed.append(f"/search c16 p50 {serve['latency']['/search c16']['p50_ms']:.1f} ms > 20 ms")
        if serve["first_search_ms"] > 100:
            missed.append(f"first /search {serve['first_search_ms']:.0f} ms > 100 ms")
        for name, row in at.get("sparql", {}).items():
            if name in (ASK_WORKER, ASK_UNSEEN):  # told, not a target
                continue
            limit = 3.0 if name == "ASK {}" else 1.3
            ratio = row["policykg_p50_ms"] / row["oxigraph_disk_p50_ms"]
            if ratio > limit:
                missed.append(f"/sparql {name}: {ratio:.2f}× oxigraph on disk > {limit}×")
        if 30 in results:
            per_city_30 = results[30]["build"]["wall_s"] / 30
            per_city_300 = build["wall_s"] / 300
            if per_city_300 > 1.3 * per_city_30:
                missed.append(f"build cost per city at 300 is {per_city_300 / per_city_30:.2f}× that at 30 > 1.3×")
    return missed


def print_report(results: dict[int, dict]) -> None:
    sizes = sorted(results)
    print("\n| | " + " | ".join(f"{n} cities ({results[n]['megabytes']:.1f} MB)" for n in sizes) + " |")
    print("| --- |" + " --- |" * len(sizes))

    def row(label: str, cell) -> None:
        print(f"| {label} | " + " | ".join(cell(results[n]) for n in sizes) + " |")

    row("build wall / CPU / peak PSS", lambda r: f"{r['build']['wall_s']:.1f} s / {r['build']['cpu_s']:.1f} s / "
        f"{r['build']['peak_pss_mb']:.0f} MB")
    row("build wall per city", lambda r: f"{r['build']['wall_s'] / r['cities'] * 1000:.0f} ms")
    row("serve ready fresh / cached", lambda r: f"{r['serve']['ready_fresh_s']:.2f} s / {r['serve']['ready_cached_s']:.2f} s")
    row("serve PSS ready / after load", lambda r: f"{r['serve']['pss_ready_mb']:.0f} / {r['serve']['pss_after_load_mb']:.0f} MB")
    row("first /search after ready", lambda r: f"{r['serve']['first_search_ms']:.1f} ms")
    for name in results[sizes[0]]["serve"]["latency"]:
        row(f"{name} p50 / p99", lambda r, n=name: f"{r['serve']['latency'][n]['p50_ms']:.2f} / "
            f"{r['serve']['latency'][n]['p99_ms']:.2f} ms" + _errors(r['serve']['latency'][n]))
    for name in results[sizes[0]].get("sparql", {}):
        row(f"/sparql {name} p50 ours / oxigraph disk / oxigraph memory",
            lambda r, n=name: "{policykg_p50_ms:.2f} / {oxigraph_disk_p50_ms:.2f} / {oxigraph_memory_p50_ms:.2f} ms"
            .format(**r["sparql"][n]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", type=int, nargs="+", default=[4, 30, 300])
    parser.add_argument("--seconds", type=float, default=3.0, help="wrk time per URL and concurrency")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", type=Path, help="make the corpora and builds here, and keep them")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    results: dict[int, dict] = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = args.keep or Path(scratch)
        for cities in args.cities:
            corpus, out, cache = work / f"corpus-{cities}", work / f"build-{cities}", work / f"cache-{cities}"
            for stale in (corpus, out, cache):
                shutil.rmtree(stale, ignore_errors=True)
            size = make_corpus(cities, corpus)
            print(f"{cities} cities: {size / 1e6:.1f} MB of text; building…", file=sys.stderr, flush=True)
            build = timed_build(corpus, out, cache / "build")
            print(f"  build {build}", file=sys.stderr, flush=True)
            serve = measure_serving(corpus, cache / "serve", args.seconds)
            print(f"  serve ready {serve.ready_fresh_s:.1f} / {serve.ready_cached_s:.1f} s", file=sys.stderr, flush=True)
            sparql = sparql_side_by_side(corpus, cache / "serve", out, args.seconds)
            results[cities] = {"cities": cities, "megabytes": size / 1e6, "build": asdict(build),
                               "serve": asdict(serve), "sparql": sparql}
    print_report(results)
    missed = check_targets(results)
    print("\ntargets met" if not missed else "\ntargets NOT met:\n- " + "\n- ".join(missed))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
