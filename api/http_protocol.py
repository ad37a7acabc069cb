"""uvicorn's httptools protocol, accepting a request line whose target holds raw UTF-8.

`curl 'http://127.0.0.1:8000/compare?instrument=孵化器'` sends the Chinese as raw bytes, which the
HTTP parser (llhttp) refuses with a 400. Browsers and `curl -G --data-urlencode` percent-encode;
a person typing a URL by hand does not. So a request line's non-ASCII bytes are percent-encoded
before the parser sees them: the app then reads the same parameters as from an encoded URL.

Only the first line of a chunk that starts a request is looked at (a request line split across
two reads, which takes a target of some 64 kB, is refused as before), and only if it has the
shape of a request line, so that a body's bytes are never touched.
"""

from __future__ import annotations

import asyncio
import re

_REQUEST_LINE = re.compile(rb"[A-Z]{3,7} ([^ \r\n]+) HTTP/1\.[01]\r?\n")


def encode_request_target(data: bytes) -> bytes:
    """`data` with the non-ASCII bytes of its leading request line's target percent-encoded."""
    match = _REQUEST_LINE.match(data)
    if match is None or match.group(1).isascii():
        return data
    target = b"".join(b"%%%02X" % byte if byte >= 0x80 else bytes((byte,)) for byte in match.group(1))
    return data[: match.start(1)] + target + data[match.end(1) :]


def utf8_targets(base: type[asyncio.Protocol]) -> type[asyncio.Protocol]:
    """A subclass of uvicorn's httptools protocol class `base` that accepts raw UTF-8 targets."""

    class Utf8TargetProtocol(base):  # type: ignore[valid-type, misc]
        _at_message_start = True  # the next byte received begins a request

        def data_received(self, data: bytes) -> None:
            if self._at_message_start:
                self._at_message_start = False
                data = encode_request_target(data)
            super().data_received(data)

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._at_message_start = True

    return Utf8TargetProtocol


def http_protocol() -> type[asyncio.Protocol] | str:
    """The `http=` uvicorn runs the app with where the SPARQL protocol does not answer ahead of it."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # no httptools: uvicorn's h11 protocol, which refuses raw UTF-8 too
        return "auto"
    return utf8_targets(HttpToolsProtocol)
