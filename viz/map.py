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
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode

from extract.divisions import city_locations
from graph.subgraph import TypeEntry

from .view_page import amount_text, no_promise_cell, page, row_id, svg_text

# China's extent: the whole map when the cities spread over it, and the overview inset otherwise
CHINA = (73.0, 136.0, 17.0, 54.0)
PLOT_WIDTH, MAX_PLOT_HEIGHT, MIN_SPAN_LON, MIN_SPAN_LAT = 660.0, 500.0, 12.0, 8.0
MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM = 36.0, 14.0, 14.0, 26.0
INSET_WIDTH = 150.0

FUNDED = "#009E73"  # the instruments' colour on the other pages
FUNDED_BORDER = "#006B4E"
NO_FIGURE = "#A8DCCB"  # a promise stated without a figure
HOLLOW_BORDER = "#5F6B7A"
REFERENCE = "#9AA5B1"
# A few cities to find one's way by (shown only when they are not in the corpus).
REFERENCE_CITIES = (
    "北京", "上海", "广州", "重庆", "成都", "武汉", "西安", "乌鲁木齐", "拉萨", "哈尔滨", "昆明", "兰州",
    "沈阳", "济南", "南京", "郑州", "长沙", "福州", "南宁", "呼和浩特", "天津", "青岛", "长春", "太原",
)
LABEL_SIZE = 12.0
NO_FIGURE_RADIUS = 4.5
HOLLOW_RADIUS = 4.5


@dataclass(frozen=True)
class Frame:
    """The stretch of longitude and latitude a map shows, and its pixels: equirectangular, with
    longitudes shrunk by the cosine of the middle latitude, so that shapes there are not stretched."""

    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float
    scale: float  # pixels per degree of latitude
    left: float = MARGIN_LEFT
    top: float = MARGIN_TOP

    @property
    def lon_factor(self) -> float:
        return math.cos(math.radians((self.lat_min + self.lat_max) / 2))

    @property
    def width(self) -> float:
        return self.left + (self.lon_max - self.lon_min) * self.lon_factor * self.scale + MARGIN_RIGHT

    @property
    def height(self) -> float:
        return self.top + (self.lat_max - self.lat_min) * self.scale + MARGIN_BOTTOM

    def project(self, longitude: float, latitude: float) -> tuple[float, float]:
        """Longitude/latitude → pixels (x to the east, y to the south)."""
        return (
            self.left + (longitude - self.lon_min) * self.lon_factor * self.scale,
            self.top + (self.lat_max - latitude) * self.scale,
        )


def frame_for(points: Sequence[tuple[float, float]]) -> Frame:
    """The frame around the cities (longitude, latitude): their extent with a margin, at least
    MIN_SPAN degrees wide and high, and no more than China's; PLOT_WIDTH pixels wide."""
    if not points:
        lon0, lon1, lat0, lat1 = CHINA
    else:
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        pad_lon = max(1.5, 0.12 * (max(lons) - min(lons)))
        pad_lat = max(1.2, 0.12 * (max(lats) - min(lats)))
        lon0, lon1 = min(lons) - pad_lon, max(lons) + pad_lon
        lat0, lat1 = min(lats) - pad_lat, max(lats) + pad_lat
    lon0, lon1 = _widen(lon0, lon1, MIN_SPAN_LON)
    lat0, lat1 = _widen(lat0, lat1, MIN_SPAN_LAT)
    factor = math.cos(math.radians((lat0 + lat1) / 2))
    scale = PLOT_WIDTH / ((lon1 - lon0) * factor)
    if (lat1 - lat0) * scale > MAX_PLOT_HEIGHT:  # a tall extent: narrower pixels, wider longitudes
        scale = MAX_PLOT_HEIGHT / (lat1 - lat0)
        lon0, lon1 = _widen(lon0, lon1, PLOT_WIDTH / (scale * factor))
    return Frame(lon0, lon1, lat0, lat1, scale)


def _widen(low: float, high: float, span: float) -> tuple[float, float]:
    middle = (low + high) / 2
    half = max(span, high - low) / 2
    return middle - half, middle + half


def _step(span: float) -> int:
    """The graticule's spacing in degrees: some 3 to 8 lines across."""
    return next(s for s in (1, 2, 5, 10, 20) if span / s <= 8)


def radius(amount_yuan: float | None) -> float:
    """A funding city's mark: its radius grows with the logarithm of the largest amount (1 万元 →
    6, 100 万元 → 11.6, 1 亿元 → 17.2 px); a promise with no figure is the smallest."""
    if amount_yuan is None:
        return NO_FIGURE_RADIUS
    return round(5.0 + 2.8 * math.log10(amount_yuan / 10_000 + 1), 2)


def _graticule(frame: Frame) -> list[str]:
    parts = []
    bottom, right = frame.height - MARGIN_BOTTOM, frame.width - MARGIN_RIGHT
    step = _step(frame.lon_max - frame.lon_min)
    for lon in range(math.ceil(frame.lon_min / step) * step, math.floor(frame.lon_max) + 1, step):
        x, _ = frame.project(lon, 0)
        parts.append(f'<line x1="{x:.1f}" y1="{frame.top}" x2="{x:.1f}" y2="{bottom:.1f}" class="grid"/>')
        parts.append(svg_text(x, frame.height - 8, f"{lon}°E", size=11, anchor="middle", fill="#7B8794"))
    step = _step(frame.lat_max - frame.lat_min)
    for lat in range(math.ceil(frame.lat_min / step) * step, math.floor(frame.lat_max) + 1, step):
        _, y = frame.project(0, lat)
        parts.append(f'<line x1="{frame.left}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(svg_text(frame.left - 4, y + 4, f"{lat}°N", size=11, anchor="end", fill="#7B8794"))
    return parts


def _inset(frame: Frame, points: Sequence[tuple[float, float]]) -> tuple[list[str], tuple[float, float, float, float] | None]:
    """Where the frame lies in China's extent: a small overview in the corner with the fewest
    cities, the cities as dots and the frame as a rectangle (none when the map shows all of China).
    Also the box it covers, which no label may cross."""
    lon0, lon1, lat0, lat1 = CHINA
    if frame.lon_min <= lon0 and frame.lon_max >= lon1:
        return [], None
    scale = INSET_WIDTH / ((lon1 - lon0) * math.cos(math.radians((lat0 + lat1) / 2)))
    height = (lat1 - lat0) * scale
    marks = [frame.project(lon, lat) for lon, lat in points]
    corners = [
        (x, y)
        for y in (frame.height - MARGIN_BOTTOM - height - 6, frame.top + 6)
        for x in (frame.width - MARGIN_RIGHT - INSET_WIDTH - 6, frame.left + 6)
    ]

    def crowded(corner: tuple[float, float]) -> int:
        x, y = corner
        return sum(1 for mx, my in marks if x - 20 <= mx <= x + INSET_WIDTH + 20 and y - 20 <= my <= y + height + 20)

    ox, oy = min(corners, key=crowded)
    at = Frame(lon0, lon1, lat0, lat1, scale, ox, oy).project
    parts = [f'<g class="inset"><rect x="{ox:.1f}" y="{oy:.1f}" width="{INSET_WIDTH}" height="{height:.1f}" fill="#fff" stroke="#B8C1CC"/>']
    for ref in (city_locations()[c] for c in REFERENCE_CITIES if c in city_locations()):  # a hint of the country's shape
        x, y = at(ref.longitude, ref.latitude)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.2" fill="{REFERENCE}"/>')
    for lon, lat in points:
        x, y = at(lon, lat)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.8" fill="{FUNDED_BORDER}"/>')
    x0, y0 = at(max(frame.lon_min, lon0), min(frame.lat_max, lat1))
    x1, y1 = at(min(frame.lon_max, lon1), max(frame.lat_min, lat0))
    parts.append(
        f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" fill="none" stroke="#D55E00" stroke-width="1.2"/>'
    )
    parts.append(svg_text(ox + 4, oy + 13, "本图范围 · this map in China", size=10, fill="#5F6B7A"))
    parts.append("</g>")
    return parts, (ox - 2, oy - 2, ox + INSET_WIDTH + 2, oy + height + 2)


def _overlaps(box: tuple[float, float, float, float], taken: Sequence[tuple[float, float, float, float]]) -> bool:
    x0, y0, x1, y1 = box
    return any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in taken)


def _label_boxes(
    marks: Sequence[tuple[str, float, float, float]], frame: Frame, keep_out: Sequence[tuple[float, float, float, float]] = ()
) -> dict[str, tuple[float, float, str]]:
    """Where each mark's name goes: right, left, above or below its circle, the first place that
    overlaps no label nor circle already placed (the largest marks first); a name that fits nowhere
    is left to the mark's tooltip and the table."""
    taken = [(x - r, y - r, x + r, y + r) for _, x, y, r in marks] + list(keep_out)
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
            inside = box[0] >= frame.left and box[2] <= frame.width and box[1] >= 0 and box[3] <= frame.height - MARGIN_BOTTOM
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
    frame = frame_for([(r["longitude"], r["latitude"]) for r in placed])
    width, height = frame.width, frame.height
    # the largest marks drawn first, so that a small one is never hidden under a large one
    order = sorted(
        placed,
        key=lambda r: (not r["funds"], -(r["largest_amount_yuan"] or 0) if r["funds"] else 0, r["city"]),
    )
    in_corpus = {r["city"] for r in answer["cities"]}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" font-family=\'"Noto Sans CJK SC","Noto Sans SC",sans-serif\' '
        f'aria-label="map of the cities" data-frame="{frame.lon_min:.4f} {frame.lon_max:.4f} {frame.lat_min:.4f} {frame.lat_max:.4f}">',
        "<style>.grid{stroke:#E4E7EB;stroke-width:1} a.mark:hover circle{stroke:#111;stroke-width:2}</style>",
        f'<rect x="{frame.left}" y="{frame.top}" width="{width - frame.left - MARGIN_RIGHT:.1f}" '
        f'height="{height - frame.top - MARGIN_BOTTOM:.1f}" fill="#FBFCFD" stroke="#D9DEE5"/>',
        *_graticule(frame),
    ]
    inside = [
        ref for ref in (city_locations()[c] for c in REFERENCE_CITIES if c in city_locations() and c not in in_corpus)
        if frame.lon_min < ref.longitude < frame.lon_max and frame.lat_min < ref.latitude < frame.lat_max
    ]
    for ref in inside:
        x, y = frame.project(ref.longitude, ref.latitude)
        parts.append(
            f'<path d="M{x - 3:.1f},{y:.1f}h6M{x:.1f},{y - 3:.1f}v6" stroke="{REFERENCE}" stroke-width="1.2" class="reference"/>'
        )
    inset, inset_box = _inset(frame, [(r["longitude"], r["latitude"]) for r in placed])
    parts.extend(inset)
    marks: list[tuple[str, float, float, float]] = []
    for row in order:
        x, y = frame.project(row["longitude"], row["latitude"])
        svg, r = _mark(row, x, y)
        parts.append(svg)
        marks.append((row["city"], x, y, r))
    # corpus cities' names first (funding ones by amount), then the reference cities'; none over the inset
    keep_out = [inset_box] if inset_box else []
    references = [(ref.city, *frame.project(ref.longitude, ref.latitude), 3.0) for ref in inside]
    labels = _label_boxes(marks + references, frame, keep_out)
    reference_names = {ref.city for ref in inside} - in_corpus
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
            rows.append(
                f'<tr id="{escape(row_id(r["city"]))}"><td>{city}</td><td colspan="4" class="muted">'
                f'{no_promise_cell(r["note"], r["documents_held"])}</td></tr>'
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
        "仅标点位,不绘行政边界;悬停圆点看城市与金额,点击跳到表中该行。Points only, no borders; grey crosses are "
        "reference cities not in the corpus. Hover a circle for its city and amount; click it for its row of the table.",
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
        figure_class="map",
    )
