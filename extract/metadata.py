"""Policy metadata (placeholder until the metadata component lands)."""

from __future__ import annotations

from .document import Document
from .records import PolicyMeta


def extract_metadata(doc: Document) -> PolicyMeta:
    return PolicyMeta()
