"""The analyst's answers, shaped from the named queries (graph/queries/*.rq) on one GraphSource.

Every answer the API, the pages and the CLI give comes from here, so JSON, CSV, a page and the
same query run through /sparql cannot differ. The shaping is thin: rows become the dicts the routes
have always returned (field names follow the extraction record, `extract.records`), unbound cities
are "(city not detected)", and lists that GROUP_CONCAT gathered are sorted. Agencies are the merged
bodies of graph/resolve.py and citations its resolved targets, because both are in the graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import PurePath
from typing import Any

from pyoxigraph import Literal, NamedNode

from extract.records import Instrument, Measure, Target
from extract.taxonomy import InstrumentType, load_taxonomy, type_by_id

from .indicators import load_indicators, resolve_indicator, squeeze
from .questions import question
from .rows import csv_bytes, json_bytes, rows_to_csv, select, split
from .source import GraphSource
from .terms import NotFound, resolve_term

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


@lru_cache(maxsize=16)
def _whole(source: GraphSource, name: str) -> tuple[dict[str, Any], ...]:
    """The rows of a query asked without parameters, once per source: the graph does not change
    while it is served, and per-request answers filter these lists instead of scanning the graph."""
    return tuple(select(source, name, **dict.fromkeys(question(name).parameters)))


def policy_id(doc: str) -> str:
    """A policy is named by its document's file stem."""
    return PurePath(doc).stem


def source_link(doc: str, start: int, end: int) -> str:
    return f"/source/{doc}?start={start}&end={end}"


def _year(date: str | None) -> int | None:
    return int(date[:4]) if date and date[:4].isdigit() else None


# ---------------------------------------------------------------- facts


def _instrument(row: dict[str, Any], type_id: str | None) -> Instrument:
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


def _target(row: dict[str, Any]) -> Target:
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
    return [fact_row(_target(r), r["city"], r["file"], r["policyTitle"]) | {"kind": r["kind"]} for r in rows]


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


# ---------------------------------------------------------------- compare


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
            _instrument(row, instrument_type.id),
            _year(row["date"]),
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
        for r in _whole(source, "matrix")
    ]


# ---------------------------------------------------------------- cities and policies


def cities(source: GraphSource) -> list[dict[str, Any]]:
    """Every city in corpus order (that of its first document) with its counts and types."""
    return [
        {
            "city": r["city"],
            "policies": r["policies"],
            "measures": r["measures"] or 0,
            "instruments": r["instruments"] or 0,
            "targets": r["targets"] or 0,
            "instrument_types": sorted((r["instrumentTypes"] or "").split()),
        }
        for r in _whole(source, "cities")
    ]


def city_names(source: GraphSource) -> list[str]:
    return [row["city"] for row in cities(source)]


def _policy_summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": policy_id(row["file"]),
        "doc": row["file"],
        "city": row["city"],
        "title": row["title"],
        "notice_title": row["noticeTitle"],
        "doc_number": row["docNumber"],
        "issuer": row["issuer"],
        "issued_date": row["issued"],
        "published_date": row["published"],
        "status": row["status"],
        "measures": row["measures"] or 0,
        "instruments": row["instruments"] or 0,
        "targets": row["targets"] or 0,
    }


def policies(source: GraphSource, city: str | None = None) -> list[dict[str, Any]]:
    return [_policy_summary(r) for r in _whole(source, "policies") if city is None or r["city"] == city]


def city_detail(source: GraphSource, city: str) -> dict[str, Any]:
    """One city: its policies, the instrument types it funds (its cells of the matrix), targets, baselines."""
    own = [r for r in _whole(source, "policies") if r["city"] == city]
    if not own:
        raise NotFound("city", city, city_names(source))
    types = type_by_id()
    cells = [c for c in compare_matrix(source) if c["city"] == city]
    facts = quantities(source, policies=[r["policy"] for r in own])
    return {
        "city": city,
        "policies": [_policy_summary(r) for r in own],
        "instrument_types": sorted(
            (
                {
                    "type": c["type"],
                    "label_zh": types[c["type"]].label_zh if c["type"] in types else c["type"],
                    "label_en": types[c["type"]].label_en if c["type"] in types else c["type"],
                    "count": c["count"],
                    "largest_amount_yuan": c["largest_amount_yuan"],
                }
                for c in cells
            ),
            key=lambda c: (-c["count"], c["type"]),
        ),
        "targets": _in_document_order(facts, "target"),
        "baselines": _in_document_order(facts, "baseline"),
    }


def _in_document_order(facts: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """A city's or a policy's targets (or baselines) as its documents state them."""
    own = [{k: v for k, v in row.items() if k != "kind"} for row in facts if row["kind"] == kind]
    return sorted(own, key=lambda row: (row["doc"], row["start"], row["end"]))


def _find_policy(source: GraphSource, policy: str) -> dict[str, Any]:
    """The policies.rq row of a policy named by id (file stem) or document file name."""
    rows = _whole(source, "policies")
    for row in rows:
        if policy in (policy_id(row["file"]), row["file"]):
            return row
    raise NotFound("policy", policy, [policy_id(r["file"]) for r in rows])


def policy_detail(source: GraphSource, policy: str) -> dict[str, Any]:
    """One policy: its metadata, measures (the outline) with their agencies, the agencies, its
    instruments, targets and baselines, the policies it quotes and the corpus policies citing it."""
    row = _find_policy(source, policy)
    iri, doc, city, title = NamedNode(row["policy"]), row["file"], row["city"], row["title"] or row["file"]
    measures = [
        asdict(
            Measure(
                m["id"],
                m["path"],
                m["heading"] or "",
                split(m["leadAgencies"]),
                split(m["agencies"]),
                m["start"],
                m["end"],
                len(m["path"].split("/")),  # the outline level is the depth of the path
            )
        )
        | {"source": source_link(doc, m["start"], m["end"])}
        for m in select(source, "policy_measures", policy=iri)
    ]
    agencies = [
        {
            "name": a["name"],
            "aliases": split(a["aliases"]),
            "measures": _measure_order(split(a["measures"])),
            "lead_measures": _measure_order(split(a["leadMeasures"])),
            "collective": False,  # collective placeholders are the policy's collective_agencies
        }
        for a in select(source, "policy_agencies", policy=iri)
    ]
    links = select(source, "policy_citations", policy=iri)
    facts = quantities(source, policies=[row["policy"]])
    return {
        **_policy_summary(row),
        "sha256": row["sha256"],
        "measures": measures,
        "agencies": agencies,
        "collective_agencies": split(row["collectiveAgencies"]),
        "instruments": [
            fact_row(_instrument(i, i["type"]), city, doc, title) for i in select(source, "instruments", policy=iri)
        ],
        "targets": _in_document_order(facts, "target"),
        "baselines": _in_document_order(facts, "baseline"),
        "cited_policies": [
            {
                "title": c["title"],
                "doc_number": c["docNumber"],
                "policy": policy_id(c["file"]) if c["file"] else None,
                "source": source_link(doc, c["start"], c["end"]),
            }
            for c in links
            if c["direction"] == "cites"
        ],
        "citing_policies": [policy_id(c["file"]) for c in links if c["direction"] == "cited_by"],
    }


def _measure_order(ids: list[str]) -> list[str]:
    """m2 before m10: measure ids are m<position in the document>."""
    return sorted(ids, key=lambda m: (len(m), m))


# ---------------------------------------------------------------- agencies and types


def agencies(source: GraphSource, city: str | None = None) -> list[dict[str, Any]]:
    """The merged agencies (of one city), most active first; NotFound for a city not in the corpus."""
    if city is not None:
        names = city_names(source)
        if city not in names:
            raise NotFound("city", city, names)
    return [
        {
            "city": r["city"],
            "name": r["name"],
            "aliases": split(r["aliases"]),
            "measures_led": _reference_order(split(r["measuresLed"])),
            "measures_responsible": _reference_order(split(r["measuresResponsible"])),
            "lead_count": r["leadCount"] or 0,
            "responsible_count": r["responsibleCount"] or 0,
        }
        for r in _whole(source, "agencies")
        if city is None or r["city"] == city
    ]


def _reference_order(references: list[str]) -> list[str]:
    """policy/measure references by policy, then measure position."""
    return sorted(references, key=lambda ref: (ref.rpartition("/")[0], len(ref), ref))


def instrument_types(source: GraphSource) -> list[dict[str, Any]]:
    """The instrument-type scheme with the number of instruments per city, in taxonomy order (the
    scheme's labels and definitions from the graph; cue words in the order the extractor tries them)."""
    described: dict[str, dict[str, Any]] = {}
    for r in _whole(source, "instrument_types"):
        row = described.setdefault(
            r["id"],
            {
                "id": r["id"],
                "label_zh": r["labelZh"],
                "label_en": r["labelEn"],
                "cue_words": [],
                "covers": r["covers"],
                "stip_type": r["stipType"],
                "iri": r["type"],
                "counts": {},
            },
        )
        if r["city"] is not None:
            row["counts"][r["city"]] = r["count"]
    order = {t.id: i for i, t in enumerate(load_taxonomy())}
    for type_id, row in described.items():
        row["cue_words"] = list(type_by_id()[type_id].cue_words) if type_id in order else []
    return sorted(described.values(), key=lambda row: (order.get(row["id"], len(order)), row["id"]))


# ---------------------------------------------------------------- targets


def compare_targets(source: GraphSource, term: str) -> dict[str, Any]:
    """One indicator's targets and baselines across cities and years: the concept the term names
    (pkg:indicatorConcept), else the wordings that contain the term."""
    indicator = resolve_indicator(term)
    if indicator is not None:
        rows = indicator_quantities(source, indicator.iri)
    else:
        rows = quantities(source, wording=squeeze(term)) if squeeze(term) else []
    if not rows:
        valid = [i.label_zh for i in load_indicators()] + [i.label_en for i in load_indicators()]
        raise NotFound("indicator", term, valid)
    return {"indicator": term, "concept": None if indicator is None else indicator.to_dict(), "targets": rows}


# ---------------------------------------------------------------- precomputed answers


def asked_as(precomputed: bytes, key: str, written: str, asked: str) -> bytes:
    """A precomputed answer whose first field `key` was written as `written` (the type or indicator
    id), answering the term an analyst `asked` instead."""
    head = b'{"' + key.encode() + b'": '
    prefix = head + json_bytes(written)
    if asked == written or not precomputed.startswith(prefix):
        return precomputed
    return head + json_bytes(asked) + precomputed[len(prefix) :]


def precompute_answers(source: GraphSource) -> dict[str, bytes]:
    """The answers every request without a filter gets, serialised once: file name → bytes.

    matrix.{json,csv}, compare/<type id>.{json,csv} for every type of the taxonomy,
    targets/<indicator id>.{json,csv} for every indicator concept with a target, and the lists
    cities, policies, agencies and instruments. CSVs carry the byte-order mark Excel needs.
    """
    corpus_cities = city_names(source)
    answers: dict[str, bytes] = {}
    lists = {
        "matrix": compare_matrix(source),
        "cities": cities(source),
        "policies": policies(source),
        "agencies": agencies(source),
        "instruments": instrument_types(source),
    }
    for name, rows in lists.items():
        answers[f"{name}.json"] = json_bytes(rows)
        answers[f"{name}.csv"] = csv_bytes(rows)
    for instrument_type in load_taxonomy():
        result = compare(source, instrument_type.id, corpus_cities)
        answers[f"compare/{instrument_type.id}.json"] = json_bytes(result.to_dict())
        answers[f"compare/{instrument_type.id}.csv"] = csv_bytes(result.csv_rows(), COMPARE_CSV_COLUMNS)
    for indicator in load_indicators():
        try:
            found = compare_targets(source, indicator.id)
        except NotFound:  # no target of that indicator in this corpus: /targets says so each time
            continue
        answers[f"targets/{indicator.id}.json"] = json_bytes(found)
        answers[f"targets/{indicator.id}.csv"] = csv_bytes(found["targets"])
    return answers
