"""Span types that one component assigns to a layer and others read: the numbered items of the
outline (`outline`), the responsibility lists (`duty_lists`), the sentences and segments
(`sentences`, `segments`); and the few patterns several readers of those layers share.

They live here, not in the component that makes them, so a component reading a layer needs no
import of the component that assigned it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import lexicon


@dataclass(eq=False)
class Item:
    """One numbered item of the outline (一、 / (一) / 1. / (1) / ① / 第一章 / 第一条)."""

    kind: str
    number: int
    label: str  # the marker as printed, normalised: 一 / (一) / 1 / (1)
    start: int  # normalised offset of the marker
    body_start: int  # first character after the marker
    end: int = 0  # end of the item's own text (before the next marker)
    subtree_end: int = 0  # end of the item with its descendants
    depth: int = 0
    parent: Item | None = None
    children: list[Item] = field(default_factory=list)
    heading: str = ""  # its first sentence or clause, set by the outline component

    @property
    def path(self) -> str:
        labels: list[str] = []
        node: Item | None = self
        while node is not None:
            labels.append(node.label)
            node = node.parent
        return "/".join(reversed(labels))


@dataclass
class ResponsibilityList:
    """One 牵头单位/责任单位 parenthetical (or its scrambled remains), in normalised offsets."""

    start: int
    end: int
    lead: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    shared: set[str] = field(default_factory=set)  # names collective only in this list's context
    prose: bool = False  # read from a sentence (市科技局负责…), not from a labelled list
    # `lead` as a set, grown as `lead` grows (lists are only ever extended)
    _lead_set: set[str] = field(default_factory=set, repr=False, compare=False)
    _lead_counted: int = field(default=0, repr=False, compare=False)

    @property
    def names(self) -> list[str]:
        lead = set(self.lead)
        return self.lead + [n for n in self.others if n not in lead]

    def last_name(self) -> str | None:
        """`names[-1]`, without building `names`: a page of thousands of lists joined into one
        asked for it at each, which was quadratic."""
        self._lead_set.update(self.lead[self._lead_counted :])
        self._lead_counted = len(self.lead)
        lead = self._lead_set
        return next((n for n in reversed(self.others) if n not in lead), self.lead[-1] if self.lead else None)


@dataclass(frozen=True)
class Sentence:
    """A sentence of the `sentences` layer: its normalised offsets and text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Segment:
    """A segment (a clause between commas) of the `segments` layer, with its sentence's index."""

    start: int
    end: int
    text: str
    sentence: int


# words that make a sum near them an award, not a goal (instruments and targets both ask)
SUPPORT = lexicon("giving_verbs").compile("support")
# what separates the clauses of a sentence (1:1 keeps its colon only where a reader asks for it)
CLAUSE_SEP = re.compile(r"[,;:]")
