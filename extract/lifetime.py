"""A worker process that dies with the process that started it.

Used by the extraction workers (extract/runner.py) and the SPARQL workers (api/sparql/worker.py):
without it, a worker deep in a runaway regex or query would outlive a parent killed with SIGKILL,
since it only notices the closed socket once that work is done.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None = None) -> None:
    """Linux: have the kernel kill this process when its parent dies (best effort; elsewhere the
    parent's closed socket has to do). With `parent_pid`, exit now if that parent is already gone."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if parent_pid is not None and os.getppid() != parent_pid:  # it died before prctl took effect
        os._exit(1)
