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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from pyvis.network import Network

from graph.iris import ID
from graph.subgraph import PolicyEntry, TypeEntry, city_list
from graph.terms import format_wan

from .assets import VIS_NETWORK_VERSION, vis_network_js_inline, vis_network_js_url
from .details import Describer
from .layout import Position
from .select import View, policy_id
from .style import (
    BROWSE_KINDS,
    DEFAULT_RELATION,
    EXTERNAL_POLICY_COLOR,
    FONT_FACE,
    KIND_ORDER,
    KINDS,
    RELATIONS,
    legend_box_svg,
    legend_svg,
    relation_svg,
    shorten,
    tree_fill,
)
from .tree import BOX_MARGIN as TREE_BOX_MARGIN
from .tree import FONT_SIZE as TREE_FONT_SIZE
from .tree import ROOT_FONT_SIZE

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
_env.filters["wan"] = lambda amount: format_wan(amount) if amount is not None else "未写明金额 · no figure"

ID_BASE = str(ID)
FADED_OPACITY = 0.12
LABEL_COLOR = "#1F2933"


NAV_POLICIES = 120  # a corpus with more policies offers those of the page's cities only


@dataclass(frozen=True)
class Nav:
    """What the filter form offers: cities, policies, instrument types (from the query layer)."""

    cities: tuple[str, ...]
    policies: tuple[tuple[str, str], ...]  # (id, title)
    types: tuple[tuple[str, str, int], ...]  # (id, Chinese label, instruments in the corpus)
    all_policies: bool = True  # False: `policies` are those of the page's cities

    @classmethod
    def from_lists(cls, policies: Sequence[PolicyEntry], types: Sequence[TypeEntry], cities: Sequence[str] = ()) -> Nav:
        everything = len(policies) <= NAV_POLICIES
        return cls(
            cities=tuple(city_list(policies)),
            policies=tuple((p.id, p.title) for p in policies if everything or p.city in cities),
            types=tuple((t.id, t.label_zh, t.count) for t in types),
            all_policies=everything,
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


def _tree_node_options(view: View, node: str, data: dict[str, Any], describer: Describer) -> dict[str, Any]:
    """The policy tree's boxes: the label inside, in the kind's colour (lightened), legible at zoom 1."""
    kind = data["kind"]
    style = KINDS[kind]
    fill, border, font_color = tree_fill(kind), style.border, LABEL_COLOR
    border_dashes: list[int] | bool = False
    font_size = TREE_FONT_SIZE
    if node in view.roots:
        fill, font_color, font_size = style.color, "#FFFFFF", ROOT_FONT_SIZE
    elif (kind == "instrument" and data.get("amount_yuan") is None) or (kind == "policy" and not data.get("in_corpus")):
        fill, border_dashes = "#FFFFFF", [4, 3]  # a promise with no figure, a policy known by title: hollow
    elif kind == "agency" and data.get("collective"):
        fill = "#EEEEEE"
    return {
        "label": data["tree_label"],
        "title": describer.tooltip(data),
        "shape": "box",
        "margin": TREE_BOX_MARGIN,
        "color": {
            "background": fill,
            "border": border,
            "highlight": {"background": fill, "border": "#111111"},
            "hover": {"background": fill, "border": "#111111"},
        },
        "shapeProperties": {"borderRadius": 3, "borderDashes": border_dashes},
        "borderWidth": 2 if kind in ("policy", "instrument") else 1,
        "font": {"size": font_size, "color": font_color, "strokeWidth": 0, "align": "left",
                 "bold": {"color": font_color}},
        "kind": kind,
    }


def _node_options(view: View, node: str, data: dict[str, Any], describer: Describer) -> dict[str, Any]:
    if view.positions is not None and "tree_label" in data:
        return _tree_node_options(view, node, data, describer)
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
    elif kind == "city" and data.get("policies"):  # the overview: sized by the city's policies
        size = round(14.0 + 6.0 * math.sqrt(data["policies"]), 1)
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
        iri = data.get("iri", node)  # the policy tree's copies of an agency name the agency
        details = describer.describe(iri, data)
        if data["kind"] == "agency" and data.get("city"):  # 市科技局 is every city's: the search says whose
            details["listed_as"] = f"{details['name']} ({data['city']})"
        net.add_node(
            ids[node],
            x=x,
            y=y,
            iri=curie(iri),
            d=details,
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
            **({"arrows": {"to": {"enabled": False}}} if view.positions is not None else {}),
            color={"color": style.color, "highlight": style.color, "hover": style.color, "opacity": style.opacity},
        )
    net.options = network_options(tree=view.positions is not None)
    return net


def network_options(tree: bool = False) -> dict[str, Any]:
    options = _network_options()
    if tree:  # a tree reads without arrows; curved links leave each box sideways
        options["edges"] = {
            "smooth": {"enabled": True, "type": "cubicBezier", "forceDirection": "horizontal", "roundness": 0.55},
            "arrows": {"to": {"enabled": False}},
            "selectionWidth": 1.5,
            "hoverWidth": 0.5,
        }
        options["nodes"] = {"font": {"face": FONT_FACE, "color": LABEL_COLOR}, "scaling": {"label": {"drawThreshold": 5}}}
    return options


def _network_options() -> dict[str, Any]:
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
    extent = None  # the policy tree: where it starts, so the page opens on its top, legible
    if view.page == "policy":
        initial = ids[view.roots[0]]
        if view.extent:
            extent = dict(zip(("x_min", "y_min", "x_max", "y_max"), view.extent, strict=True))
    elif view.page == "compare":
        initial = next(ids[n] for n, k in view.graph.nodes(data="kind") if k == "instrument_type")
    return {
        "nodes": nodes,
        "edges": edges,
        "options": json.loads(options),
        "page": view.page,
        "initial": initial,
        "extent": extent,
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
                "svg": legend_box_svg(k) if view.positions is not None else legend_svg(k),
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
        kinds=[(k, KINDS[k].label_zh, KINDS[k].label_en) for k in BROWSE_KINDS],
        policy_id=view.filters.get("policy", ""),
        page_policy=policy_id(view.graph.nodes[view.roots[0]]) if view.page == "policy" else "",
    )
