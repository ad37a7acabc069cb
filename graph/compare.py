"""One instrument type across cities (compare.rq), and the city × type matrix (matrix.rq): the
answers of /compare, /compare/matrix, `policykg compare` and the comparison page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from pyoxigraph import Literal

from extract.records import Instrument
from extract.taxonomy import InstrumentType

from .facts import city_names, instrument_of, source_link, whole, year_of
from .rows import rows_to_csv, select
from .source import GraphSource
from .terms import resolve_term

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

_INSTRUMENT_FIELDS = tuple(f.name for f in fields(Instrument))


@dataclass(frozen=True)
class InstrumentMatch:
    """One instrument of the asked type, with the city and policy it belongs to."""

    city: str
    doc: str
    policy_title: str
    instrument: Instrument
    year: int | None = None
    iri: str = ""  # the instrument's node, which the pages draw

    @property
    def evidence(self) -> str:
        """Where the quote sits: doc:start-end, offsets into the original text."""
        return f"{self.doc}:{self.instrument.start}-{self.instrument.end}"

    def to_dict(self) -> dict[str, Any]:
        amount = self.instrument.amount_yuan
        return {
            "city": self.city,
            "doc": self.doc,
            "policy_title": self.policy_title,
            **asdict(self.instrument),
            "amount_wan": None if amount is None else amount / 10_000,
            "evidence": self.evidence,
            "source": source_link(self.doc, self.instrument.start, self.instrument.end),
            "year": self.year,
            "iri": self.iri,
        }

    @classmethod
    def from_dict(cls, item: dict[str, Any]) -> InstrumentMatch:
        """What `to_dict` wrote (a precomputed answer) read back."""
        instrument = Instrument(**{name: item[name] for name in _INSTRUMENT_FIELDS if name in item})
        return cls(item["city"], item["doc"], item["policy_title"], instrument, item.get("year"), item.get("iri", ""))


@dataclass
class CityFunding:
    city: str
    largest_amount: int | None = None
    matches: list[InstrumentMatch] = field(default_factory=list)


@dataclass
class CompareResult:
    """The cross-city answer for one instrument type, in the order compare.rq gives."""

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

    @classmethod
    def from_dict(cls, answer: dict[str, Any], term: str | None = None) -> CompareResult:
        """What `to_dict` wrote (the build's precomputed answer) read back; `term`: as asked now."""
        funding = [
            CityFunding(
                c["city"],
                max((i["amount_yuan"] for i in c["instruments"] if i["amount_yuan"] is not None), default=None),
                [InstrumentMatch.from_dict(i) for i in c["instruments"]],
            )
            for c in answer["cities"]
            if c["funds"]
        ]
        return cls(term or answer["term"], resolve_term(answer["type"]["id"]), funding, list(answer["does_not_fund"]))

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


def compare(source: GraphSource, term: str, corpus_cities: Sequence[str] | None = None) -> CompareResult:
    """Every instrument of the type `term` names (UnknownTermError if none), grouped by city.

    Cities are ordered by their largest amount (cities with no figure after), instruments within a
    city by amount (compare.rq's ORDER BY); cities that do not fund the type follow in corpus order.
    """
    instrument_type = resolve_term(term)
    funding: dict[str, CityFunding] = {}
    for row in select(source, "compare", typeId=Literal(instrument_type.id)):
        city = funding.setdefault(row["city"], CityFunding(row["city"], row["largestYuan"]))
        match = InstrumentMatch(
            row["city"],
            row["file"],
            row["policyTitle"],
            instrument_of(row, instrument_type.id),
            year_of(row["date"]),
            row["instrument"],
        )
        city.matches.append(match)
    everyone = city_names(source) if corpus_cities is None else corpus_cities
    not_funding = [c for c in everyone if c not in funding]
    return CompareResult(term, instrument_type, list(funding.values()), not_funding)


def compare_matrix(source: GraphSource) -> list[dict[str, Any]]:
    """City × type: how many instruments and the largest amount, one row per non-empty cell."""
    return [
        {"city": r["city"], "type": r["type"], "count": r["count"], "largest_amount_yuan": r["largestYuan"]}
        for r in whole(source, "matrix")
    ]
