"""The graph's IRIs, dereferenced: this server mirrors the paths of https://w3id.org/policykg/.

    GET /id/<path>   the resource https://w3id.org/policykg/id/<path>: an HTML page for a browser;
                     Turtle, JSON-LD, N-Triples or RDF/XML for an RDF client (Accept, or ?format=)
    GET /ontology    the namespace https://w3id.org/policykg/ontology: the data-model page for a
                     browser; graph/ontology.ttl for an RDF client

The triples come from the served graph through the query layer (graph/linked_data.py,
graph/queries/resource.rq), so /id/… holds what `DESCRIBE <iri>` gives through /sparql, and works
when the graph is a remote store. An IRI the graph does not know is a 404.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from html import escape
from importlib import resources
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse, serialize

from . import contract as c
from .serving import ServedGraph
from .sparql.errors import NotAcceptable, QueryRejected
from .sparql.formats import FORMATS, ResultFormat, negotiate, parse_accept, quality

if TYPE_CHECKING:
    from graph.linked_data import DataModel

# graph.linked_data and the pages import rdflib (graph.iris): imported by the handlers, on the first
# request, so that the server's start-up does not pay for them
RDF_FORMATS = {"turtle": RdfFormat.TURTLE, "jsonld": RdfFormat.JSON_LD, "ntriples": RdfFormat.N_TRIPLES,
               "rdfxml": RdfFormat.RDF_XML}
HEADERS = {"Vary": "Accept", "Access-Control-Allow-Origin": "*"}
FORMAT_HELP = "html, turtle, jsonld, ntriples or rdfxml (or a media type); overrides the Accept header"
# empty: as if not given (the Accept header decides)
FORMAT_NAMES = ["", *sorted({"html", *(n for f in FORMATS if f.name in RDF_FORMATS for n in f.names + f.accepts)})]
RDF_TYPES = (c.HTML, *c.RDF)
NEGOTIATION_ERRORS = {
    400: c.answer("A format that does not give triples (text/plain, naming the ones that do)", c.TEXT),
    406: c.answer("No RDF format the Accept header takes (text/plain)", c.TEXT),
}


def _wants_html(request: Request, format: str | None) -> bool:
    """HTML when asked by name, or when the Accept header prefers text/html to every RDF format
    (a browser); `*/*` alone (curl) gets Turtle."""
    if format is not None:
        return format.strip().lower() == "html"
    accept = parse_accept(request.headers.get("accept"))
    rdf = max(quality(accept, f.accepts[0], f.accepts[1:]) for f in FORMATS if f.name in RDF_FORMATS)
    return quality(accept, "text/html") > rdf


def _rdf_format(request: Request, format: str | None) -> ResultFormat:
    return negotiate("triples", request.headers.get("accept"), format)


def create_id_router(served: ServedGraph, answers: Mapping[str, bytes] | None = None) -> APIRouter:
    """`app.include_router(create_id_router(served))`: /id/… and /ontology on `served.source`;
    `answers`: the precomputed answers, whose data_model.srj the data-model page reads if present."""
    router = APIRouter(tags=["linked data"])
    model: list[DataModel] = []
    lock = threading.Lock()

    def the_data_model() -> DataModel:
        """Read from the graph on the first visit (one query over every typed resource), then kept:
        the served graph does not change."""
        from graph.linked_data import DATA_MODEL_ANSWER, data_model

        with lock:
            if not model:
                model.append(data_model(served.source, (answers or {}).get(DATA_MODEL_ANSWER)))
            return model[0]

    @router.get("/id/{path:path}", summary="A resource of the graph (HTML, Turtle, JSON-LD, N-Triples, RDF/XML)",
                response_class=Response,
                responses={200: c.answer("The resource's page or its triples", *RDF_TYPES), **NEGOTIATION_ERRORS,
                           404: {**c.answer("An IRI the graph does not know (a page for a browser)", c.TEXT, c.HTML),
                                 # a path no route takes (one with a line break): the app's own 404
                                 **{"content": {**c.content(c.TEXT, c.HTML), **c.content(c.JSON, schema=c.NO_ROUTE)}}}})
    def resource(request: Request, path: str,
                 format: Annotated[str | None, Query(description=FORMAT_HELP, json_schema_extra={"enum": FORMAT_NAMES})] = None) -> Response:
        from graph.linked_data import describe, labels, links, mirrored_iri

        from .linked_pages import PAGE_POLICY, resource_page

        html = _wants_html(request, format)
        try:
            chosen = None if html else _rdf_format(request, format)
            iri = NamedNode(mirrored_iri(path)).value
        except (NotAcceptable, QueryRejected) as error:
            return PlainTextResponse(error.message + "\n", status_code=error.status, headers=HEADERS)
        except ValueError:
            return _not_found(path, html)
        triples = describe(served.source, iri)
        pointing = links(served.source, iri) if html or not triples else []
        if not triples and not pointing:
            return _not_found(path, html)
        if chosen is None:
            shown = {t.object.value for t in triples if isinstance(t.object, NamedNode)}
            page = resource_page(iri, triples, pointing, labels(served.source, shown))
            return HTMLResponse(page, headers={**HEADERS, "Content-Security-Policy": PAGE_POLICY})
        body = serialize(triples, format=RDF_FORMATS[chosen.name], prefixes=_prefixes(triples))
        return Response(body, media_type=chosen.media_type, headers=HEADERS)

    @router.get("/ontology", summary="The data model (HTML) or the ontology (Turtle, JSON-LD…)", response_class=Response,
                responses={200: c.answer("The data-model page or the ontology", *RDF_TYPES), **NEGOTIATION_ERRORS})
    def ontology(request: Request,
                 format: Annotated[str | None, Query(description=FORMAT_HELP, json_schema_extra={"enum": FORMAT_NAMES})] = None) -> Response:
        from .linked_pages import PAGE_POLICY, data_model_page

        if _wants_html(request, format):
            return HTMLResponse(data_model_page(the_data_model()),
                                headers={**HEADERS, "Content-Security-Policy": PAGE_POLICY})
        try:
            chosen = _rdf_format(request, format)
        except (NotAcceptable, QueryRejected) as error:
            return PlainTextResponse(error.message + "\n", status_code=error.status, headers=HEADERS)
        turtle = _ontology_turtle()
        if chosen.name == "turtle":  # the file itself, with its comments
            return Response(turtle, media_type=chosen.media_type, headers=HEADERS)
        triples = list(parse(turtle, RdfFormat.TURTLE))
        return Response(serialize(triples, format=RDF_FORMATS[chosen.name], prefixes=_prefixes(triples)),
                        media_type=chosen.media_type, headers=HEADERS)

    return router


def _not_found(path: str, html: bool) -> Response:
    from graph.linked_data import mirrored_iri

    from .linked_pages import PAGE_POLICY

    iri = mirrored_iri(path)
    if not html:
        return PlainTextResponse(f"{iri} is not in the graph\n", status_code=404, headers=HEADERS)
    body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found · policykg</title></head>'
            f"<body><h1>404: {escape(iri)} is not in the graph</h1>"
            '<p><a href="/ontology">The data model</a> says which IRIs the graph mints; '
            '<a href="/sparql">the SPARQL page</a> finds them.</p></body></html>')
    return HTMLResponse(body, status_code=404, headers={**HEADERS, "Content-Security-Policy": PAGE_POLICY})


def _prefixes(triples: list[Triple]) -> dict[str, str]:
    """The prefixes the triples use; not pkgid: (`pkgid:city\\/210200` is valid Turtle but unreadable)."""
    from graph.iris import PREFIXES

    used = {term.value for t in triples for term in (t.subject, t.predicate, t.object) if isinstance(term, NamedNode)}
    used |= {t.object.datatype.value for t in triples if isinstance(t.object, Literal)}
    return {prefix: str(ns) for prefix, ns in PREFIXES.items()
            if prefix != "pkgid" and any(value.startswith(str(ns)) for value in used)}


def _ontology_turtle() -> bytes:
    return resources.files("graph").joinpath("ontology.ttl").read_bytes()
