"""Free-text questions ("哪些城市资助孵化器", "大连 创新券", "which cities fund innovation vouchers").

The question is segmented with jieba, whose user dictionary is this corpus's own vocabulary
(taxonomy labels and cue words, cities, agencies, indicators), then each word is resolved to
an instrument type, a city, an agency or an indicator. The answer says how the question was
understood and gives the matching table.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jieba

from extract.normalise import normalise
from extract.records import ExtractionRecord
from extract.taxonomy import InstrumentType, load_taxonomy

from .catalog import agencies, city_detail, city_names
from .indicators import INDICATORS, Indicator, compare_targets
from .query import compare
from .serving import default_cache_dir

# English words too generic to pick an instrument type on their own
_GENERIC_EN = {"award", "awards", "support", "subsidy", "subsidies", "grant", "grants", "and", "for", "of", "other"}


@dataclass
class Understanding:
    tokens: list[str]
    instrument_types: list[InstrumentType] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)

    def intent(self) -> str:
        if self.instrument_types:
            return "compare"
        if self.indicators:
            return "targets"
        if self.agencies:
            return "agencies"
        if self.cities:
            return "city"
        return "unknown"

    def to_dict(self) -> dict[str, Any]:
        return {
            "tokens": self.tokens,
            "intent": self.intent(),
            "instrument_types": [t.id for t in self.instrument_types],
            "cities": self.cities,
            "agencies": self.agencies,
            "indicators": [i.id for i in self.indicators],
        }


def jieba_cache_dir() -> Path:
    """A directory only this user can write, for jieba's dictionary cache.

    jieba's default cache is /tmp/jieba.cache: a shared, predictable path that any local user can
    create first and fill with the marshal data jieba then loads. Ours lives under the policykg
    cache (~/.cache/policykg/jieba, mode 0700), or a fresh private temporary directory when that
    cannot be created.
    """
    directory = default_cache_dir() / "jieba"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)  # mkdir's mode is masked by the umask, and skipped if it existed
        return directory
    except OSError:
        return Path(tempfile.mkdtemp(prefix="policykg-jieba-"))  # mkdtemp makes it 0700


def private_tokenizer() -> jieba.Tokenizer:
    """A jieba Tokenizer whose dictionary cache is read from and written to `jieba_cache_dir()`."""
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(jieba_cache_dir())
    tokenizer.cache_file = "jieba.cache"
    return tokenizer


class QuestionReader:
    """A jieba tokenizer loaded with the corpus vocabulary; build once per served graph."""

    def __init__(self, records: Sequence[ExtractionRecord]) -> None:
        self.records = records
        self.cities = city_names(records)
        self.agency_names = sorted(
            {a.name for r in records for a in r.agencies}
            | {alias for r in records for a in r.agencies for alias in a.aliases}
        )
        self.tokenizer = private_tokenizer()
        words = [w for t in load_taxonomy() for w in (t.label_zh, *t.cue_words)]
        words += self.cities + [c + "市" for c in self.cities] + self.agency_names
        words += [i.label_zh for i in INDICATORS]
        for word in words:
            self.tokenizer.add_word(word, freq=100_000)

    def read(self, question: str) -> Understanding:
        text = normalise(question)[0]
        tokens = [t for t in self.tokenizer.lcut(text) if t.strip()]
        found = Understanding(tokens)
        taxonomy = load_taxonomy()
        for token in tokens:
            bare = token[:-1] if token.endswith("市") and len(token) > 2 else token
            if bare in self.cities and bare not in found.cities:
                found.cities.append(bare)
            if token in self.agency_names and token not in found.agencies:
                found.agencies.append(token)
            for t in taxonomy:
                if (token == t.label_zh or token in t.cue_words) and t not in found.instrument_types:
                    found.instrument_types.append(t)
        for ind in INDICATORS:
            if (ind.label_zh in text or ind.matches(text)) and not found.instrument_types:
                found.indicators.append(ind)
        found.instrument_types += [t for t in _english_types(text, taxonomy) if t not in found.instrument_types]
        return found


def _stem(word: str) -> str:
    return re.sub(r"(ies)$", "y", word) if word.endswith("ies") else word.rstrip("s")


def _english_types(text: str, taxonomy: Sequence[InstrumentType]) -> list[InstrumentType]:
    """Types whose English label or id words the question mostly uses; only the best-scoring ones."""
    words = {_stem(w) for w in re.findall(r"[a-z&-]+", text.casefold())}
    if not words:
        return []
    scored = []
    for t in taxonomy:
        label = {_stem(w) for w in re.findall(r"[a-z&-]+", (t.label_en + " " + t.id.replace("_", " ")).casefold())}
        specific = label - {_stem(g) for g in _GENERIC_EN}
        if specific:
            scored.append((len(specific & words) / len(specific), t))
    best = max((s for s, _ in scored), default=0)
    return [t for s, t in scored if s == best and s >= 0.5]


def answer(reader: QuestionReader, question: str) -> dict[str, Any]:
    understood = reader.read(question)
    records = reader.records
    intent = understood.intent()
    table: Any = None
    if intent == "compare":
        results = [compare(records, t.id).to_dict() for t in understood.instrument_types]
        if understood.cities:
            for result in results:
                result["cities"] = [c for c in result["cities"] if c["city"] in understood.cities]
        table = results
    elif intent == "targets":
        table = [compare_targets(records, i.id) for i in understood.indicators]
    elif intent == "agencies":
        rows = [
            a
            for a in agencies(records)
            if a["name"] in understood.agencies or set(a["aliases"]) & set(understood.agencies)
        ]
        table = rows
    elif intent == "city":
        table = [city_detail(records, c) for c in understood.cities]
    return {"question": question, "understood": understood.to_dict(), "answer": table}
