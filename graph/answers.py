"""The analyst's answers, shaped from the named queries (graph/queries/*.rq) on one GraphSource.

Every answer the API, the pages and the CLI give comes from here (and from graph/compare.py), so
JSON, CSV, a page and the same query run through /sparql cannot differ. The shaping is thin: rows
become the dicts the routes have always returned, and lists that GROUP_CONCAT gathered are sorted.
Agencies are the merged bodies of graph/resolve.py and citations its resolved targets, because both
are in the graph. Whole lists are read once per source (the graph does not change while served);
an answer about one city or policy filters them or starts its query from that policy.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from extract.records import Measure
from extract.taxonomy import load_taxonomy, type_by_id

from .compare import COMPARE_CSV_COLUMNS, compare, compare_matrix, matrix_rows
from .facts import (
    city_names,
    fact_row,
    indicator_quantities,
    instrument_of,
    policy_id,
    quantities,
    source_link,
    whole,
    year_of,
)
from .indicators import load_indicators, resolve_indicator, squeeze
from .rows import csv_bytes, json_bytes, select, split
from .source import GraphSource
from .terms import NotFound
from .timeline import timeline

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
        for r in whole(source, "cities")
    ]


def _policy_summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": policy_id(row["file"]),
        "doc": row["file"],
        "city": row["city"],
        "issuer_level": row["issuerLevel"],
        "title": row["title"],
        "notice_title": row["noticeTitle"],
        "doc_number": row["docNumber"],
        "issuer": row["issuer"],
        "issued_date": row["issued"],
        "published_date": row["published"],
        # the policy's own date: its signing date, else its publication date, and which one it is
        "date": row["issued"] or row["published"],
        "date_kind": "signed" if row["issued"] else "published" if row["published"] else None,
        "year": year_of(row["issued"] or row["published"]),
        "status": row["status"],
        "measures": row["measures"] or 0,
        "instruments": row["instruments"] or 0,
        "targets": row["targets"] or 0,
    }


def policies(source: GraphSource, city: str | None = None) -> list[dict[str, Any]]:
    return [_policy_summary(r) for r in whole(source, "policies") if city is None or r["city"] == city]


def city_detail(source: GraphSource, city: str) -> dict[str, Any]:
    """One city: its policies, the instrument types it funds (its cells of the matrix), targets, baselines."""
    own = [r for r in whole(source, "policies") if r["city"] == city]
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
    rows = whole(source, "policies")
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
            fact_row(instrument_of(i, i["type"]), city, doc, title) for i in select(source, "instruments", policy=iri)
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


def agencies(
    source: GraphSource, city: str | None = None, named: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """The merged agencies (of one city; called by one of the names `named`), most active first;
    NotFound for a city not in the corpus."""
    if city is not None:
        names = city_names(source)
        if city not in names:
            raise NotFound("city", city, names)
    wanted = None if named is None else set(named)
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
        for r in whole(source, "agencies")
        if (city is None or r["city"] == city)
        and (wanted is None or r["name"] in wanted or not wanted.isdisjoint(split(r["aliases"])))
    ]


def _reference_order(references: list[str]) -> list[str]:
    """policy/measure references by policy, then measure position."""
    return sorted(references, key=lambda ref: (ref.rpartition("/")[0], len(ref), ref))


def instrument_types(source: GraphSource) -> list[dict[str, Any]]:
    """The instrument-type scheme with the number of instruments per city, in taxonomy order (the
    scheme's labels and definitions from the graph; cue words in the order the extractor tries them)."""
    described: dict[str, dict[str, Any]] = {}
    for r in whole(source, "instrument_types"):
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

    matrix.{json,csv} (a row per city, a count and largest amount per type), compare/<type id>.{json,csv}
    and timeline/<type id>.json for every type of the taxonomy, targets/<indicator id>.{json,csv}
    for every indicator concept with a target, the lists cities, policies, agencies and
    instruments, the data-model page's figures and the search vocabulary (vocabulary.json). CSVs
    carry the byte-order mark Excel needs.

    Oxigraph evaluates a query without holding the interpreter lock, so the answers are worked out
    on a thread a core (at most 4): 1.8× faster on 2 cores at 300 cities.
    """
    corpus_cities = city_names(source)
    whole(source, "policies")  # read once, before the threads that need it
    taxonomy = load_taxonomy()
    lists: dict[str, Callable[[], list[dict[str, Any]]]] = {
        "agencies": partial(agencies, source),
        "cities": partial(cities, source),
        "matrix": lambda: matrix_rows(compare_matrix(source), corpus_cities, [t.id for t in taxonomy]),
        "policies": partial(policies, source),
        "instruments": partial(instrument_types, source),
    }

    def one_list(name: str) -> dict[str, bytes]:
        table = lists[name]()
        return {f"{name}.json": json_bytes(table), f"{name}.csv": csv_bytes(table)}

    def data_model() -> dict[str, bytes]:
        from .linked_data import DATA_MODEL_ANSWER, usage_rows  # (rdflib: at build time only)

        # the data-model page's figures (/ontology); the words free-text questions are read
        # against (api/search.py): read at start, not queried
        return {DATA_MODEL_ANSWER: usage_rows(source), "vocabulary.json": json_bytes(select(source, "vocabulary"))}

    def one_type(type_id: str) -> dict[str, bytes]:
        result = compare(source, type_id, corpus_cities)
        return {
            f"compare/{type_id}.json": json_bytes(result.to_dict()),
            f"compare/{type_id}.csv": csv_bytes(result.csv_rows(), COMPARE_CSV_COLUMNS),
            # /timeline's first answer at 300 cities took 20 s on a cold store; at build time, 0.5 s a type
            f"timeline/{type_id}.json": json_bytes(timeline(source, type_id, corpus_cities)),
        }

    def one_indicator(indicator_id: str) -> dict[str, bytes]:
        try:
            found = compare_targets(source, indicator_id)
        except NotFound:  # no target of that indicator in this corpus: /targets says so each time
            return {}
        return {f"targets/{indicator_id}.json": json_bytes(found),
                f"targets/{indicator_id}.csv": csv_bytes(found["targets"])}

    # the longest first (agencies, cities and the data model take 10-15 s each at 300 cities), so
    # that the short ones fill in around them
    tasks = [partial(one_list, "agencies"), partial(one_list, "cities"), data_model,
             *(partial(one_list, name) for name in lists if name not in ("agencies", "cities")),
             *(partial(one_type, t.id) for t in taxonomy), *(partial(one_indicator, i.id) for i in load_indicators())]
    answers: dict[str, bytes] = {}
    with ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as pool:
        for part in pool.map(lambda task: task(), tasks):  # in the tasks' order: the same files every time
            answers.update(part)
    return answers


def write_answers(precomputed: dict[str, bytes], directory: Path) -> None:
    """Precomputed answers as files under `directory` (compare/innovation_voucher.json…), for a
    build to ship them beside its store."""
    for name, body in precomputed.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)


def read_answers(directory: Path) -> dict[str, bytes]:
    """What `write_answers` wrote, to serve without computing anything."""
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
