"""The genre's knowledge as data: word lists and patterns, each with an example, in `lexicon/*.tsv`.

Like spaCy's SpanRuler patterns or Duckling's rules and corpus, what the extractors know of how
Chinese policy documents are written (heading markers, duty labels, cue words, giving verbs, cap /
per / floor / goal words, units, boilerplate lines) lives in tab-separated files, not in regexes
scattered through the code. One row an entry:

| column | meaning |
| --- | --- |
| `entry` | the word, or a regular expression when `kind` is `regex` |
| `kind` | `word` (matched literally) or `regex` |
| `value` | what the entry means to the component that reads it: a group (`lead`), a type id, a weight… |
| `example` | a piece of real-looking text the entry must match (checked by tests/test_lexicon.py) |
| `note` | why the entry is there, where that is not obvious |

Lines starting with `#` are comments. A component asks for one file by name and, where the file
groups its entries, for one `value`: `lexicon("duty_labels").alternation("lead")`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

COLUMNS = ("entry", "kind", "value", "example", "note")
KINDS = ("word", "regex")


class LexiconError(ValueError):
    """A lexicon file that cannot be used: names the file, the line and the problem."""


@dataclass(frozen=True)
class Entry:
    entry: str
    kind: str
    value: str
    example: str
    note: str
    line: int  # in its file, for error messages

    @property
    def pattern(self) -> str:
        """The entry as regex source."""
        return self.entry if self.kind == "regex" else re.escape(self.entry)

    def matches_example(self) -> bool:
        return re.search(self.pattern, self.example) is not None


@dataclass(frozen=True)
class Lexicon:
    name: str
    entries: tuple[Entry, ...]

    def select(self, value: str | tuple[str, ...] | None = None) -> tuple[Entry, ...]:
        """The entries of one `value` (or of any of several), in file order; all with None."""
        if value is None:
            return self.entries
        values = (value,) if isinstance(value, str) else value
        return tuple(e for e in self.entries if e.value in values)

    def words(self, value: str | None = None) -> tuple[str, ...]:
        """The entries (of one `value`), in file order."""
        return tuple(e.entry for e in self.select(value))

    def values(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.value for e in self.entries))

    def mapping(self) -> dict[str, str]:
        """entry → value."""
        return {e.entry: e.value for e in self.entries}

    def alternation(self, value: str | tuple[str, ...] | None = None) -> str:
        """Regex source matching any entry (of `value`): literal words longest first, so the
        longest word wins (千万元 before 万元); regex entries keep their file order, after them."""
        chosen = self.select(value)
        if not chosen:
            raise LexiconError(f"lexicon/{self.name}.tsv: no entry with value {value!r}")
        words = sorted((e for e in chosen if e.kind == "word"), key=lambda e: -len(e.entry))
        patterns = [e for e in chosen if e.kind == "regex"]
        return "(?:" + "|".join(e.pattern for e in [*words, *patterns]) + ")"

    def compile(self, value: str | None = None, flags: int = 0) -> re.Pattern[str]:
        return re.compile(self.alternation(value), flags)


@cache
def lexicon(name: str) -> Lexicon:
    """The lexicon file `extract/lexicon/{name}.tsv`, loaded and checked once."""
    resource = resources.files("extract").joinpath(f"lexicon/{name}.tsv")
    try:
        text = resource.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LexiconError(f"lexicon/{name}.tsv: no such lexicon file") from None
    return Lexicon(name, tuple(_parse(name, text)))


def _parse(name: str, text: str) -> list[Entry]:
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line and not line.startswith("#")]
    if not lines:
        raise LexiconError(f"lexicon/{name}.tsv: empty")
    header_line, *rows = lines
    header = tuple(header_line[1].split("\t"))
    if header != COLUMNS:
        raise LexiconError(f"lexicon/{name}.tsv:{header_line[0]}: header must be {' '.join(COLUMNS)}, not {header}")
    entries = []
    for number, row in rows:
        fields = next(csv.reader([row], delimiter="\t", quoting=csv.QUOTE_NONE))
        if len(fields) != len(COLUMNS):
            raise LexiconError(f"lexicon/{name}.tsv:{number}: {len(fields)} fields, expected {len(COLUMNS)}")
        entry = Entry(*fields, line=number)  # type: ignore[arg-type]
        if entry.kind not in KINDS:
            raise LexiconError(f"lexicon/{name}.tsv:{number}: kind must be one of {KINDS}, not {entry.kind!r}")
        if not entry.entry:
            raise LexiconError(f"lexicon/{name}.tsv:{number}: empty entry")
        if entry.kind == "regex":
            try:
                re.compile(entry.entry)
            except re.error as error:
                raise LexiconError(f"lexicon/{name}.tsv:{number}: bad regex {entry.entry!r}: {error}") from None
        entries.append(entry)
    return entries


def lexicon_names() -> list[str]:
    """Every lexicon file shipped, by name."""
    folder = resources.files("extract").joinpath("lexicon")
    return sorted(p.name[: -len(".tsv")] for p in folder.iterdir() if p.name.endswith(".tsv"))
