"""Agencies (placeholder until the component lands)."""

from __future__ import annotations

from .document import Document
from .records import Agency, Measure


def build_agencies(doc: Document, measures: list[Measure]) -> tuple[list[Agency], list[str]]:
    return [], []
