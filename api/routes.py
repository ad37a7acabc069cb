"""The analyst API: thin routes over the query layer (api.query, api.catalog, api.indicators,
api.search). Every list also answers CSV, by `Accept: text/csv` or `?format=csv`."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from extract.taxonomy import load_taxonomy

from . import catalog
from .catalog import NotFound
from .indicators import compare_targets
from .query import COMPARE_CSV_COLUMNS, UnknownTermError, compare, rows_to_csv
from .search import QuestionReader, answer
from .serving import ServedGraph
from .source import SpanOutOfRange, source_html, source_json

Format = Annotated[str | None, Query(pattern="^(json|csv|html)$", description="json (default) or csv")]


def wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value


def csv_response(
    rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, name: str = "result"
) -> Response:
    columns = list(columns or dict.fromkeys(k for row in rows for k in row))
    body = rows_to_csv([{k: _cell(row.get(k)) for k in columns} for row in rows], columns)
    headers = {"Content-Disposition": f'inline; filename="{name}.csv"'}
    return Response("\ufeff" + body, media_type="text/csv; charset=utf-8", headers=headers)


def not_found(err: NotFound) -> HTTPException:
    return HTTPException(status_code=404, detail=err.to_dict())


def listing(request: Request, format: str | None, rows: list[dict[str, Any]], name: str) -> Any:
    return csv_response(rows, name=name) if wants_csv(request, format) else rows


def create_analyst_router(served: ServedGraph) -> APIRouter:
    router = APIRouter()
    records = served.records
    reader_holder: list[QuestionReader] = []
    years = {r.doc: (r.policy.issued_date or r.policy.published_date or "")[:4] or None for r in records}

    def _policy_year(doc: str) -> int | None:
        year = years.get(doc)
        return int(year) if year else None

    def reader() -> QuestionReader:
        if not reader_holder:  # jieba's dictionary loads on the first question, not at start-up
            reader_holder.append(QuestionReader(records))
        return reader_holder[0]

    def guarded(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except NotFound as err:
            raise not_found(err) from None

    @router.get("/cities", tags=["analyst"], summary="Cities with their policies, counts and instrument types")
    def list_cities(request: Request, format: Format = None) -> Any:
        return listing(request, format, catalog.cities(records), "cities")

    @router.get("/cities/{city}", tags=["analyst"], summary="One city: policies, instrument types funded, targets")
    def get_city(city: str) -> Any:
        return guarded(lambda: catalog.city_detail(records, city))

    @router.get("/policies", tags=["analyst"], summary="Policies with their metadata")
    def list_policies(request: Request, format: Format = None) -> Any:
        return listing(request, format, catalog.policies(records), "policies")

    @router.get(
        "/policies/{policy}",
        tags=["analyst"],
        summary="One policy: measures, agencies, instruments, targets, citations",
    )
    def get_policy(policy: str) -> Any:
        return guarded(lambda: catalog.policy_detail(records, policy))

    @router.get(
        "/agencies", tags=["analyst"], summary="Agencies: canonical name, aliases, measures led / co-responsible"
    )
    def list_agencies(request: Request, city: str | None = None, format: Format = None) -> Any:
        return listing(request, format, guarded(lambda: catalog.agencies(records, city)), "agencies")

    @router.get("/instruments", tags=["analyst"], summary="The instrument taxonomy (SKOS scheme) with counts per city")
    def list_instruments(request: Request, format: Format = None) -> Any:
        return listing(request, format, catalog.instrument_types(records), "instruments")

    @lru_cache(maxsize=512)
    def compare_response(instrument: str, as_csv: bool) -> Response:
        """Answers are computed once per term and format: the records never change while served."""
        result = compare(records, instrument)
        if as_csv:
            return csv_response(result.csv_rows(), COMPARE_CSV_COLUMNS, "compare")
        data = result.to_dict()
        for city in data["cities"]:
            for inst in city["instruments"]:
                inst["source"] = catalog.source_link(inst["doc"], inst["start"], inst["end"])
                inst["year"] = _policy_year(inst["doc"])
        return Response(json.dumps(data, ensure_ascii=False).encode("utf-8"), media_type="application/json")

    @router.get(
        "/compare", tags=["analyst"], summary="Which cities fund an instrument type, how much, where it says so"
    )
    async def compare_cities(
        request: Request,
        instrument: Annotated[str, Query(description="id, Chinese or English label, or cue word: 科技创新券, 孵化器")],
        format: Format = None,
    ) -> Response:
        # async and pre-serialised: the hot path of the analyst API stays off the thread pool
        try:
            return compare_response(instrument, wants_csv(request, format))
        except UnknownTermError:
            valid = [w for t in load_taxonomy() for w in (t.id, t.label_zh, t.label_en, *t.cue_words)]
            raise not_found(NotFound("instrument type", instrument, valid)) from None

    @router.get("/compare/matrix", tags=["analyst"], summary="City × instrument type: counts and the largest amount")
    def matrix(request: Request, format: Format = None) -> Any:
        return listing(request, format, catalog.compare_matrix(records), "matrix")

    @router.get("/targets", tags=["analyst"], summary="One indicator's targets compared across cities and years")
    def targets(
        request: Request,
        indicator: Annotated[str, Query(description="高新技术企业, R&D 投入占比, 技术合同成交额…")],
        format: Format = None,
    ) -> Any:
        result = guarded(lambda: compare_targets(records, indicator))
        return csv_response(result["targets"], name="targets") if wants_csv(request, format) else result

    @router.get("/search", tags=["analyst"], summary="A free-text question in Chinese or English")
    def search(q: Annotated[str, Query(min_length=1, max_length=200)]) -> Any:
        return answer(reader(), q)

    @router.get("/source/{doc}", tags=["provenance"], summary="The original text with the span highlighted")
    def source(doc: str, start: int = 0, end: int = 0, format: Format = None) -> Any:
        if doc not in served.texts:
            raise not_found(NotFound("document", doc, sorted(served.texts)))
        text = served.texts[doc]
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
            "documents": len(records),
            "failures": [f.message(name_only=True) for f in served.failures],
            "from_cache": served.from_cache,
        }

    return router
