"""Abuse load test (issue 11): does one client's runaway SPARQL stall the analysts or cheap SPARQL?

Starts the real `policykg serve` (python -m api.cli serve, this checkout's code) on a free 127.0.0.1
port over a corpus of the seeds copied for `--cities` cities (bench/make_corpus.py; `--build DIR`
keeps corpus and cache there, to reuse), then runs the same load twice, `--seconds` each:

  quiet   16 clients: 8 on analyst routes (/compare, /compare/matrix, /search, /cities, a filtered
          list, an HTML page; round robin) and 8 on cheap SPARQL (ASK {} and a small SELECT);
  abused  the same, plus one runaway query every 5 s (a three-way cartesian product over every
          triple, counted), all from the same client (127.0.0.1), each left to run to its end.

The load comes from two `wrk` processes (C; one per class, `-t1 -c8`, each cycling through its
URLs with a Lua script), so that the client costs little CPU on a 2-core machine; the runaways
from a Python thread. Reported: per class, requests, errors (non-2xx or socket errors: must be 0),
p50 / p99 (wrk's latency distribution), quiet against abused (target: abused p99 ≤ 2× quiet);
the runaways' statuses (504: stopped at the time limit; 429: the client's share of the slow lane
is full; 503: the slow lane is full or its wait ran out); the machine's CPU split between normal
priority, niced processes (the SPARQL workers run at nice +5, the slow lane +15) and idle, per run
(other processes on a shared machine count too); the server's process tree: processes,
PSS (summed /proc/PID/smaps_rollup), each process's niceness, at the start (after a warm-up) and
at the end (once the last runaway has been stopped: the time limit plus a second).

    python bench/bench_abuse.py                          # 30 cities, 60 s each run (~3 minutes)
    python bench/bench_abuse.py --build /tmp/abuse-30    # keep the corpus and the build for next time
    python bench/bench_abuse.py --seconds 20 --json out.json
    python bench/bench_abuse.py --one-lane               # the same against one lane (--sparql-demote-ms 0)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from make_corpus import make_corpus  # noqa: E402

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = ["ASK {}", "PREFIX schema: <https://schema.org/> SELECT ?city ?name WHERE { ?city a schema:City ; "
         "schema:name ?name } LIMIT 10"]
LUA = """
local paths = {%s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,"timeout":%%d,'
    .. '"status":%%d,"p50_us":%%d,"p99_us":%%d,"max_us":%%d}\\n', summary.requests, summary.duration, e.connect,
    e.read, e.write, e.timeout, e.status, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def tree_state(pid: int) -> dict[str, Any]:
    """The server's process tree: count, PSS (MB, shared pages counted once), niceness of each."""
    pss_kb, nice = 0, Counter()
    members = descendants(pid)
    for member in members:
        try:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
            stat = Path(f"/proc/{member}/stat").read_text()
        except OSError:
            continue
        found = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
        pss_kb += int(found.group(1)) if found else 0
        nice[int(stat.rsplit(")", 1)[1].split()[16])] += 1
    return {"processes": len(members), "pss_mb": round(pss_kb / 1024, 1),
            "niceness": {str(k): v for k, v in sorted(nice.items())}}


@contextmanager
def serving(corpus: Path, cache: Path, timeout_s: float, extra: list[str]) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    command = [sys.executable, "-m", "api.cli", "serve", "--data", str(corpus), "--port", str(port),
               "--cache-dir", str(cache), "--sparql-timeout", str(timeout_s), *extra]
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    began = time.monotonic()
    try:
        with httpx.Client(trust_env=False, timeout=5) as client:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"policykg serve exited: {process.stderr.read().decode() if process.stderr else ''}")
                if time.monotonic() - began > 900:
                    raise RuntimeError("policykg serve not ready after 15 minutes")
                try:
                    if client.get(f"{base}/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
        print(f"serve ready in {time.monotonic() - began:.1f} s on {base}", file=sys.stderr)
        yield process, base
    finally:
        process.terminate()  # our own child, by its handle
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def analyst_paths(base: str) -> list[str]:
    with httpx.Client(base_url=base, trust_env=False, timeout=30) as client:
        cities = client.get("/cities").json()
        city = (cities["rows"] if isinstance(cities, dict) else cities)[0]["city"]
        paths = [
            "/compare?" + urlencode({"instrument": "innovation_voucher"}),
            "/compare/matrix",
            "/search?" + urlencode({"q": f"{city} 创新券 最高"}),
            "/cities",
            "/policies?" + urlencode({"city": city, "limit": 20, "sort": "-date"}),
            "/policies?" + urlencode({"city": city, "format": "html"}),
        ]
        for path in paths:
            answer = client.get(path)
            if answer.status_code != 200:
                raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")
    return paths


def sparql_paths() -> list[str]:
    return ["/sparql?" + urlencode({"query": query}, quote_via=quote) for query in CHEAP]


def run_wrk(base: str, paths: list[str], seconds: float, folder: Path, name: str) -> subprocess.Popen[str]:
    script = folder / f"{name}.lua"
    script.write_text(LUA % ", ".join(json.dumps(p) for p in paths), encoding="utf-8")
    return subprocess.Popen(
        ["wrk", "-t1", "-c8", f"-d{int(seconds)}s", "--timeout", "30s", "-s", str(script), base],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def wrk_figures(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = process.communicate()
    line = next((line for line in out.splitlines() if line.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk said: {out}")
    raw = json.loads(line[4:])
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"] + raw["status"]
    return {"requests": raw["requests"], "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
            "errors": errors, "error_kinds": {k: raw[k] for k in ("connect", "read", "write", "timeout", "status")},
            "p50_ms": raw["p50_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
            "max_ms": raw["max_us"] / 1000}


class Runaways:
    """One runaway query every `every_s`, each on its own thread, left to run to its answer."""

    def __init__(self, base: str, every_s: float) -> None:
        self.url = f"{base}/sparql"
        self.every_s = every_s
        self.statuses: Counter[str] = Counter()
        self.seconds: list[float] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._ticker = threading.Thread(target=self._tick, daemon=True)

    def start(self) -> None:
        self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.is_set():
            sender = threading.Thread(target=self._one, daemon=True)
            sender.start()
            self._threads.append(sender)
            self._stop.wait(self.every_s)

    def _one(self) -> None:
        began = time.monotonic()
        try:
            with httpx.Client(trust_env=False, timeout=120) as client:
                status = str(client.get(self.url, params={"query": RUNAWAY}).status_code)
        except httpx.HTTPError as error:
            status = type(error).__name__
        with self._lock:
            self.statuses[status] += 1
            self.seconds.append(time.monotonic() - began)

    def stop(self) -> None:
        self._stop.set()
        self._ticker.join()
        for each in self._threads:
            each.join(150)


def cpu_jiffies() -> tuple[int, int, int]:
    """The machine's CPU time so far (/proc/stat, all cores): busy at normal priority, busy at a
    lowered one (`nice`: our workers, and any niced neighbour), idle."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    return user + system + irq + softirq + steal, nice, idle + iowait


def load(base: str, analyst: list[str], cheap: list[str], seconds: float, folder: Path,
         runaways: bool) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = cpu_jiffies()
    abuse = Runaways(base, 5.0) if runaways else None
    runs = {"analyst": run_wrk(base, analyst, seconds, folder, "analyst"),
            "sparql": run_wrk(base, cheap, seconds, folder, "sparql")}
    if abuse is not None:
        abuse.start()
    figures: dict[str, Any] = {name: wrk_figures(process) for name, process in runs.items()}
    if abuse is not None:
        abuse.stop()
        figures["runaways"] = {"sent": sum(abuse.statuses.values()), "statuses": dict(abuse.statuses),
                               "longest_s": round(max(abuse.seconds, default=0), 2)}
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures["client_cpu_s"] = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1)
    busy, niced, idle = (b - a for a, b in zip(cpu_before, cpu_jiffies(), strict=True))
    total = max(1, busy + niced + idle)
    figures["machine_cpu"] = {"busy": round(busy / total, 3), "niced": round(niced / total, 3),
                              "idle": round(idle / total, 3)}
    return figures


def server_counts(base: str) -> None:
    """Warm-up: every cheap URL answered once (so that their costs are known to the server)."""
    with httpx.Client(base_url=base, trust_env=False, timeout=30) as client:
        for path in sparql_paths():
            assert client.get(path).status_code == 200, path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", type=int, default=30)
    parser.add_argument("--build", type=Path, help="folder for the corpus and the build, kept (reused if there)")
    parser.add_argument("--seconds", type=float, default=60.0, help="each run's length")
    parser.add_argument("--sparql-timeout", type=float, default=10.0)
    parser.add_argument("--json", type=Path, help="write the figures there")
    parser.add_argument("--one-lane", action="store_true",
                        help="serve with --sparql-demote-ms 0 (no slow lane: the scheduling before issue 11)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian package wrk)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="abuse-") as scratch:
        folder = args.build or Path(scratch)
        corpus, cache = folder / "corpus", folder / "cache"
        if not corpus.is_dir():
            make_corpus(args.cities, corpus, ROOT / "seeds")
        # Cheap queries are sent again and again: kept answers (service.py) would answer them without
        # a worker, and the lanes they share with the runaways would go unmeasured.
        extra = ["--sparql-kept-answer-kb", "0"] + (["--sparql-demote-ms", "0"] if args.one_lane else [])
        with serving(corpus, cache, args.sparql_timeout, extra) as (process, base):
            analyst, cheap = analyst_paths(base), sparql_paths()
            server_counts(base)
            run_wrk(base, analyst + cheap, 3, Path(scratch), "warmup").communicate()
            start = tree_state(process.pid)
            quiet = load(base, analyst, cheap, args.seconds, Path(scratch), runaways=False)
            abused = load(base, analyst, cheap, args.seconds, Path(scratch), runaways=True)
            right_after = tree_state(process.pid)
            time.sleep(args.sparql_timeout + 1.0)  # the last runaway stopped, its worker replaced
            end = tree_state(process.pid)
    figures = {"cities": args.cities, "seconds": args.seconds, "sparql_timeout_s": args.sparql_timeout,
               "lanes": 1 if args.one_lane else 2,
               "quiet": quiet, "abused": abused, "tree": {"start": start, "right_after": right_after, "end": end}}
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


def report(figures: dict[str, Any]) -> None:
    quiet, abused = figures["quiet"], figures["abused"]
    print(f"\n{figures['cities']} cities, {figures['seconds']:g} s per run, 8 analyst + 8 cheap-SPARQL clients (wrk), "
          f"{'one SPARQL lane' if figures['lanes'] == 1 else 'fast and slow SPARQL lanes'}")
    print(f"{'class':<10}{'run':<8}{'req/s':>9}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name in ("analyst", "sparql"):
        for run, data in (("quiet", quiet[name]), ("abused", abused[name])):
            print(f"{name:<10}{run:<8}{data['rps']:>9.1f}{data['errors']:>8}{data['p50_ms']:>9.2f}"
                  f"{data['p99_ms']:>9.2f}{data['max_ms']:>9.1f}")
        for run, data in (("quiet", quiet[name]), ("abused", abused[name])):
            if data["errors"]:
                print(f"{'':<10}{run} errors: {data['error_kinds']} (status: a non-2xx answer)")
        ratio = abused[name]["p99_ms"] / quiet[name]["p99_ms"] if quiet[name]["p99_ms"] else float("inf")
        print(f"{'':<10}p99 abused / quiet: {ratio:.2f}× (target ≤ 2×)")
    print(f"runaways: {abused['runaways']['sent']} sent, statuses {abused['runaways']['statuses']}, "
          f"longest {abused['runaways']['longest_s']} s")
    print(f"client CPU (wrk, runaway senders): quiet {quiet['client_cpu_s']} s, abused {abused['client_cpu_s']} s")
    for run, data in (("quiet", quiet), ("abused", abused)):
        cpu = data["machine_cpu"]
        print(f"machine CPU {run:<7} (all processes, both cores): normal priority {cpu['busy']:.0%}, "
              f"niced {cpu['niced']:.0%}, idle {cpu['idle']:.0%}")
    tree = figures["tree"]
    for moment in ("start", "right_after", "end"):
        state = tree[moment]
        print(f"tree {moment:<12} {state['processes']} processes, PSS {state['pss_mb']:.1f} MB, niceness {state['niceness']}")
    start, end = tree["start"], tree["end"]
    print(f"end / start: processes {end['processes']}/{start['processes']}, "
          f"PSS {end['pss_mb'] / start['pss_mb']:.2f}× (target within 10%)")


if __name__ == "__main__":
    sys.exit(main())
