"""A damaged build is never served: serve's cache checks a build against its manifest and builds it
again (with a warning naming the file), `compare --from OUT` refuses it with a clear error, and a
build while a server runs never changes what that server reads."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, GOOD_DOCUMENTS
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app
from api.serving import load_served_graph, open_build
from graph.answers import read_answers
from graph.build_files import ANSWERS, FAILURES, MANIFEST, RECORDS, STORE
from graph.export import write_exports
from graph.manifest import DamagedBuild, check_build

runner = CliRunner()


def _largest_store_file(build: Path) -> Path:
    return max((p for p in (build / STORE).iterdir() if p.suffix == ".sst"), key=lambda p: p.stat().st_size)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))  # the same size: only a checksum or the store's own check sees it


# damage → the file the warning or error must name
DAMAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated store file": (lambda b: _truncate(_largest_store_file(b)), f"{STORE}/"),
    "truncated answers file": (lambda b: _truncate(b / ANSWERS / "cities.json"), f"{ANSWERS}/cities.json"),
    "truncated records.json": (lambda b: _truncate(b / RECORDS), RECORDS),
    "empty records.json": (lambda b: (b / RECORDS).write_bytes(b""), RECORDS),
    "empty answers file": (lambda b: (b / ANSWERS / "matrix.csv").write_bytes(b""), f"{ANSWERS}/matrix.csv"),
    "empty manifest": (lambda b: (b / MANIFEST).write_bytes(b""), MANIFEST),
    "garbage records.json": (lambda b: _garbage(b / RECORDS), RECORDS),
    "garbage answers file": (lambda b: _garbage(b / ANSWERS / "policies.json"), f"{ANSWERS}/policies.json"),
    "garbage store file": (lambda b: _garbage(_largest_store_file(b)), STORE),
    "garbage manifest": (lambda b: _garbage(b / MANIFEST), MANIFEST),
    "missing manifest (interrupted build)": (lambda b: (b / MANIFEST).unlink(), MANIFEST),
    "missing failures.json": (lambda b: (b / FAILURES).unlink(), FAILURES),
    "missing records.json": (lambda b: (b / RECORDS).unlink(), RECORDS),
    "missing answers file": (lambda b: (b / ANSWERS / "agencies.json").unlink(), f"{ANSWERS}/agencies.json"),
    "missing store file": (lambda b: _largest_store_file(b).unlink(), f"{STORE}/"),
}
# `build --out OUT` has no failures.json: its damages are the others
FROM_OUT_DAMAGES = {name: damage for name, damage in DAMAGES.items() if damage[1] != FAILURES}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    for name in GOOD_DOCUMENTS:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def pristine_cache(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A serve cache holding the build of `data` (and its documents' records, so a rebuild is quick)."""
    cache = tmp_path_factory.mktemp("cache")
    served = load_served_graph(data, cache)
    assert not served.from_cache and served.build_id
    return cache


@pytest.fixture(scope="module")
def fresh_answers(pristine_cache: Path) -> dict[str, bytes]:
    (build,) = [p for p in pristine_cache.iterdir() if (p / MANIFEST).is_file()]
    return read_answers(build / ANSWERS)


def _cached_build(cache: Path) -> Path:
    (build,) = [p for p in cache.iterdir() if (p / STORE).is_dir()]
    return build


def test_an_intact_cached_build_is_served_from_the_cache(data: Path, pristine_cache: Path, tmp_path: Path,
                                                       capfd: pytest.CaptureFixture[str]) -> None:
    cache = Path(shutil.copytree(pristine_cache, tmp_path / "cache"))
    manifest = json.loads((_cached_build(cache) / MANIFEST).read_text(encoding="utf-8"))
    served = load_served_graph(data, cache)
    assert served.from_cache and served.build_id == manifest["build"]
    assert manifest["counts"]["documents"] == len(served.documents) == len(GOOD_DOCUMENTS)
    assert manifest["counts"]["records"] == len(GOOD_DOCUMENTS) and manifest["counts"]["triples"] > 0
    assert "warning" not in capfd.readouterr().err


@pytest.mark.parametrize("case", list(DAMAGES))
def test_a_damaged_cached_build_is_named_and_built_again(
    case: str, data: Path, pristine_cache: Path, fresh_answers: dict[str, bytes], tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    cache = Path(shutil.copytree(pristine_cache, tmp_path / "cache"))
    damage, named = DAMAGES[case]
    build = _cached_build(cache)
    old_id = json.loads((build / MANIFEST).read_text(encoding="utf-8"))["build"]
    damage(build)
    served = load_served_graph(data, cache)
    err = capfd.readouterr().err
    assert "warning" in err and f"{build.name}/{named}" in err and "Traceback" not in err, err
    assert not served.from_cache and served.build_id and served.build_id != old_id
    # the answers are a fresh build's, every one of them, and the next start takes them from the cache
    assert served.answers == fresh_answers
    assert len(served.documents) == len(GOOD_DOCUMENTS)
    again = load_served_graph(data, cache)
    assert again.from_cache and again.build_id == served.build_id and again.answers == fresh_answers
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # nothing set aside is left


def test_an_interrupted_builds_directory_beside_the_cache_is_removed(
    data: Path, pristine_cache: Path, fresh_answers: dict[str, bytes], tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Killed while writing: its `.building` directory is left and the build never renamed into place."""
    cache = Path(shutil.copytree(pristine_cache, tmp_path / "cache"))
    build = _cached_build(cache)
    leftover = build.with_name(f".{build.name}.k1ll3d.building")
    build.rename(leftover)
    (leftover / MANIFEST).unlink()
    served = load_served_graph(data, cache)
    err = capfd.readouterr().err
    assert "warning" in err and leftover.name in err
    assert not leftover.exists() and not served.from_cache and served.answers == fresh_answers


def test_a_build_in_progress_is_left_alone(tmp_path: Path) -> None:
    """Another process's build (its lock held) is not mistaken for a leftover."""
    from graph.export import remove_interrupted_builds

    out = tmp_path / "out"
    running = tmp_path / ".out.abc.building"
    running.mkdir()
    lock = tmp_path / ".out.abc.building.lock"
    dead = tmp_path / ".out.def.building"
    dead.mkdir()
    (tmp_path / ".out.def.building.lock").touch()  # its process died: nobody holds the lock
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert remove_interrupted_builds(out) == [dead]
    assert running.is_dir() and not dead.exists()


def test_a_replaced_build_left_by_a_killed_swap_is_removed_once_out_exists(tmp_path: Path) -> None:
    """A build killed between moving the old OUT aside and deleting it leaves `.OUT.*.old`: the
    next build removes it, but not while OUT is missing (a swap may be between its renames)."""
    from graph.export import remove_interrupted_builds

    out = tmp_path / "out"
    retired = tmp_path / ".out.xyz.old"
    (retired / "out").mkdir(parents=True)
    assert remove_interrupted_builds(out) == [] and retired.is_dir()
    out.mkdir()
    assert remove_interrupted_builds(out) == [retired] and not retired.exists() and out.is_dir()


@pytest.fixture(scope="module")
def pristine_out(pristine_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `policykg build --out OUT` directory (the cached build without the serve cache's failures.json)."""
    build = _cached_build(pristine_cache)
    out = tmp_path_factory.mktemp("built") / "out"
    records = open_build(build).records
    write_exports(records, out, {})
    return out


def test_compare_from_an_intact_build_answers(pristine_out: Path) -> None:
    result = runner.invoke(app, ["compare", "innovation_voucher", "--from", str(pristine_out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["type"]["id"] == "innovation_voucher"


@pytest.mark.parametrize("command", ["compare", "load"])
@pytest.mark.parametrize("case", list(FROM_OUT_DAMAGES))
def test_compare_or_load_from_a_damaged_build_is_a_clear_error(case: str, command: str, pristine_out: Path,
                                                              tmp_path: Path) -> None:
    """`load` refuses before it sends anything (the store URL here answers nothing)."""
    out = Path(shutil.copytree(pristine_out, tmp_path / "out"))
    damage, named = FROM_OUT_DAMAGES[case]
    damage(out)
    with pytest.raises(DamagedBuild):
        check_build(out)
    arguments = (["compare", "innovation_voucher", "--from", str(out), "--json"] if command == "compare" else
                 ["load", "--store", "http://127.0.0.1:9", "--from", str(out)])
    result = runner.invoke(app, arguments)
    assert result.exit_code == 2, result.output
    err = " ".join(result.stderr.split())  # rich wraps long lines
    assert f"out/{named}" in err and "error" in err and "Traceback" not in result.output, err
    assert result.stdout == ""


def test_a_server_keeps_its_build_while_out_is_rebuilt(pristine_out: Path, tmp_path: Path) -> None:
    """The new build is renamed into place: the server keeps the store it opened and the answers it read."""
    out = Path(shutil.copytree(pristine_out, tmp_path / "out"))
    served = open_build(out)
    records = served.records
    asked = ["/cities", "/policies?format=csv", f"/policies?city={records[0].city}", "/compare/innovation_voucher",
             "/health"]
    with TestClient(create_app(served)) as client:
        before = {path: client.get(path) for path in asked}
        assert {r.headers["x-policykg-build"] for r in before.values()} == {served.build_id}
        assert before["/health"].json()["build"] == served.build_id
        write_exports(records[1:], out, {})  # a rebuild of OUT with one document fewer
        after = {path: client.get(path) for path in asked}
    assert {path: (r.status_code, r.content, r.headers["x-policykg-build"]) for path, r in after.items()} == {
        path: (r.status_code, r.content, r.headers["x-policykg-build"]) for path, r in before.items()
    }
    rebuilt = open_build(out)
    assert rebuilt.build_id != served.build_id and len(rebuilt.documents) == len(records) - 1
    with TestClient(create_app(rebuilt)) as client:
        assert client.get("/cities").content != before["/cities"].content


def test_every_answer_names_its_build_also_the_sparql_fast_path(pristine_out: Path) -> None:
    """GET /sparql is answered ahead of the app (api/sparql/protocol.py): it names the build too."""
    import httpx
    from live_server import LiveServer

    from api.sparql import SparqlService
    from api.sparql.protocol import sparql_protocol

    served = open_build(pristine_out)
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    with SparqlService(served.store_path, workers=1) as service:
        protocol = sparql_protocol(service)
        assert protocol is not None
        with LiveServer(create_app(served, service), http=protocol) as server:
            answers = [
                httpx.get(f"{server.base}/sparql", params=query, headers={"accept": "text/csv"}),  # the fast path
                httpx.post(f"{server.base}/sparql", data=query, headers={"accept": "text/csv"}),  # the app's router
                httpx.get(f"{server.base}/cities?format=csv"),
                httpx.get(f"{server.base}/no-such-page"),
            ]
    assert [a.status_code for a in answers] == [200, 200, 200, 404]
    assert [a.headers.get_list("x-policykg-build") for a in answers] == [[served.build_id]] * len(answers)
    assert answers[0].content == answers[1].content
