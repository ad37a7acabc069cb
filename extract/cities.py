"""City detection: the short name of the prefecture-level city whose policy it is (大连, 沈阳 …), and
the level of its issuer (city / district / county / zone / town).

Place names come from the administrative divisions in `data/places.tsv` (see `data/make_places.py`):
any province, prefecture, district, county, county-level city or coded development zone, and a
city's short name before a zone word (烟台高新区, 兰州新区: lexicon `city_place_words`) or right after
its province (贵州遵义, 贵州(遵义)); a short name alone (东方, 安宁, 合作 are common words) is none. A district
or county maps to its prefecture; a name several cities share (铁西区) is resolved by the cities and
provinces the document names elsewhere, else it gives nothing. Evidence, strongest first: the
issuer, the notice's title, the policy's title, then the city the body names most often, then the
first lines (a reposting site's chrome names another city as often as the policy's). A short name
never outranks an explicit `XX市<body>` of another city in the text. Where no known name is found, the older rule reads `XX市<body>` in the issuer or title, then
the body (a city missing from the data); last, a town's body as issuer (丁镇人民政府: the title when
no issuer is known) gives its town's prefecture from `data/places_towns.tsv`, read only then, when
the name is one prefecture's or the county or prefecture of one of its candidates is named elsewhere.
`city_hint` (for the duty lists) is that older rule over the text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from .divisions import DATA, divisions
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


# where a `XX市<body>` can end: a search for it starts only 4 characters before one of these
_CITY_BODY_END = re.compile(f"市(?=({_BODY}))")


def city_bodies(text: str) -> Iterator[re.Match[str]]:
    """What `_CITY_BODY.finditer(text)` gives, searched only in the few characters before each
    市 + body (a match ends in one, its name 2-4 characters before it), not at every character."""
    pos = 0
    for end in _CITY_BODY_END.finditer(text):
        if end.start() - 2 < pos:
            continue
        m = _CITY_BODY.search(text, max(pos, end.start() - 4), end.end(1))
        if m:
            yield m
            pos = m.end()


def city_in(text: str) -> str | None:
    """The most frequent `XX市<body>` prefix in `text` (ties: the first seen)."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for m in city_bodies(text):
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


@component("city", requires=("policy", "city_hint"), assigns=("city", "issuer_level"))
def city_component(doc: Document) -> None:
    """The policy's prefecture-level city and its issuer's level (see the module's docstring)."""
    found = find_city(doc.text, doc.body, doc.layers["policy"], doc.layers["city_hint"])
    doc.layers["city"] = found.city
    doc.layers["issuer_level"] = found.level


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
    return find_city(doc.text, doc.body, policy).city


# --- administrative divisions -------------------------------------------------------------------

_DATA = DATA
# levels that name a prefecture's part, most specific last
_LEVEL_RANK = {"province": 0, "city": 1, "zone": 2, "district": 2, "county": 2, "town": 3}
_FIRST_LINES = 300  # characters of the text read as its head (title block, site chrome)
_WORDS = lexicon("city_place_words")
_ZONE_WORD = re.compile(_WORDS.alternation("zone"))
# a compilation of policies named after its place (乙城政策汇编): the place is the document's
_COMPILATION_WORD = re.compile(_WORDS.alternation("compilation"))
_SHORT_NAME_CONTEXT = re.compile(f"{_ZONE_WORD.pattern}|{_COMPILATION_WORD.pattern}")
# a town's name (1-4 characters + 镇/乡/街道) then a body: 城乡建设局 names no town
_TOWN_AFTER = re.compile(
    rf"[{_HAN}]{{1,4}}?(?:{_WORDS.alternation('town')})(?:{_WORDS.alternation('town_body')}|{_BODY}|[^{_HAN}]|$)"
)
_NOT_AFTER = set(_WORDS.words("not_after"))
_BODY_AFTER = re.compile(_BODY)


class Place(NamedTuple):
    name: str
    level: str  # province / city / district / county / zone
    province: str
    city: str  # the prefecture's short name ('' for a province that is no municipality)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    places: tuple[Place, ...]  # every place the words may be (a shared name gives several)
    level: str
    short: bool = False  # a short name (no 市, 区, 县): before a zone word or after its province


@dataclass(frozen=True)
class Places:
    by_name: dict[str, tuple[Place, ...]]  # full names: 大连市, 余杭区, 福清市, 辽宁省
    by_short: dict[str, tuple[Place, ...]]  # short names of prefectures and county-level cities
    province_short: dict[str, str]  # 辽宁 -> 辽宁省
    traditional: dict[int, str]  # str.translate table, traditional -> simplified (one char each)
    lengths: dict[str, tuple[int, ...]]  # first character -> lengths of the names it starts, longest first
    ends: dict[str, tuple[int, ...]]  # last two characters of a full name -> the lengths of those names
    short_lengths: tuple[int, ...]  # the lengths of the short names
    last_chars: re.Pattern[str]  # any last character of a full name (市, 区, 县 …)
    province: re.Pattern[str]  # a province's short name then any brackets
    has_traditional: re.Pattern[str]  # any traditional character of the table


@cache
def places() -> Places:
    """The vendored divisions, read once (about 3,400 rows) and indexed by name."""
    by_name: dict[str, list[Place]] = {}
    by_short: dict[str, list[Place]] = {}
    province_short: dict[str, str] = {}
    for row in divisions():
        place = Place(row.name, row.level, row.province, row.city)
        by_name.setdefault(row.name, []).append(place)
        if row.level == "province" and row.alias:
            province_short[row.alias] = row.name
        short = row.short
        if len(short) >= 2 and (row.level == "city" or (row.level == "county" and row.name.endswith("市"))):
            by_short.setdefault(short, []).append(place)
    pairs = (_DATA / "places_traditional.tsv").read_text(encoding="utf-8").splitlines()[1:]
    traditional = {ord(t): s for t, s in (pair.split("\t") for pair in pairs)}
    return Places(
        by_name={k: tuple(v) for k, v in by_name.items()},
        by_short={k: tuple(v) for k, v in by_short.items()},
        province_short=province_short,
        traditional=traditional,
        lengths=_lengths_by_first_character([*by_name, *by_short]),
        ends=_lengths_by_last_characters(list(by_name)),
        short_lengths=tuple(sorted({len(name) for name in by_short})),
        last_chars=re.compile("[" + "".join(sorted({re.escape(name[-1]) for name in by_name})) + "]"),
        province=re.compile(f"(?:{_alternation(set(province_short))})[(（]*"),
        has_traditional=re.compile("[" + "".join(sorted(re.escape(chr(t)) for t in traditional)) + "]"),
    )


def simplified(text: str) -> str:
    """`text` with the table's traditional characters made simplified (one character each, so the
    offsets stay): only the characters found are replaced, not the text translated character by character."""
    data = places()
    return data.has_traditional.sub(lambda m: data.traditional[ord(m.group())], text)


def _alternation(words: set[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=lambda w: (-len(w), w)))


def _overlapping(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match of `pattern`, one per position it matches at (a search from the next position)."""
    m = pattern.search(text)
    while m:
        yield m
        m = pattern.search(text, m.start() + 1)


def _lengths_by_first_character(names: list[str]) -> dict[str, tuple[int, ...]]:
    lengths: dict[str, set[int]] = {}
    for name in names:
        lengths.setdefault(name[0], set()).add(len(name))
    return {first: tuple(sorted(found, reverse=True)) for first, found in lengths.items()}


def _lengths_by_last_characters(names: list[str]) -> dict[str, tuple[int, ...]]:
    lengths: dict[str, set[int]] = {}
    for name in names:
        lengths.setdefault(name[-2:], set()).add(len(name))
    return {last: tuple(sorted(found)) for last, found in lengths.items()}


def mentions(text: str) -> list[Mention]:
    """The place names in `text`, longest first at each position, left to right. Names of two
    characters (和县, 城区) count only before a government body; a short name (of a prefecture or a
    county-level city) only before a zone word or right after its province.

    Linear and cheap: a name can start only where a full name ends in its last character (市, 区,
    县 …), a short name ends before a zone word, or a province's name ends; those positions come
    from compiled patterns, and only they are tried, left to right, as a scan of every position would."""
    data = places()
    text = simplified(text)
    by_name, by_short = data.by_name, data.by_short
    starts: set[int] = set()
    for m in data.last_chars.finditer(text):
        end = m.end()
        for length in data.ends.get(text[end - 2 : end], ()):
            if length <= end and text[end - length : end] in by_name:
                starts.add(end - length)
    for m in _overlapping(_SHORT_NAME_CONTEXT, text):
        end = m.start()
        for length in data.short_lengths:
            if length <= end and text[end - length : end] in by_short:
                starts.add(end - length)
    for m in _overlapping(data.province, text):
        starts.update(range(m.start() + 2, m.end() + 1))
    found: list[Mention] = []
    after = 0
    for i in sorted(starts):
        if i < after:
            continue
        hit = _mention_at(text, i, data)
        if hit:
            found.append(hit)
            after = hit.end
    return found


def _mention_at(text: str, i: int, data: Places) -> Mention | None:
    for length in data.lengths.get(text[i], ()):
        if length < 2 or i + length > len(text):
            continue
        word = text[i : i + length]
        end = i + length
        full = data.by_name.get(word)
        if full and _full_name_stands(text, end, length):
            zone = _ZONE_WORD.match(text, end)
            if zone and full[0].level in ("city", "county"):
                return Mention(i, zone.end(), full, "zone")
            return Mention(i, end, full, _level_of(full))
        short = data.by_short.get(word)
        if short:
            zone = _ZONE_WORD.match(text, end)
            if zone:
                return Mention(i, zone.end(), short, "zone", short=True)
            if _COMPILATION_WORD.match(text, end) and not (i and _is_han(text[i - 1])):
                # the name opens the compilation's title (国际合作政策汇编 is no place's)
                return Mention(i, end, short, _level_of(short), short=True)
            if word not in data.province_short and _bare_name_stands(text, i, short, data):
                return Mention(i, end, short, _level_of(short), short=True)
    return None


def _is_han(character: str) -> bool:
    return "\u4e00" <= character <= "\u9fff"


def _full_name_stands(text: str, end: int, length: int) -> bool:
    if end < len(text) and text[end] in _NOT_AFTER:
        return False
    return length > 2 or bool(_BODY_AFTER.match(text, end))


def _bare_name_stands(text: str, start: int, places_: tuple[Place, ...], data: Places) -> bool:
    # only right after its own province (贵州(遵义), 贵州遵义): 东方, 安宁, 合作 alone are words;
    # 海南, 吉林 alone name the province as often as the city (refused by the caller)
    before = text[max(0, start - 4) : start].rstrip("(（")
    return any(
        before.endswith(short) and data.province_short[short] == p.province
        for p in places_
        for short in data.province_short
    )


def _level_of(places_: tuple[Place, ...]) -> str:
    levels = {p.level for p in places_}
    if "city" in levels:
        return "city"
    return levels.pop() if len(levels) == 1 else "county"


class Found(NamedTuple):
    city: str | None
    level: str | None


def find_city(text: str, body: str, policy: PolicyMeta, hint: str | None = None) -> Found:
    """The prefecture-level city and the issuer's level, from the evidence in order of strength.
    `hint`: the text's most frequent `XX市<body>` city (the `city_hint` layer), when already read."""
    everything = mentions(text)
    context = _with_doc_number(_context(everything), everything, policy.doc_number)
    level = level_by_form(policy.issuer)
    explicit: list[str | None] = [hint] if hint else []  # read once, only when a short name needs it

    def the_hint() -> str | None:
        if not explicit:
            explicit.append(city_in(text))
        return explicit[0]

    def outranked(found: Found, short: bool) -> str | None:
        if not short:
            return None
        other = the_hint()
        return other if other and other != found.city else None

    for evidence in (policy.issuer, policy.notice_title, policy.title):
        if not evidence:
            continue
        found, short = _resolve_first(evidence, mentions(evidence), context)
        if found.city:
            other = outranked(found, short)
            if other:
                return Found(other, level)
            # the level is the issuer's: read from a title only when no issuer is known
            by_issuer = evidence is policy.issuer or not policy.issuer
            return Found(found.city, found.level if by_issuer else level)
    counts: Counter[str] = Counter()
    shorts: Counter[str] = Counter()
    for mention in _in_body(everything, text, body):
        city = _resolve(mention, context)
        if city:
            counts[city] += 1
            shorts[city] += mention.short
    if counts:
        city = counts.most_common(1)[0][0]
        other = outranked(Found(city, level), shorts[city] == counts[city])
        return Found(other or city, level)
    head = text[:_FIRST_LINES]
    found, short = _resolve_first(head, mentions(head), context)
    if found.city:
        return Found(outranked(found, short) or found.city, level)
    # a city the data does not know (renamed, new): the older `XX市<body>` rule, issuer first
    known = issuer_city(policy) or city_in(body) or the_hint()
    return Found(known or town_city(policy, everything, context), level)


# --- towns and street offices: read only for an issuer that is one -------------------------------

# a town word then a town's body (丁镇人民政府, 丙山街道办事处, 丁镇党委): group 1 ends the town's name
_TOWN_ISSUER = re.compile(rf"({_WORDS.alternation('town')})(?:{_WORDS.alternation('town_body')}|{_BODY})")


@cache
def towns() -> tuple[dict[str, tuple[tuple[str, str], ...]], tuple[int, ...]]:
    """`data/places_towns.tsv` (about 31,000 names), read the first time an issuer is a town's body:
    name -> its (prefecture short name, county name) candidates, and the names' lengths, longest first."""
    by_name: dict[str, tuple[tuple[str, str], ...]] = {}
    for line in (_DATA / "places_towns.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        name, joined = line.split("\t")
        by_name[name] = tuple(tuple(c.split("/", 1)) for c in joined.split(";"))  # type: ignore[misc]
    return by_name, tuple(sorted({len(name) for name in by_name}, reverse=True))


def town_city(policy: PolicyMeta, everything: list[Mention], context: tuple[set[str], set[str]]) -> str | None:
    """The prefecture of the town whose body issues (the title's when no issuer is known), when no
    other rule found a city: a name of one prefecture gives it; a shared one (城关镇) only the
    candidate whose county, else prefecture, the document names elsewhere; else None."""
    evidence = policy.issuer or policy.title
    if not evidence:
        return None
    evidence = simplified(evidence)
    if not _TOWN_ISSUER.search(evidence):
        return None
    by_name, lengths = towns()
    named = [*everything, *mentions(evidence)]
    counties = {p.name for m in named for p in m.places if p.level in ("district", "county", "zone")}
    cities = context[0] | {m.places[0].city for m in named if len({p.city for p in m.places}) == 1}
    for m in _TOWN_ISSUER.finditer(evidence):
        end = m.end(1)
        for length in lengths:
            candidates = by_name.get(evidence[end - length : end]) if length <= end else None
            if not candidates:
                continue
            found = {c for c, _ in candidates}
            if len(found) > 1:
                found = {c for c, k in candidates if k in counties} or {c for c, _ in candidates if c in cities}
            return found.pop() if len(found) == 1 and all(found) else None
    return None


_FORMS = (
    ("town", _TOWN_AFTER),
    ("zone", re.compile(rf"(?:{_WORDS.alternation('zone')})(?:{_WORDS.alternation('zone_body')}|{_BODY})")),
    ("district", re.compile(rf"(?:{_WORDS.alternation('district_word')})(?:{_BODY})")),
    ("county", re.compile(rf"(?:{_WORDS.alternation('county_word')})(?:{_BODY})")),
    ("city", re.compile(rf"(?:{_WORDS.alternation('city_word')})(?:{_BODY})")),
)


def level_by_form(issuer: str | None) -> str | None:
    """The level an issuer's form shows when its place is not in the data (丁镇人民政府: town,
    丙高新区管委会: zone, 乙区科技局: district), the most local first."""
    if not issuer:
        return None
    issuer = simplified(issuer)
    return next((level for level, form in _FORMS if form.search(issuer)), None)


def _in_body(everything: list[Mention], text: str, body: str) -> list[Mention]:
    """The mentions of the body: a name never spans a line, so where the body is the text with
    lines blanked (as `Document.body` is) they are the text's mentions on the lines kept."""
    if len(body) != len(text):
        return mentions(body)
    return [m for m in everything if body[m.start : m.end] == text[m.start : m.end]]


def _context(found: list[Mention]) -> tuple[set[str], set[str]]:
    """The cities and provinces a document names unambiguously (to resolve a shared name)."""
    cities = {m.places[0].city for m in found if len({p.city for p in m.places}) == 1 and m.places[0].city}
    provinces = {m.places[0].province for m in found if len({p.province for p in m.places}) == 1}
    return cities, provinces


# the issuer's abbreviation that opens a document number: 沈铁西政发〔2021〕3号 -> 沈铁西
_DOC_NUMBER_PREFIX = re.compile(rf"\s*([{_HAN}]{{1,10}}?)[{_HAN}]?[发字函办]*[〔\[(（【]?\s*(?:19|20)\d\d")


def _with_doc_number(
    context: tuple[set[str], set[str]], found: list[Mention], doc_number: str | None
) -> tuple[set[str], set[str]]:
    """The document number as context for a shared name: its prefix abbreviates the issuing city
    (沈铁西政发: 沈 of 沈阳, 连 of 大连), so of the cities a shared name (铁西区) may belong to, the
    one whose name holds the prefix's first character is the document's, where only one does."""
    prefix = _DOC_NUMBER_PREFIX.match(simplified(doc_number)) if doc_number else None
    if not prefix:
        return context
    first = prefix.group(1)[0]
    cities = set(context[0])
    for mention in found:
        candidates = {p.city for p in mention.places if p.city}
        if len(candidates) > 1:
            holding = {c for c in candidates if first in c}
            if len(holding) == 1:
                cities |= holding
    return cities, context[1]


def _resolve(mention: Mention, context: tuple[set[str], set[str]]) -> str | None:
    candidates = {p.city for p in mention.places if p.city}
    if len(candidates) > 1:
        cities, provinces = context
        candidates = {c for c in candidates if c in cities} or {
            p.city for p in mention.places if p.province in provinces and p.city
        }
    return candidates.pop() if len(candidates) == 1 else None


def _resolve_first(evidence: str, found: list[Mention], context: tuple[set[str], set[str]]) -> tuple[Found, bool]:
    """The first resolvable name of `evidence` and whether it is a short name; the level is that of
    the last name of the chain it starts (佛山市顺德区大良街道: city, district, then a town word)."""
    for index, mention in enumerate(found):
        city = _resolve(mention, context)
        if not city:
            continue
        last = mention
        for following in found[index + 1 :]:
            if following.start != last.end or city not in {p.city for p in following.places}:
                break
            last = following
        level = last.level if last.level != "province" else "city"
        if _TOWN_AFTER.match(simplified(evidence), last.end):
            level = "town"
        return Found(city, level), mention.short
    return Found(None, None), False
