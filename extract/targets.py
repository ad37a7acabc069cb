"""Quantitative targets (到2020年…达到500家) and baselines (截至目前…473家).

A quantity is a number with a counter or unit; a sum of money is one of the amounts layer (read
by the amount grammar, flagged there as a budget total or not: budget.py). Quantities that describe the present go to
baselines; thresholds of eligibility (年产值20亿元以上的企业), conditions of an award, shares of a
subsidy base, durations, ranks, counts in a policy's title and the sums of support instruments
are not goals. A target needs positive evidence of a goal: a date (到2025年, a work plan's year),
a goal word or verb in its clause (达到, 新增, 培育…), a paragraph that sets goals (力争) or a
section headed so (目标). Budget totals the policy commits to (每年安排资金2亿元) are targets.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from .amounts import (
    ARABIC,
    CAP_WORD,
    CN_NUMBER,
    MAX_PLAUSIBLE_TEXT,
    RECIPIENT_OR_ELIGIBLE,
    Amount,
    as_number,
    parse_number,
    plausible,
)
from .budget import FUND_SETUP, TOTAL, SentenceBudgets
from .document import Document
from .index import Occurrences, last_before, positions
from .language import component
from .lexicon import lexicon
from .records import PolicyMeta, Target
from .spans import CLAUSE_SEP, SUPPORT, Sentence

# the counters and units a target is stated in, longest first (万人 before 人)
_UNITS = lexicon("target_units").alternation()
_NUM = rf"(?:{ARABIC}|{CN_NUMBER})"
# (?<!\d): a range's low end starts where its digits start (see amounts.ARABIC)
_LOW = r"(?<!\d)(?P<low>\d+(?:\.\d+)?)\s*[-—~～至到]\s*"
# a number and its counter; a sum of money (亿元, 万元) is read from the amounts layer instead
QUANTITY = re.compile(
    rf"(?:{_LOW})?(?P<num>{_NUM})\s*(?P<unit>{lexicon('target_units').alternation(('count', 'share', 'area', 'money'))})"
)
# a range's low end right before a sum (1-2亿元)
_LOW_BEFORE = re.compile(_LOW + "$")
# the units a goal states a sum in, largest first, with the yuan of one: 5千万元 is 5000万元
_SUM_UNITS = ((10**8, "亿元"), (10**4, "万元"))
# 比重达到3.5、 — a share whose % sign the page lost
_GOALS = lexicon("goal_words")
_BARE_SHARE = re.compile(
    _GOALS.alternation("share_noun") + _GOALS.alternation("share_verb") + r"(?P<num>\d+(?:\.\d+)?)(?![\d%.])"
)
_BASELINE_MARK = lexicon("money_target_marks").compile("baseline")
_FUTURE_MARK = lexicon("money_target_marks").compile("future")
# the words around a goal's figure that are no part of its indicator's name
_INDICATOR_LEAD = re.compile(f"^{_GOALS.alternation('indicator_lead')}+")
_INDICATOR_VERB = re.compile(f"{_GOALS.alternation('indicator_verb')}+$")
_INDICATOR_AFTER = re.compile(f"^{_GOALS.alternation('indicator_after')}+")
# 到2025年, 到二〇二五年, 到“十四五”末 (the last year of the five-year plan period)
_YEAR = re.compile(
    r"(?:到|至|截至|截止)?(?:(?P<year>20\d{2})|(?P<cn>二[〇○零][〇○零一二三四五六七八九]{2}))年(?![度份]|\d)"
    r"|(?:到|至)“?十(?P<plan>[一二三四五六七八九])五”?(?:规划)?(?:期)?末"
)
_CN_YEAR_DIGITS = {
    ch: str(i)
    for i, chars in enumerate(["〇○零", "一", "二", "三", "四", "五", "六", "七", "八", "九"])
    for ch in chars
}


def _year_value(m: re.Match[str]) -> int:
    if m.group("year"):
        return int(m.group("year"))
    if m.group("cn"):
        return int("".join(_CN_YEAR_DIGITS[ch] for ch in m.group("cn")))
    return 2005 + 5 * "一二三四五六七八九".index(m.group("plan")) + 5


_CN_SMALL = re.compile(r"^[一二三四五六七八九]$")
# what a unit's first character multiplies the number by (5万人 is 50,000 people): no quantity
# in base units may exceed amounts.MAX_PLAUSIBLE
_UNIT_SCALE = {"亿": 10**8, "万": 10**4}


_MONEY_GOAL = re.compile(_GOALS.alternation("before_sum") + r"\s*$")
_CAPPED = re.compile(CAP_WORD + "$")
_THRESHOLDS = lexicon("threshold_words")
# 3000万元(含)以上的, 20件以上\n的 (a page's line break inside the phrase)
_AFTER_THRESHOLD = rf"\s*(?:\(含\)\s*)?(?:{_THRESHOLDS.alternation('after')}|{_THRESHOLDS.alternation('within')})?\s*"


# 对年获发明专利授权20件以上的单位: a number that qualifies who is eligible (also a list of
# them: 对营业收入首次突破1亿元、5亿元、10亿元的企业,分别给予…)
_THRESHOLD_AFTER = re.compile(rf"(?:[、和及或至]\s*{_NUM}\s*(?:{_UNITS}))*{_AFTER_THRESHOLD}的(?!比重)")
_BOUND_AFTER = re.compile(rf"\s*(?:\(含\)\s*)?{_THRESHOLDS.alternation('after')}")
# the numbers of a list that ends right before this one (…1亿元、5亿元、)
_LIST_BEFORE = re.compile(rf"(?:{_NUM}\s*(?:{_UNITS})\s*[、和及或至]\s*)+$")
# the pieces of those two patterns, to follow a list number by number (see `_Lists`)
_LIST_SEPS = "、和及或至"
_LIST_LINK = re.compile(rf"\s*[{_LIST_SEPS}]\s*")
_NEXT_ITEM = re.compile(rf"[{_LIST_SEPS}]\s*{_NUM}\s*(?:{_UNITS})")
_THRESHOLD_TAIL = re.compile(rf"{_AFTER_THRESHOLD}的(?!比重)")

# what makes a quantity a goal where no year dates it: a goal word or a goal's verb in its clause
_EVIDENCE = lexicon("target_evidence").compile("goal")
# a section headed so sets goals (三、主要目标任务, (二)发展目标): the first words of its heading
_GOAL_HEADING = lexicon("target_evidence").compile("heading")
_HEADING_READ = 20
# a share of a subsidy base (按合同额的40%, 给予50%配套, 10%奖励): no goal
_SHARE_BASE = lexicon("target_share_base")
_SHARE_BASE_BEFORE = _SHARE_BASE.compile("before")
_SHARE_BASE_AFTER = re.compile(r"\s*" + _SHARE_BASE.alternation("after"))
# 连续两次, 近三年: a number that counts a condition's repetitions or period
_CONDITION_BEFORE = re.compile(lexicon("target_not_goal").alternation("before") + r"\s*$")
# the next clause gives an award: the quantity is the award's condition (…3000万元以上,给予5万元)
_AWARD_NEXT = re.compile(r"[^,;。]{0,12}?[,;]\s*" + lexicon("target_not_goal").alternation("award_next"))
# Characters a quantity's tests read around it: a few words each, a list of thresholds a few
# dozen. Reading whole sentences made a sentence of thousands of numbers quadratic.
_WINDOW = 300
# what opens and closes a quoted name or a policy's title (“千人服务千企”, 《…29条》)
_OPENINGS, _CLOSINGS = ("“", "《", "〈"), ("”", "》", "〉")
_QUOTE_SEP = re.compile(r"[,;]")
_PIECE_SEP = re.compile(r"[,;:。、]")
_PIECE_END = re.compile(r"[,;:。、(]")


class _Clauses:
    """A sentence's clause separators, to find the clause around a number by bisection."""

    def __init__(self, text: str) -> None:
        self.text = text

    # each read on first use: most sentences hold no quantity that asks for them
    @cached_property
    def clause(self) -> list[int]:
        return positions(CLAUSE_SEP, self.text)

    @cached_property
    def quote(self) -> list[int]:
        return positions(_QUOTE_SEP, self.text)

    @cached_property
    def piece(self) -> list[int]:
        return positions(_PIECE_SEP, self.text)

    def opens_eligible(self, pos: int) -> bool:
        """The clause (split at , ; :) that holds `pos` opens with a recipient word (对, 凡): it
        names who is eligible."""
        return bool(RECIPIENT_OR_ELIGIBLE.match(self.text, last_before(self.clause, pos) + 1, pos))


_MARKER_LINE = re.compile(r"\s*(?:[(][一二三四五六七八九十\d]{1,3}[)]|\d{1,2}[.、]|[一二三四五六七八九十]{1,3}、)")
# 应当具备下列条件: / 申报条件如下: — what the numbered lines under it state are requirements
# 对同时满足以下条件的企业,给予3万元补助: — a lead that names the conditions before its award
_CONDITIONS_LEAD = re.compile(
    r"(?:条件|资格|要求|情形|标准)(?:如下)?\s*:\s*$|(?:以下|下列|如下)(?:条件|要求|情形|标准)[^\n]{0,80}:\s*$"
)


def _in_conditions_list(body: str, line_start: int) -> bool:
    """A number on the numbered line starting at `line_start`, under a lead-in that announces
    conditions of eligibility."""
    if not _MARKER_LINE.match(body, line_start):
        return False
    end = line_start - 1
    for _ in range(30):  # climb over the sibling lines of the list
        if end <= 0:
            return False
        start = body.rfind("\n", 0, end) + 1
        line = body[start:end]
        if line.strip() and not _MARKER_LINE.match(line):
            return bool(_CONDITIONS_LEAD.search(line))
        if _CONDITIONS_LEAD.search(line):
            return True
        end = start - 1
    return False


@dataclass(frozen=True)
class _Quantity:
    """A number with its unit in a sentence (offsets local to it): a QUANTITY match, or a sum of
    the amounts layer stated in 万元 or 亿元 (`sum`, whose value and budget flag it carries)."""

    start: int  # of the range's low end where there is one
    end: int  # of the unit
    num: str  # the number as written
    unit: str
    low: str | None = None
    sum: Amount | None = None
    value: float | None = None  # of a sum, in `unit`


def _sentence_quantities(sentence: Sentence, sums: list[Amount]) -> list[_Quantity]:
    """The QUANTITY matches of the sentence and its sums (the amounts layer's), in order."""
    text = sentence.text
    found = [
        _Quantity(m.start(), m.end(), m.group("num"), m.group("unit"), m.group("low"))
        for m in QUANTITY.finditer(text)
    ]
    for money in sums:
        scale, unit = next(((s, u) for s, u in _SUM_UNITS if money.scale >= s), (0, ""))
        if not unit or money.number is None:
            continue  # 1500元: no goal is stated in yuan
        start, unit_start = money.start - sentence.start, money.unit_start - sentence.start
        value = money.number if money.scale == scale else money.number * (money.scale // scale)
        low = _LOW_BEFORE.search(text, max(0, start - _WINDOW), start)
        found.append(
            _Quantity(
                low.start() if low else start,
                money.unit_end - sentence.start,
                text[start:unit_start],
                unit,
                low.group("low") if low else None,
                money,
                value,
            )
        )
    return sorted(found, key=lambda q: q.start)


# 位 counts people (院士3位, 专家20位) only when such a word stands before it in its clause
_PEOPLE_BEFORE = re.compile(r"(?:院士|专家|人才|科学家|学者|带头人|教授|博士)[^,;。:]{0,10}$")


def _skip_quantity(clauses: _Clauses, lists: _Lists, index: int, quoted: bool, budget: bool = False) -> bool:
    """Whether the sentence's `index`-th quantity match is no goal; `quoted`: it stands inside
    “…” or 《…》 (more openings than closings before it in the sentence); `budget`: a sum the
    policy commits to (see `_is_budget`)."""
    q = lists.matches[index]
    text, start = clauses.text, q.start
    before, after = text[max(0, start - _WINDOW) : start], text[q.end : q.end + _WINDOW]
    num, unit = q.num, q.unit
    if re.search(r"第$|每$|排名$|位次$|[A-Za-z]$|\d$", before[-4:]) and unit != "%":
        return True
    if quoted:
        return True  # inside a quoted name: “千人服务千企”
    if unit == "位" and not _PEOPLE_BEFORE.search(before):
        return True  # 排名上升2位: a shift of rank; 位 counts people only (引进院士3位)
    if re.match(r"[年月日号位届期级]", after) and unit in ("个", "项", "亿"):
        return True
    if unit == "亿" and re.match(r"[\u3400-\u9fff]", after):
        return True  # 百亿企业, 千亿级: a size class, not a sum
    if _CONDITION_BEFORE.search(before[-4:]) or _AWARD_NEXT.match(after):
        return True  # 连续两次; …3000万元以上,给予5万元: the condition of an award
    if not num[0].isdigit() and (_CN_SMALL.match(num) or before.endswith("数")):
        return True  # 三个主要方向 enumerates; 百名 / 千人 / 两家 count
    eligible = clauses.opens_eligible(start)
    if eligible and (not num[0].isdigit() or _BOUND_AFTER.match(after)):
        return True  # 对…当年增长超过2500万元(含)以上: who is eligible
    if (
        not budget
        and lists.threshold_after(index)
        and (eligible or unit in ("亿元", "万元", "亿") or clauses.opens_eligible(lists.head_end(index)))
    ):
        return True
    # the end-anchored tests read the clause's last words (their longest phrase is 4)
    clause = text[max(last_before(clauses.clause, start) + 1, start - 6) : start]
    capped = _CAPPED.search(clause)
    if (
        unit in ("亿元", "万元", "亿")
        and not budget
        and (capped or SUPPORT.search(before[-10:] + after[:6]) or not _MONEY_GOAL.search(clause))
    ):
        return True  # the sum of an award or a threshold (年收入超5000万元), not a goal
    if unit != "%":
        return False
    # 按实际费用的50%给予补助, 给予合同额8%奖励, 奖金的50%用于…: the share of an award
    share_clause = text[max(last_before(clauses.clause, start) + 1, start - 40) : start]
    return bool(
        re.match(r"(?:以上)?(?:给予|予以|用于|可用于|的风险|的比例)", after)
        or "按" in before[-8:]
        or _SHARE_BASE_BEFORE.search(share_clause)
        or _SHARE_BASE_AFTER.match(after)
    )


class _Lists:
    """Lists of numbers around each quantity match of a sentence (1亿元、5亿元、10亿元的企业).

    Whether a list of numbers ending in 的 follows a number (`_THRESHOLD_AFTER`), and where the
    list of numbers right before it begins (`_LIST_BEFORE`), follow from the answer for the next
    (or previous) number when the two are linked by a list separator; so the list is read once,
    not once per number in it (a list of thousands of numbers was quadratic). Where numbers are
    not linked that simply, the patterns are matched on a window around the number."""

    def __init__(self, text: str, matches: list[_Quantity]) -> None:
        self.text, self.matches = text, matches
        n = len(matches)
        self._after: list[bool] = [False] * n
        for i in reversed(range(n)):
            end = matches[i].end
            if _THRESHOLD_TAIL.match(text, end):
                self._after[i] = True
                continue
            item = _NEXT_ITEM.match(text, end)
            if item and i + 1 < n and item.end() == matches[i + 1].end and not matches[i + 1].low:
                self._after[i] = self._after[i + 1]
            else:
                self._after[i] = bool(_THRESHOLD_AFTER.match(text[end : end + _WINDOW]))
        self._head: list[int | None] = [None] * n

    def threshold_after(self, i: int) -> bool:
        return self._after[i]

    def head_end(self, i: int) -> int:
        """Where the text before the list that ends right before the i-th number ends."""
        chain = [i]  # numbers linked to the one before them: they share its answer
        while self._head[chain[-1]] is None and self._linked_to_previous(chain[-1]):
            chain.append(chain[-1] - 1)
        last = chain[-1]
        if self._head[last] is None:
            self._head[last] = self._own_head_end(last)
        for j in chain:
            self._head[j] = self._head[last]
        return self._head[i]  # type: ignore[return-value]

    def _ends_after_separator(self, start: int) -> bool:
        last = start
        while last > 0 and self.text[last - 1].isspace():
            last -= 1
        return last > 0 and self.text[last - 1] in _LIST_SEPS

    def _linked_to_previous(self, i: int) -> bool:
        """The i-th number follows the previous one across a list separator (…5亿元、10亿元)."""
        if i == 0 or not self._ends_after_separator(self.matches[i].start):
            return False
        previous = self.matches[i - 1]
        return not previous.low and bool(_LIST_LINK.fullmatch(self.text, previous.end, self.matches[i].start))

    def _own_head_end(self, i: int) -> int:
        start = self.matches[i].start
        if not self._ends_after_separator(start):
            return start  # no list ends right before the number (the common case)
        before = self.text[max(0, start - _WINDOW) : start]
        return start - (len(before) - len(_LIST_BEFORE.sub("", before)))


def _indicator(clauses: _Clauses, start: int, end: int) -> str:
    text = clauses.text
    before = text[max(last_before(clauses.piece, start) + 1, start - _WINDOW) : start]
    piece_end = _PIECE_END.search(text, end, end + _WINDOW)
    after = text[end : piece_end.start() if piece_end else end + _WINDOW]
    before = _INDICATOR_VERB.sub("", _INDICATOR_LEAD.sub("", before))
    after = _INDICATOR_AFTER.sub("", after)
    indicator = (before + after).strip()[:40]
    # a bare "达到30个" still needs a name: fall back to the words around the number
    return indicator or re.sub(r"[\d.%]+", "", text[max(0, start - 12) : end + 8]).strip(" ,;:。、") or "未命名指标"


# _YEAR without its closing lookahead: the index checks it itself, because a span that ends right
# after a year (到2025年|5家) sees nothing after it, where the whole body sees the 5
_YEAR_ANY = re.compile(_YEAR.pattern.replace(r"(?![度份]|\d)", ""))


def _blocks_year(ch: str) -> bool:
    """What may not follow 2025年 for it to be a year (2025年度, 2025年份, 2025年5…)."""
    return ch in ("度", "份") or ch.isdecimal()


class _Years:
    """The year marks of the body, to find the last one in a span without reading the span
    (each number of a long paragraph used to re-read the paragraph before it)."""

    def __init__(self, body: str) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.values: list[int] = []
        # index of the last mark up to here that stands as a year inside any span holding the
        # character after it (the lookahead of _YEAR holds)
        self.last_free: list[int] = []
        last = -1
        for m in _YEAR_ANY.finditer(body):
            if not (m.group("year") or m.group("cn")) or not _blocks_year(body[m.end() : m.end() + 1]):
                last = len(self.starts)
            self.starts.append(m.start())
            self.ends.append(m.end())
            self.values.append(_year_value(m))
            self.last_free.append(last)

    def last(self, start: int, end: int) -> int | None:
        """The year of the last year mark in body[start:end] (as `_YEAR` would find it there)."""
        i = bisect.bisect_right(self.ends, end) - 1
        if i < 0:
            return None
        # a mark ending right at the span's end is a year there, whatever follows it in the body
        found = i if self.ends[i] == end else self.last_free[i]
        return self.values[found] if found >= 0 and self.starts[found] >= start else None


def _plan_year(policy: PolicyMeta) -> int | None:
    """A one-year work plan's quantities are that year's goals: the year its own title names
    (…2018年工作推进计划), not the year of a plan it cites."""
    for title in (policy.title, policy.notice_title):
        m = re.search(r"(20\d{2})年(?:度)?[^\d()]{0,12}?(?:工作(?:推进)?计划|工作要点|行动计划)", title or "")
        if m:
            return int(m.group(1))
    return None


_HEADING_LINE = re.compile(
    r"^[ \t\u3000]*(?:[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、]|第[一二三四五六七八九十百]+[章条节])",
    re.M,
)


class _Sections:
    """The numbered headings' line starts, to find the section around a number by bisection."""

    def __init__(self, body: str) -> None:
        found = list(_HEADING_LINE.finditer(body))
        self.starts = [m.start() for m in found]
        self.ends = [m.end() for m in found]

    def start(self, doc: Document, pos: int) -> int:
        """Start of the numbered section around `pos`: a year its heading paragraph sets
        (到2025年) holds for the ——-items under it."""
        i = bisect.bisect_right(self.ends, pos) - 1  # a heading read in body[:pos] ends by pos
        return self.starts[i] if i >= 0 else doc.line_start(pos)


@component("targets", requires=("policy", "sentences", "amounts"), assigns=("targets", "baselines"))
def targets_component(doc: Document) -> None:
    doc.layers["targets"], doc.layers["baselines"] = extract_targets(doc)


def extract_targets(doc: Document) -> tuple[list[Target], list[Target]]:
    """The targets and baselines of the `sentences` layer, its sums read from the `amounts` layer;
    the `policy` layer's title dates a one-year plan's goals."""
    sentences: list[Sentence] = doc.layers["sentences"]
    amounts: list[Amount] = doc.layers["amounts"]
    sum_starts = [a.start for a in amounts]
    plan_year = _plan_year(doc.layers["policy"])
    targets: list[Target] = []
    baselines: list[Target] = []
    rejected: list[tuple[int, int]] = []
    body = doc.body
    years, sections = _Years(body), _Sections(body)
    baseline_marks, future_marks = Occurrences(_BASELINE_MARK, body), Occurrences(_FUTURE_MARK, body)
    goal_words, goal_headings = Occurrences(_EVIDENCE, body), Occurrences(_GOAL_HEADING, body)
    conditions: dict[int, bool] = {}  # by line start: lines hold many numbers, the answer is the line's
    for sentence in sentences:
        clauses = _Clauses(sentence.text)  # its separators are read on first use only
        first = bisect.bisect_left(sum_starts, sentence.start)
        sums = amounts[first : bisect.bisect_left(sum_starts, sentence.end, first)]
        for value, low, unit, start, end, budget in _quantities(sentence, sums, clauses, rejected):
            line_start = doc.line_start(start)
            if line_start not in conditions:
                conditions[line_start] = _in_conditions_list(body, line_start)
            if conditions[line_start]:
                continue
            local_start = start - sentence.start
            paragraph_start = doc.line_start(sentence.start)
            clause_start = max(last_before(clauses.quote, local_start) + 1, local_start - _WINDOW)
            indicator = _indicator(clauses, local_start, end - sentence.start)
            is_baseline = baseline_marks.within(paragraph_start, start) and not future_marks.within(
                paragraph_start, start
            )
            own_year = re.match(r"\((20\d{2})年\)", doc.body[end : end + 8])
            fact = Target(
                indicator=indicator,
                value=value,
                value_min=low,
                unit=unit,
                # a baseline is dated only by its own bracket: 15.98亿元(2022年)
                year=int(own_year.group(1))
                if own_year
                else None
                if is_baseline
                else years.last(paragraph_start, start) or years.last(sections.start(doc, start), start) or plan_year,
                quote="",  # the original's, set by `provenance`
                start=sentence.start + clause_start,
                end=end,
            )
            if not is_baseline and fact.year is None and not budget:
                # no date: a goal only where its clause says so (新增…, 培育…, 达到…) or its
                # paragraph sets goals (力争, 计划)
                evidence_start = sentence.start + last_before(clauses.clause, local_start) + 1
                section_start = sections.start(doc, start)
                if not (
                    goal_words.within(max(evidence_start, start - _WINDOW), start)
                    or future_marks.within(paragraph_start, start)
                    or goal_headings.within(section_start, min(start, section_start + _HEADING_READ))
                ):
                    continue
            (baselines if is_baseline else targets).append(fact)
    for start, end in rejected:
        doc.warn(f"quantity above {MAX_PLAUSIBLE_TEXT} ignored", start, end)
    return _drop_restated(targets), _drop_restated(baselines)


def _plausible(unit: str, *values: float | None) -> bool:
    scale = _UNIT_SCALE.get(unit[:1], 1)
    return all(v is None or plausible(v * scale) for v in values)


def _quantities(
    sentence: Sentence, sums: list[Amount], clauses: _Clauses, rejected: list[tuple[int, int]]
) -> list[tuple[float | int, float | int | None, str, int, int, bool]]:
    """The quantities of a sentence (its `sums` from the amounts layer), each with whether it is a
    budget total the policy commits to; absurd ones (1e309家) go to `rejected` (the amounts
    component warned of absurd sums)."""
    found = []
    text = sentence.text
    lists = _Lists(text, _sentence_quantities(sentence, sums))
    opened = closed = counted = 0  # “ 《 and ” 》 before the number, counted as the numbers go by
    budgets: SentenceBudgets | None = None  # for a bare 亿, read on first use
    after_total = False  # a budget total stood before in the sentence
    for index, q in enumerate(lists.matches):
        opened += sum(text.count(mark, counted, q.start) for mark in _OPENINGS)
        closed += sum(text.count(mark, counted, q.start) for mark in _CLOSINGS)
        counted = q.start
        kind = None
        if q.sum is not None:
            kind = q.sum.budget
        elif q.unit == "亿":  # 300亿: no sum of the amount grammar (it wants 元); the same rule reads it
            budgets = budgets or SentenceBudgets(text)
            kind = budgets.kind(q.start, q.end, after_total)
        after_total = after_total or kind == TOTAL
        # a budget total or the investment the policy means to draw is a goal; one that sets up a
        # fund (12亿元用于设立科创母基金) is an instrument's sum
        budget = kind is not None and not FUND_SETUP.match(text, q.end)
        if _skip_quantity(clauses, lists, index, opened > closed, budget):
            continue
        value = q.value if q.sum is not None else parse_number(q.num)
        if value is None:
            continue
        unit = "亿元" if q.unit == "亿" else q.unit
        low_value = float(q.low) if q.low else None
        if not _plausible(unit, value, low_value):
            rejected.append((sentence.start + q.start, sentence.start + q.end))
            continue
        low = as_number(low_value) if low_value is not None else None
        found.append((as_number(value), low, unit, sentence.start + q.start, sentence.start + q.end, budget))
    for m in _BARE_SHARE.finditer(text):
        end = m.end()
        share = float(m.group("num"))
        if not _plausible("%", share):
            rejected.append((sentence.start + m.start("num"), sentence.start + end))
            continue
        found.append((as_number(share), None, "%", sentence.start + m.start("num"), sentence.start + end, False))
    return found


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _drop_restated(facts: list[Target]) -> list[Target]:
    """Plans restate their headline goals inside the measures; keep the first statement."""
    kept: list[Target] = []
    # earlier statements by value and unit; a fact is compared with the last RESTATED_MEMORY of
    # them, so that thousands of numbers of one value stay linear (a plan restates a few)
    earlier: dict[tuple[float | int, str], list[set[str]]] = defaultdict(list)
    for fact in facts:
        grams = _bigrams(fact.indicator)
        same = earlier[(fact.value, fact.unit)]
        if grams and any(len(grams & g) / len(grams | g) >= RESTATED_SIMILARITY for g in same[-RESTATED_MEMORY:]):
            continue
        kept.append(fact)
        same.append(grams)
    return kept


# how many earlier statements of one value a statement is compared with
RESTATED_MEMORY = 200
# share of indicator bigrams two statements of one goal have in common
RESTATED_SIMILARITY = 0.4
