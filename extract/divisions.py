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
    adcode: str = ""  # the six-digit administrative-division code (大连: 210200)
    longitude: float | None = None  # WGS84, prefecture (level "city") rows only
    latitude: float | None = None

    @property
    def short(self) -> str:
        """The name as the text may write it without its level word."""
        return self.city if self.level == "city" else self.alias


@cache
def divisions() -> tuple[Division, ...]:
    """Every row of `data/places.tsv` (about 3,400)."""
    rows = []
    for line in (DATA / "places.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        name, level, province, city, adcode, alias, longitude, latitude = line.split("\t")
        rows.append(Division(name, level, province, city, alias, adcode, _degrees(longitude), _degrees(latitude)))
    return tuple(rows)


def _degrees(value: str) -> float | None:
    return float(value) if value else None


@cache
def prefectures() -> dict[str, Division]:
    """The prefecture-level cities (and municipalities) by the short name a record's `city` holds:
    大连 → 大连市 (210200). Short names of prefectures are unique in the table."""
    return {d.city: d for d in divisions() if d.level == "city" and d.city}  # not 省直辖行政区划


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
    """The prefectures with coordinates, by short name (only city rows carry them)."""
    return {
        short: CityLocation(short, d.name, d.province, d.adcode, d.longitude, d.latitude)
        for short, d in prefectures().items()
        if d.longitude is not None and d.latitude is not None
    }
