"""Public-endpoint safety, checked before a query reaches the engine.

The endpoint is read-only and never fetches anything: SPARQL Update, SERVICE (which Oxigraph would
really call over HTTP) and FROM / FROM NAMED naming a graph this store does not hold are refused.
Keywords are found with a small tokenizer that skips comments, string literals and <IRIs>, so a
keyword inside a string or an IRI does not trip it. It must never take for a string, an IRI or a
comment what the parser reads as code: a `#` escaped in a prefixed name (`ex:a\\#b`) does not
start a comment.

Oxigraph's parser is a PEG: it matches a keyword as the *prefix* of a longer word (`SERVICEex:` is
`SERVICE ex:` to it). So SERVICE and FROM are searched at the start of every letter run of a bare
word or of a prefix name, not just as whole tokens; local names (`schema:Service`) are safe, since
the parser reads a prefixed name to its end.

The guard is a fast, friendly 403, never the only barrier: no tokenizer can be sure to read a query
as the engine does (the engine's parser reads `FILTER(?a<?b)SERVICE#>` as a comparison, a
tokenizer following the grammar's terminals as an IRI). The guarantee that nothing is fetched
comes from the operating system (sandbox.py). Two things narrow the gap here: an IRI whose content
reads like an expression (`<?b)SERVICE#>`) is also scanned as code; and where the workers could not
be isolated, `refuse_service_text` refuses any text that spells "service" at all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urljoin

from .errors import QueryRejected, QueryTooLarge
from .formats import QUERY_FORM_KINDS

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
FORBIDDEN = 403

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>
        \"\"\"(?:(?:\"|\"\")?(?:[^\"\\]|\\.))*\"\"\"
      | '''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
      | "(?:[^"\\\n\r]|\\.)*"
      | '(?:[^'\\\n\r]|\\.)*'
    )
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<name>(?:[\w:%]|\\\S)(?:[\w.\-:%]|\\\S)*)   # keyword, prefixed name (ex:a\#b), number, _:b
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


# A keyword the parser could read at the start of a letter run (see the module docstring).
_GLUED_KEYWORD = re.compile(r"(?<![A-Za-z])(SERVICE|FROM)", re.IGNORECASE)


# An IRI token the engine may read as `<` followed by code: it holds a closing parenthesis, or
# starts like an operand (a variable, a number, a string, a bracket, a call).
_EXPRESSION_LIKE_IRI = re.compile(r"^<(?:[?$\d(\[+\-!]|[^>]*\))")
# Any spelling of the keyword, for workers without network isolation: SPARQL keywords are ASCII,
# but the text is folded (NFKC, case) and \u escapes are decoded first, to err on the safe side.
_SERVICE_TEXT = re.compile(r"service")
_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class Token(NamedTuple):
    kind: str
    text: str

    @property
    def keyword(self) -> str | None:
        """The upper-cased word if this token can only be a keyword (no prefix colon)."""
        return self.text.upper() if self.kind == "name" and ":" not in self.text else None

    def may_start(self) -> str | None:
        """SERVICE or FROM if a PEG parser could read it at the start of this token or of one of
        its letter runs (`1.SERVICE`, `SERVICEex:`); the local part of a prefixed name cannot."""
        if self.kind != "name":
            return None
        match = _GLUED_KEYWORD.search(self.text.split(":", 1)[0])
        return match.group(1).upper() if match else None


@dataclass(frozen=True)
class QueryInfo:
    form: str | None  # SELECT, ASK, CONSTRUCT or DESCRIBE; None if the parser will refuse it anyway
    prefixes: dict[str, str]  # from PREFIX declarations, for Turtle output (shared: do not change)
    dataset: tuple[str, ...]  # IRIs of FROM / FROM NAMED


def tokenize(query: str) -> list[Token]:
    return [Token(m.lastgroup, m.group()) for m in _TOKEN.finditer(query) if m.lastgroup not in ("space", "comment")]


def check_query(
    query: str, *, max_chars: int, local_graphs: frozenset[str] = frozenset(), refuse_service_text: bool = False
) -> QueryInfo:
    """Refuse what a public endpoint must not run; return what the endpoint needs to know.

    `refuse_service_text`: refuse every query whose text spells "service" anywhere (in a comment,
    a string, an IRI), for workers that run with network access. Raises QueryTooLarge or
    QueryRejected (403 for what is forbidden, 400 for what is malformed).
    """
    if len(query) > max_chars:
        raise QueryTooLarge(f"query is {len(query)} characters long; this endpoint accepts at most {max_chars}")
    if not query.strip():
        raise QueryRejected("empty query")
    if refuse_service_text and spells_service(query):
        raise QueryRejected(
            "SERVICE: this endpoint cannot isolate its query engine from the network on this server, so it "
            'refuses any query whose text contains "service" (even in a comment, string or IRI)',
            FORBIDDEN,
        )
    return _check(query, local_graphs)


def spells_service(query: str) -> bool:
    """Whether `query`, folded and with codepoint escapes decoded, contains "service" anywhere."""
    decoded = _CODEPOINT_ESCAPE.sub(lambda m: _codepoint(m.group(1) or m.group(2)), query)
    return any(_SERVICE_TEXT.search(unicodedata.normalize("NFKC", text).casefold()) for text in (query, decoded))


def _codepoint(hex_digits: str) -> str:
    value = int(hex_digits, 16)
    return chr(value) if value <= 0x10FFFF else ""


@lru_cache(maxsize=512)
def _check(query: str, local_graphs: frozenset[str]) -> QueryInfo:
    """Cached: dashboards and scripts send the same queries again and again."""
    tokens = tokenize(query)
    form: str | None = None
    prefixes: dict[str, str] = {}
    dataset: list[str] = []
    base = ""
    position = 0
    # Prologue: BASE and PREFIX declarations, then the query form.
    while position < len(tokens):
        word = tokens[position].keyword
        if word == "BASE" and _kind_at(tokens, position + 1) == "iri":
            base = _resolve(base, tokens[position + 1].text[1:-1])
            position += 2
        elif word == "PREFIX" and _kind_at(tokens, position + 2) == "iri":
            prefix = tokens[position + 1].text.rstrip(":")
            prefixes[prefix] = _resolve(base, tokens[position + 2].text[1:-1])
            position += 3
        else:
            break
    if position < len(tokens):
        word = tokens[position].keyword
        if word in QUERY_FORM_KINDS:
            form = word
    for index, token in enumerate(tokens):
        word = token.keyword
        if word in UPDATE_KEYWORDS:
            raise QueryRejected(f"{word}: this endpoint is read-only, SPARQL Update is not accepted", FORBIDDEN)
        glued = token.may_start()
        if token.kind == "iri" and _EXPRESSION_LIKE_IRI.match(token.text):
            glued = next((t.may_start() for t in tokenize(token.text[1:-1]) if t.may_start() == "SERVICE"), None)
        if glued == "SERVICE":
            raise QueryRejected("SERVICE: this endpoint does not run federated queries or fetch remote data",
                                FORBIDDEN)
        if glued == "FROM":
            dataset.append(_dataset_iri(tokens, index, base, prefixes))
    foreign = [iri for iri in dataset if iri not in local_graphs]
    if foreign:
        raise QueryRejected(
            f"FROM <{foreign[0]}>: this endpoint only queries its own graph and never fetches others; "
            "drop the FROM / FROM NAMED clause", FORBIDDEN)
    return QueryInfo(form, prefixes, tuple(dataset))


def check_dataset_parameters(iris: list[str], local_graphs: frozenset[str] = frozenset()) -> None:
    """The protocol's default-graph-uri / named-graph-uri parameters are FROM / FROM NAMED by another name."""
    for iri in iris:
        if iri not in local_graphs:
            raise QueryRejected(f"graph <{iri}> is not held by this endpoint, which never fetches others",
                                FORBIDDEN)


def _resolve(base: str, iri: str) -> str:
    """An IRI of the query made absolute against BASE (urljoin alone drops an empty `#`)."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", iri) or not base:
        return iri
    resolved = urljoin(base, iri)
    return resolved + "#" if iri.endswith("#") and not resolved.endswith("#") else resolved


def _kind_at(tokens: list[Token], index: int) -> str | None:
    return tokens[index].kind if index < len(tokens) else None


def _dataset_iri(tokens: list[Token], index: int, base: str, prefixes: dict[str, str]) -> str:
    """The graph a FROM [NAMED] names, resolved; anything unusual counts as foreign."""
    if tokens[index].keyword != "FROM":
        return tokens[index].text  # glued like `FROMex:g`: never a local graph
    target = index + 1
    if target < len(tokens) and tokens[target].keyword == "NAMED":
        target += 1
    if target >= len(tokens):
        return ""
    token = tokens[target]
    if token.kind == "iri":
        return _resolve(base, token.text[1:-1])
    prefix, colon, local = token.text.partition(":")
    if token.kind == "name" and colon and prefix in prefixes:
        return prefixes[prefix] + local
    return token.text
