"""The `policykg` command line: a thin layer over extract/ and graph/ (its query layer, graph/answers.py).

Only the requested data goes to stdout (JSON, CSV or tables); progress bars, warnings and
`error: FILE: problem` lines go to stderr, so the output can be piped.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from extract.records import ExtractionRecord
from extract.runner import DEFAULT_BASE_S, PER_MILLION_CHARS_S
from extract.taxonomy import load_taxonomy
from graph.compare import CompareResult, compare, no_promise_note
from graph.rows import rows_to_csv
from graph.source import GraphSource, LocalSource, records_source
from graph.terms import NotFound, UnknownTermError, describe_terms, format_wan, format_yuan, resolve_term

from .corpus import Corpus, FileFailure, extract_files, load_records_json, policy_files, read_texts

if TYPE_CHECKING:
    from .record_cache import RecordCache
from .remote_cli import load_command

app = typer.Typer(
    name="policykg",
    help="Chinese cities' science-and-technology policies → a knowledge graph of cities, policies, "
    "measures, agencies, subsidy instruments and targets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Exit codes shared by the commands.
EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_NOTHING_USABLE = 2

# Piped output has no terminal width; wide enough that Chinese rows do not wrap into slivers.
PIPED_WIDTH = 160


def stdout_console() -> Console:
    """Console for the data itself. Created per call so test runners that swap sys.stdout see it."""
    width = None if sys.stdout.isatty() or "COLUMNS" in os.environ else PIPED_WIDTH
    return Console(width=width, highlight=False)


def stderr_console() -> Console:
    """Console for progress and errors; soft wrap keeps each `error: FILE: problem` on one line for grep."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def report_failures(failures: list[FileFailure]) -> None:
    console = stderr_console()
    for failure in failures:
        console.print(escape(failure.message()), style="red", soft_wrap=True)


def report_failure_at_once(_path: Path, outcome: object) -> None:
    """`extract_files` callback: name a broken file on stderr the moment it has failed."""
    if isinstance(outcome, FileFailure):
        report_failures([outcome])


def positive_seconds(value: float) -> float:
    if value <= 0:
        raise typer.BadParameter(f"must be a number of seconds above 0, not {value:g}")
    return value


JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        help="Worker processes extracting documents in parallel.",
        show_default="the number of CPUs",
    ),
]
TimeLimitOption = Annotated[
    float,
    typer.Option(
        "--time-limit",
        help=f"Seconds a document may take to extract, plus {PER_MILLION_CHARS_S:g} s per million characters; "
        "a document over its limit is stopped and reported as failed, the others go on.",
        callback=positive_seconds,
    ),
]


class ExtractFormat(StrEnum):
    json = "json"
    table = "table"


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def extraction_table(records: list[ExtractionRecord]) -> Table:
    table = Table(title="Extracted documents", title_justify="left")
    for column in ("doc", "city", "title", "measures", "agencies", "instruments", "targets"):
        justify = "right" if column in {"measures", "agencies", "instruments", "targets"} else "left"
        table.add_column(column, justify=justify, overflow="fold")
    for r in records:
        table.add_row(
            r.doc,
            r.city or "",
            r.policy.title or "",
            str(len(r.measures)),
            str(len(r.agencies)),
            str(len(r.instruments)),
            str(len(r.targets)),
        )
    return table


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="Policy text files (UTF-8 or GB18030; UTF-8 or UTF-16 with a byte-order mark).", show_default=False)],
    output_format: Annotated[
        ExtractFormat, typer.Option("--format", "-f", help="json: the extraction records; table: a summary.")
    ] = ExtractFormat.json,
    jobs: JobsOption = None,
    time_limit: TimeLimitOption = DEFAULT_BASE_S,
) -> None:
    """Extract each FILE into an extraction record; print them as one JSON array (or a table).

    A file that cannot be read, or runs over its time limit, is reported on stderr as
    `error: FILE: problem` as soon as it has failed; the others are still extracted and printed.
    Exit code 1 if any file failed.
    """
    corpus = extract_files(files, report_failure_at_once, jobs=jobs, time_limit_base_s=time_limit)
    if output_format is ExtractFormat.json:
        print_json([r.to_dict() for r in corpus.records])
    elif corpus.records:
        stdout_console().print(extraction_table(corpus.records))
    raise typer.Exit(EXIT_SOME_FAILED if corpus.failures else EXIT_OK)


def extract_with_progress(
    paths: list[Path], jobs: int | None, time_limit: float, cache: RecordCache | None = None
) -> Corpus:
    """Extract files with a progress bar on stderr, naming each broken file as it is met."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = stderr_console()
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=console.is_terminal,
    ) as progress:
        task = progress.add_task("extracting", total=len(paths))

        def on_file_done(path: Path, outcome: object) -> None:
            if isinstance(outcome, FileFailure):
                # markup, not style=: a style would also paint the live progress line drawn after it
                progress.console.print(f"[red]{escape(outcome.message())}[/red]")
            progress.update(task, advance=1, description=f"extracted {path.name}")

        corpus = extract_files(paths, on_file_done, jobs=jobs, time_limit_base_s=time_limit, cache=cache)
        progress.update(task, description=f"extracted {len(paths)} documents")
        return corpus


SUMMARY_COLUMNS = ["city", "policies", "measures", "agencies", "instruments", "targets"]


def summary_table(build: Path) -> Table:
    """Per city, from the answers the build precomputed (/cities, and /agencies for the merged
    government bodies): the counts the API gives, not a second count of the records."""
    from graph.answers import read_answers
    from graph.build_files import ANSWERS

    answers = read_answers(build / ANSWERS)
    cities = json.loads(answers["cities.json"])
    agencies = Counter(row["city"] for row in json.loads(answers["agencies.json"]))
    rows = [{**city, "agencies": agencies[city["city"]]} for city in cities]
    table = Table(title="Per city", title_justify="left")
    for column in SUMMARY_COLUMNS:
        table.add_column(column, justify="left" if column == "city" else "right")
    for row in rows:
        table.add_row(row["city"], *(str(row[c]) for c in SUMMARY_COLUMNS[1:]))
    if len(rows) > 1:
        table.add_section()
        table.add_row("total", *(str(sum(row[c] for row in rows)) for c in SUMMARY_COLUMNS[1:]))
    return table


CacheDirOption = Annotated[
    Path | None,
    typer.Option("--cache-dir", help="Where extraction records and builds are cached.", show_default="~/.cache/policykg"),
]


@app.command()
def build(
    directory: Annotated[Path, typer.Argument(help="Directory of *.txt policy documents.")] = Path("seeds"),
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the store and the exports.")] = Path("out"),
    validate: Annotated[
        bool, typer.Option("--validate", help="Also check the graph against the SHACL shapes (takes seconds).")
    ] = False,
    jobs: JobsOption = None,
    time_limit: TimeLimitOption = DEFAULT_BASE_S,
    cache_dir: CacheDirOption = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Extract every document again, even those extracted before.")
    ] = False,
) -> None:
    """Extract every *.txt in DIRECTORY, build the graph's store and write it and its exports to OUT.

    A document extracted before (same content, same extractor) is taken from the cache. OUT is
    replaced as a whole once the new build is complete. Broken files are skipped and named with their
    problem on stderr; the rest are still built. Exit code 1 if any file failed (or, with --validate,
    the graph breaks a shape), 2 if none could be read.
    """
    from graph.export import NotABuild, check_replaceable, write_exports  # the build's dependencies only when building

    from .record_cache import RecordCache
    from .serving import default_cache_dir

    errors = stderr_console()
    if not directory.is_dir():
        errors.print(escape(f"error: {directory}: not a directory"), style="red")
        raise typer.Exit(EXIT_NOTHING_USABLE)
    paths = policy_files(directory)
    if not paths:
        errors.print(escape(f"error: {directory}: no *.txt documents in it"), style="red")
        raise typer.Exit(EXIT_NOTHING_USABLE)

    try:
        check_replaceable(out)  # before extracting: a wrong --out should fail fast
    except NotABuild as err:
        errors.print(escape(f"error: {err}"), style="red", soft_wrap=True)
        raise typer.Exit(EXIT_NOTHING_USABLE) from None

    cache = None if no_cache else RecordCache(cache_dir or default_cache_dir())
    corpus = extract_with_progress(paths, jobs, time_limit, cache)
    if not corpus.records:
        errors.print(escape(f"error: {directory}: none of the {len(paths)} documents could be read"), style="red")
        raise typer.Exit(EXIT_NOTHING_USABLE)

    written = write_exports(corpus.records, out, read_texts(paths, corpus.records))

    console = stdout_console()
    console.print(summary_table(out))
    paths_table = Table(title=f"Written to {out}", title_justify="left")
    paths_table.add_column("export")
    paths_table.add_column("path")
    for name, path in written.items():
        paths_table.add_row(name, str(out / path.name))
    console.print(paths_table)
    conforms = validate_store(written["store"]) if validate else True
    if corpus.failures:
        errors.print(
            f"{len(corpus.failures)} of {len(paths)} documents failed and were left out:",
            style="red",
        )
        report_failures(corpus.failures)
    if corpus.failures or not conforms:
        raise typer.Exit(EXIT_SOME_FAILED)


def validate_store(store_path: Path) -> bool:
    """SHACL-validate the graph in the store at `store_path`; the verdict (and any report) goes to stderr."""
    from pyoxigraph import DefaultGraph

    from graph.rdf import to_rdflib
    from graph.shacl import validate
    from graph.store import open_store

    errors = stderr_console()
    store = open_store(store_path)
    conforms, report = validate(to_rdflib(store.quads_for_pattern(None, None, None, DefaultGraph())))
    if conforms:
        errors.print("SHACL: the graph conforms to graph/shapes.ttl", style="green")
    else:
        errors.print("error: SHACL: the graph does not conform to graph/shapes.ttl:", style="red")
        errors.print(escape(report), soft_wrap=True)
    return conforms


def compare_table(result: CompareResult) -> Table:
    t = result.type
    table = Table(
        title=f"{t.label_zh} · {t.label_en} ({t.id})",
        title_justify="left",
        show_lines=True,
    )
    table.add_column("city", no_wrap=True)
    table.add_column("amount", justify="right", no_wrap=True)
    table.add_column("terms", max_width=10, overflow="fold")
    table.add_column("level", no_wrap=True)
    table.add_column("recipient", max_width=14, overflow="fold")
    table.add_column("policy · quote (doc:start-end)", ratio=1, overflow="fold")
    for funding in result.funding:
        for m in funding.matches:
            i = m.instrument
            evidence = f"{escape(m.policy_title)}\n[dim]「{escape(i.quote)}」 {escape(m.evidence)}[/dim]"
            table.add_row(
                escape(m.city),
                f"{format_wan(i.amount_yuan)}\n[dim]{format_yuan(i.amount_yuan)}[/dim]"
                if i.amount_yuan is not None
                else "[dim]no figure[/dim]",
                escape(describe_terms(i, separator="\n")),
                escape(i.level or ""),
                escape(i.recipient or ""),
                evidence,
            )
    for city in result.not_funding:
        table.add_row(escape(city), "[dim]—[/dim]", "", "", "", f"[italic]{escape(no_promise_note(result.documents.get(city, [])))}[/italic]")
    return table


def load_compare_records(data: Path, saved: Path | None) -> list[ExtractionRecord]:
    errors = stderr_console()
    if saved is not None:
        records_json = saved / "records.json" if saved.is_dir() else saved
        if not records_json.is_file():
            errors.print(escape(f"error: {records_json}: no records.json (run `policykg build --out {saved}`)"))
            raise typer.Exit(EXIT_NOTHING_USABLE)
        return load_records_json(records_json)
    if not data.is_dir():
        errors.print(escape(f"error: {data}: not a directory"), style="red")
        raise typer.Exit(EXIT_NOTHING_USABLE)
    corpus = extract_files(policy_files(data), report_failure_at_once)
    if not corpus.records:
        errors.print(escape(f"error: {data}: no document could be read"), style="red")
        raise typer.Exit(EXIT_NOTHING_USABLE)
    return corpus.records


def compare_source(data: Path, saved: Path | None) -> GraphSource:
    """The graph to ask: a build's store (`--from OUT`, opened read-only), else the graph of the
    records of `--from records.json` or of the documents of `data`."""
    if saved is not None and saved.is_dir() and any((saved / name).exists() for name in ("store", "manifest.json")):
        from graph.manifest import DamagedBuild, check_build
        from graph.store import open_store

        try:
            check_build(saved)  # never an answer from a build that does not match its manifest
        except DamagedBuild as damage:
            stderr_console().print(escape(f"error: {damage} (build it again: `policykg build --out {saved}`)"),
                                   style="red", soft_wrap=True)
            raise typer.Exit(EXIT_NOTHING_USABLE) from None
        return LocalSource(open_store(saved / "store"))
    return records_source(load_compare_records(data, saved))


@app.command(name="compare")
def compare_command(
    term: Annotated[
        str,
        typer.Argument(
            help="Instrument type: id, Chinese or English label, or cue word (科技创新券, 孵化器, innovation voucher)."
        ),
    ],
    data: Annotated[Path, typer.Option("--data", "-d", help="Directory of *.txt policy documents.")] = Path("seeds"),
    saved: Annotated[
        Path | None,
        typer.Option("--from", help="Use a build instead of extracting --data: OUT (its store) or OUT/records.json."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the result as CSV.")] = False,
) -> None:
    """Compare cities on one instrument type: who funds it, how much, under which policy, with the quote."""
    errors = stderr_console()
    if as_json and as_csv:
        errors.print("error: choose one of --json and --csv", style="red")
        raise typer.Exit(EXIT_NOTHING_USABLE)
    try:
        resolve_term(term)  # before any extraction work: a typo should fail fast
    except UnknownTermError as err:
        errors.print(escape("error: " + err.message()), soft_wrap=True)
        raise typer.Exit(EXIT_NOTHING_USABLE) from None
    result = compare(compare_source(data, saved), term)
    if as_json:
        print_json(result.to_dict())
    elif as_csv:
        sys.stdout.write(result.to_csv())
    else:
        stdout_console().print(compare_table(result))


@app.command(name="types")
def types_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the taxonomy as JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the taxonomy as CSV.")] = False,
) -> None:
    """List the instrument types `compare` accepts: id, labels and cue words."""
    rows = [
        {
            "id": t.id,
            "label_zh": t.label_zh,
            "label_en": t.label_en,
            "cue_words": ";".join(t.cue_words),
            "stip_type": t.stip_type,
        }
        for t in load_taxonomy()
    ]
    if as_json:
        print_json(rows)
        return
    if as_csv:
        sys.stdout.write(rows_to_csv(rows, list(rows[0])))
        return
    table = Table(title="Instrument types", title_justify="left")
    for column in ("id", "label_zh", "label_en", "cue_words"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["id"], row["label_zh"], row["label_en"], row["cue_words"])
    stdout_console().print(table)


class VizView(StrEnum):
    browse = "browse"
    compare = "compare"
    policy = "policy"


@app.command(name="viz")
def viz_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.", show_default=False)],
    data: Annotated[Path, typer.Option("--data", "-d", help="Directory of *.txt policy documents.")] = Path("seeds"),
    saved: Annotated[
        Path | None,
        typer.Option("--from", help="Use a build instead of extracting --data: OUT (its store) or OUT/records.json."),
    ] = None,
    view: Annotated[
        VizView, typer.Option("--view", help="browse: the graph under the filters; compare: --instrument across "
                              "cities; policy: the tree of --policy.")
    ] = VizView.browse,
    city: Annotated[list[str] | None, typer.Option("--city", help="Only this city (repeatable).")] = None,
    policy: Annotated[str | None, typer.Option("--policy", help="Only this policy (id: document file stem).")] = None,
    instrument: Annotated[
        str | None, typer.Option("--instrument", help="Only this instrument type (id, label or cue word: 孵化器).")
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="Only nodes of this kind (repeatable): city, policy, measure, "
                                       "agency, instrument, instrument_type, target, baseline.")
    ] = None,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Prefix for the page's links (/source/…), e.g. http://127.0.0.1:8000; "
                          "relative links when empty.")
    ] = "",
) -> None:
    """Write a browsing page as one self-contained HTML file (vis-network inlined, works offline)."""
    from viz.pages import Pages

    errors = stderr_console()
    if view is VizView.compare and not instrument:
        errors.print("error: --view compare needs --instrument TERM", style="red")
        raise typer.Exit(EXIT_NOTHING_USABLE)
    if view is VizView.policy and not policy:
        errors.print("error: --view policy needs --policy ID", style="red")
        raise typer.Exit(EXIT_NOTHING_USABLE)
    # the page draws from a store through the query layer: the build's, or one made of the records
    pages = Pages(compare_source(data, saved), inline=True, base_url=base_url)
    try:
        if view is VizView.compare:
            html = pages.compare(instrument or "")
        elif view is VizView.policy:
            html = pages.policy(policy or "")
        else:
            html = pages.browse(city or [], policy, instrument, kind or [])
    except NotFound as err:
        errors.print(escape(f"error: {err}; did you mean: {', '.join(err.suggestions)}"), soft_wrap=True)
        raise typer.Exit(EXIT_NOTHING_USABLE) from None
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    errors.print(escape(f"wrote {output} ({len(html.encode('utf-8')) // 1024} KB)"))


@app.command()
def serve(
    data: Annotated[Path, typer.Option(help="Folder of *.txt policy documents.")] = Path("seeds"),
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    cache_dir: Annotated[Path | None, typer.Option(help="Where builds and extraction records are cached (default ~/.cache/policykg).")] = None,
    sparql_timeout: Annotated[float, typer.Option(help="Seconds a SPARQL query may run.")] = 10.0,
    max_rows: Annotated[int, typer.Option(help="Most result rows a SPARQL query returns.")] = 10_000,
    workers: Annotated[int, typer.Option(help="SPARQL worker processes (the fast lane).")] = 2,
    sparql_demote_ms: Annotated[float, typer.Option(help="A SPARQL query still running after this many ms is stopped "
                                                    "and run again on the slow lane (0: one lane).")] = 100.0,
    sparql_slow_workers: Annotated[int, typer.Option(help="SPARQL worker processes of the slow lane.")] = 1,
    sparql_slow_queue: Annotated[int, typer.Option(help="Most SPARQL queries waiting or running on the slow lane "
                                                   "(more: 503).")] = 8,
    sparql_heavy_per_client: Annotated[int, typer.Option(help="Most slow-lane SPARQL queries per client "
                                                         "(more: 429).")] = 2,
    trusted_proxy: Annotated[list[str] | None, typer.Option(help="A reverse proxy's address or network (repeatable): "
                                                            "from it, X-Forwarded-For names the client.",
                                                            show_default=False, metavar="ADDR")] = None,
    sparql_kept_answer_kb: Annotated[int, typer.Option(help="A SPARQL answer up to this size (KB) is kept, and the "
                                                       "same query is answered from it without a worker (the "
                                                       "graph does not change while served; 0: never).")] = 64,
    jobs: JobsOption = None,
    time_limit: TimeLimitOption = DEFAULT_BASE_S,
    store: Annotated[str | None, typer.Option("--store", help="Answer /sparql from this SPARQL 1.1 store (loaded "
                                              "by `policykg load --store URL`) instead of the embedded one.",
                                              show_default=False)] = None,
) -> None:
    """Build (or load the cached build of) the graph of DATA and serve the API and SPARQL endpoint.

    Refuses to start (exit code 2) when none of DATA's documents can be read, like `build`, or
    when the --store does not answer.
    """
    from .server import NothingToServe, SparqlLanes, StoreUnavailable, run_server
    from .sparql.service import trusted_networks

    errors = stderr_console()
    try:
        trusted_networks(trusted_proxy or [])
    except ValueError as err:
        errors.print(escape(f"error: --trusted-proxy: {err}"), style="red")
        raise typer.Exit(2) from None
    lanes = SparqlLanes(sparql_demote_ms, sparql_slow_workers, sparql_slow_queue, sparql_heavy_per_client,
                        tuple(trusted_proxy or ()), max(0, sparql_kept_answer_kb))
    if not data.is_dir():
        errors.print(f"error: {escape(str(data))}: no such directory", style="red")
        raise typer.Exit(EXIT_NOTHING_USABLE)
    try:
        run_server(data, host, port, cache_dir, sparql_timeout, max_rows, workers, jobs=jobs, time_limit=time_limit,
                   store_url=store, lanes=lanes)
    except FileNotFoundError as err:
        errors.print(f"error: {escape(str(err))}", style="red")
        raise typer.Exit(EXIT_NOTHING_USABLE) from None
    except (NothingToServe, StoreUnavailable) as err:
        errors.print(escape(f"error: {err}"), style="red", soft_wrap=True)
        raise typer.Exit(EXIT_NOTHING_USABLE) from None


app.command(name="load")(load_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
