"""One policy as a tree read left to right: the policy, its sections (一, (一): the outline the
measure paths spell), its measures, and under each measure what it states (instruments with their
amounts, targets, baselines) and who is responsible (the lead agency first). The issuing agency,
the collective placeholders and the policies it cites or that cite it hang from the policy.

The tree is drawn from the policy's subgraph (graph.subgraph: the query layer's rows), and laid out
as an outline: one row per leaf, a parent on the row of its first child, one column per depth as
wide as its widest label. Positions are fixed (physics off), so the page reads like an
outline at first sight. An agency responsible for several measures appears under each of them (a
tree, not a web): each copy keeps the agency's IRI, so its details and search are the agency's.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from graph.subgraph import number_text, wan_label

Position = tuple[float, float]

ROW_HEIGHT = 30.0  # between two leaves
COLUMN_GAP = 46.0  # between the widest box of a column and the next column
FONT_SIZE = 14  # the tree's label font, in canvas pixels at zoom 1
ROOT_FONT_SIZE = 16
BOX_MARGIN = 4  # vis-network's box margin, each side
LABEL_CHARS = {"policy": 18, "measure": 20, "instrument": 22, "target": 24, "baseline": 24, "agency": 16}

# The order of a node's children: its own outline and facts in document order, then the agencies
# responsible (lead first), then the policy's links outside the text.
CHILD_ORDER = {"issued_by": 0, "collective_agency": 1, "text": 2, "lead_agency": 3, "responsible_agency": 4,
               "cites": 5, "cited_by": 6}
AGENCY_PREFIX = {"lead_agency": "牵头 ", "responsible_agency": "", "issued_by": "发文 ", "collective_agency": "泛指 "}


@dataclass
class Tree:
    graph: nx.MultiDiGraph  # the drawn tree: node ids are unique, attribute `iri` names the node of the graph
    root: str
    positions: dict[str, Position]  # box centres
    width: float  # from x = 0, the root's left edge
    height: float  # from y = 0, the root's row

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """x_min, y_min, x_max, y_max of the drawing, with a margin."""
        return (-24.0, -ROW_HEIGHT, self.width + 24.0, self.height + ROW_HEIGHT)


def text_width(text: str, size: int = FONT_SIZE) -> float:
    """Canvas width of a label, estimated: a CJK character is as wide as the font is high, Latin
    letters and digits about 0.6 of it."""
    wide = sum(1 for c in text if unicodedata.east_asian_width(c) in ("W", "F"))
    return wide * size + (len(text) - wide) * size * 0.6


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _measure_label(data: dict[str, Any]) -> str:
    number = data["path"].rsplit("/", 1)[-1]
    return f"{number} {shorten(data.get('heading') or '', LABEL_CHARS['measure'])}".strip()


def _fact_label(data: dict[str, Any]) -> str:
    if data["kind"] == "instrument":
        amount = wan_label(data.get("amount_yuan"), bool(data.get("max"))) or "未写明金额"
        return f"{shorten(data.get('type_label') or data['label'], 10)} · {amount}"
    value = number_text(data["value"])
    if data.get("value_min") is not None:
        value = f"{number_text(data['value_min'])}–{value}"
    year = f" ({data['year']})" if data.get("year") else ""
    prefix = "目标 " if data["kind"] == "target" else "基数 "
    return f"{prefix}{shorten(data['indicator'], 14)} {value}{data.get('unit') or ''}{year}"


def _wrap(text: str, width: int) -> str:
    """The root's title on up to three lines."""
    lines = [text[i : i + width] for i in range(0, len(text), width)]
    return "\n".join(lines[:2] + ([shorten(lines[2] + "".join(lines[3:]), width)] if len(lines) > 2 else []))


class _Builder:
    def __init__(self, source: nx.MultiDiGraph, root: str) -> None:
        self.source = source
        self.root = root
        self.tree = nx.MultiDiGraph()
        self.children: dict[str, list[tuple[tuple[int, int, int], str]]] = {}

    def add(self, node: str, iri: str, data: dict[str, Any], label: str) -> None:
        self.tree.add_node(node, **{**data, "iri": iri, "tree_label": label})

    def link(self, parent: str, child: str, relation: str, order: tuple[int, int, int]) -> None:
        self.tree.add_edge(parent, child, key=relation, relation=relation)
        self.children.setdefault(parent, []).append((order, child))

    def group(self, key: str, label: str, order: tuple[int, int, int]) -> str:
        """A node that gathers some children of the policy (its citations, its facts outside any
        measure), so that the root does not fan out to dozens of leaves."""
        node = f"{self.root}#{key}"
        if not self.tree.has_node(node):
            data = {"kind": "section", "label": label, "path": "", "doc": self.source.nodes[self.root].get("doc")}
            self.add(node, node, data, label)
            self.link(self.root, node, "has_part", order)
        return node

    def section(self, policy: str, path: str) -> str:
        """The node of an outline section no measure stands for (一, 一/(一)): made once."""
        node = f"{policy}#section/{path}"
        if not self.tree.has_node(node):
            data = {"kind": "section", "label": path.rsplit("/", 1)[-1], "path": path,
                    "doc": self.source.nodes[policy].get("doc")}
            self.add(node, node, data, data["label"])
        return node

    def hang(self, parent: str, parent_path: str, child: str, path: str, start: int) -> None:
        """Hang a measure under its parent, through the sections between their paths."""
        inner = path.split("/")[len(parent_path.split("/")) if parent_path else 0 : -1]
        above = parent
        prefix = parent_path
        for segment in inner:
            prefix = f"{prefix}/{segment}" if prefix else segment
            node = self.section(self.root, prefix)
            if not any(c == node for _, c in self.children.get(above, [])):
                self.link(above, node, "has_part", (CHILD_ORDER["text"], start, 0))
            above = node
        self.link(above, child, "has_part", (CHILD_ORDER["text"], start, 1))


def policy_tree(source: nx.MultiDiGraph, policy: str) -> Tree:
    """The tree of `policy` (its node in `source`, a graph.subgraph.policy_subgraph) and its layout."""
    b = _Builder(source, policy)
    root = source.nodes[policy]
    b.add(policy, policy, dict(root), _wrap(root["label"], LABEL_CHARS["policy"]))
    paths = {policy: ""}
    measures = [(n, d) for n, d in source.nodes(data=True) if d["kind"] == "measure" and d.get("doc") == root.get("doc")]
    for node, data in measures:
        b.add(node, node, dict(data), _measure_label(data))
        paths[node] = data["path"]
    for node, data in sorted(measures, key=lambda m: (m[1]["start"], m[1]["end"])):
        parents = [u for u, _, r in source.in_edges(node, data="relation") if r == "has_part" and u in paths]
        parent = parents[0] if parents else policy
        b.hang(parent, paths[parent], node, data["path"], data["start"])

    facts = [(n, d) for n, d in source.nodes(data=True)
             if d["kind"] in ("instrument", "target", "baseline") and d.get("doc") == root.get("doc")]
    loose = []
    for node, data in facts:
        measure = next((v for _, v, r in source.out_edges(node, data="relation") if r == "in_measure"), None)
        b.add(node, node, dict(data), _fact_label(data))
        if measure in paths and measure != policy:
            b.link(measure, node, "in_measure", (CHILD_ORDER["text"], data["start"], 2))
        else:
            loose.append((node, data))
    if loose:
        first = min(d["start"] for _, d in loose)
        group = b.group("outside", f"措施之外 · outside the measures ({len(loose)})", (CHILD_ORDER["text"], first, 0))
        for node, data in loose:
            b.link(group, node, "in_policy", (CHILD_ORDER["text"], data["start"], 2))

    for parent in [policy, *paths]:
        for _, agency, relation in source.out_edges(parent, data="relation"):
            if relation not in AGENCY_PREFIX or source.nodes[agency]["kind"] != "agency":
                continue
            node = f"{agency}#{parent}"
            data = source.nodes[agency]
            b.add(node, agency, dict(data), AGENCY_PREFIX[relation] + shorten(data["label"], LABEL_CHARS["agency"]))
            b.link(parent, node, relation, (CHILD_ORDER[relation], 0, 0))

    citations = list(_citations(source, policy))
    for relation, heading in (("cites", "引用 · cites"), ("cited_by", "被引 · cited by")):
        links = [(other, rank) for other, r, rank in citations if r == relation]
        if not links:
            continue
        group = b.group(relation, f"{heading} ({len(links)})", (CHILD_ORDER[relation], 0, 0))
        for other, rank in links:
            data = source.nodes[other]
            node = f"{other}#{relation}"
            b.add(node, other, dict(data), "《" + shorten(data["label"], LABEL_CHARS["policy"] + 4) + "》")
            b.link(group, node, relation, (CHILD_ORDER[relation], rank, 0))

    for node, data in b.tree.nodes(data=True):  # a section says how many measures it holds
        if data["kind"] == "section" and data["path"]:
            held = sum(1 for d in nx.descendants(b.tree, node) if b.tree.nodes[d]["kind"] == "measure")
            data["tree_label"] = f"{data['label']} · {held} 项措施"

    positions, width, height = tidy_layout(b.tree, policy, b.children)
    return Tree(b.tree, policy, positions, width, height)


def _citations(source: nx.MultiDiGraph, policy: str) -> Iterable[tuple[str, str, int]]:
    for rank, (_, other, relation) in enumerate(source.out_edges(policy, data="relation")):
        if relation == "cites":
            yield other, "cites", rank
    for rank, (other, _, relation) in enumerate(source.in_edges(policy, data="relation")):
        if relation == "cites":
            yield other, "cited_by", rank


def box_width(tree: nx.MultiDiGraph, node: str) -> float:
    label = tree.nodes[node]["tree_label"]
    size = ROOT_FONT_SIZE if tree.nodes[node].get("tree_root") else FONT_SIZE
    return max(text_width(line, size) for line in label.split("\n")) + 2 * BOX_MARGIN + 2


def tidy_layout(
    tree: nx.MultiDiGraph, root: str, children: dict[str, list[tuple[tuple[int, int, int], str]]]
) -> tuple[dict[str, Position], float, float]:
    """Left to right: x by depth (each column as wide as its widest box, boxes left-aligned in it),
    y one row per leaf in child order, a parent on the row of its first child (the policy at the top
    left, each heading level with the first line under it, as an outline reads). Returns
    the box centres, the tree's width and height."""
    tree.nodes[root]["tree_root"] = True
    ordered = {p: [c for _, c in sorted(kids, key=lambda k: k[0])] for p, kids in children.items()}
    depth = {root: 0}
    stack = [root]
    order = []
    while stack:  # depth first, children in order
        node = stack.pop()
        order.append(node)
        for child in reversed(ordered.get(node, [])):
            depth[child] = depth[node] + 1
            stack.append(child)
    widths = {n: box_width(tree, n) for n in order}
    columns = [0.0] * (max(depth.values()) + 1)
    for node in order:
        columns[depth[node]] = max(columns[depth[node]], widths[node])
    lefts = [sum(columns[:d]) + COLUMN_GAP * d for d in range(len(columns))]

    y: dict[str, float] = {}
    row = 0

    def place(node: str) -> None:
        nonlocal row
        kids = ordered.get(node, [])
        if not kids:
            y[node] = row * ROW_HEIGHT
            row += 1
            return
        for kid in kids:
            place(kid)
        y[node] = y[kids[0]]

    place(root)
    positions = {n: (round(lefts[depth[n]] + widths[n] / 2, 1), round(y[n], 1)) for n in order}
    width = lefts[-1] + columns[-1]
    return positions, width, max(row - 1, 0) * ROW_HEIGHT
