"""Answers sent again and again, kept serialised and gzip-compressed once.

The graph does not change while it is served, so the body of an answer depends only on what was
asked: a comparison asked by a cue word (科技创新券) or a question to /search gives the same
bytes every time. At hundreds of cities a comparison is megabytes of JSON; a client that accepts
gzip (browsers, httpx, requests, curl --compressed) gets about a tenth of that, compressed on the
first request and then sent as it is.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

from fastapi import Request
from fastapi.responses import Response

# below this, compressing costs more than the bytes it saves
GZIP_MIN_BYTES = 1024
# the bodies kept beyond the precomputed ones (comparisons asked by other words, search answers)
DEFAULT_BUDGET_BYTES = 128 << 20


def accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


class Bodies:
    """Serialised bodies and their gzip form, by key, least recently used dropped past a byte budget."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self._kept: OrderedDict[Hashable, tuple[bytes, bytes | None]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def _get(self, key: Hashable) -> tuple[bytes, bytes | None] | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def _put(self, key: Hashable, body: bytes, packed: bytes | None) -> None:
        with self._lock:
            old = self._kept.pop(key, None)
            if old is not None:
                self._size -= len(old[0]) + len(old[1] or b"")
            self._kept[key] = (body, packed)
            self._size += len(body) + len(packed or b"")
            while self._size > self.budget_bytes and len(self._kept) > 1:
                _, (dropped, dropped_packed) = self._kept.popitem(last=False)
                self._size -= len(dropped) + len(dropped_packed or b"")

    def respond(
        self, request: Request, key: Hashable, body: Callable[[], bytes], media_type: str,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """The response for `key`: `body()` is called only the first time."""
        kept = self._get(key)
        if kept is None:
            kept = (body(), None)
            self._put(key, *kept)
        return self._response(request, key, *kept, media_type, headers)

    async def respond_async(
        self, request: Request, key: Hashable, body: Callable[[], Awaitable[bytes]], media_type: str,
        headers: dict[str, str] | None = None,
    ) -> Response:
        kept = self._get(key)
        if kept is None:
            kept = (await body(), None)
            self._put(key, *kept)
        return self._response(request, key, *kept, media_type, headers)

    def _response(
        self, request: Request, key: Hashable, raw: bytes, packed: bytes | None, media_type: str,
        headers: dict[str, str] | None,
    ) -> Response:
        headers = {**(headers or {}), "Vary": "Accept-Encoding"}
        if len(raw) < GZIP_MIN_BYTES or not accepts_gzip(request):
            return Response(raw, media_type=media_type, headers=headers)
        if packed is None:
            packed = gzip.compress(raw, compresslevel=6, mtime=0)
            self._put(key, raw, packed)
        return Response(packed, media_type=media_type, headers={**headers, "Content-Encoding": "gzip"})
