"""Start-up time of `policykg serve` (fresh and cached build) and latency of the analyst API's /compare.

    python bench/bench_api.py                 # seeds, 400 requests per cell
    python bench/bench_api.py --requests 1000

Starts the real server (`policykg serve`) on a free 127.0.0.1 port twice with an empty cache
directory: the first start extracts and builds, the second loads the cached build. It reports
how long each took to answer /health, then p50 / p99 of /compare over several terms under 1 and
16 concurrent clients (targets: ready in under 3 s when cached; /compare p99 under 20 ms at 16).

The load comes from `wrk` (Debian package `wrk`, a C load generator) when it is installed: a
Python client driving 16 connections spends more CPU than the server on this 2-core machine and
would mostly measure itself. Without wrk the script falls back to an httpx client and says so.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sparql import free_port, measure_urls  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TERMS = ("科技创新券", "孵化器", "innovation voucher", "talent_subsidy", "专利")
READY_TARGET_S = 3.0
COMPARE_P99_TARGET_MS = 20.0


def start_server(port: int, cache: Path) -> tuple[subprocess.Popen[bytes], float]:
    """Start `policykg serve` and return it with the seconds until /health answered."""
    policykg = Path(sys.executable).with_name("policykg")
    command = [str(policykg), "serve", "--data", str(ROOT / "seeds"), "--port", str(port), "--cache-dir", str(cache)]
    began = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=os.environ.copy())
    with httpx.Client(trust_env=False, timeout=1) as client:
        while time.perf_counter() - began < 60:
            try:
                if client.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    return process, time.perf_counter() - began
            except httpx.HTTPError:
                time.sleep(0.02)
    process.kill()
    raise RuntimeError("policykg serve did not become ready within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_latency(url: str, connections: int, seconds: float) -> tuple[float, float, int, int]:
    """(p50 ms, p99 ms, requests, errors) of `url` under `connections` open connections, by wrk."""
    threads = min(connections, 2)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:.0f}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    percentiles = {
        int(p): float(v) * _UNIT_MS[u] for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)$", out, re.M)
    }
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return percentiles[50], percentiles[99], requests, errors


def measure(urls: list[str], clients: int, args: argparse.Namespace) -> tuple[float, float, int, int]:
    if shutil.which("wrk"):
        runs = [wrk_latency(url, clients, max(1.0, args.seconds / len(urls))) for url in urls]
        # the worst term decides: report the slowest p50 and p99 of the terms
        return max(r[0] for r in runs), max(r[1] for r in runs), sum(r[2] for r in runs), sum(r[3] for r in runs)
    result = asyncio.run(measure_urls(urls, concurrency=clients, requests=args.requests, seconds=args.seconds))
    return result.percentile(50) * 1000, result.percentile(99) * 1000, len(result.seconds), result.errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="requests per level (Python client only)")
    parser.add_argument("--seconds", type=float, default=10.0, help="time per concurrency level")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as cache:
        port = free_port()
        fresh, fresh_s = start_server(port, Path(cache))
        stop(fresh)
        server, cached_s = start_server(port, Path(cache))
        try:
            print(f"ready: fresh build {fresh_s:.2f} s, cached build {cached_s:.2f} s (target < {READY_TARGET_S} s)")
            ok &= cached_s < READY_TARGET_S
            urls = [f"http://127.0.0.1:{port}/compare?instrument={quote(t)}" for t in TERMS]
            print(f"{'/compare':<10} {'clients':>7} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
            if not shutil.which("wrk"):
                print(
                    "wrk not installed (apt-get install wrk): falling back to a Python client, which loads the CPU itself"
                )
            for clients in (1, 16):
                p50, p99, count, errors = measure(urls, clients, args)
                print(f"{'':<10} {clients:>7} {count:>8} {p50:>8.2f} {p99:>8.2f} {errors:>6}")
                ok &= errors == 0
                if clients == 16:
                    ok &= p99 < COMPARE_P99_TARGET_MS
                    print(f"/compare p99 at 16 clients: {p99:.2f} ms (target < {COMPARE_P99_TARGET_MS} ms)")
        finally:
            stop(server)
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
