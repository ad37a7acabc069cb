"""The vendored administrative divisions (`data/places.tsv`, see `data/make_places.py`), read once.

Shared data, not a component: the city component indexes it for its scan, and metadata asks it
whether a bracket after a title is a place tag.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import NamedTuple

DATA = Path(__file__).with_name("data")


class Division(NamedTuple):
    name: str  # 大连市, 余杭区, 辽宁省
    level: str  # province / city / district / county / zone
    province: str
    city: str  # the prefecture's short name ('' for a province that is no municipality)
    alias: str  # the short name the source gives (余杭, 辽宁)

    @property
    def short(self) -> str:
        """The name as the text may write it without its level word."""
        return self.city if self.level == "city" else self.alias


@cache
def divisions() -> tuple[Division, ...]:
    """Every row of `data/places.tsv` (about 3,400)."""
    rows = []
    for line in (DATA / "places.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        name, level, province, city, _adcode, alias, *_ = line.split("\t")
        rows.append(Division(name, level, province, city, alias))
    return tuple(rows)


@cache
def short_names() -> frozenset[str]:
    """The short names of two characters or more, of every level."""
    return frozenset(d.short for d in divisions() if len(d.short) >= 2)


class CityLocation(NamedTuple):
    """A prefecture-level city where `data/places.tsv` gives its coordinates (the map's marks)."""

    city: str  # the short name the graph calls it by: 大连
    name: str  # 大连市
    province: str
    adcode: str
    longitude: float
    latitude: float


@cache
def city_locations() -> dict[str, CityLocation]:
    """The cities with coordinates, by short name (the same rows `divisions` reads; only city rows
    carry longitude and latitude)."""
    located: dict[str, CityLocation] = {}
    for line in (DATA / "places.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        name, level, province, city, adcode, _alias, *rest = line.split("\t")
        if level != "city" or len(rest) < 2 or not rest[0] or not rest[1]:
            continue
        located.setdefault(city, CityLocation(city, name, province, adcode, float(rest[0]), float(rest[1])))
    return located
