"""The analyst API: thin routes over the query layer (graph/answers.py on the analyst lane).

Every list (/cities, /policies, /agencies, /targets, /compare, /compare/matrix, /search) takes the
filters, `sort`, `limit` and `offset` it declares (graph/listing.py) and answers JSON, CSV (`Accept:
text/csv` or `?format=csv`) and an HTML table (`?format=html`, or a browser's `Accept`); the matrix
also `.xlsx`. A request without filter, sort or page gets the precomputed bytes; with them, the
precomputed rows are filtered in memory (api/lists.py). An answer that needs a query (a city, a
policy, an indicator that was not precomputed, a question) runs on the lane's own threads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from graph import answers
from graph.documents import document_text
from graph.indicators import resolve_indicator
from graph.listing import Asked, BadParameter, Page, check_names, page, parse
from graph.rows import csv_bytes, json_bytes
from graph.terms import NotFound, resolve_term

from . import contract as c
from .bodies import Bodies
from .lane import AnalystLane, LaneFull, SideLane
from .lists import (
    AGENCY_COLUMNS,
    CITY_COLUMNS,
    COMPARE_COLUMNS,
    LISTS,
    POLICY_COLUMNS,
    SEARCH_COLUMNS,
    TARGET_COLUMNS,
    XLSX_TYPE,
    Tables,
    documented,
    html_table,
    next_url,
    output_format,
    shape_csv,
)
from .search import answer, answer_json, search_rows
from .serving import ServedGraph
from .source import SpanOutOfRange, source_html, source_json

Format = Annotated[str | None, Query(pattern="^(json|csv|html)$", description="json (default), csv or html")]


def wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


CSV_TYPE, JSON_TYPE = "text/csv; charset=utf-8", "application/json"


def csv_headers(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'inline; filename="{name}.csv"'}


T = TypeVar("T")


async def bounded(side: SideLane, call: Callable[..., T], *args: Any) -> T:
    """`call` on one of the lane's bounded side lanes; a full one answers 503 with Retry-After."""
    try:
        return await side.run(call, *args)
    except LaneFull as full:
        raise HTTPException(503, detail=str(full), headers={"Retry-After": str(full.retry_after)}) from None


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

    tables = Tables(precomputed)

    def asked_of(request: Request, path: str) -> Asked:
        try:
            return parse(LISTS[path], request.query_params.multi_items())
        except BadParameter as err:
            raise HTTPException(status_code=400, detail=err.to_dict()) from None

    def checked(asked: Asked) -> None:
        try:
            check_names(asked, {"city": tables.city_names(), "agency": tables.agency_names()})
        except NotFound as err:
            raise not_found(err) from None

    def listed(
        request: Request, path: str, asked: Asked, rows: Callable[[], Sequence[dict[str, Any]]],
        columns: Sequence[str], context: Callable[[], dict[str, Any]] = dict, title: str = "",
        summary: str = "", notes: Callable[[Page], list[str]] = lambda page: [], key: tuple[Any, ...] = (),
    ) -> Response:
        """A page of a list in the format asked (filters, sort and paging from `asked`)."""
        checked(asked)
        form = output_format(request, asked.format)
        body_key = (path, *key, asked.key(), form, str(request.base_url) if form == "xlsx" else "")
        expand = {"agency": tables.agency_expansions}
        page_of = lambda: page(LISTS[path], rows(), asked, expand)  # noqa: E731
        found = page_of() if form == "html" or asked.listed else None
        headers = {}
        if found is not None and found.next_offset is not None:
            headers["Link"] = f'<{next_url(request, found)}>; rel="next"'
        if form == "html":
            assert found is not None
            return HTMLResponse(html_table(request, path, asked, found, columns, title, summary, notes(found)))
        if form == "csv":
            return bodies.respond(request, (*body_key, "csv"), lambda: csv_bytes(shape_csv(path, page_of().rows), columns),
                                  CSV_TYPE, {**csv_headers(path.strip("/").replace("/", "-")), **headers})
        if form == "xlsx":
            return bodies.respond(request, body_key, lambda: xlsx_body(request, page_of().rows), XLSX_TYPE,
                                  {"Content-Disposition": 'attachment; filename="matrix.xlsx"', **headers})

        def envelope() -> bytes:
            result = page_of()
            return json_bytes({**context(), "total": result.total, "offset": result.offset, "limit": result.limit,
                               "next": next_url(request, result), "rows": result.rows})

        return bodies.respond(request, (*body_key, "json"), envelope, JSON_TYPE, headers)

    def xlsx_body(request: Request, rows: Sequence[dict[str, Any]]) -> bytes:
        from .xlsx import matrix_workbook  # openpyxl: on the first export, not at start-up

        kept = {r["city"] for r in rows}
        instruments = [r for r in tables.all_instruments() if r["city"] in kept]
        return matrix_workbook(tables.matrix_columns(), rows, instruments, str(request.base_url))

    async def built_xlsx(request: Request, asked: Asked) -> None:
        """Build the matrix workbook `listed` sends (unless kept from before) on the lane's export
        threads: at most `lane.EXPORTS` at a time, else 503; never on the event loop."""
        checked(asked)
        path = "/compare/matrix"
        body_key = (path, asked.key(), "xlsx", str(request.base_url))
        rows = lambda: page(LISTS[path], tables.rows("matrix"), asked, {"agency": tables.agency_expansions}).rows  # noqa: E731

        async def body() -> bytes:
            return await bounded(lane.exports, lambda: xlsx_body(request, rows()))

        await bodies.respond_async(request, body_key, body, XLSX_TYPE)

    def fast(request: Request, asked: Asked, name: str) -> Response | None:
        """The precomputed answer, for a request with no filter, sort or page (JSON or CSV)."""
        form = output_format(request, asked.format)
        if asked.listed or form not in ("json", "csv"):
            return None
        return stored(request, form, name)

    @router.get("/cities", tags=["analyst"], summary="Cities with their policies, counts and instrument types",
                **documented("/cities"))
    async def list_cities(request: Request) -> Response:
        asked = asked_of(request, "/cities")
        return fast(request, asked, "cities") or listed(
            request, "/cities", asked, lambda: tables.rows("cities"), CITY_COLUMNS, title="Cities 城市",
            summary="Every city of the corpus with its policies, measures, instruments, targets and instrument types.",
        )

    @router.get("/cities/{city}", tags=["analyst"], summary="One city: policies, instrument types funded, targets",
                responses={200: c.answer("The city's answer", c.JSON),
                           404: c.not_found("A city the corpus does not hold, with the nearest names")})
    async def get_city(request: Request, city: str) -> Response:
        return await computed(request, "json", lambda: answers.city_detail(source, city), "city", key=(city,))

    @router.get("/policies", tags=["analyst"], summary="Policies with their metadata", **documented("/policies"))
    async def list_policies(request: Request) -> Response:
        asked = asked_of(request, "/policies")
        return fast(request, asked, "policies") or listed(
            request, "/policies", asked, lambda: tables.rows("policies"), POLICY_COLUMNS, title="Policies 政策",
            summary="Every policy held, with its document number, issuer, its own date (signed, else published) "
            "and how many measures, instruments and targets were read from it.",
        )

    @router.get(
        "/policies/{policy}",
        tags=["analyst"],
        summary="One policy: measures, agencies, instruments, targets, citations",
        responses={200: c.answer("The policy's answer", c.JSON),
                   404: c.not_found("A policy the corpus does not hold, with the nearest ids")},
    )
    async def get_policy(request: Request, policy: str) -> Response:
        return await computed(request, "json", lambda: answers.policy_detail(source, policy), "policy", key=(policy,))

    @router.get(
        "/agencies",
        tags=["analyst"],
        summary="Agencies (merged across documents): canonical name, other names, measures led / co-responsible",
        **documented("/agencies"),
    )
    async def list_agencies(request: Request) -> Response:
        asked = asked_of(request, "/agencies")
        return fast(request, asked, "agencies") or listed(
            request, "/agencies", asked, lambda: tables.rows("agencies"), AGENCY_COLUMNS, title="Agencies 机构",
            summary="Government bodies after merging the names that denote one body, with the measures they lead "
            "(牵头) and those they are only responsible for.",
        )

    @router.get("/instruments", tags=["analyst"], summary="The instrument taxonomy (SKOS scheme) with counts per city",
                responses={200: c.answer("The instrument types (JSON, or CSV by format=csv or Accept)", c.JSON, c.CSV),
                           422: c.validation()})
    async def list_instruments(request: Request, format: Format = None) -> Response:
        return stored(request, format, "instruments")

    @router.get(
        "/compare", tags=["analyst"], summary="Which cities promise an instrument type, how much, where it says so",
        **documented("/compare"),
    )
    async def compare_cities(request: Request) -> Response:
        asked = asked_of(request, "/compare")
        instrument = request.query_params["instrument"]
        try:
            type_id = resolve_term(instrument).id
        except NotFound as err:
            raise not_found(err) from None
        form = output_format(request, asked.format)
        if not asked.listed and form == "csv":
            return send(request, ("compare", type_id), lambda: precomputed[f"compare/{type_id}.csv"], True, "compare")
        if not asked.listed and form == "json":
            stored_json = precomputed[f"compare/{type_id}.json"]
            return send(
                request, ("compare", type_id, instrument),
                lambda: answers.asked_as(stored_json, "term", type_id, instrument), False, "compare",
            )
        result = tables.compare(type_id)
        return listed(
            request, "/compare", asked, lambda: tables.compare_rows(type_id), COMPARE_COLUMNS,
            context=lambda: {"term": instrument, "type": result.to_dict()["type"]},
            title=f"{result.type.label_zh} · {result.type.label_en}",
            summary=f"Every promise of the type {result.type.id} read from the documents held, city by city, with its "
            "quote; a city where none was found has a row whose note lists the documents held for it.",
            key=(type_id,),
        )

    @router.get("/compare/matrix", tags=["analyst"], summary="City × instrument type: counts and the largest amount",
                **documented("/compare/matrix"))
    async def matrix(request: Request) -> Response:
        asked = asked_of(request, "/compare/matrix")
        if output_format(request, asked.format) == "xlsx":
            await built_xlsx(request, asked)  # on the exports' own threads, bounded; listed() then finds it
        return fast(request, asked, "matrix") or listed(
            request, "/compare/matrix", asked, lambda: tables.rows("matrix"), tables.matrix_columns(),
            title="City × instrument type 城市 × 工具类型",
            summary="One row per city; for each instrument type, how many promises were read (.count) and the "
            "largest amount in yuan (.largest_yuan; a cap counts as its ceiling).",
        )

    @router.get("/targets", tags=["analyst"], summary="One indicator's targets compared across cities and years",
                **documented("/targets"))
    async def targets(request: Request) -> Response:
        asked = asked_of(request, "/targets")
        indicator = request.query_params["indicator"]
        form = output_format(request, asked.format)
        concept = resolve_indicator(indicator)
        if concept is not None and f"targets/{concept.id}.json" in precomputed:
            if not asked.listed and form == "csv":
                csv_key = ("targets", concept.id)
                return send(request, csv_key, lambda: precomputed[f"targets/{concept.id}.csv"], True, "targets")
            stored_json = precomputed[f"targets/{concept.id}.json"]
            if not asked.listed and form == "json":
                return send(
                    request, ("targets", concept.id, indicator),
                    lambda: answers.asked_as(stored_json, "indicator", concept.id, indicator), False, "targets",
                )
            found = json.loads(stored_json)
        elif not asked.listed and form in ("json", "csv"):
            return await computed(
                request, form, lambda: answers.compare_targets(source, indicator), "targets", lambda r: r["targets"],
                key=(indicator,),
            )
        else:
            try:
                found = await lane.run(answers.compare_targets, source, indicator)
            except NotFound as err:
                raise not_found(err) from None
        return listed(
            request, "/targets", asked, lambda: found["targets"], TARGET_COLUMNS,
            context=lambda: {"indicator": indicator, "concept": found["concept"]},
            title=f"Targets 目标 · {indicator}", summary="Every target and baseline of the indicator, by city and year.",
            key=(indicator,),
        )

    @router.get("/search", tags=["analyst"], summary="A free-text question in Chinese or English", **documented("/search"))
    async def search(request: Request) -> Response:
        asked = asked_of(request, "/search")
        q = request.query_params["q"]
        if not 1 <= len(q) <= 200:
            raise HTTPException(400, detail=BadParameter("q", "must be 1 to 200 characters", "text").to_dict())
        form = output_format(request, asked.format)
        if not asked.listed and form == "json":

            async def body() -> bytes:
                return await bounded(lane.searches, answer_json, lane.reader, q)

            return await bodies.respond_async(request, ("search", q), body, JSON_TYPE)
        found = await bounded(lane.searches, answer, lane.reader, q)
        return listed(
            request, "/search", asked, lambda: search_rows(found), SEARCH_COLUMNS,
            context=lambda: {"question": q, "understood": found["understood"]},
            title=f"Search 搜索 · {q}", summary=f"Read as: {found['understood']['intent']}", key=(q,),
        )

    @router.get("/source/{doc}", tags=["provenance"], summary="The original text with the span highlighted",
                response_class=Response,
                responses={200: c.answer("The text, the span highlighted (HTML), or {doc, start, end, text…} (JSON)",
                                         c.HTML, c.JSON),
                           400: c.answer("A span outside the text: {detail: {error}}", c.JSON, schema=c.BAD_PARAMETER),
                           404: c.not_found("A document the corpus does not hold, with the nearest names"),
                           422: c.validation()})
    async def source_text(doc: str, start: Annotated[int, Query(ge=0)] = 0, end: Annotated[int, Query(ge=0)] = 0,
                          format: Format = None) -> Any:
        text = await lane.run(document_text, source, doc)
        if text is None:
            raise not_found(NotFound("document", doc, served.documents))
        try:
            if format == "json":
                return JSONResponse(source_json(doc, text, start, end))
            return HTMLResponse(source_html(doc, text, start, end))
        except SpanOutOfRange as err:
            raise HTTPException(status_code=400, detail={"error": str(err)}) from None

    @router.get("/health", tags=["meta"], summary="Documents served and files that failed",
                responses={200: c.answer("{documents, failures, from_cache}", c.JSON)})
    def health() -> dict[str, Any]:
        # file names only: where the server keeps its data is nobody's business over HTTP
        return {
            "documents": len(served.documents),
            "failures": [f.message(name_only=True) for f in served.failures],
            "from_cache": served.from_cache,
            "build": served.build_id,  # also every response's X-Policykg-Build header
        }

    return router
