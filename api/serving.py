"""What the server holds: a build directory (the on-disk store, the precomputed answers, the
records), opened read-only, built or cached.

A build is cached in `<cache>/<key>/` with the layout of `policykg build`'s OUT (store/,
records.json, exports) plus failures.json, under a key made of the input files' contents and the
extractor and graph code: a restart with unchanged inputs only opens it, once it has checked the
build against its manifest (graph/manifest.py). A cached build that does not match it (a file
truncated, emptied, overwritten or missing, a build that never finished) is named on stderr, set
aside and built again from the input: never served in part. A fresh build takes
unchanged documents from the per-document record cache (api/record_cache.py), so adding one city's
files extracts only those.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import extract
import graph
from api.corpus import FileFailure, extract_files, policy_files, read_texts
from api.record_cache import RecordCache, code_fingerprint
from extract.records import ExtractionRecord
from extract.runner import DEFAULT_BASE_S
from graph.build_files import ANSWERS, FAILURES, RECORDS, STORE, load_records
from graph.manifest import DamagedBuild, check_build, read_manifest, warn
from graph.source import GraphSource, LocalSource

FileDone = Callable[[Path, ExtractionRecord | FileFailure], None]

CACHE_FORMAT = "3"  # 2: a build directory with an on-disk store, instead of records.json + graph.nt; 3: a manifest


@dataclass
class ServedGraph:
    """A build opened for serving. Start-up opens the store and reads the precomputed answers only:
    its cost does not grow with the graph. Everything served (answers, /sparql, the browsing pages)
    comes from `source`; `records` are the build's extraction records, never read while serving."""

    directory: Path  # a build: store/, answers/, records.json (layout of `policykg build`'s OUT)
    failures: list[FileFailure] = field(default_factory=list)
    from_cache: bool = False
    # `serve --store URL`: the analyst's questions and the browsing pages go to this SPARQL 1.1 store
    # instead
    store_url: str | None = None
    build_id: str | None = None  # the manifest's: on every HTTP answer (X-Policykg-Build) and /health
    # the answers read (and checked against the manifest) when the build was opened
    checked_answers: dict[str, bytes] | None = field(default=None, repr=False)

    @property
    def store_path(self) -> Path:
        return self.directory / STORE

    @cached_property
    def source(self) -> GraphSource:
        """The graph the analyst's questions run on: the build's store, opened read-only (or the
        remote store)."""
        if self.store_url is not None:
            from graph.remote import RemoteSource

            return RemoteSource(self.store_url)
        from graph.store import open_store

        return LocalSource(open_store(self.store_path))

    @cached_property
    def answers(self) -> dict[str, bytes] | None:
        """The answers the build precomputed (None for a build without them: computed at start)."""
        from graph.answers import read_answers

        folder = self.directory / ANSWERS
        # a remote store may hold another graph than the build: its answers are computed from it
        if self.store_url is not None:
            return None
        if self.checked_answers is not None:
            return self.checked_answers
        return read_answers(folder) if folder.is_dir() else None

    @cached_property
    def documents(self) -> list[str]:
        """The file names of the documents in the graph."""
        from graph.documents import document_names

        return document_names(self.source)

    @cached_property
    def records(self) -> list[ExtractionRecord]:
        """The build's records.json (for tests and tools that check a build against its records)."""
        return load_records(self.directory / RECORDS)


def served_records(records: list[ExtractionRecord], directory: Path, texts: dict[str, str] | None = None) -> ServedGraph:
    """Build `records` into `directory` and open it: a graph to serve from records already made."""
    from graph.export import write_exports

    written = write_exports(records, directory, texts or {})
    return fresh_build(written["store"].parent)


def fresh_build(directory: Path, failures: list[FileFailure] | None = None) -> ServedGraph:
    """A build this process has just written (and renamed into place) to serve."""
    return ServedGraph(directory, failures or [], False, build_id=read_manifest(directory)["build"])


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policykg"


def cache_key(paths: list[Path]) -> str:
    """Input files (names and contents) and the extractor and graph code: any change is a new build."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    digest.update(code_fingerprint(extract, graph).encode())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:24]


def open_build(directory: Path, *, need: tuple[str, ...] = ()) -> ServedGraph:
    """A build written before (OUT or a cached build), checked against its manifest: DamagedBuild
    naming the file and the problem if it does not match. Its answers are those read to check it."""
    checked = check_build(directory, need=need)
    try:
        failures = [FileFailure(**f) for f in checked.failures or []]
    except TypeError as error:
        raise DamagedBuild(directory, FAILURES, f"not a list of failures ({error})") from None
    return ServedGraph(directory, failures, True, build_id=checked.build_id, checked_answers=checked.answers)


def _load_build(directory: Path) -> ServedGraph:
    return open_build(directory, need=(STORE, RECORDS, FAILURES))


def _set_aside(directory: Path) -> None:
    """Move a damaged build out of the cache's way, then delete it (a process that opened it
    keeps the files it holds)."""
    aside = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".damaged", dir=directory.parent))
    with contextlib.suppress(OSError):  # another start set it aside first
        directory.rename(aside / directory.name)
    shutil.rmtree(aside, ignore_errors=True)


def _scratch_dir(cache_root: Path) -> Path:
    """A directory for a build that is not cached (a document failed for a reason that may pass), kept
    until this process exits: the server opens its store."""
    for parent in (cache_root / "uncached", Path(tempfile.gettempdir())):
        try:
            parent.mkdir(parents=True, exist_ok=True)
            directory = Path(tempfile.mkdtemp(prefix="policykg-", dir=parent))
        except OSError:
            continue
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        return directory
    raise OSError("no writable directory for the build")


def load_served_graph(
    data_dir: Path,
    cache_dir: Path | None = None,
    on_file_done: FileDone | None = None,
    jobs: int | None = None,
    time_limit_base_s: float = DEFAULT_BASE_S,
) -> ServedGraph:
    """Build the graph of `data_dir` into the cache, or open its cached build when nothing changed.

    `on_file_done` sees each file as a fresh build extracts it (or takes it from the record cache).
    A build that lost a document to its time limit or a dead worker is not cached: it is written to
    a scratch directory removed at exit, and the next start tries that document again.
    """
    paths = policy_files(data_dir)
    if not paths:
        raise FileNotFoundError(f"{data_dir}: no *.txt policy documents")
    cache_root = cache_dir or default_cache_dir()
    cached = cache_root / cache_key(paths)
    if cached.exists():
        try:
            return _load_build(cached)
        except DamagedBuild as damage:
            warn(f"the cached build is damaged: {damage}; building it again from {data_dir}")
            _set_aside(cached)

    from graph.export import write_exports  # the build's dependencies only on the cold path

    corpus = extract_files(
        paths, on_file_done, jobs=jobs, time_limit_base_s=time_limit_base_s, cache=RecordCache(cache_root)
    )
    texts = read_texts(paths, corpus.records)
    failures_json = json.dumps([f.__dict__ for f in corpus.failures])

    def add_failures(directory: Path) -> None:
        (directory / FAILURES).write_text(failures_json, encoding="utf-8")

    target = cached
    if any(f.transient for f in corpus.failures):
        target = _scratch_dir(cache_root) / "build"
    try:
        # replace=False: a build of the same input that another start renamed into place first is
        # kept instead of ours (the same records, the same store); only a broken leftover is replaced
        written = write_exports(
            corpus.records, target, texts, finish=add_failures, replace=target.exists(), key=cached.name
        )
    except OSError:
        if target != cached:
            raise
        # a read-only cache only costs the next start its speed
        target = _scratch_dir(cache_root) / "build"
        written = write_exports(corpus.records, target, texts, finish=add_failures)
    return fresh_build(written["store"].parent, corpus.failures)
