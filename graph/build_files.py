"""The names of a build directory's files, and reading its records back.

Kept apart from graph/export.py (the writer, which needs networkx, rdflib and the exports) so that
opening a build to serve it imports none of them.
"""

from __future__ import annotations

import json
from pathlib import Path

from extract.records import ExtractionRecord

STORE = "store"
RECORDS = "records.json"
ANSWERS = "answers"  # the analyst answers every unfiltered request gets, serialised (graph/answers.py)
GRAPHML = "graph.graphml"
FAILURES = "failures.json"  # the serve cache's list of the files that failed
MANIFEST = "manifest.json"  # written last: what the build holds (graph/manifest.py)


def load_records(path: Path) -> list[ExtractionRecord]:
    """Read records.json back, so the graph can be rebuilt without re-extracting."""
    return [ExtractionRecord.from_dict(item) for item in json.loads(path.read_text(encoding="utf-8"))]
