"""Instruments (placeholder until the component lands)."""

from __future__ import annotations

from .document import Document
from .records import Instrument, Measure


def extract_instruments(doc: Document, measures: list[Measure]) -> list[Instrument]:
    return []
