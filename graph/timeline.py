"""The timeline of diffusion (timeline.rq): for one instrument type, the year each city first
promised it and its later policies holding such a promise, so an analyst sees who led and who
followed. The answer of /timeline in JSON, CSV and its page (viz/timeline.py).

A policy's date is its own: the signing date (成文日期, "issued"), else the publication date
(发布日期, "published"), as /compare's `year` is read; a policy with neither is listed with no year.
Cities with no such promise are the corpus's other cities, with the documents held for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyoxigraph import Literal

from .facts import city_names, policy_id, source_link, year_of
from .places import compare_link, documents_by_city, no_promise_note
from .rows import select
from .source import GraphSource
from .terms import resolve_term

DATE_KINDS = {"issued": "成文日期 · signed", "published": "发布日期 · published"}

TIMELINE_CSV_COLUMNS = [
    "type",
    "city",
    "first_year",
    "year",
    "date",
    "date_kind",
    "first",
    "policy",
    "policy_title",
    "doc",
    "instruments",
    "amounts_wan",
    "largest_amount_yuan",
    "source",
    "documents",
    "note",
]


def _policies(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One city's rows (one per instrument) grouped by policy, in date order (undated last)."""
    by_policy: dict[str, dict[str, Any]] = {}
    for row in rows:
        policy = by_policy.setdefault(
            row["file"],
            {
                "policy": policy_id(row["file"]),
                "doc": row["file"],
                "title": row["policyTitle"],
                "date": row["date"],
                "date_kind": row["dateKind"],
                "year": year_of(row["date"]),
                "instruments": [],
            },
        )
        amount = row["amountYuan"]
        policy["instruments"].append(
            {
                "amount_yuan": amount,
                "amount_wan": None if amount is None else amount / 10_000,
                "max": bool(row["isCeiling"]),
                "quote": row["quote"],
                "source": source_link(row["file"], row["start"], row["end"]),
            }
        )
    ordered = sorted(by_policy.values(), key=lambda p: (p["date"] is None, p["date"] or "", p["doc"]))
    for policy in ordered:
        amounts = [i["amount_yuan"] for i in policy["instruments"] if i["amount_yuan"] is not None]
        policy["largest_amount_yuan"] = max(amounts, default=None)
        policy["source"] = policy["instruments"][0]["source"]
    return ordered


def timeline(source: GraphSource, term: str, corpus_cities: Sequence[str] | None = None) -> dict[str, Any]:
    """The timeline of the type `term` names (UnknownTermError if none): cities ordered by the year
    of their first such promise (then its date, then name), cities whose promises carry no date
    after them, then the cities with none, in corpus order."""
    instrument_type = resolve_term(term)
    rows = select(source, "timeline", typeId=Literal(instrument_type.id))
    held = documents_by_city(source)
    by_city: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_city.setdefault(row["city"], []).append(row)
    promising = []
    for city, own in by_city.items():
        policies = _policies(own)
        years = [p["year"] for p in policies if p["year"] is not None]
        first_year = min(years, default=None)
        for policy in policies:
            policy["first"] = first_year is not None and policy["year"] == first_year
        promising.append(
            {
                "city": city,
                "first_year": first_year,
                "first_date": next((p["date"] for p in policies if p["date"]), None),
                "promises": True,
                "policies": policies,
                "documents": len(held.get(city, ())),
                "compare": compare_link(instrument_type.id, city),
            }
        )
    promising.sort(key=lambda c: (c["first_year"] is None, c["first_date"] or "", c["city"]))
    everyone = city_names(source) if corpus_cities is None else corpus_cities
    silent = [
        {
            "city": city,
            "first_year": None,
            "first_date": None,
            "promises": False,
            "policies": [],
            "documents": len(held.get(city, ())),
            "documents_held": held.get(city, []),
            "note": no_promise_note(held.get(city, ())),
            "compare": compare_link(instrument_type.id, city),
        }
        for city in everyone
        if city not in by_city
    ]
    years = [c["first_year"] for c in promising if c["first_year"] is not None]
    later = [p["year"] for c in promising for p in c["policies"] if p["year"] is not None]
    return {
        "term": term,
        "type": {"id": instrument_type.id, "label_zh": instrument_type.label_zh, "label_en": instrument_type.label_en},
        "years": [min(years), max(later)] if years else None,
        "date_kinds": DATE_KINDS,
        "cities": promising + silent,
    }


def timeline_csv_rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (city, policy holding such a promise), then one per city with none."""
    rows: list[dict[str, Any]] = []
    for city in answer["cities"]:
        base = {"type": answer["type"]["id"], "city": city["city"], "first_year": city["first_year"],
                "documents": city["documents"]}
        if not city["policies"]:
            rows.append(base | {"note": city.get("note", "")})
        for policy in city["policies"]:
            rows.append(
                base
                | {
                    "year": policy["year"],
                    "date": policy["date"],
                    "date_kind": policy["date_kind"],
                    "first": "yes" if policy["first"] else "no",
                    "policy": policy["policy"],
                    "policy_title": policy["title"],
                    "doc": policy["doc"],
                    "instruments": len(policy["instruments"]),
                    "amounts_wan": [f"{i['amount_wan']:g}" for i in policy["instruments"] if i["amount_wan"] is not None],
                    "largest_amount_yuan": policy["largest_amount_yuan"],
                    "source": policy["source"],
                }
            )
    return rows
