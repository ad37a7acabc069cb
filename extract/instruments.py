"""Support instruments: every promise of money or an in-kind benefit, typed with the taxonomy.

Two passes over each sentence. Amounts first: every sum of money that the text gives (one
instrument per amount, so a 分别 sentence yields one per level or recipient). Then promises
with no figure (科技创新券, 贴息, 一事一议, a fund, a tax rule) in segments no amount covers.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass, replace

from .amounts import CAP_WORD, MATCHING, PERCENT, RECIPIENT_OPENER, Amount
from .budget import GIVES, PROGRAMME, TOTAL
from .classify import FORM_TYPES, classify, cue_hits, form_cues, form_type
from .document import Document
from .genre import GENRE
from .index import Occurrences, first_at_or_after, last_before, positions
from .language import component
from .lexicon import lexicon
from .records import Instrument, Measure
from .spans import CLAUSE_SEP, SUPPORT, Segment, Sentence

_THRESHOLDS = lexicon("threshold_words")
_FUNDS = lexicon("money_fund_words")
_PER = lexicon("per_words")
_PROMISES = lexicon("money_promise_words")
# words before a sum that make it a goal or a threshold, not an award
_NOT_AWARD_BEFORE = re.compile(_THRESHOLDS.alternation("before") + "$")
_NOT_AWARD_CONTEXT = lexicon("goal_words").compile("scale")
_THRESHOLD_AFTER = re.compile(_THRESHOLDS.alternation("after"))
# a sum that sizes a fund the government sets up or pays into
_FUNDING_VERB = _FUNDS.compile("verb")
_FUND_AFTER = re.compile(r"(?:左右)?(?:的)?[^,;。]{0,16}?" + _FUNDS.alternation("fund"))
# 给予不低于20万元补助: a floor a giving verb governs is the award's, not a threshold
_FLOOR_GOVERNOR = re.compile("(?:" + lexicon("giving_verbs").alternation("floor_governor") + r")\s*$")
# 同一企业每年累计最高奖励200万元: a cap that bounds other promises, not one of its own
_CUMULATIVE = lexicon("instrument_cap_scope").compile("cumulative")
_WHITESPACE = re.compile(r"\s+")


def _squeezed(text: str) -> str:
    """`text` without the spaces a PDF puts inside words (给 予, 奖 励), for the tests of its words."""
    return _WHITESPACE.sub("", text)


_MAX = re.compile(CAP_WORD)
_PER_YEAR = _PER.compile("year")
_PER_ITEM = _PER.compile("item")
# 12元/平方米: a price per area is no amount
_AREA_UNITS = frozenset(_PER.words("suffix_area"))
# what stands right before a sum and qualifies it
# (bounded: a run of such words is tried from each of its characters)
_QUALIFIERS_BEFORE = re.compile(lexicon("money_qualifiers").alternation("before") + "{1,32}$")
# the level of government a recipient's words name (国家 → 国家级)
_LEVEL = lexicon("money_levels").compile()
_LEVEL_OF = lexicon("money_levels").mapping()
_FORM_NAME = re.compile("|".join(map(re.escape, sorted(form_cues(), key=len, reverse=True))))
_RECIPIENTS = lexicon("money_recipient_words")
_RECIPIENT_START = re.compile(_RECIPIENTS.alternation(("opener", "eligibility", "clause_opener")))
_QUALIFYING = re.compile(_RECIPIENTS.alternation("qualifying") + r"?([^,;]{2,30}?)的,")
# words right before a share that make it a rate of growth, not the share of a subsidy
_GROWTH_BEFORE = lexicon("goal_words").compile("share_growth")

# Words that make a segment a promise even without a figure.
_STRONG = re.compile("|".join([*map(re.escape, form_cues()), _PROMISES.alternation("strong")]))
_AWARD = _PROMISES.compile("award")
# Running an instrument that another sentence promises: its rules, its call for applications.
_ADMINISTRATION = _PROMISES.compile("administration")
_GIVING = _PROMISES.compile("giving")
# Promises the city does not make itself: seeking upper-level money, reforms of award systems.
_NOT_PROMISE = _PROMISES.compile("not_promise")
# 从项目研发、人才引培等多方面给予支持: the uses one promise pays for
_ASPECT_LIST = _PROMISES.compile("aspect_list")
# 到2022年,…使用科技创新券的比例明显提高: a goal that names an instrument, not a promise
_GOAL_SENTENCE = re.compile(r"(?:[(（]?[一二三四五六七八九十\d]+[)）.、])?\s*(?:力争)?到\d{4}年")
# 丙市"小巨人"培育政策:关于…的若干措施(试行稿): a page's title line names a policy, it
# promises nothing (the measures below it do)
_TITLE_LINE = re.compile(r"关于[^。;]{2,80}?(?:" + GENRE + r")(?:[(（][^()（）]{0,12}[)）])?\s*$")
_COMPLETE_ITEM = re.compile(r"(政策|计划|制度)(等)?$")


# a draft's type until the end, where a promise whose funded object no type covers is left untyped
# (type null, with a warning in the record): never silently given a default type
UNTYPED = "rd_project_grant"


@dataclass
class _Draft:
    type: str
    amount_yuan: int | None
    start: int  # normalised offsets of the quote
    end: int
    zone: str  # the text that fixes max/per/ratio/level/recipient
    recipient: str | None
    level_text: str
    ratio_zone: str = ""
    # a cap that bounds several awards (同一企业每年累计最高200万元), in a sentence giving nothing
    cumulative_cap: bool = False
    untyped: bool = False  # no cue, no previous promise, no heading named what it funds


@dataclass(frozen=True)
class _Context:
    """What the measure around a sentence says: its text and the support form its heading names."""

    measure_text: str
    heading_form: str | None
    # the type of the last promise of the same item (measure): a follow-on promise that names
    # no object of its own (运行满三年后,给予最高80万元资助) continues it
    previous_type: str | None = None
    # the sentence before, in the same measure: a PDF's blank line may cut one promise in two
    previous_sentence: str = ""


_SEGMENT_SEP = re.compile(r"[,;]")
# characters around a sum its tests read: the longest phrase after it (_FUND_AFTER) is 25
_AFTER_SUM = 40


def _award_amounts(sentence: Sentence, moneys: list[Amount]) -> tuple[list[Amount], bool]:
    """The sums of the sentence (`moneys`, from the amounts layer) that are awards, and whether
    the sentence sets out a budget total (whose words name no promise of their own)."""
    text = sentence.text
    kept: list[Amount] = []
    if not moneys:
        return kept, False
    separators = positions(CLAUSE_SEP, text)
    funding, not_award, support = (Occurrences(p, text) for p in (_FUNDING_VERB, _NOT_AWARD_CONTEXT, SUPPORT))
    programme = Occurrences(PROGRAMME, text)
    budget_seen = False  # a budget total stood before in the sentence
    for money in moneys:
        local_start = money.start - sentence.start
        clause_start = last_before(separators, local_start) + 1
        # the end-anchored test reads the clause's last words only (its longest phrase is 3)
        clause_tail = text[max(clause_start, local_start - 8) : local_start]
        after = text[money.end - sentence.start : money.end - sentence.start + _AFTER_SUM]
        # a budget total (the amounts layer's flag) is no promise, unless it sizes a programme the
        # city sets up earlier in the sentence (设立科技专项资金,每年安排预算资金1000万元)
        budget = money.budget == TOTAL and not programme.within(0, local_start)
        budget_seen = budget_seen or budget
        threshold = _NOT_AWARD_BEFORE.search(clause_tail)
        if threshold and _FLOOR_GOVERNOR.search(clause_tail[: threshold.start()]):
            threshold = None  # 给予不低于20万元补助
        if threshold or _THRESHOLD_AFTER.match(after):
            continue
        if funding.within(clause_start, local_start) and _FUND_AFTER.match(after):
            kept.append(money)  # 设立规模为20亿元的天使投资基金: the fund the city sets up
            continue
        if budget:
            fund = _FUND_AFTER.match(after)
            if fund and _FUNDING_VERB.search(fund.group()):
                kept.append(money)  # 10亿元用于设立产业引导基金: a fund the budget sets up
            continue
        if not_award.within(clause_start, local_start) and not support.within(clause_start, local_start):
            continue
        near = text[max(0, local_start - 24) : local_start]
        window = near + after[:12]
        # 标准为:A 15万元/年,B 10万元/年 — a list of sums continues the award that opened it
        continues_list = bool(kept) and local_start - (kept[-1].end - sentence.start) <= 20
        # 科技创新券…使用额度为20万元: an instrument's own name marks its sum as support
        if SUPPORT.search(_squeezed(window)) or continues_list or _FORM_NAME.search(near):
            # 每月12元/平方米: a unit price is no amount; the promise stands without a figure
            kept.append(replace(money, value=None) if money.unit_price in _AREA_UNITS else money)
    return kept, budget_seen


# 分别按…的5%、20%: a list of shares that 分别 spreads over its recipients
_SHARE_TIERS = re.compile(r"分别[^,;。%]{0,30}?(\d+(?:\.\d+)?%(?:[、和及]\d+(?:\.\d+)?%)+)")


def _share_tiers(lead: str) -> list[str]:
    """The shares of a 分别 list before a sum (5%、20% → ["5%", "20%"]), or []."""
    m = _SHARE_TIERS.search(lead)
    return re.split(r"[、和及]", m.group(1)) if m else []


def _is_title_line(text: str) -> bool:
    """A title line: 关于…的实施意见 at its end, no giving verb in it."""
    tail = text[-TITLE_REACH:]
    return bool(_TITLE_LINE.search(tail)) and not _GIVING.search(_squeezed(text))


# how many characters at the end of a sentence a title line is looked for in
TITLE_REACH = 120


def _recipient(zone: str) -> str | None:
    starts = list(_RECIPIENT_START.finditer(zone))
    if not starts:
        # 认定为星创天地的,择优给予100万元: the qualifying clause names the recipient
        qualifying = _QUALIFYING.search(zone)
        return qualifying.group(1) if qualifying else None
    rest = zone[starts[-1].end() :]
    head = re.split(r"(?:的)?[,]|(?:由市财政)?(?:分别|一次性|择优|按照|按)?(?:给予|予以)", rest)[0]
    return head.strip(" ,、") or None


def _split_items(recipient: str, count: int) -> list[str] | None:
    """国家级、省级技术创新中心 → [国家级技术创新中心, 省级技术创新中心] for a 分别 over two amounts."""
    items = [p for p in re.split(r"、|和|及|与", recipient) if p]
    if len(items) != count:
        return None
    level = re.match(r"(.*?)(国家级|国家|省级|省|市级|市)(.*)", items[-1])
    if not level:
        return items
    tail = level.group(3).lstrip("级")
    return [p + tail if re.search(r"(国家级|国家|省级|省|市级|市)$", p) else p for p in items[:-1]] + [items[-1]]


def _level(text: str) -> str | None:
    m = _LEVEL.search(text)
    return _LEVEL_OF[m.group()] if m else None


def _amount_lists(text: str, amounts: list[Amount], offset: int) -> list[list[Amount]]:
    """Group sums written as one list (分别给予 1000 万元、500 万元) so they share one recipient phrase."""
    groups: list[list[Amount]] = []
    for money in amounts:
        between = text[groups[-1][-1].end - offset : money.start - offset] if groups else ""
        if groups and re.fullmatch(r"\s*[、,和及/]\s*", between):
            groups[-1].append(money)
        else:
            groups.append([money])
    return groups


# 按其上年度研发投入的10%给予补助: the base a share is computed on
_BASIS = re.compile(r"按(?:照)?(?:其)?(?P<b>[^,;。]{2,30}?)的?\s*\d+(?:\.\d+)?%")


_OBJECT_WORDS = lexicon("instrument_object_words")
_RECOGNITION = _OBJECT_WORDS.compile("recognition")
_ACTIVITY = _OBJECT_WORDS.compile("activity")


def _object_type(lead: str) -> str | None:
    """The type of what the words before a giving verb say is funded: the object a recognition
    names (对新认定为省级研发机构的) before the activity a recipient carries out (…进行成果转化的),
    each read from the first such word to the end of its clause."""
    for marker in (_RECOGNITION, _ACTIVITY):
        first = marker.search(lead)
        if first:
            # from the first recognition on: 经省认定的瞪羚企业和市认定的入库企业
            clause = CLAUSE_SEP.split(lead[first.end() :], maxsplit=1)[0]
            found = classify([(clause, 1)], weak=False)
            if found:
                return found
    return None


def _basis_type(zone: str) -> str | None:
    """A subsidy computed as a share of something (R&D spending, a contract's value) is of the type
    that something names, whoever receives it: 对科技型中小企业,按研发投入的10%给予补助."""
    m = _BASIS.search(zone)
    if not m:
        return None
    return classify([(m.group("b"), 1)], weak=False)


def _amount_drafts(sentence: Sentence, context: _Context, awards: list[Amount]) -> list[_Draft]:
    text = sentence.text
    drafts: list[_Draft] = []
    prev_end = 0
    groups = _amount_lists(text, awards, sentence.start)
    segment_ends = positions(_SEGMENT_SEP, text) if groups else []
    clause_starts = positions(CLAUSE_SEP, text) if groups else []
    giving = Occurrences(_GIVING, text)
    for g, group in enumerate(groups):
        first = group[0].start - sentence.start
        # the words that qualify a sum (最高, 每年) stop where the next sum's own qualifiers begin:
        # 给予500万元安家补贴和最高1000万元资助 — 最高 is the second sum's
        next_sum = groups[g + 1][0].start - sentence.start if g + 1 < len(groups) else len(text)
        if g + 1 < len(groups):
            lead_in = _QUALIFIERS_BEFORE.search(text, group[-1].end - sentence.start, next_sum)
            next_sum = lead_in.start() if lead_in else next_sum
        starts = [m.start() for m in _RECIPIENT_START.finditer(text, prev_end, first)]
        # (commas before prev_end cannot win the max, so the search starts there)
        comma = text.rfind(",", prev_end, first)
        zone_start = starts[-1] if starts else max(prev_end, text.rfind(",", prev_end, max(comma, 0)) + 1)
        zone_start = max(zone_start, first - ZONE_REACH)
        recipient = _recipient(text[zone_start:first])
        items = _split_items(recipient, len(group)) if recipient and len(group) > 1 else None
        for i, money in enumerate(group):
            local_start, local_end = money.start - sentence.start, money.end - sentence.start
            segment_end = first_at_or_after(segment_ends, local_end)
            zone_end = min(len(text) if segment_end is None else segment_end, local_end + ZONE_REACH)
            zone = text[zone_start:zone_end]
            clause = text[max(last_before(clause_starts, local_start) + 1, local_start - ZONE_REACH) : local_start]
            # 同一企业每年累计最高奖励200万元 bounds the promises before it; 对获批…的,每家累计最高
            # 奖励80万元 names its own recipient and is a promise
            cumulative_cap = (
                bool(_CUMULATIVE.search(clause))
                and bool(money.max or _MAX.search(_squeezed(clause)))
                and not giving.within(0, local_start)
                and recipient is None
            )
            type_id = (
                form_type(text[zone_start:local_end])
                or context.heading_form
                # what is funded: the benefit named after the sum (…的区级科技计划项目扶持), the
                # recognised object or the activity before it, the cost a share is computed on
                or classify([(text[local_end:zone_end], 1)], weak=False)
                or _object_type(text[zone_start:first])
                or _basis_type(zone)
                or classify([(zone, 4), (text, 2)])
                or (drafts[-1].type if drafts and not drafts[-1].untyped else None)
                or classify([(context.previous_sentence, 1)], weak=False)
                or context.previous_type
                or classify([(context.measure_text, 1)])
            )
            # 分别按交易额的5%、20%给予最高100万元: a cap stated once for several tiers of shares
            tiers = _share_tiers(text[zone_start:local_start]) if len(group) == 1 else []
            for tier in tiers[1:]:
                drafts.append(
                    _Draft(
                        type=type_id or UNTYPED,
                        amount_yuan=money.value,
                        start=sentence.start + zone_start,
                        end=sentence.start + zone_end,
                        zone=text[max(zone_start, local_start - 16) : min(zone_end, next_sum)],
                        recipient=recipient,
                        level_text=zone,
                        ratio_zone=tier,
                        untyped=type_id is None,
                        cumulative_cap=cumulative_cap,
                    )
                )
            drafts.insert(
                len(drafts) - max(len(tiers) - 1, 0),
                _Draft(
                    type=type_id or UNTYPED,
                    amount_yuan=money.value,
                    start=sentence.start + zone_start,
                    end=sentence.start + zone_end,
                    # max and per are read close to the sum; a ratio anywhere in the promise
                    zone=text[max(zone_start, local_start - 16) : min(zone_end, next_sum)]
                    + ("/年" if money.per == "year" else ""),
                    recipient=items[i] if items else recipient,
                    level_text=items[i] if items else zone,
                    ratio_zone=tiers[0] if tiers else zone,
                    untyped=type_id is None,
                    cumulative_cap=cumulative_cap,
                ),
            )
        prev_end = group[-1].end - sentence.start
    return drafts


class _Cover:
    """The union of some spans, to test a point against all of them at once."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in sorted(s for s in spans if s[0] < s[1]):
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def holds(self, pos: int) -> bool:
        """Some span has start <= pos < end."""
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]

    def closes(self, pos: int) -> bool:
        """Some span has start < pos <= end."""
        i = bisect.bisect_left(self.starts, pos) - 1
        return i >= 0 and pos <= self.ends[i]


def _promise_segments(segments: list[Segment], covered: list[tuple[int, int]]) -> list[Segment]:
    found = []
    cover = _Cover(covered)
    for seg in segments:
        if cover.holds(seg.start) or cover.closes(seg.end):
            continue
        if _NOT_PROMISE.search(seg.text):
            continue
        if _ADMINISTRATION.search(seg.text) and not _GIVING.search(seg.text):
            continue
        if _STRONG.search(seg.text) or _AWARD.search(seg.text):
            found.append(seg)
    return found


def _without_aspects(text: str) -> tuple[str, list[tuple[int, int]]]:
    """`text` with its aspect lists (从A、B等多方面) blanked, and their spans: the uses a promise
    pays for name neither a promise of their own nor its type (人才引培 there is no talent subsidy)."""
    spans = [m.span() for m in _ASPECT_LIST.finditer(text)]
    if not spans:
        return text, spans
    pieces, pos = [], 0
    for start, end in spans:  # rebuilt once: linear in the sentence, however many lists it holds
        pieces += [text[pos:start], " " * (end - start)]
        pos = end
    return "".join([*pieces, text[pos:]]), spans


def _null_drafts(sentence: Sentence, segments: list[Segment], context: _Context) -> list[_Draft]:
    drafts: list[_Draft] = []
    last_seg: Segment | None = None
    sentence_text, aspects = _without_aspects(sentence.text)
    uses = _Cover([(start + sentence.start, end + sentence.start) for start, end in aspects])
    for seg in segments:
        if uses.holds(seg.start) and uses.closes(seg.end):
            continue  # one of the uses listed, not a promise
        seg_text = sentence_text[seg.start - sentence.start : seg.end - sentence.start].strip() or seg.text
        # the 对… phrase that governs this segment may stand in the segments before it
        context_start = max(drafts[-1].end if drafts else sentence.start, seg.start - ZONE_REACH)
        lead = sentence_text[context_start - sentence.start : seg.end - sentence.start]
        own_type = form_type(seg_text) or classify([(seg_text, 1)], weak=False)
        previous = drafts[-1] if drafts else None
        if own_type is None and previous is not None and last_seg is not None and seg.start - last_seg.end <= 2:
            # an uncued award right after a promise ("…创新券政策,对供需双方给予奖补") continues it
            type_id = previous.type
        else:
            type_id = (
                own_type
                or context.heading_form
                or classify([(lead, 4), (sentence_text, 2), (context.measure_text, 0.3)])
            )
        if not type_id:
            continue
        both_complete = (
            last_seg is not None and _COMPLETE_ITEM.search(last_seg.text) and _COMPLETE_ITEM.search(seg.text)
        )
        new_recipient = bool(RECIPIENT_OPENER.match(seg.text))  # 对A给予…,对B给予…: two promises
        if previous and previous.type == type_id and not both_complete and not new_recipient:
            previous.end = seg.end
            previous.zone += "," + seg.text
        else:
            for form in _other_forms(seg.text, type_id):
                drafts.append(_Draft(form, None, seg.start, seg.end, seg.text, None, seg.text))
            drafts.append(_Draft(type_id, None, seg.start, seg.end, seg.text, _recipient(lead), lead))
        last_seg = seg
    return [split for d in drafts for split in _respectively_without_figures(d)]


def _other_forms(text: str, main_type: str) -> list[str]:
    """风险补偿+担保+贴息: a package of several forms is one instrument per form."""
    forms = dict.fromkeys(t for t, cue, _ in cue_hits(text) if t in FORM_TYPES and cue not in ("担保", "质押"))
    return [t for t in forms if t != main_type]


def _respectively_without_figures(draft: _Draft) -> list[_Draft]:
    """对A和B分别给予一定额度的补助: one promise per recipient even without figures."""
    if "分别" not in draft.zone or not draft.recipient:
        return [draft]
    items = [p for p in re.split(r"、|和|及|与", draft.recipient) if p]
    if len(items) < 2:
        return [draft]
    return [replace(draft, recipient=item, level_text=item) for item in items]


def _ratio(zone: str) -> float | None:
    if MATCHING.search(zone):
        return 1.0
    for m in PERCENT.finditer(zone):
        before = zone[: m.start()]
        if _GROWTH_BEFORE.search(before[-4:]):
            continue
        return round(float(m.group("num")) / 100, 4)
    return None


def _per(zone: str) -> str | None:
    if _PER_YEAR.search(zone):
        return "year"
    if _PER_ITEM.search(zone):
        return "item"
    return None


def _measure_at(measures: list[Measure], starts: list[int], pos: int) -> Measure | None:
    """The measure holding normalised offset `pos`: measures are disjoint and in order, so bisect."""
    i = bisect.bisect_right(starts, pos) - 1
    return measures[i] if i >= 0 and pos < measures[i].end else None


@component("instruments", requires=("sentences", "segments", "measures", "amounts"), assigns=("instruments",))
def instruments_component(doc: Document) -> None:
    doc.layers["instruments"] = extract_instruments(doc)


def extract_instruments(doc: Document) -> list[Instrument]:
    """The instruments of the `sentences` and `segments` layers, each in the measure (of the
    `measures` layer) that holds it."""
    sentences: list[Sentence] = doc.layers["sentences"]
    segments: list[Segment] = doc.layers["segments"]
    measures: list[Measure] = doc.layers["measures"]
    amounts: list[Amount] = doc.layers["amounts"]
    amount_starts = [a.start for a in amounts]
    starts = [m.start for m in measures]
    by_sentence: dict[int, list[Segment]] = {}
    for seg in segments:
        by_sentence.setdefault(seg.sentence, []).append(seg)
    instruments: list[Instrument] = []
    in_measure: dict[str | None, list[Instrument]] = defaultdict(list)  # for the caps that bound them
    texts: list[str] = []  # each instrument's normalised text (its quote is the original's, set later)
    last_type: dict[str | None, str] = {}  # the type of the last promise, by measure
    previous_measure: str | None = None
    heading_forms: dict[str | None, str | None] = {}
    for index, sentence in enumerate(sentences):
        measure = _measure_at(measures, starts, sentence.start)
        heading = measure.heading if measure else ""
        measure_id = measure.id if measure else None
        previous_sentence = sentences[index - 1].text if index and measure_id == previous_measure else ""
        previous_measure = measure_id
        if measure_id not in heading_forms:  # one measure holds many sentences: read its heading once
            heading_forms[measure_id] = form_type(heading)
        context = _Context(heading, heading_forms[measure_id], last_type.get(measure_id), previous_sentence)
        first = bisect.bisect_left(amount_starts, sentence.start)
        moneys = amounts[first : bisect.bisect_left(amount_starts, sentence.end, first)]
        awards, budget_total = _award_amounts(sentence, moneys)
        amount_drafts = _amount_drafts(sentence, context, awards)
        # a cumulative cap bounds the promises before it: neither its sum nor its words are a promise
        covered = [(d.start, d.end) for d in amount_drafts]
        if measure_id in last_type:
            for cap in (d for d in amount_drafts if d.cumulative_cap and d.amount_yuan is not None):
                for bounded in in_measure[measure_id]:  # an attribute of the promises it bounds
                    bounded.cumulative_cap_yuan = min(bounded.cumulative_cap_yuan or cap.amount_yuan, cap.amount_yuan)
            amount_drafts = [d for d in amount_drafts if not d.cumulative_cap]
        promises_nothing = bool(_GOAL_SENTENCE.match(sentence.text.strip())) or _is_title_line(sentence.text)
        promises = [] if promises_nothing else _promise_segments(by_sentence.get(index, []), covered)
        if budget_total:  # 拟统筹资金35亿元…通过奖补、贴息等形式: what the budget pays for, no promise
            promises = [seg for seg in promises if GIVES.search(seg.text)]
        figure_types = {d.type for d in amount_drafts}
        null_drafts = [
            d for d in _null_drafts(sentence, promises, context) if d.recipient or d.type not in figure_types
        ]
        for draft in amount_drafts + null_drafts:
            if draft.untyped:
                doc.warn(
                    "instrument: no type of the taxonomy covers what it funds; left untyped", draft.start, draft.end
                )
            else:
                last_type[measure_id] = draft.type
            texts.append(doc.text[draft.start : draft.end])
            instrument = Instrument(
                type=None if draft.untyped else draft.type,
                amount_yuan=draft.amount_yuan,
                max=bool(_MAX.search(_squeezed(draft.zone))),
                per=_per(_squeezed(draft.zone)),
                ratio=_ratio(draft.ratio_zone or draft.zone),
                level=_level(draft.recipient or draft.level_text),
                recipient=draft.recipient,
                measure=measure.id if measure else None,
                quote="",  # the original's, set by `provenance`
                start=draft.start,
                end=draft.end,
            )
            instruments.append(instrument)
            in_measure[measure_id].append(instrument)
    return _drop_repeated_mentions(instruments, texts)


def _bigrams(text: str) -> set[str]:
    core = re.sub(r"^[(（]?[一二三四五六七八九十0-9]+[)）.、]?|[^\u3400-\u9fff]", "", text)
    return {core[i : i + 2] for i in range(len(core) - 1)}


def _drop_repeated_mentions(instruments: list[Instrument], texts: list[str]) -> list[Instrument]:
    """A promise without a figure restated later (in a heading, then its item) is one instrument."""
    kept: list[Instrument] = []
    # earlier mentions, by (type, recipient) and by type; each instrument is compared with the
    # last REPEAT_MEMORY of them only, so that a page of thousands of distinct promises of one
    # type stays linear (a real policy holds a few dozen)
    seen: dict[tuple[str, str | None], list[set[str]]] = defaultdict(list)
    programmes: dict[str, list[str]] = defaultdict(list)
    figures = _Starts(i for i in instruments if i.amount_yuan is not None)
    # a figure that opens with its own recipient (对新建的…给予500万元) is a new promise, not a
    # restatement of the one before it
    follow_ups = _Starts(
        i
        for i, text in zip(instruments, texts, strict=True)
        if i.amount_yuan is not None and not _NEW_RECIPIENT.match(text)
    )
    shares = _Starts(o for o in instruments if o.amount_yuan is None and o.ratio is not None)
    for inst, text in zip(instruments, texts, strict=True):
        if inst.amount_yuan is None and _restates_a_figure(inst, text, figures, follow_ups, shares):
            continue
        name = _programme_name(inst, text) if inst.amount_yuan is None else None
        if name:
            # one named fund or scheme is one instrument however often the text returns to it
            names = programmes[inst.type]
            if any(_same_programme(n, name) for n in names[-REPEAT_MEMORY:]):
                continue
            names.append(name)
        if inst.amount_yuan is None:
            grams = _bigrams(text)
            earlier = seen[(inst.type, inst.recipient)]
            if grams and any(len(grams & g) / len(grams | g) >= REPEAT_SIMILARITY for g in earlier[-REPEAT_MEMORY:]):
                continue
            earlier.append(grams)
        kept.append(inst)
    return kept


class _Starts:
    """Instruments by type, ordered by start, to find those starting in a range by bisection."""

    def __init__(self, instruments) -> None:
        self.by_type: dict[str, list[int]] = defaultdict(list)
        for inst in instruments:
            self.by_type[inst.type].append(inst.start)
        for starts in self.by_type.values():
            starts.sort()

    def any_in(self, type_id: str, low: int, high: int) -> bool:
        """Some instrument of this type starts in [low, high]."""
        starts = self.by_type.get(type_id, [])
        i = bisect.bisect_left(starts, low)
        return i < len(starts) and starts[i] <= high


_NEW_RECIPIENT = re.compile(r"\s*" + RECIPIENT_OPENER.pattern)


def _restates_a_figure(inst: Instrument, text: str, figures: _Starts, follow_ups: _Starts, shares: _Starts) -> bool:
    """A promise without a figure (its normalised `text`) that a figure (a sum, or a share: 按损失额的
    50%给予风险补偿) of the same type follows at once (…予以薪酬补贴。薪酬补贴标准为…15万元/年), or a
    heading next to such a promise, restates it."""
    follow = (inst.type, inst.end, inst.end + FOLLOW_DISTANCE)
    # a promise that gives on its own (按一事一议给予支持) is not restated by a figure that names its
    # own recipient (对新建的…给予500万元); a heading (加大研发投入奖补) is
    following = follow_ups if _GIVING.search(_squeezed(text)) else figures
    if inst.ratio is None and (following.any_in(*follow) or shares.any_in(*follow)):
        return True
    if not re.match(r"[(（][一二三四五六七八九十]+[)）]|\d+[.、]", text) and "力度" not in text:
        return False
    return figures.any_in(inst.type, inst.start - RESTATEMENT_DISTANCE, inst.start + RESTATEMENT_DISTANCE)


# the verbs that name what a promise runs through; the qualifier of a programme is what follows
# the last of them (in the order tried at one position: 按照 before 按, 发挥好 before 发挥)
_NAMING_VERB = lexicon("money_naming_verbs").compile("naming")


def _after_naming_verbs(text: str) -> str:
    """Each line of `text` from after its last naming verb: what `re.sub(".*(?:verbs)", "", text)`
    gives, without that pattern's cost, quadratic in the words after the last verb (a `.*` tried
    from each of them)."""
    out: list[str] = []
    for line in text.split("\n"):
        for pos in range(len(line) - 1, -1, -1):
            m = _NAMING_VERB.match(line, pos)
            if m:
                line = line[m.end() :]
                break
        out.append(line)
    return "\n".join(out)


def _programme_name(inst: Instrument, text: str) -> str | None:
    """科技成果转化天使投资基金: the named fund or scheme a form-type promise runs through."""
    if inst.type not in FORM_TYPES:
        return None
    hits = [(cue, pos) for t, cue, pos in cue_hits(text) if t == inst.type]
    if not hits:
        return None
    cue, pos = max(hits, key=lambda h: len(h[0]))
    qualifier = _after_naming_verbs(text[:pos])
    return re.sub(r"[^\u3400-\u9fff]", "", qualifier) + cue


def _same_programme(a: str, b: str) -> bool:
    return a.endswith(b) or b.endswith(a)


# how far (in characters) from its sum a promise's zone reaches at most: the recipient before it,
# the words after it. Real sentences are far shorter; a page with no punctuation is not, and
# zones running over all of it made each sum cost the length of the page.
ZONE_REACH = 300
# how close (in characters) a figure follows the promise it quantifies
FOLLOW_DISTANCE = 40
# how far (in characters) a restatement stands from the promise it restates
RESTATEMENT_DISTANCE = 300
# how many earlier mentions of one type (and recipient) a mention is compared with
REPEAT_MEMORY = 200
# share of character bigrams two mentions must have in common to be the same promise
REPEAT_SIMILARITY = 0.5
