"""The map and the timeline: /map?instrument=TERM and /timeline?instrument=TERM, each one answer
in JSON (default), CSV (`format=csv` or `Accept: text/csv`) and an HTML page (`format=html` or
`Accept: text/html`, as a browser asks).

/map is /compare's answer (precomputed per type, else graph.compare on the lane) joined to the
cities' coordinates (graph.places); /timeline is timeline.rq shaped by graph.timeline. An unknown
instrument type is a 404 naming the nearest valid ones; an unknown parameter is a 400 naming it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from graph.compare import comparison
from graph.places import MAP_CSV_COLUMNS, documents_by_city, map_answer
from graph.rows import csv_bytes, json_bytes
from graph.source import GraphSource
from graph.terms import NotFound, resolve_term
from graph.timeline import TIMELINE_CSV_COLUMNS, timeline, timeline_csv_rows

from . import contract as c
from .bodies import Bodies
from .lane import AnalystLane
from .lists import output_format
from .serving import ServedGraph

PARAMETERS = {"instrument", "format"}
FORMATS = ("json", "csv", "html")
# declared for the API's docs; `respond` reads and checks them (an unknown format is a 400 naming it).
# `instrument` is required, but a browser (Accept: text/html) without it is sent to the type with
# the most instruments (303)
DOCUMENTED: dict[str, Any] = {
    "openapi_extra": {"parameters": [
        {"name": "instrument", "in": "query", "required": True, "example": "科技创新券",
         "description": "instrument type: id, Chinese or English label, or cue word (科技创新券)",
         "schema": {"type": "string", "pattern": r"\S"}},  # blank is a 400
        {"name": "format", "in": "query", "required": False, "example": "csv",
         "description": "json (default), csv or html; else by the Accept header",
         "schema": {"type": "string", "enum": list(FORMATS)}},
    ]},
    "responses": {
        200: c.answer("The answer (JSON), its rows (CSV) or the page (HTML)", c.JSON, c.CSV, c.HTML),
        303: c.answer("A browser (Accept: text/html, no format=) without instrument: to the type with the most "
                      "instruments",
                      headers={"Location": {"schema": {"type": "string"}}}),
        400: c.answer("An unknown parameter, a format not offered, or no instrument: {error, allowed?, example?}",
                      c.JSON, schema=c.VIEW_BAD_REQUEST),
        404: c.not_found("An unknown instrument type, with the nearest (a page for a browser)", c.JSON, c.HTML),
    },
}
MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8"}


def _bad_request(message: str, **more: Any) -> JSONResponse:
    return JSONResponse({"error": message, **more}, status_code=400)


def create_views_router(served: ServedGraph, lane: AnalystLane) -> APIRouter:
    """`served` is unused beyond the lane's graph (kept for the routers' common signature)."""
    del served
    router = APIRouter(tags=["views"])
    source, precomputed = lane.source, lane.answers
    bodies = Bodies(32 << 20)

    def map_of(term: str) -> dict[str, Any]:
        """/compare's answer (the precomputed one when the build has it) joined to coordinates."""
        return map_answer(comparison(source, term, precomputed), documents_by_city(source))

    def timeline_of(term: str) -> dict[str, Any]:
        """The timeline the build precomputed for the type, else computed (remote store, old build)."""
        stored = precomputed.get(f"timeline/{resolve_term(term).id}.json")
        return dict(json.loads(stored), term=term) if stored else timeline(source, term)

    def instrument_type_counts(source: GraphSource) -> Any:
        from graph.subgraph import instrument_type_counts as counts  # networkx: not at start-up

        return counts(source)

    def types_page(render: Callable[[dict[str, Any], Any], str], answer: dict[str, Any]) -> bytes:
        return render(answer, instrument_type_counts(source)).encode("utf-8")

    async def respond(request: Request, path: str, answer_of: Callable[[str], dict[str, Any]],
                      csv_of: Callable[[dict[str, Any]], bytes], render: Callable[[], Callable[..., str]]) -> Response:
        unknown = sorted(set(request.query_params) - PARAMETERS)
        if unknown:
            return _bad_request(f"unknown parameter {', '.join(unknown)}", allowed=sorted(PARAMETERS))
        fmt = output_format(request, request.query_params.get("format"))
        if fmt not in FORMATS:
            return _bad_request(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        term = request.query_params.get("instrument", "").strip()
        if not term:
            if fmt == "html" and "format" not in request.query_params:
                # a browser opening the bare path: the type with the most instruments
                counts = await lane.run(instrument_type_counts, source)
                top = max(counts, key=lambda t: t.count)
                return Response(status_code=303, headers={"Location": f"{path}?instrument={top.id}&format=html"})
            return _bad_request("instrument is required: an instrument type's id, label or cue word",
                                example=f"{path}?instrument=innovation_voucher")
        try:
            type_id = resolve_term(term).id
        except NotFound as err:
            if fmt == "html":
                from viz.view_page import not_found_page

                return HTMLResponse(not_found_page(err, path), status_code=404)
            return JSONResponse({"detail": err.to_dict()}, status_code=404)

        def body() -> bytes:
            answer = answer_of(term)
            if fmt == "csv":
                return csv_of(answer)
            if fmt == "html":
                return types_page(render(), answer)
            return json_bytes(answer)

        async def computed() -> bytes:
            return await lane.run(body)

        headers = {"Content-Disposition": f'inline; filename="{path.strip("/")}-{type_id}.csv"'} if fmt == "csv" else None
        return await bodies.respond_async(request, (path, type_id, term, fmt), computed, MEDIA[fmt], headers)

    def map_renderer() -> Callable[..., str]:
        from viz.map import render_map  # the pages' code stays off the server's start-up

        return render_map

    def timeline_renderer() -> Callable[..., str]:
        from viz.timeline import render_timeline

        return render_timeline

    @router.get("/map", summary="Map: one mark per city, sized by the largest amount of an instrument type (JSON, CSV, HTML)",
                **DOCUMENTED)
    async def map_view(request: Request) -> Response:
        return await respond(
            request, "/map", map_of, lambda a: csv_bytes(a["cities"], MAP_CSV_COLUMNS), map_renderer
        )

    @router.get("/timeline", summary="Timeline: the year each city first promised an instrument type, and the later policies (JSON, CSV, HTML)",
                **DOCUMENTED)
    async def timeline_view(request: Request) -> Response:
        return await respond(
            request, "/timeline", timeline_of,
            lambda a: csv_bytes(timeline_csv_rows(a), TIMELINE_CSV_COLUMNS), timeline_renderer,
        )

    return router
