"""City detection (placeholder until the component lands)."""

from __future__ import annotations

from .document import Document
from .records import PolicyMeta


def detect_city(doc: Document, policy: PolicyMeta) -> str | None:
    return None
