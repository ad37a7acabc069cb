"""Measures: the lowest-level numbered items of a policy that state actions.

Rules (one set for every layout):
- a measure is a leaf of the numbered outline (an item with no numbered children); a heading with
  no numbered children counts once, with the paragraphs under it;
- leaves under a general-requirement heading (总体要求, 指导思想, 基本原则, 主要目标 …) are not
  measures, unless the leaf carries its own responsibility list (then it assigns work);
- on a scrambled page (and on a page with lists but no numbering) the outline is unreliable, so
  each responsibility list closes one measure: the text since the previous list.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .document import Document
from .language import component
from .lexicon import lexicon
from .records import Measure
from .spans import Item, ResponsibilityList

_GENERAL_HEADINGS = lexicon("general_headings")
_TERM = _GENERAL_HEADINGS.alternation("term")
# the short heading is made only of such terms: 指导思想, 总体思路和发展目标, 指导思想、基本原则与主要目标
_GENERAL = re.compile(rf"^{_TERM}(?:[和与及、]{_TERM})*$|{_GENERAL_HEADINGS.alternation('ending')}$")
_SHORT_HEADING = re.compile(r"[。,;:!?\n]")
# scrambled pages: a Chinese numeral between separators opens a section (`、四,进一步聚集…`)
_SCRAMBLED_MARKER = lexicon("heading_markers").compile("scrambled")
_CLAUSE_END = re.compile(r"[\s,、。.;:]")
_VISIBLE = re.compile(r"\S")


@dataclass
class _Span:
    start: int  # normalised offsets
    end: int
    path: str
    heading: str
    level: int


@component("measures", requires=("outline", "duty_lists", "canonical_names"), assigns=("measures",))
def measures_component(doc: Document) -> None:
    doc.layers["measures"] = extract_measures(doc)


def extract_measures(doc: Document) -> list[Measure]:
    lists: list[ResponsibilityList] = doc.layers["duty_lists"]
    # duties read from prose assign work to bodies but do not mark or cut measures
    marking = [lst for lst in lists if not lst.prose]
    spans: list[_Span] = []
    if not doc.scrambled or not marking:
        spans = _outline_spans(doc, marking)
    if not spans and marking:
        spans = _list_spans(doc, marking)
    canon: dict[str, str] = doc.layers["canonical_names"]
    index = _ListIndex(lists)
    measures: list[Measure] = []
    for i, span in enumerate(spans, 1):
        own = index.within(span.start, span.end)
        lead = _unique(canon[n] for lst in own for n in lst.lead)
        others = _unique(canon[n] for lst in own for n in lst.others)
        # normalised offsets, which `provenance` maps to the original text
        measures.append(Measure(f"m{i}", span.path, span.heading, lead, others, span.start, span.end, span.level))
    return measures


class _ListIndex:
    """The responsibility lists by start offset, so a measure finds its own lists by bisection
    rather than by testing every list of the document (measures × lists was quadratic)."""

    def __init__(self, lists: list[ResponsibilityList]) -> None:
        self.lists = lists
        self.order = sorted(range(len(lists)), key=lambda i: lists[i].start)
        self.starts = [lists[i].start for i in self.order]

    def _range(self, start: int, end: int) -> list[int]:
        return self.order[bisect.bisect_left(self.starts, start) : bisect.bisect_left(self.starts, end)]

    def within(self, start: int, end: int) -> list[ResponsibilityList]:
        """The lists that start in [start, end), in the document's list order."""
        return [self.lists[i] for i in sorted(self._range(start, end))]

    def any_within(self, start: int, end: int) -> bool:
        return bool(self._range(start, end))


def is_general(heading: str) -> bool:
    short = _SHORT_HEADING.split(heading, 1)[0].strip()
    # 管理办法 space out short chapter names: 第一章 总  则
    return bool(_GENERAL.search(re.sub(r"\s+", "", short)))


def _outline_spans(doc: Document, lists: list[ResponsibilityList]) -> list[_Span]:
    items: list[Item] = doc.layers["outline"]
    text = doc.text
    folding = {id(it) for it in items if it.children and _folds_children(text, it)}
    index = _ListIndex(lists)
    spans: list[_Span] = []
    for item in items:
        if _ancestors(item) & folding or (item.children and id(item) not in folding):
            continue
        end = item.subtree_end
        has_list = index.any_within(item.start, end)
        if (_under_general(item) or _bare_heading(text, item)) and not has_list:
            continue
        spans.append(_Span(item.start, end, item.path, item.heading, item.depth + 1))
    return spans


def _folds_children(text: str, item: Item) -> bool:
    """Children that only enumerate the parent's clause belong to its measure: the parent's own
    text ends with a colon (给予补助:(1)…(2)…), or a 1.-item carries (1)/① sub-clauses."""
    own = text[item.body_start : item.end].rstrip()
    return own.endswith(":") or (item.kind == "num" and all(c.kind in ("pnum", "rnum", "circ") for c in item.children))


def _ancestors(item: Item) -> set[int]:
    out: set[int] = set()
    node = item.parent
    while node is not None:
        out.add(id(node))
        node = node.parent
    return out


def _bare_heading(text: str, item: Item) -> bool:
    """A leaf that is only a short heading (`二、其他` before a closing formula) states no action."""
    own = text[item.body_start : item.subtree_end].strip()
    return len(own) <= 8 and not re.search(r"[,。;:!?]", own)


def _under_general(item: Item) -> bool:
    node: Item | None = item
    while node is not None:
        if is_general(node.heading):
            return True
        node = node.parent
    return False


def _list_spans(doc: Document, lists: list[ResponsibilityList]) -> list[_Span]:
    """Each list closes a measure that began where the previous one ended (or at a section marker)."""
    text = doc.body
    markers = list(_SCRAMBLED_MARKER.finditer(text)) if doc.scrambled else []
    first = markers[0].start() if markers else _first_content(text)
    marker_starts = [m.start() for m in markers]
    spans: list[_Span] = []
    begin, section, count = first, "", 0
    for lst in lists:
        if lst.start < begin:
            continue
        inside = markers[bisect.bisect_left(marker_starts, begin) : bisect.bisect_left(marker_starts, lst.start)]
        # a clean page keeps its lines: the measure is the paragraph the list closes
        start = begin if doc.scrambled else _paragraph_start(doc, text, lst.start, begin)
        if inside:
            section, count, start = inside[-1].group(1), 0, inside[-1].start()
        count += 1
        while start < lst.start and not _is_word(text[start]):
            start += 1
        head_from = inside[-1].end() if inside else start
        clause = _CLAUSE_END.search(text, head_from, lst.start)
        heading = text[head_from : clause.start() if clause else lst.start].strip()
        path = f"{section}/{count}" if section else str(count)
        spans.append(_Span(start, lst.end, path, heading, 2 if section else 1))
        begin = lst.end
    return spans


def _paragraph_start(doc: Document, text: str, pos: int, floor: int) -> int:
    start = doc.line_start(pos)
    if not _VISIBLE.search(text, start, pos):  # the list stands on its own line: take the line above too
        # the line of the last visible character above (without copying the text above)
        last = start - 1
        while last >= 0 and text[last].isspace():
            last -= 1
        start = doc.line_start(last) if last >= 0 else start
    return max(start, floor)


def _first_content(text: str) -> int:
    m = re.search(r"\S", text)
    return m.start() if m else 0


def _is_word(ch: str) -> bool:
    return ch.isalnum() or "\u4e00" <= ch <= "\u9fff"


def _unique(names) -> list[str]:
    return list(dict.fromkeys(names))
