"""The document object every extractor component reads and annotates (after spaCy's Doc).

It carries the original text, the normalised working text, the offset map between them,
a `body` view with web boilerplate blanked out, and the spans the components add.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .lexicon import lexicon
from .normalise import normalise
from .reader import read_text

# Lines a mirror site or portal wraps around a policy: navigation, sharing, paywalls, spam
# (lexicon `boilerplate`).
_SPAM_WORDS = lexicon("boilerplate").compile("spam")
# a spam line stacks several of these; one alone (欧美, 成人) is ordinary policy prose
_SPAM_MIN_HITS = 3
_CHROME = lexicon("boilerplate").compile("chrome")
# a line opening with an outline marker (lexicon `heading_markers`) is policy text, never chrome
OPENS_WITH_MARKER = re.compile(r"^\s*" + lexicon("heading_markers").alternation(("chap", "art", "pcn", "cn", "pnum", "num")))
_SENTENCE_PUNCT = re.compile(r"[,。;:、!?]")
# a line that ends like a clause of prose (…在本市注册;  申请单位应当提交下列材料:) is text, not chrome
_CLAUSE_END = ("。", ";", ":", "!", "?")
# characters of a warning's quote (a rejected 8,000-digit number is shortened in the middle)
_WARNING_QUOTE = 40
_T = TypeVar("_T")


@dataclass(frozen=True)
class Span:
    """A labelled span of the normalised text."""

    label: str
    start: int
    end: int


@dataclass
class Document:
    name: str
    original: str
    text: str
    offsets: list[int]
    scrambled: bool = False
    encoding: str = "utf-8"
    body: str = ""
    spans: dict[str, list[Span]] = field(default_factory=dict)
    # what the components assign, by layer name (language.py): read-only for later components
    layers: dict[str, Any] = field(default_factory=dict)
    # problems the components met that the record should report (an implausible sum…)
    warnings: list[str] = field(default_factory=list)
    # results several components read (the sentences, the responsibility lists, the metadata):
    # computed once per document, not once per component
    _memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_text(cls, original: str, name: str, encoding: str = "utf-8") -> Document:
        text, offsets, scrambled = normalise(original)
        doc = cls(name=name, original=original, text=text, offsets=offsets, scrambled=scrambled, encoding=encoding)
        doc.body = blank_boilerplate(text)
        return doc

    @classmethod
    def from_path(cls, path: str | Path) -> Document:
        original, encoding = read_text(path)
        return cls.from_text(original, Path(path).name, encoding)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.original.encode("utf-8")).hexdigest()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised [start, end) to the original text (for `provenance` and `warn`: the
        components give their facts normalised spans)."""
        if start >= end:
            pos = self.offsets[start] if start < len(self.offsets) else len(self.original)
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1

    def quote(self, start: int, end: int) -> tuple[str, int, int]:
        """The original text behind a normalised span, with its original offsets."""
        o_start, o_end = self.original_span(start, end)
        return self.original[o_start:o_end], o_start, o_end

    def memo(self, key: str, compute: Callable[[], _T]) -> _T:
        """`compute()`, once per document; callers must not mutate what it returns."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def line_start(self, pos: int) -> int:
        """Start of the line holding normalised offset `pos` (`text.rfind("\n", 0, pos) + 1`
        without scanning back over a long line for every fact on it)."""
        breaks = self.memo("line_breaks", lambda: [m.start() for m in re.finditer("\n", self.text)])
        i = bisect.bisect_left(breaks, pos)
        return breaks[i - 1] + 1 if i else 0

    def warn(self, problem: str, start: int, end: int) -> None:
        """Record a problem with the normalised span [start, end), quoted (shortened) from the
        original text with its original offsets."""
        quote, o_start, o_end = self.quote(start, end)
        if len(quote) > _WARNING_QUOTE:
            quote = quote[: _WARNING_QUOTE // 2] + "…" + quote[-_WARNING_QUOTE // 2 :]
        message = f"{problem}: {quote!r} at [{o_start}, {o_end}]"
        if message not in self.warnings:
            self.warnings.append(message)

    def add_span(self, label: str, start: int, end: int) -> None:
        self.spans.setdefault(label, []).append(Span(label, start, end))


def is_boilerplate_line(line: str) -> bool:
    stripped = line.strip()
    if not stripped:
        return False
    if len(_SPAM_WORDS.findall(stripped)) >= _SPAM_MIN_HITS:
        return True
    if OPENS_WITH_MARKER.match(stripped):
        return False
    chrome_hits = len(set(_CHROME.findall(stripped)))
    if (
        chrome_hits
        and len(stripped) < 200
        and (chrome_hits >= 2 or (len(stripped) < 80 and not stripped.endswith(_CLAUSE_END)))
    ):
        return True
    # portal navigation: short lines with no sentence punctuation ("政策信息", "招商信息")
    return len(stripped) <= 8 and not _SENTENCE_PUNCT.search(stripped)


def blank_boilerplate(text: str) -> str:
    """Replace boilerplate lines by spaces: same length, so offsets stay valid."""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        out.append(" " * len(body) + line[len(body) :] if is_boilerplate_line(body) else line)
    return "".join(out)
