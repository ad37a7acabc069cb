"""Normalise a working copy of the text while remembering where every character came from.

Each step maps (text, offsets) → (text, offsets), where `offsets[i]` is the index in the
original text of normalised character i; the map never decreases. A repair of garbled punctuation
(repair.py) that puts characters in maps each to the original character it stands for or next
to. Quotes are always cut from the original text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from opencc import OpenCC

from .lexicon import lexicon
from .repair import repair_decimals, repair_doc_numbers, repair_scrambled_citations, repair_year_ranges

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


# a space (or two) that a PDF's justified line put between two Han characters; the character
# before it is checked apart (a pattern opening with a look-behind is tried at every position)
_SPACE_BEFORE_HAN = re.compile(rf"[ \xa0]{{1,2}}(?=[{_HAN}])")
_HAN_CHAR = re.compile(rf"[{_HAN}]")


@cache
def _split_words() -> frozenset[tuple[str, str]]:
    """Every (left half, right half) of a lexicon `normalise_split_words` word."""
    words = lexicon("normalise_split_words").words("split")
    return frozenset((word[:i], word[i:]) for word in words for i in range(1, len(word)))


@cache
def _split_edges() -> tuple[frozenset[str], frozenset[str]]:
    """The last characters of left halves and the first of right halves: most spaces touch none."""
    halves = _split_words()
    return frozenset(left[-1] for left, _ in halves), frozenset(right[0] for _, right in halves)


@cache
def _longest_split_word() -> int:
    return max(len(word) for word in lexicon("normalise_split_words").words("split"))


def join_split_words(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """`给 予` → `给予`, `不超 过` → `不超过`: drop a space a PDF put inside a word of the genre
    (lexicon `normalise_split_words`); a space between two words stays. Constant work per space."""
    halves = _split_words()
    lasts, firsts = _split_edges()
    longest = _longest_split_word()
    spans: list[tuple[int, int]] = []
    for m in _SPACE_BEFORE_HAN.finditer(text):
        start, end = m.start(), m.end()
        if not start or text[start - 1] not in lasts or text[end] not in firsts or not _HAN_CHAR.match(text, start - 1):
            continue
        before, after = text[max(0, start - longest + 1) : start], text[end : end + longest - 1]
        if any(
            (before[-i:], after[:j]) in halves
            for i in range(1, len(before) + 1)
            for j in range(1, min(len(after), longest - i) + 1)
        ):
            spans.append((start, end))
    return delete_spans(text, offsets, spans)


def delete_spans(text: str, offsets: list[int], spans: list[tuple[int, int]]) -> tuple[str, list[int]]:
    """`text` without the (ordered, disjoint) `spans`, cut and joined in slices."""
    if not spans:
        return text, offsets
    kept_text: list[str] = []
    kept_offsets: list[int] = []
    pos = 0
    for start, end in spans:
        kept_text.append(text[pos:start])
        kept_offsets.extend(offsets[pos:start])
        pos = end
    kept_text.append(text[pos:])
    kept_offsets.extend(offsets[pos:])
    return "".join(kept_text), kept_offsets


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


def normalise(original: str) -> tuple[str, list[int], bool]:
    """Return (normalised text, offset map into `original`, punctuation-was-scrambled)."""
    text, offsets = original, list(range(len(original)))
    text, offsets = to_simplified(text, offsets)
    text, offsets = fold_width(text, offsets)
    text, offsets = drop_spaces_near_digits(text, offsets)
    text, offsets = join_split_words(text, offsets)
    # punctuation a copy garbled, repaired where the genre makes it evident (repair.py)
    text, offsets = repair_doc_numbers(text, offsets)
    text, offsets = repair_year_ranges(text, offsets)
    scrambled = punctuation_scrambled(text)
    if scrambled:
        text, offsets = repair_decimals(text, offsets)
        text, offsets = repair_scrambled_citations(text, offsets)
    return text, offsets, scrambled
