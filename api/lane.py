"""The analyst lane: the graph the analyst's questions run on, the answers computed once, and a small
thread pool of its own.

Public /sparql work runs in worker processes behind its own queue; the analyst API never waits in
that queue, nor in the server's shared thread pool: a question that needs a query runs here, and
an answer without a filter (the matrix, each type's comparison, the lists) is sent as the bytes
`graph.answers.precompute_answers` made at start-up.

The expensive views have bounds of their own, so that a burst of them cannot take every lane
thread from the other questions: free-text searches run on two threads of their own (at most
`SEARCHES_WAITING` waiting or running, else 503), xlsx workbooks on `EXPORTS` threads (at most that
many built at a time, else 503); deep paging is refused by the lists themselves (graph/listing.py
MAX_OFFSET).
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from graph.answers import precompute_answers
from graph.source import GraphSource

from .search import QuestionReader

T = TypeVar("T")
SEARCH_THREADS = 2
SEARCHES_WAITING = 32
EXPORTS = 2


class LaneFull(Exception):
    """A side lane already holds as many requests as it may: answered 503 with Retry-After."""

    def __init__(self, what: str, most: int, retry_after: int = 2) -> None:
        super().__init__(f"{most} {what} already waiting or running; retry in a moment")
        self.retry_after = retry_after


class SideLane:
    """A few threads of their own for one kind of expensive request, with a bounded line."""

    def __init__(self, what: str, threads: int, most: int) -> None:
        self.what = what
        self.threads = threads
        self.most = most  # waiting or running
        self.held = 0
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        with self._lock:
            if self.held >= self.most:
                raise LaneFull(self.what, self.most)
            self.held += 1
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix=self.what.replace(" ", "-"))
            pool = self._pool
        try:
            running = pool.submit(call, *args)
        except BaseException:
            self._release()
            raise
        # released when the thread is done with it, not when the request is: a client that leaves
        # does not stop the work it started, so it keeps counting until that work ends
        running.add_done_callback(lambda _: self._release())
        return await asyncio.wrap_future(running)

    def _release(self) -> None:
        with self._lock:
            self.held -= 1

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


class AnalystLane:
    def __init__(self, source: GraphSource, precomputed: dict[str, bytes] | None = None, threads: int = 0) -> None:
        self.source = source
        self.answers = precompute_answers(source) if precomputed is None else precomputed
        self.reader = QuestionReader(source, self.answers)
        # a few threads, so that one slow answer does not hold up the next; pyoxigraph computes
        # solutions as they are read, under the GIL, so they interleave more than run in parallel
        self.threads = threads or min(4, os.cpu_count() or 1)
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self.searches = SideLane("searches", SEARCH_THREADS, SEARCHES_WAITING)
        self.exports = SideLane("xlsx exports", EXPORTS, EXPORTS)

    def pool(self) -> ThreadPoolExecutor:
        """The lane's threads, started with the first question (again after `close`: an app may be
        started more than once, as tests do)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="analyst")
            return self._pool

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.pool(), functools.partial(call, *args))

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        self.searches.close()
        self.exports.close()
