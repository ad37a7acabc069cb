"""Citations (placeholder until the component lands)."""

from __future__ import annotations

from .document import Document
from .records import Citation, PolicyMeta


def extract_citations(doc: Document, policy: PolicyMeta) -> list[Citation]:
    return []
