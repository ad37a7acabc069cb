"""Extract many files in worker processes, each document under a time limit that grows with its size.

Why processes: Python's `re` cannot be interrupted mid-match (a signal handler only runs between
bytecodes, and one `re` call can backtrack for minutes), so the only limit that really holds is
killing the process that runs the match. A document that overruns its limit, or whose worker dies
(segfault, killed by the OOM killer), comes back as a `DocumentFailure` for that document alone;
the pool starts a fresh worker and the other documents are still extracted.

The time limit of a document of `chars` characters is

    time_limit_s(chars) = base_s + PER_MILLION_CHARS_S * chars / 1_000_000
                        = 60 s + 30 s per million characters by default.

The seeds extract at about 4.5 s per million characters (1.5 s per MB of UTF-8 Chinese) on a
2-core machine, so a linear extraction of a 12 MB file (4 M characters) takes about 20 s and is
given 180 s; a 12 MB file of 12 M mostly-ASCII characters is given 420 s. The 60 s base leaves
ordinary (tens of KB, a tenth of a second) documents room on a loaded machine. The clock starts
when a ready worker receives the document, so neither waiting in the queue nor worker start-up
counts; until the worker has decoded the file, the limit is computed from its size in bytes
(never fewer than its characters, so never the stricter limit).

Workers are fresh interpreters (`sys.executable -c ...`, never a fork of a parent that may hold
threads and locks), at most `jobs` of them (default: the number of CPUs), one document at a time
each. Outcomes come back in input order; `on_done` is called as each document finishes, in
completion order, so callers can report errors and progress at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe, wait
from pathlib import Path

from .errors import InputError
from .lifetime import die_with_parent
from .records import ExtractionRecord

DEFAULT_BASE_S = 60.0
PER_MILLION_CHARS_S = 30.0


def time_limit_s(
    text_chars: int, base_s: float = DEFAULT_BASE_S, per_million_chars_s: float = PER_MILLION_CHARS_S
) -> float:
    """Seconds a document of `text_chars` characters may take to extract before it is stopped."""
    return base_s + per_million_chars_s * text_chars / 1_000_000


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


# DocumentFailure.kind values
INPUT_PROBLEM = "input"  # the file cannot be read as a Chinese policy text
EXTRACTOR_ERROR = "error"  # an extractor raised on this document
TIME_LIMIT = "time_limit"  # stopped at its time limit
WORKER_DIED = "worker_died"  # the worker process died under it


@dataclass(frozen=True)
class DocumentFailure:
    """A document that could not be extracted: its path, the problem, and which kind of problem."""

    path: str
    problem: str
    kind: str = INPUT_PROBLEM


Outcome = ExtractionRecord | DocumentFailure


def extract_path(path: str | Path, on_decoded: Callable[[int], None] | None = None) -> Outcome:
    """Extract one file in this process; any problem comes back as a DocumentFailure naming the file.

    `on_decoded(chars)` is called once the text is decoded, before the (possibly long) extraction.
    """
    # imported here, not at the top: the parent process only hands out paths, and loading every
    # extractor there would add their import time (~0.2 s) to each `policykg` command
    from .document import Document
    from .pipeline import extract_document
    from .reader import read_text

    path = Path(path)
    try:
        original, encoding = read_text(path)
        if on_decoded is not None:
            on_decoded(len(original))
        return extract_document(Document.from_text(original, path.name, encoding))
    except InputError as err:
        return DocumentFailure(err.path, err.problem, INPUT_PROBLEM)
    except Exception as err:  # an extractor bug (or MemoryError) on one document must not lose the others
        return DocumentFailure(str(path), f"extraction failed: {type(err).__name__}: {err}", EXTRACTOR_ERROR)


# --- the worker process ----------------------------------------------------------------------

def serve_requests(fd: int, parent_pid: int) -> None:
    """The worker's loop: say ("ready",), then for each (index, path) received reply
    ("decoded", index, chars) once the file is read and ("done", index, outcome) once extracted."""
    die_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group: the parent stops the workers, and a traceback from
    # each of them would only bury its message
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from . import pipeline  # noqa: F401  (loaded before "ready", so start-up is not charged to a document)

    conn = Connection(fd)
    conn.send(("ready", -1, None))
    while True:
        try:
            index, path = conn.recv()
        except EOFError:  # the parent closed the pool
            return
        outcome = extract_path(path, lambda chars, index=index: conn.send(("decoded", index, chars)))
        try:
            conn.send(("done", index, outcome))
        except Exception as err:  # an unpicklable record would otherwise look like a dead worker
            failure = DocumentFailure(str(path), f"extraction failed: result not transferable: {err}", EXTRACTOR_ERROR)
            conn.send(("done", index, failure))


# The worker runs this very code whatever its cwd: the package root goes first on sys.path and the
# cwd (-c puts it there as '') is dropped. Not -I: that would also drop the user site-packages
# where a `pip install --user` keeps the dependencies.
_BOOT = (
    "import sys; '' in sys.path and sys.path.remove(''); sys.path.insert(0, sys.argv[1]); "
    "from extract.runner import serve_requests; serve_requests(int(sys.argv[2]), int(sys.argv[3]))"
)
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
# A worker that has not imported the extractors by then is taken for broken (they take ~0.2 s).
START_TIMEOUT_S = 60.0
# After this many workers in a row die before they are ready, the documents left are failed.
MAX_FAILED_STARTS = 3


@dataclass
class _Job:
    index: int
    path: Path
    sent_at: float
    deadline: float
    chars: int | None = None


class _Worker:
    def __init__(self) -> None:
        parent_end, child_end = Pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, _PACKAGE_ROOT, str(child_end.fileno()), str(os.getpid())],
            pass_fds=[child_end.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # stdout is the CLI's data channel: nothing from an extractor may land there
        )
        child_end.close()  # only the child holds it now: its death shows as EOF on parent_end
        self.conn = parent_end
        self.ready = False
        self.start_deadline = time.monotonic() + START_TIMEOUT_S
        self.job: _Job | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.conn.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def death_reason(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "its worker process stopped answering"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"its worker process was killed by {name}"
        return f"its worker process exited with code {code}"


def _format_seconds(seconds: float) -> str:
    return f"{seconds:.1f}" if seconds < 10 else f"{seconds:.0f}"


class ExtractionPool:
    """Worker processes that extract documents under a time limit; use as a context manager.

    `base_s` is the limit's base (see `time_limit_s`); `per_million_chars_s` its per-size allowance
    (PER_MILLION_CHARS_S when None, read when the pool is made).
    A document's clock starts when a ready worker receives it: worker start-up is not counted.
    """

    def __init__(
        self,
        jobs: int | None = None,
        base_s: float = DEFAULT_BASE_S,
        per_million_chars_s: float | None = None,
    ) -> None:
        if jobs is not None and jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {jobs}")
        if base_s <= 0:
            raise ValueError(f"the time limit must be positive, not {base_s}")
        self.jobs = jobs or default_jobs()
        self.base_s = base_s
        self.per_million_chars_s = PER_MILLION_CHARS_S if per_million_chars_s is None else per_million_chars_s
        self.workers: list[_Worker] = []
        self._failed_starts = 0
        self._last_start_failure = ""

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker (killing one still extracting: the caller gave up on it)."""
        for worker in self.workers:
            worker.stop()
        self.workers.clear()

    def worker_pids(self) -> list[int]:
        return [w.pid for w in self.workers]

    def limit_s(self, chars: int) -> float:
        return time_limit_s(chars, self.base_s, self.per_million_chars_s)

    def extract(
        self,
        paths: Iterable[str | Path],
        on_done: Callable[[int, Path, Outcome], None] | None = None,
    ) -> list[Outcome]:
        """Extract every path; outcomes in input order, `on_done(index, path, outcome)` as each finishes."""
        queue = deque(enumerate(Path(p) for p in paths))
        outcomes: list[Outcome | None] = [None] * len(queue)

        def done(index: int, path: Path, outcome: Outcome) -> None:
            outcomes[index] = outcome
            if on_done is not None:
                on_done(index, path, outcome)

        while queue or self._busy():
            if self._failed_starts >= MAX_FAILED_STARTS:
                reason = f"extraction failed: no worker process would start ({self._last_start_failure})"
                while queue:
                    index, path = queue.popleft()
                    done(index, path, DocumentFailure(str(path), reason, WORKER_DIED))
                continue
            while len(self.workers) < min(self.jobs, len(queue) + len(self._busy())):
                self.workers.append(_Worker())
            for worker in [w for w in self.workers if w.ready and w.job is None]:
                if not queue:
                    break
                index, path = queue.popleft()
                if not self._send(worker, index, path):
                    self._retire(worker)  # it died while idle: not the document's fault
                    queue.appendleft((index, path))
            watched = [w for w in self.workers if w.job is not None or not w.ready]
            if not watched:
                continue
            deadlines = [w.job.deadline if w.job is not None else w.start_deadline for w in watched]
            ready = wait([w.conn for w in watched], max(0.0, min(deadlines) - time.monotonic()))
            for worker in watched:
                job = worker.job
                if worker.conn in ready:
                    outcome = self._receive(worker, job)
                    if outcome is not None and job is not None:
                        done(job.index, job.path, outcome)
            now = time.monotonic()
            for worker in list(self.workers):
                job = worker.job
                if job is not None and now >= job.deadline:
                    self._retire(worker)
                    done(job.index, job.path, self._time_limit_failure(job, now))
                elif not worker.ready and now >= worker.start_deadline:
                    self._retire(worker)
                    self._start_failed(f"not ready after {START_TIMEOUT_S:g} s")
        return [o for o in outcomes if o is not None]

    def _busy(self) -> list[_Worker]:
        return [w for w in self.workers if w.job is not None]

    def _retire(self, worker: _Worker) -> None:
        worker.stop()
        self.workers.remove(worker)

    def _start_failed(self, reason: str) -> None:
        self._failed_starts += 1
        self._last_start_failure = reason

    def _send(self, worker: _Worker, index: int, path: Path) -> bool:
        """Hand a document to a ready worker and start its clock; False if the worker is gone."""
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # the worker reports the file's problem
        now = time.monotonic()
        # bytes >= characters in every encoding read, so this limit is never the stricter one
        worker.job = _Job(index, path, now, now + self.limit_s(size))
        try:
            worker.conn.send((index, str(path)))
        except OSError:
            worker.job = None
            return False
        return True

    def _receive(self, worker: _Worker, job: _Job | None) -> Outcome | None:
        """Read a worker's messages: the job's outcome once finished, a failure if it died, else None."""
        try:
            while worker.conn.poll():
                kind, _index, payload = worker.conn.recv()
                if kind == "ready":
                    worker.ready = True
                    self._failed_starts = 0
                elif kind == "decoded" and job is not None:
                    job.chars = payload
                    job.deadline = job.sent_at + self.limit_s(payload)
                elif kind == "done":
                    worker.job = None
                    return payload
        except (EOFError, OSError):
            reason = worker.death_reason()
            self._retire(worker)
            if job is None:
                self._start_failed(reason)
                return None
            return DocumentFailure(str(job.path), f"extraction failed: {reason}", WORKER_DIED)
        return None

    def _time_limit_failure(self, job: _Job, now: float) -> DocumentFailure:
        elapsed = _format_seconds(now - job.sent_at)
        rule = f"{self.base_s:g} s + {self.per_million_chars_s:g} s per million characters"
        if job.chars is None:
            problem = f"extraction stopped after {elapsed} s (time limit; the file was still being read; {rule})"
        else:
            problem = f"extraction stopped after {elapsed} s (time limit for {job.chars:,} characters: {rule})"
        return DocumentFailure(str(job.path), problem, TIME_LIMIT)


def extract_paths(
    paths: Iterable[str | Path],
    on_done: Callable[[int, Path, Outcome], None] | None = None,
    *,
    jobs: int | None = None,
    base_s: float = DEFAULT_BASE_S,
) -> list[Outcome]:
    """Extract every path in worker processes under the default time-limit rule; outcomes in input order."""
    with ExtractionPool(jobs, base_s) as pool:
        return pool.extract(paths, on_done)
