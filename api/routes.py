"""The analyst API: thin routes over the query layer (graph/answers.py on the analyst lane). Every list
also answers CSV, by `Accept: text/csv` or `?format=csv`.

An answer without a filter is sent as precomputed bytes; one with a filter (a city, a policy, an
indicator, a question) runs on the lane's own threads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from graph import answers
from graph.documents import document_text
from graph.indicators import resolve_indicator
from graph.rows import csv_bytes, json_bytes
from graph.terms import NotFound, resolve_term

from .bodies import Bodies
from .lane import AnalystLane
from .search import answer_json
from .serving import ServedGraph
from .source import SpanOutOfRange, source_html, source_json

Format = Annotated[str | None, Query(pattern="^(json|csv|html)$", description="json (default) or csv")]


def wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


CSV_TYPE, JSON_TYPE = "text/csv; charset=utf-8", "application/json"


def csv_headers(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'inline; filename="{name}.csv"'}


def not_found(err: NotFound) -> HTTPException:
    return HTTPException(status_code=404, detail=err.to_dict())


def create_analyst_router(served: ServedGraph, lane: AnalystLane) -> APIRouter:
    router = APIRouter()
    source, precomputed = lane.source, lane.answers
    # every answer is a function of what was asked (the graph does not change while served): each
    # is serialised, and compressed for clients that accept gzip, once
    bodies = Bodies()

    def send(request: Request, key: tuple[Any, ...], body: Callable[[], bytes], as_csv: bool, name: str) -> Response:
        if as_csv:
            return bodies.respond(request, (*key, "csv"), body, CSV_TYPE, csv_headers(name))
        return bodies.respond(request, (*key, "json"), body, JSON_TYPE)

    def stored(request: Request, format: str | None, name: str) -> Response:
        """A precomputed answer in the format asked for."""
        as_csv = wants_csv(request, format)
        return send(request, (name,), lambda: precomputed[f"{name}.{'csv' if as_csv else 'json'}"], as_csv, name)

    async def computed(
        request: Request,
        format: str | None,
        call: Callable[[], Any],
        name: str,
        rows: Callable[[Any], Sequence[dict[str, Any]]] | None = None,
        key: tuple[Any, ...] = (),
    ) -> Response:
        """An answer computed on the lane (once per `key`); CSV has the rows `rows` picks (the answer
        itself by default)."""
        as_csv = wants_csv(request, format)

        def serialise() -> bytes:
            result = call()
            return csv_bytes(rows(result) if rows else result) if as_csv else json_bytes(result)

        async def body() -> bytes:
            try:
                return await lane.run(serialise)
            except NotFound as err:
                raise not_found(err) from None

        media, headers = (CSV_TYPE, csv_headers(name)) if as_csv else (JSON_TYPE, None)
        return await bodies.respond_async(request, (name, *key, as_csv), body, media, headers)

    @router.get("/cities", tags=["analyst"], summary="Cities with their policies, counts and instrument types")
    async def list_cities(request: Request, format: Format = None) -> Response:
        return stored(request, format, "cities")

    @router.get("/cities/{city}", tags=["analyst"], summary="One city: policies, instrument types funded, targets")
    async def get_city(request: Request, city: str) -> Response:
        return await computed(request, "json", lambda: answers.city_detail(source, city), "city", key=(city,))

    @router.get("/policies", tags=["analyst"], summary="Policies with their metadata")
    async def list_policies(request: Request, format: Format = None) -> Response:
        return stored(request, format, "policies")

    @router.get(
        "/policies/{policy}",
        tags=["analyst"],
        summary="One policy: measures, agencies, instruments, targets, citations",
    )
    async def get_policy(request: Request, policy: str) -> Response:
        return await computed(request, "json", lambda: answers.policy_detail(source, policy), "policy", key=(policy,))

    @router.get(
        "/agencies",
        tags=["analyst"],
        summary="Agencies (merged across documents): canonical name, other names, measures led / co-responsible",
    )
    async def list_agencies(request: Request, city: str | None = None, format: Format = None) -> Response:
        if city is None:
            return stored(request, format, "agencies")
        return await computed(request, format, lambda: answers.agencies(source, city), "agencies", key=(city,))

    @router.get("/instruments", tags=["analyst"], summary="The instrument taxonomy (SKOS scheme) with counts per city")
    async def list_instruments(request: Request, format: Format = None) -> Response:
        return stored(request, format, "instruments")

    @router.get(
        "/compare", tags=["analyst"], summary="Which cities fund an instrument type, how much, where it says so"
    )
    async def compare_cities(
        request: Request,
        instrument: Annotated[str, Query(description="id, Chinese or English label, or cue word: 科技创新券, 孵化器")],
        format: Format = None,
    ) -> Response:
        try:
            type_id = resolve_term(instrument).id
        except NotFound as err:
            raise not_found(err) from None
        if wants_csv(request, format):
            return send(request, ("compare", type_id), lambda: precomputed[f"compare/{type_id}.csv"], True, "compare")
        stored_json = precomputed[f"compare/{type_id}.json"]
        return send(
            request, ("compare", type_id, instrument), lambda: answers.asked_as(stored_json, "term", type_id, instrument),
            False, "compare",
        )

    @router.get("/compare/matrix", tags=["analyst"], summary="City × instrument type: counts and the largest amount")
    async def matrix(request: Request, format: Format = None) -> Response:
        return stored(request, format, "matrix")

    @router.get("/targets", tags=["analyst"], summary="One indicator's targets compared across cities and years")
    async def targets(
        request: Request,
        indicator: Annotated[str, Query(description="高新技术企业, R&D 投入占比, 技术合同成交额…")],
        format: Format = None,
    ) -> Response:
        concept = resolve_indicator(indicator)
        if concept is not None and f"targets/{concept.id}.json" in precomputed:
            if wants_csv(request, format):
                csv_key = ("targets", concept.id)
                return send(request, csv_key, lambda: precomputed[f"targets/{concept.id}.csv"], True, "targets")
            stored_json = precomputed[f"targets/{concept.id}.json"]
            return send(
                request, ("targets", concept.id, indicator),
                lambda: answers.asked_as(stored_json, "indicator", concept.id, indicator), False, "targets",
            )
        return await computed(
            request, format, lambda: answers.compare_targets(source, indicator), "targets", lambda r: r["targets"],
            key=(indicator,),
        )

    @router.get("/search", tags=["analyst"], summary="A free-text question in Chinese or English")
    async def search(request: Request, q: Annotated[str, Query(min_length=1, max_length=200)]) -> Response:
        async def body() -> bytes:
            return await lane.run(answer_json, lane.reader, q)

        return await bodies.respond_async(request, ("search", q), body, JSON_TYPE)

    @router.get("/source/{doc}", tags=["provenance"], summary="The original text with the span highlighted")
    async def source_text(doc: str, start: int = 0, end: int = 0, format: Format = None) -> Any:
        text = await lane.run(document_text, source, doc)
        if text is None:
            raise not_found(NotFound("document", doc, served.documents))
        try:
            if format == "json":
                return JSONResponse(source_json(doc, text, start, end))
            return HTMLResponse(source_html(doc, text, start, end))
        except SpanOutOfRange as err:
            raise HTTPException(status_code=400, detail={"error": str(err)}) from None

    @router.get("/health", tags=["meta"], summary="Documents served and files that failed")
    def health() -> dict[str, Any]:
        # file names only: where the server keeps its data is nobody's business over HTTP
        return {
            "documents": len(served.documents),
            "failures": [f.message(name_only=True) for f in served.failures],
            "from_cache": served.from_cache,
        }

    return router
