"""The example queries: `queries/*.rq` in this package, each opened by a `# title:` and a
`# question:` comment. They are package data, so an installed (non-editable) package has them too;
the query page lists them, the tests run them on the seeds and the benchmark times them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from graph.questions import read_header


@dataclass(frozen=True)
class Example:
    name: str  # file stem, e.g. "01_innovation_vouchers"
    title: str
    question: str
    query: str


def parse_example(name: str, text: str) -> Example:
    header = read_header(text)
    return Example(name, header.get("title", name), header.get("question", ""), text)


@cache
def load_examples() -> tuple[Example, ...]:
    folder = resources.files(__package__).joinpath("queries")
    if not folder.is_dir():
        return ()
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".rq")), key=lambda f: f.name)
    return tuple(parse_example(f.name.removesuffix(".rq"), f.read_text(encoding="utf-8")) for f in files)
