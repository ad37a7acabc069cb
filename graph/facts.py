"""The pieces every answer is made of: rows of the whole graph's lists (read once per source), the
facts of the graph as extraction-record dataclasses, and where each fact is quoted.

Unbound cities are "(city not detected)" (the queries bind it), and fields follow the extraction
record (`extract.records`), so the answers keep the shapes the routes have always returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from functools import lru_cache
from pathlib import PurePath
from typing import Any

from pyoxigraph import Literal, NamedNode

from extract.records import Instrument, Target

from .questions import question
from .rows import select
from .source import GraphSource


@lru_cache(maxsize=16)
def whole(source: GraphSource, name: str) -> tuple[dict[str, Any], ...]:
    """The rows of a query asked without parameters, once per source: the graph does not change
    while it is served, and per-request answers filter these lists instead of scanning the graph."""
    return tuple(select(source, name, **dict.fromkeys(question(name).parameters)))


def policy_id(doc: str) -> str:
    """A policy is named by its document's file stem."""
    return PurePath(doc).stem


def source_link(doc: str, start: int, end: int) -> str:
    return f"/source/{doc}?start={start}&end={end}"


def year_of(date: str | None) -> int | None:
    return int(date[:4]) if date and date[:4].isdigit() else None

def city_names(source: GraphSource) -> list[str]:
    """The corpus's cities, in the order of their first document."""
    return [row["city"] for row in whole(source, "cities")]


def instrument_of(row: dict[str, Any], type_id: str | None) -> Instrument:
    return Instrument(
        type=type_id,
        amount_yuan=row["amountYuan"],
        max=bool(row["isCeiling"]),
        per=row["per"],
        ratio=row["ratio"],
        level=row["level"],
        recipient=row["recipient"],
        measure=row["measure"],
        quote=row["quote"],
        start=row["start"],
        end=row["end"],
        cumulative_cap_yuan=row["cumulativeCap"],
    )


def target_of(row: dict[str, Any]) -> Target:
    return Target(
        indicator=row["indicator"],
        value=row["value"],
        value_min=row["valueMin"],
        unit=row["unit"] or "",
        year=row["year"],
        quote=row["quote"],
        start=row["start"],
        end=row["end"],
        measure=row["measure"],
    )


def fact_row(fact: Instrument | Target, city: str, doc: str, title: str) -> dict[str, Any]:
    return {
        "city": city,
        "policy": policy_id(doc),
        "policy_title": title,
        "doc": doc,
        **asdict(fact),
        "source": source_link(doc, fact.start, fact.end),
    }


def _quantity_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [fact_row(target_of(r), r["city"], r["file"], r["policyTitle"]) | {"kind": r["kind"]} for r in rows]


def quantities(
    source: GraphSource, *, policies: Sequence[str] | None = None, wording: str | None = None
) -> list[dict[str, Any]]:
    """Targets and baselines (of some policies; with a wording containing some text) as fact rows
    with their `kind`, by city, year and kind."""
    rows = select(
        source,
        "quantities",
        policy=None if policies is None else [NamedNode(p) for p in policies],
        wording=Literal(wording) if wording else None,
    )
    return _quantity_rows(rows)


def indicator_quantities(source: GraphSource, concept: str) -> list[dict[str, Any]]:
    """The targets and baselines of one indicator concept, by city, year and kind."""
    return _quantity_rows(select(source, "indicator_targets", concept=NamedNode(concept)))
