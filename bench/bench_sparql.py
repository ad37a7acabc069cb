"""Latency of the SPARQL endpoint on the seeds graph, side by side with Oxigraph's own server.

For every example query (api/sparql/queries/*.rq) it measures p50 / p99 latency:

  in-process   pyoxigraph directly: Store.query + serialisation, no HTTP (the floor);
  /sparql      policykg's endpoint, in its own uvicorn process on a free 127.0.0.1 port;
  oxigraph     `oxigraph serve` (in memory: no --location) on another loopback port, holding the same
               graph (loaded as Turtle through its /store endpoint);

each under 1 and under 16 concurrent clients, GET ?query= with the same Accept header for both
servers (checked first: both must answer every query with status 200, the same media type and the
same number of rows, triples or the same boolean).

The load comes from `wrk` (Debian package `wrk`, a C load generator: `-t1 -c1` and `-t2 -c16`,
`--latency`) when it is installed. Without it the script falls back to an httpx client and says so:
on a 2-core machine a Python client costs about 1 ms of CPU per request, as much as the servers,
and mostly measures itself. Each cell is measured in `--rounds` slices with the servers taking
turns (in alternating order), so that a slow spell of the machine does not land on one server
only; the cell's p50 is the median of the slices' p50s, its p99 the worst slice's p99. It prints a
table and says whether /sparql's p50 is within 1.5× of Oxigraph's on every query.

    python bench/bench_sparql.py                       # needs the `oxigraph` package (its server binary)
    python bench/bench_sparql.py --seconds 6 --rounds 3 --json out.json
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = (1, 16)
TARGET_RATIO = 1.5
JSON_RESULTS = "application/sparql-results+json"
TURTLE = "text/turtle"
SERVERS = ("sparql", "oxigraph")
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
        """The median slice p50 (robust to one slow spell) and, to stay on the safe side, the worst p99."""
        return cls(statistics.median(s.p50 for s in slices), max(s.p99 for s in slices),
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


def wrk(url: str, *, concurrency: int, seconds: int, headers: dict[str, str] | None = None) -> Summary:
    """`url` under `concurrency` keep-alive connections for `seconds`, by wrk (`-t1 -c1`, `-t2 -c16`)."""
    command = [wrk_path() or "wrk", f"-t{min(concurrency, 2)}", f"-c{concurrency}", f"-d{max(1, seconds)}s",
               "--timeout", "60s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}) on {url[:80]}...:\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def parse_wrk(out: str) -> Summary:
    """p50 / p99 from `--latency`'s distribution; errors are non-2xx/3xx answers and socket errors."""
    percentiles = {int(p): float(v) * _UNIT_S[u]
                   for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)$", out, re.M)}
    counted = re.search(r"(\d+) requests in", out)
    if 50 not in percentiles or 99 not in percentiles or counted is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(n) for n in m.groups())
    return Summary(percentiles[50], percentiles[99], int(counted.group(1)), errors)


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


def seed_graph() -> tuple[bytes, bytes]:
    """The seeds' graph as N-Triples (for policykg) and Turtle (for Oxigraph's /store)."""
    from extract.pipeline import extract_file
    from graph.rdf import build_rdf

    graph = build_rdf([extract_file(path) for path in sorted((ROOT / "seeds").glob("*.txt"))])
    return graph.serialize(format="nt", encoding="utf-8"), graph.serialize(format="turtle", encoding="utf-8")


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
        wait_until_up(probe_url, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def policykg_server(ntriples_path: Path, workers: int, timeout_s: float) -> Iterator[tuple[str, int]]:
    """The /sparql URL and the server's process id (its workers are its children)."""
    port = free_port()
    command = [sys.executable, __file__, "--serve", str(ntriples_path), "--port", str(port),
               "--workers", str(workers), "--timeout", str(timeout_s)]
    with running(command, f"http://127.0.0.1:{port}/sparql") as process:
        yield f"http://127.0.0.1:{port}/sparql", process.pid


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).exists():
        raise SystemExit("the `oxigraph` server binary is missing: pip install oxigraph")
    return found


@contextmanager
def oxigraph_server(turtle: bytes) -> Iterator[tuple[str, int]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # No --location: Oxigraph keeps the store in memory, like our workers.
    # Its stderr is dropped: it logs every connection wrk closes mid-answer at the end of a run.
    with running([oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}"], f"{base}/query", quiet=True) as process:
        loaded = httpx.post(f"{base}/store?default", content=turtle, headers={"Content-Type": TURTLE}, trust_env=False)
        loaded.raise_for_status()
        yield f"{base}/query", process.pid


def serve(ntriples_path: Path, port: int, workers: int, timeout_s: float) -> None:
    """The child process: our router on a bare FastAPI app, as the lead's app mounts it."""
    import uvicorn
    from fastapi import FastAPI

    from api.sparql import SparqlService, create_sparql_router

    service = SparqlService(ntriples_path.read_bytes(), workers=workers, timeout_s=timeout_s)
    app = FastAPI()
    app.include_router(create_sparql_router(service))
    with service:
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# ---------------------------------------------------------------- in process


def in_process(ntriples: bytes, query: str, requests: int, seconds: float) -> Latencies:
    from pyoxigraph import QueryBoolean, QueryResultsFormat, QueryTriples, RdfFormat, Store

    store = Store()
    store.bulk_load(ntriples, format=RdfFormat.N_TRIPLES)
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
    """Ask both servers every query once, with the benchmark's Accept header; list the differences.
    (It also warms both servers up.)"""
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
        headers = {"Accept": accept_for(query)}
        for concurrency in CONCURRENCY:
            for turn in range(rounds):
                servers = list(endpoints.items())
                for server, endpoint in servers if turn % 2 == 0 else reversed(servers):
                    url = query_url(endpoint, query)
                    with OtherLoad(pids) as other:
                        if client == "wrk":
                            part: Figures = wrk(url, concurrency=concurrency, seconds=round(seconds / rounds),
                                                headers=headers)
                        else:
                            count = requests if concurrency == 1 else requests * 4
                            part = asyncio.run(measure_urls([url], concurrency=concurrency,
                                                            requests=max(1, count // rounds),
                                                            seconds=seconds / rounds, headers=headers))
                    slices.setdefault((name, server, concurrency), []).append(part)
                    others.setdefault((name, server, concurrency), []).append(other.cores)
    return {key: Summary.of_slices(parts, others[key]) for key, parts in slices.items()}


def report(queries: dict[str, str], local: dict[str, Latencies], http: dict[tuple[str, str, int], Summary]) -> bool:
    """Print the table and the verdict; True if /sparql's p50 is within TARGET_RATIO everywhere."""
    header = f"{'query':34} {'in-proc':>8} |" + "".join(
        f" {'c=' + str(c) + ' /sparql':>17} {'oxigraph':>17} {'ratio':>6} |" for c in CONCURRENCY)
    print("p50 / p99 latency in ms; ratio = /sparql p50 ÷ oxigraph p50")
    print(header)
    print("-" * len(header))
    within = {concurrency: 0 for concurrency in CONCURRENCY}
    for name in queries:
        line = f"{name[:34]:34} {ms(local[name].p50):>8} |"
        errors = ""
        for concurrency in CONCURRENCY:
            ours, theirs = http[name, "sparql", concurrency], http[name, "oxigraph", concurrency]
            ratio = ours.p50 / theirs.p50
            within[concurrency] += ratio <= TARGET_RATIO and not ours.errors
            disturbed = "!" if max(ours.other_cores, theirs.other_cores) > DISTURBED_CORES else " "
            line += (f" {ms(ours.p50)}/{ms(ours.p99).strip():>8} {ms(theirs.p50)}/{ms(theirs.p99).strip():>8}"
                     f" {ratio:5.2f}{disturbed}|")
            if ours.errors or theirs.errors:
                errors += f" c={concurrency} errors {ours.errors}/{theirs.errors}"
        print(line + errors)
    print()
    worst = max(cell.other_cores for cell in http.values())
    disturbed_cells = sum(cell.other_cores > DISTURBED_CORES for cell in http.values())
    print(f"other processes on the machine: at most {worst:.2f} cores during a slice; "
          f"{disturbed_cells} of {len(http)} server cells had a slice above {DISTURBED_CORES} cores (marked !)")
    for concurrency, count in within.items():
        verdict = "yes" if count == len(queries) else "no"
        print(f"c={concurrency}: /sparql p50 within {TARGET_RATIO}× of Oxigraph's server on {count} of {len(queries)} "
              f"queries: {verdict}")
    return all(count == len(queries) for count in within.values())


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
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--query", action="append", default=[],
                        help="only the example queries whose name contains this (repeatable)")
    parser.add_argument("--url", action="append", default=[], help="measure these URLs instead (GET)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # internal: run the /sparql server
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=10.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    if args.serve:
        serve(args.serve, args.port, args.workers, args.timeout)
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

    queries = {example.name: example.query for example in load_examples()
               if not args.query or any(part in example.name for part in args.query)}
    ntriples, turtle = seed_graph()
    local = {name: in_process(ntriples, query, 2000, 1.0) for name, query in queries.items()}
    with tempfile.TemporaryDirectory() as scratch:
        graph_path = Path(scratch) / "graph.nt"
        graph_path.write_bytes(ntriples)
        with policykg_server(graph_path, args.workers, args.timeout) as (ours, ours_pid), \
                oxigraph_server(turtle) as (theirs, theirs_pid):
            endpoints = {"sparql": ours, "oxigraph": theirs}
            problems = same_answers(endpoints, queries)
            for problem in problems:
                print(f"NOT THE SAME ANSWER: {problem}")
            if not problems:
                print(f"same answers: both servers answer all {len(queries)} queries with 200, the same media type "
                      "and the same rows / triples / boolean")
            http = measure_endpoints(endpoints, queries, client=client, seconds=args.seconds, rounds=args.rounds,
                                     requests=args.requests, pids=[ours_pid, theirs_pid])
    within = report(queries, local, http) and not problems
    if args.json:
        figures_by_query = {
            name: {"in_process": as_dict(local[name]),
                   **{f"{server}_c{c}": as_dict(http[name, server, c]) for server in SERVERS for c in CONCURRENCY}}
            for name in queries
        }
        args.json.write_text(json.dumps({"client": client, "within_target": within, "same_answers": not problems,
                                         "queries": figures_by_query}, indent=2) + "\n")
    sys.exit(0 if within else 1)


if __name__ == "__main__":
    main()
