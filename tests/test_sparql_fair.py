"""Fair /sparql scheduling (api/sparql/service.py): a fast and a slow lane, per-client bounds on
heavy work, a bounded slow lane, the workers' CPU priority; and the analyst views' own bounds
(xlsx exports, deep paging). Real uvicorn servers on 127.0.0.1; no tight timing asserts: the
limits below are several times what an answer takes, and a fraction of what waiting behind a
runaway query would take."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from live_server import LiveServer  # tests/ is on sys.path
from sparql_stores import store_from_ntriples

from api.sparql import SparqlService, create_sparql_router
from api.sparql.protocol import sparql_protocol
from api.sparql.service import client_of, trusted_networks
from api.sparql.worker import NICENESS, SLOW_NICENESS

GRAPH = b"".join(b'<http://a/s%d> <http://a/p> "value %d"@en .\n' % (i, i) for i in range(30))
TIME_LIMIT_S = 3.0


def cartesian(ways: int) -> str:
    """COUNT over a `ways`-way product of the 30 triples: 30^ways rows (6: never ends in time)."""
    return "SELECT (COUNT(*) AS ?n) WHERE { " + " . ".join(f"?a{k} ?b{k} ?c{k}" for k in range(ways)) + " }"


RUNAWAY = cartesian(6)
CHEAP = "ASK { ?s ?p ?o }"
# Waiting behind a runaway query would take TIME_LIMIT_S; a cheap one answered on a free worker,
# milliseconds: this bound tells the two apart without timing anything tightly.
PROMPT_S = 2.0


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback only: a proxy configured in the environment must not see these requests."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return store_from_ntriples(GRAPH, tmp_path_factory.mktemp("fair") / "store")


@pytest.fixture(scope="module")
def service(store: Path) -> Iterator[SparqlService]:
    """One fast worker (so that a runaway on it would stall every other query), one slow one;
    127.0.0.1 is a trusted proxy, so that X-Forwarded-For makes distinct clients."""
    with SparqlService(store, workers=1, slow_workers=1, timeout_s=TIME_LIMIT_S, demote_ms=100, slow_queue=3,
                       heavy_per_client=2, trusted_proxies=["127.0.0.1"]) as running:
        yield running


@pytest.fixture(scope="module")
def servers(service: SparqlService) -> Iterator[dict[str, str]]:
    """The same service behind `policykg serve`'s protocol (GET answered ahead of the app) and
    behind the plain app's router; uvicorn itself trusts no proxy (`serve` has it trust the same
    ones as the service: `forwarded_allow_ips`), so that the service's own reading is tested."""
    app = FastAPI()
    app.include_router(create_sparql_router(service))
    with (LiveServer(app, http=sparql_protocol(service), forwarded_allow_ips=[]) as fast,
          LiveServer(app, forwarded_allow_ips=[]) as plain):
        yield {"protocol": fast.sparql_url, "router": plain.sparql_url}


def settle(service: SparqlService) -> None:
    """Wait until the slow lane is empty and every killed worker has been replaced."""
    deadline = time.monotonic() + 4 * TIME_LIMIT_S
    while time.monotonic() < deadline:
        pools = [service.pool] + ([service.slow] if service.slow else [])
        if not service.heavy() and all(len(p._idle) == p.size for p in pools):
            return
        time.sleep(0.05)
    raise AssertionError("the lanes did not settle")


def ask(url: str, query: str, forwarded: str | None = None, post: bool = False) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with httpx.Client(trust_env=False, timeout=30) as client:
        if post:
            return client.post(url, content=query, headers={**headers, "Content-Type": "application/sparql-query"})
        return client.get(url, params={"query": query}, headers=headers)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


@pytest.mark.parametrize("path", ["protocol", "router"])
def test_a_cheap_query_is_answered_while_a_runaway_runs(servers: dict[str, str], service: SparqlService,
                                                        path: str) -> None:
    """On the fast lane (the runaway's first 100 ms, on the only fast worker) and then while it
    runs on the slow lane until its time limit (504)."""
    settle(service)
    url, demoted, slow_sent = servers[path], service.pool.demoted, service.slow.sent if service.slow else 0
    unknown = f"{RUNAWAY} # {path}"  # a text not seen before: it starts on the fast lane
    with ThreadPoolExecutor(1) as background:
        runaway = background.submit(ask, url, unknown, None, path == "router")
        wait_for(lambda: service.pool.sent > 0 and bool(service.pool._workers - set(service.pool._idle)),
                 "the runaway reached the fast worker")
        for lane in ("fast", "slow"):
            began = time.monotonic()
            answer = ask(url, CHEAP)
            assert answer.status_code == 200 and answer.json()["boolean"] is True, lane
            assert time.monotonic() - began < PROMPT_S, f"a cheap query waited behind the runaway ({lane} lane)"
            if lane == "fast":
                wait_for(lambda: service.pool.demoted > demoted, "the runaway was demoted")
        timed_out = runaway.result(timeout=4 * TIME_LIMIT_S)
    assert timed_out.status_code == 504 and "stopped" in timed_out.text
    assert service.slow is not None and service.slow.sent == slow_sent + 1


def test_a_demoted_query_is_answered_on_the_slow_lane(store: Path) -> None:
    """A query running past the threshold (here 10 ms; 30^4 rows take ~0.2 s) is stopped on the
    fast lane and run again on the slow one, which answers it (or, on a machine too busy for a
    nice-15 process, stops it at the time limit); the same text then goes straight there (its
    answer not kept here, so that it is run again)."""
    medium = cartesian(4)
    with SparqlService(store, workers=1, slow_workers=1, timeout_s=20, demote_ms=10, kept_answer_bytes=0) as service:
        app = FastAPI()
        app.include_router(create_sparql_router(service))
        with LiveServer(app, http=sparql_protocol(service)) as server:
            answer = ask(server.sparql_url, medium)
            assert answer.status_code in (200, 504), answer.text
            if answer.status_code == 200:
                assert answer.json()["results"]["bindings"][0]["n"]["value"] == str(30**4)
            assert service.pool.demoted == 1 and service.slow is not None and service.slow.sent == 1
            assert service.prepare(medium, "*/*").slow
            if answer.status_code == 200:  # known to be slow now: not tried on the fast lane again
                fast_sent = service.pool.sent
                assert ask(server.sparql_url, medium, post=True).status_code == 200
                assert service.pool.sent == fast_sent and service.slow.sent == 2


def test_a_demoted_query_returns_to_the_fast_lane_only_when_well_under_the_threshold(store: Path) -> None:
    """A demoted query last answered in 75% of the threshold stays on the slow lane (were it tried
    on the fast lane, it would be stopped there about every other time and run twice); answered in
    under half of it (and not quick, which goes to the fast lane anyway), it goes back."""
    from api.sparql.pool import QUICK_S
    from api.sparql.service import BACK_TO_FAST_LANE

    async def lane_of(service: SparqlService, query: str, seconds: float) -> str:
        prepared = service.prepare(query, "*/*")
        prepared.slow, prepared.seconds = True, seconds
        assert service.slow is not None
        fast_sent, slow_sent = service.pool.sent, service.slow.sent
        _, answer = service.submit(query, "*/*", client="192.0.2.1")
        service.result(prepared, await answer)
        assert (service.pool.sent - fast_sent) + (service.slow.sent - slow_sent) == 1
        return "fast" if service.pool.sent > fast_sent else "slow"

    threshold_s = 0.4
    well_under_s = threshold_s * BACK_TO_FAST_LANE * 0.9
    assert well_under_s > QUICK_S  # the rule under test decides, not the quick path
    with SparqlService(store, workers=1, slow_workers=1, timeout_s=TIME_LIMIT_S, demote_ms=threshold_s * 1000,
                       kept_answer_bytes=0) as service:
        near = "ASK { ?s ?p ?o }"
        assert asyncio.run(lane_of(service, near, threshold_s * 0.75)) == "slow"
        assert asyncio.run(lane_of(service, near, well_under_s)) == "fast"


@pytest.mark.parametrize("post", [False, True], ids=["GET", "POST"])
def test_a_kept_answer_is_repeated_without_a_worker(store: Path, post: bool) -> None:
    """The store does not change while served: a small successful answer is kept, and the same
    query in the same format is answered from it, with the same body and headers, on both paths
    (the protocol's GET, the app's POST); `Cache-Control: no-cache`, another format, a failure, an
    answer over the size and a service that keeps nothing go to a worker every time."""
    with SparqlService(store, workers=1, slow_workers=1, timeout_s=TIME_LIMIT_S, kept_answer_bytes=200) as service:
        app = FastAPI()
        app.include_router(create_sparql_router(service))
        with LiveServer(app, http=sparql_protocol(service)) as server:
            first = ask(server.sparql_url, CHEAP, post=post)
            sent = service.pool.sent
            again = ask(server.sparql_url, CHEAP, post=post)
            assert service.pool.sent == sent
            assert (again.status_code, again.content, again.headers["content-type"]) == (
                first.status_code, first.content, first.headers["content-type"])
            assert again.json() == {"head": {}, "boolean": True}
            with httpx.Client(trust_env=False, timeout=30) as client:  # Cache-Control: no-cache: from the store
                headers = {"Cache-Control": "max-age=0, No-Cache"}
                fresh = (client.post(server.sparql_url, content=CHEAP,
                                     headers={**headers, "Content-Type": "application/sparql-query"})
                         if post else client.get(server.sparql_url, params={"query": CHEAP}, headers=headers))
            assert fresh.content == first.content and service.pool.sent == sent + 1
            sent += 1
            with httpx.Client(trust_env=False, timeout=30) as client:  # another format: its own answer
                as_xml = client.get(server.sparql_url, params={"query": CHEAP},
                                    headers={"Accept": "application/sparql-results+xml"})
            assert as_xml.status_code == 200 and "<boolean>true</boolean>" in as_xml.text
            assert service.pool.sent == sent + 1
            broken = "SELECT * WHERE { ?s ?p }"  # the engine's parser refuses it: never kept
            large = "SELECT ?s ?o WHERE { ?s ?p ?o }"  # 30 rows: over 200 bytes
            for query, status in ((broken, 400), (large, 200)):
                for _ in range(2):
                    before = service.pool.sent
                    assert ask(server.sparql_url, query, post=post).status_code == status
                    assert service.pool.sent == before + 1, query
    with SparqlService(store, workers=1, slow_workers=0, timeout_s=TIME_LIMIT_S, kept_answer_bytes=0) as keeps_none:
        for _ in range(2):
            before = keeps_none.pool.sent
            assert keeps_none.prepare(CHEAP, None).answer is None
            assert asyncio.run(keeps_none.run(CHEAP)).body == b'{"head":{},"boolean":true}'
            assert keeps_none.pool.sent == before + 1


def test_heavy_queries_are_bounded_per_client_and_in_all(servers: dict[str, str], service: SparqlService) -> None:
    """Client A's third heavy query is refused (429, Retry-After) while its first two wait or run
    on the slow lane; client B is still served, cheap and heavy; a third client finds the slow
    lane full (503, Retry-After)."""
    settle(service)
    url = servers["protocol"]
    with ThreadPoolExecutor(4) as background:
        held: list[Future[httpx.Response]] = []
        for index in range(2):
            held.append(background.submit(ask, url, RUNAWAY, "198.51.100.1"))
            wait_for(lambda n=index: service.heavy().get("198.51.100.1", 0) == n + 1, "A's query on the slow lane")
        refused = ask(url, RUNAWAY, "198.51.100.1")
        assert refused.status_code == 429, refused.text
        assert int(refused.headers["retry-after"]) >= 1 and "at most 2" in refused.text
        # B: its cheap query answered at once, its heavy one taken
        began = time.monotonic()
        assert ask(url, CHEAP, "198.51.100.2").status_code == 200
        assert time.monotonic() - began < PROMPT_S
        held.append(background.submit(ask, url, RUNAWAY, "198.51.100.2"))
        wait_for(lambda: service.heavy().get("198.51.100.2") == 1, "B's query on the slow lane")
        full = ask(url, RUNAWAY, "198.51.100.3")
        assert full.status_code == 503 and "slow lane" in full.text, full.text
        assert int(full.headers["retry-after"]) >= 1
        assert service.refused[429] >= 1 and service.refused[503] >= 1
        for each in held:  # each stopped at its time limit, or given up in line (503)
            assert each.result(timeout=6 * TIME_LIMIT_S).status_code in (503, 504)
    settle(service)


def test_an_untrusted_peers_forwarded_for_is_ignored(servers: dict[str, str], service: SparqlService) -> None:
    """Without 127.0.0.1 among the trusted proxies, X-Forwarded-For names no one: two heavy
    queries 'from' different addresses both count against the peer, and its third is refused."""
    settle(service)
    trusted, service.trusted_proxies = service.trusted_proxies, ()
    try:
        with ThreadPoolExecutor(2) as background:
            held = [background.submit(ask, servers["router"], RUNAWAY, f"203.0.113.{n}", True) for n in (1, 2)]
            wait_for(lambda: service.heavy().get("127.0.0.1") == 2, "both counted against the peer")
            third = ask(servers["router"], RUNAWAY, "203.0.113.3", post=True)
            assert third.status_code == 429 and "retry-after" in third.headers
            for each in held:
                assert each.result(timeout=6 * TIME_LIMIT_S).status_code in (503, 504)
    finally:
        service.trusted_proxies = trusted
    settle(service)


def test_forwarded_for_is_read_from_trusted_proxies_only() -> None:
    proxies = trusted_networks(["10.0.0.0/8", "192.0.2.7"])
    # an untrusted peer: its header is ignored, whatever it says
    assert client_of("203.0.113.9", "198.51.100.1", proxies) == "203.0.113.9"
    # a trusted proxy: the last hop that is not itself a trusted proxy (earlier hops are the client's own words)
    assert client_of("10.1.2.3", "198.51.100.1", proxies) == "198.51.100.1"
    assert client_of("10.1.2.3", "6.6.6.6, 198.51.100.1, 192.0.2.7", proxies) == "198.51.100.1"
    assert client_of("10.1.2.3", "6.6.6.6,198.51.100.1:4711", proxies) == "198.51.100.1"
    assert client_of("10.1.2.3", "[2001:db8::1]:443", proxies) == "2001:db8::1"
    assert client_of("10.1.2.3", None, proxies) == "10.1.2.3"
    assert client_of("10.1.2.3", "10.9.9.9", proxies) == "10.1.2.3"  # every hop a proxy
    assert client_of("10.1.2.3", "198.51.100.1", ()) == "10.1.2.3"  # no proxy trusted
    with pytest.raises(ValueError):
        trusted_networks(["not an address"])


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_run_below_the_server_and_the_slow_lane_lowest(service: SparqlService) -> None:
    settle(service)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert service.slow is not None
    fast = {niceness(w.process.pid) for w in service.pool._workers}
    slow = {niceness(w.process.pid) for w in service.slow._workers}
    assert fast == {min(19, ours + NICENESS)} and slow == {min(19, ours + SLOW_NICENESS)}


# ---------------------------------------------------------------- the analyst views' bounds


@pytest.fixture(scope="module")
def analyst(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from api.app import create_app
    from api.serving import load_served_graph

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    served = load_served_graph(seeds, tmp_path_factory.mktemp("cache"))
    with LiveServer(create_app(served)) as server:
        yield server.base


def test_deep_offsets_are_refused_naming_the_parameter(analyst: str) -> None:
    with httpx.Client(base_url=analyst, trust_env=False, timeout=30) as http:
        assert http.get("/policies", params={"offset": 100_000}).status_code == 200
        deep = http.get("/policies", params={"offset": 100_001})
        assert deep.status_code == 400 and "offset" in deep.text


def test_at_most_two_xlsx_workbooks_are_built_at_a_time(analyst: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three different workbooks asked at once while building is held up: two are built, the
    third is refused (503, Retry-After), and the other routes keep answering meanwhile."""
    import api.routes
    import api.xlsx

    release, started = threading.Event(), threading.Semaphore(0)
    real = api.xlsx.matrix_workbook

    def held_up(*args: Any, **kwargs: Any) -> bytes:
        started.release()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(api.xlsx, "matrix_workbook", held_up)  # (routes may import it on first use)
    if hasattr(api.routes, "matrix_workbook"):
        monkeypatch.setattr(api.routes, "matrix_workbook", held_up)
    with httpx.Client(base_url=analyst, trust_env=False, timeout=60) as http:
        cities = [row["city"] for row in http.get("/cities").json()[:3]]
        assert len(cities) == 3

        def workbook(city: str) -> httpx.Response:
            with httpx.Client(base_url=analyst, trust_env=False, timeout=60) as own:
                return own.get("/compare/matrix", params={"format": "xlsx", "city": city})

        with ThreadPoolExecutor(2) as background:
            building = [background.submit(workbook, city) for city in cities[:2]]
            for _ in building:
                assert started.acquire(timeout=20), "a workbook was not started"
            refused = workbook(cities[2])
            assert refused.status_code == 503 and "retry-after" in refused.headers
            assert http.get("/cities").status_code == 200  # the event loop is not building workbooks
            release.set()
            for each in building:
                done = each.result(timeout=60)
                assert done.status_code == 200 and done.content[:2] == b"PK"
        assert workbook(cities[2]).status_code == 200  # room again
