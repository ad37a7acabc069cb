"""Agencies: one canonical body per city with every surface form the document uses for it.

Chinese government bodies have standard short forms (发展和改革委员会 → 发展改革委 → 发改委,
人力资源和社会保障局 → 人社局); `agency_key` reduces every form to one key with a small table of
those patterns plus general rules (委员会 → 委, 办公室 → 办, 人民政府 → 政府, drop 和/与), so the
forms of one body meet. The name shown is the form the document uses most.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

from .agency_names import ResponsibilityList, find_lists, find_prose_duties, is_collective
from .cities import city_in
from .document import Document
from .language import component
from .records import Agency, Measure

# (long form, short form) of words inside body names, longest first; applied in order
_ABBREVIATIONS: list[tuple[str, str]] = [
    ("机构编制委员会办公室", "编委办"),
    ("编办", "编委办"),
    ("管理委员会", "管委会"),
    ("人民政府", "政府"),
    ("发展和改革", "发展改革"),
    ("发改", "发展改革"),
    ("经济和信息化", "经信"),
    ("经济信息化", "经信"),
    ("工业和信息化", "工信"),
    ("工业信息化", "工信"),
    ("人力资源和社会保障", "人社"),
    ("人力资源社会保障", "人社"),
    ("科学技术协会", "科协"),
    ("科学技术", "科技"),
    ("卫生和计划生育", "卫生计生"),
    ("卫计", "卫生计生"),
    ("卫生健康", "卫健"),
    ("住房和城乡建设", "住建"),
    ("住房城乡建设", "住建"),
    ("城乡建设", "建"),
    ("国有资产监督管理", "国资"),
    ("质量技术监督", "质监"),
    ("食品药品监督管理", "食药监"),
    ("食品药品监管", "食药监"),
    ("市场监督管理", "市场"),
    ("市场监管", "市场"),
    ("环境保护", "环保"),
    ("国土资源", "国土"),
    ("对外贸易经济合作", "外经贸"),
    ("外事侨务", "外侨"),
    ("金融工作", "金融"),
    ("工商行政管理", "工商"),
    ("旅游发展", "旅发"),
    ("文化广播电视", "文广"),
    ("文化广电", "文广"),
    ("海洋与渔业", "海洋渔业"),
    ("教育工作委员会", "教育工委"),
    ("委员会", "委"),
    ("办公室", "办"),
    ("办公厅", "办"),
    ("监督管理", "监管"),
]
_TRAILING_GUANWEI = re.compile(r"管委$")


def agency_key(name: str, city: str | None = None) -> str:
    """The key under which all forms of one body meet: 市发改委, 市发展和改革委员会 → 市发展改革委."""
    key = name
    if city and key.startswith(city + "市"):
        key = key[len(city) :]
    key = re.sub(r"[〔(][^〔〕()]*[〕)]", "", key)
    for long, short in _ABBREVIATIONS:
        key = key.replace(long, short)
    key = _TRAILING_GUANWEI.sub("管委会", key)
    return re.sub(r"(?<=[\u4e00-\u9fff])[和与及](?=[\u4e00-\u9fff])", "", key)


def canonical_names(surfaces: list[str], city: str | None = None) -> dict[str, str]:
    """surface form → the form the document uses most for that body (ties: the first seen)."""
    counts = Counter(surfaces)
    first = {s: i for i, s in reversed(list(enumerate(surfaces)))}
    groups: dict[str, list[str]] = {}
    for surface in counts:
        groups.setdefault(agency_key(surface, city), []).append(surface)
    out: dict[str, str] = {}
    for forms in groups.values():
        best = max(forms, key=lambda f: (counts[f], -first[f]))
        out.update(dict.fromkeys(forms, best))
    return out


@component("duties", requires=("city_hint",), assigns=("duty_lists",))
def duties_component(doc: Document) -> None:
    doc.layers["duty_lists"], _ = document_lists(doc)


@component("agencies", requires=("duty_lists", "city_hint", "measures"), assigns=("agencies", "collective_agencies"))
def agencies_component(doc: Document) -> None:
    doc.layers["agencies"], doc.layers["collective_agencies"] = build_agencies(doc, doc.layers["measures"])


def document_lists(doc: Document) -> tuple[list[ResponsibilityList], str | None]:
    """The document's responsibility lists and its city (computed once per document)."""
    return doc.memo("lists", lambda: _document_lists(doc))


def _document_lists(doc: Document) -> tuple[list[ResponsibilityList], str | None]:
    city = city_in(doc.text)
    lists = find_lists(doc.body, doc.scrambled, city)
    if not lists and not doc.scrambled:
        # no 责任单位 lists at all (管理办法, short notices): the duties the sentences assign
        lists = find_prose_duties(doc.body, city)
    return lists, city


def build_agencies(doc: Document, measures: list[Measure]) -> tuple[list[Agency], list[str]]:
    lists, city = document_lists(doc)
    surfaces = [n for lst in lists for n in lst.lead + lst.others]
    canon = canonical_names(surfaces, city)
    shared = set().union(*(lst.shared for lst in lists)) if lists else set()
    starts = [m.start for m in measures]
    agencies: dict[str, Agency] = {}
    collective: dict[str, None] = {}  # ordered sets: membership tests stay O(1) when a body
    aliases: dict[str, dict[str, None]] = {}  # appears in thousands of measures
    in_measures: dict[str, dict[str, None]] = {}
    leads: dict[str, dict[str, None]] = {}
    for lst in lists:
        measure = _measure_at(measures, starts, doc.offsets[lst.start])
        for surface, lead in [(n, True) for n in lst.lead] + [(n, False) for n in lst.others]:
            name = canon[surface]
            if is_collective(surface) or surface in shared:
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
