"""Numbers, money and ratios as the genre writes them (200万元, 2亿元, 3.6万元/年, 1:1, 30%).

A small grammar (after Duckling's rules): a number, written in digits or in Chinese numerals,
then a unit of money from `lexicon/amount_units.tsv` and what it is paid per (`per_words`), read
into `Amount` spans. The phrasings it handles, with the values it reads, are listed in
`data/amount_corpus.tsv` and checked by tests/test_amounts.py. A pure module: the `amounts`
component (money.py) runs it over the sentences; targets and dates use its number grammar.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .lexicon import lexicon

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# A number starts at the start of its run of digits (or numerals): a match can only end where one
# starting at the run's first character ends too, so trying every later start of a long run finds
# nothing new and costs time quadratic in the run's length (8,000 digits took 11 s).
CN_NUMBER = r"(?<![零〇一二两三四五六七八九十百千])[零〇一二两三四五六七八九十百千]+"
# 1,000万元: thousands groups (exactly three digits after each comma) are one number
ARABIC = r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])|(?<!\d)\d+(?:\.\d+)?"
NUMBER = rf"(?:{ARABIC}|{CN_NUMBER})"

_UNITS = lexicon("amount_units")
_PER = lexicon("per_words")
_CAPS = lexicon("cap_words")
_FLOORS = lexicon("floor_words")
# yuan per unit word; the longest unit wins (千万元 before 万元), so a bare 万 (a regex entry,
# tried after the words) is read only where 万元 is not written
_SCALE = {e.entry: int(e.value) for e in _UNITS.entries if e.kind == "word"}
_SCALE_PATTERNS = [(re.compile(e.entry), int(e.value)) for e in _UNITS.entries if e.kind == "regex"]
_PER_SUFFIX = {e.entry: e.value for e in _PER.entries if e.value.startswith("suffix_")}
# 8O万元: a PDF's letter O for a zero between or after digits (money only: a sum's unit follows)
_LETTER_O_NUMBER = r"(?<![\dOo])\d+[Oo][\dOo]*"
_LETTER_O = str.maketrans("Oo", "00")
MONEY = re.compile(
    rf"(?P<num>{_LETTER_O_NUMBER}|{NUMBER})(?P<unit>{_UNITS.alternation()})"
    rf"(?P<per>{_PER.alternation('suffix_year')}|{_PER.alternation('suffix_unit')}|{_PER.alternation('suffix_area')})?"
)
# the words that open a phrase naming whom a promise is for (lexicon `money_recipient_words`), the
# one definition every reader asks: the preposition (对…, 对于…), and with it whoever qualifies (凡…)
RECIPIENT_OPENER = lexicon("money_recipient_words").compile("opener")
RECIPIENT_OR_ELIGIBLE = lexicon("money_recipient_words").compile(("opener", "eligibility"))
# (二)对新认定的省级实验室,安排30万元经费: a clause (after an item marker) that opens with 对/凡 and
# names 对…的 whom a later sum goes to; a sum after it in the sentence is an award, not a budget
RECIPIENT_CLAUSE = re.compile(
    rf"(?:^|[,;:])\s*(?:[(（]?[一二三四五六七八九十\d]{{1,3}}[)）.、])?\s*{RECIPIENT_OR_ELIGIBLE.pattern}[^,;。]{{1,40}}?的"
)


def recipient_end(text: str) -> int | None:
    """Where the first 对…的 recipient clause of a sentence ends (see RECIPIENT_CLAUSE), or None."""
    m = RECIPIENT_CLAUSE.search(text)
    return m.end() if m else None


PERCENT = re.compile(r"(?<!\d)(?P<num>\d+(?:\.\d+)?)%")
MATCHING = re.compile(r"(?<![\d.])1:1(?::1)*(?![\d.])")
# the words right before (or after) a sum that make it a ceiling or a floor
# a ceiling word (最高, 不超过, 封顶 …; lexicon `cap_words`): the one definition every reader asks
CAP_WORD = _CAPS.alternation(("cap", "cap_award"))
_CAP_BEFORE = re.compile(rf"{CAP_WORD}\s*$")
_FLOOR_BEFORE = re.compile(rf"{_FLOORS.alternation('before')}\s*$")
_FLOOR_AFTER = re.compile(_FLOORS.alternation("after"))
# how far before a sum its cap or floor word may stand (不超过 is the longest, 3)
_QUALIFIER_REACH = 4


# Above this a sum in yuan is a typo or garbage, not a policy's figure (a city's whole budget is
# some 10^11 yuan); larger values would also overflow the graph store's integer comparisons.
MAX_PLAUSIBLE = 10**12
MAX_PLAUSIBLE_TEXT = "10^12"


def plausible(value: float) -> bool:
    """A finite, non-negative value no larger than `MAX_PLAUSIBLE` (1e309 parses to inf)."""
    return math.isfinite(value) and 0 <= value <= MAX_PLAUSIBLE


def parse_number(text: str) -> float | None:
    """'200' → 200, '3.6' → 3.6, '十' → 10, '二十五' → 25, '百' → 100."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", text):
        return float(text.replace(",", ""))
    if not re.fullmatch(CN_NUMBER, text):
        return None
    total, digit = 0, None
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return float(total + (digit or 0))


@dataclass(frozen=True)
class Amount:
    """A sum of money (`value`, in yuan) or a share (`ratio`) as written at [start, end).

    What the phrase itself says of it: `max`, a ceiling word right before it (最高50万元);
    `floor`, a floor word around it (不少于100万元, 100万元以上); `per`, the period of its
    suffix (3.6万元/年 → "year"); `unit_price`, the counted unit its suffix prices (10万元/人
    → "/人"). Instruments read max and per from the wider promise, not from these.

    How a sum is written, for a reader that states it in its own unit (targets: 5千万元 is 5000
    万元): `number` (5), `scale`, the yuan of one written unit (10^7 for 千万元), and where the unit
    stands, [unit_start, unit_end). `budget`: whether the sentence sets the sum aside as a budget
    total or names it as investment to draw (budget.py), set by the `amounts` component."""

    value: int | None
    max: bool
    per: str | None
    ratio: float | None
    floor: bool
    unit_price: str | None
    start: int
    end: int
    number: float | None = None
    scale: int = 0
    unit_start: int = 0
    unit_end: int = 0
    budget: str | None = None


def _scale(text: str, m: re.Match[str]) -> int:
    unit = m.group("unit")
    if unit in _SCALE:
        return _SCALE[unit]
    for pattern, scale in _SCALE_PATTERNS:
        if pattern.match(text, m.start("unit")):
            return scale
    raise AssertionError(f"unit {unit!r} matched no amount_units entry")


def _qualifiers(text: str, start: int, end: int) -> tuple[bool, bool]:
    """(capped, floored): the cap or floor word around text[start:end]."""
    before = text[max(0, start - _QUALIFIER_REACH) : start]
    capped = bool(_CAP_BEFORE.search(before))
    floored = bool(_FLOOR_BEFORE.search(before) or _FLOOR_AFTER.match(text, end))
    return capped, floored


def find_sums(text: str, offset: int = 0, rejected: list[tuple[int, int]] | None = None) -> list[Amount]:
    """The sums of money in `text` (offsets shifted by `offset`); sums above `MAX_PLAUSIBLE`
    yuan are left out, their (start, end) appended to `rejected` so the caller can warn."""
    found = []
    for m in MONEY.finditer(text):
        value = parse_number(m.group("num").translate(_LETTER_O))
        if value is None:
            continue
        scale = _scale(text, m)
        yuan = value * scale
        if not plausible(yuan):
            if rejected is not None:
                rejected.append((offset + m.start(), offset + m.end()))
            continue
        suffix = _PER_SUFFIX.get(m.group("per") or "")
        capped, floored = _qualifiers(text, m.start(), m.end())
        found.append(
            Amount(
                value=round(yuan),
                max=capped,
                per="year" if suffix == "suffix_year" else None,
                ratio=None,
                floor=floored,
                unit_price=m.group("per") if suffix in ("suffix_unit", "suffix_area") else None,
                start=offset + m.start(),
                end=offset + m.end(),
                number=value,
                scale=scale,
                unit_start=offset + m.start("unit"),
                unit_end=offset + m.end("unit"),
            )
        )
    return found


def find_ratios(text: str, offset: int = 0) -> list[Amount]:
    """The shares in `text`: 30% (0.3) and matching funds 1:1 (1.0)."""
    found = []
    for m in PERCENT.finditer(text):
        capped, floored = _qualifiers(text, m.start(), m.end())
        ratio = round(float(m.group("num")) / 100, 4)
        found.append(Amount(None, capped, None, ratio, floored, None, offset + m.start(), offset + m.end()))
    for m in MATCHING.finditer(text):
        found.append(Amount(None, False, None, 1.0, False, None, offset + m.start(), offset + m.end()))
    return found


def find_amounts(text: str, offset: int = 0) -> list[Amount]:
    """Sums and shares of `text`, in order."""
    return sorted(find_sums(text, offset) + find_ratios(text, offset), key=lambda a: a.start)


def as_number(value: float) -> float | int:
    """Integers stay integers in the record (500, not 500.0)."""
    return int(value) if float(value).is_integer() else value
