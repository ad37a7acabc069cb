"""The OpenAPI `responses` of the routes: what each answers, with the schemas of its error bodies.

The routes declare them with `responses=...` (FastAPI merges them into /openapi.json), so that a
contract tester (schemathesis, tests/test_contract.py) can hold every answer to its declaration:
each status a route can send, each content type, and the shape of each JSON error body.
"""

from __future__ import annotations

from typing import Any

JSON, CSV, HTML = "application/json", "text/csv", "text/html"
TEXT = "text/plain"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPARQL_RESULTS = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                  "text/tab-separated-values")
RDF = ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")

# {"detail": {...}}: an HTTPException's body
BAD_PARAMETER = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "description": "what is wrong, naming the parameter"},
            "parameter": {"type": "string", "description": "the parameter at fault"},
            "allowed": {"description": "what it accepts: the parameters, a type, or the values",
                        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        },
    }},
}
NOT_FOUND = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {
        "type": "object",
        "required": ["error", "kind", "not_found", "did_you_mean"],
        "properties": {
            "error": {"type": "string"},
            "kind": {"type": "string", "description": "city, agency, policy, document, instrument type…"},
            "not_found": {"type": "string", "description": "the name asked for"},
            "did_you_mean": {"type": "array", "items": {"type": "string"}, "description": "the nearest names held"},
        },
    }},
}
# /map and /timeline: a flat object
VIEW_BAD_REQUEST = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "allowed": {"type": "array", "items": {"type": "string"}},
        "example": {"type": "string"},
    },
}
# FastAPI's own answer to a parameter of the wrong form (pattern, integer)
VALIDATION = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "array"}}}
# the app's own 404 for a path no route takes: {"detail": "Not Found"}
NO_ROUTE = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
ANY: dict[str, Any] = {}
NOSNIFF = {"X-Content-Type-Options": {"description": "nosniff, on every answer", "schema": {"type": "string"}}}


def content(*types: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {t: {"schema": schema} if schema is not None else {} for t in types}


def answer(description: str, *types: str, schema: dict[str, Any] | None = None,
           headers: dict[str, Any] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"description": description}
    if types:
        found["content"] = content(*types, schema=schema)
    if headers:
        found["headers"] = headers
    return found


def bad_parameter(description: str = "An unknown parameter or a malformed value: {detail: {error, parameter, "
                  "allowed}}") -> dict[str, Any]:
    return answer(description, JSON, schema=BAD_PARAMETER)


def not_found(description: str, *types: str) -> dict[str, Any]:
    """A 404: JSON {detail: {error, kind, not_found, did_you_mean}}, and/or a page naming the nearest."""
    found = answer(description, JSON, schema=NOT_FOUND) if JSON in types or not types else answer(description)
    for t in types:
        if t != JSON:
            found.setdefault("content", {})[t] = {}
    return found


def validation(description: str = "A parameter of the wrong form (FastAPI's validation error)") -> dict[str, Any]:
    return answer(description, JSON, schema=VALIDATION)
