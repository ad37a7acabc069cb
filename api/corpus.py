"""A corpus of extraction records: extracted from files, or loaded from a saved records.json.

One broken file never stops the others: each failure is kept with the file's name and its problem,
and the caller decides how to report it. Files are extracted in worker processes under a time
limit (extract/runner.py), so a document that runs away or crashes its worker is one failure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from extract.records import ExtractionRecord
from extract.runner import (
    DEFAULT_BASE_S,
    INPUT_PROBLEM,
    TIME_LIMIT,
    WORKER_DIED,
    DocumentFailure,
    Outcome,
    extract_paths,
)


@dataclass(frozen=True)
class FileFailure:
    """A file that could not be extracted, and why (`kind`: one of extract.runner's failure kinds)."""

    path: str
    problem: str
    kind: str = INPUT_PROBLEM

    def message(self, name_only: bool = False) -> str:
        """`error: FILE: problem`; with `name_only`, the file's name without its folder."""
        return f"error: {PurePath(self.path).name if name_only else self.path}: {self.problem}"

    @property
    def transient(self) -> bool:
        """Stopped at the time limit or lost with its worker: another run (or a longer limit) may succeed."""
        return self.kind in {TIME_LIMIT, WORKER_DIED}


@dataclass
class Corpus:
    """The records extracted from some files, in input order, and the files that failed."""

    records: list[ExtractionRecord] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)


def file_failure(failure: DocumentFailure) -> FileFailure:
    problem = failure.problem
    if failure.kind == TIME_LIMIT:
        problem += "; allow more with --time-limit SECONDS"
    return FileFailure(failure.path, problem, failure.kind)


def extract_files(
    paths: Iterable[Path],
    on_file_done: Callable[[Path, ExtractionRecord | FileFailure], None] | None = None,
    *,
    jobs: int | None = None,
    time_limit_base_s: float = DEFAULT_BASE_S,
) -> Corpus:
    """Extract every file in `jobs` worker processes, each under its time limit (see extract/runner.py).

    `on_file_done` is called as each file finishes, in completion order (for progress bars and
    errors reported at once); the corpus keeps records and failures in input order.
    """

    def report(_index: int, path: Path, outcome: Outcome) -> None:
        if on_file_done is not None:
            on_file_done(path, file_failure(outcome) if isinstance(outcome, DocumentFailure) else outcome)

    corpus = Corpus()
    for outcome in extract_paths(paths, report, jobs=jobs, base_s=time_limit_base_s):
        if isinstance(outcome, DocumentFailure):
            corpus.failures.append(file_failure(outcome))
        else:
            corpus.records.append(outcome)
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
