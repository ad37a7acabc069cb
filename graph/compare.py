"""One instrument type across cities (compare.rq), and the city × type matrix (matrix.rq): the
answers of /compare, /compare/matrix, `policykg compare` and the comparison page."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from pyoxigraph import Literal

from extract.records import Instrument
from extract.taxonomy import InstrumentType

from .facts import city_names, instrument_of, policy_id, source_link, whole, year_of
from .rows import cell, rows_to_csv, select, split
from .source import GraphSource
from .terms import PER_LABELS, format_wan, ratio_words, resolve_term

COMPARE_CSV_COLUMNS = [
    "type",
    "city",
    "funds",
    "note",
    "amount_yuan",
    "amount_wan",
    "max",
    "terms",
    "per",
    "ratio",
    "cumulative_cap_yuan",
    "level",
    "recipient",
    "measure",
    "lead_agencies",
    "responsible_agencies",
    "policy",
    "policy_title",
    "issuer_level",
    "date",
    "date_kind",
    "year",
    "doc",
    "start",
    "end",
    "quote",
    "source",
]

_INSTRUMENT_FIELDS = tuple(f.name for f in fields(Instrument))


def describe(instrument: Instrument) -> str:
    """What the figures promise, in the words a reader checks against the quote: a ceiling as a cap
    (最高 ≤), 1:1 as matching 1:1, a share as a share (of what, the quote says)."""
    parts = []
    if instrument.amount_yuan is not None:
        parts.append(("最高 ≤ " if instrument.max else "") + format_wan(instrument.amount_yuan))
    if instrument.per:
        parts.append(PER_LABELS.get(instrument.per, instrument.per))
    if instrument.ratio is not None:
        parts.append(ratio_words(instrument.ratio, instrument.quote))
    if instrument.cumulative_cap_yuan is not None:
        parts.append(f"累计最高 ≤ {format_wan(instrument.cumulative_cap_yuan)} cumulative cap")
    return " · ".join(parts)


def no_promise_note(documents: Sequence[str], *, listed: bool = True) -> str:
    """Why a city has no row: nothing of the type was found in what the corpus holds for it (the
    documents named after a colon, unless not `listed`: the pages list them beside)."""
    held = f"{len(documents)} document{'' if len(documents) == 1 else 's'}"
    note = f"no such promise in the {held} held for this city"
    return note + (f": {'; '.join(documents)}" if documents and listed else "")


@dataclass(frozen=True)
class InstrumentMatch:
    """One instrument of the asked type, with the city and policy it belongs to."""

    city: str
    doc: str
    policy_title: str
    instrument: Instrument
    year: int | None = None
    iri: str = ""  # the instrument's node, which the pages draw
    lead_agencies: tuple[str, ...] = ()
    responsible_agencies: tuple[str, ...] = ()  # of its measure; the lead agencies among them
    date: str | None = None  # the policy's signing date, else its publication date
    date_kind: str | None = None  # "signed" or "published": which of the two `date` is
    issuer_level: str | None = None  # the policy issuer's level: city, district, county, zone, town

    @property
    def evidence(self) -> str:
        """Where the quote sits: doc:start-end, offsets into the original text."""
        return f"{self.doc}:{self.instrument.start}-{self.instrument.end}"

    def to_dict(self) -> dict[str, Any]:
        amount = self.instrument.amount_yuan
        return {
            "city": self.city,
            "doc": self.doc,
            "policy": policy_id(self.doc),
            "policy_title": self.policy_title,
            **asdict(self.instrument),
            "amount_wan": None if amount is None else amount / 10_000,
            "terms": describe(self.instrument),
            "lead_agencies": list(self.lead_agencies),
            "responsible_agencies": list(self.responsible_agencies),
            "date": self.date,
            "date_kind": self.date_kind,
            "issuer_level": self.issuer_level,
            "evidence": self.evidence,
            "source": source_link(self.doc, self.instrument.start, self.instrument.end),
            "year": self.year,
            "iri": self.iri,
        }

    @classmethod
    def from_dict(cls, item: dict[str, Any]) -> InstrumentMatch:
        """What `to_dict` wrote (a precomputed answer) read back."""
        instrument = Instrument(**{name: item[name] for name in _INSTRUMENT_FIELDS if name in item})
        return cls(
            item["city"],
            item["doc"],
            item["policy_title"],
            instrument,
            item.get("year"),
            item.get("iri", ""),
            tuple(item.get("lead_agencies", ())),
            tuple(item.get("responsible_agencies", ())),
            item.get("date"),
            item.get("date_kind"),
            item.get("issuer_level"),
        )

    def row(self) -> dict[str, Any]:
        """The instrument as one flat row of the /compare table (typed values; CSV cells from them)."""
        i = self.instrument
        return {
            "type": i.type,
            "city": self.city,
            "funds": True,
            "note": "",
            "amount_yuan": i.amount_yuan,
            "amount_wan": None if i.amount_yuan is None else i.amount_yuan / 10_000,
            "max": i.max,
            "terms": describe(i),
            "per": i.per,
            "ratio": i.ratio,
            "cumulative_cap_yuan": i.cumulative_cap_yuan,
            "level": i.level,
            "recipient": i.recipient,
            "measure": i.measure,
            "lead_agencies": list(self.lead_agencies),
            "responsible_agencies": list(self.responsible_agencies),
            "policy": policy_id(self.doc),
            "policy_title": self.policy_title,
            "issuer_level": self.issuer_level,
            "date": self.date,
            "date_kind": self.date_kind,
            "year": self.year,
            "doc": self.doc,
            "start": i.start,
            "end": i.end,
            "quote": i.quote,
            "source": source_link(self.doc, i.start, i.end),
        }


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
    not_funding: list[str]  # the cities where no such promise was found (none of their documents has one)
    documents: dict[str, list[str]] = field(default_factory=dict)  # those cities' documents

    @property
    def cities(self) -> list[str]:
        return [c.city for c in self.funding] + self.not_funding

    def to_dict(self) -> dict[str, Any]:
        # "funds" / "does_not_fund" are the keys clients read; "no_such_promise" says what they mean
        return {
            "term": self.term,
            "type": {"id": self.type.id, "label_zh": self.type.label_zh, "label_en": self.type.label_en},
            "cities": [
                {"city": c.city, "funds": True, "instruments": [m.to_dict() for m in c.matches]} for c in self.funding
            ]
            + [{"city": city, "funds": False, "instruments": []} for city in self.not_funding],
            "does_not_fund": list(self.not_funding),
            "no_such_promise": [
                {
                    "city": city,
                    "documents": self.documents.get(city, []),
                    "message": no_promise_note(self.documents.get(city, [])),
                }
                for city in self.not_funding
            ],
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
        not_funding = list(answer["does_not_fund"])
        documents = {e["city"]: list(e["documents"]) for e in answer.get("no_such_promise", []) if e["city"] in not_funding}
        return cls(term or answer["term"], resolve_term(answer["type"]["id"]), funding, not_funding, documents)

    def rows(self) -> list[dict[str, Any]]:
        """One row per instrument, then one row per city where no such promise was found."""
        rows = [m.row() for city in self.funding for m in city.matches]
        for city_name in self.not_funding:
            row: dict[str, Any] = dict.fromkeys(COMPARE_CSV_COLUMNS)
            row.update(
                {"type": self.type.id, "city": city_name, "funds": False, "max": None,
                 "note": no_promise_note(self.documents.get(city_name, [])),
                 "lead_agencies": [], "responsible_agencies": []}
            )
            rows.append(row)
        return rows

    def csv_rows(self) -> list[dict[str, Any]]:
        """`rows` as CSV cells: yes/no, amounts in 万元 written as read, lists joined."""
        return [csv_row(row) for row in self.rows()]

    def to_csv(self) -> str:
        return rows_to_csv(self.csv_rows(), COMPARE_CSV_COLUMNS)


def csv_row(row: dict[str, Any]) -> dict[str, Any]:
    """A /compare row as CSV cells."""
    cells = {k: cell(v) for k, v in row.items()}
    cells["funds"] = "yes" if row["funds"] else "no"
    cells["max"] = "" if row["max"] is None else ("yes" if row["max"] else "no")
    cells["amount_wan"] = "" if row["amount_wan"] is None else f"{row['amount_wan']:g}"
    return cells


def compare(source: GraphSource, term: str, corpus_cities: Sequence[str] | None = None) -> CompareResult:
    """Every instrument of the type `term` names (UnknownTermError if none), grouped by city.

    Cities are ordered by their largest amount (cities with no figure after), instruments within a
    city by amount (compare.rq's ORDER BY); cities where no such promise was found follow in corpus
    order, with the documents held for each.
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
            tuple(split(row["leadAgencies"])),
            tuple(split(row["responsibleAgencies"])),
            row["date"],
            row["dateKind"],
            row["issuerLevel"],
        )
        city.matches.append(match)
    everyone = city_names(source) if corpus_cities is None else corpus_cities
    not_funding = [c for c in everyone if c not in funding]
    documents: dict[str, list[str]] = {}
    for policy in whole(source, "policies"):
        if policy["city"] in not_funding:
            documents.setdefault(policy["city"], []).append(policy["file"])
    return CompareResult(term, instrument_type, list(funding.values()), not_funding, documents)


def comparison(source: GraphSource, term: str, precomputed: Mapping[str, bytes] | None = None) -> CompareResult:
    """`compare`'s answer, read from the build's precomputed answers (graph/answers.py) when they
    hold it: on a cold 300-city store the query takes seconds, the read milliseconds."""
    stored = (precomputed or {}).get(f"compare/{resolve_term(term).id}.json")
    return CompareResult.from_dict(json.loads(stored), term) if stored else compare(source, term)


def compare_matrix(source: GraphSource) -> list[dict[str, Any]]:
    """City × type: how many instruments and the largest amount, one row per non-empty cell."""
    return [
        {"city": r["city"], "type": r["type"], "count": r["count"], "largest_amount_yuan": r["largestYuan"]}
        for r in whole(source, "matrix")
    ]


def matrix_rows(cells: Sequence[dict[str, Any]], cities: Sequence[str], types: Sequence[str]) -> list[dict[str, Any]]:
    """The matrix as a city × type table: one row per city (corpus order, every city), its number
    of instruments, the types it has, its largest amount, then `<type>.count` and
    `<type>.largest_yuan` for every type (0 and None where it has none)."""
    by_city: dict[str, dict[str, dict[str, Any]]] = {}
    for c in cells:
        by_city.setdefault(c["city"], {})[c["type"]] = c
    everyone = list(cities) + [c for c in by_city if c not in cities]
    rows = []
    for city in everyone:
        own = by_city.get(city, {})
        amounts = [c["largest_amount_yuan"] for c in own.values() if c["largest_amount_yuan"] is not None]
        row: dict[str, Any] = {
            "city": city,
            "instruments": sum(c["count"] for c in own.values()),
            "types": [t for t in types if t in own],
            "largest_amount_yuan": max(amounts, default=None),
        }
        for t in types:
            row[f"{t}.count"] = own[t]["count"] if t in own else 0
            row[f"{t}.largest_yuan"] = own[t]["largest_amount_yuan"] if t in own else None
        rows.append(row)
    return rows
