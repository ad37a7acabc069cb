"""Provenance: every fact of a record quotes the original text at its original offsets, on
documents whose normalised text differs from the original (traditional characters, GB18030,
full-width digits, spaces dropped, scrambled punctuation repaired)."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.document import Document
from extract.language import run_components
from extract.pipeline import PIPELINE, extract_file
from extract.reader import read_text

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [
    *sorted((ROOT / "tests" / "fixtures").glob("*.txt")),
    ROOT / "seeds" / "002_4e90a411367dfbcd.txt",  # traditional characters, garbled numbers
    ROOT / "seeds" / "004_7f80bdea92671ae8.txt",  # scrambled punctuation on one long line
]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_fact_quotes_the_original_at_its_offsets(path: Path) -> None:
    original, _ = read_text(path)
    record = extract_file(path)
    facts = record.instruments + record.targets + record.baselines + record.citations
    assert facts
    for fact in facts:
        assert fact.quote and original[fact.start : fact.end] == fact.quote, fact
    for measure in record.measures:
        assert 0 <= measure.start < measure.end <= len(original)
    for key, (start, end) in record.policy.spans.items():
        assert 0 <= start < end <= len(original), key


def test_facts_hold_normalised_spans_until_provenance_runs() -> None:
    """Before the last component the spans are the normalised text's; it maps each once."""
    doc = Document.from_text("到 2025 年,全市高新技术企業達到 500 家。", "t.txt")
    run_components(doc, PIPELINE[:-1])
    target = doc.layers["targets"][0]
    assert target.quote == "" and doc.text[target.start : target.end].endswith("达到500家")
    run_components(doc, ("provenance",))
    assert target.quote.endswith("達到 500 家") and doc.original[target.start : target.end] == target.quote
