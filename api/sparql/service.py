"""SparqlService: check a query, pick its result format, run it on the worker pools.

Two lanes, so that one client's heavy queries never hold up everyone's cheap ones:

- the fast lane (`workers` processes, nice 5): every query starts there. One that is still running
  after `demote_ms` (100 ms) is stopped (its worker killed and replaced, as on a timeout) and run
  again on
- the slow lane (`slow_workers` processes, nice 15, so that they barely compete for the CPU with
  the server and the fast lane), whose line is bounded (`slow_queue` queries waiting or running;
  more: 503) and bounded per client (`heavy_per_client`; more: 429). A query known to be slow (it
  was demoted, and has not been answered within half the threshold since) goes straight there.

Killing and re-running wastes at most `demote_ms` of one worker's time per heavy query (and the
re-run is skipped the next time the same text comes); letting the fast worker finish instead would
take it from the fast lane for as long as the query runs (up to the time limit), so that a few
heavy queries would again leave cheap ones waiting, unless extra fast workers were started,
which would make the process count and memory grow with the abuse. A cheap query thus waits
behind a heavy one for at most `demote_ms`. The time limit (504) holds on both lanes; on the slow
lane it starts again from zero.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from types import TracebackType
from typing import Self

from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize

from . import worker
from .errors import Demoted, NotAcceptable, QueryFailed, QueryRejected, ServiceBusy, SparqlError, TooManyQueries
from .formats import FORMATS, QUERY_FORM_KINDS, ResultFormat, negotiate
from .guard import QueryInfo, check_dataset_parameters, check_query
from .pool import QUICK_S, WorkerPool
from .sandbox import Isolation

log = logging.getLogger("policykg.sparql")

# The built store holds the graph in its default graph and no named graph: every FROM / FROM NAMED
# (and default-graph-uri / named-graph-uri) names a graph this endpoint does not hold.
LOCAL_GRAPHS: frozenset[str] = frozenset()
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# Queries up to this length have their checks, format and worker request kept (last 256 distinct).
PREPARED_MAX_CHARS = 8_000
# ... and their answer, when it is this small: the store never changes while it is served, so the
# same query in the same format has the same answer. At most 256 × 64 KiB = 16 MiB of answers.
KEPT_ANSWER_BYTES = 1 << 16


@dataclass(frozen=True)
class SparqlResult:
    body: bytes
    media_type: str
    truncated: bool = False


@dataclass
class Prepared:
    """A query checked by the guard, with its result format chosen and its worker request encoded;
    and how long a worker took to answer it last time (the graph does not change)."""

    request: bytes
    format: ResultFormat
    seconds: float | None = None
    slow: bool = False  # demoted from the fast lane (it may never have finished: seconds unknown)
    answer: bytes | None = None  # a worker's reply, kept when small (kept_answer_bytes) and not a failure


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(proxies: Iterable[str]) -> tuple[Network, ...]:
    """`--trusted-proxy` values (an address or a network such as 10.0.0.0/8); ValueError if one is neither."""
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def wants_fresh(cache_control: str | bytes | None) -> bool:
    """Whether a request's Cache-Control header says `no-cache`: answer it from the store, not
    from a kept answer (RFC 9111 §5.2.1.4; benchmarks use it to time the engine)."""
    if not cache_control:
        return False
    text = cache_control.decode("latin-1") if isinstance(cache_control, bytes) else cache_control
    return any(part.strip().lower() == "no-cache" for part in text.split(","))


def client_of(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """Who sent a request, for the per-client bounds: the peer's address; behind a trusted proxy,
    the last hop of X-Forwarded-For that is not itself a trusted proxy (the hops before it were
    written by the client and prove nothing). An untrusted peer's X-Forwarded-For is ignored."""
    if peer is None:
        return "-"

    def is_trusted(address: str) -> bool:
        parsed = _address(address)
        return parsed is not None and any(parsed in network for network in trusted)

    if not forwarded_for or not trusted or not is_trusted(peer):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            parsed = _address(hop)
            return str(parsed) if parsed is not None else hop[:64]
    return peer  # every hop is a trusted proxy: the request started at one of them


class Endpoint:
    """What the router needs of a SPARQL service, and what the embedded and the remote one share:
    the limits, the guard, the service description.

    Use `start()` / `close()` (or `with`); `run()` answers one query, in the format its Accept
    header (or `format`) asks for, and raises an `errors.SparqlError` when it cannot.
    """

    def __init__(self, *, timeout_s: float, max_rows: int, max_query_chars: int) -> None:
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.max_query_chars = max_query_chars
        # Counted on the first service description, not at start: counting takes time linear in
        # the graph, and the store does not change while served.
        self.triples: int | None = None
        # Any query whose text spells "service" is refused while this is set: until the workers
        # say they have no network, and always in front of a remote store.
        self.refuse_service_text = True
        self.trusted_proxies: tuple[Network, ...] = ()  # peers whose X-Forwarded-For is believed

    def client(self, peer: str | None, forwarded_for: str | None) -> str:
        """The client a request counts against (see `client_of`)."""
        return client_of(peer, forwarded_for, self.trusted_proxies)

    def start(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    async def run(
        self, query: str, accept: str | None = None, *, format: str | None = None, dataset: list[str] | None = None,
        client: str | None = None, fresh: bool = False,
    ) -> SparqlResult:
        """Answer `query`. `dataset` holds the protocol's default-graph-uri / named-graph-uri values;
        `client` (`self.client(...)`) is who asks, for the per-client bounds; `fresh`: the request
        said `Cache-Control: no-cache` (`wants_fresh`), so a kept answer is not used."""
        raise NotImplementedError

    def evaluation(self) -> str:
        """Where and how queries are evaluated, for the service description."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()

    def _check(self, query: str) -> QueryInfo:
        return check_query(
            query,
            max_chars=self.max_query_chars,
            local_graphs=LOCAL_GRAPHS,
            refuse_service_text=self.refuse_service_text,
        )

    async def describe(self, endpoint: str, accept: str | None = None, format: str | None = None) -> SparqlResult:
        """The SPARQL 1.1 Service Description of this endpoint, as RDF."""
        try:
            chosen = negotiate("triples", accept, format)
        except (NotAcceptable, QueryRejected):
            chosen = negotiate("triples", "text/turtle")
        if self.triples is None:
            self.triples = await self.count_triples()
        rdf_format = worker.GRAPH_FORMATS[chosen.name]
        body = serialize(self._description(endpoint), format=rdf_format, prefixes=DESCRIPTION_PREFIXES)
        return SparqlResult(body, chosen.media_type)

    async def count_triples(self) -> int | None:
        """The number of triples in the store, counted by the store (None if it could not)."""
        try:
            result = await self.run(COUNT_TRIPLES, format="json")
            return int(json.loads(result.body)["results"]["bindings"][0]["n"]["value"])
        except (SparqlError, ValueError, LookupError) as error:
            log.warning("could not count the store's triples: %s", getattr(error, "message", error))
            return None

    def _description(self, endpoint: str) -> list[Triple]:
        service, dataset, graph = BlankNode("service"), BlankNode("dataset"), BlankNode("graph")
        sd, rdf = DESCRIPTION_PREFIXES["sd"], "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        limits = (
            f"Read-only and local: SPARQL Update, SERVICE and FROM / FROM NAMED of other graphs are refused. "
            f"A query may run {self.timeout_s:g} s and return {self.max_rows} rows or triples "
            f"(a longer answer is cut and marked with the header X-Result-Truncated: true); "
            f"queries are at most {self.max_query_chars} characters. {self.evaluation()}"
        )
        triples = [
            (service, NamedNode(rdf + "type"), NamedNode(sd + "Service")),
            (service, NamedNode(sd + "endpoint"), NamedNode(endpoint)),
            (service, NamedNode(sd + "supportedLanguage"), NamedNode(sd + "SPARQL11Query")),
            (service, NamedNode(sd + "defaultEntailmentRegime"), NamedNode("http://www.w3.org/ns/entailment/Simple")),
            (service, NamedNode(DESCRIPTION_PREFIXES["dcterms"] + "title"), Literal("policykg SPARQL endpoint")),
            (service, NamedNode(DESCRIPTION_PREFIXES["rdfs"] + "comment"), Literal(limits, language="en")),
            (service, NamedNode(sd + "defaultDataset"), dataset),
            (dataset, NamedNode(rdf + "type"), NamedNode(sd + "Dataset")),
            (dataset, NamedNode(sd + "defaultGraph"), graph),
            (graph, NamedNode(rdf + "type"), NamedNode(sd + "Graph")),
        ]
        if self.triples is not None:
            triples.append((graph, NamedNode(DESCRIPTION_PREFIXES["void"] + "triples"),
                            Literal(str(self.triples), datatype=XSD_INTEGER)))
        triples += [(service, NamedNode(sd + "resultFormat"), NamedNode(W3C_FORMATS[f.name])) for f in FORMATS]
        return [Triple(*t) for t in triples]


# A demoted query goes back to the fast lane once answered within this share of the threshold.
BACK_TO_FAST_LANE = 0.5


class SparqlService(Endpoint):
    """The store at `store` (a directory written by pyoxigraph), served read-only to SPARQL
    queries by `workers` processes."""

    def __init__(
        self,
        store: Path | str,
        *,
        timeout_s: float = 10.0,
        max_rows: int = 10_000,
        max_query_chars: int = 20_000,
        workers: int = 2,
        queue_timeout_s: float | None = None,
        memory_mb: int = 2048,
        in_memory: bool = False,
        demote_ms: float = 100.0,
        slow_workers: int = 1,
        slow_queue: int = 8,
        heavy_per_client: int = 2,
        trusted_proxies: Iterable[str] = (),
        kept_answer_bytes: int = KEPT_ANSWER_BYTES,
    ) -> None:
        """`memory_mb` caps each worker process (0: no cap); `queue_timeout_s` is how long a request
        may wait for a free worker (default: the time limit plus 1 s). `in_memory`: each worker
        answers from its own copy of the store in memory, several times faster on a large graph's
        heavier queries but with a start-up and a memory that grow with the graph.

        The slow lane (module docstring): queries running past `demote_ms` go to `slow_workers`
        processes, at most `slow_queue` waiting or running there and `heavy_per_client` of them
        per client (`trusted_proxies`: see `client_of`). `demote_ms` 0 or `slow_workers` 0: one
        lane, as before.

        `kept_answer_bytes`: a successful answer up to this size is kept with its query's checks,
        and the same query in the same format is answered from it without a worker (0: never)."""
        super().__init__(timeout_s=timeout_s, max_rows=max_rows, max_query_chars=max_query_chars)
        # By default a request waits for a worker as long as a query may run: long enough
        # for a runaway query to be stopped and its worker freed.
        waits_s = timeout_s + 1.0 if queue_timeout_s is None else queue_timeout_s
        self.pool = WorkerPool(
            Path(store), in_memory=in_memory, size=max(1, workers), timeout_s=timeout_s, queue_timeout_s=waits_s,
            memory_mb=memory_mb,
        )
        self.demote_s = demote_ms / 1000 if demote_ms > 0 and slow_workers > 0 else None
        self.slow: WorkerPool | None = None
        if self.demote_s is not None:
            self.slow = WorkerPool(
                Path(store), in_memory=in_memory, size=slow_workers, timeout_s=timeout_s, queue_timeout_s=waits_s,
                memory_mb=memory_mb, niceness=worker.SLOW_NICENESS, name="slow-lane SPARQL",
            )
        self.slow_queue = max(1, slow_queue)
        self.heavy_per_client = max(1, heavy_per_client)
        self.trusted_proxies = trusted_networks(trusted_proxies)
        self.kept_answer_bytes = kept_answer_bytes
        self.refused = {429: 0, 503: 0}  # slow-lane admissions refused, by status
        self._heavy: dict[str, int] = {}  # client → its queries waiting or running on the slow lane
        self._heavy_total = 0
        self._heavy_lock = threading.Lock()  # (the service may be used from several event loops)
        # Dashboards and scripts send the same queries again and again: what depends only on the
        # query, the Accept header and ?format= is worked out once (errors are not kept).
        self._prepared = lru_cache(maxsize=256)(self._prepare)

    def launch(self) -> None:
        """Start the workers' interpreters; `start` waits for them."""
        self.pool.launch()
        if self.slow is not None:
            self.slow.launch()

    def start(self) -> None:
        if not self.pool.started:
            self.pool.start()
            if self.slow is not None:
                self.slow.start()
                self.pool.isolation = min(self.pool.isolation, self.slow.isolation, key=lambda i: i.namespace + i.seccomp)
            self.apply_isolation(self.pool.isolation)

    def apply_isolation(self, isolation: Isolation) -> None:
        """Trust the OS barrier where the workers have one; else refuse SERVICE-looking text and
        say so loudly, since then only the guard stands between a query and the network."""
        refuse = not isolation.isolated
        if refuse:
            log.error(
                "\n*** policykg SPARQL: the query workers could NOT be cut off from the network: %s.\n"
                "*** Any query whose text contains 'service' is refused; run on Linux with network namespaces\n"
                "*** (root, or unprivileged user namespaces) or libseccomp to lift this.",
                isolation.describe(),
            )
        if refuse != self.refuse_service_text:
            self._prepared.cache_clear()
        self.refuse_service_text = refuse

    def close(self) -> None:
        self.pool.close()
        if self.slow is not None:
            self.slow.close()

    def evaluation(self) -> str:
        return f"Queries are evaluated without network access ({self.pool.isolation.describe()})."

    async def run(
        self, query: str, accept: str | None = None, *, format: str | None = None, dataset: list[str] | None = None,
        client: str | None = None, fresh: bool = False,
    ) -> SparqlResult:
        prepared, answer = self.submit(query, accept, format, dataset, client, fresh)
        return self.result(prepared, await answer)

    def submit(
        self, query: str, accept: str | None = None, format: str | None = None, dataset: list[str] | None = None,
        client: str | None = None, fresh: bool = False,
    ) -> tuple[Prepared, asyncio.Future[tuple[bytes, float]]]:
        """`run` in two steps, for a caller on the event loop that takes the answer from a future
        (protocol.py, without a task): check the query (raises an `errors.SparqlError` if refused)
        and hand it to a worker; then `result(prepared, future.result())`. Cancelling the future
        gives the query up (a client that left)."""
        if dataset:  # the query's own faults are told first
            self._check(query)
            check_dataset_parameters(dataset, LOCAL_GRAPHS)
        prepared = self.prepare(query, accept, format)
        if prepared.answer is not None and not fresh:  # answered before: no worker (no lane, no time limit)
            known: asyncio.Future[tuple[bytes, float]] = asyncio.get_running_loop().create_future()
            known.set_result((prepared.answer, prepared.seconds or 0.0))
            return prepared, known
        seconds, demote_s = prepared.seconds, self.demote_s
        quick = seconds is not None and seconds < QUICK_S
        if demote_s is None or quick:  # (the graph does not change: a quick query stays quick)
            return prepared, self.pool.submit(prepared.request, quick)
        # Known to be slow: demoted once, and not answered within half the threshold since. Not
        # "took longer than the threshold last time": that time is seen from the event loop, and
        # under load it includes the loop's own lag (a 5 ms query measured at 120 ms would be sent
        # to the slow lane, and there count against its client's share). Demotion is the arbiter:
        # the loop reads a worker's answer before it runs the timers that are due. Half, not all
        # of it: a query taking about the threshold (90 ms on the slow lane) would otherwise go
        # back to the fast lane each other time, to be stopped there and run again, 1.5 times as
        # slow on average (measured at 300 cities: docs/queries 01 and 12, 1.47x and 1.53x Oxigraph).
        if prepared.slow and (seconds is None or seconds >= demote_s * BACK_TO_FAST_LANE):
            slow_answer: asyncio.Future[tuple[bytes, float]] = asyncio.get_running_loop().create_future()
            self._submit_slow(prepared, client or "-", slow_answer)
            return prepared, slow_answer
        fast = self.pool.submit(prepared.request, False, demote_s)
        answer: asyncio.Future[tuple[bytes, float]] = fast.get_loop().create_future()
        fast.add_done_callback(partial(self._after_fast, prepared, client or "-", answer))
        answer.add_done_callback(partial(_cancel_if_cancelled, fast))
        return prepared, answer

    def _after_fast(self, prepared: Prepared, client: str, answer: asyncio.Future[tuple[bytes, float]],
                    fast: asyncio.Future[tuple[bytes, float]]) -> None:
        """The fast lane is done with a query: its answer, or, demoted, its run on the slow lane."""
        if answer.done():  # the client left
            return
        if fast.cancelled():
            answer.cancel()
            return
        error = fast.exception()
        if error is None:
            answer.set_result(fast.result())
            return
        if not isinstance(error, Demoted):
            answer.set_exception(error)
            return
        prepared.slow, prepared.seconds = True, None
        try:
            self._submit_slow(prepared, client, answer)
        except SparqlError as refused:
            answer.set_exception(refused)

    def _submit_slow(self, prepared: Prepared, client: str, answer: asyncio.Future[tuple[bytes, float]]) -> None:
        """`prepared` on the slow lane, if its line and the client's share of it have room (else
        raises TooManyQueries or ServiceBusy): its answer goes to `answer`."""
        assert self.slow is not None
        retry_s = max(1, math.ceil(self.timeout_s))
        with self._heavy_lock:
            held = self._heavy.get(client, 0)
            if held >= self.heavy_per_client:
                self.refused[429] += 1
                raise TooManyQueries(
                    f"this client already has {held} slow queries waiting or running (at most "
                    f"{self.heavy_per_client}); retry once they are answered", retry_s)
            if self._heavy_total >= self.slow_queue:
                self.refused[503] += 1
                raise ServiceBusy(f"the slow lane already holds {self._heavy_total} queries (at most "
                                  f"{self.slow_queue}); retry later", retry_after=retry_s)
            self._heavy[client] = held + 1
            self._heavy_total += 1
        try:
            slow = self.slow.submit(prepared.request)
        except BaseException:
            self._release(client)
            raise
        slow.add_done_callback(lambda _: self._release(client))
        slow.add_done_callback(partial(_pass_on, answer))
        answer.add_done_callback(partial(self._withdraw_if_cancelled, slow))

    def _release(self, client: str) -> None:
        with self._heavy_lock:
            self._heavy_total -= 1
            left = self._heavy.get(client, 1) - 1
            if left > 0:
                self._heavy[client] = left
            else:
                self._heavy.pop(client, None)

    def _withdraw_if_cancelled(self, slow: asyncio.Future[tuple[bytes, float]],
                               answer: asyncio.Future[tuple[bytes, float]]) -> None:
        """A client that leaves gives up its slow query if it is still waiting in line; one
        already running keeps counting against the client until its worker is done with it."""
        if answer.cancelled() and self.slow is not None:
            self.slow.withdraw(slow)

    def heavy(self) -> dict[str, int]:
        """Queries waiting or running on the slow lane, by client (for tests and the benchmark)."""
        with self._heavy_lock:
            return dict(self._heavy)

    def result(self, prepared: Prepared, answer: tuple[bytes, float]) -> SparqlResult:
        """The worker's `answer` to `prepared`, or the `errors.SparqlError` it amounts to."""
        payload, prepared.seconds = answer
        reply = worker.decode_reply(payload)
        if isinstance(reply, worker.Failure):
            if reply.syntax:
                raise QueryRejected(f"SPARQL syntax error: {reply.message}")
            raise QueryFailed(f"the query failed: {reply.message}")
        if len(payload) <= self.kept_answer_bytes:
            prepared.answer = payload
        return SparqlResult(reply.body, reply.media_type, reply.truncated)

    def prepare(self, query: str, accept: str | None = None, format: str | None = None) -> Prepared:
        """Check `query` and choose its format (raises an `errors.SparqlError` if refused)."""
        if len(query) > PREPARED_MAX_CHARS:
            return self._prepare(query, accept, format)
        return self._prepared(query, accept, format)

    def _prepare(self, query: str, accept: str | None, format: str | None) -> Prepared:
        info = self._check(query)
        chosen = negotiate(QUERY_FORM_KINDS.get(info.form or "", "solutions"), accept, format)
        return Prepared(worker.Request(query, chosen.name, self.max_rows, info.prefixes).encode(), chosen)


def _cancel_if_cancelled(inner: asyncio.Future[tuple[bytes, float]], outer: asyncio.Future[tuple[bytes, float]]) -> None:
    if outer.cancelled():
        inner.cancel()


def _pass_on(outer: asyncio.Future[tuple[bytes, float]], inner: asyncio.Future[tuple[bytes, float]]) -> None:
    if outer.done():
        return
    if inner.cancelled():
        outer.cancel()
    elif (error := inner.exception()) is not None:
        outer.set_exception(error)
    else:
        outer.set_result(inner.result())


XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
DESCRIPTION_PREFIXES = {
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "formats": "http://www.w3.org/ns/formats/",
    "void": "http://rdfs.org/ns/void#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}
W3C_FORMATS = {  # https://www.w3.org/ns/formats/
    name: DESCRIPTION_PREFIXES["formats"] + local
    for name, local in {
        "json": "SPARQL_Results_JSON",
        "xml": "SPARQL_Results_XML",
        "csv": "SPARQL_Results_CSV",
        "tsv": "SPARQL_Results_TSV",
        "turtle": "Turtle",
        "jsonld": "JSON-LD",
        "ntriples": "N-Triples",
        "rdfxml": "RDF_XML",
    }.items()
}
