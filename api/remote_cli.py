"""`policykg load --store URL`: write the built graph into a SPARQL 1.1 store through the Graph
Store Protocol, for `policykg serve --store URL` (one store, any number of servers).

The graph comes from a build (`--from OUT`: its N-Triples export `graph.nt`, or else its store
`OUT/store`, dumped), or from a folder of documents, built or taken from the serve cache as
`policykg serve` does. It is streamed to the store from a file, never held whole in memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

EXIT_OK = 0
EXIT_NOTHING_USABLE = 2


def load_command(
    store: Annotated[str, typer.Option("--store", help="The store: an Oxigraph server's root URL "
                                       "(http://127.0.0.1:7878), or a Graph Store Protocol endpoint "
                                       "(Fuseki http://HOST:3030/DATASET/data; Virtuoso "
                                       "http://USER:PASSWORD@HOST:8890/sparql-graph-crud-auth?graph-uri=IRI).",
                                       show_default=False)],
    directory: Annotated[Path, typer.Argument(help="Folder of *.txt policy documents to build (or take from "
                                              "the serve cache).")] = Path("seeds"),
    saved: Annotated[Path | None, typer.Option("--from", help="Load a build's graph (OUT of `policykg build "
                                               "--out OUT`) instead of building DIRECTORY.")] = None,
    append: Annotated[bool, typer.Option("--append", help="Add to the store's graph (POST) instead of "
                                         "replacing it (PUT).")] = False,
    cache_dir: Annotated[Path | None, typer.Option(help="Where builds are cached (default ~/.cache/policykg).")] = None,
) -> None:
    """Upload the graph into a SPARQL 1.1 store (Graph Store Protocol) for `serve --store URL`.

    The store's default graph (or the graph the URL names) is replaced by the policy graph, unless
    --append. Exit code 2 if there is nothing to load or the store refuses it.
    """
    from graph.remote import RemoteStoreError, redact, store_endpoints, upload  # http.client: only to load

    from .cli import stderr_console

    errors = stderr_console()
    try:
        target = store_endpoints(store).graph_store
        with graph_file(directory, saved, cache_dir) as (path, triples):
            status = upload(store, path, replace=not append)
    except (RemoteStoreError, NothingToLoad) as error:
        errors.print(escape(f"error: {error}"), style="red", soft_wrap=True)
        raise typer.Exit(EXIT_NOTHING_USABLE) from None
    how = "added to" if append else "loaded into"
    errors.print(escape(f"{triples:,} triples {how} {redact(target)} (HTTP {status})"), soft_wrap=True)


class NothingToLoad(Exception):
    pass


@contextmanager
def graph_file(directory: Path, saved: Path | None, cache_dir: Path | None) -> Iterator[tuple[Path, int]]:
    """An N-Triples file of the graph to load, and its number of triples."""
    if saved is not None:
        # a build of ours (it has a store or a manifest) is checked whole; a folder holding only an
        # N-Triples graph.nt, written by hand or by another tool, is sent as it is
        if saved.is_dir() and any((saved / name).exists() for name in ("store", "manifest.json")):
            from graph.manifest import DamagedBuild, check_build

            try:
                check_build(saved)  # never load a build that does not match its manifest
            except DamagedBuild as damaged:
                raise NothingToLoad(f"{damaged} (run `policykg build --out {saved}` again)") from None
        exported = saved / "graph.nt"
        if exported.is_file():
            yield exported, _lines(exported)
            return
        if (saved / "store").is_dir():
            with tempfile.TemporaryDirectory(prefix="policykg-load-") as scratch:
                dumped = Path(scratch) / "graph.nt"
                _dump_store(saved / "store", dumped)
                yield dumped, _lines(dumped)
            return
        raise NothingToLoad(f"{saved}: neither graph.nt nor store/ (run `policykg build --out {saved}`)")
    if not directory.is_dir():
        raise NothingToLoad(f"{directory}: no such directory")
    from .cli import report_failure_at_once
    from .serving import load_served_graph

    try:
        served = load_served_graph(directory, cache_dir, report_failure_at_once)
    except FileNotFoundError as error:
        raise NothingToLoad(str(error)) from None
    if not served.documents:
        raise NothingToLoad(f"{directory}: none of the documents could be read")
    exported = served.directory / "graph.nt"  # the build's own export of its store
    yield exported, _lines(exported)


def _dump_store(store: Path, path: Path) -> None:
    from pyoxigraph import DefaultGraph, RdfFormat, Store

    Store.read_only(str(store)).dump(str(path), format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())


def _lines(path: Path) -> int:
    """Triples in an N-Triples file (one a line), counted in blocks."""
    with path.open("rb") as file:
        return sum(block.count(b"\n") for block in iter(lambda: file.read(1 << 20), b""))
