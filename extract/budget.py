"""Budget totals, decided once: is a sum money the policy sets aside, naming no recipient, or
investment it means to draw?

A total: 拟安排资金35亿元, 县级财政预算安排3.47亿元, a sum that opens its clause and is shared out
(10亿元的资金采取奖补方式…, 5亿元用于…), and every later sum of its sentence that names no
recipient either (其中,支持载体建设1.25亿元: its shares). Investment drawn (`LEVERAGE`): 带动社会
投资300亿元. Neither where the sum goes to someone: a recipient named before it in the sentence
(对新认定的…的,安排30万元) or in its clause (给予, 每个项目, a clause opening with 对 or 凡), a
ceiling word (最高: an award's), or a next clause that opens with 对 and gives no sum of its own
(…2000万元,对重点支出予以保障).

Not a component: the `amounts` component flags every sum of its layer with it (`Amount.budget`),
which instruments (a total is no promise) and targets (a total or leverage is a goal) read; the
targets ask it also for a bare 亿 (300亿), which the amount grammar does not read as money. The
words are the lexicon's `budget_words`.
"""

from __future__ import annotations

import re
from functools import cached_property

from .amounts import CAP_WORD, MONEY, RECIPIENT_OPENER, RECIPIENT_OR_ELIGIBLE, recipient_end
from .index import last_before, positions
from .lexicon import lexicon
from .spans import CLAUSE_SEP

TOTAL = "total"
LEVERAGE = "leverage"

_WORDS = lexicon("budget_words")
_TOTAL = _WORDS.compile("total")
_LEVERAGE = _WORDS.compile("leverage")
# a word that gives a sum to someone: 对 (with 对于) or a giving word of the lexicon
GIVES = re.compile(f"{RECIPIENT_OPENER.pattern}|{_WORDS.alternation('recipient')}")
# a programme the city sets up, whose sum a total sizes (instruments); a fund set up right after a
# sum (targets): what the readers make of a total
PROGRAMME = _WORDS.compile("programme")
FUND_SETUP = re.compile(r"[^,;。]{0,12}?" + _WORDS.alternation("fund"))
_PORTION = re.compile(r"\s*" + _WORDS.alternation("portion"))
_CAPPED = re.compile(CAP_WORD + r"\s*$")
# the next clause opens with 对 and gives no sum of its own: it names whom this sum pays for
_RECIPIENT_NEXT = re.compile(r"[^,;。]{0,12}?[,;]\s*" + RECIPIENT_OPENER.pattern + r"[^,;。]{0,80}")
# what a clause may hold before a sum that opens it: an item marker, spaces
_OPENING = " \n(（)）0123456789一二三四五六七八九十、."
# how far before a sum its clause's words are read (a clause of a page without punctuation may run
# on for thousands of characters)
_REACH = 40


class SentenceBudgets:
    """The budget reading of the sums of one sentence (offsets local to `text`)."""

    def __init__(self, text: str) -> None:
        self.text = text

    # each read on first use: most sentences hold no sum
    @cached_property
    def _separators(self) -> list[int]:
        return positions(CLAUSE_SEP, self.text)

    @cached_property
    def _named(self) -> int | None:
        return recipient_end(self.text)

    def kind(self, start: int, end: int, after_total: bool) -> str | None:
        """TOTAL, LEVERAGE or None for the sum at text[start:end]; `after_total`: a sum before it
        in the sentence is a TOTAL (this one may be one of its shares)."""
        text = self.text
        clause_start = last_before(self._separators, start) + 1
        clause = text[max(clause_start, start - _REACH) : start]
        if self._named is not None and self._named <= start:
            return None  # (二)对新认定的实验室,安排500万元经费: an award to whom the sentence names
        if (
            RECIPIENT_OR_ELIGIBLE.match(text, clause_start, start)
            or GIVES.search(clause)
            or _CAPPED.search(clause)
            or self._names_whom_next(end)
        ):
            return None
        if _TOTAL.search(clause) or after_total:
            return TOTAL
        if _LEVERAGE.search(clause):
            return LEVERAGE
        if not clause.strip(_OPENING) and _PORTION.match(text, end):
            return TOTAL
        return None

    def _names_whom_next(self, end: int) -> bool:
        """…2000万元,对重点支出予以保障: the clause after the sum names what it pays for (where that
        clause gives a sum of its own, 对…给予100万元奖励, it names that sum's recipient)."""
        m = _RECIPIENT_NEXT.match(self.text, end)
        return m is not None and not MONEY.search(m.group())
