"""The start page (`/`): what the graph holds, the main questions as links, and the ways in (the
tables, the pages, SPARQL, the API). Drawn from the analyst answers (graph/answers.py: the cities
and instrument-type lists), the same ones /cities and /instruments serve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True
)
# The indicator the targets question starts from: the one cities' plans state most often
EXAMPLE_INDICATOR = "高新技术企业"


@dataclass(frozen=True)
class TypeSummary:
    id: str
    label_zh: str
    label_en: str
    cities: int  # how many cities fund it
    instruments: int

    def link(self, route: str, **extra: str) -> str:
        return f"{route}?{urlencode({'instrument': self.label_zh, **extra})}"


def summarise_types(instrument_types: Sequence[dict[str, Any]]) -> list[TypeSummary]:
    """The instrument types some city funds, most cities first (/instruments' rows: `counts` is city → count)."""
    found = [
        TypeSummary(t["id"], t["label_zh"], t["label_en"], len(t["counts"]), sum(t["counts"].values()))
        for t in instrument_types
        if t.get("counts")
    ]
    return sorted(found, key=lambda t: (-t.cities, -t.instruments))


def totals(cities: Sequence[dict[str, Any]]) -> dict[str, int]:
    return {
        "cities": len(cities),
        **{key: sum(c[key] for c in cities) for key in ("policies", "measures", "instruments", "targets")},
    }


def render_home(
    cities: Sequence[dict[str, Any]],
    instrument_types: Sequence[dict[str, Any]],
    *,
    failures: int = 0,
    links: dict[str, bool] | None = None,
) -> str:
    """`cities` and `instrument_types`: the /cities and /instruments answers. `links`: which optional
    pages this server has (e.g. {"map": True}); a missing page is not linked. The first question is
    asked of the instrument type most cities fund."""
    types = summarise_types(instrument_types)
    return _env.get_template("home.html").render(
        totals=totals(cities),
        cities=sorted(cities, key=lambda c: (-c["policies"], c["city"])),
        types=types,
        example=types[0] if types else None,
        indicator=EXAMPLE_INDICATOR,
        failures=failures,
        links=links or {},
        quote=quote,
        urlencode=urlencode,
    )
