"""What the analyst's lists share over HTTP: the tables they filter (read once from the precomputed
answers), the format a request asks for, the `next` link, the HTML table page with its links, and
the OpenAPI description of each list's parameters. The filtering itself is graph/listing.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache, cached_property
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request

from graph.compare import COMPARE_CSV_COLUMNS, CompareResult, csv_row
from graph.facts import policy_id
from graph.listing import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, PAGING, Asked, Listing, Page, listings
from viz.table import FormField, TablePage, render_table

from . import contract

LISTS = listings()
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CITY_COLUMNS = ["city", "policies", "measures", "instruments", "targets", "instrument_types"]
POLICY_COLUMNS = [
    "id", "city", "title", "doc_number", "issuer", "date", "date_kind", "year", "status", "measures",
    "instruments", "targets", "doc",
]
AGENCY_COLUMNS = ["city", "name", "aliases", "lead_count", "responsible_count", "measures_led", "measures_responsible"]
TARGET_COLUMNS = [
    "city", "kind", "indicator", "value", "value_min", "unit", "year", "policy", "policy_title", "measure", "quote",
    "doc", "start", "end", "source",
]
COMPARE_COLUMNS = COMPARE_CSV_COLUMNS
SEARCH_COLUMNS = COMPARE_CSV_COLUMNS  # /search lists the rows of the table it answers with
# the columns an HTML page shows (all are in JSON and CSV)
_SHOWN = {
    "/compare": [
        "city", "amount_yuan", "terms", "level", "recipient", "lead_agencies", "responsible_agencies",
        "policy_title", "date", "date_kind", "quote", "note",
    ],
}


class Tables:
    """The rows of the precomputed answers, parsed once (the graph does not change while served)."""

    def __init__(self, precomputed: dict[str, bytes]) -> None:
        self.precomputed = precomputed

    @cache  # noqa: B019  (one Tables per app, kept as long as it)
    def rows(self, name: str) -> list[dict[str, Any]]:
        return json.loads(self.precomputed[f"{name}.json"])

    @cache  # noqa: B019
    def compare(self, type_id: str) -> CompareResult:
        return CompareResult.from_dict(json.loads(self.precomputed[f"compare/{type_id}.json"]))

    @cache  # noqa: B019
    def compare_rows(self, type_id: str) -> list[dict[str, Any]]:
        return self.compare(type_id).rows()

    @cache  # noqa: B019
    def all_instruments(self) -> list[dict[str, Any]]:
        """Every instrument of every type, by type then as /compare orders them."""
        names = sorted(k for k in self.precomputed if k.startswith("compare/") and k.endswith(".json"))
        return [r for n in names for r in self.compare_rows(n.removeprefix("compare/").removesuffix(".json")) if r["funds"]]

    def city_names(self) -> list[str]:
        return [r["city"] for r in self.rows("cities")]

    @cached_property
    def _agency_names(self) -> dict[str, set[str]]:
        """Every name an agency goes by (its own and its other names) → the merged names it denotes."""
        names: dict[str, set[str]] = {}
        for row in self.rows("agencies"):
            for name in (row["name"], *row["aliases"]):
                names.setdefault(name, set()).add(row["name"])
        return names

    def agency_names(self) -> list[str]:
        return list(self._agency_names)

    def agency_expansions(self, name: str) -> list[str]:
        return sorted(self._agency_names.get(name, {name}))

    def matrix_columns(self) -> list[str]:
        rows = self.rows("matrix")
        return list(rows[0]) if rows else ["city", "instruments", "types", "largest_amount_yuan"]


def output_format(request: Request, asked: str | None) -> str:
    """`format=` if given; else CSV for `Accept: text/csv`, HTML for a browser, JSON otherwise."""
    if asked is not None:
        return asked
    accept = request.headers.get("accept", "")
    if "text/csv" in accept and "application/json" not in accept:
        return "csv"
    if "text/html" in accept:
        return "html"
    return "json"


def next_url(request: Request, page: Page) -> str | None:
    offset = page.next_offset
    return None if offset is None else str(request.url.include_query_params(offset=offset))


def shape_csv(path: str, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as CSV cells: /compare and /search rows as the precomputed /compare CSV writes them."""
    return [csv_row(r) if "funds" in r else r for r in rows] if path in ("/compare", "/search") else list(rows)


def _link(path: str, **params: str) -> str:
    return f"{path}?{urlencode(params)}"


def _agency_link(name: Any, row: dict[str, Any]) -> str:
    return _link("/agencies", city=row.get("city") or "", agency=str(name), format="html")


def _policy_link(value: Any, row: dict[str, Any]) -> str | None:
    policy = row.get("policy") or row.get("id") or (policy_id(row["doc"]) if row.get("doc") else None)
    return f"/browse/policy/{quote(str(policy))}" if policy else None


def _source_link(value: Any, row: dict[str, Any]) -> str | None:
    return row.get("source") or None


LINKS = {
    "city": lambda v, row: _link("/policies", city=str(v), format="html"),
    "policy": _policy_link,
    "policy_title": _policy_link,
    "title": _policy_link,
    "id": _policy_link,
    "doc": _policy_link,
    "quote": _source_link,
    "source": _source_link,
    "lead_agencies": _agency_link,
    "responsible_agencies": _agency_link,
    "issuer": _agency_link,
    "name": _agency_link,
    "measures_led": lambda v, row: f"/browse/policy/{quote(str(v).split('/')[0])}",
    "measures_responsible": lambda v, row: f"/browse/policy/{quote(str(v).split('/')[0])}",
}


def html_table(
    request: Request, path: str, asked: Asked, found: Page, columns: Sequence[str], title: str, summary: str,
    notes: Sequence[str],
) -> str:
    listing = LISTS[path]
    params = dict(request.query_params)
    here = request.url.path

    def with_params(**changes: Any) -> str:
        merged = {k: v for k, v in {**params, **changes}.items() if v is not None}
        return _link(here, **merged)

    shown = [c for c in _SHOWN.get(path, columns) if c in columns or path not in _SHOWN]
    sorted_by = dict(asked.sort)
    sort_links = {
        c: with_params(sort=f"-{c}" if c in sorted_by and not sorted_by[c] else c, offset=None, format="html")
        for c in shown
        if c in listing.sorts
    }
    formats = {"JSON": with_params(format="json"), "CSV": with_params(format="csv")}
    if "xlsx" in listing.formats:
        formats["Excel"] = with_params(format="xlsx")
    form = [
        FormField(f.name, f.description, f.example, f.choices, str(params.get(f.name, ""))) for f in listing.filters
    ]
    previous = None
    if found.offset > 0:
        previous = with_params(offset=max(0, found.offset - found.limit), format="html")
    following = None if found.next_offset is None else with_params(offset=found.next_offset, format="html")
    hidden = {n: params[n] for n in listing.needs if n in params} | {"format": "html"}
    for name in ("sort", "limit"):
        if name in params:
            hidden[name] = params[name]
    return render_table(
        TablePage(
            title=title, columns=shown, rows=found.rows, total=found.total, offset=found.offset, summary=summary,
            notes=notes, links=LINKS, sort_links=sort_links, sorted_by=sorted_by, form=form, hidden=hidden,
            action=here, formats=formats, previous=previous, next=following,
        )
    )


# ---------------------------------------------------------------- OpenAPI

_TYPES = {"integer": "integer", "number": "number", "text": "string", "choice": "string"}


def documented(path: str) -> dict[str, Any]:
    """The route's OpenAPI: its parameters (with examples), its 400 and 404 answers and its formats."""
    listing: Listing = LISTS[path]
    needs = {
        "instrument": ("an instrument type: id, Chinese or English label, or cue word", "科技创新券"),
        "indicator": ("an indicator: 高新技术企业, R&D 投入占比, 技术合同成交额…", "高新技术企业"),
        "q": ("a question in Chinese or English (1–200 characters)", "哪些城市资助孵化器"),
    }
    parameters = [
        {"name": n, "in": "query", "required": True, "description": needs[n][0], "example": needs[n][1],
         "schema": {"type": "string", "minLength": 1, **({"maxLength": 200} if n == "q" else {})}}
        for n in listing.needs
    ]
    for f in listing.filters:
        schema: dict[str, Any] = {"type": _TYPES[f.kind]}
        if f.choices:
            schema["enum"] = list(f.choices)
        elif f.kind == "text":
            schema["minLength"] = 1  # an empty filter is a 400 (graph/listing.py)
        parameters.append({"name": f.name, "in": "query", "required": False, "description": f.description,
                           "example": f.example, "schema": schema})
    sorts = ", ".join(listing.sorts[:8]) + ("…" if len(listing.sorts) > 8 else "")
    paging = {
        "sort": (f"a column, descending with a leading -; several joined by commas: {sorts}", f"-{listing.sorts[0]}",
                 {"type": "string", "pattern": _sort_pattern(listing.sorts)}),
        "limit": (f"rows per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})", "50",
                  {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
        "offset": (f"rows to skip (the `next` link gives the following page; at most {MAX_OFFSET})", "100",
                   {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}),
        "format": ("json (default), csv (UTF-8 with BOM, for Excel), html" + (", xlsx" if "xlsx" in listing.formats
                   else "") + "; also by Accept", "csv", {"type": "string", "enum": list(listing.formats)}),
    }
    for name in PAGING:
        description, example, schema = paging[name]
        parameters.append({"name": name, "in": "query", "required": False, "description": description,
                           "example": example, "schema": schema})
    content: dict[str, Any] = {"application/json": {}, "text/csv": {}, "text/html": {}}
    if "xlsx" in listing.formats:
        content[XLSX_TYPE] = {}
    return {
        "openapi_extra": {"parameters": parameters},
        "responses": {
            200: {"description": "Without filter, sort or page: the whole answer as before. With any of them: "
                  "{total, offset, limit, next, rows} (CSV and HTML: the rows).", "content": content},
            400: contract.bad_parameter(),
            404: contract.not_found("An unknown city, agency or term: {detail: {error, kind, not_found, "
                                    "did_you_mean}}"),
        },
    }


def _sort_pattern(columns: Sequence[str]) -> str:
    """`sort`'s form: known columns, each with an optional leading -, joined by commas."""
    column = "-?(" + "|".join(re.escape(c) for c in columns) + ")"
    return f"^{column}(,{column})*$"
