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

from extract.reader import read_text
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

from .record_cache import RecordCache


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
    cache: RecordCache | None = None,
) -> Corpus:
    """Extract every file in `jobs` worker processes, each under its time limit (see extract/runner.py).

    With a `cache`, a file whose content was extracted before (by the same extractor code) is taken
    from it instead, and each new record is added to it. `on_file_done` is called as each file
    finishes (cached files first), for progress bars and errors reported at once; the corpus keeps
    records and failures in input order.
    """
    paths = list(paths)
    outcomes: list[ExtractionRecord | FileFailure | None] = [None] * len(paths)
    keys: list[str | None] = [None] * len(paths)
    pending: list[int] = []
    for index, path in enumerate(paths):
        keys[index] = cache.key(path) if cache is not None else None
        cached = cache.get(keys[index], path.name) if cache is not None and keys[index] else None
        if cached is None:
            pending.append(index)
            continue
        outcomes[index] = cached
        if on_file_done is not None:
            on_file_done(path, cached)

    def report(_index: int, path: Path, outcome: Outcome) -> None:
        if on_file_done is not None:
            on_file_done(path, file_failure(outcome) if isinstance(outcome, DocumentFailure) else outcome)

    # no pool at all when everything was cached: starting its workers is most of a cached build's time
    extracted = extract_paths([paths[i] for i in pending], report, jobs=jobs, base_s=time_limit_base_s) if pending else []
    for index, outcome in zip(pending, extracted, strict=True):
        if isinstance(outcome, DocumentFailure):
            outcomes[index] = file_failure(outcome)
            continue
        outcomes[index] = outcome
        key = keys[index]
        if cache is not None and key is not None:
            cache.put(key, outcome)

    corpus = Corpus()
    for outcome in outcomes:
        if isinstance(outcome, FileFailure):
            corpus.failures.append(outcome)
        elif outcome is not None:
            corpus.records.append(outcome)
    return corpus


def read_texts(paths: Iterable[Path], records: list[ExtractionRecord]) -> dict[str, str]:
    """doc → the original text of each record's file (as the extractor read it: offsets point into it)."""
    by_name = {p.name: p for p in paths}
    return {r.doc: read_text(by_name[r.doc])[0] for r in records if r.doc in by_name}


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
