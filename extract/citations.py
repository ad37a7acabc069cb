"""Citations: the policies a document cites in 《…》, with the doc number printed after them.

On a scrambled page 《》 became commas or full stops, so a title is recovered only where the genre
makes it evident: right before a doc number (`…的批复,国函。2016。65号`), or right after a verb that
takes a policy as object (`全面落实。中国制造2025大连行动计划。`), ending in a genre word.
"""

from __future__ import annotations

import re

from .document import Document
from .genre import DOC_NUMBER, GENRE, GENRE_AT_END, SCRAMBLED_DOC_NUMBER, skeleton
from .language import component
from .lexicon import lexicon
from .records import Citation, PolicyMeta

_MAX_TITLE = 120
_NUMBER_AFTER = re.compile(rf"\s*[(]\s*(?P<n>{DOC_NUMBER.pattern})\s*[)]")
_SEP = r"[\s,、。.;:〔〕]"
_WORD = r"[^\s,、。.;:〔〕()]"
# scrambled: a title, separators, a doc number whose brackets became separators
_SCRAMBLED_NUMBERED = re.compile(rf"(?P<t>{_WORD}{{4,80}}?{GENRE}){_SEP}+{SCRAMBLED_DOC_NUMBER}")
_SCRAMBLED_OBJECT = re.compile(
    rf"{lexicon('metadata_citing_verbs').alternation('citing')}{_SEP}+"
    rf"(?P<t>{_WORD}{{4,60}}?{GENRE})(?:{_SEP}*(?P<a>(?:19|20)\d{{2}}){_SEP}(?P<b>(?:19|20)\d{{2}})(?P<y>年?)|(?={_SEP}))"
)


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
    if doc.scrambled:
        for start, end, title, number in _scrambled(doc.body):
            add(title, number, start, end)
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


def _scrambled(text: str) -> list[tuple[int, int, str, str | None]]:
    out: list[tuple[int, int, str, str | None]] = []
    for m in _SCRAMBLED_NUMBERED.finditer(text):
        number = f"{m.group('p')}〔{m.group('y')}〕{m.group('n')}号"
        out.append((m.start("t"), m.end(), m.group("t"), number))
    for m in _SCRAMBLED_OBJECT.finditer(text):
        title = m.group("t")
        if m.group("a"):
            title += f"({m.group('a')}-{m.group('b')}{m.group('y')})"
        out.append((m.start("t"), m.end(), title, None))
    return out


def _is_own(key: str, own: list[str]) -> bool:
    """The document itself: the same title, or a bare genre name of it (《工作方案》, 《实施意见》)."""
    return any(key == o or (len(key) <= 6 and key in o and GENRE_AT_END.search(key)) for o in own)
