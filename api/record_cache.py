"""A per-document cache of extraction records, so a build re-extracts only the files that changed.

A record is stored under `<cache>/records/<fingerprint>/<sha256 of the file's bytes>.json`, where
the fingerprint hashes the extractor's code and data (extract/**/*.py, *.tsv, *.txt: lexicon,
taxonomy, place names): any change to the extractor starts a fresh directory, so a record is never
served by an extractor other than the one that made it. The file name is not part of the key
(extraction does not read it): a record found by content gets the name of the file asked about.

Only records are cached. A file that failed is extracted again next time: a time limit may have
been too short, and reading a broken file fails fast anyway.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType

import extract
from extract.records import ExtractionRecord

CODE_SUFFIXES = frozenset({".py", ".tsv", ".txt", ".ttl"})


def code_fingerprint(*packages: ModuleType) -> str:
    """sha256 over the code and data files of `packages` (names and contents, in a stable order)."""
    digest = hashlib.sha256()
    for package in packages:
        root = Path(package.__file__ or "").parent
        for path in sorted(root.rglob("*")):
            if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(f"{package.__name__}/{path.relative_to(root).as_posix()}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@cache
def extractor_fingerprint() -> str:
    """The extractor's code and data, hashed once per process (they do not change under it)."""
    return code_fingerprint(extract)[:24]


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class RecordCache:
    """Records by file content, for the current extractor. Unreadable or unwritable cache files
    only cost their document a fresh extraction."""

    def __init__(self, cache_dir: Path) -> None:
        self.directory = cache_dir / "records" / extractor_fingerprint()

    def key(self, path: Path) -> str | None:
        """The key of the file's current content; None if it cannot be read (extraction will say why)."""
        try:
            return file_sha256(path)
        except OSError:
            return None

    def get(self, key: str, name: str) -> ExtractionRecord | None:
        """The record of the content `key`, as the record of the file `name`; None if not cached."""
        try:
            record = ExtractionRecord.from_dict(json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, KeyError):
            return None
        record.doc = name
        return record

    def put(self, key: str, record: ExtractionRecord) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # written aside and renamed: a concurrent reader never sees half a record
            handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.directory)
        except OSError:
            return
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(record.to_dict(), stream, ensure_ascii=False)
            os.replace(temporary, self.directory / f"{key}.json")
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
