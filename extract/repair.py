"""Repairs of the punctuation a web copy garbled, as steps of the normaliser.

A page may lose or garble its punctuation: on a "scrambled" page (`normalise.punctuation_scrambled`)
《》, 〔〕 and decimal points became commas or full stops; elsewhere a doc number lost its 〕 and 号
(盘政办发〔201929) or a title's year range its dash and bracket (发展20192021)的). Each step here
rewrites what the genre makes evident, so that every component reads the repaired text and none
needs a branch of its own for it. A repair is never a guess: a range is completed only from a
well-formed copy of the same range in the document, a title is bracketed only before a doc number
or after a verb that takes a policy as object.

Like the normaliser's other steps, each maps (text, offsets) → (text, offsets). A character a
repair puts in maps to the original character it stands for or next to (an opening bracket to the
character after it, the rest to the character before), so a normalised span still maps to the
original text that holds the same words: the quote of a repaired citation is what the page printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .genre import GARBLED_DOC_NUMBER, GENRE, SCRAMBLED_DOC_NUMBER
from .lexicon import lexicon


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] by `new` (start == end: insert it), whose characters all take the
    original offset of character `source`."""

    start: int
    end: int
    new: str
    source: int


def apply_edits(text: str, offsets: list[int], edits: list[Edit]) -> tuple[str, list[int]]:
    """`text` with the (disjoint) `edits` made, and its offset map; the map stays non-decreasing
    where each edit's source lies within or next to what it replaces."""
    if not edits:
        return text, offsets
    out: list[str] = []
    out_offsets: list[int] = []
    pos = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < pos:
            continue  # overlaps an earlier edit: the first one read stands
        out.append(text[pos : edit.start])
        out_offsets.extend(offsets[pos : edit.start])
        out.append(edit.new)
        out_offsets.extend([offsets[edit.source]] * len(edit.new))
        pos = edit.end
    out.append(text[pos:])
    out_offsets.extend(offsets[pos:])
    return "".join(out), out_offsets


def _put(start: int, end: int, new: str, opening: bool = False) -> Edit:
    """Replace text[start:end] by `new`: its characters take the offset of the first character
    replaced; where nothing is (an insertion), of the character after it for an `opening` mark
    (《 belongs to the title after it), else of the character before it."""
    return Edit(start, end, new, start if end > start or opening else start - 1)


# ---------------------------------------------------------------- every page


def repair_doc_numbers(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """盘政办发〔201929 alone on its line → 盘政办发〔2019〕29号: a doc number that lost a bracket or
    its 号 (lexicon `doc_number`, value `garbled`; read only after a prefix that ends like one)."""
    edits: list[Edit] = []
    for m in GARBLED_DOC_NUMBER.finditer(text):
        if not m.group("open"):
            edits.append(_put(m.start("y"), m.start("y"), "〔", opening=True))
        if not m.group("close"):
            edits.append(_put(m.end("y"), m.end("y"), "〕"))
        if not m.group("hao"):
            edits.append(_put(m.end("n"), m.end("n"), "号"))
    return apply_edits(text, offsets, edits)


# a range of years, whole or garbled: (2019—2021), 20192021), (20192021), 2019—2021
_YEAR_RANGE = re.compile(
    r"(?P<o>[(]?)(?<![\d.])(?P<a>(?:19|20)\d{2})(?P<d>[—\-–~至]?)(?P<b>(?:19|20)\d{2})(?!\d)(?P<y>年?)(?P<c>[)]?)"
)
_WELL_FORMED_RANGE = re.compile(r"[(](?P<a>(?:19|20)\d{2})[—\-–~至](?P<b>(?:19|20)\d{2})年?[)]")


def repair_year_ranges(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """`发展(20192021)的`, `发展20192021)的` lost the dash or a bracket of a range the document
    prints well-formed elsewhere ((2019—2021)): written as that copy. Two years glued together
    are never a number of the genre; a range with its dash and no bracket is prose, left alone."""
    if "(" not in text:
        return text, offsets
    good: dict[tuple[str, str], re.Match[str]] = {}
    for m in _WELL_FORMED_RANGE.finditer(text):
        good.setdefault((m.group("a"), m.group("b")), m)
    if not good:
        return text, offsets
    edits: list[Edit] = []
    for m in _YEAR_RANGE.finditer(text):
        copy = good.get((m.group("a"), m.group("b")))
        opened, dashed, closed = bool(m.group("o")), bool(m.group("d")), bool(m.group("c"))
        if copy is None or (opened and dashed and closed) or (dashed and not opened and not closed):
            continue
        # a bracketed qualifier becomes the well-formed copy, brackets and all; a bare range
        # only gets its dash back
        wanted = _YEAR_RANGE.fullmatch(copy.group(0))
        assert wanted is not None  # a well-formed range is a range
        for part in ("o", "d", "y", "c"):
            new = wanted.group(part) if opened or closed or part == "d" else m.group(part)
            if new != m.group(part):
                edits.append(_put(m.start(part), m.end(part), new, opening=part == "o"))
    return apply_edits(text, offsets, edits)


# ---------------------------------------------------------------- scrambled pages only

# A decimal point became a comma or full stop: 3,5 is 3.5. Thousands groups (1,000) have three
# digits and year ranges (2016,2025) four, so 1-2 digits only.
_LOST_DECIMAL = re.compile(r"(?<![0-9,.])([0-9]{1,3})[,。、]([0-9]{1,2})(?![0-9])")


def repair_decimals(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """3,5 → 3.5: one character for one, so the offsets stay as they are."""
    return _LOST_DECIMAL.sub(lambda m: f"{m.group(1)}.{m.group(2)}", text), offsets


# In a page whose 《》 and 〔〕 became separators, what separates and what may be a title's word
_SEP = r"[\s,、。.;:〔〕]"
_WORD = r"[^\s,、。.;:〔〕()]"
# a title, separators, a doc number whose brackets became separators (…的批复,国函。2016。65号)
_NUMBERED = re.compile(rf"(?P<t>{_WORD}{{4,80}}?{GENRE})(?P<s>{_SEP}+){SCRAMBLED_DOC_NUMBER}")
# a title right after a verb that takes a policy as object (全面落实。中国制造2025大连行动计划。), with
# the years of its range after it (…规划纲要。2016,2025年)
_OBJECT = re.compile(
    rf"{lexicon('metadata_citing_verbs').alternation('citing')}{_SEP}+"
    rf"(?P<t>{_WORD}{{4,60}}?{GENRE})(?:{_SEP}*(?P<a>(?:19|20)\d{{2}}){_SEP}(?P<b>(?:19|20)\d{{2}})(?P<y>年?)|(?={_SEP}))"
)


def repair_scrambled_citations(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """On a scrambled page, the policies a text cites get their 《》 back where the genre makes the
    title evident: right before a doc number (…的批复,国函。2016。65号 → 《…的批复》(国函〔2016〕65号)),
    or right after a verb that takes a policy as object, ending in a genre word (全面落实。《中国制造
    2025大连行动计划》。; …。2016,2025年 → 《…(2016-2025年)》)."""
    edits: list[Edit] = []
    taken: list[tuple[int, int]] = []
    for m in _NUMBERED.finditer(text):
        t_start, t_end = m.span("t")
        edits += [
            _put(t_start, t_start, "《", opening=True),
            _put(t_end, t_end, "》"),
            _put(t_end, m.end("s"), "("),
            _put(m.end("p"), m.start("y"), "〔"),
            _put(m.end("y"), m.start("n"), "〕"),
            _put(m.end(), m.end(), ")"),
        ]
        taken.append((t_start, m.end()))
    for m in _OBJECT.finditer(text):
        t_start, t_end = m.span("t")
        if any(start < m.end() and t_start < end for start, end in taken):
            continue  # the same title, read before its doc number
        edits.append(_put(t_start, t_start, "《", opening=True))
        if m.group("a"):  # the range goes inside the title: (2016-2025年)
            edits += [
                _put(t_end, m.start("a"), "("),
                _put(m.end("a"), m.start("b"), "-"),
                _put(m.end(), m.end(), ")》"),
            ]
        else:
            edits.append(_put(t_end, t_end, "》"))
    return apply_edits(text, offsets, edits)
