"""A small pool of worker processes with a real per-query time limit.

pyoxigraph cannot cancel a running query, so each query runs in a worker process holding its own
copy of the store. The server sends the query over a socket and waits for the answer in a thread
(never on the event loop); when the time limit passes it kills that worker, starts a replacement
and reports a timeout. The other workers keep answering meanwhile.

Workers are fresh interpreters (`python -c "...worker.main()"`), not forks: a fork would copy
uvicorn's and our threads' locks mid-use. They are started with subprocess rather than
multiprocessing's spawn, which would re-import the server's main script in every worker (slow, and
it hangs a script without an `if __name__ == "__main__"` guard). Each receives the graph as
N-Triples bytes and loads it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection

from . import worker
from .errors import QueryFailed, QueryTimeout, ServiceBusy

STARTUP_TIMEOUT_S = 60.0  # loading the graph; not counted against a query's time limit
WORKER_COMMAND = f"from {__package__}.worker import main; main()"


class Worker:
    def __init__(self, memory_mb: int = 0) -> None:
        ours, theirs = socket.socketpair()
        with theirs:
            self.process = subprocess.Popen(
                # -P: no script directory or cwd on sys.path; the child gets exactly our sys.path.
                [sys.executable, "-P", "-c", WORKER_COMMAND, str(theirs.fileno()), str(memory_mb)],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                # RUST_BACKTRACE=0: a query that runs out of memory says so in one line, not fifty.
                env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "RUST_BACKTRACE": "0"},
            )
        self.connection = Connection(ours.detach())
        self.triples: int | None = None  # set once the worker has loaded the graph

    def load(self, ntriples: bytes) -> None:
        """Hand the graph over; returns once the worker reads it (its interpreter has started)."""
        try:
            self.connection.send_bytes(ntriples)
        except OSError as error:
            raise QueryFailed(f"a SPARQL worker did not start: {error}") from None

    def wait_ready(self) -> None:
        if self.triples is not None:
            return
        if not self.connection.poll(STARTUP_TIMEOUT_S):
            raise QueryFailed("a SPARQL worker did not load the graph in time")
        try:
            status, detail = self.connection.recv()
        except EOFError:
            exit_code = self.process.wait(5)
            raise QueryFailed(f"a SPARQL worker died while loading the graph (exit code {exit_code})") from None
        if status != "ready":
            raise QueryFailed(detail)
        self.triples = detail

    def ask(self, request: worker.Request, timeout_s: float) -> worker.Reply | worker.Failure:
        self.wait_ready()
        self.connection.send(request)
        if not self.connection.poll(timeout_s):
            raise QueryTimeout(f"the query ran for more than {timeout_s:g} s and was stopped")
        return self.connection.recv()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.connection.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(None)  # asks the worker to leave
        try:
            self.process.wait(1)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.connection.close()


class WorkerPool:
    def __init__(
        self, ntriples: bytes, *, size: int, timeout_s: float, queue_timeout_s: float, memory_mb: int = 0
    ) -> None:
        self.ntriples = ntriples
        self.size = size
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s
        self.queue_timeout_s = queue_timeout_s
        self.replaced = 0  # workers killed and replaced after a timeout or a crash
        # Last in, first out: under light load one warm worker (caches, CPU) answers everything.
        self._idle: queue.LifoQueue[Worker] = queue.LifoQueue()
        self._workers: set[Worker] = set()  # idle or busy, so that close() reaches them all
        self._workers_lock = threading.Lock()
        # One thread per worker: the executor's queue is the line of requests waiting for a worker,
        # and a thread that runs always finds an idle worker.
        self._executor: ThreadPoolExecutor | None = None

    @property
    def started(self) -> bool:
        return self._executor is not None

    def start(self) -> int:
        """Start the workers and wait until each holds the graph; returns its number of triples."""
        self._workers = {Worker(self.memory_mb) for _ in range(self.size)}  # their interpreters start side by side
        try:
            for each in self._workers:
                each.load(self.ntriples)
            for each in self._workers:
                each.wait_ready()
        except QueryFailed:
            self._stop_workers()
            raise
        for each in self._workers:
            self._idle.put(each)
        self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="sparql")
        return next(iter(self._workers)).triples or 0

    def close(self) -> None:
        """Stop every worker, busy or not; requests still waiting get a QueryFailed."""
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.shutdown(wait=False, cancel_futures=True)
        self._stop_workers()

    def _stop_workers(self) -> None:
        with self._workers_lock:
            workers, self._workers = self._workers, set()
        for each in workers:
            each.stop()
        while not self._idle.empty():
            self._idle.get()

    async def ask(self, request: worker.Request) -> worker.Reply | worker.Failure:
        """Run `request` on the next free worker; wait at most `queue_timeout_s` for one."""
        if self._executor is None:
            raise QueryFailed("the SPARQL service is not started")
        future = self._executor.submit(self._ask_blocking, request)
        answer = asyncio.wrap_future(future)
        try:
            return await asyncio.wait_for(asyncio.shield(answer), self.queue_timeout_s)
        except TimeoutError:
            if future.cancel():  # still waiting for a worker: give up on it
                raise ServiceBusy(
                    f"all {self.size} SPARQL workers stayed busy for {self.queue_timeout_s:g} s; retry later"
                ) from None
            return await answer  # it is running, and its own time limit bounds the wait
        except asyncio.CancelledError:
            future.cancel()  # the client went away: do not run a query nobody waits for
            raise

    def _ask_blocking(self, request: worker.Request) -> worker.Reply | worker.Failure:
        current = self._idle.get()
        try:
            return current.ask(request, self.timeout_s)
        except QueryTimeout:
            current = self._replace(current)
            raise
        except (EOFError, OSError, QueryFailed):  # the worker died (or never started)
            exit_code = current.process.poll()
            current = self._replace(current)
            memory = f"; it may have needed more than {self.memory_mb} MB of memory" if self.memory_mb else ""
            raise QueryFailed(f"the query stopped its SPARQL worker (exit code {exit_code}){memory}") from None
        finally:
            self._idle.put(current)

    def _replace(self, dead: Worker) -> Worker:
        dead.kill()
        with self._workers_lock:
            self._workers.discard(dead)
            if self._executor is None:  # closing: no replacement
                return dead
            self.replaced += 1
            replacement = Worker(self.memory_mb)
            self._workers.add(replacement)
        # Returns once the new interpreter reads the graph (~50 ms); it loads it in the background
        # and its first query waits for that.
        replacement.load(self.ntriples)
        return replacement
