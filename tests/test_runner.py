"""extract/runner.py: documents extracted in worker processes, each under a time limit.

A document over its limit, or whose worker dies, is a failure for that document alone; the others
come back, in input order, with the same records as in-process extraction.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, GOOD_DOCUMENTS

from extract.runner import (
    DEFAULT_BASE_S,
    INPUT_PROBLEM,
    TIME_LIMIT,
    WORKER_DIED,
    DocumentFailure,
    ExtractionPool,
    Outcome,
    extract_path,
    extract_paths,
    time_limit_s,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def as_comparable(outcome: Outcome) -> object:
    return outcome if isinstance(outcome, DocumentFailure) else outcome.to_dict()


def big_document(directory: Path) -> Path:
    """About 2.6 M characters of policy text: about 9 s of extraction, far over a 0.5 s limit."""
    path = directory / "big.txt"
    path.write_text((FIXTURES / GOOD_DOCUMENTS[0]).read_text(encoding="utf-8") * 8000, encoding="utf-8")
    return path


def stalled_document(directory: Path) -> Path:
    """A named pipe nobody writes to: reading it blocks for ever, like an extractor that never returns."""
    path = directory / "stalled.txt"
    os.mkfifo(path)
    return path


def test_the_limit_grows_with_the_document() -> None:
    assert time_limit_s(0) == DEFAULT_BASE_S == 60
    assert time_limit_s(4_000_000) == 180  # a 12 MB UTF-8 Chinese file: ~20 s of linear extraction
    assert time_limit_s(12_000_000) == 420  # 12 MB of single-byte characters
    assert time_limit_s(1_000_000, base_s=5) == 35


def test_records_are_those_of_in_process_extraction_in_input_order() -> None:
    paths = sorted(SEEDS.glob("*.txt"))
    paths = paths[::-1] + [SEEDS / "missing.txt"]  # largest and smallest mixed, one failure
    finished: list[int] = []
    outcomes = extract_paths(paths, lambda index, _path, _outcome: finished.append(index), jobs=2)
    assert [as_comparable(o) for o in outcomes] == [as_comparable(extract_path(p)) for p in paths]
    assert sorted(finished) == list(range(len(paths)))
    assert outcomes[-1] == DocumentFailure(
        str(SEEDS / "missing.txt"), "cannot read file: No such file or directory", INPUT_PROBLEM
    )


def test_a_document_over_its_limit_is_stopped_and_the_others_come_back(tmp_path: Path) -> None:
    good = [FIXTURES / name for name in GOOD_DOCUMENTS]
    big = big_document(tmp_path)
    began = time.monotonic()
    with ExtractionPool(jobs=1, base_s=0.5, per_million_chars_s=0) as pool:  # the good ones take ~0.05 s
        outcomes = pool.extract([good[0], big, good[1]])
    elapsed = time.monotonic() - began
    stopped = outcomes[1]
    assert isinstance(stopped, DocumentFailure) and stopped.kind == TIME_LIMIT
    assert stopped.path == str(big)
    # Stopped while extracting (the limit names the characters) or, on a busy machine, while the
    # worker still read and decoded the 2.6 M characters: either way at the limit, and said so.
    assert re.match(
        r"extraction stopped after \d+\.\d s \(time limit(?: for 2,640,000 characters:|; the file was still being read;)"
        r" 0.5 s \+ 0 s per million characters",
        stopped.problem,
    ), stopped.problem
    # the one worker was killed with the big document: a fresh one extracted the last document
    assert [as_comparable(o) for o in (outcomes[0], outcomes[2])] == [as_comparable(extract_path(p)) for p in good]
    assert elapsed < 10


def test_a_stalled_read_is_stopped_at_the_limit_of_the_file_size(tmp_path: Path) -> None:
    stalled = stalled_document(tmp_path)
    with ExtractionPool(jobs=1, base_s=0.5) as pool:
        [outcome] = pool.extract([stalled])
    assert isinstance(outcome, DocumentFailure) and outcome.kind == TIME_LIMIT
    assert "the file was still being read" in outcome.problem


def test_a_dead_worker_fails_only_its_document_and_is_replaced(tmp_path: Path) -> None:
    stalled = stalled_document(tmp_path)
    good = [FIXTURES / name for name in GOOD_DOCUMENTS]
    pids: set[int] = set()
    with ExtractionPool(jobs=1, base_s=30) as pool:

        def kill_the_worker_once_it_holds_the_stalled_document(index: int, _path: Path, _outcome: Outcome) -> None:
            pids.update(pool.worker_pids())
            if index == 0:  # the next document, the stalled one, goes to this very worker

                def kill() -> None:
                    time.sleep(0.3)
                    os.kill(pool.worker_pids()[0], signal.SIGKILL)  # as the OOM killer or a segfault would

                threading.Thread(target=kill, daemon=True).start()

        began = time.monotonic()
        outcomes = pool.extract([good[0], stalled, good[1]], kill_the_worker_once_it_holds_the_stalled_document)
        elapsed = time.monotonic() - began
    died = outcomes[1]
    assert died == DocumentFailure(
        str(stalled), "extraction failed: its worker process was killed by SIGKILL", WORKER_DIED
    )
    assert [as_comparable(o) for o in (outcomes[0], outcomes[2])] == [as_comparable(extract_path(p)) for p in good]
    assert len(pids) == 2  # a fresh worker took over
    assert elapsed < 10  # not the 30 s time limit
    for pid in pids:  # closing the pool leaves no process behind
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_errors_are_reported_as_they_happen_while_results_keep_input_order(tmp_path: Path) -> None:
    stalled = stalled_document(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    reported: list[str] = []
    with ExtractionPool(jobs=2, base_s=1.0) as pool:
        outcomes = pool.extract([stalled, empty], lambda _i, path, _o: reported.append(path.name))
    assert reported == ["empty.txt", "stalled.txt"]  # the empty file did not wait for the stalled one
    assert [o.path for o in outcomes if isinstance(o, DocumentFailure)] == [str(stalled), str(empty)]


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="jobs"):
        ExtractionPool(jobs=0)
    with pytest.raises(ValueError, match="time limit"):
        ExtractionPool(base_s=0)
