"""Target indicators compared across cities: one concept, however each policy words it.

Policies name the same indicator many ways (全社会研发投入占生产总值比重, R&D经费占GDP比重,
投入强度); a concept gathers them with a pattern so `/targets?indicator=R&D 投入占比` finds all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from extract.normalise import normalise
from extract.records import ExtractionRecord

from .catalog import NotFound, fact_row


@dataclass(frozen=True)
class Indicator:
    id: str
    label_zh: str
    label_en: str
    pattern: str  # matched against the extracted indicator text

    def matches(self, text: str) -> bool:
        return re.search(self.pattern, text, re.IGNORECASE) is not None


INDICATORS = (
    Indicator("rd_intensity", "研发投入占比", "R&D intensity", r"(研发|R&D|研究与开发).*(比重|占比|强度)|投入强度"),
    Indicator("rd_spending", "研发投入总量", "R&D spending", r"(研发|R&D)(经费|投入)(?!.*(比重|占比|强度|增速))"),
    Indicator("high_tech_enterprises", "高新技术企业", "High-tech enterprises", r"高新技术企业|高企"),
    Indicator("tech_smes", "科技型中小企业", "Tech SMEs", r"科技型中小企业"),
    Indicator("tech_contract_turnover", "技术合同成交额", "Technology contract turnover", r"技术合同|技术交易额"),
    Indicator("invention_patents", "发明专利", "Invention patents", r"发明专利"),
    Indicator(
        "innovation_platforms",
        "创新平台",
        "Innovation platforms",
        r"创新平台|研发平台|重点实验室|技术创新中心|工程中心",
    ),
    Indicator("incubators", "孵化载体", "Incubators and maker spaces", r"孵化器|众创空间|孵化载体|大学科技园"),
    Indicator("talent", "人才", "Talent", r"人才|专家|团队|技术经纪人|特派"),
    Indicator(
        "high_tech_output", "高新技术产业产值", "High-tech industry output", r"高新技术(产业|产品).*(产值|增加值)"
    ),
    Indicator("tech_transfer_bodies", "技术转移机构", "Technology transfer bodies", r"技术转移"),
    Indicator("alliances", "产业技术创新联盟", "Innovation alliances", r"联盟"),
)


def resolve_indicator(term: str) -> Indicator | None:
    """An indicator concept by id, label, or by a term its pattern recognises (R&D 投入占比)."""
    text = normalise(term.strip())[0]
    squeezed = re.sub(r"\s+", "", text)
    for ind in INDICATORS:
        if squeezed.casefold() in (ind.id, ind.label_zh, ind.label_en.casefold().replace(" ", "")):
            return ind
    for ind in INDICATORS:
        if ind.matches(squeezed) or ind.label_en.casefold() in text.casefold():
            return ind
    return None


def compare_targets(records: Sequence[ExtractionRecord], term: str) -> dict[str, Any]:
    """The same indicator's targets (and baselines) across cities and years."""
    indicator = resolve_indicator(term)
    needle = re.sub(r"\s+", "", normalise(term)[0])

    def wanted(text: str) -> bool:
        return indicator.matches(text) if indicator else needle in text

    rows = [
        fact_row(t, r) | {"kind": kind}
        for r in records
        for kind, facts in (("target", r.targets), ("baseline", r.baselines))
        for t in facts
        if wanted(t.indicator)
    ]
    if not rows:
        valid = [i.label_zh for i in INDICATORS] + [i.label_en for i in INDICATORS]
        raise NotFound("indicator", term, valid)
    rows.sort(key=lambda row: (row["city"], row["year"] or 0, row["kind"]))
    return {
        "indicator": term,
        "concept": None
        if indicator is None
        else {"id": indicator.id, "label_zh": indicator.label_zh, "label_en": indicator.label_en},
        "targets": rows,
    }
