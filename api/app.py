"""The HTTP app: the analyst API and (when given a SPARQL service) the public SPARQL endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from viz.assets import STATIC_PREFIX, VIS_NETWORK_DIR

from .headers import CommonHeaders
from .home import create_home_router, mount_docs
from .lane import AnalystLane
from .routes import create_analyst_router
from .routes_browse import create_browse_router
from .routes_id import create_id_router
from .routes_views import create_views_router
from .serving import ServedGraph

DESCRIPTION = """Compare Chinese cities' science-and-technology policies: which cities fund an
instrument, how much, under which conditions, who is responsible, and the source sentence of
every figure (`/source/{doc}?start=&end=`). Every list also answers CSV (`?format=csv`)."""


def create_app(served: ServedGraph, sparql: Any | None = None) -> FastAPI:
    """`sparql` is an `api.sparql.SparqlService`; its router is mounted and its workers run
    for the app's lifetime. The analyst lane (its answers precomputed here) runs beside it."""
    lane = AnalystLane(served.source, served.answers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if sparql is not None:
            sparql.start()
        try:
            yield
        finally:
            if sparql is not None:
                sparql.close()
            lane.close()

    app = FastAPI(
        title="policykg", description=DESCRIPTION, version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.add_middleware(CommonHeaders)  # nosniff on every answer; CORS on the analyst API's GETs (api/headers.py)
    mount_docs(app)
    app.include_router(create_home_router(served, lane))
    app.include_router(create_analyst_router(served, lane))
    app.include_router(create_browse_router(served, lane.source, lane.answers))
    app.include_router(create_views_router(served, lane))
    app.include_router(create_id_router(served, lane.answers))
    app.mount(STATIC_PREFIX, StaticFiles(directory=VIS_NETWORK_DIR), name="vis-network")
    if sparql is not None:
        from .sparql import create_sparql_router

        app.include_router(create_sparql_router(sparql))
    if served.build_id is not None:
        app.add_middleware(BuildHeader, build_id=served.build_id)  # type: ignore[arg-type]
    return app


class BuildHeader:
    """Names the build on every response (`X-Policykg-Build`), so an answer or an export can be
    traced to the build it came from. Plain ASGI: it adds one header and never touches a body.
    (GET /sparql answered by api/sparql/protocol.py ahead of the app adds it there.)"""

    def __init__(self, app: Any, build_id: str) -> None:
        self.app = app
        self.header = (b"x-policykg-build", build_id.encode("ascii"))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_build(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), self.header]}
            await send(message)

        await self.app(scope, receive, send_with_build)
