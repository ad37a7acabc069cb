"""The analyst's questions over the records: cities, policies, agencies, the taxonomy, targets.

Pure functions returning plain dicts whose field names follow the extraction record; the HTTP
routes and the CLI only format them. Lookups that find nothing raise `NotFound` with the
nearest valid names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import PurePath
from typing import Any

from extract.records import ExtractionRecord, Instrument, Target
from extract.taxonomy import load_taxonomy

from .query import city_of, policy_title


class NotFound(LookupError):
    """Nothing by that name; `suggestions` are the nearest valid names."""

    def __init__(self, kind: str, name: str, valid: Sequence[str]) -> None:
        self.kind, self.name = kind, name
        self.suggestions = nearest(name, valid)
        super().__init__(f"no {kind} named {name!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"error": str(self), "kind": self.kind, "not_found": self.name, "did_you_mean": self.suggestions}


def nearest(name: str, valid: Sequence[str], n: int = 5) -> list[str]:
    close = difflib.get_close_matches(name, valid, n=n, cutoff=0.3)
    containing = [v for v in valid if name and (name in v or v in name)]
    return list(dict.fromkeys(containing + close))[:n] or list(valid)[:n]


def policy_id(record: ExtractionRecord) -> str:
    return PurePath(record.doc).stem


def source_link(doc: str, start: int, end: int) -> str:
    return f"/source/{doc}?start={start}&end={end}"


def fact_row(fact: Instrument | Target, record: ExtractionRecord) -> dict[str, Any]:
    return {
        "city": city_of(record),
        "policy": policy_id(record),
        "policy_title": policy_title(record),
        "doc": record.doc,
        **asdict(fact),
        "source": source_link(record.doc, fact.start, fact.end),
    }


def cities(records: Sequence[ExtractionRecord]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for record in records:
        row = rows.setdefault(
            city_of(record),
            {"city": city_of(record), "policies": 0, "measures": 0, "instruments": 0, "targets": 0, "types": set()},
        )
        row["policies"] += 1
        row["measures"] += len(record.measures)
        row["instruments"] += len(record.instruments)
        row["targets"] += len(record.targets)
        row["types"].update(i.type for i in record.instruments if i.type is not None)
    for row in rows.values():
        row["instrument_types"] = sorted(row.pop("types"))
    return list(rows.values())


def city_names(records: Sequence[ExtractionRecord]) -> list[str]:
    return list(dict.fromkeys(city_of(r) for r in records))


def city_detail(records: Sequence[ExtractionRecord], city: str) -> dict[str, Any]:
    own = [r for r in records if city_of(r) == city]
    if not own:
        raise NotFound("city", city, city_names(records))
    types: dict[str, dict[str, Any]] = {}
    labels = {t.id: t for t in load_taxonomy()}
    for record in own:
        for inst in record.instruments:
            if inst.type is None:  # untyped: counted in no type's row
                continue
            label = labels.get(inst.type)
            cell = types.setdefault(
                inst.type,
                {
                    "type": inst.type,
                    "label_zh": label.label_zh if label else inst.type,
                    "label_en": label.label_en if label else inst.type,
                    "count": 0,
                    "largest_amount_yuan": None,
                },
            )
            cell["count"] += 1
            if inst.amount_yuan is not None:
                cell["largest_amount_yuan"] = max(cell["largest_amount_yuan"] or 0, inst.amount_yuan)
    return {
        "city": city,
        "policies": [policy_summary(r) for r in own],
        "instrument_types": sorted(types.values(), key=lambda c: (-c["count"], c["type"])),
        "targets": [fact_row(t, r) for r in own for t in r.targets],
        "baselines": [fact_row(b, r) for r in own for b in r.baselines],
    }


def policy_summary(record: ExtractionRecord) -> dict[str, Any]:
    meta = asdict(record.policy)
    meta.pop("spans", None)
    return {
        "id": policy_id(record),
        "doc": record.doc,
        "city": city_of(record),
        **meta,
        "measures": len(record.measures),
        "instruments": len(record.instruments),
        "targets": len(record.targets),
    }


def policies(records: Sequence[ExtractionRecord]) -> list[dict[str, Any]]:
    return [policy_summary(r) for r in records]


def _norm_title(title: str) -> str:
    return re.sub(r"[\s《》<>〈〉()()\-—–]", "", title)


def _find_policy(records: Sequence[ExtractionRecord], policy: str) -> ExtractionRecord:
    for record in records:
        if policy in (policy_id(record), record.doc):
            return record
    raise NotFound("policy", policy, [policy_id(r) for r in records])


def _cites(citing: ExtractionRecord, cited: ExtractionRecord) -> bool:
    titles = {_norm_title(t) for t in (cited.policy.title, cited.policy.notice_title) if t}
    numbers = {cited.policy.doc_number} - {None}
    return citing is not cited and any(
        _norm_title(c.title) in titles or (c.doc_number and c.doc_number in numbers) for c in citing.citations
    )


def policy_detail(records: Sequence[ExtractionRecord], policy: str) -> dict[str, Any]:
    record = _find_policy(records, policy)
    corpus_ids = {}
    for other in records:
        for title in (other.policy.title, other.policy.notice_title):
            if title:
                corpus_ids[_norm_title(title)] = policy_id(other)
    return {
        **policy_summary(record),
        "sha256": record.sha256,
        "measures": [asdict(m) | {"source": source_link(record.doc, m.start, m.end)} for m in record.measures],
        "agencies": [asdict(a) for a in record.agencies],
        "collective_agencies": record.collective_agencies,
        "instruments": [fact_row(i, record) for i in record.instruments],
        "targets": [fact_row(t, record) for t in record.targets],
        "baselines": [fact_row(b, record) for b in record.baselines],
        "cited_policies": [
            {"title": c.title, "doc_number": c.doc_number, "policy": corpus_ids.get(_norm_title(c.title))}
            | {"source": source_link(record.doc, c.start, c.end)}
            for c in record.citations
        ],
        "citing_policies": [policy_id(o) for o in records if _cites(o, record)],
    }


def agencies(records: Sequence[ExtractionRecord], city: str | None = None) -> list[dict[str, Any]]:
    if city is not None and city not in city_names(records):
        raise NotFound("city", city, city_names(records))
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        if city is not None and city_of(record) != city:
            continue
        for agency in record.agencies:
            key = (city_of(record), agency.name)
            row = merged.setdefault(
                key,
                {"city": key[0], "name": agency.name, "aliases": [], "measures_led": [], "measures_responsible": []},
            )
            row["aliases"] = sorted(set(row["aliases"]) | set(agency.aliases))
            pid = policy_id(record)
            row["measures_led"] += [f"{pid}/{m}" for m in agency.lead_measures]
            row["measures_responsible"] += [f"{pid}/{m}" for m in agency.measures if m not in agency.lead_measures]
    rows = list(merged.values())
    for row in rows:
        row["lead_count"], row["responsible_count"] = len(row["measures_led"]), len(row["measures_responsible"])
    return sorted(rows, key=lambda r: (r["city"], -r["lead_count"] - r["responsible_count"], r["name"]))


def instrument_types(records: Sequence[ExtractionRecord]) -> list[dict[str, Any]]:
    counts: dict[str, dict[str, int]] = {}
    for record in records:
        for inst in record.instruments:
            per_city = counts.setdefault(inst.type, {})
            per_city[city_of(record)] = per_city.get(city_of(record), 0) + 1
    return [
        {
            "id": t.id,
            "label_zh": t.label_zh,
            "label_en": t.label_en,
            "cue_words": list(t.cue_words),
            "covers": t.covers,
            "stip_type": t.stip_type,
            "iri": f"https://w3id.org/policykg/id/instrument-type/{t.id}",
            "counts": counts.get(t.id, {}),
        }
        for t in load_taxonomy()
    ]


def compare_matrix(records: Sequence[ExtractionRecord]) -> list[dict[str, Any]]:
    """City × type: how many instruments and the largest amount, one row per non-empty cell."""
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        for inst in record.instruments:
            if inst.type is None:
                continue
            cell = cells.setdefault(
                (city_of(record), inst.type),
                {"city": city_of(record), "type": inst.type, "count": 0, "largest_amount_yuan": None},
            )
            cell["count"] += 1
            if inst.amount_yuan is not None:
                cell["largest_amount_yuan"] = max(cell["largest_amount_yuan"] or 0, inst.amount_yuan)
    return sorted(cells.values(), key=lambda c: (c["type"], c["city"]))
