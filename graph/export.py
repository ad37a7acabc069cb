"""Write a build: the on-disk store, the RDF exports written from it, GraphML, CSV and the records.

A build directory holds

    store/          the Oxigraph store (graph/store.py): ontology, schemes, facts, document texts
    graph.ttl       Turtle     } written from the store by Oxigraph's own writers, each streamed
    graph.nt        N-Triples  } into its file, so each costs time linear in its size
    graph.jsonld    JSON-LD    }
    graph.graphml   the networkx graph (graph/network.py), for Gephi
    *.csv           measures, instruments, targets (UTF-8 with BOM, for Excel)
    records.json    the extraction records, one per line
    manifest.json   written last: the build id, counts, each file's size (graph/manifest.py)

It is written into a fresh directory beside OUT and renamed into place, so a reader of OUT (a
running server) never sees a half-written build, and one that holds OUT's store open keeps reading
the files it opened. Every file but the store's own and the manifest is a function of the records
and texts alone: two builds of the same input are byte-identical (which is why the build id is in
the manifest and on every HTTP answer, not in the RDF exports).
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import glob
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import DefaultGraph, RdfFormat, Store

from extract.records import ExtractionRecord, Instrument, Measure, Target
from graph.answers import precompute_answers, write_answers
from graph.build_files import ANSWERS, FAILURES, GRAPHML, MANIFEST, RECORDS, STORE
from graph.graphml import write_graphml
from graph.iris import PREFIXES, fact_iri, measure_iri
from graph.manifest import warn, write_manifest
from graph.network import build_networkx, field_values
from graph.source import LocalSource
from graph.store import load_ntriples, memory_store, open_store, release_memory

# Oxigraph dumps a store in the order of its indexes, which is a function of the triples alone
# (terms are keyed by a fixed hash of their text, not by insertion order or a process's hash seed),
# so these files need no sorting to be reproducible.
RDF_EXPORTS: dict[str, RdfFormat] = {
    "graph.ttl": RdfFormat.TURTLE,
    "graph.nt": RdfFormat.N_TRIPLES,
    "graph.jsonld": RdfFormat.JSON_LD,
}

# CSV file → (record field class, record list attributes it draws rows from)
TABLES: dict[str, tuple[type, tuple[str, ...]]] = {
    "measures.csv": (Measure, ("measures",)),
    "instruments.csv": (Instrument, ("instruments",)),
    "targets.csv": (Target, ("targets", "baselines")),
}

# What a build directory may hold: the above, the pre-serialised answers, and the serve cache's
# list of failed files. Anything else is someone's file, and OUT is not replaced over it.
BUILD_NAMES = frozenset({STORE, RECORDS, *RDF_EXPORTS, GRAPHML, *TABLES, ANSWERS, FAILURES, MANIFEST})


class NotABuild(Exception):
    """OUT holds files no build wrote: replacing it would delete them."""


def write_exports(
    records: list[ExtractionRecord],
    out_dir: Path,
    texts: Mapping[str, str] | None = None,
    *,
    finish: Callable[[Path], None] | None = None,
    replace: bool = True,
    key: str | None = None,
) -> dict[str, Path]:
    """Build the store and every export of `records` into `out_dir`; returns name → path.

    `texts` (doc → original text) go into the store as nif:isString. `finish(directory)` may add
    files to the new build before it is swapped in. An existing `out_dir` must be empty or an
    earlier build; it is replaced as a whole, unless `replace` is False, in which case the build
    already there is kept (another process built the same input first) and this one dropped.
    The manifest (with `key`, the serve cache's) is written last, after `finish`.
    """
    out_dir = Path(os.path.abspath(out_dir))
    check_replaceable(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_interrupted_builds(out_dir)
    with _building_dir(out_dir) as building:
        names = write_build(records, texts or {}, building)
        if finish is not None:
            finish(building)
        write_manifest(building, {"records": len(records)}, key)
        _swap_into_place(building, out_dir, replace)
    return {name: out_dir / name for name in names}  # the exports; the manifest describes them


@contextlib.contextmanager
def _building_dir(out_dir: Path) -> Iterator[Path]:
    """A fresh `.OUT.*.building` directory beside `out_dir`, removed on the way out, whose lock
    file (`….building.lock`, locked while this process builds) tells another build that it is
    in use. The lock file is made first, so a building directory without a held lock is a leftover."""
    handle, lock_name = tempfile.mkstemp(prefix=f".{out_dir.name}.", suffix=".building.lock", dir=out_dir.parent)
    lock = Path(lock_name)
    building = lock.with_name(lock.name.removesuffix(".lock"))
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        building.mkdir()
        yield building
    finally:
        shutil.rmtree(building, ignore_errors=True)
        lock.unlink(missing_ok=True)
        os.close(handle)  # the lock goes with the last descriptor


def remove_interrupted_builds(out_dir: Path) -> list[Path]:
    """Remove the directories that builds of `out_dir` left beside it when they were killed (no
    process holds their lock; or a replaced build not yet deleted), each with a warning; a build
    in progress is left alone."""
    removed = []
    for leftover in sorted(out_dir.parent.glob(f".{glob.escape(out_dir.name)}.*.building")):
        lock = leftover.with_name(leftover.name + ".lock")
        try:
            handle = os.open(lock, os.O_RDWR)
        except FileNotFoundError:
            handle = None  # left by a build older than lock files, or its lock is already gone
        try:
            if handle is not None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a build running now
            if not leftover.exists():
                continue  # its build finished while we waited for the lock
            warn(f"{leftover}: an interrupted build's directory (it has no manifest); removed")
            shutil.rmtree(leftover, ignore_errors=True)
            lock.unlink(missing_ok=True)
            removed.append(leftover)
        finally:
            if handle is not None:
                os.close(handle)
    # A previous build moved aside by a swap (`_swap_into_place`) that was killed before deleting
    # it. Only while OUT exists: without OUT, a swap may be between its two renames right now.
    if out_dir.is_dir():
        for retired in sorted(out_dir.parent.glob(f".{glob.escape(out_dir.name)}.*.old")):
            warn(f"{retired}: a replaced build an interrupted build did not delete; removed")
            shutil.rmtree(retired, ignore_errors=True)
            removed.append(retired)
    return removed


def write_build(records: list[ExtractionRecord], texts: Mapping[str, str], directory: Path) -> list[str]:
    """Write a build into an empty `directory`; returns the names written, store first."""
    records = sorted(records, key=lambda r: r.doc)
    store = memory_store(records, texts)
    dump_rdf(store, directory)
    del store
    release_memory()
    # Oxigraph loads the on-disk store without holding the interpreter lock: the Python exports
    # are written meanwhile, on the other core
    with ThreadPoolExecutor(1) as pool:
        loading = pool.submit(load_ntriples, directory / "graph.nt", directory / STORE)
        _write_records(directory / RECORDS, records)
        write_graphml(build_networkx(records), directory / GRAPHML)
        for name, (record_class, attributes) in TABLES.items():
            _write_table(directory / name, record_class, attributes, records)
        loading.result()
    # Computed at build time, so that serving only reads them. From the on-disk store, once the
    # in-memory one is gone: on the in-memory store they took a third of the time, but their own
    # memory (about 0.3 GB at 300 cities) stacked on the store's and the records' (1.9 GB in all).
    write_answers(precompute_answers(LocalSource(open_store(directory / STORE))), directory / ANSWERS)
    return [STORE, *RDF_EXPORTS, RECORDS, GRAPHML, *TABLES, ANSWERS]


def dump_rdf(store: Store, directory: Path) -> None:
    """graph.ttl, graph.nt and graph.jsonld, each streamed from the store into its file.

    Oxigraph writes without holding the interpreter lock, so the three run side by side.
    """
    prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}

    def dump(name: str) -> None:
        store.dump(str(directory / name), RDF_EXPORTS[name], from_graph=DefaultGraph(), prefixes=prefixes)

    with ThreadPoolExecutor(len(RDF_EXPORTS)) as pool:
        for future in [pool.submit(dump, name) for name in RDF_EXPORTS]:
            future.result()


def check_replaceable(out_dir: Path) -> None:
    """Raise NotABuild if replacing `out_dir` would delete files no build wrote."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise NotABuild(f"{out_dir}: not a directory")
    strangers = sorted(p.name for p in out_dir.iterdir() if p.name not in BUILD_NAMES)
    if strangers:
        raise NotABuild(f"{out_dir}: holds files no build wrote ({', '.join(strangers[:3])}); choose a new or empty directory")


def _swap_into_place(building: Path, out_dir: Path, replace: bool) -> None:
    """Rename the new build to `out_dir`; the old one, if any, is moved aside first and then deleted."""
    if not out_dir.exists():
        try:
            building.rename(out_dir)
            return
        except OSError:
            if not out_dir.exists():
                raise
            # another process renamed its build into place between our check and our rename
    if not replace:
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent))
    out_dir.rename(retired / out_dir.name)
    building.rename(out_dir)
    shutil.rmtree(retired, ignore_errors=True)


def _write_records(path: Path, records: list[ExtractionRecord]) -> None:
    """A JSON array with one record per line, the same JSON as `record.to_dict()` gives.

    Written by json's C encoder, which calls `field_values` on each dataclass it meets: no
    indentation (that takes the pure-Python encoder) and no deep copy by dataclasses.asdict, each
    several times slower at corpus scale."""
    encoder = json.JSONEncoder(ensure_ascii=False, default=_dataclass_fields)
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        stream.write("[\n")
        for index, record in enumerate(records):
            stream.write(("," if index else "") + encoder.encode(record) + "\n")
        stream.write("]\n")


def _dataclass_fields(value: Any) -> dict[str, Any]:
    if is_dataclass(value) and not isinstance(value, type):
        return field_values(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(value)
    return value


def _table_rows(attributes: tuple[str, ...], records: list[ExtractionRecord]) -> Iterator[dict[str, Any]]:
    for record in records:
        policy = record.policy.title or record.policy.notice_title
        for attribute in attributes:
            kind = attribute.removesuffix("s")
            for index, fact in enumerate(getattr(record, attribute)):
                iri = measure_iri(record.doc, fact.id) if kind == "measure" else fact_iri(record.doc, kind, index)
                yield {"kind": kind, "city": record.city, "doc": record.doc, "policy": policy, **field_values(fact),
                       "iri": str(iri)}


def _write_table(path: Path, record_class: type, attributes: tuple[str, ...], records: list[ExtractionRecord]) -> None:
    """UTF-8 with BOM, so Excel opens the Chinese text correctly."""
    header = ["kind"] if len(attributes) > 1 else []
    names = [f.name for f in fields(record_class)]
    provenance = [n for n in ("quote", "start", "end") if n in names]  # the source, last: added fields go before it
    header += ["city", "doc", "policy", *(n for n in names if n not in provenance), *provenance, "iri"]
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        for row in _table_rows(attributes, records):
            writer.writerow({k: _cell(v) for k, v in row.items()})
