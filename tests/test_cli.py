"""The `policykg` command line: stdout carries only data, errors name the file, exit codes hold."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, GOOD_DOCUMENTS
from typer.testing import CliRunner

import extract.runner
from api.cli import app
from extract.records import ExtractionRecord
from graph.terms import UNKNOWN_CITY

runner = CliRunner()


def run(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def test_no_arguments_shows_help() -> None:
    result = run()
    assert "extract" in result.output and "build" in result.output and "compare" in result.output


# --- extract ---------------------------------------------------------------------------------


def test_extract_prints_a_json_array_of_records(good_documents: Path) -> None:
    files = [good_documents / name for name in GOOD_DOCUMENTS]
    result = run("extract", *files)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)  # stdout is the JSON and nothing else
    assert [item["doc"] for item in data] == list(GOOD_DOCUMENTS)
    for item in data:
        rebuilt = ExtractionRecord.from_dict(item)
        assert rebuilt.to_dict() == item
        text = (good_documents / item["doc"]).read_text(encoding="utf-8")
        for fact in item["instruments"] + item["targets"]:
            assert text[fact["start"] : fact["end"]] == fact["quote"]
    assert result.stderr == ""


def test_extract_json_is_indented_and_keeps_chinese(good_documents: Path) -> None:
    result = run("extract", "--format", "json", good_documents / GOOD_DOCUMENTS[0])
    assert result.stdout.startswith("[\n {\n  ")
    assert "\\u" not in result.stdout


def test_extract_reports_bad_files_and_still_prints_good_ones(good_documents: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    english = tmp_path / "english.txt"
    english.write_text("An English press release about innovation vouchers. " * 10, encoding="utf-8")
    good = good_documents / GOOD_DOCUMENTS[0]
    result = run("extract", empty, good, english)
    assert result.exit_code == 1
    assert [item["doc"] for item in json.loads(result.stdout)] == [GOOD_DOCUMENTS[0]]
    errors = sorted(result.stderr.strip().splitlines())  # reported as each file fails, in whichever order
    assert len(errors) == 2
    assert errors[0].startswith(f"error: {empty}: empty file")
    assert errors[1].startswith(f"error: {english}: no Chinese text")


def test_extract_with_only_bad_files_prints_an_empty_array(tmp_path: Path) -> None:
    result = run("extract", tmp_path / "missing.txt")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == []
    assert f"error: {tmp_path / 'missing.txt'}: cannot read file" in result.stderr


def test_extract_table_lists_each_document(good_documents: Path) -> None:
    result = run("extract", "--format", "table", *(good_documents / n for n in GOOD_DOCUMENTS))
    assert result.exit_code == 0
    for name in GOOD_DOCUMENTS:
        assert name in result.stdout


def test_extract_stops_a_file_at_its_time_limit_and_prints_the_others(good_documents: Path, tmp_path: Path) -> None:
    stalled = tmp_path / "stalled.txt"
    os.mkfifo(stalled)  # nobody writes to it: reading it never ends, as a runaway extractor would not
    good = good_documents / GOOD_DOCUMENTS[0]
    result = run("extract", stalled, good, "--time-limit", "0.5", "--jobs", "2")
    assert result.exit_code == 1
    assert [item["doc"] for item in json.loads(result.stdout)] == [GOOD_DOCUMENTS[0]]
    [error] = result.stderr.strip().splitlines()
    assert error.startswith(f"error: {stalled}: extraction stopped after 0.")
    assert "(time limit;" in error and error.endswith("allow more with --time-limit SECONDS")


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF8, "utf-8")],
)
def test_extract_reads_files_with_a_byte_order_mark(tmp_path: Path, bom: bytes, codec: str) -> None:
    text = (FIXTURES / GOOD_DOCUMENTS[0]).read_text(encoding="utf-8")
    path = tmp_path / "bom.txt"
    path.write_bytes(bom + text.encode(codec))
    result = run("extract", path)
    assert result.exit_code == 0, result.stderr
    [item] = json.loads(result.stdout)
    assert item["instruments"]
    for fact in item["instruments"] + item["targets"]:  # offsets count characters of the text, BOM left out
        assert text[fact["start"] : fact["end"]] == fact["quote"]


@pytest.mark.parametrize("command", ["extract", "build", "serve"])
@pytest.mark.parametrize(("option", "value"), [("--jobs", "0"), ("--time-limit", "0"), ("--time-limit", "-3")])
def test_a_pointless_jobs_or_time_limit_is_a_usage_error(command: str, option: str, value: str) -> None:
    args = [command, option, value] + (["seeds/000_cf86821d3aa6d29d.txt"] if command == "extract" else [])
    result = run(*args)
    assert result.exit_code == 2
    assert option in result.stderr


# --- build -----------------------------------------------------------------------------------


def add_broken_files(directory: Path) -> dict[str, str]:
    """Broken documents beside the good ones; name → the problem the error must state."""
    good = (FIXTURES / GOOD_DOCUMENTS[0]).read_text(encoding="utf-8")
    (directory / "zz_empty.txt").write_bytes(b"")
    (directory / "zz_binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 200)
    (directory / "zz_truncated.txt").write_bytes(good.encode("utf-8")[:-1] + "券".encode()[:1])
    (directory / "zz_english.txt").write_text("Innovation vouchers support small firms. " * 20, encoding="utf-8")
    return {
        "zz_empty.txt": "empty file",
        "zz_binary.txt": "binary file",
        "zz_truncated.txt": "truncated",
        "zz_english.txt": "no Chinese text",
    }


@pytest.fixture
def mixed_documents(good_documents: Path) -> tuple[Path, dict[str, str]]:
    """Good UTF-8 documents, GB18030 and UTF-16 documents that must decode, and broken ones."""
    text = (FIXTURES / GOOD_DOCUMENTS[1]).read_text(encoding="utf-8")
    (good_documents / "gb18030_copy.txt").write_bytes(text.encode("gb18030"))
    (good_documents / "utf16_copy.txt").write_bytes(text.encode("utf-16"))  # with its BOM
    return good_documents, add_broken_files(good_documents)


def test_build_builds_good_files_and_names_each_broken_one(mixed_documents, tmp_path: Path) -> None:
    directory, broken = mixed_documents
    out = tmp_path / "out"
    result = run("build", directory, "--out", out)
    assert result.exit_code == 1, result.output
    for name, problem in broken.items():
        line = next(line for line in result.stderr.splitlines() if f"{directory / name}:" in line)
        assert line.startswith("error: ") and problem in line
    built = json.loads((out / "records.json").read_text(encoding="utf-8"))
    docs = [item["doc"] for item in (built["records"] if isinstance(built, dict) else built)]
    assert sorted(docs) == sorted([*GOOD_DOCUMENTS, "gb18030_copy.txt", "utf16_copy.txt"])
    for name in ("graph.ttl", "graph.jsonld", "graph.nt", "graph.graphml", "instruments.csv", "targets.csv"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert (out / "store").is_dir()
    assert "records.json" in result.stdout and "store" in result.stdout and "policies" in result.stdout
    for name in broken:
        assert name not in result.stdout  # errors go to stderr only


def test_build_writes_the_good_files_when_one_runs_over_its_time_limit(
    good_documents: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (FIXTURES / GOOD_DOCUMENTS[0]).read_text(encoding="utf-8")
    (good_documents / "big.txt").write_text(text * 8000, encoding="utf-8")  # ~9 s of extraction
    monkeypatch.setattr(extract.runner, "PER_MILLION_CHARS_S", 0.0)  # --time-limit alone decides
    out = tmp_path / "out"
    result = run("build", good_documents, "--out", out, "--time-limit", "0.5")
    assert result.exit_code == 1, result.output
    assert f"error: {good_documents / 'big.txt'}: extraction stopped after" in result.stderr
    assert "1 of 3 documents failed and were left out" in result.stderr
    records = json.loads((out / "records.json").read_text(encoding="utf-8"))
    assert sorted(item["doc"] for item in records) == sorted(GOOD_DOCUMENTS)


def test_build_of_good_files_exits_zero_and_summarises_them(good_documents: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("build", good_documents, "--out", out)
    assert result.exit_code == 0, result.output
    assert "error" not in result.stderr
    assert "instruments" in result.stdout and "agencies" in result.stdout
    assert "graph.ttl" in result.stdout and "records.json" in result.stdout


def test_the_build_summary_counts_what_the_api_answers(good_documents: Path, tmp_path: Path) -> None:
    """Each city's row of the printed table holds the /cities counts and the number of merged
    agencies /agencies lists for it."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.serving import ServedGraph

    out = tmp_path / "out"
    printed = run("build", good_documents, "--out", out).stdout
    client = TestClient(create_app(ServedGraph(out)))
    agencies = client.get("/agencies").json()
    cities = client.get("/cities").json()
    assert len(cities) >= 2
    for city in cities:
        counts = [city["policies"], city["measures"], sum(a["city"] == city["city"] for a in agencies),
                  city["instruments"], city["targets"]]
        row = next(line for line in printed.splitlines() if f" {city['city']} " in line)
        assert [int(n) for n in re.findall(r"\d+", row)] == counts, row


def test_build_validate_reports_conformance(good_documents: Path, tmp_path: Path) -> None:
    result = run("build", good_documents, "--out", tmp_path / "out", "--validate")
    assert result.exit_code == 0, result.stderr
    assert "SHACL: the graph conforms" in result.stderr
    assert "SHACL" not in result.stdout


def test_build_validate_fails_on_a_broken_graph(good_documents: Path, tmp_path: Path, monkeypatch) -> None:
    import graph.shacl

    monkeypatch.setattr(graph.shacl, "validate", lambda g: (False, "Constraint Violation in MinCountConstraint"))
    result = run("build", good_documents, "--out", tmp_path / "out", "--validate")
    assert result.exit_code == 1
    assert "does not conform" in result.stderr and "MinCountConstraint" in result.stderr
    assert (tmp_path / "out" / "records.json").is_file()  # the exports are still written


def test_build_with_no_readable_file_exits_2(tmp_path: Path) -> None:
    directory = tmp_path / "broken"
    directory.mkdir()
    broken = add_broken_files(directory)
    out = tmp_path / "out"
    result = run("build", directory, "--out", out)
    assert result.exit_code == 2
    for name in broken:
        assert name in result.stderr
    assert not (out / "records.json").exists()


def test_build_refuses_an_out_folder_it_did_not_write(good_documents: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.md").write_text("my notes", encoding="utf-8")
    result = run("build", good_documents, "--out", out)
    assert result.exit_code == 2
    assert f"error: {out}: holds files no build wrote (notes.md)" in result.stderr
    assert [p.name for p in out.iterdir()] == ["notes.md"]


def test_build_takes_unchanged_documents_from_the_cache(good_documents: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import api.corpus

    extracted: list[int] = []
    real = api.corpus.extract_paths
    monkeypatch.setattr(api.corpus, "extract_paths", lambda paths, *a, **k: extracted.append(len(paths)) or real(paths, *a, **k))
    cache = tmp_path / "cache"
    first = run("build", good_documents, "--out", tmp_path / "out", "--cache-dir", cache)
    again = run("build", good_documents, "--out", tmp_path / "out", "--cache-dir", cache)
    uncached = run("build", good_documents, "--out", tmp_path / "out", "--cache-dir", cache, "--no-cache")
    assert (first.exit_code, again.exit_code, uncached.exit_code) == (0, 0, 0)
    assert extracted == [len(GOOD_DOCUMENTS), len(GOOD_DOCUMENTS)]  # the second build extracted nothing
    assert first.stdout == again.stdout == uncached.stdout


@pytest.mark.parametrize("make", ["empty_dir", "missing_dir"])
def test_build_without_documents_exits_2(tmp_path: Path, make: str) -> None:
    directory = tmp_path / "nothing"
    if make == "empty_dir":
        directory.mkdir()
    result = run("build", directory, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert f"error: {directory}" in result.stderr


# --- compare ---------------------------------------------------------------------------------


@pytest.fixture
def saved_records(three_city_records, tmp_path: Path) -> Path:
    """An OUT directory with a records.json of hand-made records, as `build` leaves it."""
    out = tmp_path / "saved"
    out.mkdir()
    data = [r.to_dict() for r in three_city_records]
    (out / "records.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out


@pytest.mark.parametrize("term", ["科技创新券", "innovation voucher", "innovation_voucher", "创新券"])
def test_compare_resolves_terms_to_the_same_answer(saved_records: Path, term: str) -> None:
    result = run("compare", term, "--from", saved_records, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["type"]["id"] == "innovation_voucher"
    assert [c["city"] for c in data["cities"] if c["funds"]] == ["甲市", "乙市"]
    assert data["does_not_fund"] == ["丙市"]


def test_compare_from_a_build_asks_its_store(three_city_records, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--from OUT` of a whole build opens OUT/store: the same answer as from its records, which it
    never reads (it checks the build against its manifest: a missing records.json is a damaged build)."""
    import api.cli
    from graph.export import write_exports

    out = tmp_path / "build"
    write_exports(list(three_city_records), out)
    from_records = json.loads(run("compare", "创新券", "--from", out / "records.json", "--json").stdout)

    def no_records(*_args: object) -> None:
        raise AssertionError("records.json read")

    monkeypatch.setattr(api.cli, "load_records_json", no_records)  # the store alone answers
    result = run("compare", "创新券", "--from", out, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == from_records
    assert [c["city"] for c in from_records["cities"] if c["funds"]] == ["甲市", "乙市"]


def test_compare_incubator_term(saved_records: Path) -> None:
    data = json.loads(run("compare", "孵化器", "--from", saved_records / "records.json", "--json").stdout)
    assert data["type"]["id"] == "incubator_award"
    assert data["does_not_fund"] == ["乙市"]


def test_compare_table_shows_amounts_quotes_and_non_funding_cities(saved_records: Path) -> None:
    result = run("compare", "科技创新券", "--from", saved_records)
    assert result.exit_code == 0
    out = result.stdout
    assert "科技创新券" in out
    assert "100 万元" in out and "1,000,000 元" in out
    assert "甲市科技创新券管理办法" in out
    assert "a.txt:10-21" in out
    assert "丙市" in out and "no such promise in the" in out
    assert result.stderr == ""


def test_compare_csv(saved_records: Path) -> None:
    result = run("compare", "科技创新券", "--from", saved_records, "--csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["city"], r["funds"]) for r in rows] == [
        ("甲市", "yes"),
        ("甲市", "yes"),
        ("乙市", "yes"),
        ("丙市", "no"),
    ]
    assert rows[0]["amount_yuan"] == "1000000"


def test_compare_unknown_term_lists_valid_ones_and_exits_2(saved_records: Path) -> None:
    result = run("compare", "quantum teleportation", "--from", saved_records)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "unknown instrument type 'quantum teleportation'" in result.stderr
    assert "innovation_voucher" in result.stderr and "科技创新券" in result.stderr


def test_compare_rejects_json_and_csv_together(saved_records: Path) -> None:
    result = run("compare", "科技创新券", "--from", saved_records, "--json", "--csv")
    assert result.exit_code == 2


def test_compare_missing_saved_records_exits_2(tmp_path: Path) -> None:
    result = run("compare", "科技创新券", "--from", tmp_path)
    assert result.exit_code == 2
    assert "records.json" in result.stderr


def test_compare_extracts_a_directory_and_lists_every_city(good_documents: Path, tmp_path: Path) -> None:
    shutil.copy(FIXTURES / GOOD_DOCUMENTS[0], good_documents / "copy.txt")
    (good_documents / "zz_empty.txt").write_bytes(b"")
    result = run("compare", "innovation_voucher", "--data", good_documents, "--json")
    assert result.exit_code == 0
    assert f"error: {good_documents / 'zz_empty.txt'}: empty file" in result.stderr
    data = json.loads(result.stdout)
    records = json.loads(run("extract", *sorted(good_documents.glob("[!z]*.txt"))).stdout)
    expected_cities = {r["city"] or UNKNOWN_CITY for r in records}
    assert {c["city"] for c in data["cities"]} == expected_cities
    for city in data["cities"]:
        assert city["funds"] == bool(city["instruments"])
        for found in city["instruments"]:
            assert found["type"] == "innovation_voucher"


def test_types_lists_the_taxonomy() -> None:
    rows = json.loads(run("types", "--json").stdout)
    ids = {row["id"] for row in rows}
    assert {"innovation_voucher", "incubator_award"} <= ids
