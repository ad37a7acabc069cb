"""What every presenter of an answer shares: names that find nothing, instrument-type terms, and
amounts in words. Used by graph/answers.py, the API, the CLI and the pages alike."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from extract.records import Instrument
from extract.taxonomy import InstrumentType, load_taxonomy, resolve_type

# Records whose city the extractor could not tell are grouped under this name (the queries bind it
# too, with COALESCE: see graph/queries/*.rq).
UNKNOWN_CITY = "(city not detected)"

PER_LABELS = {"year": "每年 /year", "item": "每项 /item"}


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


class UnknownTermError(NotFound):
    """A term that names no instrument type; carries a few valid examples for the CLI's message."""

    def __init__(self, term: str) -> None:
        valid = [w for t in load_taxonomy() for w in (t.id, t.label_zh, t.label_en, *t.cue_words)]
        super().__init__("instrument type", term, valid)
        self.term = term
        self.examples = list(load_taxonomy()[:5])

    def message(self) -> str:
        lines = [
            f"unknown instrument type {self.term!r}: give an id, a Chinese or English label, or a cue word, e.g.",
        ]
        lines += [f"  {t.id}  ({t.label_zh}, {t.label_en})" for t in self.examples]
        lines.append("  (`policykg types` lists them all)")
        return "\n".join(lines)


def resolve_term(term: str) -> InstrumentType:
    """The instrument type a term names (id, zh/en label, cue word), or UnknownTermError."""
    found = resolve_type(term)
    if found is None:
        raise UnknownTermError(term)
    return found


def format_wan(amount_yuan: int | None) -> str:
    """10000000 → "1,000 万元"; 15000 → "1.5 万元"; None → "" (a promise with no figure)."""
    if amount_yuan is None:
        return ""
    wan = amount_yuan / 10_000
    text = f"{wan:,.0f}" if wan == int(wan) else f"{wan:,.4f}".rstrip("0").rstrip(".")
    return f"{text} 万元"


def format_yuan(amount_yuan: int | None) -> str:
    return "" if amount_yuan is None else f"{amount_yuan:,} 元"


def format_ratio(ratio: float | None) -> str:
    """0.3 → "30%"; 1.0 → "100%"."""
    if ratio is None:
        return ""
    percent = ratio * 100
    return f"{percent:.0f}%" if abs(percent - round(percent)) < 1e-9 else f"{percent:.2f}".rstrip("0").rstrip(".") + "%"


# 1:1 (or 1:1:1) written in the quote: the ratio 1.0 is matching funds, not "100% of the cost"
MATCHING = re.compile(r"(?<![\d.])1\s*[:：]\s*1(?:\s*[:：]\s*1)*(?![\d.])")


def ratio_words(ratio: float, quote: str) -> str:
    """A ratio as the text states it: 1:1 as matching 1:1, anything else as a share (of what, the
    quote says: cost, investment, the national award…)."""
    if ratio == 1.0 and MATCHING.search(quote):
        return "按 1:1 配套 matched 1:1"
    return f"比例 {format_ratio(ratio)} share"


def describe_terms(instrument: Instrument, separator: str = " · ") -> str:
    """The max / per / ratio semantics in words: "最高 ≤ cap · 每年 /year · 比例 30% share"."""
    parts = []
    if instrument.max:
        parts.append("最高 ≤ cap")
    if instrument.per:
        parts.append(PER_LABELS.get(instrument.per, instrument.per))
    if instrument.ratio is not None:
        parts.append(ratio_words(instrument.ratio, instrument.quote))
    return separator.join(parts)
