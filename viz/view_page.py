"""What the map and the timeline pages share: the page around their SVG (header, the instrument
chooser, the links to the same answer as JSON and CSV), the 404 page, and amounts in words.

Everything is drawn here, server-side, as HTML and inline SVG: no script, no external asset, so a
page works offline and shows the same thing in any browser. Every text from the graph is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from urllib.parse import quote, urlencode

from graph.subgraph import TypeEntry
from graph.terms import NotFound, format_wan

FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'

STYLE = """
:root { --ink: #1F2933; --muted: #5F6B7A; --line: #D9DEE5; --panel: #F7F8FA; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 FONT; color: var(--ink); background: #fff; }
header { padding: 8px 16px; border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; }
header h1 { font-size: 17px; margin: 0; font-weight: 600; }
header h1 a { color: inherit; text-decoration: none; }
header nav { display: flex; gap: 14px; flex-wrap: wrap; align-items: center; }
header form { display: flex; gap: 6px; align-items: center; margin: 0; }
select, button { font: inherit; font-size: 13px; }
select { max-width: 24em; }
a { color: var(--accent); }
.intro { padding: 10px 16px 0; }
.intro h2 { font-size: 20px; margin: 0 0 4px; font-weight: 600; }
.intro p { margin: 2px 0; color: var(--muted); max-width: 80em; }
main { display: flex; flex-wrap: wrap; gap: 16px; padding: 10px 16px 24px; align-items: flex-start; }
.figure { flex: 0 1 auto; min-width: 0; }
.figure.map { max-width: 720px; }
.figure svg { display: block; max-width: 100%; height: auto; }
.side { flex: 1 1 420px; min-width: 340px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 18px; align-items: center; margin: 6px 0; font-size: 13px; }
.legend span { display: inline-flex; gap: 6px; align-items: center; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: var(--panel); position: sticky; top: 0; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
tr:target td { background: #FFF6E0; }
.muted, .hint { color: var(--muted); }
.hint { font-size: 12px; }
details summary { cursor: pointer; color: var(--muted); }
ul.docs { margin: 2px 0 0; padding-left: 18px; }
.downloads { font-size: 13px; }
""".replace("FONT", FONT)


def amount_text(amount_yuan: int | float | None, ceiling: bool | None = False) -> str:
    """10000000 → "1,000 万元"; a ceiling (最高) says so; None → "未写明金额 · no figure"."""
    if amount_yuan is None:
        return "未写明金额 · no figure"
    return ("最高 max " if ceiling else "") + format_wan(int(amount_yuan))


def type_chooser(action: str, types: Sequence[TypeEntry], current: str) -> str:
    """A form switching the page to another instrument type (those with an instrument in the corpus,
    and the current one)."""
    options = "".join(
        f'<option value="{escape(t.id)}"{" selected" if t.id == current else ""}>'
        f"{escape(t.label_zh)} · {escape(t.label_en)} ({t.count})</option>"
        for t in types
        if t.count or t.id == current
    )
    return (
        f'<form action="{escape(action)}" method="get"><label for="instrument">资助工具类型 · instrument type</label>'
        f'<select id="instrument" name="instrument">{options}</select>'
        '<input type="hidden" name="format" value="html"><button type="submit">显示 · show</button></form>'
    )


def page(
    *,
    path: str,
    title: str,
    heading: str,
    intro: Sequence[str],
    type_id: str,
    types: Sequence[TypeEntry],
    figure: str,
    side: str,
    figure_class: str = "",
) -> str:
    """The whole page: `figure` and `side` are HTML made (and escaped) by the caller; `intro`'s
    lines are plain text."""
    query = urlencode({"instrument": type_id})
    links = (
        f'<span class="downloads">同一答案 · the same answer as <a href="{path}?{query}&amp;format=json">JSON</a> · '
        f'<a href="{path}?{query}&amp;format=csv">CSV</a></span>'
    )
    other = {"/map": ("/timeline", "时间线 · timeline"), "/timeline": ("/map", "地图 · map")}[path]
    nav = (
        '<nav><a href="/browse">浏览 · browse</a>'
        f'<a href="/browse/compare?instrument={quote(type_id)}">对比图 · comparison graph</a>'
        f'<a href="{other[0]}?{query}&amp;format=html">{other[1]}</a>'
        f"{type_chooser(path, types, type_id)}</nav>"
    )
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in intro)
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)} · policykg</title><link rel="icon" href="data:,"><style>{STYLE}</style></head>'
        f'<body><header><h1><a href="/browse">policykg</a></h1>{nav}</header>'
        f'<section class="intro"><h2>{escape(heading)}</h2>{paragraphs}<p>{links}</p></section>'
        f'<main><div class="figure {figure_class}">{figure}</div><div class="side">{side}</div></main></body></html>'
    )


def not_found_page(err: NotFound, path: str) -> str:
    """The 404 page of an unknown instrument type: the name asked for and the nearest valid ones."""
    items = "".join(
        f'<li><a href="{escape(path + "?" + urlencode({"instrument": s, "format": "html"}))}">{escape(s)}</a></li>'
        for s in err.suggestions
    )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>Not found · policykg</title>'
        f'<link rel="icon" href="data:,"><style>{STYLE} body {{ margin: 2em auto; max-width: 44em; padding: 0 1em; }}</style>'
        f"</head><body><h1>404: no {escape(err.kind)} named “{escape(err.name)}”</h1>"
        f"<p>Did you mean · 您是否要找:</p><ul>{items}</ul>"
        f'<p><a href="/browse">policykg · browse</a></p></body></html>'
    )


def svg_text(x: float, y: float, text: str, *, size: float = 12, anchor: str = "start", fill: str = "#1F2933",
             weight: str = "normal", extra: str = "") -> str:
    """An SVG label (escaped), with a white halo so it reads over lines and marks."""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
        f'font-weight="{weight}" paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round"{extra}>'
        f"{escape(text)}</text>"
    )


def row_id(city: str) -> str:
    """The table row's anchor of a city (a mark links to it): ids may hold any character but spaces."""
    return "city-" + "_".join(city.split())


def no_promise_cell(note: str, documents: Sequence[dict[str, str]]) -> str:
    """A city's cell where none of its documents holds such a promise: the note, opening onto the
    documents held (each linking to its policy tree)."""
    items = "".join(f'<li><a href="/browse/policy/{escape(d["policy"])}">{escape(d["title"])}</a></li>' for d in documents)
    return f'<details><summary>{escape(note)}</summary><ul class="docs">{items}</ul></details>'
