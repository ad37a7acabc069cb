"""SparqlService: check a query, pick its result format, run it on the worker pool."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Self

from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize

from . import worker
from .errors import NotAcceptable, QueryFailed, QueryRejected, SparqlError
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

    def start(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    async def run(
        self, query: str, accept: str | None = None, *, format: str | None = None, dataset: list[str] | None = None
    ) -> SparqlResult:
        """Answer `query`. `dataset` holds the protocol's default-graph-uri / named-graph-uri values."""
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
    ) -> None:
        """`memory_mb` caps each worker process (0: no cap); `queue_timeout_s` is how long a request
        may wait for a free worker (default: the time limit plus 1 s). `in_memory`: each worker
        answers from its own copy of the store in memory, several times faster on a large graph's
        heavier queries but with a start-up and a memory that grow with the graph."""
        super().__init__(timeout_s=timeout_s, max_rows=max_rows, max_query_chars=max_query_chars)
        self.pool = WorkerPool(
            Path(store),
            in_memory=in_memory,
            size=max(1, workers),
            timeout_s=timeout_s,
            # By default a request waits for a worker as long as a query may run: long enough
            # for a runaway query to be stopped and its worker freed.
            queue_timeout_s=timeout_s + 1.0 if queue_timeout_s is None else queue_timeout_s,
            memory_mb=memory_mb,
        )
        # Dashboards and scripts send the same queries again and again: what depends only on the
        # query, the Accept header and ?format= is worked out once (errors are not kept).
        self._prepared = lru_cache(maxsize=256)(self._prepare)

    def launch(self) -> None:
        """Start the workers' interpreters; `start` waits for them."""
        self.pool.launch()

    def start(self) -> None:
        if not self.pool.started:
            self.pool.start()
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

    def evaluation(self) -> str:
        return f"Queries are evaluated without network access ({self.pool.isolation.describe()})."

    async def run(
        self, query: str, accept: str | None = None, *, format: str | None = None, dataset: list[str] | None = None
    ) -> SparqlResult:
        prepared, answer = self.submit(query, accept, format, dataset)
        return self.result(prepared, await answer)

    def submit(
        self, query: str, accept: str | None = None, format: str | None = None, dataset: list[str] | None = None
    ) -> tuple[Prepared, asyncio.Future[tuple[bytes, float]]]:
        """`run` in two steps, for a caller on the event loop that takes the answer from a future
        (protocol.py, without a task): check the query (raises an `errors.SparqlError` if refused)
        and hand it to a worker; then `result(prepared, future.result())`."""
        if dataset:  # the query's own faults are told first
            self._check(query)
            check_dataset_parameters(dataset, LOCAL_GRAPHS)
        prepared = self.prepare(query, accept, format)
        quick = prepared.seconds is not None and prepared.seconds < QUICK_S
        return prepared, self.pool.submit(prepared.request, quick)

    @staticmethod
    def result(prepared: Prepared, answer: tuple[bytes, float]) -> SparqlResult:
        """The worker's `answer` to `prepared`, or the `errors.SparqlError` it amounts to."""
        payload, prepared.seconds = answer
        reply = worker.decode_reply(payload)
        if isinstance(reply, worker.Failure):
            if reply.syntax:
                raise QueryRejected(f"SPARQL syntax error: {reply.message}")
            raise QueryFailed(f"the query failed: {reply.message}")
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
