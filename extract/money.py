"""The `amounts` component: every sum of money in the sentences, read once by the amount grammar.

Sentences, not the whole body: the `sentences` layer has responsibility lists blanked out
(责任单位: 市财政局…), and a sum never straddles a sentence's end, so each sentence is read as
instruments read it. Sums too large to be a policy's figure are left out with a warning.
"""

from __future__ import annotations

from .amounts import MAX_PLAUSIBLE_TEXT, Amount, find_sums
from .document import Document
from .language import component


@component("amounts", requires=("sentences",), assigns=("amounts",))
def amounts_component(doc: Document) -> None:
    found: list[Amount] = []
    rejected: list[tuple[int, int]] = []
    for sentence in doc.layers["sentences"]:
        found.extend(find_sums(sentence.text, sentence.start, rejected))
    for start, end in rejected:
        doc.warn(f"sum above {MAX_PLAUSIBLE_TEXT} yuan ignored", start, end)
    doc.layers["amounts"] = found
