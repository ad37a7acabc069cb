"""Normalise a working copy of the text while remembering where every character came from.

Each step maps (text, offsets) → (text, offsets), where `offsets[i]` is the index in the
original text of normalised character i. Quotes are always cut from the original text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from opencc import OpenCC

# Characters NFKC would change that the genre's patterns rely on keeping.
_KEEP = set("、。〔〕《》〈〉「」『』【】—…·")
_HAN = r"\u3400-\u9fff"


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def _per_char(text: str, offsets: list[int], convert) -> tuple[str, list[int]]:
    out: list[str] = []
    out_offsets: list[int] = []
    for ch, src in zip(text, offsets, strict=True):
        new = convert(ch)
        out.append(new)
        out_offsets.extend([src] * len(new))
    return "".join(out), out_offsets


def to_simplified(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """Traditional → simplified with OpenCC, line by line; per character where a phrase
    conversion would change the length (rare), so the offset map stays exact."""
    converter = _t2s()
    out: list[str] = []
    out_offsets: list[int] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        converted = converter.convert(line)
        line_offsets = offsets[pos : pos + len(line)]
        if len(converted) != len(line):
            converted, line_offsets = _per_char(line, line_offsets, converter.convert)
        out.append(converted)
        out_offsets.extend(line_offsets)
        pos += len(line)
    return "".join(out), out_offsets


def _width(ch: str) -> str:
    if ch in _KEEP or ch.isascii():
        return ch
    folded = unicodedata.normalize("NFKC", ch)
    # NFKC turns ① into 1 and ㈠ into (一); keep one-to-many expansions out of running text
    return folded if len(folded) == 1 else ch


class _WidthTable(dict[int, str]):
    """`_width` as a `str.translate` table, filled in as characters are met: translating in C
    costs neither a Python call nor a string object per character of a long text."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _width(chr(code))
        return folded


_WIDTH_TABLE = _WidthTable()


def fold_width(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """Full-width letters, digits and punctuation → half-width (，→, （→( ％→%)."""
    return text.translate(_WIDTH_TABLE), offsets


# never between two digits: `2022-07-08 10:23:45` is a date and a time, not one number
_SPACE_NEAR_DIGIT = re.compile(rf"(?<=[%{_HAN}])[ \t\u3000\xa0]+(?=[0-9])|(?<=[0-9%])[ \t\u3000\xa0]+(?=[{_HAN}%])")


def drop_spaces_near_digits(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """`到 2020 年` → `到2020年`: web copies pad numbers with spaces; titles keep their spaces."""
    return delete_matches(text, offsets, _SPACE_NEAR_DIGIT)


def delete_matches(text: str, offsets: list[int], pattern: re.Pattern[str]) -> tuple[str, list[int]]:
    """`text` without the matches of `pattern`, cut and joined in slices (no per-character work)."""
    kept_text: list[str] = []
    kept_offsets: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        kept_text.append(text[pos : m.start()])
        kept_offsets.extend(offsets[pos : m.start()])
        pos = m.end()
    if not kept_text:
        return text, offsets
    kept_text.append(text[pos:])
    kept_offsets.extend(offsets[pos:])
    return "".join(kept_text), kept_offsets


# A half-width full stop or comma between two Chinese characters never occurs in clean text;
# pages whose punctuation a converter scrambled are full of them.
_SCRAMBLED_MARK = re.compile(rf"[{_HAN}][.][{_HAN}]")


_HAN_CHAR = re.compile(rf"[{_HAN}]")


def punctuation_scrambled(text: str) -> bool:
    # counted without a list of every Han character (a string object each: 50 MB on a 2 MB page)
    han = len(text) - len(_HAN_CHAR.sub("", text))
    return han > 0 and sum(1 for _ in _SCRAMBLED_MARK.finditer(text)) * 400 > han


# In a scrambled page a decimal point became a comma or full stop: 3,5 is 3.5.
# Thousands groups (1,000) have three digits and year ranges (2016,2025) four, so 1-2 digits only.
_LOST_DECIMAL = re.compile(r"(?<![0-9,.])([0-9]{1,3})[,。、]([0-9]{1,2})(?![0-9])")


def repair_decimals(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    return _LOST_DECIMAL.sub(lambda m: f"{m.group(1)}.{m.group(2)}", text), offsets


def normalise(original: str) -> tuple[str, list[int], bool]:
    """Return (normalised text, offset map into `original`, punctuation-was-scrambled)."""
    text, offsets = original, list(range(len(original)))
    text, offsets = to_simplified(text, offsets)
    text, offsets = fold_width(text, offsets)
    text, offsets = drop_spaces_near_digits(text, offsets)
    scrambled = punctuation_scrambled(text)
    if scrambled:
        text, offsets = repair_decimals(text, offsets)
    return text, offsets, scrambled
