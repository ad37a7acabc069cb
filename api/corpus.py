"""A corpus of extraction records: extracted from files, or loaded from a saved records.json.

One broken file never stops the others: each failure is kept with the file's name and its problem,
and the caller decides how to report it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extract.errors import InputError
from extract.pipeline import extract_file
from extract.records import ExtractionRecord


@dataclass(frozen=True)
class FileFailure:
    """A file that could not be extracted, and why."""

    path: str
    problem: str

    def message(self) -> str:
        return f"error: {self.path}: {self.problem}"


@dataclass
class Corpus:
    """The records extracted from some files, in input order, and the files that failed."""

    records: list[ExtractionRecord] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)


def extract_one(path: Path) -> ExtractionRecord | FileFailure:
    """Extract one file; a bad input (or a crash in an extractor) comes back as a FileFailure."""
    try:
        return extract_file(path)
    except InputError as err:
        return FileFailure(err.path, err.problem)
    except Exception as err:  # an extractor bug on one document must not lose the others
        return FileFailure(str(path), f"extraction failed: {type(err).__name__}: {err}")


def extract_files(
    paths: Iterable[Path],
    on_file_done: Callable[[Path, ExtractionRecord | FileFailure], None] | None = None,
) -> Corpus:
    """Extract every file in order; `on_file_done` is called after each (for progress bars)."""
    corpus = Corpus()
    for path in paths:
        outcome = extract_one(path)
        if isinstance(outcome, FileFailure):
            corpus.failures.append(outcome)
        else:
            corpus.records.append(outcome)
        if on_file_done is not None:
            on_file_done(path, outcome)
    return corpus


def policy_files(directory: Path) -> list[Path]:
    """The `*.txt` documents of a directory, sorted by name so runs are reproducible."""
    return sorted(p for p in directory.glob("*.txt") if p.is_file())


def records_from_json(data: Any) -> list[ExtractionRecord]:
    """Records from the JSON that `policykg extract` prints or `build` writes to records.json."""
    if isinstance(data, dict) and "records" in data:
        data = data["records"]
    if not isinstance(data, list):
        raise ValueError("expected a JSON array of extraction records")
    return [ExtractionRecord.from_dict(item) for item in data]


def load_records_json(path: Path) -> list[ExtractionRecord]:
    return records_from_json(json.loads(path.read_text(encoding="utf-8")))
