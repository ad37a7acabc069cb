"""Sentences and segments of the body text, with their offsets in the normalised text.

Responsibility lists (责任单位: 市财政局…) are blanked first: they name bodies, not promises,
and words like 财政 in them would otherwise look like funding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .document import Document

_HAN = r"\u3400-\u9fff"
_AGENCY_NAME = re.compile(
    r"^[\s市]*[\u3400-\u9fff()〔〕]{1,20}?(局|委|办|厅|委员会|管委会|管委|政府|部|院|行|中支|分局|协|会|单位)$"
)
_DUTY_PARENS = re.compile(r"\((?:[^()]{0,6})?(?:牵头单位|责任单位|负责单位|配合单位)[^()]*\)")
_DUTY_LABEL = re.compile(r"(?:牵头单位|责任单位|负责单位|配合单位)")


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    text: str
    sentence: int


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def blank_duty_lists(doc: Document) -> str:
    text = doc.body
    for m in _DUTY_PARENS.finditer(text):
        text = _blank(text, m.start(), m.end())
    if doc.scrambled:
        # 责任单位,市科技局 市财政局。市金融局 …: blank the label and the agency-shaped pieces after it
        for m in _DUTY_LABEL.finditer(text):
            pos = m.end()
            end = pos
            for piece in re.finditer(r"[^,、。.;\s]+", text[pos : pos + 200]):
                if piece.start() > end - pos + 2 or not _AGENCY_NAME.match(piece.group()):
                    break
                end = pos + piece.end()
            text = _blank(text, m.start(), end)
    return text


def split(doc: Document) -> tuple[list[Sentence], list[Segment]]:
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
