"""The analyst's questions as named SPARQL files (graph/queries/*.rq), and their parameters.

Each file runs as it is (through /sparql, or any SPARQL 1.1 store): every parameter has a default
in one-line `VALUES ?name { … }` blocks (one in each subquery that needs it), declared in the header:

    # title: Compare one instrument type across cities
    # question: …
    # parameter ?type: the instrument-type concept

`Question.bind(typeId=Literal(…))` replaces those blocks' content with the given term (or terms,
for a list), written by Oxigraph's own serialiser (`str()` of a pyoxigraph term: quotes,
backslashes and newlines escaped, IRIs validated when the NamedNode is made), or with UNDEF for
None: a value typed by an analyst never becomes query syntax. The result is plain query text, so it runs the same on a local store,
on a remote one and through /sparql. (pyoxigraph's `Store.query(substitutions=…)` would bind
variables too, but only in process; a GraphSource takes text.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pyoxigraph import Literal, NamedNode

Term = NamedNode | Literal

_PARAMETER = re.compile(r"^# parameter \?(\w+):", re.MULTILINE)


def _values_block(name: str) -> re.Pattern[str]:
    return re.compile(rf"VALUES \?{name} \{{[^{{}}\n]*\}}")


@dataclass(frozen=True)
class Question:
    name: str  # file stem, e.g. "compare"
    title: str
    question: str
    text: str
    parameters: tuple[str, ...]

    def bind(self, **terms: Term | Sequence[Term] | None) -> str:
        """The query text with each given parameter bound to a term, or to any of a list of terms
        (None: left free, UNDEF)."""
        unknown = set(terms) - set(self.parameters)
        if unknown:
            raise TypeError(f"{self.name}.rq has no parameter {', '.join(sorted(unknown))}")
        text = self.text
        for name, term in terms.items():
            if term is None:
                value = "UNDEF"
            elif isinstance(term, NamedNode | Literal):
                value = str(term)
            else:
                value = " ".join(str(t) for t in term)  # an empty list: no solution
            text = _values_block(name).sub(lambda _m, n=name, v=value: f"VALUES ?{n} {{ {v} }}", text)
        return text


def read_header(text: str) -> dict[str, str]:
    """The `# title:` and `# question:` lines that open a query file (the example queries of
    /sparql open the same way)."""
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, colon, value = line.lstrip("# ").partition(":")
        if colon and key.strip() in ("title", "question"):
            header[key.strip()] = value.strip()
    return header


def parse_question(name: str, text: str) -> Question:
    header = read_header(text)
    parameters = tuple(_PARAMETER.findall(text))
    for parameter in parameters:
        if not _values_block(parameter).search(text):
            raise ValueError(f"{name}.rq: parameter ?{parameter} has no one-line `VALUES ?{parameter} {{ … }}`")
    return Question(name, header.get("title", name), header.get("question", ""), text, parameters)


@cache
def question(name: str) -> Question:
    """graph/queries/NAME.rq, parsed once."""
    text = resources.files("graph").joinpath("queries", f"{name}.rq").read_text(encoding="utf-8")
    return parse_question(name, text)


def question_names() -> list[str]:
    folder = resources.files("graph").joinpath("queries")
    return sorted(f.name.removesuffix(".rq") for f in folder.iterdir() if f.name.endswith(".rq"))
