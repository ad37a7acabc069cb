"""Answers written once in their final format and cut at the row cap (api/sparql/results.py):
the row count read from each format's text must match what a parser of that format finds,
whatever the literals hold (line breaks, quotes, braces, the text of a tag)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from pyoxigraph import QueryResultsFormat, RdfFormat, Store, parse, parse_query_results

from api.sparql.results import FIRST_CHECK_BYTES, Capped, Enough, count_rows, row_bound, write_lines, write_solutions

FORMATS = ("json", "xml", "csv", "tsv")
TRICKY = r'''"a\nb" "say \"hi\"" "{\"x\":{}},{" "}},{\"s\":{" "<result>" "x\r\ny" "back\\slash\\" "tab\tcomma," 1 2.5'''
QUERIES = [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 7",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 0",
    "SELECT * {}",  # one solution with no variable
    f"SELECT ?x WHERE {{ VALUES ?x {{ {TRICKY} }} }}",
    f"SELECT ?x ?y WHERE {{ VALUES ?x {{ {TRICKY} }} VALUES ?y {{ {TRICKY} }} }}",
    "SELECT * WHERE { VALUES (?a ?b) { (1 UNDEF) (UNDEF 2) (UNDEF UNDEF) } }",
]


@pytest.fixture(scope="module")
def store() -> Store:
    store = Store()
    triples = "".join(
        f'<http://a/s{i}> <http://a/p> "line {i}\\nwith \\"quotes\\" and {{braces}}, <result>"@zh .\n'
        for i in range(3000)
    )
    store.bulk_load(triples.encode(), format=RdfFormat.N_TRIPLES)
    return store


def parsed_rows(body: bytes, format_name: str) -> int:
    """Rows as an independent parser of each format reads them."""
    if format_name == "json":
        return len(json.loads(body)["results"]["bindings"])
    if format_name == "xml":
        return len(ET.fromstring(body).findall(".//{http://www.w3.org/2005/sparql-results#}result"))
    if format_name == "csv":
        return len(list(csv.reader(io.StringIO(body.decode(), newline="")))) - 1
    return len(list(parse_query_results(body, format=QueryResultsFormat.TSV)))


@pytest.mark.parametrize("query", QUERIES)
def test_rows_are_counted_as_a_parser_reads_them(store: Store, query: str) -> None:
    total = parsed_rows(store.query(query).serialize(format=QueryResultsFormat.JSON), "json")
    for format_name in FORMATS:
        body = store.query(query).serialize(format=getattr(QueryResultsFormat, format_name.upper()))
        assert count_rows(body, format_name) == total, format_name


@pytest.mark.parametrize("query", QUERIES)
def test_the_quick_row_bound_never_counts_fewer_rows_than_there_are(store: Store, query: str) -> None:
    """The one-pass bound decides that an answer is under the cap without an exact count: it may
    count too many (a literal holding `},{` or a line break), never too few; and Oxigraph's JSON is
    the compact kind the tight bound reads."""
    for format_name in FORMATS:
        body = store.query(query).serialize(format=getattr(QueryResultsFormat, format_name.upper()))
        assert row_bound(body, format_name) >= count_rows(body, format_name), format_name
        # every start of the document too, as the writer hands it over in pieces
        for end in range(0, len(body), max(1, len(body) // 50)):
            assert row_bound(body[:end], format_name) >= count_rows(body[:end], format_name), (format_name, end)
    json_body = store.query(query).serialize(format=QueryResultsFormat.JSON)
    assert json_body.startswith(b'{"head":{"vars":[')


def test_the_bound_is_tight_on_plain_json(store: Store) -> None:
    body = store.query("SELECT ?s WHERE { ?s ?p ?o }").serialize(format=QueryResultsFormat.JSON)
    assert row_bound(body, "json") == count_rows(body, "json") == 3000


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("format_name", FORMATS)
def test_answers_under_the_cap_are_sent_as_written_and_longer_ones_cut(
    store: Store, query: str, format_name: str
) -> None:
    written = store.query(query).serialize(format=getattr(QueryResultsFormat, format_name.upper()))
    total = parsed_rows(written, format_name)
    for cap in (0, 1, 2, 5, 2999, 100_000):
        body, truncated = write_solutions(store.query(query), format_name, cap)
        assert truncated == (total > cap), cap
        assert parsed_rows(body, format_name) == min(cap, total), cap
        if not truncated:
            assert body == written, cap  # as Oxigraph wrote it, not rewritten


def test_a_long_answer_is_stopped_early(store: Store) -> None:
    """Past the cap the serializer is stopped, not run to the end: the work is bounded by the cap."""
    body, truncated = write_solutions(store.query("SELECT * WHERE { ?s ?p ?o }"), "json", 10)
    assert truncated and parsed_rows(body, "json") == 10
    assert len(body) < 4_000
    cross = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"  # 9 million rows, about 2 GB of TSV
    body, truncated = write_solutions(store.query(cross), "tsv", 100)
    assert truncated and parsed_rows(body, "tsv") == 100
    target = Capped("tsv", 100)
    with pytest.raises(Enough):
        store.query(cross).serialize(target, format=QueryResultsFormat.TSV)
    assert len(target.buffer) < 4 * FIRST_CHECK_BYTES


@pytest.mark.parametrize("cap", [0, 1, 5, 2999, 3000, 100_000])
def test_constructed_triples_are_cut_by_lines(store: Store, cap: int) -> None:
    """N-Triples writes one triple a line (a line break in a literal is escaped), so an answer is
    cut by counting lines; the triples kept are whole and the first ones written."""
    construct = "CONSTRUCT WHERE { ?s ?p ?o }"
    written = store.query(construct).serialize(format=RdfFormat.N_TRIPLES)
    body, truncated = write_lines(store.query(construct), RdfFormat.N_TRIPLES, cap)
    kept = list(parse(body, format=RdfFormat.N_TRIPLES))
    assert len(kept) == min(cap, 3000) and truncated == (cap < 3000)
    assert written.startswith(body)
    assert all("\n" in quad.object.value for quad in kept)  # the literals' own line breaks survived
