"""The extraction pipeline: one Document through small components into one ExtractionRecord."""

from __future__ import annotations

from pathlib import Path

from .agencies import build_agencies
from .citations import extract_citations
from .cities import detect_city
from .document import Document
from .instruments import extract_instruments
from .measures import extract_measures
from .metadata import extract_metadata
from .records import ExtractionRecord
from .targets import extract_targets


def extract_document(doc: Document) -> ExtractionRecord:
    policy = extract_metadata(doc)
    measures = extract_measures(doc)
    agencies, collective = build_agencies(doc, measures)
    targets, baselines = extract_targets(doc, measures)
    citations = extract_citations(doc, policy)
    return ExtractionRecord(
        doc=doc.name,
        sha256=doc.sha256,
        city=detect_city(doc, policy),
        policy=policy,
        measures=measures,
        agencies=agencies,
        collective_agencies=collective,
        instruments=extract_instruments(doc, measures),
        targets=targets,
        baselines=baselines,
        cited_policies=list(dict.fromkeys(c.title for c in citations)),
        citations=citations,
        warnings=list(doc.warnings),
    )


def extract_file(path: str | Path) -> ExtractionRecord:
    """Read, normalise and extract one file; raises `InputError` naming the file and the problem."""
    return extract_document(Document.from_path(path))


def extract_text(text: str, name: str = "<text>") -> ExtractionRecord:
    return extract_document(Document.from_text(text, name))
