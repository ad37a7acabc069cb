"""A build's manifest (manifest.json): what the build holds, checked before the build is served.

Written last into a build directory, before the directory is renamed into place (graph/export.py):
a directory without one is a build that never finished, or one written before manifests. It names
the build (its id, carried by every answer and export), gives its counts and, per file, its size,
and for the small files a reader takes whole (answers/*, records.json, failures.json) their SHA-256.
The store's files and the big exports get a size only: reading them to hash would cost a start-up
time that grows with the graph, and RocksDB checks its own blocks as it reads them.

`check_build` is what every reader of a build calls first; a mismatch is a DamagedBuild naming the
file and the problem, never a partial answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph.build_files import ANSWERS, FAILURES, MANIFEST, RECORDS, STORE

FORMAT = 1
# Hashed as well as sized: the files a reader takes whole (answers are served as they are)
CHECKSUMMED = (f"{ANSWERS}/", RECORDS, FAILURES)
# The documents of the graph: one cheap count query (1 ms at 300 cities, where len(store) takes 0.4 s)
DOCUMENTS_QUERY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?c a <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#Context> }"
)


class DamagedBuild(Exception):
    """A build directory that does not match its manifest (or has none)."""

    def __init__(self, directory: Path, name: str, problem: str) -> None:
        self.directory = directory
        self.name = name
        self.problem = problem
        super().__init__(f"{directory / name}: {problem}")


@dataclass(frozen=True)
class CheckedBuild:
    """A build that matches its manifest, and the small files read while checking it."""

    build_id: str
    manifest: dict[str, Any]
    answers: dict[str, bytes]  # answers/ file name → bytes, as graph.answers.read_answers gives them
    failures: list[dict[str, Any]] | None  # failures.json, parsed (None: the build has none)


def warn(message: str) -> None:
    """A warning on stderr, where the server and the CLI report what went wrong."""
    print(f"policykg: warning: {message}", file=sys.stderr, flush=True)


def _listed(directory: Path) -> list[tuple[str, Path]]:
    names = []
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).as_posix()
        # RocksDB's info log is text about the store, not the store, and may be rewritten
        if path.is_file() and relative != MANIFEST and not (relative.startswith(f"{STORE}/") and path.name.startswith("LOG")):
            names.append((relative, path))
    return names


def _checksummed(relative: str) -> bool:
    return any(relative == name or (name.endswith("/") and relative.startswith(name)) for name in CHECKSUMMED)


def _count_documents(store_path: Path) -> int:
    from graph.store import open_store

    store = open_store(store_path)
    try:
        return int(next(iter(store.query(DOCUMENTS_QUERY)))["n"].value)
    finally:
        del store


def write_manifest(directory: Path, counts: dict[str, int], key: str | None = None) -> str:
    """Write `directory`'s manifest, its last file; returns the build id.

    `counts` are the builder's own (records); the store's documents and triples and the answers'
    files are counted here. The id hashes the manifest's body (sizes, checksums, time), so two
    builds never share one, even of the same input.
    """
    from graph.store import open_store

    files: dict[str, dict[str, Any]] = {}
    for relative, path in _listed(directory):
        entry: dict[str, Any] = {"bytes": path.stat().st_size}
        if _checksummed(relative):
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        files[relative] = entry
    store = open_store(directory / STORE)
    triples = len(store)  # once per build; a reader counts the documents instead
    del store
    body: dict[str, Any] = {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "key": key,
        "counts": {
            **counts,
            "triples": triples,
            "documents": _count_documents(directory / STORE),
            "answers": sum(1 for name in files if name.startswith(f"{ANSWERS}/")),
        },
        "files": files,
    }
    build_id = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    manifest = {"build": build_id, **body}
    partial = directory / f".{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, directory / MANIFEST)
    return build_id


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of `directory`, parsed and of this format; DamagedBuild if not."""
    path = directory / MANIFEST
    if not path.is_file():
        raise DamagedBuild(directory, MANIFEST, "missing: the build did not finish (or predates manifests)")
    try:
        manifest = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as error:
        raise DamagedBuild(directory, MANIFEST, f"not valid JSON ({error})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict) or "build" not in manifest:
        raise DamagedBuild(directory, MANIFEST, "not a build manifest")
    if manifest.get("format") != FORMAT:
        raise DamagedBuild(directory, MANIFEST, f"format {manifest.get('format')!r}, this version reads {FORMAT}")
    return manifest


def build_header(directory: Path) -> bytes:
    """`x-policykg-build: ID` and its line end for a raw HTTP head, or nothing for a directory
    without a readable manifest."""
    try:
        return b"x-policykg-build: " + str(read_manifest(directory)["build"]).encode("ascii") + b"\r\n"
    except (DamagedBuild, UnicodeEncodeError):
        return b""


def check_build(directory: Path, *, need: tuple[str, ...] = ()) -> CheckedBuild:
    """Check `directory` against its manifest without reading the store; DamagedBuild at the first
    mismatch. `need` names files the caller cannot do without (failures.json for serve's cache):
    a manifest without them is a mismatch too."""
    manifest = read_manifest(directory)
    files: dict[str, Any] = manifest["files"]
    for name in need:
        if name not in files and not any(listed.startswith(f"{name}/") for listed in files):
            raise DamagedBuild(directory, name, "not in the build's manifest")
    answers: dict[str, bytes] = {}
    failures = None
    for relative, entry in files.items():
        path = directory / relative
        if not path.is_file():
            raise DamagedBuild(directory, relative, "missing")
        size = path.stat().st_size
        if size != entry.get("bytes"):
            raise DamagedBuild(directory, relative, f"{size} bytes, the manifest says {entry.get('bytes')}")
        if "sha256" not in entry:
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise DamagedBuild(directory, relative, "its contents differ from the manifest's checksum")
        if relative.startswith(f"{ANSWERS}/"):
            answers[relative.removeprefix(f"{ANSWERS}/")] = data
        elif relative == FAILURES:
            failures = _parse_failures(directory, data)
    if len(answers) != manifest["counts"].get("answers"):
        raise DamagedBuild(directory, ANSWERS, f"{len(answers)} files, the manifest says {manifest['counts'].get('answers')}")
    try:
        documents = _count_documents(directory / STORE)
    except (OSError, RuntimeError, ValueError, StopIteration) as error:
        raise DamagedBuild(directory, STORE, f"does not open read-only ({error})") from None
    if documents != manifest["counts"].get("documents"):
        raise DamagedBuild(directory, STORE, f"{documents} documents, the manifest says {manifest['counts'].get('documents')}")
    return CheckedBuild(manifest["build"], manifest, dict(sorted(answers.items())), failures)


def _parse_failures(directory: Path, data: bytes) -> list[dict[str, Any]]:
    try:
        failures = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise DamagedBuild(directory, FAILURES, f"not valid JSON ({error})") from None
    if not isinstance(failures, list) or not all(isinstance(f, dict) for f in failures):
        raise DamagedBuild(directory, FAILURES, "not a list of failures")
    return failures
