"""A small pool of worker processes with a real per-query time limit.

pyoxigraph cannot cancel a running query, so each query runs in a worker process, each of which
opens the built store read-only (the OS page cache shares its pages between them). The server writes the query to the worker's socket and reads the answer on the
event loop itself (`loop.add_reader`: no thread, no blocking call); when the time limit passes
(`loop.call_later`) it kills that worker and reports a timeout, and the pool's keeper thread starts a
replacement, which joins the pool once it has opened the store. The other workers keep answering
meanwhile. A request that finds every worker busy waits in line, for `queue_timeout_s` at most.
A request may also carry a demotion threshold (`submit(..., demote_s=)`): still running after
that long, its worker is killed and replaced the same way, and it fails with `errors.Demoted`, for
the service to run it again on its slow lane (another pool, whose workers run at a lower CPU
priority: `niceness`).

Pipelining: a worker answers its requests in order, so while it runs a *quick* query (one that,
last time, took under `QUICK_S`: the graph is read-only, so a query's cost does not drift) the
next request in line is already written to its socket, and the worker starts it the moment it has
answered, instead of idling until the event loop gets round to it. Nothing ever waits behind a
query not known to be quick. A request's time limit starts when its worker starts it; if a worker
is killed or dies, the requests queued behind its query, which never started, go back to the
front of the line.

A worker's socket stays watched (`add_reader`) by the loop it last served, also while the worker
is idle: registering and unregistering it for every request cost about a third of the server's
CPU per request, and a worker that dies while idle is noticed at once, not by the next request.

The pool may be used from several event loops (Starlette's TestClient runs each request in a loop
of its own): its shared state is behind a lock; a worker's socket is watched by one loop at a
time (one that takes it over has the previous one stop watching); a free worker goes to a request
waiting on another loop through that loop's `call_soon_threadsafe`.

Workers are fresh interpreters (`python -c "...worker.main()"`), not forks: a fork would copy
uvicorn's and our threads' locks mid-use. They are started with subprocess rather than
multiprocessing's spawn, which would re-import the server's main script in every worker (slow, and
it hangs a script without an `if __name__ == "__main__"` guard). One long-lived thread starts every
replacement: a worker asks to be killed when its parent goes, and on Linux that parent is the
thread that started it. The protocol is described in worker.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from . import worker
from .errors import Demoted, QueryFailed, QueryTimeout, ServiceBusy
from .sandbox import Isolation

STARTUP_TIMEOUT_S = 60.0  # a new interpreter opening the store: well under a second
COPY_TIMEOUT_S = 900.0  # ... or copying it into memory (in_memory): about 8 s a million triples
WORKER_COMMAND = f"from {__package__}.worker import main; main()"
BUFFER_BYTES = 1 << 16  # each worker's reply buffer, reused; grown for a larger reply, then shrunk back
QUICK_S = 0.05  # a query that took less may have the next request queued behind it
PIPELINE_DEPTH = 2  # requests written to a worker at once: the one it runs and one queued behind


class Worker:
    def __init__(self, store: Path, in_memory: bool = False, memory_mb: int = 0,
                 niceness: int = worker.NICENESS) -> None:
        ours, theirs = socket.socketpair()
        mode = "memory" if in_memory else "disk"
        with theirs:
            self.process = subprocess.Popen(
                # -P: no script directory or cwd on sys.path; the child gets exactly our sys.path.
                [sys.executable, "-P", "-c", WORKER_COMMAND, str(theirs.fileno()), str(memory_mb), str(store), mode,
                 str(_niceness_below_us(niceness))],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                # RUST_BACKTRACE=0: a query that runs out of memory says so in one line, not fifty.
                env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "RUST_BACKTRACE": "0"},
            )
        # Lowered at once from here too (the worker also lowers itself, worker.main): the new
        # interpreter's start-up (~0.1 s of CPU, once per killed worker) then runs at the lower
        # priority as well, not at the server's.
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, self.process.pid, _niceness_below_us(niceness))
        self.socket = ours
        self.in_memory = in_memory
        self.ready = False  # set once the worker has opened the store
        self.isolation: Isolation | None = None  # what it did to lose its network, said when ready
        # Requests written to it and not yet answered, in order; the first is running. Touched
        # only on `loop`, the loop watching its socket while it holds any.
        self.jobs: deque[_Job] = deque()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.buffer = bytearray(BUFFER_BYTES)
        self.filled = 0  # bytes of replies in the buffer
        self.unsent = bytearray()  # requests the socket did not take yet
        self.dead = False  # killed, or found dead: out of the pool

    def wait_ready(self) -> None:
        """Block until the worker has opened the store; from then on its socket is non-blocking."""
        if self.ready:
            return
        try:
            timeout_s = COPY_TIMEOUT_S if self.in_memory else STARTUP_TIMEOUT_S
            status, _, detail = _read_frame(self.socket, timeout_s).decode().partition(" ")
        except TimeoutError:
            raise QueryFailed("a SPARQL worker did not open the store in time") from None
        except (EOFError, OSError):
            exit_code = self.process.wait(5)
            raise QueryFailed(f"a SPARQL worker died while opening the store (exit code {exit_code})") from None
        if status != "ready":
            raise QueryFailed(detail)
        self.ready = True
        self.isolation = Isolation.decode(detail)
        self.socket.setblocking(False)

    def accepts(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether a request from `loop` may be queued behind the ones it holds."""
        if self.loop is not loop:  # (then its jobs are another thread's to touch)
            return False
        jobs = self.jobs
        return 0 < len(jobs) < PIPELINE_DEPTH and all(job.quick for job in jobs)

    def reap(self) -> int | None:
        """Make sure the process is gone (it may be on its way out); its exit code."""
        try:
            return self.process.wait(1)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)

    def stop(self) -> None:
        """Ask an idle worker to leave, and close its socket."""
        with contextlib.suppress(OSError):
            self.socket.send(worker.frame(b""))
        self.reap()
        self.socket.close()


def _read_frame(sock: socket.socket, timeout_s: float) -> bytes:
    """One frame from a blocking socket (start-up only)."""
    sock.settimeout(timeout_s)
    try:
        size = struct.unpack("!i", _read_exactly(sock, 4))[0]
        if size == -1:
            size = struct.unpack("!Q", _read_exactly(sock, 8))[0]
        return _read_exactly(sock, size)
    finally:
        sock.settimeout(None)


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return bytes(data)


class _Job:
    """One request: in line, then on a worker (queued behind its running query, then running), then
    answered. It completes, freeing its place, whether or not its client still waits."""

    __slots__ = ("request", "quick", "demote_s", "loop", "future", "timer", "began", "worker")

    def __init__(self, request: bytes, quick: bool, loop: asyncio.AbstractEventLoop,
                 demote_s: float | None = None) -> None:
        self.request = request
        self.quick = quick
        self.demote_s = demote_s  # run longer than this: stopped, to be run again on the slow lane
        self.loop = loop
        self.worker: Worker | None = None
        self.future: asyncio.Future[tuple[bytes, float]] = loop.create_future()
        self.timer: asyncio.TimerHandle | None = None  # the wait in line, then the time limit
        self.began = 0.0  # when its worker started it

    def fail(self, error: BaseException) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if not self.future.done():
            self.future.set_exception(error)


class WorkerPool:
    def __init__(
        self,
        store: Path,
        *,
        size: int,
        timeout_s: float,
        queue_timeout_s: float,
        memory_mb: int = 0,
        in_memory: bool = False,
        niceness: int = worker.NICENESS,
        name: str = "SPARQL",
    ) -> None:
        self.store = store
        self.in_memory = in_memory
        self.niceness = niceness  # the workers' CPU priority below the server's (os.nice)
        self.name = name  # in messages: which lane's workers
        self.demoted = 0  # queries stopped at their demotion threshold
        self.size = size
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s
        self.queue_timeout_s = queue_timeout_s
        self.replaced = 0  # workers killed and replaced after a timeout or a crash
        self.sent = 0  # requests handed to a worker (one whose client left while in line is not)
        # The least any worker achieved (sandbox.py); known once started. A replacement that
        # achieves less than this is not taken into the pool.
        self.isolation = Isolation(problems=("not started",))
        self._lock = threading.Lock()
        # Last in, first out: under light load one warm worker (caches, CPU) answers everything.
        self._idle: list[Worker] = []
        self._line: deque[_Job] = deque()  # requests waiting for a worker, in order
        self._workers: set[Worker] = set()  # idle, busy or starting, so that close() reaches them all
        self._started = False
        self._to_replace: queue.SimpleQueue[bool] = queue.SimpleQueue()  # for the keeper: True start one, False leave
        self._keeper: threading.Thread | None = None

    @property
    def started(self) -> bool:
        return self._started

    def launch(self) -> None:
        """Start the workers' interpreters without waiting for them: the server launches them before
        it imports its web framework, so the two start-ups overlap."""
        if not self._workers:
            self._workers = {self._new_worker() for _ in range(self.size)}  # their interpreters start side by side

    def start(self) -> None:
        """Start the workers (unless `launch` did) and wait until each has opened the store."""
        self.launch()
        workers = list(self._workers)
        try:
            for each in workers:
                each.wait_ready()
        except QueryFailed:
            self._workers = set()
            for each in workers:
                each.process.kill()
                each.reap()
                each.socket.close()
            raise
        self.isolation = min((w.isolation or Isolation() for w in workers), key=_strength)
        self._idle = workers
        self._started = True
        self._keeper = threading.Thread(target=self._keep, name="sparql-keeper", daemon=True)
        self._keeper.start()

    def _new_worker(self) -> Worker:
        return Worker(self.store, self.in_memory, self.memory_mb, self.niceness)

    def close(self) -> None:
        """Stop every worker, busy or not; requests still waiting get a QueryFailed."""
        with self._lock:
            self._started = False
            workers, self._workers = self._workers, set()
            idle, self._idle = self._idle, []
            line, self._line = self._line, deque()
        if self._keeper is not None:
            self._to_replace.put(False)
            self._keeper = None
        for job in line:
            _call_soon(job.loop, job.fail, QueryFailed("the SPARQL service was closed"))
        for each in workers:
            if each in idle:
                self._stop_idle(each)
            else:  # busy: its loop sees the EOF and fails its requests; or starting: the keeper gives up
                each.process.kill()
                each.reap()

    def _stop_idle(self, idle: Worker) -> None:
        """Ask an idle worker to leave, once the loop that still watches it has stopped watching."""
        loop = idle.loop
        if loop is None or loop.is_closed() or not loop.is_running() or _running_loop() is loop:
            _remove_reader(loop, idle.socket.fileno())  # (a loop not running can be told from here)
            idle.stop()
            return

        def on_its_loop() -> None:
            _remove_reader(loop, idle.socket.fileno())
            idle.stop()

        try:
            loop.call_soon_threadsafe(on_its_loop)
        except RuntimeError:  # closed meanwhile
            idle.stop()

    # ------------------------------------------------------------ asking

    async def ask(self, request: bytes, quick: bool = False) -> tuple[bytes, float]:
        """Have the next free worker answer `request` (a frame): its reply's payload, and the
        seconds the worker took. `quick`: the request is known to take well under `QUICK_S`, so
        another may be queued behind it. Waits at most `queue_timeout_s` for a worker and
        `timeout_s` for the answer."""
        # Cancelled (the client went away), the job still runs, or leaves the line, and frees its place.
        return await self.submit(request, quick)

    def submit(self, request: bytes, quick: bool = False,
               demote_s: float | None = None) -> asyncio.Future[tuple[bytes, float]]:
        """`ask` for a caller that takes the answer from a future (on the running loop) rather
        than from a coroutine: no task is made for it. `demote_s`: a query still running after
        that long is stopped (its worker killed and replaced) and its future fails with
        `Demoted`, for the caller to run it elsewhere."""
        loop = asyncio.get_running_loop()
        job = _Job(request, quick, loop, demote_s)
        with self._lock:
            if not self._started:
                raise QueryFailed("the SPARQL service is not started")
            if self._idle:
                chosen: Worker | None = self._idle.pop()
            elif self._line:
                chosen = None
            else:
                chosen = next((w for w in self._workers if w.accepts(loop)), None)
            if chosen is None:
                self._line.append(job)
                job.timer = loop.call_later(self.queue_timeout_s, self._give_up, job)
        if chosen is not None:
            self._send(chosen, job)
        return job.future

    def withdraw(self, future: asyncio.Future[tuple[bytes, float]]) -> bool:
        """Take the request whose answer is `future` out of the line, if it still waits there
        (its future is then cancelled); False if a worker has it already (it runs to its end)."""
        with self._lock:
            job = next((j for j in self._line if j.future is future), None)
            if job is None:
                return False
            self._line.remove(job)
        if job.timer is not None:
            job.timer.cancel()
            job.timer = None
        future.cancel()
        return True

    def _give_up(self, job: _Job) -> None:
        """Still in line when the wait is over."""
        job.timer = None
        job.fail(ServiceBusy(f"all {self.size} {self.name} workers stayed busy for {self.queue_timeout_s:g} s; retry later"))

    def _send(self, chosen: Worker, job: _Job) -> None:
        """Write `job` to `chosen` (on the job's loop, which is or becomes the worker's)."""
        if job.timer is not None:  # it waited in line
            job.timer.cancel()
            job.timer = None
        loop = job.loop
        if chosen.loop is not loop:  # (else its loop watches it already, even while it was idle)
            if chosen.loop is not None:
                _call_soon(chosen.loop, _remove_reader, chosen.loop, chosen.socket.fileno())
            chosen.loop = loop
            loop.add_reader(chosen.socket.fileno(), self._on_readable, chosen, loop)
        if not chosen.jobs:
            self._begin(job)
        chosen.jobs.append(job)
        job.worker = chosen
        self.sent += 1
        if chosen.unsent:  # it still has not taken the previous request
            chosen.unsent += job.request
            return
        try:
            sent = chosen.socket.send(job.request)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:  # the worker died while idle
            self._lost(chosen)
            return
        if sent < len(job.request):
            chosen.unsent += memoryview(job.request)[sent:]
            loop.add_writer(chosen.socket.fileno(), self._on_writable, chosen)

    def _begin(self, job: _Job) -> None:
        """`job` is now the one its worker runs: its time limit starts."""
        job.began = time.monotonic()
        if job.demote_s is not None and job.demote_s < self.timeout_s:
            job.timer = job.loop.call_later(job.demote_s, self._on_demote, job)
        else:
            job.timer = job.loop.call_later(self.timeout_s, self._on_timeout, job)

    def _on_writable(self, chosen: Worker) -> None:
        try:
            sent = chosen.socket.send(chosen.unsent)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            sent = len(chosen.unsent)  # the reader sees the EOF
        del chosen.unsent[:sent]
        if not chosen.unsent:
            assert chosen.loop is not None
            chosen.loop.remove_writer(chosen.socket.fileno())

    def _on_readable(self, chosen: Worker, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not chosen.loop:  # it moved to another loop; this one stops watching it soon
            return
        try:
            received = chosen.socket.recv_into(memoryview(chosen.buffer)[chosen.filled :])
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            received = 0
        if not received:  # EOF: the worker died (killed, out of memory, crashed), busy or idle
            self._lost(chosen)
            return
        if not chosen.jobs:  # nothing was asked: not a reply
            chosen.filled = 0
            return
        chosen.filled += received
        while chosen.jobs:
            payload = self._next_reply(chosen)
            if payload is None:
                break
            job = chosen.jobs.popleft()
            seconds = time.monotonic() - job.began
            if job.timer is not None:
                job.timer.cancel()
                job.timer = None
            if chosen.jobs:
                self._begin(chosen.jobs[0])
            if not job.future.done():
                job.future.set_result((payload, seconds))
        self._refill(chosen)

    def _next_reply(self, chosen: Worker) -> bytes | None:
        """The first complete reply in the worker's buffer, taken out of it; None if incomplete."""
        buffer, filled = chosen.buffer, chosen.filled
        if filled < 4:
            return None
        size, start = int.from_bytes(buffer[:4], "big", signed=True), 4
        if size == -1:  # a reply of 2 GiB or more
            if filled < 12:
                return None
            size, start = int.from_bytes(buffer[4:12], "big"), 12
        end = start + size
        if filled < end:
            if end > len(buffer):  # make room for the whole reply
                chosen.buffer = buffer + bytes(end - len(buffer))
            return None
        payload = bytes(memoryview(buffer)[start:end])
        if filled > end:  # the start of the next reply
            buffer[: filled - end] = buffer[end:filled]
        chosen.filled = filled - end
        if len(buffer) > BUFFER_BYTES and chosen.filled <= BUFFER_BYTES:
            chosen.buffer = buffer[:BUFFER_BYTES]
        return payload

    def _refill(self, chosen: Worker) -> None:
        """`chosen` (on its loop) has room: the next requests in line, else to the idle list."""
        loop = chosen.loop
        taken: list[_Job] = []
        elsewhere: _Job | None = None
        with self._lock:
            if chosen not in self._workers:  # the pool was closed meanwhile
                if not chosen.jobs:
                    self._unwatch(chosen)
                    chosen.socket.close()
                return
            line = self._line
            while line:
                job = line[0]
                if job.future.done():  # it gave up, or its client went away
                    line.popleft()
                elif not chosen.jobs and not taken and job.loop is not loop:
                    elsewhere = line.popleft()  # a request on another loop: the worker moves there
                    break
                elif (not chosen.jobs and not taken) or (
                    job.loop is loop
                    and len(chosen.jobs) + len(taken) < PIPELINE_DEPTH
                    and all(j.quick for j in chosen.jobs)
                    and all(j.quick for j in taken)
                ):
                    taken.append(line.popleft())
                else:
                    break
            if not chosen.jobs and not taken:
                if elsewhere is None:
                    # Idle, still watched by this loop: the next request from it costs no
                    # (un)registration, and a worker that dies meanwhile is noticed at once.
                    self._idle.append(chosen)
                else:
                    self._unwatch(chosen)
        for index, job in enumerate(taken):
            if chosen.dead:  # a write found it dead: the rest go back in line (their waits still run)
                with self._lock:
                    self._line.extendleft(reversed(taken[index:]))
                self._kick()
                break
            self._send(chosen, job)
        if elsewhere is not None:
            _call_soon(elsewhere.loop, self._send_or_refill, chosen, elsewhere)

    def _send_or_refill(self, chosen: Worker, job: _Job) -> None:
        if job.future.done():
            self._refill(chosen)
        else:
            self._send(chosen, job)

    def _unwatch(self, chosen: Worker) -> None:
        """Stop watching `chosen`'s socket (on its loop)."""
        if chosen.loop is None:
            return
        with contextlib.suppress(OSError, ValueError, RuntimeError):  # its socket or its loop already closed
            fd = chosen.socket.fileno()
            chosen.loop.remove_reader(fd)
            if chosen.unsent:
                chosen.loop.remove_writer(fd)
        chosen.loop = None
        chosen.unsent.clear()

    # ------------------------------------------------------------ failures

    def _on_timeout(self, job: _Job) -> None:
        """`job` ran out of time: kill its worker (SIGKILL: at once; it is reaped off the loop)."""
        job.timer = None
        chosen = job.worker
        assert chosen is not None
        chosen.process.kill()
        self._retire(chosen, job, QueryTimeout(f"the query ran for more than {self.timeout_s:g} s and was stopped"))

    def _on_demote(self, job: _Job) -> None:
        """`job` ran past its demotion threshold: stop it the way a timeout does (pyoxigraph
        cannot cancel a query, and a worker left to finish it would be one fewer for cheap
        queries for as long as it runs); the caller runs it again on the slow lane."""
        job.timer = None
        chosen = job.worker
        assert chosen is not None
        chosen.process.kill()
        self.demoted += 1
        self._retire(chosen, job, Demoted(time.monotonic() - job.began))

    def _lost(self, chosen: Worker) -> None:
        """`chosen` died (EOF or a refused write): its running request fails with its exit code."""
        memory = f"; it may have needed more than {self.memory_mb} MB of memory" if self.memory_mb else ""
        running = chosen.jobs[0] if chosen.jobs else None

        def report(exit_code: int | None) -> None:
            if running is not None:
                running.fail(QueryFailed(f"the query stopped its SPARQL worker (exit code {exit_code}){memory}"))

        self._retire(chosen, running, None, report)

    def _retire(self, dead: Worker, running: _Job | None, error: BaseException | None,
                report: Callable[[int | None], None] | None = None) -> None:
        """Take `dead` out of the pool (on its loop): fail its running request with `error` (or
        have `report` fail it once the exit code is known), put the requests queued behind it back
        at the front of the line, and have the keeper start a replacement."""
        loop = dead.loop
        dead.dead = True
        self._unwatch(dead)
        queued = [job for job in dead.jobs if job is not running and not job.future.done()]
        dead.jobs.clear()
        if running is not None and error is not None:
            running.fail(error)
        elif running is not None and running.timer is not None:
            running.timer.cancel()  # its end is reported once the worker is reaped
            running.timer = None
        with self._lock:
            closing = not self._started
            if dead in self._idle:
                self._idle.remove(dead)
            if dead in self._workers:
                self._workers.discard(dead)
                if not closing:
                    self.replaced += 1
                    self._to_replace.put(True)
            if not closing:
                for job in reversed(queued):  # they never started
                    self._line.appendleft(job)
                    job.timer = job.loop.call_later(self.queue_timeout_s, self._give_up, job)
        if closing:
            for job in queued:
                job.fail(QueryFailed("the SPARQL service was closed"))

        def bury() -> None:
            exit_code = dead.reap()
            dead.socket.close()
            if report is not None and loop is not None:
                _call_soon(loop, report, exit_code)

        threading.Thread(target=bury, name="sparql-reap", daemon=True).start()
        self._kick()

    def _kick(self) -> None:
        """Idle workers to requests in line (after a worker left, or a new one joined)."""
        while True:
            with self._lock:
                while self._line and self._line[0].future.done():
                    self._line.popleft()
                if not (self._idle and self._line):
                    return
                chosen, job = self._idle.pop(), self._line.popleft()
            _call_soon(job.loop, self._send_or_refill, chosen, job)

    # ------------------------------------------------------------ replacements

    def _keep(self) -> None:
        """The keeper thread: starts replacements, one at a time, until the pool closes."""
        while self._to_replace.get():
            self._start_replacement()

    def _start_replacement(self) -> None:
        """A new worker, in the pool once it has opened the store (a new interpreter takes ~50 ms)."""
        delay = 0.1
        while self._started:
            try:
                replacement = self._new_worker()
            except OSError:  # no process to be had (fork refused, no file descriptors): later
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            with self._lock:
                started = self._started
                if started:
                    self._workers.add(replacement)
            try:
                if not started:  # closed meanwhile
                    raise QueryFailed("the SPARQL service was closed")
                replacement.wait_ready()
                if _strength(replacement.isolation or Isolation()) < _strength(self.isolation):
                    raise QueryFailed(f"a SPARQL worker lost its isolation: {replacement.isolation}")
            except QueryFailed:
                with self._lock:
                    self._workers.discard(replacement)
                    started = self._started
                replacement.process.kill()
                replacement.reap()
                replacement.socket.close()
                if not started:
                    return
                time.sleep(delay)  # it could not start (e.g. out of memory): try again a little later
                delay = min(delay * 2, 5.0)
                continue
            with self._lock:
                if replacement not in self._workers:  # closed meanwhile
                    return
                self._idle.append(replacement)
            self._kick()
            return


def _niceness_below_us(niceness: int) -> int:
    """The absolute niceness `niceness` steps below this process's (at most 19)."""
    try:
        return min(19, os.getpriority(os.PRIO_PROCESS, 0) + niceness)
    except (AttributeError, OSError):
        return niceness


def _strength(isolation: Isolation) -> int:
    return isolation.namespace + isolation.seccomp


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _remove_reader(loop: asyncio.AbstractEventLoop | None, fd: int) -> None:
    if loop is None or loop.is_closed():
        return
    with contextlib.suppress(OSError, ValueError, RuntimeError):  # its socket already closed
        loop.remove_reader(fd)


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: object) -> None:
    """Run `callback` on `loop`: at once if we are on it, else through its thread-safe queue."""
    running = _running_loop()
    if running is loop:
        callback(*args)
        return
    with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits there any more
        loop.call_soon_threadsafe(callback, *args)
