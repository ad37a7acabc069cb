"""Dates as the genre prints them: 2018年5月16日, 二〇一八年五月十六日, 2018-05-29, and the garbled 201974."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date

from .amounts import CN_DIGITS

# years are also typed with the letter O or the circle ○ for zero
_CN_DIGIT = {**CN_DIGITS, "○": 0, "O": 0}
_CN_YEAR = "〇○零O一二三四五六七八九"
_CN_SMALL = "一二三四五六七八九十"

# 2018年5月16日 / 2018-05-29 / 2018.5.29 / 2018/05/29 (the same separator twice)
DATE_RE = re.compile(r"(?<!\d)(\d{4})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?|([-./])(\d{1,2})\4(\d{1,2}))(?!\d)")
CN_DATE_RE = re.compile(rf"([{_CN_YEAR}]{{4}})年([{_CN_SMALL}]{{1,3}})月([{_CN_SMALL}]{{1,3}})日")
# a line holding only digits where 年月日 were lost: 201974
COMPACT_RE = re.compile(r"(?<!\d)(\d{5,8})(?!\d)")


@dataclass(frozen=True)
class DateHit:
    iso: str
    start: int
    end: int


def cn_number(s: str) -> int | None:
    """一 → 1, 十二 → 12, 二十三 → 23 (the small numbers of headings, months and days)."""
    if not s or any(ch not in _CN_SMALL and ch not in "百零〇" for ch in s):
        return None
    if "十" not in s:
        value = 0
        for ch in s:
            if ch not in _CN_DIGIT:
                return None
            value = value * 10 + _CN_DIGIT[ch]
        return value
    tens, _, ones = s.partition("十")
    t = _CN_DIGIT.get(tens, 0) if tens else 1
    o = _CN_DIGIT.get(ones, 0) if ones else 0
    return t * 10 + o


def iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[DateHit]:
    """Every well-formed date in text[start:end], in order."""
    end = len(text) if end is None else end
    hits: list[DateHit] = []
    for m in DATE_RE.finditer(text, start, end):
        month, day = (m.group(2), m.group(3)) if m.group(2) else (m.group(5), m.group(6))
        value = iso(int(m.group(1)), int(month), int(day))
        if value:
            hits.append(DateHit(value, m.start(), m.end()))
    for m in CN_DATE_RE.finditer(text, start, end):
        year = "".join(str(_CN_DIGIT[ch]) for ch in m.group(1))
        month, day = cn_number(m.group(2)), cn_number(m.group(3))
        value = iso(int(year), month, day) if month and day else None
        if value:
            hits.append(DateHit(value, m.start(), m.end()))
    return sorted(hits, key=lambda h: h.start)


def parse_compact(digits: str, near_years: list[int]) -> str | None:
    """201974 → 2019-07-04: a date that lost 年月日, read only when exactly one reading is valid
    and its year is close to the document's other years (so a stray number is not a date).
    `near_years` is sorted (the nearest is found by bisection: a page of thousands of dates and
    such lines made a scan of all the years for each line quadratic)."""
    if not 5 <= len(digits) <= 8:
        return None
    year, rest = int(digits[:4]), digits[4:]
    if not 1949 <= year <= 2100:
        return None
    i = bisect.bisect_left(near_years, year)
    if near_years and min(abs(year - y) for y in near_years[max(0, i - 1) : i + 1]) > 2:
        return None
    readings: set[str] = set()
    for cut in range(1, len(rest)):
        month, day = rest[:cut], rest[cut:]
        if len(month) <= 2 and len(day) <= 2 and (value := iso(year, int(month), int(day))):
            readings.add(value)
    return readings.pop() if len(readings) == 1 else None
