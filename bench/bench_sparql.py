"""Latency of the SPARQL endpoint, side by side with Oxigraph's own server on the same kind of store.

For every example query (api/sparql/queries/*.rq) and `ASK {}` (the fixed cost of a request) it
measures p50 / p99 latency on these servers, each on its own free 127.0.0.1 port:

  sparql       policykg's endpoint as `policykg serve` runs it (the router on a FastAPI app, GET
               answered by api/sparql/protocol.py, 2 worker processes), on the store on disk;
  oxigraph     `oxigraph serve --location COPY` on a copy of that store directory (on disk too);
  sparql-mem   policykg's endpoint with each worker holding a copy of the store in memory;
  oxigraph-mem `oxigraph serve` without --location (in memory), the graph POSTed to its /store;
  in-process   pyoxigraph directly on the on-disk store, Store.query + serialisation, no HTTP.

`--servers` picks among them (default: all four). Each pair of the same kind of store is compared:
/sparql against Oxigraph on disk, in memory against in memory. Every cell runs under 1 and 16
concurrent clients, GET ?query= with the same Accept header for all servers (checked first: every
server must answer every query with status 200, the same media type and the same number of rows,
triples or the same boolean), and `Cache-Control: no-cache`, so that our server runs every query
on a worker instead of repeating a kept answer (Oxigraph's server runs it every time anyway).

`ASK {}` is measured three ways: `ask_kept`, the same text again and again without that header
(our server answers it from the answer it kept: what a client repeating a query gets; the issue's
measurement), `ask_worker`, each one run on a worker (no-cache: the cost of the route to a worker
that a time limit can stop), and `ask_unseen`, each request a text the server has not seen before
(a counter in a comment, by a wrk Lua script).

The load comes from `wrk` (Debian package `wrk`, a C load generator: `-t1 -c1` and `-t2 -c16`,
`--latency`) when it is installed. Without it the script falls back to an httpx client and says so:
on a 2-core machine a Python client costs about 1 ms of CPU per request, as much as the servers,
and mostly measures itself. Each cell is measured in `--rounds` slices with the servers taking
turns (in alternating order), so that a slow spell of the machine does not land on one server
only; the cell's p50 is the median of the slices' p50s, its p99 the worst slice's p99. Each slice
also measures the CPU that other processes used meanwhile (a shared machine's neighbours), and a
cell is marked `!` where they used more than 0.1 core.

Targets (issue 9): /sparql p50 at most 1.3× Oxigraph's on the same kind of store, every example
query, 1 and 16 clients; the per-request floor (`ASK {}`, `ask_kept`) at most 3× Oxigraph's at 1
client (`ask_worker` and `ask_unseen` are told beside it).

    python bench/bench_sparql.py                       # needs the `oxigraph` package (its server binary)
    python bench/bench_sparql.py --seconds 6 --rounds 3 --json out.json
    python bench/bench_sparql.py --store OUT/store     # a built store (e.g. the 300-city graph) instead of the seeds
    python bench/bench_sparql.py --servers sparql,oxigraph --query 11 --query ask
    python bench/bench_sparql.py --client httpx        # force the Python client
    python bench/bench_sparql.py --url 'http://127.0.0.1:8000/compare?instrument=创新券' --url ...

`--url` (repeatable) measures any running server instead, e.g. the analyst API's /compare;
`measure_urls()` does the same from Python with the httpx client.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = [1, 16]  # --clients may narrow it
TARGET_RATIO = 1.3  # /sparql p50 against Oxigraph's on the same kind of store
FLOOR_RATIO = 3.0  # ASK {} at one client
FLOOR_QUERY = "ASK {}"
# The per-request floor, three ways. FLOOR_NAME is the measurement: the same ASK {} again
# and again, which our server answers from its kept answer (service.py) without a worker. The
# other two are told beside it: each request run on a worker (Cache-Control: no-cache), and each
# request a text the server has not seen (a counter in a comment: its checks are not kept either).
FLOOR_NAME = "ask_kept"
WORKER_FLOOR_NAME = "ask_worker"
UNSEEN_FLOOR_NAME = "ask_unseen"
FLOORS = (FLOOR_NAME, WORKER_FLOOR_NAME, UNSEEN_FLOOR_NAME)
# Every other cell asks for a fresh answer, so that it times the engine, as Oxigraph's server does
# every time (it ignores the header).
FRESH = {"Cache-Control": "no-cache"}
UNSEEN_LUA = """
local threads = 0
function setup(thread) thread:set("id", threads); threads = threads + 1 end
local n = 0
function request()
  n = n + 1
  return wrk.format(nil, wrk.path .. "%20%23" .. id .. "-" .. n)
end
"""
JSON_RESULTS = "application/sparql-results+json"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
SERVERS = ("sparql", "oxigraph", "sparql-mem", "oxigraph-mem")
PAIRS = (("sparql", "oxigraph"), ("sparql-mem", "oxigraph-mem"))  # ours, theirs: the same kind of store
BENCH_MAX_ROWS = 10_000_000
DISTURBED_CORES = 0.1  # other processes using more CPU than this during a slice mark its cell with "!"


class Figures(Protocol):
    """What the table needs of a cell, however it was measured."""

    @property
    def p50(self) -> float: ...
    @property
    def p99(self) -> float: ...
    @property
    def requests(self) -> int: ...
    @property
    def errors(self) -> int: ...


@dataclass
class Latencies:
    """Every request's latency in seconds (the httpx client and the in-process loop)."""

    seconds: list[float] = field(default_factory=list)
    errors: int = 0

    def percentile(self, p: float) -> float:
        if not self.seconds:
            return float("nan")
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def requests(self) -> int:
        return len(self.seconds)


@dataclass
class Summary:
    """Percentiles as wrk reports them (seconds), merged over the slices of a cell."""

    p50: float
    p99: float
    requests: int
    errors: int
    other_cores: float = 0.0  # CPU used by other processes meanwhile (the worst slice), in cores

    @classmethod
    def of_slices(cls, slices: Sequence[Figures], other_cores: Sequence[float] = ()) -> Summary:
        """The median slice p50 (robust to one slow spell) and, to stay on the safe side, the worst
        p99, of the slices that saw an answer (none: nan, shown as `-`; make --seconds longer)."""
        answered = [s for s in slices if s.requests] or [Summary(float("nan"), float("nan"), 0, 0)]
        return cls(statistics.median(s.p50 for s in answered), max(s.p99 for s in answered),
                   sum(s.requests for s in slices), sum(s.errors for s in slices), max(other_cores, default=0.0))


def as_dict(figures: Figures) -> dict[str, float | int]:
    figures_dict: dict[str, float | int] = {"p50_ms": figures.p50 * 1000, "p99_ms": figures.p99 * 1000,
                                            "requests": figures.requests, "errors": figures.errors}
    if isinstance(figures, Summary):
        figures_dict["other_cores"] = round(figures.other_cores, 3)
    return figures_dict


# ---------------------------------------------------------------- measuring HTTP: wrk


_UNIT_S = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk(url: str, *, concurrency: int, seconds: int, headers: dict[str, str] | None = None,
        unseen: bool = False) -> Summary:
    """`url` under `concurrency` keep-alive connections for `seconds`, by wrk (`-t1 -c1`, `-t2 -c16`).
    `unseen`: each request's URL (ending in a query) gets a comment of its own (UNSEEN_LUA)."""
    command = [wrk_path() or "wrk", f"-t{min(concurrency, 2)}", f"-c{concurrency}", f"-d{max(1, seconds)}s",
               "--timeout", "60s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if unseen:
            script.write(UNSEEN_LUA)
            script.flush()
            command += ["-s", script.name]
        done = subprocess.run([*command, url], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}) on {url[:80]}...:\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def parse_wrk(out: str) -> Summary:
    """p50 / p99 from `--latency`'s distribution; errors are non-2xx/3xx answers and socket errors."""
    percentiles = {int(p): float(v) * _UNIT_S[u]
                   for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    counted = re.search(r"(\d+) requests in", out)
    if 50 not in percentiles or 99 not in percentiles or counted is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(n) for n in m.groups())
    requests = int(counted.group(1))
    if not requests:  # no answer within the slice (a query slower than it): no latency to tell
        return Summary(float("nan"), float("nan"), 0, errors)
    return Summary(percentiles[50], percentiles[99], requests, errors)


# ---------------------------------------------------------------- the rest of the machine


class OtherLoad:
    """How much CPU processes other than the benchmark's own (this script, the load generator, the
    two servers and their children) use while a slice is measured: on a shared machine a busy
    neighbour would otherwise pass for a slow server. Linux only (/proc); elsewhere it says 0."""

    def __init__(self, pids: Sequence[int]) -> None:
        self.pids = list(pids)
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __enter__(self) -> OtherLoad:
        self.began = time.perf_counter()
        self.busy, self.ours, self.children = self._busy(), self._ours(), self._children()
        self.cores = 0.0  # other processes' CPU over the slice, in cores
        return self

    def __exit__(self, *exc: object) -> None:
        seconds = time.perf_counter() - self.began
        others = (self._busy() - self.busy) - (self._ours() - self.ours) - (self._children() - self.children)
        self.cores = max(0.0, others / seconds) if seconds > 0 else 0.0

    def _busy(self) -> float:
        """Seconds all CPUs spent busy since boot."""
        try:
            with open("/proc/stat") as stat:
                fields = [int(value) for value in stat.readline().split()[1:9]]
        except OSError:
            return 0.0
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        return (user + nice + system + irq + softirq + steal) / self.tick

    def _ours(self) -> float:
        """CPU seconds of the servers and their children (the SPARQL workers), and this process."""
        total = time.process_time()
        try:
            entries = os.listdir("/proc")
        except OSError:
            return total
        for entry in entries:
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(entry), int(fields[1])
            if pid in self.pids or ppid in self.pids:
                total += (int(fields[11]) + int(fields[12])) / self.tick
        return total

    @staticmethod
    def _children() -> float:
        """CPU seconds of the load generators this process ran and waited for."""
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        return used.ru_utime + used.ru_stime


# ---------------------------------------------------------------- measuring HTTP: httpx (fallback)


async def measure_urls(
    urls: Sequence[str],
    *,
    concurrency: int,
    requests: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    warmup: int = 3,
) -> Latencies:
    """GET `urls` round-robin from `concurrency` clients until `requests` are done or `seconds` pass."""
    result = Latencies()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, trust_env=False, limits=limits, headers=headers) as client:
        for url in list(urls)[:warmup] or urls:
            await client.get(url)
        counter = itertools.count()
        deadline = time.perf_counter() + seconds

        async def one_client() -> None:
            while (index := next(counter)) < requests and time.perf_counter() < deadline:
                began = time.perf_counter()
                response = await client.get(urls[index % len(urls)])
                result.seconds.append(time.perf_counter() - began)
                if response.status_code != 200:
                    result.errors += 1

        await asyncio.gather(*(one_client() for _ in range(concurrency)))
    return result


def query_url(endpoint: str, query: str) -> str:
    return f"{endpoint}?{urlencode({'query': query})}"


# ---------------------------------------------------------------- the graph and the servers


def seed_store(path: Path, copies: int = 1) -> Path:
    """The seeds' graph, in an on-disk store at `path`, built as `policykg build` builds it
    (graph/store.py: compacted, the documents' texts included); with `copies` > 1, the graph that
    many times over, a stand-in for the issue's scale corpora (the seeds copied per city, 5
    documents a city): copy k (k > 0) is one city, 城市k, whose policies, documents, agencies and
    cited policies have IRIs of their own; the taxonomy and the indicator scheme are shared.
    `copies` 300 is the size of the 300-city corpus (bench/ also makes the real corpora: `--store`
    serves their build)."""
    from pyoxigraph import DefaultGraph, RdfFormat, Store

    from extract.pipeline import extract_file
    from extract.reader import read_text
    from graph.store import build_store

    paths = sorted((ROOT / "seeds").glob("*.txt"))
    build_store([extract_file(p) for p in paths], {p.name: read_text(p)[0] for p in paths}, path)
    if copies <= 1:
        return path
    ntriples = Store.read_only(str(path)).dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph()).decode()
    names = sorted(set(re.findall(r'<https://w3id\.org/policykg/id/city/[^>]+> <https://schema\.org/name> "([^"]+)"@zh',
                                  ntriples)))
    city_name = re.compile("|".join(f'"{re.escape(name)}"@zh' for name in names) or "(?!)")
    city = re.compile(r"<https://w3id\.org/policykg/id/city/[^>]+>")
    own = re.compile(r"(<https://w3id\.org/policykg/id/(?:policy|doc|agency|cited)/)")
    store = Store(str(path))  # read-write, to add the copies
    for copy in range(1, copies):
        renamed = own.sub(rf"\g<1>c{copy}-", ntriples)
        renamed = city.sub(f"<https://w3id.org/policykg/id/city/copy{copy}>", renamed)
        store.bulk_load(city_name.sub(f'"城市{copy}"@zh', renamed).encode(), format=RdfFormat.N_TRIPLES)
    # Compacted, as a build leaves its store: read-only queries on a store fresh from bulk loads
    # run 2-3× slower (Oxigraph's server, opening its copy read-write, compacts it by itself).
    store.optimize()
    store.flush()
    del store  # closed: the servers open it
    return path


def store_ntriples(store: Path) -> bytes:
    from pyoxigraph import DefaultGraph, RdfFormat, Store

    return Store.read_only(str(store)).dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1, trust_env=False)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url}: the server did not start in {timeout_s} s")


@contextmanager
def running(command: list[str], probe_url: str, quiet: bool = False) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL if quiet else None)
    try:
        # Workers copying a large store into memory take about 25 s a million triples.
        wait_until_up(probe_url, process, timeout_s=900)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def policykg_server(store: Path, workers: int, timeout_s: float, in_memory: bool) -> Iterator[tuple[str, int]]:
    """The /sparql URL and the server's process id (its workers are its children)."""
    port = free_port()
    command = [sys.executable, __file__, "--serve", str(store), "--port", str(port),
               "--workers", str(workers), "--timeout", str(timeout_s)] + (["--in-memory"] if in_memory else [])
    # No row cap in the way: Oxigraph's server has none, and the answers are compared.
    command += ["--max-rows", str(BENCH_MAX_ROWS)]
    with running(command, f"http://127.0.0.1:{port}/sparql") as process:
        yield f"http://127.0.0.1:{port}/sparql", process.pid


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).exists():
        raise SystemExit("the `oxigraph` server binary is missing: pip install oxigraph")
    return found


@contextmanager
def oxigraph_server(location: Path | None, ntriples: bytes | None = None) -> Iterator[tuple[str, int]]:
    """`oxigraph serve --location` on a store directory, or in memory loaded with `ntriples`."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}"]
    if location is not None:
        command += ["--location", str(location)]
    # Its stderr is dropped: it logs every connection wrk closes mid-answer at the end of a run.
    with running(command, f"{base}/query", quiet=True) as process:
        if ntriples is not None:
            loaded = httpx.post(f"{base}/store?default", content=ntriples, headers={"Content-Type": N_TRIPLES},
                                trust_env=False, timeout=600)
            loaded.raise_for_status()
        yield f"{base}/query", process.pid


def serve(store: Path, port: int, workers: int, timeout_s: float, in_memory: bool, max_rows: int) -> None:
    """The child process: our router on a bare FastAPI app, served as `policykg serve` serves it
    (GET /sparql?query= answered by the protocol, ahead of the app)."""
    import uvicorn
    from fastapi import FastAPI

    from api.sparql import SparqlService, create_sparql_router
    from api.sparql.protocol import sparql_protocol

    service = SparqlService(store, workers=workers, timeout_s=timeout_s, in_memory=in_memory, max_rows=max_rows)
    app = FastAPI()
    app.include_router(create_sparql_router(service))
    with service:
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", http=sparql_protocol(service) or "auto")


@contextmanager
def servers(names: Sequence[str], store: Path, scratch: Path, workers: int,
            timeout_s: float) -> Iterator[dict[str, tuple[str, int]]]:
    """The servers asked for, started one after the other; name → (query URL, process id)."""
    with ExitStack() as stack:
        started: dict[str, tuple[str, int]] = {}
        ntriples = store_ntriples(store) if "oxigraph-mem" in names else None
        for name in names:
            if name in ("sparql", "sparql-mem"):
                started[name] = stack.enter_context(policykg_server(store, workers, timeout_s, name == "sparql-mem"))
            elif name == "oxigraph":
                copy = scratch / "oxigraph-store"
                shutil.copytree(store, copy)  # its own directory: it opens it read-write
                started[name] = stack.enter_context(oxigraph_server(copy))
            else:
                started[name] = stack.enter_context(oxigraph_server(None, ntriples))
        yield started


# ---------------------------------------------------------------- in process


def in_process(store_path: Path, query: str, requests: int, seconds: float) -> Latencies:
    from pyoxigraph import QueryBoolean, QueryResultsFormat, QueryTriples, RdfFormat, Store

    store = Store.read_only(str(store_path))
    result = Latencies()
    deadline = time.perf_counter() + seconds
    for _ in range(requests):
        began = time.perf_counter()
        answer = store.query(query)
        if isinstance(answer, QueryTriples):
            answer.serialize(format=RdfFormat.TURTLE)
        elif isinstance(answer, QueryBoolean):
            answer.serialize(format=QueryResultsFormat.JSON)
        else:
            answer.serialize(format=QueryResultsFormat.JSON)
        result.seconds.append(time.perf_counter() - began)
        if time.perf_counter() > deadline:
            break
    return result


# ---------------------------------------------------------------- the run


def accept_for(query: str) -> str:
    """Turtle for CONSTRUCT / DESCRIBE, SPARQL JSON otherwise: the query form as the endpoint reads it."""
    from api.sparql.guard import check_query

    form = check_query(query, max_chars=len(query) + 1).form
    return TURTLE if form in ("CONSTRUCT", "DESCRIBE") else JSON_RESULTS


def answer_size(body: bytes, media_type: str) -> str:
    """Rows, triples or the boolean of an answer, to compare the two servers'."""
    from pyoxigraph import RdfFormat, parse

    if media_type == JSON_RESULTS:
        data = json.loads(body)
        return f"boolean {data['boolean']}" if "boolean" in data else f"{len(data['results']['bindings'])} rows"
    return f"{sum(1 for _ in parse(body, format=RdfFormat.TURTLE))} triples"


def same_answers(endpoints: dict[str, str], queries: dict[str, str]) -> list[str]:
    """Ask every server every query once, with the benchmark's Accept header; list the differences.
    (It also warms the servers up.)"""
    problems = []
    with httpx.Client(timeout=60, trust_env=False) as client:
        for name, query in queries.items():
            accept = accept_for(query)
            seen = {}
            for server, endpoint in endpoints.items():
                response = client.get(query_url(endpoint, query), headers={"Accept": accept})
                media_type = response.headers.get("content-type", "").split(";")[0].strip()
                if response.status_code != 200 or media_type != accept:
                    problems.append(f"{name}: {server} answered {response.status_code} {media_type or '-'}")
                    continue
                seen[server] = answer_size(response.content, media_type)
            if len(set(seen.values())) > 1:
                problems.append(f"{name}: " + ", ".join(f"{s} {size}" for s, size in seen.items()))
    return problems


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f}"


def measure_endpoints(endpoints: dict[str, str], queries: dict[str, str], *, client: str, seconds: float,
                      rounds: int, requests: int, pids: Sequence[int] = ()) -> dict[tuple[str, str, int], Summary]:
    """Each cell is measured in `rounds` slices, the servers taking turns (in alternating order),
    so that a slow spell of the machine does not land on one server only."""
    slices: dict[tuple[str, str, int], list[Figures]] = {}
    others: dict[tuple[str, str, int], list[float]] = {}
    for name, query in queries.items():
        headers = {"Accept": accept_for(query), **({} if name == FLOOR_NAME else FRESH)}
        unseen = name == UNSEEN_FLOOR_NAME
        for concurrency in CONCURRENCY:
            for turn in range(rounds):
                servers = list(endpoints.items())
                for server, endpoint in servers if turn % 2 == 0 else reversed(servers):
                    url = query_url(endpoint, query)
                    with OtherLoad(pids) as other:
                        if client == "wrk":
                            part: Figures = wrk(url, concurrency=concurrency, seconds=round(seconds / rounds),
                                                headers=headers, unseen=unseen)
                        else:
                            count = requests if concurrency == 1 else requests * 4
                            urls = [f"{url}%20%23{turn}-{k}" for k in range(count)] if unseen else [url]
                            part = asyncio.run(measure_urls(urls, concurrency=concurrency,
                                                            requests=max(1, count // rounds),
                                                            seconds=seconds / rounds, headers=headers))
                    slices.setdefault((name, server, concurrency), []).append(part)
                    others.setdefault((name, server, concurrency), []).append(other.cores)
    return {key: Summary.of_slices(parts, others[key]) for key, parts in slices.items()}


def report(queries: dict[str, str], local: dict[str, Latencies], http: dict[tuple[str, str, int], Summary],
           names: Sequence[str]) -> bool:
    """Print a table per concurrency and the verdicts; True if every target measured is met."""
    pairs = [(ours, theirs) for ours, theirs in PAIRS if ours in names and theirs in names]
    alone = [name for name in names if not any(name in pair for pair in pairs)]
    met = True
    for concurrency in CONCURRENCY:
        print(f"\nc={concurrency}: p50 / p99 latency in ms; ratio = policykg p50 ÷ Oxigraph p50 on the same kind of store")
        header = f"{'query':34} {'in-proc':>8} |"
        for ours, theirs in pairs:
            header += f" {ours:>17} {theirs:>17} {'ratio':>6} |"
        header += "".join(f" {name:>17} |" for name in alone)
        print(header)
        print("-" * len(header))
        for name in queries:
            line = f"{name[:34]:34} {ms(local[name].p50):>8} |"
            errors = ""
            for ours, theirs in pairs:
                a, b = http[name, ours, concurrency], http[name, theirs, concurrency]
                disturbed = "!" if max(a.other_cores, b.other_cores) > DISTURBED_CORES else " "
                line += f" {cell(a)} {cell(b)} {a.p50 / b.p50:5.2f}{disturbed}|".replace("  nan", "    -")
                if a.errors or b.errors:
                    errors += f" {ours}/{theirs} errors {a.errors}/{b.errors}"
            for other in alone:
                line += f" {cell(http[name, other, concurrency])} |"
            print(line + errors)
    print()
    worst = max(summary.other_cores for summary in http.values())
    disturbed_cells = sum(summary.other_cores > DISTURBED_CORES for summary in http.values())
    print(f"other processes on the machine: at most {worst:.2f} cores during a slice; "
          f"{disturbed_cells} of {len(http)} server cells had a slice above {DISTURBED_CORES} cores (marked !)")
    examples = [name for name in queries if name not in FLOORS]
    for ours, theirs in pairs:
        for concurrency in CONCURRENCY:
            within = [name for name in examples if ratio(http, name, ours, theirs, concurrency) <= TARGET_RATIO
                      and not http[name, ours, concurrency].errors]
            verdict = "yes" if len(within) == len(examples) else "no"
            met &= verdict == "yes"
            print(f"c={concurrency}: {ours} p50 within {TARGET_RATIO}× of {theirs} on {len(within)} of "
                  f"{len(examples)} example queries: {verdict}")
        if FLOOR_NAME in queries and 1 in CONCURRENCY:
            floor = ratio(http, FLOOR_NAME, ours, theirs, 1)
            met &= floor <= FLOOR_RATIO
            a, b = http[FLOOR_NAME, ours, 1], http[FLOOR_NAME, theirs, 1]
            print(f"c=1: {FLOOR_QUERY} floor {ms(a.p50).strip()} ms against {ms(b.p50).strip()} ms: {floor:.2f}× "
                  f"(target {FLOOR_RATIO}×): {'yes' if floor <= FLOOR_RATIO else 'no'} (the same text again: "
                  "answered from the kept answer)")
        for name, what in ((WORKER_FLOOR_NAME, "each run on a worker (Cache-Control: no-cache)"),
                           (UNSEEN_FLOOR_NAME, "each a text not seen before")):
            if name in queries and 1 in CONCURRENCY:
                a, b = http[name, ours, 1], http[name, theirs, 1]
                print(f"c=1: {FLOOR_QUERY} {what}: {ms(a.p50).strip()} ms against {ms(b.p50).strip()} ms: "
                      f"{ratio(http, name, ours, theirs, 1):.2f}× (told, not a target)")
    return met


def cell(summary: Summary) -> str:
    return f"{ms(summary.p50)}/{ms(summary.p99).strip():>8}".replace("nan", "  -")


def ratio(http: dict[tuple[str, str, int], Summary], name: str, ours: str, theirs: str, concurrency: int) -> float:
    return http[name, ours, concurrency].p50 / http[name, theirs, concurrency].p50


def machine() -> str:
    """What the figures were measured on, and how busy it was."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return f"{name} {version(name)}"
        except PackageNotFoundError:
            return f"no {name}"

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    packages = ", ".join(installed(name) for name in ("pyoxigraph", "uvicorn", "httptools", "uvloop", "fastapi"))
    return (f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {packages}; "
            f"load average before the run {load}")


def choose_client(wanted: str) -> str:
    if wanted == "wrk" and not wrk_path():
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    if wanted == "auto":
        wanted = "wrk" if wrk_path() else "httpx"
    if wanted == "wrk":
        print("client: wrk (-t1 -c1 at 1 client, -t2 -c16 at 16), --latency percentiles")
    else:
        why = "as asked" if wrk_path() else "wrk is not installed (apt-get install wrk)"
        print(f"client: httpx (Python), {why}. A Python client costs about 1 ms of CPU per request, as much as "
              "the servers: these figures mostly measure the client.")
    return wanted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="time per query, server and concurrency (split into --rounds slices)")
    parser.add_argument("--rounds", type=int, default=3, help="slices per cell, the servers taking turns")
    parser.add_argument("--client", choices=("auto", "wrk", "httpx"), default="auto",
                        help="load generator (auto: wrk when installed)")
    parser.add_argument("--requests", type=int, default=300,
                        help="httpx client only: requests per query and server at c=1 (×4 at c=16)")
    parser.add_argument("--workers", type=int, default=2, help="SPARQL worker processes of /sparql")
    parser.add_argument("--servers", default=",".join(SERVERS),
                        help=f"comma-separated, among {', '.join(SERVERS)} (default: all)")
    parser.add_argument("--store", type=Path, help="a built store directory to serve (default: the seeds' graph)")
    parser.add_argument("--clients", default="1,16", help="concurrent clients to measure, comma-separated (1,16)")
    parser.add_argument("--copies", type=int, default=1,
                        help="without --store: the seeds' graph this many times over, one city a copy "
                             "(300: the size of the 300-city corpus)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--query", action="append", default=[],
                        help="only the example queries whose name contains this (repeatable; 'ask' for ASK {})")
    parser.add_argument("--url", action="append", default=[], help="measure these URLs instead (GET)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # internal: run the /sparql server
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="/sparql's time limit in seconds (raise it for large graphs at 16 clients)")
    parser.add_argument("--in-memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--max-rows", type=int, default=BENCH_MAX_ROWS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    if args.serve:
        serve(args.serve, args.port, args.workers, args.timeout, args.in_memory, args.max_rows)
        return
    print(machine())
    client = choose_client(args.client)
    if args.url:
        for concurrency in CONCURRENCY:
            if client == "wrk":  # one URL at a time: wrk has no round-robin without a script
                for url in args.url:
                    figures: Figures = wrk(url, concurrency=concurrency, seconds=round(args.seconds))
                    print(f"c={concurrency:<3} p50 {ms(figures.p50)} ms  p99 {ms(figures.p99)} ms  "
                          f"({figures.requests} requests, {figures.errors} errors)  {url}")
                continue
            figures = asyncio.run(measure_urls(args.url, concurrency=concurrency, requests=args.requests * concurrency,
                                               seconds=args.seconds))
            print(f"c={concurrency:<3} p50 {ms(figures.p50)} ms  p99 {ms(figures.p99)} ms  "
                  f"({figures.requests} requests, {figures.errors} errors)")
        return

    from api.sparql.examples import load_examples

    CONCURRENCY[:] = [int(n) for n in args.clients.split(",") if n.strip()]
    names = [name.strip() for name in args.servers.split(",") if name.strip()]
    unknown = set(names) - set(SERVERS)
    if unknown:
        raise SystemExit(f"unknown servers: {', '.join(sorted(unknown))}; choose among {', '.join(SERVERS)}")
    every = {**dict.fromkeys(FLOORS, FLOOR_QUERY), **{example.name: example.query for example in load_examples()}}
    queries = {name: query for name, query in every.items()
               if not args.query or any(part in name for part in args.query)}
    with tempfile.TemporaryDirectory(prefix="bench-sparql-") as scratch_name:
        scratch = Path(scratch_name)
        store = args.store or seed_store(scratch / "store", args.copies)
        what = store if args.store else "the seeds graph" + (f" × {args.copies}" if args.copies > 1 else "")
        print(f"store: {what}; servers: {', '.join(names)}")
        local = {name: in_process(store, query, 2000, 1.0) for name, query in queries.items()}
        with servers(names, store, scratch, args.workers, args.timeout) as started:
            endpoints = {name: url for name, (url, _) in started.items()}
            problems = same_answers(endpoints, queries)
            for problem in problems:
                print(f"NOT THE SAME ANSWER: {problem}")
            if not problems:
                print(f"same answers: every server answers all {len(queries)} queries with 200, the same media type "
                      "and the same rows / triples / boolean")
            http = measure_endpoints(endpoints, queries, client=client, seconds=args.seconds, rounds=args.rounds,
                                     requests=args.requests, pids=[pid for _, pid in started.values()])
    met = report(queries, local, http, names) and not problems
    if args.json:
        figures_by_query = {
            name: {"in_process": as_dict(local[name]),
                   **{f"{server}_c{c}": as_dict(http[name, server, c]) for server in names for c in CONCURRENCY}}
            for name in queries
        }
        args.json.write_text(json.dumps({"client": client, "targets_met": met, "same_answers": not problems,
                                         "servers": names, "queries": figures_by_query}, indent=2) + "\n")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
