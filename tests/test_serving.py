"""What `policykg serve` holds and shows: no server paths in /health, a refusal when no document
can be read, builds cached only when complete."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import uvicorn
from conftest import FIXTURES, GOOD_DOCUMENTS
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import extract.runner
from api.app import create_app
from api.cli import app
from api.serving import load_served_graph

runner = CliRunner()


def bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "english.txt").write_text("A press release about innovation vouchers. " * 10, encoding="utf-8")
    return folder


@pytest.fixture
def no_listening(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse_to_listen(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("serve started listening")

    monkeypatch.setattr(uvicorn, "run", refuse_to_listen)  # api.server imports it when it is about to listen


@pytest.mark.usefixtures("no_listening")
def test_serve_refuses_a_folder_where_no_document_can_be_read(tmp_path: Path) -> None:
    folder = bad_folder(tmp_path)
    for attempt in ("fresh build", "cached build"):
        result = runner.invoke(app, ["serve", "--data", str(folder), "--cache-dir", str(tmp_path / "cache")])
        assert result.exit_code == 2, attempt
        assert f"error: {folder}: none of the 2 documents could be read" in result.stderr, attempt
        assert f"error: {folder / 'empty.txt'}: empty file" in result.stderr, attempt
        assert f"error: {folder / 'english.txt'}: no Chinese text" in result.stderr, attempt


@pytest.mark.usefixtures("no_listening")
def test_serve_refuses_a_missing_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--data", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'nowhere'}: no such directory" in result.stderr


def test_health_names_failed_files_without_the_server_paths(tmp_path: Path) -> None:
    folder = bad_folder(tmp_path)
    shutil.copy(FIXTURES / GOOD_DOCUMENTS[0], folder / GOOD_DOCUMENTS[0])
    served = load_served_graph(folder.resolve(), tmp_path / "cache")
    health = TestClient(create_app(served)).get("/health").json()
    assert health["documents"] == 1
    assert health["failures"] == [
        "error: empty.txt: empty file: no text to extract",
        "error: english.txt: no Chinese text: 0 Chinese characters in 430 (a policy needs at least 20)",
    ]
    assert str(tmp_path) not in str(health)


def test_a_build_that_lost_a_document_to_its_time_limit_is_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    text = (FIXTURES / GOOD_DOCUMENTS[0]).read_text(encoding="utf-8")
    (folder / "good.txt").write_text(text, encoding="utf-8")
    (folder / "big.txt").write_text(text * 8000, encoding="utf-8")  # ~9 s of extraction
    monkeypatch.setattr(extract.runner, "PER_MILLION_CHARS_S", 0.0)
    cache = tmp_path / "cache"
    served = load_served_graph(folder, cache, time_limit_base_s=0.5)
    assert [r.doc for r in served.records] == ["good.txt"]
    [failure] = served.failures
    assert failure.transient and "extraction stopped after" in failure.problem
    assert served.store_path.is_dir() and not served.from_cache  # served from a scratch build
    again = load_served_graph(folder, cache, time_limit_base_s=0.5)
    assert not again.from_cache  # the next start tries big.txt again
    assert [f.path for f in again.failures] == [failure.path]
