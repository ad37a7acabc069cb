"""Query results as rows of plain Python values, and rows as CSV.

`select(source, "compare", typeId=Literal("innovation_voucher"))` runs graph/queries/compare.rq
with that parameter bound and returns one dict per solution: IRIs as strings, numbers as int or
float, booleans as bool, dates and other literals as their lexical form, unbound as None.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from pyoxigraph import Literal, NamedNode, QuerySolutions

from .questions import Term, question
from .source import GraphSource

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {XSD + t for t in ("integer", "int", "long", "nonNegativeInteger", "positiveInteger", "short")}
_FLOATS = {XSD + t for t in ("decimal", "double", "float")}

CSV_BOM = "\ufeff"  # Excel reads UTF-8 CSV as UTF-8 only with it


def python_value(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, Literal):
        datatype = term.datatype.value
        if datatype in _INTEGERS:
            return int(term.value)
        if datatype in _FLOATS:
            return float(term.value)
        if datatype == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    if isinstance(term, NamedNode):
        return term.value
    return str(term)


def select(source: GraphSource, name: str, **parameters: Term | None) -> list[dict[str, Any]]:
    """The solutions of graph/queries/NAME.rq, with `parameters` bound (see graph/questions.py)."""
    solutions = source.query(question(name).bind(**parameters))
    if not isinstance(solutions, QuerySolutions):
        raise TypeError(f"{name}.rq is not a SELECT query")
    names = [v.value for v in solutions.variables]
    return [{n: python_value(solution[n]) for n in names} for solution in solutions]


def split(value: str | None) -> list[str]:
    """A GROUP_CONCAT(…; separator="\\n") as a sorted list (the order of GROUP_CONCAT is not defined),
    without the empty strings a query concatenates where it has nothing."""
    return sorted(v for v in value.split("\n") if v) if value else []


def cell(value: Any) -> Any:
    """A CSV cell: lists joined by "; ", dicts as JSON, None as empty."""
    if isinstance(value, list | tuple | set):
        return "; ".join(str(cell(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value


def rows_to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """CSV text with a header; `columns` default to every key of the rows, in first-seen order."""
    columns = list(columns or dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: cell(row.get(k)) for k in columns} for row in rows)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> bytes:
    """What a `?format=csv` answer sends: the CSV with a byte-order mark."""
    return (CSV_BOM + rows_to_csv(rows, columns)).encode("utf-8")


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
