"""Numbers, money and ratios as the genre writes them (200万元, 2亿元, 3.6万元/年, 1:1, 30%)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

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

# yuan per unit word; 千万 and 百万 before 万 so the longest unit wins
_MONEY_UNITS = {"亿元": 10**8, "亿": 10**8, "千万元": 10**7, "百万元": 10**6, "万元": 10**4, "万": 10**4, "元": 1}
# 最高50万奖励: web copies often drop the 元 of 万元 before the award word
MONEY = re.compile(
    rf"(?P<num>{NUMBER})(?P<unit>亿元|千万元|百万元|万元|元|万(?=(?:的)?(?:一次性)?(?:奖励|补助|资助|补贴|奖补|经费|资金|奖金)))"
    r"(?P<per>/年|/人|/项|/家)?"
)
PERCENT = re.compile(r"(?<!\d)(?P<num>\d+(?:\.\d+)?)%")
MATCHING = re.compile(r"(?<![\d.])1:1(?::1)*(?![\d.])")


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
class Money:
    yuan: int
    start: int
    end: int
    per_year: bool


def find_money(text: str, offset: int = 0, rejected: list[tuple[int, int]] | None = None) -> list[Money]:
    """The sums of money in `text`; sums above `MAX_PLAUSIBLE` yuan are left out, their
    (start, end) appended to `rejected` so the caller can warn about them."""
    found = []
    for m in MONEY.finditer(text):
        value = parse_number(m.group("num"))
        if value is None:
            continue
        yuan = value * _MONEY_UNITS[m.group("unit")]
        if not plausible(yuan):
            if rejected is not None:
                rejected.append((offset + m.start(), offset + m.end()))
            continue
        found.append(
            Money(
                yuan=round(yuan),
                start=offset + m.start(),
                end=offset + m.end(),
                per_year=m.group("per") == "/年",
            )
        )
    return found


def as_number(value: float) -> float | int:
    """Integers stay integers in the record (500, not 500.0)."""
    return int(value) if float(value).is_integer() else value
