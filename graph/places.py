"""The map's answer: /compare's answer for one instrument type, one row per city, joined to the
city's coordinates (extract/data/places.tsv, read by extract.divisions).

The rows are those of the comparison (graph/compare.py): a city funds the type iff /compare says
so, its largest amount is /compare's, and the cities with no such promise are /compare's too. The
join from a city name to coordinates lives here, not in the pages, so JSON, CSV and the map agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from extract.divisions import CityLocation, city_locations

from .compare import CompareResult
from .compare import no_promise_note as compare_note
from .facts import policy_id, whole
from .source import GraphSource

MAP_CSV_COLUMNS = [
    "type",
    "city",
    "adcode",
    "province",
    "longitude",
    "latitude",
    "funds",
    "instruments",
    "with_amount",
    "largest_amount_yuan",
    "largest_amount_wan",
    "largest_is_ceiling",
    "first_year",
    "documents",
    "source",
    "compare",
    "note",
]


def locate(city: str) -> CityLocation | None:
    """A city of the graph (its short name: 大连) on the map; None for a name places.tsv does not
    place (the city the extractor could not tell, a district, a misspelling)."""
    return city_locations().get(city) or city_locations().get(city.removesuffix("市"))


def documents_by_city(source: GraphSource) -> dict[str, list[dict[str, str]]]:
    """The documents held for each city (policies.rq, read once per source): what "no such promise
    in the N documents held for this city" counts and lists."""
    held: dict[str, list[dict[str, str]]] = {}
    for row in whole(source, "policies"):
        held.setdefault(row["city"], []).append({"policy": policy_id(row["file"]), "title": row["title"] or row["file"]})
    return held


def compare_link(type_id: str, city: str) -> str:
    """/compare's rows of one city (the tables' `city` filter)."""
    return "/compare?" + urlencode({"instrument": type_id, "city": city})


def no_promise_note(documents: Sequence[dict[str, str]]) -> str:
    """graph.compare's note, in both languages, for pages that list the documents beside it."""
    english = compare_note([d.get("title") or "" for d in documents], listed=False)
    return f"{english} · 本市所收 {len(documents)} 份文件中无此类承诺"


def map_rows(result: CompareResult, documents: dict[str, Sequence[dict[str, str]]]) -> list[dict[str, Any]]:
    """One row per city of the comparison, funding cities first (largest amount first, as /compare
    orders them), each with its coordinates (None where places.tsv has none)."""
    rows: list[dict[str, Any]] = []
    for funding in result.funding:
        figures = [m for m in funding.matches if m.instrument.amount_yuan is not None]
        largest = max(figures, key=lambda m: m.instrument.amount_yuan or 0, default=None)
        shown = largest or funding.matches[0]
        years = [m.year for m in funding.matches if m.year is not None]
        rows.append(
            _row(result, funding.city, documents)
            | {
                "funds": True,
                "instruments": len(funding.matches),
                "with_amount": len(figures),
                "largest_amount_yuan": None if largest is None else largest.instrument.amount_yuan,
                "largest_amount_wan": None if largest is None else largest.instrument.amount_yuan / 10_000,  # type: ignore[operator]
                "largest_is_ceiling": None if largest is None else largest.instrument.max,
                "first_year": min(years, default=None),
                "source": shown.to_dict()["source"],
                "quote": shown.instrument.quote,
                "policy_title": shown.policy_title,
            }
        )
    for city in result.not_funding:
        rows.append(
            _row(result, city, documents)
            | {
                "funds": False,
                "instruments": 0,
                "with_amount": 0,
                "largest_amount_yuan": None,
                "largest_amount_wan": None,
                "largest_is_ceiling": None,
                "first_year": None,
                "source": None,
                "quote": None,
                "policy_title": None,
                "note": no_promise_note(documents.get(city, ())),
            }
        )
    return rows


def _row(result: CompareResult, city: str, documents: dict[str, Sequence[dict[str, str]]]) -> dict[str, Any]:
    place = locate(city)
    held = list(documents.get(city, ()))
    return {
        "type": result.type.id,
        "city": city,
        "adcode": place.adcode if place else None,
        "province": place.province if place else None,
        "longitude": place.longitude if place else None,
        "latitude": place.latitude if place else None,
        "documents": len(held),
        "documents_held": held,
        "compare": compare_link(result.type.id, city),
    }


def map_answer(result: CompareResult, documents: dict[str, Sequence[dict[str, str]]]) -> dict[str, Any]:
    """/map's JSON: the type, the rows, and the cities that could not be placed."""
    rows = map_rows(result, documents)
    return {
        "term": result.term,
        "type": {"id": result.type.id, "label_zh": result.type.label_zh, "label_en": result.type.label_en},
        "cities": rows,
        "not_placed": [r["city"] for r in rows if r["longitude"] is None],
    }
