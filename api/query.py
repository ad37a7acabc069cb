"""Questions over extraction records, as pure functions: the CLI and the HTTP API both call these.

`compare(records, term)` answers "which cities fund <instrument>, how much, under which policy",
`city_summaries(records)` counts what was extracted per city.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from extract.records import ExtractionRecord, Instrument
from extract.taxonomy import InstrumentType, load_taxonomy, resolve_type

# Records whose city the extractor could not tell are grouped under this name.
UNKNOWN_CITY = "(city not detected)"

PER_LABELS = {"year": "每年 /year", "item": "每项 /item"}

COMPARE_CSV_COLUMNS = [
    "type",
    "city",
    "funds",
    "amount_yuan",
    "amount_wan",
    "max",
    "per",
    "ratio",
    "level",
    "recipient",
    "measure",
    "policy_title",
    "doc",
    "start",
    "end",
    "quote",
]


class UnknownTermError(LookupError):
    """A term that names no instrument type; carries a few valid examples for the message."""

    def __init__(self, term: str, examples: list[InstrumentType]) -> None:
        self.term = term
        self.examples = examples
        super().__init__(f"unknown instrument type {term!r}")

    def message(self) -> str:
        lines = [
            f"unknown instrument type {self.term!r}: give an id, a Chinese or English label, or a cue word, e.g.",
        ]
        lines += [f"  {t.id}  ({t.label_zh}, {t.label_en})" for t in self.examples]
        lines.append("  (`policykg types` lists them all)")
        return "\n".join(lines)


def city_of(record: ExtractionRecord) -> str:
    return record.city or UNKNOWN_CITY


def policy_title(record: ExtractionRecord) -> str:
    return record.policy.title or record.policy.notice_title or record.doc


def format_wan(amount_yuan: int | None) -> str:
    """10000000 → "1,000 万元"; 15000 → "1.5 万元"; None → "" (a promise with no figure)."""
    if amount_yuan is None:
        return ""
    wan = amount_yuan / 10_000
    text = f"{wan:,.0f}" if wan == int(wan) else f"{wan:,.4f}".rstrip("0").rstrip(".")
    return f"{text} 万元"


def format_yuan(amount_yuan: int | None) -> str:
    return "" if amount_yuan is None else f"{amount_yuan:,} 元"


def format_ratio(ratio: float | None) -> str:
    """0.3 → "30%"; 1.0 → "100%"."""
    if ratio is None:
        return ""
    percent = ratio * 100
    return f"{percent:.0f}%" if abs(percent - round(percent)) < 1e-9 else f"{percent:.2f}".rstrip("0").rstrip(".") + "%"


def describe_terms(instrument: Instrument, separator: str = " · ") -> str:
    """The max / per / ratio semantics in words: "最高 max · 每年 /year · 30% of cost"."""
    parts = []
    if instrument.max:
        parts.append("最高 max")
    if instrument.per:
        parts.append(PER_LABELS.get(instrument.per, instrument.per))
    if instrument.ratio is not None:
        parts.append(f"{format_ratio(instrument.ratio)} of cost")
    return separator.join(parts)


@dataclass(frozen=True)
class InstrumentMatch:
    """One instrument of the asked type, with the city and policy it belongs to."""

    city: str
    doc: str
    policy_title: str
    instrument: Instrument

    @property
    def evidence(self) -> str:
        """Where the quote sits: doc:start-end, offsets into the original text."""
        return f"{self.doc}:{self.instrument.start}-{self.instrument.end}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "doc": self.doc,
            "policy_title": self.policy_title,
            **asdict(self.instrument),
            "amount_wan": None if self.instrument.amount_yuan is None else self.instrument.amount_yuan / 10_000,
            "evidence": self.evidence,
        }


@dataclass
class CityFunding:
    city: str
    matches: list[InstrumentMatch] = field(default_factory=list)

    @property
    def largest_amount(self) -> int | None:
        amounts = [m.instrument.amount_yuan for m in self.matches if m.instrument.amount_yuan is not None]
        return max(amounts) if amounts else None


@dataclass
class CompareResult:
    """The cross-city answer for one instrument type."""

    term: str
    type: InstrumentType
    funding: list[CityFunding]
    not_funding: list[str]

    @property
    def cities(self) -> list[str]:
        return [c.city for c in self.funding] + self.not_funding

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "type": {"id": self.type.id, "label_zh": self.type.label_zh, "label_en": self.type.label_en},
            "cities": [
                {"city": c.city, "funds": True, "instruments": [m.to_dict() for m in c.matches]} for c in self.funding
            ]
            + [{"city": city, "funds": False, "instruments": []} for city in self.not_funding],
            "does_not_fund": list(self.not_funding),
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        """One row per instrument, then one row per city that does not fund the type."""
        rows: list[dict[str, Any]] = []
        for city in self.funding:
            for m in city.matches:
                i = m.instrument
                rows.append(
                    {
                        "type": i.type,
                        "city": m.city,
                        "funds": "yes",
                        "amount_yuan": "" if i.amount_yuan is None else i.amount_yuan,
                        "amount_wan": "" if i.amount_yuan is None else f"{i.amount_yuan / 10_000:g}",
                        "max": "yes" if i.max else "no",
                        "per": i.per or "",
                        "ratio": "" if i.ratio is None else i.ratio,
                        "level": i.level or "",
                        "recipient": i.recipient or "",
                        "measure": i.measure or "",
                        "policy_title": m.policy_title,
                        "doc": m.doc,
                        "start": i.start,
                        "end": i.end,
                        "quote": i.quote,
                    }
                )
        for city_name in self.not_funding:
            row = dict.fromkeys(COMPARE_CSV_COLUMNS, "")
            row.update({"type": self.type.id, "city": city_name, "funds": "no"})
            rows.append(row)
        return rows

    def to_csv(self) -> str:
        return rows_to_csv(self.csv_rows(), COMPARE_CSV_COLUMNS)


def rows_to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def resolve_term(term: str) -> InstrumentType:
    """The instrument type a term names (id, zh/en label, cue word), or UnknownTermError."""
    found = resolve_type(term)
    if found is None:
        raise UnknownTermError(term, list(load_taxonomy()[:5]))
    return found


def _amount_sort_key(amount: int | None) -> tuple[bool, int]:
    return (amount is None, -(amount or 0))


def compare(records: Sequence[ExtractionRecord], term: str) -> CompareResult:
    """Every instrument of the type `term` names, grouped by city; cities without one listed apart.

    Cities are ordered by their largest amount (cities with no figure after), instruments within
    a city by amount; cities that do not fund the type keep corpus order.
    """
    instrument_type = resolve_term(term)
    by_city: dict[str, CityFunding] = {}
    corpus_cities: list[str] = []
    for record in records:
        city = city_of(record)
        if city not in corpus_cities:
            corpus_cities.append(city)
        for instrument in record.instruments:
            if instrument.type != instrument_type.id:
                continue
            match = InstrumentMatch(city, record.doc, policy_title(record), instrument)
            by_city.setdefault(city, CityFunding(city)).matches.append(match)
    for funding in by_city.values():
        funding.matches.sort(key=lambda m: (*_amount_sort_key(m.instrument.amount_yuan), m.doc, m.instrument.start))
    funding_cities = sorted(by_city.values(), key=lambda c: (*_amount_sort_key(c.largest_amount), c.city))
    not_funding = [city for city in corpus_cities if city not in by_city]
    return CompareResult(term=term, type=instrument_type, funding=funding_cities, not_funding=not_funding)


@dataclass
class CitySummary:
    """What was extracted for one city, summed over its policies."""

    city: str
    policies: int = 0
    measures: int = 0
    agencies: int = 0
    instruments: int = 0
    targets: int = 0
    docs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


SUMMARY_COLUMNS = ["city", "policies", "measures", "agencies", "instruments", "targets"]


def city_summaries(records: Sequence[ExtractionRecord]) -> list[CitySummary]:
    """One summary per city, in the order cities first appear in the corpus.

    Agencies are counted once per city by canonical name, even when several policies name them.
    """
    summaries: dict[str, CitySummary] = {}
    agency_names: dict[str, set[str]] = {}
    for record in records:
        city = city_of(record)
        summary = summaries.setdefault(city, CitySummary(city))
        summary.policies += 1
        summary.docs.append(record.doc)
        summary.measures += len(record.measures)
        summary.instruments += len(record.instruments)
        summary.targets += len(record.targets)
        agency_names.setdefault(city, set()).update(a.name for a in record.agencies)
    for city, names in agency_names.items():
        summaries[city].agencies = len(names)
    return list(summaries.values())
