"""SPARQL results written once, in the format the client asked for, and cut at the row cap.

A serializer (Oxigraph's, in a worker; a remote store's HTTP answer, in remote mode) writes into a
`Capped` target, which counts the rows of the document so far in that format's own syntax and
stops the writer as soon as it holds more than `max_rows`. An answer under the cap, nearly every
answer, goes out as it was written: no second format, no parsing. Only an answer over the cap is
read back, its first `max_rows` solutions kept and written again (`truncate`).

Counting rows in a format is exact because of how each format escapes its text:

- TSV: one line a solution; a newline inside a literal is written `\\n`.
- CSV: one line a solution; a field holding a line break or a `"` is quoted, a `"` in it doubled,
  so the line breaks outside quotes are the row ends.
- XML: one `<result>` element a solution; `<` in text and attributes is written `&lt;`.
- JSON: with the escaped `\\\\` and `\\"` removed, every remaining `"` opens or closes a string;
  outside strings, every `{` is the top object, a member's value (`:{`, as `head`, `results` and
  each term are) or an element of `bindings`, i.e. a solution.

Imported by the worker processes: pyoxigraph and the standard library only.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from itertools import islice

from pyoxigraph import (
    QueryResultsFormat,
    QuerySolution,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Variable,
    parse_query_results,
)

RESULTS_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
FIRST_CHECK_BYTES = 1 << 16  # below this, rows are counted once, when the writer is done
# The fewest bytes a solution takes in each format (JSON `{},`, XML `<result></result>`, a line
# break): a document shorter than this times the cap cannot hold more rows, and is not counted.
MIN_ROW_BYTES = {"json": 3, "xml": 17, "csv": 1, "tsv": 1}
_WHITESPACE = b" \t\r\n"


def count_rows(body: bytes | bytearray, format_name: str) -> int:
    """Solutions begun in `body`, a SPARQL results document (or the start of one) in that format.

    For TSV and CSV, whose rows have no opening mark, the rows ended; plus a last row without a
    line break, which a complete document may have."""
    if format_name == "xml":
        return body.count(b"<result>")
    if format_name == "json":
        unescaped = bytes(body).replace(b"\\\\", b"").replace(b'\\"', b"")
        structure = b"".join(unescaped.split(b'"')[::2]).translate(None, _WHITESPACE)
        return max(0, structure.count(b"{") - structure.count(b":{") - 1)
    if format_name == "csv":
        lines = sum(part.count(b"\n") for part in bytes(body).split(b'"')[::2])
    else:
        lines = body.count(b"\n")
    unterminated = bool(body) and not body.endswith(b"\n")
    return max(0, lines - 1 + unterminated)


# Oxigraph writes JSON results without whitespace; a document that opens so was written by it.
_COMPACT_JSON_START = b'{"head":{"vars":['


def row_bound(body: bytes | bytearray, format_name: str) -> int:
    """At least the number of solutions begun in `body`, read in one pass with no copy: enough to
    know that most documents are under the cap without counting their rows exactly.

    JSON written compactly: solutions are separated by `},{`, which no other part of the structure
    writes (terms of a solution follow each other as `},"`), though a string may hold it too: more
    separators than solutions is still a bound. Otherwise every solution holds a `{`. CSV: every
    row ends in a line break, and a quoted field may add more."""
    if format_name == "json":
        if body.startswith(_COMPACT_JSON_START):
            return body.count(b"},{") + 1
        return body.count(b"{")
    if format_name == "csv":
        return body.count(b"\n") + 1
    return count_rows(body, format_name)  # XML and TSV: one count of a marker already


def over_cap(body: bytes | bytearray, format_name: str, max_rows: int) -> bool:
    return row_bound(body, format_name) > max_rows and count_rows(body, format_name) > max_rows


class Enough(Exception):
    """Raised into a serializer to stop it: the document holds more rows than the cap."""


class Capped:
    """A binary write target for a results serializer that stops it past `max_rows` solutions.

    Rows are counted once the document is long enough to hold more than `max_rows` of them (and at
    least 64 kB), then each time it doubles (linear time overall); a shorter document is not
    counted at all, and one that ends between two counts is counted once, by `finish`.
    """

    def __init__(self, format_name: str, max_rows: int) -> None:
        self.format_name = format_name
        self.max_rows = max_rows
        self.buffer = bytearray()
        self.room = MIN_ROW_BYTES[format_name] * max_rows  # up to this size, rows need no counting
        self.next_check = max(FIRST_CHECK_BYTES, self.room)

    def write(self, chunk: bytes) -> int:
        self.buffer += chunk
        if len(self.buffer) >= self.next_check:
            self.next_check = 2 * len(self.buffer)
            if over_cap(self.buffer, self.format_name, self.max_rows):
                raise Enough
        return len(chunk)

    def flush(self) -> None:
        pass

    def finish(self, complete: bool) -> tuple[bytes, bool]:
        """The document to send and whether it was cut; `complete`: the writer ended by itself."""
        body = bytes(self.buffer)
        if complete and (len(body) <= self.room or not over_cap(body, self.format_name, self.max_rows)):
            return body, False
        return truncate(body, self.format_name, self.max_rows), True


def write_solutions(solutions: QuerySolutions, format_name: str, max_rows: int) -> tuple[bytes, bool]:
    """`solutions` in that format, at most `max_rows` of them; and whether there were more."""
    target = Capped(format_name, max_rows)
    try:
        solutions.serialize(target, format=RESULTS_FORMATS[format_name])
    except Enough:
        return target.finish(complete=False)
    return target.finish(complete=True)


def write_lines(result: QueryTriples, rdf_format: RdfFormat, max_rows: int) -> tuple[bytes, bool]:
    """Triples in a format of one triple a line (N-Triples: a line break in a literal is written
    `\\n`), at most `max_rows` of them; and whether there were more."""
    target = Capped("tsv", max_rows - 1)  # counted as TSV lines, less the header line it does not have
    try:
        result.serialize(target, format=rdf_format)
    except Enough:
        return bytes(target.buffer[: _line_end(bytes(target.buffer), max_rows, quoted=False)]), True
    body = bytes(target.buffer)
    if body.count(b"\n") + (bool(body) and not body.endswith(b"\n")) <= max_rows:
        return body, False
    return body[: _line_end(body, max_rows, quoted=False)], True


def truncate(body: bytes, format_name: str, max_rows: int) -> bytes:
    """The first `max_rows` solutions of `body` (a document in that format holding more, or the
    start of one: its rows past `max_rows` are never read), as a complete document of that format."""
    if format_name in ("tsv", "csv"):  # the header and `max_rows` lines
        return body[: _line_end(body, max_rows + 1, quoted=format_name == "csv")]
    if format_name == "xml":
        cut = -1
        for _ in range(max_rows + 1):
            cut = body.index(b"<result>", cut + 1)
        return body[:cut] + b"</results></sparql>"
    parsed = parse_query_results(io.BytesIO(body), format=RESULTS_FORMATS[format_name])
    assert isinstance(parsed, QuerySolutions), "a boolean result has no rows to cut"
    tsv = solutions_tsv(parsed.variables, islice(parsed, max_rows))
    kept = parse_query_results(tsv, format=QueryResultsFormat.TSV)
    assert isinstance(kept, QuerySolutions)
    return kept.serialize(format=RESULTS_FORMATS[format_name])


def _line_end(body: bytes, lines: int, quoted: bool) -> int:
    """Where the `lines`-th line of `body` ends (after its line break); with `quoted`, line
    breaks inside double quotes (CSV fields) do not count."""
    position = 0
    for index, part in enumerate(body.split(b'"') if quoted else [body]):
        if index % 2 == 0:
            found = part.count(b"\n")
            if found >= lines:
                end = -1
                for _ in range(lines):
                    end = part.index(b"\n", end + 1)
                return position + end + 1
            lines -= found
        position += len(part) + 1
    return len(body)


def solutions_tsv(variables: list[Variable], solutions: Iterable[QuerySolution]) -> bytes:
    """Solutions as SPARQL TSV, whose terms are written as in N-Triples (`str` of a term)."""
    lines = ["\t".join(str(variable) for variable in variables)]
    for solution in solutions:
        lines.append("\t".join("" if (term := solution[variable]) is None else str(term) for variable in variables))
    return ("\n".join(lines) + "\n").encode()
