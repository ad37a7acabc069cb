"""Result formats and content negotiation (Accept header or `?format=`), free of web-framework code
so the worker processes can import it cheaply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .errors import NotAcceptable, QueryRejected

# What a query returns: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT, DESCRIBE).
ResultKind = Literal["solutions", "boolean", "triples"]
QUERY_FORM_KINDS: dict[str, ResultKind] = {
    "SELECT": "solutions",
    "ASK": "boolean",
    "CONSTRUCT": "triples",
    "DESCRIBE": "triples",
}


@dataclass(frozen=True)
class ResultFormat:
    name: str
    media_type: str  # what the response declares
    kinds: tuple[ResultKind, ...]
    accepts: tuple[str, ...]  # media types in an Accept header that select this format
    names: tuple[str, ...]  # values of ?format= that select it

    def __str__(self) -> str:
        return self.name


# In order of preference: the first acceptable one wins when the client has no preference.
FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("json", "application/sparql-results+json", ("solutions", "boolean"),
                 ("application/sparql-results+json", "application/json"), ("json", "srj")),
    ResultFormat("xml", "application/sparql-results+xml", ("solutions", "boolean"),
                 ("application/sparql-results+xml", "application/xml", "text/xml"), ("xml", "srx")),
    ResultFormat("csv", "text/csv; charset=utf-8", ("solutions", "boolean"), ("text/csv",), ("csv",)),
    ResultFormat("tsv", "text/tab-separated-values; charset=utf-8", ("solutions", "boolean"),
                 ("text/tab-separated-values",), ("tsv",)),
    # Turtle is a subset of N3: a client asking for N3 (SPARQLWrapper's N3 sends text/n3 and
    # text/rdf+n3 beside text/turtle) gets Turtle, which its N3 parser reads; it is labelled as Turtle.
    ResultFormat("turtle", "text/turtle; charset=utf-8", ("triples",),
                 ("text/turtle", "application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3",
                  "application/n3"), ("turtle", "ttl", "n3")),
    # application/x-json+ld: the older JSON-LD type SPARQLWrapper and some other clients still send.
    ResultFormat("jsonld", "application/ld+json", ("triples",),
                 ("application/ld+json", "application/x-json+ld", "application/json"), ("jsonld", "json-ld", "json")),
    ResultFormat("ntriples", "application/n-triples", ("triples",),
                 ("application/n-triples", "text/plain"), ("ntriples", "n-triples", "nt")),
    ResultFormat("rdfxml", "application/rdf+xml", ("triples",),
                 ("application/rdf+xml", "application/xml", "text/xml"), ("rdfxml", "rdf", "rdf+xml", "xml")),
)
BY_NAME = {f.name: f for f in FORMATS}


def default_format(kind: ResultKind) -> ResultFormat:
    return next(f for f in FORMATS if kind in f.kinds)


def parse_accept(accept: str | None) -> list[tuple[str, float]]:
    """`text/csv;q=0.5, */*` → [("text/csv", 0.5), ("*/*", 1.0)]; no header means anything goes."""
    if not accept or not accept.strip():
        return [("*/*", 1.0)]
    ranges = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media:
            ranges.append((media.lower(), q))
    return ranges


def quality(accept: list[tuple[str, float]], media_type: str, aliases: tuple[str, ...] = ()) -> float:
    """The q the client gives `media_type`: from the most specific matching range (exact, type/*,
    */*). An alias (application/json for SPARQL JSON) counts only when named exactly: a wildcard
    must match the type the response will declare."""
    kind = media_type.split("/")[0]
    best, best_specificity = 0.0, -1
    for media, q in accept:
        if media == media_type or media in aliases:
            specificity = 2
        elif media == f"{kind}/*":
            specificity = 1
        elif media == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best, best_specificity = q, specificity
    return best


def negotiate(kind: ResultKind, accept: str | None, format_name: str | None = None) -> ResultFormat:
    """The format to answer a query of `kind` in; `?format=` (for browsers) overrides Accept."""
    candidates = [f for f in FORMATS if kind in f.kinds]
    if format_name and "/" in format_name:
        # Media types in ?format= (SPARQLWrapper repeats its Accept list there, e.g.
        # format=application/ld+json,application/x-json+ld): negotiated like an Accept header.
        accept, format_name = format_name, None
    if format_name:
        wanted = format_name.strip().lower()
        for candidate in candidates:
            if wanted in candidate.names or wanted in candidate.accepts:
                return candidate
        offered = ", ".join(c.name for c in candidates)
        raise QueryRejected(f"format={format_name!r} does not apply to {kind} results; use one of: {offered}")
    ranges = parse_accept(accept)
    scored = [(quality(ranges, c.accepts[0], c.accepts[1:]), -i, c) for i, c in enumerate(candidates)]
    q, _, chosen = max(scored, key=lambda s: s[:2])
    if q <= 0:
        offered = ", ".join(c.accepts[0] for c in candidates)
        raise NotAcceptable(f"cannot answer {kind} results in {accept!r}; available: {offered}")
    return chosen
