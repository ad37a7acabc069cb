"""The numbered hierarchy of a policy: 一、 / (一) / 1. or 1、 / (1) or 1) / ① / 第一章 / 第一条.

Levels are not fixed by marker kind: a document may go 一、→1. or 一、→(一)→1., so the outline
keeps a stack of kinds (a kind already on the stack starts a sibling, a new kind a child), the way
a reader does. Markers are taken at line starts, and inline (`…主力军6.加大…`, `…税务局)17.加大…`)
only where they continue a sequence, because a web copy often glues an item to the line before.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from .dates import CN_DATE_RE, COMPACT_RE, DATE_RE, cn_number
from .document import Document
from .language import component
from .lexicon import Lexicon, lexicon
from .spans import Item

_HAN = r"\u4e00-\u9fff"
_MARKERS = lexicon("heading_markers")
_BOILERPLATE = lexicon("structure_boilerplate")

# kind → pattern matched at a line start; group 1 is the number (tried in the lexicon's order)
_LINE_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    (e.value, re.compile(e.pattern))
    for e in _MARKERS.entries
    if e.kind == "regex" and e.value not in ("inline", "scrambled")
]
# inline candidates: an arabic marker after any non-digit, a Chinese one only after a sentence end
_INLINE = _MARKERS.compile("inline")
_CIRCLED = "".join(_MARKERS.words("circled"))
# web chrome that happens to be numbered ("1、选择少量文本,重新进行复制操作")
_CHROME = _BOILERPLATE.compile("chrome")
# lines after which an item's text cannot continue: attachments, cc lists, closing formulas
_DATE_LINE = re.compile(rf"^\s*(?:{DATE_RE.pattern}|{CN_DATE_RE.pattern}|{COMPACT_RE.pattern})\s*$")
_TERMINATOR = re.compile(rf"^\s*{_BOILERPLATE.alternation('terminator')}")
_ATTACHMENT = re.compile(rf"^\s*{_BOILERPLATE.alternation('attachments')}")
# a signature line: a body's name alone (lexicon/agency_suffixes.tsv, reader `signature`)
_SIGNATURE_SUFFIXES = Lexicon(
    "agency_suffixes", tuple(e for e in lexicon("agency_suffixes").entries if "signature" in e.value.split())
)
_ORG_LINE = re.compile(rf"^\s*[{_HAN}()]{{2,30}}{_SIGNATURE_SUFFIXES.alternation()}\s*$")


def _label(kind: str, number: str) -> str:
    labels = {
        "pcn": f"({number})",
        "pnum": f"({number})",
        "rnum": f"{number})",
        "chap": f"第{number}章",
        "art": f"第{number}条",
    }
    return labels.get(kind, number)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else cn_number(text) or 0


def line_marker(text: str, pos: int, original_char: str = "") -> tuple[str, str, int] | None:
    """(kind, number text, end) of a marker at `pos`, or None."""
    if original_char and original_char in _CIRCLED:
        return "circ", str(_CIRCLED.index(original_char) + 1), pos + 1
    for kind, pattern in _LINE_MARKERS:
        m = pattern.match(text, pos)
        if m:
            return kind, m.group(1), m.end()
    return None


def _lines(text: str) -> Iterator[tuple[int, str]]:
    pos = 0
    for line in text.splitlines(keepends=True):
        yield pos, line.rstrip("\r\n")
        pos += len(line)


def terminator_starts(text: str) -> list[int]:
    """Offsets of lines that end any item: signature blocks, dates, 附件, closing formulas."""
    starts: list[int] = []
    previous: tuple[int, str] | None = None
    for pos, line in _lines(text):
        if not line.strip():
            continue
        if _DATE_LINE.match(line):
            # a signature line directly above a date belongs to the signature block
            if previous and _ORG_LINE.match(previous[1]):
                starts.append(previous[0])
            starts.append(pos)
        elif _TERMINATOR.match(line):
            starts.append(pos)
        previous = (pos, line)
    return starts


class _Builder:
    def __init__(self) -> None:
        self.items: list[Item] = []
        self.stack: list[Item] = []
        self.last: dict[str, Item] = {}

    def continues(self, kind: str, number: int) -> bool:
        previous = self.last.get(kind)
        return previous is not None and number == previous.number + 1

    def place(self, item: Item) -> None:
        kinds = [it.kind for it in self.stack]
        if item.kind in kinds:
            del self.stack[kinds.index(item.kind) :]
        item.parent = self.stack[-1] if self.stack else None
        item.depth = len(self.stack)
        if item.parent:
            item.parent.children.append(item)
        self.stack.append(item)
        self.items.append(item)
        self.last[item.kind] = item


def parse_outline(text: str, original: str = "", offsets: list[int] | None = None) -> list[Item]:
    """All numbered items of `text` (the document body) in order, linked into a tree."""
    builder = _Builder()
    attachments = False  # inside an 附件 list: 1.XX办法 / 2.XX细则 name documents, not items
    for pos, line in _lines(text):
        stripped = len(line) - len(line.lstrip())
        at = pos + stripped
        if at >= pos + len(line):
            continue
        cursor = at
        orig = original[offsets[at]] if original and offsets else ""
        found = line_marker(text, at, orig)
        short = len(line.strip()) < 60 and "。" not in line
        attachments = bool(_ATTACHMENT.match(line)) or (attachments and bool(found) and short)
        if attachments:
            continue
        if found and not _is_chrome(line):
            kind, number, end = found
            item = Item(kind, _number(number), _label(kind, number), at, end)
            builder.place(item)
            cursor = end
        for m in _INLINE.finditer(text, cursor, pos + len(line)):
            kind = "pcn" if m.group(1) else "cn" if m.group(2) else "num" if m.group(3) else "pnum"
            raw = next(g for g in m.groups() if g)
            number = _number(raw)
            if builder.continues(kind, number):
                builder.place(Item(kind, number, _label(kind, raw), m.start(), m.end()))
    _close(builder.items, text)
    return builder.items


def outline_from(items: list[Item], begin: int) -> list[Item]:
    """The outline of the text from `begin` on (the plan a notice wraps): the items before it
    are dropped. An item whose parent is dropped (the notice's 7. above the plan's (一)…) becomes
    a root: filtering alone left it pointing at an item outside the outline, a tree with a hole
    that the measures' walk up the tree fell into (KeyError). Parents precede their children, so
    a kept item's kept ancestors are a chain up to its first dropped one."""
    kept = [it for it in items if it.start >= begin]
    if len(kept) == len(items):
        return items
    inside = {id(it) for it in kept}
    for item in kept:  # in document order: a parent's depth is set before its children's
        if item.parent is not None and id(item.parent) not in inside:
            item.parent = None
        item.depth = item.parent.depth + 1 if item.parent else 0
    return kept


def _is_chrome(line: str) -> bool:
    """A short numbered line of site chrome; real items are long or end in a sentence or clause
    (`(一)在本县登记注册,具备独立法人资格;` is a condition, not a site's 注册 link)."""
    stripped = line.strip()
    return len(stripped) < 60 and "。" not in line and not stripped.endswith((";", ":")) and bool(_CHROME.search(line))


def _close(items: list[Item], text: str) -> None:
    """Set each item's own end (next marker, or a terminator line) and its subtree end."""
    stops = terminator_starts(text)  # in order: the first after an item is found by bisection
    for i, item in enumerate(items):
        nxt = items[i + 1].start if i + 1 < len(items) else len(text)
        k = bisect.bisect_right(stops, item.body_start)
        stop = stops[k] if k < len(stops) else len(text)
        item.end = _rstrip(text, item.body_start, min(nxt, stop))
    for item in reversed(items):
        item.subtree_end = item.children[-1].subtree_end if item.children else item.end


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


_HEADING_END = re.compile(r"[。;:!?\n]")


def heading_of(text: str, start: int, end: int) -> str:
    """The item's heading: its first sentence, or first clause where the sentence runs long."""
    chunk = text[start:end]
    m = _HEADING_END.search(chunk)
    sentence = (chunk[: m.start()] if m else chunk).strip()
    if len(sentence) > 40:
        comma = sentence.find(",", 6)
        if comma > 0:
            sentence = sentence[:comma]
    return sentence[:80].strip(" ,、.")


@component("outline", requires=("wrapped_policy_start",), assigns=("outline",))
def outline_component(doc: Document) -> None:
    """The numbered items of the policy, each with its heading; a notice's own items before the
    plan it wraps are left out."""
    items = parse_outline(outline_text(doc), doc.original, doc.offsets)
    begin = doc.layers["wrapped_policy_start"]
    if any(it.start >= begin for it in items):
        items = outline_from(items, begin)
    for item in items:
        item.heading = heading_of(doc.text, item.body_start, item.end)
    doc.layers["outline"] = items


def outline_text(doc: Document) -> str:
    """`doc.body`, with the short numbered lines it blanked as navigation restored (第一章 总则, ①…)."""
    out: list[str] = []
    pos = 0
    for line in doc.body.splitlines(keepends=True):
        original = doc.text[pos : pos + len(line)]
        at = pos + len(original) - len(original.lstrip())
        blanked = not line.strip() and original.strip()
        out.append(original if blanked and line_marker(doc.text, at, _orig_char(doc, at)) else line)
        pos += len(line)
    return "".join(out)


def _orig_char(doc: Document, pos: int) -> str:
    return doc.original[doc.offsets[pos]] if pos < len(doc.offsets) else ""
