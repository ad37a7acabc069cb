"""The map page of /map?instrument=TERM: one mark per city of the comparison at its coordinates,
its area growing with the largest amount the city promises, hollow where it holds no such promise;
the legend and the table beside it. Fed by graph.places.map_answer (the /compare answer joined to
places.tsv), drawn as inline SVG.

Points only: no boundary polygons (a published map of China with borders needs an approval number).
The backdrop is a graticule every 10° and a few reference cities in grey, drawn here. The projection
is equirectangular over China's extent, with longitudes shrunk by cos 35° so that shapes at middle
latitudes are not stretched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import urlencode

from extract.divisions import city_locations
from graph.subgraph import TypeEntry

from .view_page import amount_text, page, row_id, svg_text

# China's extent, with room for labels
LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = 73.0, 136.0, 17.0, 54.0
SCALE = 13.0  # pixels per degree of latitude
LON_FACTOR = math.cos(math.radians(35.0))
MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM = 34.0, 14.0, 12.0, 26.0
WIDTH = MARGIN_LEFT + (LON_MAX - LON_MIN) * LON_FACTOR * SCALE + MARGIN_RIGHT
HEIGHT = MARGIN_TOP + (LAT_MAX - LAT_MIN) * SCALE + MARGIN_BOTTOM

FUNDED = "#009E73"  # the instruments' colour on the other pages
FUNDED_BORDER = "#006B4E"
NO_FIGURE = "#A8DCCB"  # a promise stated without a figure
HOLLOW_BORDER = "#5F6B7A"
REFERENCE = "#9AA5B1"
# A few cities to find one's way by (shown only when they are not in the corpus).
REFERENCE_CITIES = ("北京", "上海", "广州", "重庆", "成都", "武汉", "西安", "乌鲁木齐", "拉萨", "哈尔滨", "昆明", "兰州")
LABEL_SIZE = 12.0
NO_FIGURE_RADIUS = 4.5
HOLLOW_RADIUS = 4.5


def project(longitude: float, latitude: float) -> tuple[float, float]:
    """Longitude/latitude → the map's pixels (x to the east, y to the south)."""
    return (
        MARGIN_LEFT + (longitude - LON_MIN) * LON_FACTOR * SCALE,
        MARGIN_TOP + (LAT_MAX - latitude) * SCALE,
    )


def radius(amount_yuan: float | None) -> float:
    """A funding city's mark: its radius grows with the logarithm of the largest amount (1 万元 →
    6, 100 万元 → 11.6, 1 亿元 → 17.2 px); a promise with no figure is the smallest."""
    if amount_yuan is None:
        return NO_FIGURE_RADIUS
    return round(5.0 + 2.8 * math.log10(amount_yuan / 10_000 + 1), 2)


def _graticule() -> list[str]:
    parts = []
    for lon in range(80, int(LON_MAX) + 1, 10):
        x, _ = project(lon, 0)
        parts.append(f'<line x1="{x:.1f}" y1="{MARGIN_TOP}" x2="{x:.1f}" y2="{HEIGHT - MARGIN_BOTTOM:.1f}" class="grid"/>')
        parts.append(svg_text(x, HEIGHT - 8, f"{lon}°E", size=11, anchor="middle", fill="#7B8794"))
    for lat in range(20, int(LAT_MAX) + 1, 10):
        _, y = project(0, lat)
        parts.append(f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - MARGIN_RIGHT:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(svg_text(MARGIN_LEFT - 4, y + 4, f"{lat}°N", size=11, anchor="end", fill="#7B8794"))
    return parts


def _overlaps(box: tuple[float, float, float, float], taken: Sequence[tuple[float, float, float, float]]) -> bool:
    x0, y0, x1, y1 = box
    return any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in taken)


def _label_boxes(marks: Sequence[tuple[str, float, float, float]]) -> dict[str, tuple[float, float, str]]:
    """Where each mark's name goes: right, left, above or below its circle, the first place that
    overlaps no label nor circle already placed (the largest marks first); a name that fits nowhere
    is left to the mark's tooltip and the table."""
    taken: list[tuple[float, float, float, float]] = [(x - r, y - r, x + r, y + r) for _, x, y, r in marks]
    placed: dict[str, tuple[float, float, str]] = {}
    for name, x, y, r in marks:
        width, height = LABEL_SIZE * len(name) + 2, LABEL_SIZE + 2
        own = (x - r, y - r, x + r, y + r)
        others = [b for b in taken if b != own]
        for lx, ly, anchor in (
            (x + r + 3, y + 4, "start"),
            (x - r - 3, y + 4, "end"),
            (x, y - r - 4, "middle"),
            (x, y + r + LABEL_SIZE + 1, "middle"),
        ):
            left = {"start": lx, "end": lx - width, "middle": lx - width / 2}[anchor]
            box = (left, ly - height + 3, left + width, ly + 3)
            inside = box[0] >= 0 and box[2] <= WIDTH and box[1] >= 0 and box[3] <= HEIGHT
            if inside and not _overlaps(box, others):
                placed[name] = (lx, ly, anchor)
                taken.append(box)
                break
    return placed


def _mark(row: dict[str, Any], x: float, y: float) -> tuple[str, float]:
    """A city's circle (and its tooltip); a link to its row of the table."""
    if row["funds"]:
        amount = row["largest_amount_yuan"]
        r = radius(amount)
        fill, stroke = (FUNDED, FUNDED_BORDER) if amount is not None else (NO_FIGURE, FUNDED_BORDER)
        tip = (
            f"{row['city']}: {amount_text(amount, row['largest_is_ceiling'])} · {row['instruments']} 项承诺 promises"
        )
        kind = "funds" if amount is not None else "no-figure"
        shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}" fill-opacity="0.82" stroke="{stroke}" stroke-width="1.2"/>'
    else:
        r = HOLLOW_RADIUS
        tip = f"{row['city']}: {row['note']}"
        kind = "none"
        shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="#FFFFFF" stroke="{HOLLOW_BORDER}" stroke-width="1.5"/>'
    svg = (
        f'<a href="#{escape(row_id(row["city"]))}" class="mark" data-city="{escape(row["city"])}" data-kind="{kind}" '
        f'data-r="{r}" data-x="{x:.1f}" data-y="{y:.1f}">{shape}<title>{escape(tip)}</title></a>'
    )
    return svg, r


def map_svg(answer: dict[str, Any]) -> str:
    placed = [r for r in answer["cities"] if r["longitude"] is not None]
    # the largest marks drawn first, so that a small one is never hidden under a large one
    order = sorted(
        placed,
        key=lambda r: (not r["funds"], -(r["largest_amount_yuan"] or 0) if r["funds"] else 0, r["city"]),
    )
    in_corpus = {r["city"] for r in answer["cities"]}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0f}" height="{HEIGHT:.0f}" '
        f'viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" role="img" font-family=\'"Noto Sans CJK SC","Noto Sans SC",sans-serif\' '
        f'aria-label="map of the cities">',
        "<style>.grid{stroke:#E4E7EB;stroke-width:1} a.mark:hover circle{stroke:#111;stroke-width:2}</style>",
        f'<rect x="{MARGIN_LEFT}" y="{MARGIN_TOP}" width="{WIDTH - MARGIN_LEFT - MARGIN_RIGHT:.1f}" '
        f'height="{HEIGHT - MARGIN_TOP - MARGIN_BOTTOM:.1f}" fill="#FBFCFD" stroke="#D9DEE5"/>',
        *_graticule(),
    ]
    references = [city_locations()[c] for c in REFERENCE_CITIES if c in city_locations() and c not in in_corpus]
    for ref in references:
        x, y = project(ref.longitude, ref.latitude)
        parts.append(
            f'<path d="M{x - 3:.1f},{y:.1f}h6M{x:.1f},{y - 3:.1f}v6" stroke="{REFERENCE}" stroke-width="1.2" class="reference"/>'
        )
    marks: list[tuple[str, float, float, float]] = []
    for row in order:
        x, y = project(row["longitude"], row["latitude"])
        svg, r = _mark(row, x, y)
        parts.append(svg)
        marks.append((row["city"], x, y, r))
    # corpus cities' names first (funding ones by amount), then the reference cities'
    labels = _label_boxes(marks + [(ref.city, *project(ref.longitude, ref.latitude), 3.0) for ref in references])
    reference_names = {ref.city for ref in references}
    for name, (lx, ly, anchor) in labels.items():
        grey = name in reference_names
        parts.append(
            svg_text(lx, ly, name, size=11 if grey else LABEL_SIZE, anchor=anchor, fill=REFERENCE if grey else "#1F2933",
                     weight="normal" if grey else "600")
        )
    parts.append("</svg>")
    return "".join(parts)


def _nice_amounts(amounts: Sequence[int]) -> list[int]:
    """Two or three powers of ten (in yuan) spanning the amounts, for the size legend."""
    if not amounts:
        return [100_000, 1_000_000, 10_000_000]
    low = 10 ** max(4, math.floor(math.log10(min(amounts))))
    high = 10 ** max(4, math.ceil(math.log10(max(amounts))))
    steps = []
    value = low
    while value <= high:
        steps.append(value)
        value *= 10
    if len(steps) > 4:  # every other power over a wide range
        steps = steps[:: math.ceil(len(steps) / 4)]
    return steps if len(steps) > 1 else [low, low * 10]


def legend_svg(answer: dict[str, Any]) -> str:
    amounts = [r["largest_amount_yuan"] for r in answer["cities"] if r["largest_amount_yuan"] is not None]
    sizes = _nice_amounts(amounts)
    biggest = radius(max(sizes))
    height = 2 * biggest + 22
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" height="{height:.0f}" width="{len(sizes) * 84 + 10}" aria-hidden="true">']
    x = 10.0
    for value in sizes:
        r = radius(value)
        parts.append(
            f'<circle cx="{x + r:.1f}" cy="{biggest + 2:.1f}" r="{r}" fill="{FUNDED}" fill-opacity="0.82" stroke="{FUNDED_BORDER}"/>'
        )
        parts.append(svg_text(x + r, height - 4, amount_text(value), size=11, anchor="middle"))
        x += max(2 * r, 60) + 22
    parts.append("</svg>")
    return "".join(parts)


def _circle(fill: str, stroke: str, r: float = 6) -> str:
    return (
        f'<svg width="16" height="16" aria-hidden="true"><circle cx="8" cy="8" r="{r}" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="1.4"/></svg>'
    )


def _table(answer: dict[str, Any]) -> str:
    head = (
        "<table><thead><tr><th>城市 city</th><th>承诺 promises</th><th>最高金额 largest amount</th>"
        "<th>最早 first year</th><th>原文 source</th></tr></thead><tbody>"
    )
    rows = []
    for r in answer["cities"]:
        where = "" if r["longitude"] is not None else ' <span class="hint">(不在地图上 · not placed)</span>'
        city = f'{escape(r["city"])}{where}<div class="hint">{escape(r["province"] or "")}</div>'
        compare = f'<a href="{escape(r["compare"])}">/compare</a>'
        if r["funds"]:
            largest = amount_text(r["largest_amount_yuan"], r["largest_is_ceiling"])
            source = f'<a href="{escape(r["source"])}" title="{escape(r["quote"] or "")}">原文 quote</a> · {compare}'
            rows.append(
                f'<tr id="{escape(row_id(r["city"]))}"><td>{city}</td><td class="num">{r["instruments"]}</td>'
                f'<td class="num">{escape(largest)}</td><td class="num">{r["first_year"] or "—"}</td><td>{source}</td></tr>'
            )
        else:
            docs = "".join(
                f'<li><a href="/browse/policy/{escape(d["policy"])}">{escape(d["title"])}</a></li>' for d in r["documents_held"]
            )
            rows.append(
                f'<tr id="{escape(row_id(r["city"]))}"><td>{city}</td><td colspan="4" class="muted">'
                f'<details><summary>{escape(r["note"])}</summary><ul class="docs">{docs}</ul></details></td></tr>'
            )
    return head + "".join(rows) + "</tbody></table>"


def render_map(answer: dict[str, Any], types: Sequence[TypeEntry]) -> str:
    """The page of graph.places.map_answer's answer; `types`: the chooser's instrument types."""
    kind = answer["type"]
    rows = answer["cities"]
    funding = [r for r in rows if r["funds"]]
    with_figure = [r for r in funding if r["largest_amount_yuan"] is not None]
    label = f"{kind['label_zh']} · {kind['label_en']}"
    intro = [
        f"{len(funding)} of {len(rows)} cities hold a promise of this type; {len(with_figure)} state an amount. "
        f"{len(funding)} / {len(rows)} 个城市有此类承诺,其中 {len(with_figure)} 个写明金额。",
        "每个圆点是一个城市,位于其经纬度;圆越大,该市承诺的最高金额越大。空心:所收文件中无此类承诺。"
        "Each circle is a city at its longitude and latitude; the larger the circle, the larger the largest "
        "amount the city promises (万元 = 10,000 yuan). Hollow: no such promise in the documents held.",
        "仅标点位,不绘行政边界。Points only, no borders; grey crosses are reference cities not in the corpus.",
    ]
    legend = (
        '<div class="legend">'
        f"<span>最高金额 largest amount: {legend_svg(answer)}</span>"
        f"<span>{_circle(NO_FIGURE, FUNDED_BORDER, NO_FIGURE_RADIUS)} 有承诺,未写明金额 · promised, no figure</span>"
        f"<span>{_circle('#FFFFFF', HOLLOW_BORDER, HOLLOW_RADIUS)} 无此类承诺 · no such promise</span>"
        f'<span><svg width="16" height="16" aria-hidden="true"><path d="M5,8h6M8,5v6" stroke="{REFERENCE}" '
        'stroke-width="1.4"/></svg> 参考城市(不在语料中)· reference city, not in the corpus</span></div>'
    )
    not_placed = answer["not_placed"]
    missing = (
        f'<p class="hint">不在地图上(无坐标)· not on the map (no coordinates): {escape("、".join(not_placed))}</p>'
        if not_placed else ""
    )
    figure = map_svg(answer) + legend + missing
    side = (
        f'<p class="hint">城市按最高金额排序 · cities by their largest amount; '
        f'<a href="/compare?{escape(urlencode({"instrument": kind["id"]}))}">/compare</a> lists every promise with its quote.</p>'
        + _table(answer)
    )
    return page(
        path="/map",
        title=f"地图 map · {label}",
        heading=f"{kind['label_zh']}:各城市承诺的最高金额 · {kind['label_en']}: the largest amount each city promises",
        intro=intro,
        type_id=kind["id"],
        types=types,
        figure=figure,
        side=side,
    )
