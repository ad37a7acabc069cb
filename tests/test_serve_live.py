"""`policykg serve` as a user starts it: a real process on 127.0.0.1, its build cache, and a runaway
SPARQL query that is stopped at the time limit while the analyst API keeps answering."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TIME_LIMIT_S = 1.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(cache: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    policykg = Path(sys.executable).with_name("policykg")
    command = [str(policykg), "serve", "--data", str(SEEDS), "--port", str(port), "--cache-dir", str(cache)]
    command += ["--sparql-timeout", str(TIME_LIMIT_S)]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1, trust_env=False).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError(f"policykg serve did not answer: {process.stderr.read().decode() if process.stderr else ''}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def server(cache: Path) -> Iterator[str]:
    process, base = start(cache)
    yield base
    stop(process)


def test_a_second_start_loads_the_cached_build(server: str, cache: Path) -> None:
    assert httpx.get(f"{server}/health", trust_env=False).json()["documents"] == 5
    process, base = start(cache)
    try:
        health = httpx.get(f"{base}/health", trust_env=False).json()
        assert health["from_cache"] is True and health["documents"] == 5
    finally:
        stop(process)


def test_runaway_query_times_out_while_compare_answers(server: str) -> None:
    def runaway() -> tuple[int, float]:
        began = time.monotonic()
        response = httpx.get(f"{server}/sparql", params={"query": RUNAWAY}, timeout=30, trust_env=False)
        return response.status_code, time.monotonic() - began

    with ThreadPoolExecutor(1) as pool, httpx.Client(trust_env=False, timeout=5) as client:
        pending = pool.submit(runaway)
        time.sleep(0.1)  # the runaway is running in a worker now
        slowest = 0.0
        answered = 0
        while not pending.done():
            began = time.monotonic()
            response = client.get(f"{server}/compare", params={"instrument": "孵化器"})
            slowest = max(slowest, time.monotonic() - began)
            assert response.status_code == 200
            answered += 1
        status, took = pending.result()
    assert status == 504
    assert took < TIME_LIMIT_S + 1
    assert answered > 5 and slowest < 0.5
    # the killed worker was replaced: the endpoint still answers
    ask = client_ask(server)
    assert ask == 200


def client_ask(server: str) -> int:
    query = 'PREFIX schema: <https://schema.org/> ASK { ?c a schema:City ; schema:name "威海"@zh }'
    return httpx.get(f"{server}/sparql", params={"query": query}, trust_env=False, timeout=10).status_code
