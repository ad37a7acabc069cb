"""The browsing pages: thin routes over `viz.pages.Pages`, built once per served graph.

`/browse` (filters: city, policy, instrument type, node kind), `/browse/compare?instrument=TERM`,
`/browse/policy/{id}`. An unknown name is a 404 page that names it and links the nearest valid ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from html import escape
from typing import TYPE_CHECKING, Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from graph.source import GraphSource
from graph.terms import NotFound

from . import contract as c
from .serving import ServedGraph

if TYPE_CHECKING:
    from viz.pages import Pages


def _not_found_page(err: NotFound, link: str) -> HTMLResponse:
    """`link` builds the href of a suggestion; every name shown is escaped."""
    items = "".join(f'<li><a href="{escape(link.format(quote(s)))}">{escape(s)}</a></li>' for s in err.suggestions)
    body = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>Not found · policykg</title>'
        '<style>body{font:15px/1.5 "Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif;'
        "margin:2em auto;max-width:44em;padding:0 1em}</style></head><body>"
        f"<h1>404: no {escape(err.kind)} named “{escape(err.name)}”</h1>"
        f'<p>Did you mean · 您是否要找:</p><ul>{items}</ul><p><a href="/browse">policykg · browse</a></p></body></html>'
    )
    return HTMLResponse(body, status_code=404)


def _suggestion_link(kind: str) -> str:
    return {
        "policy": "/browse/policy/{}",
        "instrument type": "/browse/compare?instrument={}",
        "city": "/browse?city={}",
        "node kind": "/browse?kind={}",
    }.get(kind, "/browse")


def create_browse_router(
    served: ServedGraph, source: GraphSource, answers: Mapping[str, bytes] | None = None
) -> APIRouter:
    """`source` is the graph the analyst API answers from (`served.source`: the build's store or the
    remote one): every page draws from it, through the query layer; `answers` are the analyst lane's
    precomputed answers of that graph, which the comparison page reads instead of querying again."""
    router = APIRouter(tags=["browse"], responses={
        200: c.answer("The page", c.HTML),
        404: c.not_found("An unknown city, policy, instrument type or node kind: a page naming the nearest", c.HTML),
    })
    built: list[Pages] = []
    lock = threading.Lock()

    def pages() -> Pages:
        """The pages (their cache, the form's choices), made on the first page asked for: pyvis and
        the choices' queries stay off the server's start-up."""
        with lock:
            if not built:
                from viz.pages import Pages

                built.append(Pages(source, answers=answers))
            return built[0]

    def page(render: Callable[[], str]) -> HTMLResponse:
        try:
            return HTMLResponse(render())
        except NotFound as err:
            return _not_found_page(err, _suggestion_link(err.kind))

    @router.get("/browse", response_class=HTMLResponse, summary="The graph, with filters (HTML page)")
    def browse(
        city: Annotated[list[str], Query(description="city, repeatable: 大连")] = [],  # noqa: B006 (FastAPI reads, never mutates)
        policy: Annotated[str | None, Query(description="policy id, e.g. 001_44c0e93a09a44987")] = None,
        instrument: Annotated[str | None, Query(description="instrument type: id, label or cue word (孵化器)")] = None,
        kind: Annotated[list[str], Query(description="node kinds to draw, repeatable: agency, instrument…")] = [],  # noqa: B006
    ) -> HTMLResponse:
        return page(
            lambda: pages().browse([c for c in city if c], policy or None, instrument or None, [k for k in kind if k])
        )

    @router.get("/browse/compare", response_class=HTMLResponse, summary="One instrument type across cities (HTML page)")
    def browse_compare(
        instrument: Annotated[str, Query(description="科技创新券, 孵化器, innovation voucher…")],
    ) -> HTMLResponse:
        return page(lambda: pages().compare(instrument))

    @router.get("/browse/policy", include_in_schema=False)
    def browse_policy_form(id: str = "") -> RedirectResponse:
        """The policy chooser of the pages' header submits here."""
        return RedirectResponse(f"/browse/policy/{quote(id)}" if id else "/browse", status_code=303)

    @router.get("/browse/policy/{policy}", response_class=HTMLResponse, summary="One policy's tree (HTML page)")
    def browse_policy(policy: str) -> HTMLResponse:
        return page(lambda: pages().policy(policy))

    return router
