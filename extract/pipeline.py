"""The extraction pipeline: one Document through the components, in order, into one ExtractionRecord.

Each component (language.py) reads the layers that earlier ones assigned and adds its own; this
module only names the order and assembles the record from the layers. Importing the component
modules registers them.
"""

from __future__ import annotations

from pathlib import Path

from . import (  # noqa: F401 (importing a component module registers its components)
    agencies,
    agency_names,
    citations,
    cities,
    headings,
    instruments,
    measures,
    metadata,
    money,
    provenance,
    segments,
    targets,
)
from .document import Document
from .language import check_order, run_components
from .records import ExtractionRecord

PIPELINE = (
    "metadata",
    "city_hint",
    "duties",
    "outline",
    "sentences",
    "measures",
    "agencies",
    "amounts",
    "instruments",
    "targets",
    "citations",
    "city",
    # last: maps every fact's normalised span to the original text, after every reader of them
    "provenance",
)
check_order(PIPELINE)


def extract_document(doc: Document) -> ExtractionRecord:
    layers = run_components(doc, PIPELINE).layers
    found = layers["citations"]
    return ExtractionRecord(
        doc=doc.name,
        sha256=doc.sha256,
        city=layers["city"],
        policy=layers["policy"],
        measures=layers["measures"],
        agencies=layers["agencies"],
        collective_agencies=layers["collective_agencies"],
        instruments=layers["instruments"],
        targets=layers["targets"],
        baselines=layers["baselines"],
        cited_policies=list(dict.fromkeys(c.title for c in found)),
        citations=found,
        warnings=list(doc.warnings),
        issuer_level=layers["issuer_level"],
    )


def extract_file(path: str | Path) -> ExtractionRecord:
    """Read, normalise and extract one file; raises `InputError` naming the file and the problem."""
    return extract_document(Document.from_path(path))


def extract_text(text: str, name: str = "<text>") -> ExtractionRecord:
    return extract_document(Document.from_text(text, name))
