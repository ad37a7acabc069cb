"""The `amounts` component: every sum of money in the sentences, read once by the amount grammar,
each flagged once as a budget total or not (budget.py).

Sentences, not the whole body: the `sentences` layer has responsibility lists blanked out
(责任单位: 市财政局…), and a sum never straddles a sentence's end, so each sentence is read as
instruments read it. Sums too large to be a policy's figure are left out with a warning.
"""

from __future__ import annotations

from dataclasses import replace

from .amounts import MAX_PLAUSIBLE_TEXT, Amount, find_sums
from .budget import TOTAL, SentenceBudgets
from .document import Document
from .language import component


@component("amounts", requires=("sentences",), assigns=("amounts",))
def amounts_component(doc: Document) -> None:
    found: list[Amount] = []
    rejected: list[tuple[int, int]] = []
    for sentence in doc.layers["sentences"]:
        sums = find_sums(sentence.text, sentence.start, rejected)
        if not sums:
            continue
        budgets = SentenceBudgets(sentence.text)
        after_total = False  # a budget total stood before in the sentence: later sums share it out
        for money in sums:
            kind = budgets.kind(money.start - sentence.start, money.end - sentence.start, after_total)
            after_total = after_total or kind == TOTAL
            found.append(replace(money, budget=kind) if kind else money)
    for start, end in rejected:
        doc.warn(f"sum above {MAX_PLAUSIBLE_TEXT} yuan ignored", start, end)
    doc.layers["amounts"] = found
