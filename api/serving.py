"""What the server holds: the records, the source texts and the graph as N-Triples, built or cached.

A build is cached under a key made of the input files' contents and the extractor and graph
code, so a restart with unchanged inputs skips extraction and RDF building entirely.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import extract
import graph
from api.corpus import FileFailure, extract_files, policy_files
from extract.reader import read_text
from extract.records import ExtractionRecord
from extract.runner import DEFAULT_BASE_S
from graph.source import GraphSource, LocalSource

FileDone = Callable[[Path, ExtractionRecord | FileFailure], None]

CACHE_FORMAT = "1"


@dataclass
class ServedGraph:
    records: list[ExtractionRecord]
    texts: dict[str, str]  # doc file name → original text, for /source
    ntriples: bytes
    failures: list[FileFailure] = field(default_factory=list)
    from_cache: bool = False

    @cached_property
    def source(self) -> GraphSource:
        """The graph the analyst's questions run on: an in-memory Oxigraph store of `ntriples`."""
        return LocalSource.from_ntriples(self.ntriples)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policykg"


def _code_fingerprint() -> str:
    """Extractor and graph code: a change to either invalidates cached builds."""
    digest = hashlib.sha256()
    for package in (extract, graph):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*")):
            if path.suffix in {".py", ".tsv", ".ttl", ".txt"}:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(paths: list[Path]) -> str:
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    digest.update(_code_fingerprint().encode())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:24]


def _read_texts(paths: list[Path], records: list[ExtractionRecord]) -> dict[str, str]:
    by_name = {p.name: p for p in paths}
    return {r.doc: read_text(by_name[r.doc])[0] for r in records if r.doc in by_name}


def build_served_graph(
    paths: list[Path],
    on_file_done: FileDone | None = None,
    jobs: int | None = None,
    time_limit_base_s: float = DEFAULT_BASE_S,
) -> ServedGraph:
    from graph.rdf import build_rdf  # rdflib only on the cold path

    corpus = extract_files(paths, on_file_done, jobs=jobs, time_limit_base_s=time_limit_base_s)
    rdf = build_rdf(corpus.records)
    ntriples = "".join(sorted(rdf.serialize(format="nt").splitlines(keepends=True))).encode("utf-8")
    return ServedGraph(corpus.records, _read_texts(paths, corpus.records), ntriples, corpus.failures)


def load_served_graph(
    data_dir: Path,
    cache_dir: Path | None = None,
    on_file_done: FileDone | None = None,
    jobs: int | None = None,
    time_limit_base_s: float = DEFAULT_BASE_S,
) -> ServedGraph:
    """Build the graph of `data_dir`, or load it from the cache when nothing changed.

    `on_file_done` sees each file as a fresh build extracts it. A build that lost a document to
    its time limit or a dead worker is not cached: the next start tries that document again.
    """
    paths = policy_files(data_dir)
    if not paths:
        raise FileNotFoundError(f"{data_dir}: no *.txt policy documents")
    cache = (cache_dir or default_cache_dir()) / cache_key(paths)
    records_path, graph_path = cache / "records.json", cache / "graph.nt"
    if records_path.exists() and graph_path.exists():
        records = [ExtractionRecord.from_dict(d) for d in json.loads(records_path.read_text(encoding="utf-8"))]
        failures = [FileFailure(**f) for f in json.loads((cache / "failures.json").read_text(encoding="utf-8"))]
        return ServedGraph(records, _read_texts(paths, records), graph_path.read_bytes(), failures, True)
    served = build_served_graph(paths, on_file_done, jobs, time_limit_base_s)
    if any(f.transient for f in served.failures):
        return served
    try:
        cache.mkdir(parents=True, exist_ok=True)
        records_json = json.dumps([r.to_dict() for r in served.records], ensure_ascii=False)
        records_path.write_text(records_json, encoding="utf-8")
        (cache / "failures.json").write_text(json.dumps([f.__dict__ for f in served.failures]), encoding="utf-8")
        graph_path.write_bytes(served.ntriples)
    except OSError:
        pass  # a read-only cache only costs the next start its speed
    return served
