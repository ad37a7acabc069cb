"""Targets and baselines (placeholder until the component lands)."""

from __future__ import annotations

from .document import Document
from .records import Measure, Target


def extract_targets(doc: Document, measures: list[Measure]) -> tuple[list[Target], list[Target]]:
    return [], []
