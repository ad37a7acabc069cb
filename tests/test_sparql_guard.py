"""The SPARQL endpoint's safety guard and content negotiation, without any server or worker."""

from __future__ import annotations

import random

import pytest
from pyoxigraph import NamedNode, Quad, Store

from api.sparql.errors import NotAcceptable, QueryRejected, QueryTooLarge
from api.sparql.formats import negotiate
from api.sparql.guard import check_query, tokenize

LIMIT = 20_000
# Port 9 (discard) is refused by Oxigraph's HTTP client before any connection is attempted, so a
# SERVICE call to it proves the engine *would* fetch without ever touching the network.
TRAP = "http://127.0.0.1:9/"


def check(query: str, **options: object) -> object:
    return check_query(query, max_chars=LIMIT, **options)  # type: ignore[arg-type]


def rejected(query: str) -> QueryRejected:
    with pytest.raises(QueryRejected) as caught:
        check(query)
    return caught.value


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <http://a/s> <http://a/p> 1 }",
        "PREFIX ex: <http://a/> DELETE WHERE { ?s ex:p ?o }",
        "delete data { <http://a/s> <http://a/p> 1 }",
        "LOAD <http://example.org/data.ttl>",
        "CLEAR ALL",
        "CREATE GRAPH <http://a/g>",
        "DROP DEFAULT",
        "COPY DEFAULT TO <http://a/g>",
        "MOVE DEFAULT TO <http://a/g>",
        "ADD DEFAULT TO <http://a/g>",
        "WITH <http://a/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "SELECT * WHERE { ?s ?p ?o } ; INSERT DATA { <http://a/s> <http://a/p> 1 }",
    ],
)
def test_updates_are_forbidden(query: str) -> None:
    error = rejected(query)
    assert error.status == 403
    assert "read-only" in error.message


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT * WHERE {{ SERVICE <{TRAP}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ service silent <{TRAP}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE<{TRAP}>{{?s ?p ?o}} }}",
        "SELECT * WHERE { ?s ?p ?o SERVICE ?endpoint { ?a ?b ?c } }",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{TRAP}> {{ ?a ?b ?c }} }} }}",
    ],
)
def test_service_is_forbidden(query: str) -> None:
    error = rejected(query)
    assert error.status == 403
    assert "SERVICE" in error.message


# Spellings a PEG parser reads as SERVICE although a naive tokenizer sees another word.
GLUED_SERVICE = [
    "SERVICEex: { ?a ?b ?c }",
    "?s ?p ?o.SERVICE ex: { ?a ?b ?c }",
    "?s ?p ?o FILTER(1)SERVICE ex:{ ?a ?b ?c }",
    "?s ?p ?o OPTIONAL{}SERVICE ex:{ ?a ?b ?c }",
    "?s ?p ?o BIND(1 AS ?z)SERVICE ex:{ ?a ?b ?c }",
    "?s ?p ?o .#comment\nSERVICE ex:{ ?a ?b ?c }",
    "?s ?p ?o SERVICE service: { ?a ?b ?c }",
    "?s ?p 1.SERVICE ex: { ?a ?b ?c }",
    "?s ?p 1SERVICE ex: { ?a ?b ?c }",
    "?s ?p ex:a\\#b SERVICE ex: { ?a ?b ?c }",  # `\#` is part of the name, not a comment
]


@pytest.mark.parametrize("body", GLUED_SERVICE)
def test_glued_service_spellings_are_caught(body: str) -> None:
    query = f"PREFIX ex: <{TRAP}> PREFIX service: <{TRAP}> SELECT * WHERE {{ {body} }}"
    assert rejected(query).status == 403


def fetches(store: Store, query: str) -> bool:
    """Whether evaluating `query` makes the engine call a remote endpoint (and fail on the trap)."""
    try:
        list(store.query(query))  # type: ignore[arg-type]
    except OSError:
        return True
    except (SyntaxError, RuntimeError):
        pass
    return False


def test_the_guard_catches_what_oxigraph_would_really_fetch() -> None:
    """Ground truth from the engine: the spellings Oxigraph really sends to a remote endpoint are
    among those the guard refuses."""
    store = Store()
    store.add(Quad(NamedNode("http://a/s"), NamedNode("http://a/p"), NamedNode("http://a/o")))
    if not fetches(store, f"SELECT * WHERE {{ SERVICE <{TRAP}> {{ ?s ?p ?o }} }}"):
        pytest.skip("this pyoxigraph build has no HTTP client for SERVICE")
    prologue = f"PREFIX ex: <{TRAP}> PREFIX service: <{TRAP}> "
    fetched = [body for body in GLUED_SERVICE if fetches(store, f"{prologue}SELECT * WHERE {{ {body} }}")]
    assert "SERVICEex: { ?a ?b ?c }" in fetched  # the engine does read a glued keyword
    assert len(fetched) >= 5


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <http://example.org/other> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://example.org/other> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "PREFIX ex: <http://example.org/> SELECT * FROM ex:other WHERE { ?s ?p ?o }",
        "BASE <http://example.org/> SELECT * FROM <other> WHERE { ?s ?p ?o }",
        "PREFIX ex: <http://example.org/> SELECT * FROMex:other WHERE { ?s ?p ?o }",
    ],
)
def test_foreign_graphs_are_forbidden(query: str) -> None:
    error = rejected(query)
    assert error.status == 403
    assert "FROM" in error.message


def test_from_a_local_graph_is_allowed() -> None:
    local = frozenset({"http://example.org/mine"})
    query = "PREFIX ex: <http://example.org/> SELECT * FROM ex:mine FROM NAMED <http://example.org/mine> { ?s ?p ?o }"
    info = check_query(query, max_chars=LIMIT, local_graphs=local)
    assert info.dataset == ("http://example.org/mine", "http://example.org/mine")


def test_keywords_inside_strings_iris_and_comments_do_not_trip_the_guard() -> None:
    query = '''PREFIX schema: <https://schema.org/>
    # INSERT DATA, SERVICE <http://evil/>, FROM <http://evil/>, DROP ALL
    SELECT ?s ?from ?service WHERE {
      ?s a schema:Service ;                      # a local name is never a keyword
         <http://example.org/SERVICE/load#drop> "INSERT DATA { SERVICE <x> {} } FROM <y>" ;
         <http://example.org/p> 'DELETE \\' SERVICE' , """CLEAR "" LOAD
             SERVICE""" , """a "quoted" DROP""" ;
         <http://example.org/q> "x"@en-add .
      ?s <http://example.org/from> ?from .
      OPTIONAL { ?s <http://example.org/service> ?service }
    }'''
    info = check(query)
    assert info.form == "SELECT"  # type: ignore[attr-defined]
    assert info.prefixes == {"schema": "https://schema.org/"}  # type: ignore[attr-defined]


def test_tokenizer_keeps_strings_iris_and_prefixed_names_whole() -> None:
    tokens = tokenize(r'SELECT ?x WHERE { ?x ex:load "SERVICE" . ?x <http://a/#b> 1.5 ; ex:a\#b ?y } # FROM')
    kinds = [(t.kind, t.text) for t in tokens]
    assert ("name", "ex:load") in kinds
    assert ("name", r"ex:a\#b") in kinds
    assert ("string", '"SERVICE"') in kinds
    assert ("iri", "<http://a/#b>") in kinds
    assert all("FROM" not in text for _, text in kinds)


def test_less_than_is_not_taken_for_an_iri() -> None:
    query = "SELECT * WHERE { ?a ?b ?c FILTER(?c<?c) SERVICE <http://x/> {} }"
    assert rejected(query).status == 403


def test_query_form_and_prefixes() -> None:
    info = check("BASE <http://a/> PREFIX ex: <ns#> PREFIX : <http://b/> CONSTRUCT WHERE { ?s ex:p ?o }")
    assert info.form == "CONSTRUCT"  # type: ignore[attr-defined]
    assert info.prefixes == {"ex": "http://a/ns#", "": "http://b/"}  # type: ignore[attr-defined]
    assert check("ask { ?s ?p ?o }").form == "ASK"  # type: ignore[attr-defined]
    assert check("nonsense here").form is None  # type: ignore[attr-defined]  # the parser will say why


def test_length_cap_and_empty_query() -> None:
    with pytest.raises(QueryTooLarge):
        check_query("SELECT * WHERE { ?s ?p ?o }" + " " * 100, max_chars=50)
    with pytest.raises(QueryRejected):
        check("  \n ")


@pytest.mark.parametrize(
    ("kind", "accept", "expected"),
    [
        ("solutions", None, "json"),
        ("solutions", "*/*", "json"),
        ("solutions", "application/sparql-results+xml", "xml"),
        ("solutions", "text/csv", "csv"),
        ("solutions", "text/tab-separated-values", "tsv"),
        ("solutions", "text/csv;q=0.5, application/sparql-results+json;q=0.9", "json"),
        ("solutions", "application/sparql-results+json,application/json,text/javascript", "json"),
        ("solutions", "text/*", "csv"),
        ("boolean", "application/sparql-results+xml", "xml"),
        ("triples", None, "turtle"),
        ("triples", "application/ld+json", "jsonld"),
        ("triples", "application/n-triples", "ntriples"),
        ("triples", "application/rdf+xml", "rdfxml"),
        ("triples", "application/sparql-results+json, text/turtle;q=0.9", "turtle"),
    ],
)
def test_negotiation(kind: str, accept: str | None, expected: str) -> None:
    assert negotiate(kind, accept).name == expected  # type: ignore[arg-type]


def test_format_parameter_overrides_accept() -> None:
    assert negotiate("solutions", "application/sparql-results+json", "csv").name == "csv"
    assert negotiate("triples", None, "json").name == "jsonld"
    with pytest.raises(QueryRejected):
        negotiate("triples", None, "csv")
    with pytest.raises(NotAcceptable):
        negotiate("solutions", "image/png")


def test_escaped_quotes_do_not_end_a_string() -> None:
    check(r'SELECT * WHERE { ?s ?p "a \" SERVICE <http://x/> {} \"" }')


# Pieces of valid queries that might hide what follows from a tokenizer (comments, strings, IRIs,
# escapes), and glue put right before the SERVICE keyword.
DISGUISES = [
    ", ex:a",
    ", ex:a\\#b",
    ", ex:a\\#",
    ', "s"',
    ", 's'",
    ', """l"""',
    ", '''l'''",
    ", <http://a/#x>",
    ", 1",
    ", 1.5",
    ", ?v",
    ", _:b",
    ', "x"@en',
    ', "1"^^ex:t',
    " .",
    " ; ex:p ?q",
    " FILTER(1)",
    " OPTIONAL{}",
    " BIND(1 AS ?z)",
    " # c\n",
    "\n",
    ' FILTER("#")',
    " FILTER(?o<?o)",
    ' FILTER(?o != "a\\"b")',
    " BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b)",  # `<?b)` and what follows may look like an IRI
    " FILTER(?o<ex:a)",
]
GLUE = ["#", "\\", '"', "'", "<", ">", "\\#", ".", "1", "a", "ex:", "\n", "#>\n", ")"]
SERVICES = ["SERVICE ex: { ?a ?b ?c }", f"SERVICE<{TRAP}>{{?a ?b ?c}}", "service ex:{?a ?b ?c}", "SERVICEex:{?a ?b ?c}"]


def random_query(rng: random.Random) -> str:
    def glue() -> str:
        return rng.choice(GLUE) if rng.random() < 0.3 else rng.choice(["", " "])

    before = "".join(rng.choice(DISGUISES) for _ in range(rng.randint(0, 3)))
    after = "".join(rng.choice(DISGUISES) for _ in range(rng.randint(0, 2)))
    # In OPTIONALs, so that the engine evaluates the SERVICE whether or not the patterns match.
    return (
        f"PREFIX ex: <{TRAP}> SELECT * WHERE {{ OPTIONAL {{ ?s ?p ?o{before} }}{glue()}{glue()}"
        f"{rng.choice(SERVICES)} OPTIONAL {{ ?s ?p ?o{after} }} }}"
    )


def test_random_disguises_never_get_a_service_past_the_guard() -> None:
    """Differential check against the engine: every generated query that Oxigraph really sends to
    the remote endpoint must be refused. (This generator finds the `ex:a\\#b` comment confusion in
    a tokenizer that does not know escapes.)"""
    store = Store()
    store.add(Quad(NamedNode("http://a/s"), NamedNode("http://a/p"), NamedNode("http://a/o")))
    if not fetches(store, f"SELECT * WHERE {{ SERVICE <{TRAP}> {{ ?s ?p ?o }} }}"):
        pytest.skip("this pyoxigraph build has no HTTP client for SERVICE")
    rng = random.Random(20240607)
    fetched = [query for query in (random_query(rng) for _ in range(3000)) if fetches(store, query)]
    assert len(fetched) > 1000
    missed = []
    for query in fetched:
        try:
            check(query)
            missed.append(query)
        except QueryRejected:
            pass
    assert not missed, missed[:3]
