"""The instrument taxonomy (ids, labels, cue words, OECD STIP type), shipped as a TSV.

`graph/` turns it into a SKOS concept scheme; the extractors use its cue words.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class InstrumentType:
    id: str
    label_zh: str
    label_en: str
    cue_words: tuple[str, ...]
    covers: str
    stip_type: str
    # "form" where the cues name a form of support (贴息, 创新券, a fund), "object" where they
    # name who or what receives it (孵化器, 人才): a form named in a promise decides its type
    names: str = "object"
    # cue words too generic to outweigh a specific beneficiary (配套 matches any matching award)
    weak_cues: tuple[str, ...] = ()


@cache
def load_taxonomy() -> tuple[InstrumentType, ...]:
    text = resources.files("extract").joinpath("data/instrument_types.tsv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines(), delimiter="\t")
    return tuple(
        InstrumentType(
            id=row["id"],
            label_zh=row["label_zh"],
            label_en=row["label_en"],
            cue_words=tuple(w for w in row["cue_words_zh"].split(";") if w),
            covers=row["covers"],
            stip_type=row["oecd_stip_type"],
            names=row["names"],
            weak_cues=tuple(w for w in row["weak_cues_zh"].split(";") if w),
        )
        for row in rows
    )


def type_by_id() -> dict[str, InstrumentType]:
    return {t.id: t for t in load_taxonomy()}


def resolve_type(term: str) -> InstrumentType | None:
    """Find an instrument type by id, Chinese or English label, or cue word (case-insensitive)."""
    needle = term.strip().casefold()
    if not needle:
        return None
    types = load_taxonomy()
    for exact in (
        lambda t: t.id.casefold() == needle,
        lambda t: t.label_zh == term.strip() or t.label_en.casefold() == needle,
        lambda t: term.strip() in t.cue_words,
    ):
        for t in types:
            if exact(t):
                return t
    # English plural/singular and partial labels: "innovation voucher" → "Innovation vouchers"
    for t in types:
        if needle in t.label_en.casefold() or needle in t.label_zh:
            return t
    for t in types:
        if any(needle in w or w in term for w in t.cue_words):
            return t
    return None
