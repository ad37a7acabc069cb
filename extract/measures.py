"""Measures (placeholder until the component lands)."""

from __future__ import annotations

from .document import Document
from .records import Measure


def extract_measures(doc: Document) -> list[Measure]:
    return []
