"""Lists an analyst filters, sorts and pages (datasette is the model): what each list accepts, and
the filtering itself, in memory over the rows of an answer (graph/answers.py, graph/compare.py).

Each list declares its filters (with their types), the columns it sorts by and the parameters it
needs besides (/compare's `instrument`). `parse` reads a request's query parameters against that
declaration: an unknown parameter or a malformed value is a `BadParameter` naming it and what it
accepts, never silently ignored. `check_names` turns a city or agency that the corpus does not hold
into `NotFound` with the nearest names; `page` filters, sorts and cuts the rows. No HTTP here: the
routes (api/routes.py) call these on the precomputed tables they hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from extract.lexicon import lexicon
from extract.taxonomy import load_taxonomy

from .terms import NotFound

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
# deep paging is refused (400 naming offset): no list here is that long, and a page that deep would
# have a client walk the whole table one request at a time (the CSV is the whole table at once)
MAX_OFFSET = 100_000
# every list takes these besides its filters
PAGING = ("sort", "limit", "offset", "format")
ISSUER_LEVELS = ("city", "district", "zone", "county", "town")


@cache
def award_levels() -> tuple[str, ...]:
    """国家级, 省级, 市级…: the levels the extractor names (extract/lexicon/money_levels.tsv)."""
    return tuple(sorted(set(lexicon("money_levels").mapping().values())))


@cache
def type_ids() -> tuple[str, ...]:
    return tuple(t.id for t in load_taxonomy())


class BadParameter(ValueError):
    """A query parameter the list does not take, or a value of the wrong form: `allowed` says what
    would be accepted (the parameter names, a type, or the values)."""

    def __init__(self, name: str, problem: str, allowed: Sequence[str] | str) -> None:
        self.name, self.problem = name, problem
        self.allowed = allowed if isinstance(allowed, str) else list(allowed)
        super().__init__(f"parameter {name!r}: {problem}")

    def to_dict(self) -> dict[str, Any]:
        return {"error": str(self), "parameter": self.name, "allowed": self.allowed}


@dataclass(frozen=True)
class Filter:
    """One filter parameter: `kind` is its value's type (text, integer, number or one of `choices`);
    `columns` the row columns it is tested on (a list column matches when it holds the value);
    `test` how: eq (equal, or held), min (≥), max (≤)."""

    name: str
    kind: str
    columns: tuple[str, ...]
    description: str
    example: str
    test: str = "eq"
    choices: tuple[str, ...] = ()

    def read(self, raw: str) -> Any:
        if self.kind == "integer":
            try:
                return int(raw)
            except ValueError:
                raise BadParameter(self.name, f"{raw!r} is not an integer", "integer, e.g. " + self.example) from None
        if self.kind == "number":
            try:
                value = float(raw)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise BadParameter(self.name, f"{raw!r} is not a number", "number, e.g. " + self.example)
            return value
        if self.choices and raw not in self.choices:
            raise BadParameter(self.name, f"{raw!r} is not one of the values", self.choices)
        if not raw:
            raise BadParameter(self.name, "is empty", f"{self.kind}, e.g. {self.example}")
        return raw

    def keeps(self, row: Mapping[str, Any], value: Any) -> bool:
        for column in self.columns:
            held = row.get(column)
            if self.test == "min":
                if held is not None and held >= value:
                    return True
            elif self.test == "max":
                if held is not None and held <= value:
                    return True
            elif held == value or (isinstance(held, list | tuple) and value in held):
                return True
        return False


def city_filter(column: str = "city") -> Filter:
    return Filter("city", "text", (column,), "the city's name as the corpus writes it", "大连")


def agency_filter(*columns: str) -> Filter:
    return Filter(
        "agency", "text", columns, "an agency's name (or another of its names), of any city", "市科技局"
    )


def year_filter(column: str = "year") -> Filter:
    return Filter("year", "integer", (column,), "the policy's year (signing date, else publication)", "2021")


def amount_filters(column: str) -> tuple[Filter, Filter]:
    return (
        Filter("min_amount", "number", (column,), "at least this many yuan (a cap counts as its ceiling)", "100000",
               "min"),
        Filter("max_amount", "number", (column,), "at most this many yuan (a cap counts as its ceiling)", "5000000",
               "max"),
    )


@dataclass(frozen=True)
class Listing:
    """A list's declaration: its filters, the columns it sorts by, the other parameters it takes
    (`needs`: required, `takes`: optional), and its default order (the answer's own when empty)."""

    name: str
    filters: tuple[Filter, ...]
    sorts: tuple[str, ...]
    needs: tuple[str, ...] = ()
    takes: tuple[str, ...] = ()
    formats: tuple[str, ...] = ("json", "csv", "html")

    def parameters(self) -> list[str]:
        return [*self.needs, *self.takes, *(f.name for f in self.filters), *PAGING]

    def filter(self, name: str) -> Filter | None:
        return next((f for f in self.filters if f.name == name), None)



@dataclass
class Asked:
    """What a request asks of a list: filter values, order (column, descending), page."""

    filters: dict[str, Any] = field(default_factory=dict)
    sort: list[tuple[str, bool]] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    format: str | None = None
    listed: bool = False  # a filter, sort, limit or offset was given: answer a page, not the whole table

    def key(self) -> tuple[Any, ...]:
        return (tuple(sorted(self.filters.items())), tuple(self.sort), self.limit, self.offset)


def parse(listing: Listing, params: Iterable[tuple[str, str]]) -> Asked:
    """The request's parameters read against the list's declaration (BadParameter if one is not)."""
    asked, seen = Asked(), set()
    allowed = listing.parameters()
    for name, raw in params:
        if name not in allowed:
            raise BadParameter(name, f"{listing.name} takes no such parameter", allowed)
        if name in seen:
            raise BadParameter(name, "is given twice", "once")
        seen.add(name)
        if name in listing.needs or name in listing.takes:
            continue
        if name == "format":
            if raw not in listing.formats:
                raise BadParameter(name, f"{raw!r} is not a format of {listing.name}", listing.formats)
            asked.format = raw
            continue
        asked.listed = True
        if name == "sort":
            asked.sort = _sort(listing, raw)
        elif name in ("limit", "offset"):
            value = _count(name, raw, 1 if name == "limit" else 0, MAX_LIMIT if name == "limit" else MAX_OFFSET)
            setattr(asked, name, value)
        else:
            found = listing.filter(name)
            assert found is not None
            asked.filters[name] = found.read(raw)
    for name in listing.needs:
        if name not in seen:
            raise BadParameter(name, "is required", listing.needs)
    return asked


def _count(name: str, raw: str, least: int, most: int | None) -> int:
    bounds = f"an integer ≥ {least}" + (f" and ≤ {most}" if most is not None else "")
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(name, f"{raw!r} is not an integer", bounds) from None
    if value < least or (most is not None and value > most):
        raise BadParameter(name, f"{value} is out of range", bounds)
    return value


def _sort(listing: Listing, raw: str) -> list[tuple[str, bool]]:
    order = []
    for part in raw.split(","):
        column = part.strip().removeprefix("-")
        if column not in listing.sorts:
            raise BadParameter("sort", f"{listing.name} does not sort by {column!r}", [f"{c} or -{c}" for c in listing.sorts])
        order.append((column, part.strip().startswith("-")))
    return order


def check_names(asked: Asked, valid: Mapping[str, Sequence[str]]) -> None:
    """NotFound (with the nearest names) for a filter naming a city or agency the corpus does not
    hold; `valid`: filter name → the names it accepts."""
    kinds = {"city": "city", "agency": "agency"}
    for name, names in valid.items():
        value = asked.filters.get(name)
        if value is not None and value not in names:
            raise NotFound(kinds.get(name, name), value, list(names))


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None


def page(
    listing: Listing,
    rows: Sequence[dict[str, Any]],
    asked: Asked,
    expand: Mapping[str, Callable[[Any], Sequence[Any]]] | None = None,
) -> Page:
    """The rows the filters keep, in the asked order (stable: ties keep the answer's order; empty
    cells last either way), cut to the page. `expand`: filter name → the values a given value
    stands for (an agency's other names → its merged name)."""
    kept = list(rows)
    for name, value in asked.filters.items():
        found = listing.filter(name)
        assert found is not None
        values = expand[name](value) if expand and name in expand else [value]
        kept = [row for row in kept if any(found.keeps(row, v) for v in values)]
    for column, descending in reversed(asked.sort):
        present = [row for row in kept if _sort_key(row.get(column)) is not None]
        empty = [row for row in kept if _sort_key(row.get(column)) is None]
        present.sort(key=lambda row, c=column: _sort_key(row.get(c)), reverse=descending)
        kept = present + empty
    return Page(kept[asked.offset : asked.offset + asked.limit], len(kept), asked.offset, asked.limit)


def _sort_key(value: Any) -> Any:
    """Numbers by value, lists by their first item, text by code point; None (and []) is empty."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return (0, int(value), "")
    if isinstance(value, int | float):
        return (0, value, "")
    return (1, 0, str(value))


# ---------------------------------------------------------------- the lists

def _with_types(column: str) -> Filter:
    return Filter("type", "choice", (column,), "an instrument type's id (GET /instruments lists them)",
                  "innovation_voucher", choices=type_ids())


def listings() -> dict[str, Listing]:
    """Every list the API serves, by path."""
    level = Filter("level", "choice", ("level",), "the level the award recognises", "国家级", choices=award_levels())
    issuer_level = Filter(
        "issuer_level", "choice", ("issuer_level",), "the level of the policy's issuer within its city", "district",
        choices=ISSUER_LEVELS,
    )
    return {
        "/cities": Listing(
            "/cities", (city_filter(), _with_types("instrument_types")),
            ("city", "policies", "measures", "instruments", "targets"),
        ),
        "/policies": Listing(
            "/policies", (city_filter(), year_filter(), issuer_level, agency_filter("issuer")),
            ("city", "year", "date", "title", "doc", "issuer", "measures", "instruments", "targets"),
        ),
        "/agencies": Listing(
            "/agencies", (city_filter(), agency_filter("name")),
            ("city", "name", "lead_count", "responsible_count"),
        ),
        "/targets": Listing(
            "/targets",
            (
                city_filter(),
                Filter("target_year", "integer", ("year",), "the year the target is for", "2025"),
                Filter("kind", "choice", ("kind",), "a target, or a baseline (the value it starts from)", "target",
                       choices=("target", "baseline")),
            ),
            ("city", "year", "kind", "value", "indicator", "doc"),
            needs=("indicator",),
        ),
        "/compare": Listing(
            "/compare",
            (city_filter(), year_filter(), level, issuer_level, agency_filter("lead_agencies", "responsible_agencies"),
             *amount_filters("amount_yuan")),
            ("city", "amount_yuan", "year", "date", "level", "recipient", "policy", "doc"),
            needs=("instrument",),
        ),
        "/compare/matrix": Listing(
            "/compare/matrix",
            (city_filter(), _with_types("types"), *amount_filters("largest_amount_yuan")),
            ("city", "instruments", "types", "largest_amount_yuan",
             *(f"{t}.{c}" for t in type_ids() for c in ("count", "largest_yuan"))),
            formats=("json", "csv", "html", "xlsx"),
        ),
        "/search": Listing(
            "/search",
            (city_filter(), year_filter(), level, issuer_level, agency_filter("lead_agencies", "responsible_agencies"),
             *amount_filters("amount_yuan")),
            ("city", "amount_yuan", "year", "date", "level", "type", "doc"),
            needs=("q",),
        ),
    }
