"""The timeline page of /timeline?instrument=TERM: one row per city holding such a promise, ordered
by the year of its first one; a mark per policy on a year axis (filled: the city's first, hollow:
the later ones), a line from the first to the last, and above them how many cities had made such a
promise by each year (the diffusion). The table beside lists every policy with its date, which date
it is, its amounts and the source. Fed by graph.timeline.timeline, drawn as inline SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from graph.subgraph import TypeEntry

from .view_page import amount_text, no_promise_cell, page, row_id, svg_text

LEFT = 150.0  # the cities' names
RIGHT = 24.0
TOP_CHART = 96.0  # the cumulative count of cities, above the rows
AXIS = 30.0
ROW = 24.0
MIN_YEAR_WIDTH = 46.0
CHART_WIDTH = 620.0
MARK_RADIUS = 6.5
FIRST = "#0072B2"
FIRST_BORDER = "#004A75"
LATER_BORDER = "#0072B2"
CUMULATIVE = "#CFE3F1"


def _year_scale(first: int, last: int) -> tuple[float, float]:
    """(pixels per year, width): one column per year from `first` to `last`, at least `CHART_WIDTH`."""
    years = last - first + 1
    per_year = max(MIN_YEAR_WIDTH, CHART_WIDTH / years)
    return per_year, LEFT + per_year * years + RIGHT


def year_x(year: int, first: int, per_year: float) -> float:
    """The middle of a year's column."""
    return LEFT + (year - first + 0.5) * per_year


def _marks(city: dict[str, Any], y: float, first: int, per_year: float) -> list[str]:
    parts: list[str] = []
    dated = [p for p in city["policies"] if p["year"] is not None]
    if not dated:
        return parts
    xs = [year_x(p["year"], first, per_year) for p in dated]
    if len(set(xs)) > 1:
        parts.append(f'<line x1="{min(xs):.1f}" y1="{y:.1f}" x2="{max(xs):.1f}" y2="{y:.1f}" stroke="#9DBFD8" stroke-width="2"/>')
    seen: dict[int, int] = {}
    for policy, x in zip(dated, xs, strict=True):
        # several policies of one year sit side by side within the year's column
        n = seen.get(policy["year"], 0)
        seen[policy["year"]] = n + 1
        same_year = sum(1 for p in dated if p["year"] == policy["year"])
        dx = (n - (same_year - 1) / 2) * min(2.2 * MARK_RADIUS, per_year * 0.8 / max(same_year, 1))
        fill, stroke = (FIRST, FIRST_BORDER) if policy["first"] else ("#FFFFFF", LATER_BORDER)
        amounts = [amount_text(i["amount_yuan"], i["max"]) for i in policy["instruments"]]
        tip = (
            f"{city['city']} {policy['date'] or ''} ({policy['date_kind'] or ''}): {policy['title']}\n"
            + "; ".join(dict.fromkeys(amounts))
        )
        parts.append(
            f'<a href="{escape(policy["source"])}" class="mark" data-city="{escape(city["city"])}" '
            f'data-year="{policy["year"]}" data-first="{str(policy["first"]).lower()}">'
            f'<circle cx="{x + dx:.1f}" cy="{y:.1f}" r="{MARK_RADIUS}" fill="{fill}" stroke="{stroke}" stroke-width="1.8"/>'
            f"<title>{escape(tip)}</title></a>"
        )
    return parts


def timeline_svg(answer: dict[str, Any]) -> str:
    rows = [c for c in answer["cities"] if c["promises"] and c["first_year"] is not None]
    if not answer["years"] or not rows:
        return '<p class="muted">没有注明日期的此类承诺 · no dated promise of this type in the corpus.</p>'
    first, last = answer["years"]
    per_year, width = _year_scale(first, last)
    height = TOP_CHART + AXIS + ROW * len(rows) + AXIS
    axis_top = TOP_CHART + AXIS
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-label="timeline" font-family=\'"Noto Sans CJK SC","Noto Sans SC",sans-serif\'>',
        "<style>a.mark:hover circle{stroke:#111;stroke-width:2.5}</style>",
    ]
    # the diffusion: cities that had promised by each year (a step for each year)
    starts = [c["first_year"] for c in rows]
    bar_height = TOP_CHART - 30
    most = len(rows)
    parts.append(svg_text(LEFT - 8, 16, "已承诺城市数(累计)", size=12, anchor="end", weight="600"))
    parts.append(svg_text(LEFT - 8, 32, "cities that had promised", size=11, anchor="end", fill="#5F6B7A"))
    for year in range(first, last + 1):
        count = sum(1 for s in starts if s <= year)
        new = sum(1 for s in starts if s == year)
        h = bar_height * count / most
        x = LEFT + (year - first) * per_year
        parts.append(
            f'<rect x="{x + 3:.1f}" y="{TOP_CHART - h:.1f}" width="{per_year - 6:.1f}" height="{h:.1f}" fill="{CUMULATIVE}"/>'
        )
        label = f"{count}" + (f" (+{new})" if new else "")
        parts.append(svg_text(x + per_year / 2, TOP_CHART - h - 4, label, size=11, anchor="middle"))
    # the year axis, above and below the rows, and a light column per year
    for year in range(first, last + 1):
        x = year_x(year, first, per_year)
        parts.append(f'<line x1="{x:.1f}" y1="{axis_top - 6:.1f}" x2="{x:.1f}" y2="{height - AXIS + 4:.1f}" stroke="#EEF1F4"/>')
        parts.append(svg_text(x, axis_top - 10, str(year), size=12, anchor="middle", weight="600"))
        parts.append(svg_text(x, height - 10, str(year), size=12, anchor="middle", weight="600"))
    parts.append(svg_text(LEFT - 8, axis_top - 10, "城市 · 首次 city · first", size=12, anchor="end", fill="#5F6B7A"))
    parts.append(svg_text(LEFT - 8, height - 10, "年份 year →", size=12, anchor="end", fill="#5F6B7A"))
    for index, city in enumerate(rows):
        y = axis_top + ROW * (index + 0.5)
        if index % 2 == 0:
            parts.append(f'<rect x="0" y="{y - ROW / 2:.1f}" width="{width:.0f}" height="{ROW}" fill="#F7F8FA"/>')
        parts.append(
            f'<a href="#{escape(row_id(city["city"]))}">'
            + svg_text(LEFT - 8, y + 4, f"{city['city']} · {city['first_year']}", size=13, anchor="end")
            + "</a>"
        )
        parts.extend(_marks(city, y, first, per_year))
    parts.append("</svg>")
    return "".join(parts)


def _mark_swatch(fill: str, stroke: str) -> str:
    return (
        f'<svg width="16" height="16" aria-hidden="true"><circle cx="8" cy="8" r="{MARK_RADIUS - 0.5}" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="1.8"/></svg>'
    )


def _policy_cell(policy: dict[str, Any], date_kinds: dict[str, str]) -> str:
    amounts = [amount_text(i["amount_yuan"], i["max"]) for i in policy["instruments"]]
    when = policy["date"] or "日期不详 · date unknown"
    kind = date_kinds.get(policy["date_kind"] or "", "")
    return (
        f'<div><b>{escape(when)}</b> <span class="hint">{escape(kind)}</span>'
        f'{" · <b>首次 first</b>" if policy["first"] else ""}<br>'
        f'<a href="/browse/policy/{escape(policy["policy"])}">{escape(policy["title"])}</a><br>'
        f'<span class="muted">{escape("; ".join(dict.fromkeys(amounts)))}</span> · '
        f'<a href="{escape(policy["source"])}">原文 source</a></div>'
    )


def _table(answer: dict[str, Any]) -> str:
    head = "<table><thead><tr><th>城市 city</th><th>首次 first year</th><th>政策 policies (日期 date)</th></tr></thead><tbody>"
    rows = []
    for city in answer["cities"]:
        anchor = escape(row_id(city["city"]))
        name = escape(city["city"])
        if city["promises"]:
            cells = "".join(_policy_cell(p, answer["date_kinds"]) for p in city["policies"])
            rows.append(
                f'<tr id="{anchor}"><td>{name}<div class="hint">{city["documents"]} 份文件 documents</div></td>'
                f'<td class="num">{city["first_year"] or "—"}</td><td>{cells}</td></tr>'
            )
        else:
            rows.append(
                f'<tr id="{anchor}"><td>{name}</td><td class="num">—</td><td class="muted">'
                f'{no_promise_cell(city["note"], city["documents_held"])}</td></tr>'
            )
    return head + "".join(rows) + "</tbody></table>"


def render_timeline(answer: dict[str, Any], types: Sequence[TypeEntry]) -> str:
    """The page of graph.timeline.timeline's answer; `types`: the chooser's instrument types."""
    kind = answer["type"]
    cities = answer["cities"]
    promising = [c for c in cities if c["promises"]]
    first_ones = [c["city"] for c in promising if c["first_year"] is not None and answer["years"] and c["first_year"] == answer["years"][0]]
    # a long list of leaders is cut: the chart and the table name them all
    leaders = first_ones[:8] + ([f"… (+{len(first_ones) - 8})"] if len(first_ones) > 8 else [])
    intro = [
        f"{len(promising)} of {len(cities)} cities hold a promise of this type"
        + (f"; the first, in {answer['years'][0]}: {', '.join(leaders)}." if leaders else ".")
        + f" {len(promising)} / {len(cities)} 个城市有此类承诺"
        + (f";最早({answer['years'][0]} 年):{'、'.join(leaders)}。" if leaders else "。"),
        "每行一个城市,按首次承诺的年份排序;每个圆点是一份含此类承诺的政策,实心为该市首次,空心为其后。"
        "政策日期取成文日期,无则取发布日期。"
        "One row per city, ordered by the year of its first such promise; each circle is a policy holding one "
        "(filled: the city's first, hollow: later ones). A policy's date is its signing date, else its publication date.",
    ]
    legend = (
        '<div class="legend">'
        f"<span>{_mark_swatch(FIRST, FIRST_BORDER)} 首次承诺的政策 · the city's first policy with such a promise</span>"
        f"<span>{_mark_swatch('#FFFFFF', LATER_BORDER)} 其后的政策 · a later one</span>"
        f'<span><svg width="22" height="12" aria-hidden="true"><rect x="1" y="1" width="20" height="10" fill="{CUMULATIVE}"/></svg>'
        " 累计城市数 · cities that had promised by that year</span></div>"
    )
    silent = [c["city"] for c in cities if not c["promises"]]
    undated = [c["city"] for c in promising if c["first_year"] is None]
    notes = ""
    if silent:
        notes += (
            f'<p class="hint">无此类承诺(见表)· no such promise in the documents held (see the table): '
            f"{escape('、'.join(silent))}</p>"
        )
    if undated:
        notes += f'<p class="hint">承诺无日期 · promises whose policy has no date: {escape("、".join(undated))}</p>'
    label = f"{kind['label_zh']} · {kind['label_en']}"
    return page(
        path="/timeline",
        title=f"时间线 timeline · {label}",
        heading=f"{kind['label_zh']}:哪个城市先承诺,谁跟进 · {kind['label_en']}: which city led, who followed",
        intro=intro,
        type_id=kind["id"],
        types=types,
        figure=legend + timeline_svg(answer) + notes,
        side=_table(answer),
    )
