"""A list as a plain HTML table page: the filter form on top, headers that sort by link, cells that
link where the caller says (the policy, the agency, the source span), paging links below.

No script and no external asset: a page that works offline and prints. Every value is escaped. The
caller (api/routes.py) gives the rows and the links; this module knows nothing of the API.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# a cell's link for one value of the column (each item of a list cell is linked on its own)
CellLink = Callable[[Any, Mapping[str, Any]], str | None]


@dataclass(frozen=True)
class FormField:
    """A filter of the form: a text box, or a choice among `choices`; `value` as asked now."""

    name: str
    description: str
    example: str
    choices: tuple[str, ...] = ()
    value: str = ""


@dataclass
class TablePage:
    title: str
    columns: Sequence[str]
    rows: Sequence[Mapping[str, Any]]
    total: int
    offset: int = 0
    summary: str = ""  # what the table is, above it
    notes: Sequence[str] = ()  # honest remarks (cities with no such promise…)
    links: Mapping[str, CellLink] = field(default_factory=dict)
    sort_links: Mapping[str, str] = field(default_factory=dict)  # column → the URL sorting by it
    sorted_by: Mapping[str, bool] = field(default_factory=dict)  # column → descending
    form: Sequence[FormField] = ()
    hidden: Mapping[str, str] = field(default_factory=dict)  # parameters the form keeps (instrument, q)
    action: str = ""
    formats: Mapping[str, str] = field(default_factory=dict)  # "CSV" → URL
    previous: str | None = None
    next: str | None = None


STYLE = """
body { font: 14px/1.45 "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 16px 20px; color: #1d1d1f; }
h1 { font-size: 20px; margin: 0 0 6px; }
p.summary, p.count { color: #444; margin: 4px 0; }
ul.notes { color: #6b4e00; background: #fff8e1; padding: 6px 24px; border-radius: 4px; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: end; margin: 10px 0;
               padding: 8px 10px; background: #f4f6f8; border-radius: 4px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: #333; }
form.filters input, form.filters select { font: inherit; padding: 2px 4px; min-width: 110px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #d0d4d9; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #eef1f4; position: sticky; top: 0; white-space: nowrap; }
th a { color: inherit; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.quote { max-width: 36em; }
td:first-child { white-space: nowrap; }
tr:nth-child(even) td { background: #fafbfc; }
nav.pages { margin: 10px 0; display: flex; gap: 16px; }
a { color: #0b5cad; }
"""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return str(value)


def _cell(column: str, value: Any, row: Mapping[str, Any], link: CellLink | None) -> str:
    items = list(value) if isinstance(value, list | tuple) else [value]
    parts = []
    for item in items:
        shown = html.escape(_text(item))
        target = link(item, row) if link and item not in (None, "") else None
        parts.append(f'<a href="{html.escape(target)}">{shown}</a>' if target else shown)
    kind = ' class="num"' if _is_number(value) else ' class="quote"' if column in ("quote", "note") else ""
    return f"<td{kind}>{'<br>'.join(parts)}</td>"


def _form(page: TablePage) -> str:
    if not page.form:
        return ""
    fields = []
    for f in page.form:
        label = html.escape(f"{f.name}")
        title = html.escape(f.description)
        if f.choices:
            options = "".join(
                f'<option value="{html.escape(c)}"{" selected" if c == f.value else ""}>{html.escape(c)}</option>'
                for c in ("", *f.choices)
            )
            control = f'<select name="{label}" title="{title}">{options}</select>'
        else:
            control = (
                f'<input name="{label}" value="{html.escape(f.value)}" placeholder="{html.escape(f.example)}"'
                f' title="{title}">'
            )
        fields.append(f"<label>{label}{control}</label>")
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in page.hidden.items()
    )
    return (
        f'<form class="filters" method="get" action="{html.escape(page.action)}">{hidden}{"".join(fields)}'
        '<button type="submit">Filter 筛选</button></form>'
    )


def render_table(page: TablePage) -> str:
    """The whole page, escaped."""
    heads = []
    for column in page.columns:
        mark = ""
        if column in page.sorted_by:
            mark = " ▼" if page.sorted_by[column] else " ▲"
        name = html.escape(column) + mark
        target = page.sort_links.get(column)
        heads.append(f'<th><a href="{html.escape(target)}">{name}</a></th>' if target else f"<th>{name}</th>")
    body = "\n".join(
        "<tr>" + "".join(_cell(c, row.get(c), row, page.links.get(c)) for c in page.columns) + "</tr>"
        for row in page.rows
    )
    shown = f"rows {page.offset + 1}–{page.offset + len(page.rows)} of {page.total}" if page.rows else f"no rows of {page.total}"
    formats = " · ".join(f'<a href="{html.escape(u)}">{html.escape(n)}</a>' for n, u in page.formats.items())
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in page.notes)
    paging = "".join(
        f'<a href="{html.escape(u)}" rel="{rel}">{label}</a>'
        for u, rel, label in ((page.previous, "prev", "← previous"), (page.next, "next", "next →"))
        if u
    )
    return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(page.title)} · policykg</title><style>{STYLE}</style></head>
<body>
<h1>{html.escape(page.title)}</h1>
<p class="summary">{html.escape(page.summary)}</p>
{_form(page)}
{f'<ul class="notes">{notes}</ul>' if notes else ""}
<p class="count">{shown}{" · also as " + formats if formats else ""}</p>
<table>
<thead><tr>{"".join(heads)}</tr></thead>
<tbody>
{body}
</tbody>
</table>
<nav class="pages">{paging}</nav>
</body></html>
"""
