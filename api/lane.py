"""The analyst lane: the graph the analyst's questions run on, the answers computed once, and a small
thread pool of its own.

Public /sparql work runs in worker processes behind its own queue; the analyst API never waits in
that queue, nor in the server's shared thread pool: a question that needs a query runs here, and
an answer without a filter (the matrix, each type's comparison, the lists) is sent as the bytes
`graph.answers.precompute_answers` made at start-up.
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
