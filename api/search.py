"""Free-text questions ("哪些城市资助孵化器", "大连 创新券", "which cities fund innovation vouchers").

The question is read against the graph's own vocabulary (graph/queries/vocabulary.rq: city names,
agency names and their other names, instrument-type labels and cue words, indicator labels): every
vocabulary word it contains is found, then resolved to an instrument type, a city, an agency or an
indicator. The answer says how the question was understood and gives the matching table, from the
same answers as /compare, /targets, /agencies and /cities.

What the question names is found by a scan for the vocabulary's words (every occurrence, longest
first). The question's tokens are cut by jieba with the graph's vocabulary as its whole dictionary
(and its HMM for the words between): jieba's general dictionary is not loaded, which cost the
first question after start 1.3–1.9 s (bench/bench_first_search.py); this one is built in
milliseconds when the reader is made, at start-up.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from extract.normalise import normalise
from extract.taxonomy import InstrumentType, load_taxonomy, type_by_id
from graph import answers
from graph.compare import CompareResult, compare
from graph.indicators import Indicator, load_indicators
from graph.rows import json_bytes, select
from graph.source import GraphSource

if TYPE_CHECKING:
    import jieba

# English words too generic to pick an instrument type on their own
_GENERIC_EN = {"award", "awards", "support", "subsidy", "subsidies", "grant", "grants", "and", "for", "of", "other"}
# What separates the words of the text between vocabulary words
_SEPARATOR = re.compile(r"[\s\W_]+")


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


class Vocabulary:
    """The graph's words by kind ("city", "agency", "instrument_type", "indicator"): word → key."""

    def __init__(self, rows: Sequence[dict[str, str]]) -> None:
        self.words: dict[str, dict[str, str]] = {}
        for row in rows:
            self.words.setdefault(row["kind"], {})[row["word"]] = row["key"]
        for city in list(self.words.get("city", {})):
            self.words["city"].setdefault(city + "市", city)  # 大连市 is 大连
        # first character → the lengths of the words starting with it, longest first
        self._lengths: dict[str, list[int]] = {}
        self._all = {w for by_word in self.words.values() for w in by_word}
        for word in self._all:
            lengths = self._lengths.setdefault(word[0], [])
            if len(word) not in lengths:
                lengths.append(len(word))
        for lengths in self._lengths.values():
            lengths.sort(reverse=True)
        self._segmenter = _segmenter(self._all)

    @classmethod
    def of(cls, source: GraphSource) -> Vocabulary:
        return cls(select(source, "vocabulary"))

    def occurrences(self, text: str) -> list[tuple[int, str]]:
        """Every vocabulary word in the text, overlapping ones too (大连市科技局: 大连, 大连市, 市科技局)."""
        found = []
        for start, char in enumerate(text):
            for length in self._lengths.get(char, ()):
                if text[start : start + length] in self._all:
                    found.append((start, text[start : start + length]))
        return found

    def mentions(self, text: str) -> list[str]:
        """The vocabulary words the text names, in order: every occurrence that is not part of a
        longer one (市知识产权局 names an agency, not the cue word 知识产权 inside it)."""
        found = self.occurrences(text)
        spans = [(start, start + len(word)) for start, word in found]
        return [
            word
            for (start, word), (s, e) in zip(found, spans, strict=True)
            if not any(a <= s and e <= b and (a, b) != (s, e) for a, b in spans)
        ]

    def tokens(self, text: str) -> list[str]:
        """The text cut into words by jieba: the vocabulary's words whole, the rest by its HMM."""
        return [t for t in self._segmenter.cut(text, HMM=True) if not _SEPARATOR.fullmatch(t)]


# a vocabulary word's weight in the segmenter's dictionary: every word alike, so the cut with the
# fewest, longest words wins
_WORD_FREQUENCY = 100


def _import_jieba() -> Any:
    """jieba, imported without pkg_resources: jieba's `_compat` imports it (0.13 s of the server's
    start-up, and deprecated) only to open jieba's own data files, which it opens by path when
    pkg_resources cannot be imported."""
    hide = "pkg_resources" not in sys.modules
    if hide:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes `import pkg_resources` fail
    try:
        import jieba
    finally:
        if hide:
            del sys.modules["pkg_resources"]
    return jieba


def _segmenter(words: set[str]) -> jieba.Tokenizer:
    """A jieba tokenizer whose dictionary is `words` alone (made in memory: no dictionary file read,
    no cache file written)."""
    tokenizer = _import_jieba().Tokenizer()
    lines = "".join(f"{word} {_WORD_FREQUENCY}\n" for word in sorted(words) if word.strip() and " " not in word)
    tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(io.BytesIO(lines.encode("utf-8")))
    tokenizer.initialized = True
    return tokenizer


class QuestionReader:
    """Reads questions against one graph's vocabulary and answers them from its query layer, or
    from the answers the lane precomputed (`precomputed`, graph.answers.precompute_answers)."""

    def __init__(self, source: GraphSource, precomputed: dict[str, bytes] | None = None) -> None:
        self.source = source
        self.precomputed = precomputed or {}
        stored = self.precomputed.get("vocabulary.json")
        self.vocabulary = Vocabulary(json.loads(stored)) if stored else Vocabulary.of(source)

    def compare(self, type_id: str) -> dict[str, Any]:
        stored = self.precomputed.get(f"compare/{type_id}.json")
        return json.loads(stored) if stored else compare(self.source, type_id).to_dict()

    def targets(self, indicator_id: str) -> dict[str, Any]:
        stored = self.precomputed.get(f"targets/{indicator_id}.json")
        return json.loads(stored) if stored else answers.compare_targets(self.source, indicator_id)

    def read(self, question: str) -> Understanding:
        text = normalise(question)[0]
        found = Understanding(self.vocabulary.tokens(text))
        words = self.vocabulary.words
        types = type_by_id()
        for word in self.vocabulary.mentions(text):
            if (city := words.get("city", {}).get(word)) and city not in found.cities:
                found.cities.append(city)
            if word in words.get("agency", {}) and word not in found.agencies:
                found.agencies.append(word)
            type_id = words.get("instrument_type", {}).get(word)
            if type_id in types and types[type_id] not in found.instrument_types:
                found.instrument_types.append(types[type_id])
        for ind in load_indicators():
            if (ind.label_zh in text or ind.matches(text)) and not found.instrument_types:
                found.indicators.append(ind)
        taxonomy = load_taxonomy()
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


def answer(reader: QuestionReader, question: str, understood: Understanding | None = None) -> dict[str, Any]:
    understood = understood or reader.read(question)
    intent = understood.intent()
    table: Any = None
    if intent == "compare":
        results = [reader.compare(t.id) for t in understood.instrument_types]
        if understood.cities:
            for result in results:
                result["cities"] = [c for c in result["cities"] if c["city"] in understood.cities]
        table = results
    elif intent == "targets":
        table = [reader.targets(i.id) for i in understood.indicators]
    elif intent == "agencies":
        # 大连市科技局: Dalian's bureau, not every city's 市科技局
        scopes: list[str | None] = list(understood.cities) or [None]
        table = [a for city in scopes for a in answers.agencies(reader.source, city, named=understood.agencies)]
    elif intent == "city":
        table = [answers.city_detail(reader.source, c) for c in understood.cities]
    return {"question": question, "understood": understood.to_dict(), "answer": table}


def answer_json(reader: QuestionReader, question: str) -> bytes:
    """`answer` as JSON; a whole precomputed table (a comparison with no city named, an indicator)
    is put in as it was serialised, not parsed and written again."""
    understood = reader.read(question)
    keys: list[str] = []
    if understood.intent() == "compare" and not understood.cities:
        keys = [f"compare/{t.id}.json" for t in understood.instrument_types]
    elif understood.intent() == "targets":
        keys = [f"targets/{i.id}.json" for i in understood.indicators]
    if keys and all(k in reader.precomputed for k in keys):
        tables = b", ".join(reader.precomputed[k] for k in keys)
        head = json_bytes({"question": question, "understood": understood.to_dict()})[:-1]
        return head + b', "answer": [' + tables + b"]}"
    return json_bytes(answer(reader, question, understood))


def search_rows(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of an answer's tables, for /search as a list: a comparison's rows (instruments with
    their agencies, dates and sources; a note for a city named where no such promise was found),
    an indicator's targets, the agencies, or a city's policies."""
    intent, rows = found["understood"]["intent"], []
    for table in found["answer"] or []:
        if intent == "compare":
            shown = {c["city"] for c in table["cities"]}
            rows += [r for r in CompareResult.from_dict(table).rows() if r["city"] in shown]
        elif intent == "targets":
            rows += table["targets"]
        elif intent == "agencies":
            rows.append(table)
        elif intent == "city":
            rows += table["policies"]
    return rows
