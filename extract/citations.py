"""Citations: the policies a document cites in 《…》, with the doc number printed after them.

On a scrambled page 《》 became commas or full stops; the normaliser put them back where the genre
makes a title evident (repair.py), so this component reads every page alike.
"""

from __future__ import annotations

import re

from .document import Document
from .genre import DOC_NUMBER, GENRE_AT_END, skeleton
from .language import component
from .records import Citation, PolicyMeta

_MAX_TITLE = 120
_NUMBER_AFTER = re.compile(rf"\s*[(]\s*(?P<n>{DOC_NUMBER.pattern})\s*[)]")


@component("citations", requires=("policy",), assigns=("citations",))
def citations_component(doc: Document) -> None:
    doc.layers["citations"] = extract_citations(doc, doc.layers["policy"])


def extract_citations(doc: Document, policy: PolicyMeta) -> list[Citation]:
    own = [skeleton(t) for t in (policy.title, policy.notice_title) if t]
    citations: list[Citation] = []
    seen: set[str] = set()

    def add(title: str, number: str | None, start: int, end: int) -> None:
        key = skeleton(title)
        if not key or key in seen or _is_own(key, own):
            return
        seen.add(key)
        citations.append(Citation(title, number, "", start, end))  # quoted by `provenance`

    for start, end, title in _bracketed(doc.text):
        if doc.text[start - 1 : start] == "本":
            continue  # 本《工作方案》: the document speaking of itself
        m = _NUMBER_AFTER.match(doc.text, end)
        number = re.sub(r"\s+", "", m.group("n")) if m else None
        add(title, number, start, m.end() if m else end)
    return sorted(citations, key=lambda c: c.start)


def _bracketed(text: str) -> list[tuple[int, int, str]]:
    """(start, end, title) of every outermost 《…》; line breaks inside a title are dropped."""
    out: list[tuple[int, int, str]] = []
    i = 0
    while (i := text.find("《", i)) >= 0:
        depth, j = 0, i
        while j < len(text) and j - i <= _MAX_TITLE + 10:
            if text[j] == "《":
                depth += 1
            elif text[j] == "》":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if depth == 0 and j < len(text):
            title = re.sub(r"\s*\n\s*", "", text[i + 1 : j]).strip()
            if 2 <= len(title) <= _MAX_TITLE:
                out.append((i, j + 1, title))
            i = j + 1
        else:
            i += 1
    return out


def _is_own(key: str, own: list[str]) -> bool:
    """The document itself: the same title, or a bare genre name of it (《工作方案》, 《实施意见》)."""
    return any(key == o or (len(key) <= 6 and key in o and GENRE_AT_END.search(key)) for o in own)
