"""Type an instrument with the taxonomy's cue words, reading the closest text first.

A support promise names its form (贴息, 风险补偿, 创新券, a fund, a tax rule) or, where the form
is a plain grant, its beneficiary (孵化器, 高新技术企业, 人才). A specific form in the promise's
own words decides the type; otherwise cue words are weighed by how close they stand.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from .lexicon import lexicon
from .taxonomy import load_taxonomy

# Types that name the form of support rather than who receives it (the taxonomy's `names` column).
FORM_TYPES = tuple(t.id for t in load_taxonomy() if t.names == "form")
# Cue words too generic to outweigh a specific beneficiary (the taxonomy's `weak_cues_zh`).
_WEAK_CUES = frozenset(cue for t in load_taxonomy() for cue in t.weak_cues)


@cache
def _cue_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    owner: dict[str, str] = {}
    for t in load_taxonomy():
        for cue in t.cue_words:
            owner.setdefault(cue, t.id)
    alternatives = sorted(owner, key=len, reverse=True)  # longest cue wins at each position
    return re.compile("|".join(map(re.escape, alternatives))), owner


_SPELLINGS = tuple((re.compile(e.pattern), e.value) for e in lexicon("instrument_cue_spellings").entries)
# brackets and spaces inside a cue word: 国家工程(技术)研究中心, 孵 化 器
_CUE_NOISE = re.compile(r"[\s()（）]+")


def cue_text(text: str) -> str:
    """`text` as cue words are matched on: R&D written 研发, brackets and spaces dropped."""
    for pattern, value in _SPELLINGS:
        text = pattern.sub(value, text)
    return _CUE_NOISE.sub("", text)


# compound cues of this length or more still match with one or two characters inserted after
# their first word (企业技术中心 in 企业工程技术中心)
LOOSE_CUE_LENGTH = 5


@cache
def _loose_cue_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    owner: dict[str, str] = {}
    for t in load_taxonomy():
        for cue in t.cue_words:
            if len(cue) >= LOOSE_CUE_LENGTH:
                owner.setdefault(cue, t.id)
    alternatives = [
        f"(?P<c{i}>{re.escape(c[:2])}[\u4e00-\u9fff]{{1,2}}{re.escape(c[2:])})" for i, c in enumerate(owner)
    ]
    return re.compile("|".join(alternatives)), owner


def _loose_cue_hits(text: str) -> list[tuple[str, str]]:
    """(type id, cue) for compound cues written with a word inserted (企业(工程)技术中心)."""
    pattern, owner = _loose_cue_pattern()
    cues = list(owner)
    return [
        (owner[cues[int(m.lastgroup[1:])]], cues[int(m.lastgroup[1:])]) for m in pattern.finditer(text) if m.lastgroup
    ]


def cue_hits(text: str) -> list[tuple[str, str, int]]:
    """(type id, cue, position) for every non-overlapping cue word in `text`."""
    pattern, owner = _cue_pattern()
    return [(owner[m.group()], m.group(), m.start()) for m in pattern.finditer(text)]


def form_cues() -> list[str]:
    """Cue words that name a form of support; each marks a promise on its own."""
    return [
        c for t in load_taxonomy() if t.id in FORM_TYPES for c in t.cue_words if len(c) >= 3 and c not in _WEAK_CUES
    ]


@lru_cache(maxsize=1024)
def form_type(text: str) -> str | None:
    """The support form named in `text`, if any (the longest such cue). Cached like `_zone_scores`:
    a heading is asked once for each promise under it."""
    forms = [(len(cue), t) for t, cue, _ in cue_hits(cue_text(text)) if t in FORM_TYPES]
    return max(forms)[1] if forms else None


def classify(zones: list[tuple[str, float]], weak: bool = True) -> str | None:
    """Weigh cue words over (text, weight) zones, closest zone first; None if no cue anywhere.

    With `weak=False` generic cues (配套, 场地…) alone do not type a text."""
    scores: dict[str, float] = {}
    for text, weight in zones:
        for type_id, score in _zone_scores(text, weak):
            scores[type_id] = scores.get(type_id, 0.0) + weight * score
    if not scores:
        return None
    return max(sorted(scores), key=lambda t: scores[t])


@lru_cache(maxsize=1024)
def _zone_scores(text: str, weak: bool) -> tuple[tuple[str, float], ...]:
    """The cue score of each type in one zone. Cached: every promise of a sentence weighs the
    whole sentence too, and re-reading a long sentence for each of its promises was quadratic."""
    scores: dict[str, float] = {}
    cue_ready = cue_text(text)
    hits = [(type_id, cue) for type_id, cue, _ in cue_hits(cue_ready)] or _loose_cue_hits(cue_ready)
    for rank, (type_id, cue) in enumerate(hits):
        if cue in _WEAK_CUES and not weak:
            continue
        strength = 0.3 if cue in _WEAK_CUES else 1.0
        if rank == 0:
            strength *= TOPIC_BONUS  # the first thing a sentence names is usually its topic
        # mostly how often a type is cued, a little how specific the cue is
        scores[type_id] = scores.get(type_id, 0.0) + strength * (1 + 0.25 * len(cue))
    return tuple(scores.items())


# extra weight of the first cue word in a zone
TOPIC_BONUS = 1.5
