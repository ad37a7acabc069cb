"""Policy metadata: title, notice title, 发文字号, issuer, 成文日期, publication date, 效力状态.

The genre's layout: a web page header (发布日期 / 发文字号 / 效力状态 fields), the title line, the
doc number on its own line, the addressees, the text, and a signature (issuer line, date line).
A 通知 that 印发/转发 a plan wraps it: the plan's own title is the policy title and the notice's is
`notice_title`. Web copies garble the genre's punctuation: the normaliser repaired what the text
itself makes evident (a doc number's lost 〕 and 号, a title's year range, repair.py); a compact
signing date (201974) is read here where it is unambiguous (`dates.parse_compact`).

What the genre's words are lives in the lexicon: `metadata_labels` (header fields),
`metadata_title_words`, `metadata_status`, `metadata_issuer_suffixes`, and through genre.py
`policy_genres` and `doc_number`. The component reads no other component's layer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher

from .dates import CN_DATE_RE, COMPACT_RE, DATE_RE, find_dates, parse_compact
from .divisions import short_names
from .document import OPENS_WITH_MARKER, Document
from .genre import DOC_NUMBER, GENRE, GENRE_AT_END, STANDALONE_DOC_NUMBER, skeleton
from .language import component
from .lexicon import lexicon
from .records import PolicyMeta

_HAN = r"\u4e00-\u9fff"
_STATUS = lexicon("metadata_status")
_TITLE_WORDS = lexicon("metadata_title_words")
_WRAPPING_VERB = _TITLE_WORDS.alternation("wrapping_verb")
# the title at the head of a line: no sentence punctuation, ends in a genre word (+ a bracketed
# period or 试行), and is followed by the line end, an addressee (各…) or a separator
_TITLE_BODY = (
    rf"(?P<t>[^\s,。;:!?\n](?:[^,。;:!?\n]{{2,118}}?){GENRE}(?:[ \t]*[(][^()\n]{{1,24}}[)]){{0,2}})"
    rf"(?=》?[ \t\u3000]*$|各|[.。:])"
)
# a site that collects policies may print its label before the title (`XX政策汇编:关于…的意见`)
_AGGREGATOR_LABEL = rf"[^\s,。;:!?\n《]{{0,20}}?{_TITLE_WORDS.alternation('aggregator_label')}[ \t\u3000]*:[ \t\u3000]*"
_TITLE_AT_LINE = re.compile(
    rf"^[ \t\u3000]*(?:{_STATUS.alternation('title_mark')})?[ \t\u3000]*(?:{_AGGREGATOR_LABEL})?《?{_TITLE_BODY}",
    re.MULTILINE,
)
# a portal's breadcrumb (首页 > 信息公开 > 计划总结) is navigation, never a title
_BREADCRUMB = re.compile(r"[>›»]")
# a title's own bracketed qualifier ((试行), (2021年修订), (2012—2015年)) and, where a page appends
# one, the doc number or an aggregator's tag in brackets after it ((乙政发〔2031〕6号), (苏州))
_TRAILING_BRACKET = re.compile(r"[ \t]*[(](?P<b>[^()\n]{1,24})[)]$")
_QUALIFIER = re.compile(_TITLE_WORDS.alternation("title_qualifier"))
# a site's tag is a place: a name ending in a level word (乙州市, 丙县) or a known city or
# province short name (苏州); any other short bracket ((节选), (摘要)) is the title's own
_AGGREGATOR_TAG = re.compile(rf"[{_HAN}]{{1,4}}(?:市|省|区|县|州|旗|盟)")
_NON_BLANK_LINE = re.compile(r"[^\n]*\S[^\n]*")
_SENTENCE_MARK = re.compile(r"[,。;:!?]")
# how far below a notice its wrapped plan's own title is looked for
_WRAPPED_TITLE_WINDOW = 3000
_BRACKETED_NUMBER = re.compile(r"[ \t]*[(](?P<n>[^()\n]{1,24})[)]")
_LEADING_NUMBER = re.compile(rf"(?:{DOC_NUMBER.pattern})[ \t\u3000]*《?[ \t\u3000]*")
_QUALIFIER_LINE = re.compile(r"[ \t\u3000]*(?P<q>[(][^()\n]{1,24}[)])[ \t\u3000]*$")
# a page's publication stamp under the title, with no label: 2019-07-14 16:20
_PAGE_DATE_LINE = re.compile(
    r"^[ \t\u3000]*(?P<d>(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2})(?:[ \t]+\d{1,2}:\d{2}(?::\d{2})?)?[ \t\u3000]*$",
    re.MULTILINE,
)
# with no title line, the policy a notice hands out: 《…实施办法》经县政府同意,现予印发
_HANDED_OUT = re.compile(
    rf"《(?P<t>[^《》\n]{{2,120}}?{GENRE}(?:[(][^()\n]{{1,24}}[)])?)》[^。《》\n]{{0,40}}?(?:{_TITLE_WORDS.alternation('handing_out')})"
)
_WRAPPING_GENRES = _TITLE_WORDS.words("wrapping_genre")
_NOTICE = re.compile(_WRAPPING_VERB)
_TITLE_OPENINGS = _TITLE_WORDS.words("title_opening")
_INNER_BOOK = re.compile(r"《([^《》]+)》")
_INNER_PLAIN = re.compile(rf"{_WRAPPING_VERB}(?P<t>.+?)的?{_TITLE_WORDS.alternation('wrapping_genre')}$")
_ORG_SUFFIX = lexicon("metadata_issuer_suffixes").alternation("issuer")
_ORG = re.compile(rf"^[{_HAN}()〔〕]{{2,40}}?{_ORG_SUFFIX}$")
_TITLE_ISSUER = re.compile(rf"^(?P<o>[{_HAN} ]{{2,60}}?{_ORG_SUFFIX}){_TITLE_WORDS.alternation('issuer_then')}")
_LABEL_VALUE = r"[ \t\u3000]*[:][ \t\u3000]*"


def _labels(field: str) -> str:
    """The header labels of one field (lexicon `metadata_labels`) as portals print them, often
    spaced out to align a table: 标  题, 有 效 性."""
    names = lexicon("metadata_labels").words(field)
    return "(?:" + "|".join(r"[ \t\u3000]*".join(map(re.escape, name)) for name in names) + ")"


# a label's value ends at the line end, or where a table's next cell (2+ spaces, a label) begins
_NEXT_CELL = r"(?=[ \t\u3000]{2,}[^\s:]{2,8}[ \t\u3000]*:|[ \t\u3000]*$)"
# an empty cell: what follows the label is the next cell's label (发文字号:      发布日期:)
_NOT_A_LABEL = r"(?![^\s:]{1,8}[ \t\u3000]*:)"
# Header labels stand at a line's or a cell's start. The patterns open with the label itself and
# `_search_at_start` checks the start: a pattern opening with a look-behind is tried at every
# position of the text, one opening with its label words skips to them.
_HEADER = {
    "title": re.compile(rf"{_labels('title')}{_LABEL_VALUE}(?P<v>[^\n]+?){_NEXT_CELL}", re.MULTILINE),
    **{
        field: re.compile(rf"{_labels(field)}{_LABEL_VALUE}{_NOT_A_LABEL}(?P<v>[^\s]+)", re.MULTILINE)
        for field in ("doc_number", "issuer", "status")
    },
}


def _matches_at_start(pattern: re.Pattern[str], text: str, after: str = "") -> Iterator[re.Match[str]]:
    """The matches of `pattern` at the text's start or right after a space, a line break or one
    of the characters `after`: what a look-behind for them before the pattern finds."""
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        if m.start() == 0 or text[m.start() - 1].isspace() or text[m.start() - 1] in after:
            yield m
            pos = max(m.end(), m.start() + 1)
        else:
            pos = m.start() + 1


def _search_at_start(pattern: re.Pattern[str], text: str, after: str = "") -> re.Match[str] | None:
    """The first of `_matches_at_start`."""
    return next(_matches_at_start(pattern, text, after), None)


_NUMBER_CELL = re.compile(
    rf"{_labels('doc_number')}[ \t\u3000]+(?P<v>{DOC_NUMBER.pattern})(?=[ \t\u3000]|$)", re.MULTILINE
)
_ISSUED_LABEL = re.compile(rf"{_labels('issued_date')}{_LABEL_VALUE}", re.MULTILINE)
_PUBLISHED_LABEL = re.compile(rf"{_labels('published_date')}{_LABEL_VALUE}", re.MULTILINE)
# a publication date's label may follow a breadcrumb's or a table's separator (…>发布日期:, 来源:…|发布日期:)
_PUBLISHED_AFTER = ">|"
_STATUS_MARK = _STATUS.compile("repealed_mark")
_REPEALED = _STATUS.compile("repealed")
_IN_FORCE = _STATUS.compile("in_force")
_PARTLY = _STATUS.words("partly")
# (2021年3月15日) or (2021年3月15日市人民政府第32次常务会议通过) under a title: the adoption date
_BRACKETED_DATE = re.compile(
    rf"^[ \t\u3000]*[(][ \t]*(?:{DATE_RE.pattern}|{CN_DATE_RE.pattern})"
    rf"(?:[^()\n]{{0,40}}{_TITLE_WORDS.alternation('adoption_verb')})?[ \t]*[)][ \t\u3000]*$"
)


@dataclass
class _Found:
    value: str
    start: int  # normalised span of the evidence
    end: int


@component("metadata", assigns=("policy", "wrapped_policy_start"))
def metadata_component(doc: Document) -> None:
    doc.layers["policy"] = extract_metadata(doc)
    doc.layers["wrapped_policy_start"] = wrapped_policy_start(doc)


def extract_metadata(doc: Document) -> PolicyMeta:
    """The policy's metadata (the `policy` layer; components read it there, not from here)."""
    text = doc.text
    meta = PolicyMeta()
    found: dict[str, _Found] = {}

    header = {key: m for key, pattern in _HEADER.items() if (m := _search_at_start(pattern, text))}
    notice, title = _doc_titles(doc)
    if notice:
        found["notice_title"] = notice
    if title:
        found["title"] = title

    number = _doc_number(text, header.get("doc_number")) or _title_line_number(doc)
    if number:
        found["doc_number"] = number

    years = _years(text, number)
    signature = _signature(doc, years)
    issuer = signature[0] if signature else None
    if not issuer:
        own = found.get("notice_title") or found.get("title")
        m = _TITLE_ISSUER.match(own.value) if own else None
        if m and own:
            issuer = _Found(m.group("o").strip(), own.start, own.start + m.end("o"))
        elif "issuer" in header:
            h = header["issuer"]
            issuer = _Found(h.group("v"), h.start("v"), h.end("v"))
    if issuer:
        issuer.value = re.sub(r"\s+", " ", issuer.value)
        found["issuer"] = issuer

    issued = signature[1] if signature else None
    if not issued:
        issued = _labelled_date(text, _ISSUED_LABEL)
    if issued:
        found["issued_date"] = issued
    published = _published(text) or _page_date(doc)
    if published:
        found["published_date"] = published

    status = _status(text, header.get("status"))
    if status:
        found["status"] = status

    for key, value in found.items():
        setattr(meta, key, value.value)
        meta.spans[key] = [value.start, value.end]  # normalised: `provenance` maps them
    return meta


# ---------------------------------------------------------------- titles


def _title_lines(doc: Document) -> list[_Found]:
    """Title-shaped heads of lines, in order (web chrome is blank in `doc.body`)."""
    return doc.memo("title_lines", lambda: _find_title_lines(doc))


def _find_title_lines(doc: Document) -> list[_Found]:
    body = doc.body
    out: list[_Found] = []
    for m in _TITLE_AT_LINE.finditer(body):
        line_start = body.rfind("\n", 0, m.start()) + 1
        if OPENS_WITH_MARKER.match(body, line_start) or _BREADCRUMB.search(m.group("t")):
            continue
        if _continues_a_sentence(body, line_start):
            continue
        out.append(_without_page_additions(_Found(m.group("t").strip(), m.start("t"), m.end("t"))))
    # the first half of a broken title is often short enough to look like navigation: use the text
    out.extend(_broken_titles(doc.text))
    return sorted(out, key=lambda f: f.start)


def _continues_a_sentence(text: str, line_start: int) -> bool:
    """A line after one that ends in a comma carries on a sentence (…集群,/特制定以下若干举措:)."""
    i = line_start - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    return i >= 0 and text[i] in ",、"


def _without_page_additions(title: _Found) -> _Found:
    """Drop what a page appends after a title in brackets: the doc number ((乙政发〔2031〕6号)) or a
    site's tag ((苏州)); a bracket of the title's own ((试行), (2021年修订)) stays. A doc number
    printed before the title (丙办发〔2009〕23号《…的通知》) goes too."""
    lead = _LEADING_NUMBER.match(title.value)
    if lead and lead.end() < len(title.value):
        title = _Found(title.value[lead.end() :], title.start + lead.end(), title.end)
    m = _TRAILING_BRACKET.search(title.value)
    if not m or m.start() == 0:
        return title
    inner = m.group("b")
    if DOC_NUMBER.fullmatch(inner.strip()) or (_is_place_tag(inner) and not _QUALIFIER.search(inner)):
        value = title.value[: m.start()].rstrip()
        return _Found(value, title.start, title.start + len(value))
    return title


def _is_place_tag(inner: str) -> bool:
    if _AGGREGATOR_TAG.fullmatch(inner):
        return True
    return inner in short_names()


def _title_line_number(doc: Document) -> _Found | None:
    """A doc number printed in brackets after the first title line (…的通知(乙政发〔2031〕6号))."""
    lines = _title_lines(doc)
    if not lines:
        return None
    first = lines[0]
    m = _BRACKETED_NUMBER.match(doc.text, first.end)
    if m and DOC_NUMBER.fullmatch(m.group("n").strip()):
        return _Found(re.sub(r"\s+", "", m.group("n")), m.start("n"), m.end("n"))
    return None


def _broken_titles(body: str) -> list[_Found]:
    """A long title broken over two lines (`…关于印发` / `《…》的通知`): the first half holds
    关于 but ends in no genre word, the two halves together read as a title."""
    out: list[_Found] = []
    lines = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]*\S[^\n]*", body)]
    for (start, first), (_, second) in zip(lines, lines[1:], strict=False):
        head = first.strip()
        opens = head.endswith(_TITLE_OPENINGS) or ("关于" in head and len(head) >= 10)
        if not opens or len(head) > 60 or re.search(r"[,。;:!?]", head) or GENRE_AT_END.search(head):
            continue
        joined = _TITLE_AT_LINE.match(head + second.strip())
        if joined and joined.end("t") - joined.start("t") > len(head):
            begin = start + first.index(head)
            end = body.index(second.strip(), begin + len(head)) + len(second.strip())
            out.append(_Found(joined.group("t"), begin, end))
    return out


def wrapped_policy_start(doc: Document) -> int:
    """Where the policy a notice wraps begins: the end of its own title line (0 when the notice
    carries no separate copy of it), so the notice's own 一、二、 requirements are not measures."""
    notice, title = _doc_titles(doc)
    if notice and title and title.start >= notice.end and title.value != notice.value:
        line_start = doc.text.rfind("\n", 0, title.start) + 1
        if not doc.text[line_start : title.start].strip():  # a title line, not a 《》 in a sentence
            return title.end
    return 0


def _doc_titles(doc: Document) -> tuple[_Found | None, _Found | None]:
    """`_titles` with the header's title field, once per document (read-only results)."""
    return doc.memo("titles", lambda: _titles(doc, _search_at_start(_HEADER["title"], doc.text)))


def _titles(doc: Document, header: re.Match[str] | None) -> tuple[_Found | None, _Found | None]:
    """(notice title, policy title)."""
    notice, title = _notice_and_title(doc, header)
    return notice, (_with_qualifier(title, doc) if title else None)


def _notice_and_title(doc: Document, header: re.Match[str] | None) -> tuple[_Found | None, _Found | None]:
    lines = _title_lines(doc)
    first = lines[0] if lines else None
    if first is None and header:
        value = re.sub(rf"(?<=[^{_HAN}A-Za-z0-9])\s+|\s+(?=[^{_HAN}A-Za-z0-9])", "", header.group("v")).strip()
        first = _Found(value, header.start("v"), header.end("v"))
    if first is None:
        handed_out = _HANDED_OUT.search(doc.body)
        return None, (_Found(handed_out.group("t"), handed_out.start("t"), handed_out.end("t")) if handed_out else None)
    first = _with_issuer_line(first, doc.text)
    if not (first.value.endswith(_WRAPPING_GENRES) and _NOTICE.search(first.value)):
        return None, first
    inner = _inner_title(first)
    if inner is None:
        return None, first
    # the wrapped plan usually repeats its own title on a line of its own: prefer that copy
    for line in lines:
        if line.start >= first.end and _similar(line.value, inner.value) and not _similar(line.value, first.value):
            return first, line
    split = _split_copy(doc.text, first.end, inner.value)
    if split:
        return first, split
    for m in _INNER_BOOK.finditer(doc.text, first.end, min(len(doc.text), first.end + 2000)):
        if _similar(m.group(1), inner.value):
            return first, _Found(m.group(1), m.start(1), m.end(1))
    return first, inner


def _split_copy(text: str, start: int, title: str) -> _Found | None:
    """The wrapped plan's own title set in two lines below the notice (an attachment's title
    broken at the page width: `云海市科技成果转化专项资金` / `管理办法`)."""
    wanted = skeleton(title)
    window_end = min(len(text), start + _WRAPPED_TITLE_WINDOW)
    previous: re.Match[str] | None = None
    for m in _NON_BLANK_LINE.finditer(text, start, window_end):
        if previous and skeleton(previous.group(0) + m.group(0)) == wanted:
            value = previous.group(0).strip() + m.group(0).strip()
            begin = previous.start() + len(previous.group(0)) - len(previous.group(0).lstrip())
            return _Found(value, begin, m.start() + len(m.group(0).rstrip()))
        previous = None if _SENTENCE_MARK.search(m.group(0)) else m
    return None


def _with_issuer_line(title: _Found, text: str) -> _Found:
    """`乙州市人民政府办公厅` / `关于印发《…》的通知`: a title set in two lines, the issuer above."""
    if not title.value.startswith("关于"):
        return title
    line_start = text.rfind("\n", 0, title.start) + 1
    if text[line_start : title.start].strip():
        return title
    above = text[:line_start].rstrip()
    prev = above[above.rfind("\n") + 1 :].strip()
    if not prev or not _ORG.match(prev.replace(" ", "")):
        return title
    begin = above.rfind("\n") + 1 + above[above.rfind("\n") + 1 :].index(prev)
    return _Found(prev + title.value, begin, title.end)


def _inner_title(notice: _Found) -> _Found | None:
    m = _INNER_BOOK.search(notice.value)
    if m:
        return _Found(m.group(1), notice.start + m.start(1), notice.start + m.end(1))
    m = _INNER_PLAIN.search(notice.value)
    if m:
        value = re.sub(r"^关于(?=关于)", "", m.group("t"))
        return _Found(value, notice.start + m.start("t"), notice.start + m.end("t"))
    return None


def _similar(a: str, b: str) -> bool:
    sa, sb = skeleton(a), skeleton(b)
    if not sa or not sb:
        return False
    return sa == sb or SequenceMatcher(None, sa, sb).ratio() >= 0.9


def _with_qualifier(title: _Found, doc: Document) -> _Found:
    """A title whose own bracket ((2012—2015年), (试行)) was set on the next line, or repeated
    with it right below (before the text's first sentence): the title with its bracket."""
    if title.value.endswith(")"):
        return title
    text = doc.text
    line_end = text.find("\n", title.end)
    if line_end >= 0 and not text[title.end : line_end].strip():
        nxt = re.compile(r"\s*").match(text, line_end).end()
        next_end = text.find("\n", nxt)
        m = _QUALIFIER_LINE.fullmatch(text, nxt, next_end if next_end >= 0 else len(text))
        if m and _QUALIFIER.search(m.group("q")):
            return _Found(title.value + m.group("q"), title.start, m.end("q"))
    sentence_end = text.find("。", title.end)
    for line in _title_lines(doc):
        if line.start <= title.end or (0 <= sentence_end < line.start):
            continue
        rest = line.value[len(title.value) :]
        if line.value.startswith(title.value) and _TRAILING_BRACKET.fullmatch(rest) and _QUALIFIER.search(rest):
            return line
    return title


def _page_date(doc: Document) -> _Found | None:
    """A publication stamp alone on a line right under the first title (2019-07-14 16:20)."""
    lines = _title_lines(doc)
    if not lines:
        return None
    first = lines[0]
    sentence_end = doc.text.find("。", first.end)
    window_end = min(len(doc.text), first.end + 200, sentence_end if sentence_end >= 0 else len(doc.text))
    m = _PAGE_DATE_LINE.search(doc.text, first.end, window_end)
    if not m:
        return None
    hits = find_dates(m.group("d"))
    if not hits:
        return None
    return _Found(hits[0].iso, m.start("d"), m.end("d"))


# ---------------------------------------------------------------- doc number


def _doc_number(text: str, header: re.Match[str] | None) -> _Found | None:
    if header:
        m = DOC_NUMBER.search(header.group("v"))
        if m:
            return _Found(re.sub(r"\s+", "", m.group(0)), header.start("v") + m.start(), header.start("v") + m.end())
    return _standalone_doc_number(text) or _number_cell(text)


def _number_cell(text: str) -> _Found | None:
    """A portal table that lost its colons: `文  号 甬政发〔2025〕8号` (the value must be a doc number)."""
    m = _search_at_start(_NUMBER_CELL, text)
    return _Found(re.sub(r"\s+", "", m.group("v")), m.start("v"), m.end("v")) if m else None


def _standalone_doc_number(text: str) -> _Found | None:
    """The number printed on a line of its own under the title (cited numbers sit in sentences;
    one that lost its 〕 or 号 the normaliser repaired)."""
    m = STANDALONE_DOC_NUMBER.search(text)
    if not m:
        return None
    value = f"{m.group('p')}〔{m.group('y')}〕{int(m.group('n'))}号"
    return _Found(value, m.start("p"), m.end() - (len(m.group(0)) - len(m.group(0).rstrip())))


# ---------------------------------------------------------------- signature and dates


def _years(text: str, number: _Found | None) -> list[int]:
    years = [int(h.iso[:4]) for h in find_dates(text)]
    if number:
        years += [int(y) for y in re.findall(r"(?:19|20)\d{2}", number.value)]
    return sorted(set(years))  # what dates.parse_compact takes


def _signature(doc: Document, years: list[int]) -> tuple[_Found | None, _Found] | None:
    """(issuer, date) of the first signature block: an organisation line, then a date line (or
    both at the end of one line, as on pages that lost their line breaks)."""
    text = doc.text
    for m in re.finditer(r"[^\n]+", text):
        bracketed = _BRACKETED_DATE.match(m.group(0))
        if bracketed:  # (2021年3月15日) under a title: the date the text was adopted
            hit = find_dates(m.group(0))[0]
            return None, _Found(hit.iso, m.start() + hit.start, m.start() + hit.end)
        date = _line_end_date(m.group(0), years)
        if not date:
            continue
        d_start, d_end, iso = date
        when = _Found(iso, m.start() + d_start, m.start() + d_end)
        before = m.group(0)[:d_start].rstrip(" \t\u3000.,。、")
        if not before.strip():
            org = _org_above(text, m.start())
            if org or _alone_is_signature(text, m.start()):
                return org, when
            continue
        token = re.split(r"[\s,。.、;:]+", before.strip())[-1]
        if _ORG.match(token):
            begin = m.start() + before.rfind(token)
            return _Found(token, begin, begin + len(token)), when
    return None


def _line_end_date(line: str, years: list[int]) -> tuple[int, int, str] | None:
    stripped = line.rstrip()
    hits = [h for h in find_dates(stripped) if h.end == len(stripped)]
    if hits:
        return hits[-1].start, hits[-1].end, hits[-1].iso
    m = COMPACT_RE.fullmatch(stripped.strip())
    if m:
        value = parse_compact(m.group(1), years)
        if value:
            offset = len(stripped) - len(stripped.lstrip())
            return offset, offset + len(m.group(1)), value
    return None


def _org_above(text: str, line_start: int) -> _Found | None:
    """The organisation line(s) right above a date line (blank lines between are common; joint
    issuers stack one line each)."""
    orgs: list[tuple[int, str]] = []
    pos, blanks = line_start, 0
    while blanks <= 3 and len(orgs) < 4:
        prev_end = text.rfind("\n", 0, pos)
        if prev_end < 0:
            break
        prev_start = text.rfind("\n", 0, prev_end) + 1
        line = text[prev_start:prev_end]
        value = line.strip()
        if not value:
            blanks += 1
        elif _ORG.match(value.replace(" ", "")):
            orgs.append((prev_start + line.find(value), value))
            blanks = 0
        else:
            break
        pos = prev_start
    if not orgs:
        return None
    orgs.reverse()
    return _Found("、".join(v for _, v in orgs), orgs[0][0], orgs[-1][0] + len(orgs[-1][1]))


def _alone_is_signature(text: str, line_start: int) -> bool:
    """A date alone on its line right after the last sentence of a text: a signature whose
    issuer line was lost (a page's footer date follows chrome, not a sentence)."""
    # the last visible character before the line, found without searching the whole text above it
    # (a page of date lines made that quadratic)
    i = line_start - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    return i >= 0 and text[i] in "。)!"


def _date_after(text: str, pos: int) -> _Found | None:
    hits = find_dates(text, pos, min(len(text), pos + 30))
    if hits and hits[0].start - pos <= 2:
        return _Found(hits[0].iso, hits[0].start, hits[0].end)
    return None


def _published(text: str) -> _Found | None:
    return _labelled_date(text, _PUBLISHED_LABEL, _PUBLISHED_AFTER)


def _labelled_date(text: str, label: re.Pattern[str], after: str = "") -> _Found | None:
    """The date after the first copy of a label (at a line's or a cell's start, or after one of
    the characters `after`) that has one (a page may print its header block twice, the first
    copy empty)."""
    for m in _matches_at_start(label, text, after):
        value = _date_after(text, m.end())
        if value:
            return value
    return None


def _status(text: str, header: re.Match[str] | None) -> _Found | None:
    if header:
        value = header.group("v")
        if not any(word in value for word in _PARTLY) and _REPEALED.search(value):
            return _Found("失效", header.start("v"), header.end("v"))
        if _IN_FORCE.search(value):
            return _Found("有效", header.start("v"), header.end("v"))
    m = _STATUS_MARK.search(text)
    return _Found("失效", m.start(), m.end()) if m else None


__all__ = ["extract_metadata", "wrapped_policy_start"]
