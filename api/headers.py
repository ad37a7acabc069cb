"""Headers every answer of the app carries (one ASGI middleware, api/app.py adds it).

- `X-Content-Type-Options: nosniff` on every answer: an error body that echoes what was asked (a
  parameter, a name, a query) is never sniffed into HTML by a browser.
- CORS for the analyst API: the data are public and read-only, so a GET (or HEAD) may be read by a
  page of any origin (`Access-Control-Allow-Origin: *`, and the `Link` of the next page exposed).
  Nothing else is opened: no credentials, no other method. /sparql sets its own CORS headers (and
  answers its preflight), here and on the fast path that never reaches the app (sparql/protocol.py).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOSNIFF = (b"x-content-type-options", b"nosniff")
CORS_GET = ((b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", b"Link, Content-Disposition"))


class CommonHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        readable = scope["method"] in ("GET", "HEAD")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                wanted = (NOSNIFF, *CORS_GET) if readable else (NOSNIFF,)
                headers += [header for header in wanted if header[0] not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
