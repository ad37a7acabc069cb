"""The start page (`/`) and the API docs (`/docs`), both served without any outside resource: the
Swagger UI they draw with is vendored under api/static/swagger-ui (see its README for origin and
licence), since the CDN FastAPI links by default leaves an offline reader a white page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from viz.home import render_home, summarise_types, totals

from . import contract as c
from .lane import AnalystLane
from .serving import ServedGraph

SWAGGER_UI_VERSION = "5.35.0"
SWAGGER_UI_DIR = Path(__file__).parent / "static" / "swagger-ui"
SWAGGER_PREFIX = "/static/swagger-ui"
# optional pages the start page links when this server has them: name → route path
OPTIONAL_PAGES = {"map": "/map", "timeline": "/timeline", "ontology": "/ontology", "sparql": "/sparql"}


def mount_docs(app: FastAPI) -> None:
    """/docs with the vendored Swagger UI (the app is made with docs_url=None, redoc_url=None)."""
    app.mount(SWAGGER_PREFIX, StaticFiles(directory=SWAGGER_UI_DIR), name="swagger-ui")
    assets = f"{SWAGGER_PREFIX}/{SWAGGER_UI_VERSION}"

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · API",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
            # no call to the public validator service
            swagger_ui_parameters={"validatorUrl": None, "defaultModelsExpandDepth": 0},
        )


def create_home_router(served: ServedGraph, lane: AnalystLane) -> APIRouter:
    router = APIRouter()

    def answer(name: str) -> list[dict[str, Any]]:
        return json.loads(lane.answers[name])

    @router.get("/", tags=["meta"], summary="Start page: what the graph holds and the main questions",
                response_class=Response,
                responses={200: c.answer("The start page (HTML), or its totals (format=json)", c.HTML, c.JSON),
                           422: c.validation()})
    def home(
        request: Request,
        format: Annotated[str | None, Query(pattern="^(html|json)$", description="html (default) or json")] = None,
    ) -> Response:
        cities, types = answer("cities.json"), answer("instruments.json")
        if format == "json":
            return JSONResponse(
                {
                    "totals": totals(cities),
                    "instrument_types": [vars(t) for t in summarise_types(types)],
                    "failures": len(served.failures),
                }
            )
        paths = {getattr(route, "path", "") for route in request.app.routes}
        links = {name: path in paths for name, path in OPTIONAL_PAGES.items()}
        return HTMLResponse(render_home(cities, types, failures=len(served.failures), links=links))

    return router
