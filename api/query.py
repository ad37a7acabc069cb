"""What a build extracted, per city: the summary `policykg build` prints.

The analyst's questions (compare, the matrix, agencies, targets…) are answered by the query layer,
graph/answers.py, over the graph; this counts the records a build has in hand before any graph
exists, with agencies merged across documents as the graph merges them (graph/resolve.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from extract.records import ExtractionRecord
from graph.terms import UNKNOWN_CITY


def city_of(record: ExtractionRecord) -> str:
    return record.city or UNKNOWN_CITY


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

    Agencies are the government bodies of the city once merged (names and aliases that denote one
    body count once, collective placeholders not at all): the count /agencies lists.
    """
    summaries: dict[str, CitySummary] = {}
    for record in records:
        summary = summaries.setdefault(city_of(record), CitySummary(city_of(record)))
        summary.policies += 1
        summary.docs.append(record.doc)
        summary.measures += len(record.measures)
        summary.instruments += len(record.instruments)
        summary.targets += len(record.targets)
    from graph.resolve import Corpus  # rdflib loads slowly: only when summarising a build

    for agency in Corpus(list(records)).agencies:
        city = agency.city or UNKNOWN_CITY
        if not agency.collective and city in summaries:
            summaries[city].agencies += 1
    return list(summaries.values())
