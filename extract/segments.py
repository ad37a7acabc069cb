"""Sentences and segments of the body text, with their offsets in the normalised text.

Responsibility lists (责任单位: 市财政局…) are blanked first: they name bodies, not promises,
and words like 财政 in them would otherwise look like funding.
"""

from __future__ import annotations

import re

from .document import Document
from .language import component
from .lexicon import Lexicon, lexicon
from .spans import Segment, Sentence

_HAN = r"\u3400-\u9fff"
# what a name ends with after a scrambled duty label (lexicon/agency_suffixes.tsv, reader `sentences`)
_SUFFIXES = Lexicon(
    "agency_suffixes", tuple(e for e in lexicon("agency_suffixes").entries if "sentences" in e.value.split())
)
_AGENCY_NAME = re.compile(rf"^[\s市]*[\u3400-\u9fff()〔〕]{{1,20}}?{_SUFFIXES.alternation()}$")
# the duty labels (lexicon/duty_labels.tsv), every one of them, as the duties component reads them:
# a PDF page may break a label with one space or line break (责任单 位)
_DUTY_LABEL = re.compile(
    "|".join(
        r"[ \t\u3000\n]?".join(map(re.escape, word))
        for word in sorted(lexicon("duty_labels").words(), key=len, reverse=True)
    )
)
# a bracketed list: (牵头单位:…) 〔责任单位:…〕 【配合部门:…】, or one cut off by the end of an excerpt
_DUTY_PARENS = re.compile(rf"[(〔【](?:[^()〔〕【】]{{0,6}})?(?:{_DUTY_LABEL.pattern})[^()〔〕【】]*(?:[)〕】]|\Z)")


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the spans replaced by spaces, rebuilt once (not once per span: a page with
    thousands of lists made that quadratic)."""
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        start = max(start, pos)
        if end <= start:
            continue
        out.append(text[pos:start])
        out.append(" " * (end - start))
        pos = end
    out.append(text[pos:])
    return "".join(out)


# an agency-shaped piece after a scrambled label: longer runs are prose, not a name
_PIECE = re.compile(r"[^,、。.;\s]+")


def blank_duty_lists(doc: Document) -> str:
    text = _blank(doc.body, [(m.start(), m.end()) for m in _DUTY_PARENS.finditer(doc.body)])
    if doc.scrambled:
        # 责任单位,市科技局 市财政局。市金融局 …: blank the label and the agency-shaped pieces after it
        spans: list[tuple[int, int]] = []
        blanked_until = 0  # a list may run over the next label: its pieces are gone for that one
        for m in _DUTY_LABEL.finditer(text):
            pos = m.end()
            end = pos
            for piece in _PIECE.finditer(text, max(pos, blanked_until), pos + 200):
                if piece.start() > end + 2 or not _AGENCY_NAME.match(piece.group()):
                    break
                end = piece.end()
            spans.append((m.start(), end))
            blanked_until = max(blanked_until, end)
        text = _blank(text, spans)
    return text


@component("sentences", assigns=("sentences", "segments"))
def sentences_component(doc: Document) -> None:
    doc.layers["sentences"], doc.layers["segments"] = split(doc)


def split(doc: Document) -> tuple[list[Sentence], list[Segment]]:
    """The sentences and segments of the body (computed once per document)."""
    return doc.memo("split", lambda: _split(doc))


def _split(doc: Document) -> tuple[list[Sentence], list[Segment]]:
    text = blank_duty_lists(doc)
    if doc.scrambled:
        sentence_end = re.compile(rf"[。;!?\n]|(?<=[{_HAN}])\.(?=[{_HAN}])|\s{{2,}}")
        segment_sep = re.compile(rf"[,、]|:(?!\d)|(?<=[{_HAN}])\s(?=[{_HAN}])")
    else:
        sentence_end = re.compile(r"[。;!?\n]|\s{2,}")
        segment_sep = re.compile(r"[,、]|:(?!\d)")  # 1:1 is a ratio, not a break
    sentences: list[Sentence] = []
    segments: list[Segment] = []
    pos = 0
    for m in [*sentence_end.finditer(text), None]:
        end = m.start() if m else len(text)
        if text[pos:end].strip():
            s_index = len(sentences)
            sentences.append(Sentence(pos, end, text[pos:end]))
            seg_pos = pos
            for sm in [*segment_sep.finditer(text, pos, end), None]:
                seg_end = sm.start() if sm else end
                piece = text[seg_pos:seg_end]
                if piece.strip():
                    lead = len(piece) - len(piece.lstrip())
                    segments.append(Segment(seg_pos + lead, seg_end, piece.strip(), s_index))
                seg_pos = sm.end() if sm else end
        pos = m.end() if m else len(text)
    return sentences, segments
