"""A view → an HTML page. pyvis assembles the nodes, edges and options (vis-network's data
model); the page itself comes from our own template (`templates/page.html`), not pyvis's, which
would pull Bootstrap and vis-network from CDNs.

The page loads vis-network from the app (`/static/vis-network/<version>/…`) or, for a
self-contained file, carries it inline. The graph travels as JSON in a
`<script type="application/json">` element with `<`, `>` and `&` escaped, and the page's script
writes extracted text into the DOM with `textContent` only.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from jinja2 import Environment, FileSystemLoader
from pyvis.network import Network

from extract.taxonomy import load_taxonomy
from graph.iris import ID
from graph.terms import format_wan

from .assets import VIS_NETWORK_VERSION, vis_network_js_inline, vis_network_js_url
from .details import Describer
from .layout import Position
from .select import View, city_nodes, policy_id, policy_nodes
from .style import (
    DEFAULT_RELATION,
    EXTERNAL_POLICY_COLOR,
    FONT_FACE,
    KIND_ORDER,
    KINDS,
    RELATIONS,
    legend_svg,
    relation_svg,
    shorten,
)

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
_env.filters["wan"] = lambda amount: format_wan(amount) if amount is not None else "未写明金额 · no figure"

ID_BASE = str(ID)
FADED_OPACITY = 0.12
LABEL_COLOR = "#1F2933"


@dataclass(frozen=True)
class Nav:
    """What the filter form offers, from the whole graph: cities, policies, instrument types."""

    cities: tuple[str, ...]
    policies: tuple[tuple[str, str], ...]  # (id, title)
    types: tuple[tuple[str, str, int], ...]  # (id, Chinese label, instruments in the corpus)

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph) -> Nav:
        counts: dict[str, int] = {}
        for _, data in graph.nodes(data=True):
            if data["kind"] == "instrument":
                counts[data["type"]] = counts.get(data["type"], 0) + 1
        return cls(
            cities=tuple(city_nodes(graph)),
            policies=tuple((pid, graph.nodes[n]["label"]) for pid, n in policy_nodes(graph).items()),
            types=tuple((t.id, t.label_zh, counts.get(t.id, 0)) for t in load_taxonomy()),
        )


def curie(iri: str) -> str:
    """`https://w3id.org/policykg/id/policy/…` → `pkgid:policy/…`: the page names nodes without
    carrying URLs (which are identifiers, never fetched, but a page should show no remote address)."""
    return "pkgid:" + iri[len(ID_BASE) :] if iri.startswith(ID_BASE) else iri


def json_for_script(data: Any) -> str:
    """JSON safe inside a <script> element: no `</script>`, no `<!--`, whatever the strings hold."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _instrument_size(amount: int | None) -> float:
    if amount is None:
        return 7.0
    return round(9.0 + 3.2 * math.log10(amount / 10_000 + 1), 1)


def _edge_width(relation: str, amount: int | None) -> float:
    base = RELATIONS.get(relation, DEFAULT_RELATION).width
    if relation == "funds" and amount is not None:
        return round(base + 1.3 * math.log10(amount / 10_000 + 1), 2)
    return base


def _node_options(view: View, node: str, data: dict[str, Any], describer: Describer) -> dict[str, Any]:
    style = KINDS[data["kind"]]
    background, border, size = style.color, style.border, float(style.size)
    font_size = style.font_size
    options: dict[str, Any] = {}
    kind = data["kind"]
    if kind == "instrument":
        size = _instrument_size(data.get("amount_yuan"))
        if data.get("amount_yuan") is None:  # a promise with no figure: hollow
            background = "#FFFFFF"
    elif kind == "agency":
        degree = view.graph.degree(node)
        size = round(min(22.0, 8.0 + 1.6 * math.sqrt(degree)), 1)
        if data.get("collective"):
            background, border = "#C9C9C9", "#8C8C8C"
    elif kind == "policy" and not data.get("in_corpus"):
        background, size = EXTERNAL_POLICY_COLOR, 11.0
        options["shapeProperties"] = {"borderDashes": [3, 3]}
        font_size = 11
    elif kind == "city" and view.page != "browse":
        size, font_size = 26.0, 30
    if view.page == "policy" and node in view.roots:
        size = 26.0
    label = shorten(describer.name(data), style.label_chars)
    if view.page == "compare" and kind in ("instrument", "agency"):
        font_size = 14
        if kind == "instrument":  # the amount is what this view compares
            amount = data.get("amount_yuan")
            label = " ".join(
                filter(None, [format_wan(amount) if amount is not None else "未写明金额", data.get("level")])
            )
    font: dict[str, Any] = {"size": font_size, "color": LABEL_COLOR}
    if kind == "city":
        font = {"size": font_size, "color": style.border, "strokeWidth": 5}
    return {
        "label": label,
        "title": describer.tooltip(data),
        "shape": style.shape,
        "size": size,
        "color": {
            "background": background,
            "border": border,
            "highlight": {"background": background, "border": "#111111"},
            "hover": {"background": background, "border": "#111111"},
        },
        "borderWidth": 2 if kind in ("city", "policy", "instrument") else 1,
        "font": font,
        "kind": kind,
        **options,
    }


def build_network(view: View, positions: dict[str, Position], describer: Describer) -> Network:
    """The view as a pyvis Network: numbered nodes at their computed positions, styled by kind,
    each carrying `iri` and `d` (the detail panel's content); edges styled by relation."""
    net = Network(directed=True, cdn_resources="remote")
    ids = {node: index for index, node in enumerate(view.graph)}
    for node, data in view.graph.nodes(data=True):
        x, y = positions[node]
        net.add_node(
            ids[node],
            x=x,
            y=y,
            iri=curie(node),
            d=describer.describe(node, data),
            **_node_options(view, node, data, describer),
        )
    for index, (source, target, data) in enumerate(view.graph.edges(data=True)):
        relation = data.get("relation", "other")
        style = RELATIONS.get(relation, DEFAULT_RELATION)
        amount = data.get("amount_yuan")
        title = style.label_zh + (f" {format_wan(amount)}" if amount is not None else "")
        net.add_edge(
            ids[source],
            ids[target],
            id=index,
            relation=relation,
            title=title,
            width=_edge_width(relation, amount),
            dashes=style.dashes,
            color={"color": style.color, "highlight": style.color, "hover": style.color, "opacity": style.opacity},
        )
    net.options = network_options()
    return net


def network_options() -> dict[str, Any]:
    return {
        "autoResize": True,
        "physics": {"enabled": False},  # positions come from viz.layout
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": True,
            "multiselect": False,
            "navigationButtons": False,
            "keyboard": {"enabled": True, "bindToWindow": False},
        },
        "nodes": {
            "font": {"face": FONT_FACE, "color": LABEL_COLOR, "strokeWidth": 3, "strokeColor": "#FFFFFF"},
            # labels smaller than this on screen (px) are not drawn: zoom in to read the small ones
            "scaling": {"label": {"drawThreshold": 8, "maxVisible": 40}},
        },
        "edges": {
            "smooth": False,
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.35}},
            "selectionWidth": 1.5,
            "hoverWidth": 0.5,
        },
    }


def page_data(view: View, net: Network, base_url: str) -> dict[str, Any]:
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    ids = {node: index for index, node in enumerate(view.graph)}
    initial = None  # the node whose details the panel shows first
    if view.page == "policy":
        initial = ids[view.roots[0]]
    elif view.page == "compare":
        initial = next(ids[n] for n, k in view.graph.nodes(data="kind") if k == "instrument_type")
    return {
        "nodes": nodes,
        "edges": edges,
        "options": json.loads(options),
        "page": view.page,
        "initial": initial,
        "base_url": base_url.rstrip("/"),
        "faded_opacity": FADED_OPACITY,
        "kinds": {k: {"label": f"{s.label_zh} · {s.label_en}", "color": s.color} for k, s in KINDS.items()},
    }


def render_page(
    view: View,
    positions: dict[str, Position],
    describer: Describer,
    nav: Nav,
    *,
    inline: bool = False,
    base_url: str = "",
) -> str:
    """The page. `inline`: a self-contained file (vis-network inlined, no filter form, which needs
    the server); its links are `base_url` + path, relative when `base_url` is empty."""
    net = build_network(view, positions, describer)
    data = page_data(view, net, base_url)
    counts = {k: view.count(k) for k in KIND_ORDER}
    relations = sorted(
        {r for _, _, r in view.graph.edges(data="relation")},
        key=lambda r: list(RELATIONS).index(r) if r in RELATIONS else 99,
    )
    template = _env.get_template("page.html")
    return template.render(
        view=view,
        nav=nav,
        inline=inline,
        base_url=base_url.rstrip("/"),
        vis_js=vis_network_js_inline() if inline else None,
        vis_js_url=vis_network_js_url(),
        vis_version=VIS_NETWORK_VERSION,
        data_json=json_for_script(data),
        legend=[
            {
                "kind": k,
                "label_zh": KINDS[k].label_zh,
                "label_en": KINDS[k].label_en,
                "svg": legend_svg(k),
                "count": counts[k],
            }
            for k in KIND_ORDER
            if counts[k]
        ],
        edge_legend=[
            {"label": RELATIONS.get(r, DEFAULT_RELATION).label_zh, "relation": r, "svg": relation_svg(r)}
            for r in relations
        ],
        node_count=view.graph.number_of_nodes(),
        edge_count=view.graph.number_of_edges(),
        kinds=[(k, KINDS[k].label_zh, KINDS[k].label_en) for k in KIND_ORDER],
        policy_id=view.filters.get("policy", ""),
        page_policy=policy_id(view.graph.nodes[view.roots[0]]) if view.page == "policy" else "",
    )
