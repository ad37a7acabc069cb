"""Latency of the SPARQL endpoint on the seeds graph, side by side with Oxigraph's own server.

For every example query (api/sparql/queries/*.rq) it measures p50 / p99 latency:

  in-process   pyoxigraph directly: Store.query + serialisation, no HTTP (the floor);
  /sparql      policykg's endpoint, in its own uvicorn process on a free 127.0.0.1 port;
  oxigraph     `oxigraph serve` (in memory: no --location) on another loopback port, holding the same
               graph (loaded as Turtle through its /store endpoint);

each under 1 and under 16 concurrent clients (httpx, GET ?query=, same Accept header for both
servers), with a bounded number of requests and a time bound per cell. It prints a table and says
whether /sparql's p50 is within 1.5× of Oxigraph's on every query.

    python bench/bench_sparql.py                       # needs the `oxigraph` package (its server binary)
    python bench/bench_sparql.py --requests 400 --seconds 10 --json out.json
    python bench/bench_sparql.py --url 'http://127.0.0.1:8000/compare?instrument=创新券' --url ...

`--url` (repeatable) measures any running server instead, e.g. the analyst API's /compare;
`measure_urls()` does the same from Python.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = (1, 16)
TARGET_RATIO = 1.5
JSON_RESULTS = "application/sparql-results+json"
TURTLE = "text/turtle"


@dataclass
class Latencies:
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

    def as_dict(self) -> dict[str, float | int]:
        return {"p50_ms": self.p50 * 1000, "p99_ms": self.p99 * 1000, "requests": len(self.seconds), "errors": self.errors}


# ---------------------------------------------------------------- measuring HTTP


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
def running(command: list[str], probe_url: str) -> Iterator[None]:
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)  # errors: stderr
    try:
        wait_until_up(probe_url, process)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def policykg_server(ntriples_path: Path, workers: int, timeout_s: float) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, __file__, "--serve", str(ntriples_path), "--port", str(port),
               "--workers", str(workers), "--timeout", str(timeout_s)]
    with running(command, f"http://127.0.0.1:{port}/sparql"):
        yield f"http://127.0.0.1:{port}/sparql"


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).exists():
        raise SystemExit("the `oxigraph` server binary is missing: pip install oxigraph")
    return found


@contextmanager
def oxigraph_server(turtle: bytes) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # No --location: Oxigraph keeps the store in memory, like our workers.
    with running([oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}"], f"{base}/query"):
        loaded = httpx.post(f"{base}/store?default", content=turtle, headers={"Content-Type": TURTLE}, trust_env=False)
        loaded.raise_for_status()
        yield f"{base}/query"


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
    return TURTLE if "CONSTRUCT" in query or "DESCRIBE" in query else JSON_RESULTS


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f}"


async def measure_endpoints(endpoints: dict[str, str], queries: dict[str, str], requests: int, seconds: float,
                            rounds: int = 5) -> dict[tuple[str, str, int], Latencies]:
    """Each cell is measured in `rounds` slices, the servers taking turns (in alternating order),
    so that a slow spell of the machine does not land on one server only."""
    results: dict[tuple[str, str, int], Latencies] = {}
    for name, query in queries.items():
        headers = {"Accept": accept_for(query)}
        for concurrency in CONCURRENCY:
            count = requests if concurrency == 1 else requests * 4
            for turn in range(rounds):
                servers = list(endpoints.items())
                for server, endpoint in servers if turn % 2 == 0 else reversed(servers):
                    part = await measure_urls([query_url(endpoint, query)], concurrency=concurrency,
                                              requests=max(1, count // rounds), seconds=seconds / rounds,
                                              headers=headers)
                    cell = results.setdefault((name, server, concurrency), Latencies())
                    cell.seconds += part.seconds
                    cell.errors += part.errors
    return results


def report(queries: dict[str, str], local: dict[str, Latencies], http: dict[tuple[str, str, int], Latencies]) -> bool:
    """Print the table and the verdict; True if /sparql's p50 is within TARGET_RATIO everywhere."""
    header = f"{'query':34} {'in-proc':>8} |" + "".join(
        f" {'c=' + str(c) + ' /sparql':>17} {'oxigraph':>17} {'ratio':>6} |" for c in CONCURRENCY)
    print("p50 / p99 latency in ms; ratio = /sparql p50 ÷ oxigraph p50")
    print(header)
    print("-" * len(header))
    within = {concurrency: 0 for concurrency in CONCURRENCY}
    for name in queries:
        line = f"{name[:34]:34} {ms(local[name].p50):>8} |"
        for concurrency in CONCURRENCY:
            ours, theirs = http[name, "sparql", concurrency], http[name, "oxigraph", concurrency]
            ratio = ours.p50 / theirs.p50
            within[concurrency] += ratio <= TARGET_RATIO and not ours.errors
            line += f" {ms(ours.p50)}/{ms(ours.p99).strip():>8} {ms(theirs.p50)}/{ms(theirs.p99).strip():>8} {ratio:6.2f} |"
            if ours.errors or theirs.errors:
                line += f" errors {ours.errors}/{theirs.errors}"
        print(line)
    print()
    for concurrency, count in within.items():
        verdict = "yes" if count == len(queries) else "no"
        print(f"c={concurrency}: /sparql p50 within {TARGET_RATIO}× of Oxigraph's server on {count} of {len(queries)} "
              f"queries: {verdict}")
    return all(count == len(queries) for count in within.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100, help="requests per query and server at c=1 (×4 at c=16)")
    parser.add_argument("--seconds", type=float, default=5.0, help="time bound per query, server and concurrency")
    parser.add_argument("--workers", type=int, default=2, help="SPARQL worker processes of /sparql")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--url", action="append", default=[], help="measure these URLs instead (GET, round-robin)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # internal: run the /sparql server
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=10.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    if args.serve:
        serve(args.serve, args.port, args.workers, args.timeout)
        return
    if args.url:
        for concurrency in CONCURRENCY:
            figures = asyncio.run(measure_urls(args.url, concurrency=concurrency, requests=args.requests * concurrency,
                                               seconds=args.seconds))
            print(f"c={concurrency:<3} p50 {ms(figures.p50)} ms  p99 {ms(figures.p99)} ms  "
                  f"({len(figures.seconds)} requests, {figures.errors} errors)")
        return

    from api.sparql.examples import load_examples

    queries = {example.name: example.query for example in load_examples()}
    ntriples, turtle = seed_graph()
    local = {name: in_process(ntriples, query, args.requests, args.seconds) for name, query in queries.items()}
    with tempfile.TemporaryDirectory() as scratch:
        graph_path = Path(scratch) / "graph.nt"
        graph_path.write_bytes(ntriples)
        with policykg_server(graph_path, args.workers, args.timeout) as ours, oxigraph_server(turtle) as theirs:
            http = asyncio.run(measure_endpoints({"sparql": ours, "oxigraph": theirs}, queries, args.requests,
                                                 args.seconds))
    within = report(queries, local, http)
    if args.json:
        figures = {
            name: {"in_process": local[name].as_dict(),
                   **{f"{server}_c{c}": http[name, server, c].as_dict()
                      for server in ("sparql", "oxigraph") for c in CONCURRENCY}}
            for name in queries
        }
        args.json.write_text(json.dumps({"within_target": within, "queries": figures}, indent=2) + "\n")
    sys.exit(0 if within else 1)


if __name__ == "__main__":
    main()
