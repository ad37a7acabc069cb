"""/sparql's OpenAPI: its parameters, the POST bodies it takes and every answer it can give.

`query` has the format `sparql-query`: the JSON Schema cannot say what a SPARQL query is, so a
contract tester is told which strings are queries (tests/test_contract.py gives schemathesis a
strategy for the format); a string that does not parse is a 400.
"""

from __future__ import annotations

from typing import Any

from .formats import FORMATS
from .service import Endpoint

QUERY_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
               "text/tab-separated-values", "text/turtle", "application/ld+json", "application/n-triples",
               "application/rdf+xml")
FORMAT_NAMES = sorted({name for f in FORMATS for name in f.names})
FORMAT_VALUES = ["", *FORMAT_NAMES, *sorted({media for f in FORMATS for media in f.accepts})]  # empty: by Accept
# what `format=` may be: a name, or media types (formats.negotiate takes both, the latter as SPARQLWrapper
# sends them: a list read like an Accept header)
KNOWN_FORMATS = frozenset(FORMAT_NAMES) | {media for f in FORMATS for media in f.accepts} | {"*/*"}


def known_format(format: str) -> bool:
    """Whether `format=` names a format this endpoint has (blank: none asked, the Accept header decides)."""
    value = format.strip().lower()
    if "/" in value:
        return any(part.split(";")[0].strip() in KNOWN_FORMATS for part in value.split(","))
    return not value or value in KNOWN_FORMATS
TEXT = {"text/plain": {"schema": {"type": "string"}}}
QUERY_SCHEMA = {"type": "string", "format": "sparql-query", "minLength": 1}
QUERY_PARAMETER = {
    "name": "query", "in": "query", "required": False, "schema": QUERY_SCHEMA,
    "description": "A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE). Without it: the query page for a "
                   "browser, else the service description.",
    "example": "SELECT ?name WHERE { ?city a <https://schema.org/City> ; <https://schema.org/name> ?name }",
}
FORMAT_PARAMETER = {
    "name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": FORMAT_VALUES},
    "description": "json, xml, csv, tsv (SELECT, ASK); turtle, jsonld, ntriples, rdfxml (CONSTRUCT, DESCRIBE); "
                   "also media types, read as an Accept header. Overrides the Accept header (empty: does not); one "
                   "that does not apply to the query's results is a 400.",
}
DATASET_PARAMETERS = [
    {"name": name, "in": "query", "required": False, "schema": {"type": "array", "items": {"type": "string"}},
     "style": "form", "explode": True,
     "description": "The protocol's dataset: only the default graph is served, so any other IRI is a 403."}
    for name in ("default-graph-uri", "named-graph-uri")
]


def post_body() -> dict[str, Any]:
    query = QUERY_SCHEMA  # a longer query than the endpoint takes is a 413 (not a malformed request)
    return {
        "required": True,
        "content": {
            "application/sparql-query": {"schema": query},
            "application/x-www-form-urlencoded": {"schema": {
                "type": "object",
                "required": ["query"],
                "properties": {"query": query, "format": {"type": "string", "enum": FORMAT_VALUES}},
            }},
        },
    }


def sparql_responses(service: Endpoint, method: str) -> dict[int | str, dict[str, Any]]:
    """Every status /sparql answers `method` with; errors are text/plain, naming the problem."""
    ok = {t: {} for t in QUERY_TYPES} | {"text/html": {}}
    answers: dict[int | str, dict[str, Any]] = {
        200: {"description": "The results (SPARQL JSON, XML, CSV, TSV) or triples (Turtle, JSON-LD, N-Triples, "
                             "RDF/XML); without a query, the query page (HTML) or the service description",
              "content": ok},
        400: {"description": "A query that does not parse, several queries, a format that does not apply"
                             + (", or no query at all" if method == "POST" else ""), "content": TEXT},
        403: {"description": "An update, SERVICE, or a graph other than the default one", "content": TEXT},
        406: {"description": "No format the Accept header takes gives this query's results", "content": TEXT},
        429: {"description": "This client has too many heavy queries queued or running", "content": TEXT},
        503: {"description": "Every worker stayed busy for too long; try again (Retry-After)", "content": TEXT},
        504: {"description": f"The query ran longer than {service.timeout_s:g} s", "content": TEXT},
    }
    if method == "GET":
        answers[414] = {"description": f"A query longer than {service.max_query_chars} characters", "content": TEXT}
    else:
        answers[413] = {"description": f"A query longer than {service.max_query_chars} characters", "content": TEXT}
        answers[415] = {"description": "A body that is neither application/sparql-query nor a form", "content": TEXT}
    return dict(sorted(answers.items(), key=lambda item: str(item[0])))
