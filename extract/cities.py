"""City detection: the short name of the city whose government issued the policy (大连, 沈阳 …).

Evidence, strongest first: the issuer (`大连市人民政府办公厅`), the title, then the most frequent
`XX市` that prefixes a government body in the text. No list of cities: the name is whatever stands
between a boundary (line start, punctuation, 省, 中共: lexicon `metadata_city_boundaries`) and 市 + a
body (lexicon `government_bodies`).
"""

from __future__ import annotations

import re
from collections import Counter

from .document import Document
from .language import component
from .lexicon import lexicon
from .records import PolicyMeta

_HAN = r"\u4e00-\u9fff"
# a government body a city's name prefixes: 人民政府, 科技局 …
_BODY = lexicon("government_bodies").alternation("body")
# a city name is 2-4 characters after a boundary; lazy so 大连市 is not read as 连市
_BOUNDARIES = lexicon("metadata_city_boundaries")
# one look-behind a word: Python's look-behinds are of fixed width
_AFTER_WORD = "".join(f"|(?<={re.escape(word)})" for word in _BOUNDARIES.words("before"))
_CITY_BODY = re.compile(
    rf"(?:^|(?<=[^{_HAN}]){_AFTER_WORD})((?!{_BOUNDARIES.alternation('party')})[{_HAN}]{{2,4}}?)市{_BODY}", re.MULTILINE
)
# words that end in 市 but are not places (创新型城市, 超市, 股市) or that precede 市 in prose (全市,
# 由市科技局): lexicon `not_city`
_NOT_CITY = re.compile(rf"{lexicon('not_city').alternation('end')}$|{lexicon('not_city').alternation('anywhere')}")


def city_in(text: str) -> str | None:
    """The most frequent `XX市<body>` prefix in `text` (ties: the first seen)."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for m in _CITY_BODY.finditer(text):
        name = m.group(1)
        if _NOT_CITY.search(name):
            continue
        counts[name] += 1
        first.setdefault(name, m.start())
    if not counts:
        return None
    return max(counts, key=lambda n: (counts[n], -first[n]))


@component("city_hint", assigns=("city_hint",))
def city_hint_component(doc: Document) -> None:
    """The city the text's government bodies most often name: read by the duty lists (市 prefixes)."""
    doc.layers["city_hint"] = city_in(doc.text)


@component("city", requires=("policy", "city_hint"), assigns=("city",))
def city_component(doc: Document) -> None:
    """The issuer's city; failing that, the city the bodies of the text name most often, in the
    body (chrome blanked) first, then in the whole text (the `city_hint` layer)."""
    doc.layers["city"] = issuer_city(doc.layers["policy"]) or city_in(doc.body) or doc.layers["city_hint"]


def issuer_city(policy: PolicyMeta) -> str | None:
    """The city named by the issuer, else the notice's title, else the policy's title."""
    for evidence in (policy.issuer, policy.notice_title, policy.title):
        if evidence:
            m = _CITY_BODY.search(evidence)
            if m and not _NOT_CITY.search(m.group(1)):
                return m.group(1)
    return None


def detect_city(doc: Document, policy: PolicyMeta) -> str | None:
    """What the `city` component assigns, for a document run through no pipeline."""
    return issuer_city(policy) or city_in(doc.body) or city_in(doc.text)
