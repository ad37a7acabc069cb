"""The agencies component: one record per body the document names, with every surface form it
uses for it (the duties component already mapped each form to its body's canonical name), the
measures it is responsible for and those it leads.
"""

from __future__ import annotations

import bisect

from .document import Document
from .language import component
from .lexicon import lexicon
from .records import Agency, Measure
from .spans import ResponsibilityList

# 各区市县人民政府, 有关部门: placeholders for many bodies, listed apart from the agencies
_COLLECTIVE = lexicon("collective_agencies").compile()


@component(
    "agencies", requires=("duty_lists", "canonical_names", "measures"), assigns=("agencies", "collective_agencies")
)
def agencies_component(doc: Document) -> None:
    doc.layers["agencies"], doc.layers["collective_agencies"] = build_agencies(doc, doc.layers["measures"])


def build_agencies(doc: Document, measures: list[Measure]) -> tuple[list[Agency], list[str]]:
    lists: list[ResponsibilityList] = doc.layers["duty_lists"]
    canon: dict[str, str] = doc.layers["canonical_names"]
    shared = set().union(*(lst.shared for lst in lists)) if lists else set()
    starts = [m.start for m in measures]
    agencies: dict[str, Agency] = {}
    collective: dict[str, None] = {}  # ordered sets: membership tests stay O(1) when a body
    aliases: dict[str, dict[str, None]] = {}  # appears in thousands of measures
    in_measures: dict[str, dict[str, None]] = {}
    leads: dict[str, dict[str, None]] = {}
    for lst in lists:
        measure = _measure_at(measures, starts, lst.start)
        for surface, lead in [(n, True) for n in lst.lead] + [(n, False) for n in lst.others]:
            name = canon[surface]
            if _COLLECTIVE.search(surface) or surface in shared:
                collective.setdefault(name)
                continue
            if name not in agencies:
                agencies[name] = Agency(name=name, aliases=[], measures=[])
                aliases[name], in_measures[name], leads[name] = {}, {}, {}
            aliases[name].setdefault(surface)
            if measure:
                in_measures[name].setdefault(measure.id)
                if lead:
                    leads[name].setdefault(measure.id)
    for name, agency in agencies.items():
        agency.aliases = list(aliases[name])
        agency.measures = list(in_measures[name])
        agency.lead_measures = list(leads[name])
    return list(agencies.values()), list(collective)


def _measure_at(measures: list[Measure], starts: list[int], position: int) -> Measure | None:
    i = bisect.bisect_right(starts, position) - 1
    if i >= 0 and measures[i].start <= position < max(measures[i].end, measures[i].start + 1):
        return measures[i]
    return None
