"""The SPARQL 1.1 Protocol over HTTP: GET ?query=, POST application/sparql-query, POST form query=.

Without a query, GET /sparql answers a browser (Accept: text/html) with the query page and anyone
else with the Service Description.

GET, the hot path, is served by a plain ASGI route registered ahead of the documented FastAPI
route for the same path: it reads the query string and the Accept header from the ASGI scope and
writes the answer's bytes as the worker sent them, without FastAPI's parameter handling or a
Response object. Both routes run the same code (`_get`), so the documented one would answer the
same if it were ever reached. Under `policykg serve` a GET with a query does not even reach the
app: uvicorn's protocol answers it (protocol.py), with the same `get_parameters`.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Awaitable, Callable
from functools import cache, lru_cache
from importlib import resources
from urllib.parse import parse_qs, parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .contract import (
    DATASET_PARAMETERS,
    FORMAT_NAMES,
    FORMAT_PARAMETER,
    QUERY_PARAMETER,
    known_format,
    post_body,
    sparql_responses,
)
from .errors import QueryRejected, QueryTooLarge, SparqlError
from .examples import load_examples
from .formats import FORMATS, parse_accept, quality
from .service import SparqlResult, SparqlService, wants_fresh

QUERY_CONTENT_TYPE = "application/sparql-query"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
UPDATE_CONTENT_TYPE = "application/sparql-update"
READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted"
COMMON_HEADERS = {
    "Vary": "Accept",
    "Access-Control-Allow-Origin": "*",  # a public endpoint: any web page may query it
    "Access-Control-Expose-Headers": "X-Result-Truncated",
    "X-Content-Type-Options": "nosniff",  # an error echoes the query: never read as HTML
}
METHODS = "GET, HEAD, POST, OPTIONS"
# The answer to a CORS preflight: a page on another origin may POST a query (its Content-Type is
# not one a "simple" request may send) and ask for a format by Accept.
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Max-Age": "86400",
    "Allow": METHODS,
    "X-Content-Type-Options": "nosniff",
}
# The page runs no code from elsewhere and talks to nothing but this server: YASGUI is served
# from the package (static/yasgui/), its prefix list too.
PAGE_POLICY = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
               "connect-src 'self'; img-src 'self' data:; font-src 'self' data:; base-uri 'none'; form-action 'self'")
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".txt": "text/plain; charset=utf-8", ".md": "text/plain; charset=utf-8"}
RAW_COMMON_HEADERS = [(name.lower().encode(), value.encode()) for name, value in COMMON_HEADERS.items()]
TRUNCATED_HEADER = (b"x-result-truncated", b"true")
PARSED_QUERY_STRING_MAX_BYTES = 32_768  # longer query strings are parsed every time


def create_sparql_router(service: SparqlService, path: str = "/sparql") -> APIRouter:
    router = APIRouter(tags=["SPARQL"])
    # A body may be percent-encoded (up to 12 bytes a character); the exact cap is on characters.
    max_body = service.max_query_chars * 12 + 4096

    # First: it answers every GET (and HEAD) of `path`; the route below documents it.
    router.routes.append(Route(path, _LeanGet(service), methods=["GET"], include_in_schema=False))

    @router.get(path + "/static/prefixes.json", include_in_schema=False)
    def prefixes() -> Response:
        """The query page's prefix completion (YASQE would ask prefix.cc): the graph's prefixes."""
        return Response(_prefixes_json(), media_type="application/json", headers={"Cache-Control": "max-age=3600"})

    @router.get(path + "/static/yasgui/{name}", include_in_schema=False)
    def yasgui_asset(request: Request, name: str) -> Response:
        """The vendored YASGUI (static/yasgui/: its files, licence and README), gzipped when the
        client takes it (the script is 1 MB, 0.3 MB gzipped)."""
        asset = _static_asset(name)
        if asset is None:
            return PlainTextResponse("not found\n", status_code=404)
        media_type, body, gzipped = asset
        headers = {"Cache-Control": "max-age=86400", "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(gzipped, media_type=media_type, headers={**headers, "Content-Encoding": "gzip"})
        return Response(body, media_type=media_type, headers=headers)

    @router.get(path, summary="SPARQL query (GET), query page, or service description", response_class=Response,
                openapi_extra={"parameters": [QUERY_PARAMETER, FORMAT_PARAMETER, *DATASET_PARAMETERS]},
                responses=sparql_responses(service, "GET"))
    async def sparql_get(request: Request) -> Response:
        outcome = await _get(service, request.scope, request.receive)
        return _result(outcome) if isinstance(outcome, SparqlResult) else outcome

    @router.post(path, summary="SPARQL query (POST: application/sparql-query or form-encoded query=)",
                 response_class=Response,
                 openapi_extra={"parameters": [FORMAT_PARAMETER, *DATASET_PARAMETERS],
                                "requestBody": post_body()},
                 responses=sparql_responses(service, "POST"))
    async def sparql_post(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        params = request.query_params
        try:
            if content_type == UPDATE_CONTENT_TYPE:
                raise QueryRejected(READ_ONLY, 403)
            raw = await _read_body(request, max_body)
            if not raw:  # the query is missing, whatever the (absent) body claims to be
                raise QueryRejected(f"no query: send it as the body ({QUERY_CONTENT_TYPE}), or as {FORM_CONTENT_TYPE} "
                                    "query=, or use GET ?query=")
            if content_type not in (QUERY_CONTENT_TYPE, FORM_CONTENT_TYPE):
                raise QueryRejected(
                    f"send the query as {QUERY_CONTENT_TYPE} or as {FORM_CONTENT_TYPE} query=, "
                    f"not {content_type or 'a body without Content-Type'}", 415)
            body = _text(raw)
        except SparqlError as error:
            return _error(error)
        if content_type == QUERY_CONTENT_TYPE:
            return await _answer(service, body, request, params.get("format"), _dataset(params.getlist))
        form = parse_qs(body, keep_blank_values=True)
        if "update" in form:
            return _error(QueryRejected(READ_ONLY, 403))
        queries = form.get("query", [])
        if not queries:
            return _error(QueryRejected("no query: the form has no query= field"))
        if len(queries) != 1:
            return _error(QueryRejected("give exactly one query= field"))

        def values(name: str) -> list[str]:
            return form.get(name, []) + params.getlist(name)

        format = (values("format") or [None])[0]
        return await _answer(service, queries[0], request, format, _dataset(values))

    @router.options(path, summary="CORS preflight: any origin may GET and POST queries", status_code=204,
                    response_class=Response,
                    responses={204: {"description": "Access-Control-Allow-* headers, no body",
                                     "headers": {name: {"schema": {"type": "string"}} for name in PREFLIGHT_HEADERS}}})
    def sparql_options() -> Response:
        return Response(status_code=204, headers=PREFLIGHT_HEADERS)

    # Last: any other method of `path` (without it the GET route above, matched first, would answer
    # 405 naming only GET and HEAD)
    router.routes.append(Route(path, _NotAllowed(), methods=None, include_in_schema=False))
    return router


class _NotAllowed:
    """405 naming every method of the endpoint (an instance: Starlette takes any method for it)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = PlainTextResponse(f"{scope['method']} is not allowed here; use {METHODS}\n", status_code=405,
                                     headers={**COMMON_HEADERS, "Allow": METHODS})
        await response(scope, receive, send)


class _LeanGet:
    """GET `path` as a bare ASGI app (an instance, so that Starlette does not wrap it in a Request)."""

    def __init__(self, service: SparqlService) -> None:
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        outcome = await _get(self.service, scope, receive)
        if not isinstance(outcome, SparqlResult):
            await outcome(scope, receive, send)
            return
        headers = [(b"content-type", outcome.media_type.encode()), (b"content-length", b"%d" % len(outcome.body)),
                   *RAW_COMMON_HEADERS]
        if outcome.truncated:
            headers.append(TRUNCATED_HEADER)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": outcome.body})


async def _get(service: SparqlService, scope: Scope, receive: Receive) -> SparqlResult | Response:
    """GET `path`: the answer to ?query=, or the response to send instead (an error, the page...)."""
    try:
        asked = get_parameters(scope["query_string"], service.max_query_chars)
        if asked is None:
            return await _without_query(service, Request(scope, receive), _query_parameters(scope["query_string"]))
        query, format, dataset = asked
        accept = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"accept"), None)
        fresh = any(wants_fresh(value) for name, value in scope["headers"] if name == b"cache-control")
        client = _client(service, scope)
        return await _unless_client_leaves(
            service.run(query, accept, format=format, dataset=dataset, client=client, fresh=fresh), receive)
    except SparqlError as error:
        return _error(error)


async def _unless_client_leaves(answer: Awaitable[SparqlResult], receive: Receive) -> SparqlResult | Response:
    """`answer`, or, if the client hangs up first, nothing: its query is given up, so that it
    leaves the workers' line if no worker took it yet (the protocol does the same for its GETs).
    Called once the request's body has been read: `receive` then only reports the disconnect."""
    answering = asyncio.ensure_future(answer)
    leaving = asyncio.ensure_future(_disconnect(receive))
    try:
        await asyncio.wait((answering, leaving), return_when=asyncio.FIRST_COMPLETED)
    finally:
        leaving.cancel()
    if not answering.done():
        answering.cancel()
        return Response(status_code=499)  # nginx's "client closed request": sent to no one
    return answering.result()


def _client(service: SparqlService, scope: Scope) -> str:
    """Who asks, for the per-client bounds (service.client_of: X-Forwarded-For only from a trusted proxy)."""
    peer = scope.get("client")
    forwarded = [value.decode("latin-1") for name, value in scope["headers"] if name == b"x-forwarded-for"]
    return service.client(peer[0] if peer else None, ",".join(forwarded) or None)


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def get_parameters(query_string: bytes, max_chars: int) -> tuple[str, str | None, list[str]] | None:
    """The query, `format` and dataset IRIs of a GET's query string; None if it has no query.
    Raises an `errors.SparqlError` for one the protocol refuses (shared with protocol.py)."""
    params = _query_parameters(query_string)
    queries: list[str] = []
    format: str | None = None  # the last one counts, as with FastAPI's query parameters
    for name, value in params:
        if name == "query":
            queries.append(value)
        elif name == "format":
            format = value
        elif name == "update":
            raise QueryRejected(READ_ONLY, 403)
    if not queries:
        return None
    if len(queries) > 1:
        raise QueryRejected("give one query parameter, not several")
    if len(queries[0]) > max_chars:  # 414: in a GET the query is part of the URI
        raise QueryTooLarge(f"query is {len(queries[0])} characters long; this endpoint accepts at most {max_chars}", 414)
    dataset = [value for wanted in ("default-graph-uri", "named-graph-uri") for name, value in params if name == wanted]
    return queries[0], format, dataset


def _query_parameters(query_string: bytes) -> tuple[tuple[str, str], ...]:
    """The URL's parameters, decoded as Starlette decodes them (latin-1, then percent-decoding as
    UTF-8), which for a 1 kB query costs more than the rest of the request: so kept for the last
    256 distinct query strings of up to 32 kB."""
    if len(query_string) > PARSED_QUERY_STRING_MAX_BYTES:
        return _parse_query_string(query_string)
    return _parsed_query_string(query_string)


def _parse_query_string(query_string: bytes) -> tuple[tuple[str, str], ...]:
    return tuple(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))


_parsed_query_string = lru_cache(maxsize=256)(_parse_query_string)


async def _answer(service: SparqlService, query: str, request: Request, format: str | None,
                  dataset: list[str]) -> Response:
    try:
        result = await _unless_client_leaves(
            service.run(query, request.headers.get("accept"), format=format, dataset=dataset,
                        client=_client(service, request.scope), fresh=wants_fresh(request.headers.get("cache-control"))),
            request.receive,
        )
    except SparqlError as error:
        return _error(error)
    return _result(result) if isinstance(result, SparqlResult) else result


async def _without_query(service: SparqlService, request: Request, params: tuple[tuple[str, str], ...]) -> Response:
    """A browser gets the query page; a SPARQL client or no Accept at all, the service description."""
    format = next((value for name, value in reversed(params) if name == "format"), None)
    if format is not None and not known_format(format):
        return _error(QueryRejected(f"format={format!r} is none of {', '.join(FORMAT_NAMES)}"))
    accept = parse_accept(request.headers.get("accept"))
    html = quality(accept, "text/html")
    rdf = max(quality(accept, f.accepts[0], f.accepts[1:]) for f in FORMATS if "triples" in f.kinds)
    if format is None and html > rdf:
        return HTMLResponse(query_page(service), headers={"Content-Security-Policy": PAGE_POLICY, "Vary": "Accept"})
    endpoint = str(request.url).split("?")[0]
    return _result(await service.describe(endpoint, request.headers.get("accept"), format))


def _dataset(values: Callable[[str], list[str]]) -> list[str]:
    """The protocol's dataset parameters; `values` looks a parameter up in the URL or the form."""
    return [*values("default-graph-uri"), *values("named-graph-uri")]


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise QueryTooLarge(f"request body of {declared} bytes is too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise QueryTooLarge(f"request body is larger than {limit} bytes")
    return bytes(body)


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise QueryRejected(f"the query is not UTF-8: {error}") from None


def _result(result: SparqlResult) -> Response:
    headers = dict(COMMON_HEADERS)
    if result.truncated:
        headers["X-Result-Truncated"] = "true"
    return Response(result.body, media_type=result.media_type, headers=headers)


def _error(error: SparqlError) -> Response:
    headers = dict(COMMON_HEADERS)
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return PlainTextResponse(error.message + "\n", status_code=error.status, headers=headers)


@cache
def _page_template() -> str:
    return resources.files(__package__).joinpath("page.html").read_text(encoding="utf-8")


@cache
def _static_asset(name: str) -> tuple[str, bytes, bytes] | None:
    """(media type, bytes, gzipped bytes) of a file of static/yasgui/, read once; None for any other name."""
    folder = resources.files(__package__).joinpath("static", "yasgui")
    names = {f.name for f in folder.iterdir() if f.is_file()} if folder.is_dir() else set()
    suffix = "." + name.rsplit(".", 1)[-1]
    if name not in names or suffix not in STATIC_TYPES:
        return None
    body = folder.joinpath(name).read_bytes()
    return STATIC_TYPES[suffix], body, gzip.compress(body, mtime=0)


@cache
def _prefixes_json() -> bytes:
    from graph.iris import PREFIXES

    return json.dumps({prefix: str(namespace) for prefix, namespace in PREFIXES.items()}).encode()


def query_page(service: SparqlService) -> str:
    from graph.iris import PREFIXES

    examples = [{"name": e.name, "title": e.title, "question": e.question, "query": e.query} for e in load_examples()]
    settings = {"examples": examples, "timeout_s": service.timeout_s, "max_rows": service.max_rows,
                "prefixes": {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}}
    # "<" escaped so that no query text can close the <script> element it is embedded in.
    data = json.dumps(settings, ensure_ascii=False).replace("<", "\\u003c")
    return _page_template().replace("/*SETTINGS*/{}", data)
