"""The duties component: responsibility lists (牵头单位 / 责任单位 …), the government bodies they
name, and the one canonical name of each body in this document.

A list is a label, a colon and names split by 、 , ; and sometimes 和/与/及. Lists drop the
city prefix after the first name (`市发展改革委、经济和信息化委`), so the prefix the list opened
with is restored on bare names; names of districts, zones and vertical bodies keep their form.
On scrambled pages the brackets and separators are noise, so a list there ends at the first
token that is not shaped like a body's name.

Lists also come without a label's colon (责任单位 市科技局), as a table's duty column (one cell per
line, or one row per line), as an unlabelled bracket closing a paragraph (〔县农业局、水利局按职责
分工负责〕) or holding role words ((市科技局牵头,市财政局配合)); documents with none state duties in
prose (由丙街道经发办负责兑现). Bodies of any level count: 市 区 县 镇 乡 街道, zones' 管委会.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from .document import Document
from .language import component
from .lexicon import Lexicon, lexicon
from .spans import ResponsibilityList

_HAN = r"\u4e00-\u9fff"


def tagged(name: str, reader: str) -> str:
    """Regex source of the entries of lexicon `name` whose value lists `reader`, longest first."""
    return Lexicon(name, tuple(e for e in lexicon(name).entries if reader in e.value.split())).alternation()


def suffixes(reader: str) -> str:
    """Regex source of the name endings one reader takes (lexicon/agency_suffixes.tsv)."""
    return tagged("agency_suffixes", reader)


# the labels of responsibility lists (lexicon/duty_labels.tsv); this component alone reads them
_LABELS = lexicon("duty_labels")
LEAD_LABELS = frozenset(_LABELS.words("lead"))
# a PDF page may break a label with a space or a line break (责任单 位): one is allowed between any
# two of its characters; `label_word` maps the printed label back to its entry
_LABEL = re.compile(
    "|".join(r"[ \t\u3000\n]?".join(map(re.escape, word)) for word in sorted(_LABELS.words(), key=len, reverse=True))
)
_LABEL_GAP = re.compile(r"[ \t\u3000\n]")


def label_word(printed: str) -> str:
    """责任单 位 → 责任单位."""
    return _LABEL_GAP.sub("", printed)


# what may follow a label: a colon (clean pages) or any punctuation/space (scrambled pages)
_AFTER_LABEL_CLEAN = re.compile(r"\s*[:】\]]\s*")
_AFTER_LABEL_SCRAMBLED = re.compile(r"[\s:,、。.;】\]]+")
_OPEN, _CLOSE = "(〔[【", ")〕]】"
_SEPARATORS_CLEAN = set("、,;/ \t\u3000")
_SEPARATORS_SCRAMBLED = _SEPARATORS_CLEAN | set("。.:")
# 和/与/及 split two names only where the left part is already a whole name (市委宣传部和市科协),
# never inside one (市经济和信息化委, 市海洋与渔业局)
_CONJUNCTION = re.compile(tagged("structure_name_joiners", "names"))
_BODY_SUFFIX = re.compile(rf"{suffixes('name')}$")
_LOOSE_SUFFIX = re.compile(rf"(?:{suffixes('name')}|{suffixes('loose')})$")
# a clause that starts like this is prose, not a name (scrambled pages run lists into prose)
_PROSE_START = re.compile(rf"^{lexicon('structure_prose_starts').alternation()}")
_TRAILING_ETC = re.compile(r"等(?:有关|相关)?(?:部门|单位|机构)?$")
# a role word closing a clause of names: (市科技局牵头,市财政局、市教育局配合)
_ROLES = lexicon("structure_duty_roles")
_ROLE_WORDS = Lexicon(_ROLES.name, tuple(e for e in _ROLES.entries if e.value != "adverb")).alternation()
# the role word may follow adverbs: 县农业局按职责分工负责, 县水利局具体负责
_ROLE = re.compile(rf"{_ROLES.alternation('adverb')}*(?P<role>{_ROLE_WORDS})$")
_LEAD_ROLES = frozenset(_ROLES.words("lead"))
# an unlabelled bracket of names with role words: (市科技局牵头,市财政局配合), 〔由区科技局牵头〕
_ROLE_BRACKET = re.compile(rf"[(〔【]由?([^()〔〕【】\n]{{3,200}}?{_ROLE_WORDS})[)〕】]")
# 〔含国家级开发区、综保区、南海新区,下同〕: a definition inside a name, not part of it
_NOTE = re.compile(r"[(〔](?:含|包括)[^()〔〕]*[)〕]|[(〔][^()〔〕]*下同[)〕]")
# a place name before 市/区/县 (海城市, 环翠区政府, 高新区, 南海新区管委): such bodies keep their form
_PLACE_START = re.compile(rf"^[{_HAN}]{{2,5}}?(?:市|区|县|旗|州|镇|乡|街道)")
# 高新区、经开区管委会: a bare zone before a zone's office shares the office
_BARE_ZONE = re.compile(rf"[{_HAN}]{{1,6}}?(?:新区|区|县|市|镇|乡|街道)")
_ZONE_OFFICES = ("管委会", "管委", "人民政府", "政府", "办事处")
_ZONE_OFFICE = re.compile(rf"[{_HAN}]{{1,6}}?(?:新区|区|县|市|镇|乡|街道)({'|'.join(_ZONE_OFFICES)})")
# the level a name opens with, which bare names after it in a list share (镇经济发展办、财政所)
_LEVEL_PREFIX = re.compile(r"^(?:市(?!场)|县|区|省|镇|乡(?!村)|街道)")
_COLLECTIVE = lexicon("collective_agencies").compile()
# zone types that are plural in a city: after 各县区政府 they share its 各 (各县区政府、经济区管委会)
_ZONES = lexicon("structure_generic_zones")
_GENERIC_ZONE = re.compile(rf"^{_ZONES.alternation('zone')}{_ZONES.alternation('office')}?$")
_DATE_AHEAD = re.compile(r"[\s,.。、]*(?:\d{4}\s*年|\d{4}[-./]\d|[〇○零一二三四五六七八九]{4}年)")


def is_collective(name: str) -> bool:
    return bool(_COLLECTIVE.search(name))


def clean_name(token: str) -> str:
    token = _NOTE.sub("", token.strip(" \t\u3000,、;:。."))
    token = _TRAILING_ETC.sub("", token)
    return token.strip()


def _split_top(text: str, separators: set[str]) -> list[tuple[int, str]]:
    """Split on separators outside brackets; return (offset, token) pairs."""
    parts: list[tuple[int, str]] = []
    depth, begin = 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in separators:
            parts.append((begin, text[begin:i]))
            begin = i + 1
    parts.append((begin, text[begin:]))
    return [(o, t) for o, t in parts if t.strip()]


# 各区、市人民政府 / 各市、区科技局: the 各 and its level words share the body named after them
_SHARED_LEVELS = re.compile(r"^\s*各(?:[区市县旗州]|县级|乡镇|街道|[(][市区县][)]){1,3}\s*$")


def _join_shared_levels(text: str, parts: list[tuple[int, str]]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for offset, token in parts:
        if out and _SHARED_LEVELS.match(out[-1][1]):
            prev_offset, prev = out[-1]
            if text[prev_offset + len(prev) : offset] == "、":
                out[-1] = (prev_offset, text[prev_offset : offset + len(token)])
                continue
        out.append((offset, token))
    return out


def _split_conjunctions(token: str) -> list[str]:
    for m in _CONJUNCTION.finditer(token):
        left, right = token[: m.start()], token[m.end() :]
        if _BODY_SUFFIX.search(left) and len(right) >= 2 and len(left) >= 2:
            return [left, *_split_conjunctions(right)]
    return [token]


_GLUE = re.compile(rf"(?:管委会|人民政府|[区县市]政府)(?!办)(?=[{_HAN}]{{2}})")
# what opens the second of two glued names: a level, 各, or a place (高新区管委会); an office of the
# government itself (市政府金融办, 区政府督查室) opens with none of these and stays one name
_SECOND_NAME = re.compile(rf"(?:市|区|县|省|镇|乡|街道|各|中共)|[{_HAN}]{{2,5}}?(?:市|区|县|旗|州|镇|乡|街道)")


def _split_glued(token: str) -> list[str]:
    """金普新区管委会高新区管委会 → two names: 管委会 and 政府 end a name."""
    parts, begin = [], 0
    for m in _GLUE.finditer(token):
        if not _SECOND_NAME.match(token, m.end()):
            continue
        parts.append(token[begin : m.end()])
        begin = m.end()
    parts.append(token[begin:])
    return [p for p in parts if p]


def restore_prefix(names: list[str], city: str | None = None, prefix: str = "") -> list[str]:
    """Give bare names the level prefix the list opened with (市发展改革委、财政局 → 市财政局);
    `prefix` is the one in force before the list (the 牵头单位 part, or the document's usual one)."""
    out: list[str] = []
    for name in names:
        m = _LEVEL_PREFIX.match(name)
        if m:
            prefix = m.group(0)
        elif prefix and _needs_prefix(name, city):
            name = prefix + name
        out.append(name)
    return out


def _needs_prefix(name: str, city: str | None) -> bool:
    if is_collective(name) or _PLACE_START.match(name) or name.endswith(("管委会", "管委", "政府")):
        return False
    if city and city in name:
        return False
    head = name[:4].replace("城市", "").replace("市场", "")
    return "市" not in head and not name.startswith(("中共", "省", "国家"))


_NAME_CHARS = re.compile(rf"[{_HAN}0-9A-Za-z()〔〕]+")
_COLLECTIVE_NAME_CHARS = re.compile(rf"[{_HAN}0-9A-Za-z()〔〕、]+")  # 各区、市人民政府 is one (collective) name
_END_NOTE = re.compile(r"[(〔][^()〔〕]*[)〕]$")


def _looks_like_body(name: str, scrambled: bool) -> bool:
    if not 2 <= len(name) <= 30 or _PROSE_START.match(name):
        return False
    if not (_COLLECTIVE_NAME_CHARS if name.startswith("各") else _NAME_CHARS).fullmatch(name):
        return False
    bare = _END_NOTE.sub("", name)  # 各区市政府〔管委〕
    return bool((_BODY_SUFFIX if scrambled else _LOOSE_SUFFIX).search(bare))


@dataclass
class ParsedNames:
    names: list[str]
    used: int  # characters of the text the list took
    shared: set[str] = field(default_factory=set)  # generic zones sharing a preceding 各
    lead: set[str] = field(default_factory=set)  # names a clause marks 牵头 (市科技局牵头,…配合)


def parse_names(
    text: str, scrambled: bool = False, city: str | None = None, prefix: str = "", strict: bool | None = None
) -> ParsedNames:
    """The names of one list body. `strict` (scrambled pages, unlabelled brackets) stops the list
    at the first token that is not shaped like a body's name."""
    strict = scrambled if strict is None else strict
    names, used, shared, lead = _parse_bare(text, scrambled, strict)
    restored = restore_prefix(list(names), city, prefix)
    return ParsedNames(restored, used, set(shared), {restored[i] for i in lead})


# find_lists reads a text twice (the second time with the document's usual prefix), and a list
# body's names before their prefix is restored depend on nothing else: parsed once, kept
@lru_cache(maxsize=4096)
def _parse_bare(
    text: str, scrambled: bool, strict: bool
) -> tuple[tuple[str, ...], int, frozenset[str], tuple[int, ...]]:
    separators = _SEPARATORS_SCRAMBLED if scrambled else _SEPARATORS_CLEAN
    names: list[str] = []
    lead: list[int] = []  # indexes into names
    clause: list[int] = []  # names since the last , or ; (a role word ends a clause: 甲、乙牵头)
    used = 0
    for offset, raw in _join_shared_levels(text, _split_top(text, separators)):
        piece = raw.strip()
        role = _ROLE.search(piece)
        if role:
            piece = piece[: role.start()]
        token_names: list[str] = []
        for part in _split_conjunctions(piece):
            token_names.extend(_split_glued(part))
        cleaned = [clean_name(t) for t in token_names]
        after = offset + len(raw)
        if strict and (
            not cleaned or not all(_looks_like_body(c, True) for c in cleaned) or _DATE_AHEAD.match(text, after)
        ):
            break  # the list ran into prose or into the signature
        for name in cleaned:
            if name and _looks_like_body(name, strict):
                clause.append(len(names))
                names.append(name)
        if role and role.group("role") in _LEAD_ROLES:
            lead.extend(clause)
        if role or text[after : after + 1] in (",", ";"):
            clause = []
        used = offset + len(raw)
    # 各县区政府、经济区管委会: a generic zone right after a 各 name shares its 各
    shared = {b for a, b in zip(names, names[1:], strict=False) if a.startswith("各") and _GENERIC_ZONE.match(b)}
    for i in range(len(names) - 1):
        office = _ZONE_OFFICE.fullmatch(names[i + 1]) if names[i + 1].endswith(_ZONE_OFFICES) else None
        if office and _BARE_ZONE.fullmatch(names[i]) and not _BODY_SUFFIX.search(names[i]):
            names[i] += office.group(1)
    return tuple(names), used, frozenset(shared), tuple(lead)


def level_prefix(names: list[str]) -> str:
    return _prefix_of(names[-1] if names else None)


def _prefix_of(name: str | None) -> str:
    m = _LEVEL_PREFIX.match(name) if name else None
    return m.group(0) if m else ""


def _clean_extent(text: str, start: int, limit: int) -> int:
    """End of a clean list: its closing bracket, the line end or a full stop; `limit` if none
    comes before it (the next label: reading on from every label to the line's end was quadratic
    on a line of labels)."""
    depth = 0
    for i in range(start, limit):
        ch = text[i]
        if ch in "(〔[【":
            depth += 1
        elif ch in ")〕]】":
            if depth == 0:
                return i
            depth -= 1
        elif ch in "\n。" and depth == 0:
            return i
    return limit


def find_lists(text: str, scrambled: bool = False, city: str | None = None) -> list[ResponsibilityList]:
    """Every responsibility list in `text` (normalised body), in order."""
    found = _find(text, scrambled, city, "")
    # a list that opens with a district or 各… name still drops the document's usual prefix
    prefixes = Counter(m.group(0) for lst in found for n in lst.names if (m := _LEVEL_PREFIX.match(n)))
    usual = prefixes.most_common(1)[0][0] if prefixes else ""
    return _find(text, scrambled, city, usual) if usual else found


def _find(text: str, scrambled: bool, city: str | None, usual: str) -> list[ResponsibilityList]:
    lists: list[ResponsibilityList] = []
    labels = list(_LABEL.finditer(text))
    current: ResponsibilityList | None = None
    for i, m in enumerate(labels):
        after = (_AFTER_LABEL_SCRAMBLED if scrambled else _AFTER_LABEL_CLEAN).match(text, m.end())
        next_label = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        strict = scrambled
        if not after and not scrambled:
            if _alone_on_its_line(text, m):
                # the head of a table's 责任单位 column, flattened one cell per line
                is_lead = label_word(m.group(0)) in LEAD_LABELS
                lists.extend(_column_cells(text, m.end(), next_label, city, usual, is_lead))
                current = None
                continue
            # no colon (责任单位 市科技局, 〔责任单位市科技局〕): only names right after it count
            after = _AFTER_LABEL_SPACE.match(text, m.end())
            strict = True
        if not after:
            continue
        begin = after.end()
        stop = next_label
        if not scrambled:
            stop = _clean_extent(text, begin, stop)
        # 牵头单位:…;责任单位:… in one parenthetical is one list with two parts
        joined = current is not None and text[current.end : m.start()].strip(" ,;、。.") == ""
        prefix = _prefix_of(current.last_name()) or usual if joined and current else usual
        parsed = parse_names(text[begin:stop], scrambled, city, prefix, strict=strict)
        if not parsed.names:
            continue
        end = begin + parsed.used
        if not scrambled and stop < len(text) and text[stop] in ")】]〕":
            end = stop + 1  # the list's closing bracket
        if not joined or current is None:
            opening = (
                m.start() - 1 if not scrambled and text[m.start() - 1 : m.start()] in ("(", "【", "[") else m.start()
            )
            current = ResponsibilityList(opening, end)
            lists.append(current)
        current.end = end
        current.shared |= parsed.shared
        is_lead = label_word(m.group(0)) in LEAD_LABELS
        current.lead.extend(n for n in parsed.names if is_lead or n in parsed.lead)
        current.others.extend(n for n in parsed.names if not (is_lead or n in parsed.lead))
    if not scrambled:
        lists.extend(_role_brackets(text, city, usual))
        taken = {lst.start for lst in lists}
        lists.extend(lst for lst in _closing_brackets(text, city, usual) if lst.start not in taken)
        if "\t" in text or "  " in text:
            taken = {lst.start for lst in lists}
            lists.extend(lst for lst in _table_rows(text, city, usual) if lst.start not in taken)
        lists.sort(key=lambda lst: lst.start)
    return lists


_AFTER_LABEL_SPACE = re.compile(r"[ \t\u3000]*")
# the date under a signature (2024年3月1日), not a deadline cell (2025年底)
_SIGNATURE_DATE = re.compile(
    r"\s*(?:\d{4}\s*年\s*\d{1,2}\s*月|\d{4}[-./]\d{1,2}[-./]\d|[〇○零一二三四五六七八九]{4}年)"
)


def _alone_on_its_line(text: str, label: re.Match[str]) -> bool:
    line_start = text.rfind("\n", 0, label.start()) + 1
    line_end = text.find("\n", label.end())
    line_end = len(text) if line_end < 0 else line_end
    return not text[line_start : label.start()].strip() and not text[label.end() : line_end].strip(" \t\u3000:")


def _column_cells(
    text: str, begin: int, stop: int, city: str | None, usual: str, is_lead: bool
) -> list[ResponsibilityList]:
    """The cells of a 责任单位 column flattened one per line: every line up to the next label that
    is made of names only (the other columns' cells, 序号 / 任务 / 时限, are not). A signature line
    above a date is not a cell."""
    out: list[ResponsibilityList] = []
    for line in _LINE.finditer(text, begin, stop):
        cell = line.group().rstrip()
        lead_space = len(cell) - len(cell.lstrip())
        if not cell.strip() or _SIGNATURE_DATE.match(text, line.end()):
            continue
        parsed = parse_names(cell, False, city, usual, strict=True)
        if parsed.names and parsed.used >= len(cell):
            lead = parsed.names if is_lead else [n for n in parsed.names if n in parsed.lead]
            others = [n for n in parsed.names if n not in lead]
            out.append(
                ResponsibilityList(line.start() + lead_space, line.start() + len(cell), lead, others, parsed.shared)
            )
    return out


# the cells of a table row kept on one line: tabs, or runs of two or more spaces
_CELL_GAP = re.compile(r"\t+|[ \u3000]{2,}")


def _table_rows(text: str, city: str | None, usual: str) -> list[ResponsibilityList]:
    """A table kept one row per line (序号  任务  责任单位  时限): under a header row with a duty
    label for a cell, the cell of that column in each following row with as many cells, until a
    row that has not."""
    out: list[ResponsibilityList] = []
    columns: dict[int, bool] = {}  # column → lead, of the table being read
    width = 0
    for line in _LINE.finditer(text):
        if not columns and not _LABEL.search(text, line.start(), line.end()):
            continue  # no table being read, and no header here
        cells = _cells(line)
        head = {i: label_word(c) in LEAD_LABELS for i, (_, c) in enumerate(cells) if _LABEL.fullmatch(c)}
        if len(cells) >= 2 and head:
            columns, width = head, len(cells)
            continue
        if not columns or len(cells) != width:
            columns = {}
            continue
        for column, is_lead in columns.items():
            offset, cell = cells[column]
            parsed = parse_names(cell, False, city, usual, strict=True)
            if parsed.names and parsed.used >= len(cell):
                lead = parsed.names if is_lead else [n for n in parsed.names if n in parsed.lead]
                others = [n for n in parsed.names if n not in lead]
                out.append(ResponsibilityList(offset, offset + len(cell), lead, others, parsed.shared))
    return out


def _cells(line: re.Match[str]) -> list[tuple[int, str]]:
    cells: list[tuple[int, str]] = []
    begin = line.start()
    for gap in [*_CELL_GAP.finditer(line.string, line.start(), line.end()), None]:
        end = gap.start() if gap else line.end()
        raw = line.string[begin:end]
        if raw.strip():
            cells.append((begin + len(raw) - len(raw.lstrip()), raw.strip()))
        begin = gap.end() if gap else end
    return cells


_BRACKET_PAIRS = {")": "(", "〕": "〔", "】": "【"}
_LINE = re.compile(r"[^\n]+")
_CLAUSE_END = re.compile(r"[;。]")
_BRACKET_CHAR = re.compile(f"[{re.escape(_OPEN + _CLOSE + ''.join(_BRACKET_PAIRS))}]")


def _closing_brackets(text: str, city: str | None, usual: str) -> list[ResponsibilityList]:
    """Lists printed without a label in a bracket that closes a paragraph, the way many plans
    name the bodies of each measure: 〔县农业局、水利局,各乡(镇、街道)人民政府按职责分工负责〕. The bracket
    may be cut off by the end of an excerpt (〔县委宣传部(网信办),县农业局、统计局). Its first
    clause must be names only (an optional role word closing it)."""
    out: list[ResponsibilityList] = []
    for line in _LINE.finditer(text):
        open_at = _closing_bracket_start(line.group().rstrip())
        if open_at < 0:
            continue
        start = line.start() + open_at
        body = line.group()[open_at + 1 :].rstrip().rstrip(")〕】")
        clause = _CLAUSE_END.split(body, maxsplit=1)[0]
        if not clause.strip() or _LABEL.search(body):
            continue
        parsed = parse_names(clause, False, city, usual, strict=True)
        if parsed.names and parsed.used >= len(clause.rstrip()):
            lead = [n for n in parsed.names if n in parsed.lead]
            others = [n for n in parsed.names if n not in parsed.lead]
            out.append(
                ResponsibilityList(start, line.start() + len(line.group().rstrip()), lead, others, parsed.shared)
            )
    return out


_CLOSERS = tuple(_BRACKET_PAIRS)
_OPEN_CHAR = re.compile(rf"[{re.escape(_OPEN)}]")


def _closing_bracket_start(line: str) -> int:
    """Offset of the bracket that closes `line` (its opening one), of the bracket left open at its
    end, or -1."""
    depth = 0
    closes = line.endswith(_CLOSERS)
    if not closes and not _OPEN_CHAR.search(line):
        return -1
    # only the brackets matter: walk them from the end, not every character
    for i in reversed([m.start() for m in _BRACKET_CHAR.finditer(line)]):
        ch = line[i]
        if ch in _BRACKET_PAIRS:
            depth += 1
        elif ch in _OPEN:
            depth -= 1
            if depth == 0 and closes:
                return i
            if depth < 0 and not closes:
                return i
        if closes and depth == 0:
            return -1
    return -1


def _role_brackets(text: str, city: str | None, usual: str) -> list[ResponsibilityList]:
    """Lists printed without a label: (市科技局牵头,市财政局配合), (市人社局负责)."""
    out: list[ResponsibilityList] = []
    for m in _ROLE_BRACKET.finditer(text):
        content = m.group(1)
        if _LABEL.search(content):
            continue
        parsed = parse_names(content, False, city, usual, strict=True)
        if parsed.names and parsed.used >= len(content.rstrip()):
            lead = [n for n in parsed.names if n in parsed.lead]
            out.append(ResponsibilityList(m.start(), m.end(), lead, [n for n in parsed.names if n not in parsed.lead]))
    return out


# A duty stated in prose, the way 管理办法 and short notices assign work: 市科技局负责…;
# 由市科技局会同市财政局负责解释; 市人社局牵头…; 由丙街道经发办负责兑现. Only bodies that open
# with a level (市 区 县 省 镇 乡 街道) or a short place name ending in one (高新区管委会, 丙街道经发办,
# 东城镇经济发展办), as subjects.
_PROSE_LEVEL = "(?:市|区|县|省|镇|乡|街道)"
_PROSE_PLACE = rf"(?:(?![由的对向])[{_HAN}]){{1,4}}?(?:街道|镇|乡|新区|区|县|市)"  # 本办法由区… is no place
_PROSE_BODY = rf"(?:{_PROSE_LEVEL}[{_HAN}]{{1,12}}?|{_PROSE_PLACE}[{_HAN}]{{0,8}}?){suffixes('prose')}"
# At most _PROSE_MAX_NAMES names: the regex tries each 市 of a long list as a start, and with an
# unbounded list each try read to the list's end (6,000 names took 9 s); no sentence has more.
_PROSE_MAX_NAMES = 20
# a sentence's subject leads (牵头) or is responsible (负责); 配合 and 落实 in prose are common verbs
_PROSE_JOINER = tagged("structure_name_joiners", "prose")
_PROSE_ROLE = "|".join((*_ROLES.words("lead"), *_ROLES.words("responsible")))
_PROSE_DUTY = re.compile(
    rf"(?:^|(?<=[\s,;:。、.)])|(?<=由))(?P<names>{_PROSE_BODY}(?:{_PROSE_JOINER}{_PROSE_BODY}){{0,{_PROSE_MAX_NAMES - 1}}})"
    rf"{_ROLES.alternation('adverb')}?(?P<role>{_PROSE_ROLE})"
)
_PROSE_JOIN = re.compile(_PROSE_JOINER)
# 本市科技局 / 我区财政局 is the level's own body (市科技局); 全市… names none (lexicon/agency_deictic.tsv)
_DEICTIC = lexicon("agency_deictic")
_DEICTIC_HERE = re.compile(rf"^{_DEICTIC.alternation('here')}(?={_PROSE_LEVEL})")
_DEICTIC_NONE = re.compile(rf"^{_DEICTIC.alternation('none')}{_PROSE_LEVEL}")


def find_prose_duties(text: str, city: str | None = None) -> list[ResponsibilityList]:
    """Duties a text assigns in sentences, for documents without responsibility lists."""
    out: list[ResponsibilityList] = []
    for m in _PROSE_DUTY.finditer(text):
        names: list[str] = []
        for piece in _PROSE_JOIN.split(m.group("names")):
            name = _DEICTIC_HERE.sub("", clean_name(piece))
            if _DEICTIC_NONE.match(name) or _GENERIC_ZONE.match(name):
                continue  # 全市科技局; 园区管委会 is whichever zone's, no one body
            if name and _looks_like_body(name, True) and not is_collective(name):
                names.append(name)
        if not names:
            continue
        lead = names if m.group("role") in _LEAD_ROLES else []
        others = [] if lead else names
        out.append(ResponsibilityList(m.start("names"), m.end("names"), lead, others, prose=True))
    return out


@component("duties", requires=("city_hint",), assigns=("duty_lists", "canonical_names"))
def duties_component(doc: Document) -> None:
    """The responsibility lists, and surface form → the canonical name of its body, which the
    measures and the agencies both show."""
    city = doc.layers["city_hint"]
    lists = find_lists(doc.body, doc.scrambled, city)
    if not lists and not doc.scrambled:
        # no 责任单位 lists at all (管理办法, short notices): the duties the sentences assign
        lists = find_prose_duties(doc.body, city)
    doc.layers["duty_lists"] = lists
    doc.layers["canonical_names"] = canonical_names([n for lst in lists for n in lst.lead + lst.others], city)


# (long form, short form) of words inside body names, applied in the lexicon's order
_ABBREVIATIONS: list[tuple[str, str]] = [(e.entry, e.value) for e in lexicon("agency_abbreviations").entries]
_TRAILING_GUANWEI = re.compile(r"管委$")


_KEY_NOTE = re.compile(r"[〔(][^〔〕()]*[〕)]")
_KEY_AND = re.compile(r"(?<=[\u4e00-\u9fff])[和与及](?=[\u4e00-\u9fff])")


def agency_key(name: str, city: str | None = None) -> str:
    """The key under which all forms of one body meet: 市发改委, 市发展和改革委员会 → 市发展改革委."""
    key = name
    if city and key.startswith(city + "市"):
        key = key[len(city) :]
    key = _KEY_NOTE.sub("", key)
    for long, short in _ABBREVIATIONS:
        key = key.replace(long, short)
    key = _TRAILING_GUANWEI.sub("管委会", key)
    return _KEY_AND.sub("", key)


def canonical_names(surfaces: list[str], city: str | None = None) -> dict[str, str]:
    """surface form → the form the document uses most for that body (ties: the first seen)."""
    counts = Counter(surfaces)
    first = {s: i for i, s in reversed(list(enumerate(surfaces)))}
    groups: dict[str, list[str]] = {}
    for surface in counts:
        groups.setdefault(agency_key(surface, city), []).append(surface)
    out: dict[str, str] = {}
    for forms in groups.values():
        best = max(forms, key=lambda f: (counts[f], -first[f]))
        out.update(dict.fromkeys(forms, best))
    return out
