"""Node positions computed in Python, so the browser draws at once with physics off.

A structured, deterministic layout rather than a force simulation (which turns this graph, where a
few agencies touch hundreds of measures, into a hairball, and needs numpy/scipy in networkx):

- every view is a forest: a city holds its policies, a policy its measures (the outline), a
  measure its instruments, targets and baselines, a policy the policies it cites outside the
  corpus. Each tree is drawn as a radial tree, its root at the centre and each subtree in a wedge
  proportional to its leaves, one ring per depth;
- agencies, which link across the outline, sit on a ring around their tree, each near the mean
  angle of the measures it is linked to, spread so that none overlap;
- instrument types, shared by every city, sit in a hub at the origin, and the trees around it.

The same graph (same node order) always gives the same positions: no randomness, no iteration to
convergence. Callers cache the pages built from it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import networkx as nx

Position = tuple[float, float]

SATELLITE_KINDS = frozenset({"agency"})
HUB_KINDS = frozenset({"instrument_type"})

# How a node finds its parent in the tree, by preference: (relation, "out" = the parent is the
# edge's target, "in" = the parent is the edge's source).
PARENT_RULES: tuple[tuple[str, str], ...] = (
    ("in_measure", "out"),  # a fact under its measure
    ("has_part", "in"),  # a measure under its policy or parent measure
    ("in_city", "out"),  # a policy under its city
    ("in_policy", "out"),  # a fact without a measure under its policy
    ("funds", "in"),  # (cross-city view) an instrument under its city
    ("cites", "in"),  # a cited policy under the policy citing it
    ("cites", "out"),  # a citing policy under the policy it cites (when that one is the root)
)

RING_GAP = 75.0  # distance between the rings of a tree, at least
NODE_SPACING = 20.0  # arc length between the nodes of a ring (between leaves on the outermost), at least
SATELLITE_GAP = 90.0  # from a tree's outer ring to its agencies' ring
SATELLITE_SPACING = 46.0  # arc length between agencies
HUB_SPACING = 62.0  # arc length between instrument types in the hub
CLUSTER_GAP = 90.0
GRID_SPACING = 115.0


def _parents(graph: nx.MultiDiGraph, tree_nodes: list[str], roots: set[str]) -> dict[str, str]:
    in_tree = set(tree_nodes)
    parent: dict[str, str] = {}
    for node in tree_nodes:
        if node in roots:
            continue
        for relation, direction in PARENT_RULES:
            edges = (
                graph.out_edges(node, data="relation") if direction == "out" else graph.in_edges(node, data="relation")
            )
            candidates = [(v if direction == "out" else u) for u, v, r in edges if r == relation]
            candidates = [c for c in candidates if c in in_tree and c != node]
            if candidates:
                parent[node] = candidates[0]
                break
    # Break cycles (two policies citing each other with nothing above them): the first node met on
    # a cycle becomes a root.
    for node in tree_nodes:
        seen = [node]
        current = node
        while current in parent:
            current = parent[current]
            if current in seen:
                del parent[current]
                break
            seen.append(current)
    return parent


def _radial_tree(root: str, children: dict[str, list[str]]) -> tuple[dict[str, Position], float, dict[str, float]]:
    """Positions around (0, 0), the outer radius, and each node's angle (for the satellites)."""
    leaves: dict[str, int] = {}

    def count(node: str) -> int:
        leaves[node] = sum(count(c) for c in children.get(node, [])) or 1
        return leaves[node]

    count(root)
    depth_of: dict[str, int] = {root: 0}
    order = [root]
    for node in order:  # breadth first
        for child in children.get(node, []):
            depth_of[child] = depth_of[node] + 1
            order.append(child)
    max_depth = max(depth_of.values())
    if max_depth == 0:
        return {root: (0.0, 0.0)}, 0.0, {root: 0.0}
    # One ring per depth, each far enough out for the nodes on it, the last for all the leaves.
    per_depth = [0] * (max_depth + 1)
    for depth in depth_of.values():
        per_depth[depth] += 1
    radius = [0.0] * (max_depth + 1)
    for depth in range(1, max_depth + 1):
        crowd = per_depth[depth] if depth < max_depth else max(per_depth[depth], leaves[root])
        radius[depth] = max(radius[depth - 1] + RING_GAP, crowd * NODE_SPACING / (2 * math.pi))
    for depth in range(1, max_depth):  # inner rings not crammed near the root: at least evenly spaced
        radius[depth] = max(radius[depth], 0.8 * radius[max_depth] * depth / max_depth)
    if max_depth == 1:  # a star: its leaves on one ring, roomy
        radius[1] = max(RING_GAP * 1.4, leaves[root] * 2 * NODE_SPACING / (2 * math.pi))
    # the root's label hangs below it: the circle starts and ends there, between two subtrees
    wedge: dict[str, tuple[float, float]] = {root: (math.pi / 2, 5 * math.pi / 2)}
    angle: dict[str, float] = {root: 0.0}
    positions: dict[str, Position] = {root: (0.0, 0.0)}
    for node in order:
        start, end = wedge[node]
        cursor = start
        for child in children.get(node, []):
            share = (end - start) * leaves[child] / leaves[node]
            wedge[child] = (cursor, cursor + share)
            angle[child] = cursor + share / 2
            r = radius[depth_of[child]]
            positions[child] = (r * math.cos(angle[child]), r * math.sin(angle[child]))
            cursor += share
    return positions, radius[max_depth], angle


def _circular_mean(angles: Sequence[float]) -> float:
    return math.atan2(sum(math.sin(a) for a in angles), sum(math.cos(a) for a in angles))


def spread_angles(wanted: Sequence[float], min_gap: float) -> list[float]:
    """Angles as close to `wanted` as possible, at least `min_gap` apart around the circle (in the
    wanted order); evenly spaced, rotated to fit best, when they cannot all keep their place."""
    k = len(wanted)
    if k <= 1:
        return list(wanted)
    order = sorted(range(k), key=lambda i: (wanted[i] % (2 * math.pi), i))
    sorted_wanted = [wanted[i] % (2 * math.pi) for i in order]
    step = 2 * math.pi / k
    if k * min_gap >= 2 * math.pi * 0.7:
        offset = _circular_mean([a - i * step for i, a in enumerate(sorted_wanted)])
        placed = [offset + i * step for i in range(k)]
    else:
        placed = list(sorted_wanted)
        for i in range(1, k):
            placed[i] = max(placed[i], placed[i - 1] + min_gap)
        shift = sum(p - w for p, w in zip(placed, sorted_wanted, strict=True)) / k
        placed = [p - shift for p in placed]
        if placed[-1] - placed[0] > 2 * math.pi - min_gap:  # wrapped onto the first: even spacing
            offset = _circular_mean([a - i * step for i, a in enumerate(sorted_wanted)])
            placed = [offset + i * step for i in range(k)]
    result = [0.0] * k
    for position, index in enumerate(order):
        result[index] = placed[position]
    return result


class _Cluster:
    def __init__(self, positions: dict[str, Position], radius: float) -> None:
        self.positions = positions
        self.radius = radius


def _ring(nodes: list[str], spacing: float) -> _Cluster:
    if len(nodes) == 1:
        return _Cluster({nodes[0]: (0.0, 0.0)}, 30.0)
    radius = max(spacing * len(nodes) / (2 * math.pi), spacing * 0.8)
    positions = {
        n: (
            radius * math.cos(-math.pi / 2 + 2 * math.pi * i / len(nodes)),
            radius * math.sin(-math.pi / 2 + 2 * math.pi * i / len(nodes)),
        )
        for i, n in enumerate(nodes)
    }
    return _Cluster(positions, radius + 40.0)


def _grid(nodes: list[str]) -> _Cluster:
    columns = max(1, math.ceil(math.sqrt(len(nodes))))
    rows = math.ceil(len(nodes) / columns)
    positions = {
        n: ((i % columns - (columns - 1) / 2) * GRID_SPACING, (i // columns - (rows - 1) / 2) * GRID_SPACING)
        for i, n in enumerate(nodes)
    }
    return _Cluster(positions, GRID_SPACING * max(columns, rows) * 0.75 + 30.0)


def _arrange(clusters: list[_Cluster], hub: _Cluster | None) -> list[Position]:
    """Centres: the hub at the origin and up to eight clusters on a ring around it, more in rows."""
    if not clusters:
        return []
    if len(clusters) == 1 and hub is None:
        return [(0.0, 0.0)]
    if len(clusters) <= 8:
        inner = hub.radius if hub else 0.0
        # each cluster gets the angle it spans seen from the hub, the slack shared out evenly
        spans = [
            2 * math.asin(min(1.0, (c.radius + CLUSTER_GAP / 2) / (inner + c.radius + CLUSTER_GAP))) for c in clusters
        ]
        slack = max(0.0, 2 * math.pi - sum(spans)) / len(clusters)
        shares = [span + slack for span in spans]
        total = sum(shares)
        shares = [2 * math.pi * share / total for share in shares]
        angles = []
        cursor = -3 * math.pi / 4 - shares[0] / 2
        for share in shares:
            angles.append(cursor + share / 2)
            cursor += share
        # each cluster as close to the hub as it can be, pushed out together until none overlap
        scale = 1.0
        while True:
            distances = [
                (inner + c.radius + CLUSTER_GAP) * scale if (hub or len(clusters) > 1) else 0.0 for c in clusters
            ]
            centres = [(d * math.cos(a), d * math.sin(a)) for d, a in zip(distances, angles, strict=True)]
            if all(
                math.dist(centres[i], centres[j]) >= clusters[i].radius + clusters[j].radius + CLUSTER_GAP
                for i in range(len(clusters))
                for j in range(i + 1, len(clusters))
            ):
                return centres
            scale *= 1.05
    # rows, left to right, then down
    width_limit = math.sqrt(sum((2 * c.radius + CLUSTER_GAP) ** 2 for c in clusters)) * 1.3
    centres = []
    x = y = row_height = 0.0
    start_y = (hub.radius + CLUSTER_GAP) if hub else 0.0
    for cluster in clusters:
        diameter = 2 * cluster.radius + CLUSTER_GAP
        if x > 0 and x + diameter > width_limit:
            x, y, row_height = 0.0, y + row_height, 0.0
        centres.append((x + cluster.radius - width_limit / 2, start_y + y + cluster.radius))
        x += diameter
        row_height = max(row_height, diameter)
    return centres


def radial_layout(graph: nx.MultiDiGraph, roots: Iterable[str] = ()) -> dict[str, Position]:
    """Positions for every node of `graph`, in canvas pixels, deterministic for a given graph."""
    kinds = dict(graph.nodes(data="kind"))
    given_roots = [r for r in roots if r in graph]
    hub_nodes = [n for n in graph if kinds[n] in HUB_KINDS and n not in given_roots]
    satellites = [n for n in graph if kinds[n] in SATELLITE_KINDS and n not in given_roots]
    tree_nodes = [n for n in graph if n not in set(hub_nodes) | set(satellites)]
    parent = _parents(graph, tree_nodes, set(given_roots))
    children: dict[str, list[str]] = defaultdict(list)
    for node in tree_nodes:
        if node in parent:
            children[parent[node]].append(node)
    tree_roots = given_roots + [n for n in tree_nodes if n not in parent and n not in given_roots]
    tree_roots = [r for r in tree_roots if kinds[r] not in HUB_KINDS | SATELLITE_KINDS or r in given_roots]

    trees = []  # (root, positions, radius, angles)
    singletons = []
    for root in tree_roots:
        positions, radius, angles = _radial_tree(root, children)
        if len(positions) == 1 and root not in given_roots:
            singletons.append(root)
        else:
            trees.append((root, positions, radius, angles))

    # Satellites join the tree most of their neighbours are in, near those neighbours' mean angle.
    tree_of = {node: i for i, (_, positions, _, _) in enumerate(trees) for node in positions}
    joined: dict[int, list[tuple[str, float]]] = defaultdict(list)
    loose = []
    for node in satellites:
        neighbours = [n for n in nx.all_neighbors(graph, node) if n in tree_of]
        if not neighbours:
            loose.append(node)
            continue
        counts: dict[int, int] = defaultdict(int)
        for n in neighbours:
            counts[tree_of[n]] += 1
        best = max(counts, key=lambda i: (counts[i], -i))
        angles = trees[best][3]
        joined[best].append((node, _circular_mean([angles[n] for n in neighbours if tree_of[n] == best])))

    clusters = []
    for i, (_root, positions, radius, _) in enumerate(trees):
        members = joined.get(i, [])
        if members:
            ring = radius + SATELLITE_GAP
            placed = spread_angles([a for _, a in members], SATELLITE_SPACING / ring)
            for j, ((node, _), a) in enumerate(zip(members, placed, strict=True)):
                r = ring + (35.0 if j % 2 else 0.0) if len(members) * SATELLITE_SPACING > math.pi * ring else ring
                positions[node] = (r * math.cos(a), r * math.sin(a))
            radius = ring + 35.0
        clusters.append(_Cluster(positions, radius + 40.0))
    if singletons or loose:
        clusters.append(_grid(singletons + loose))

    hub = _ring(hub_nodes, HUB_SPACING) if hub_nodes else None
    if hub is not None and not clusters:
        clusters, hub = [hub], None
    result: dict[str, Position] = {}
    if hub is not None:
        result.update(hub.positions)
    for cluster, (cx, cy) in zip(clusters, _arrange(clusters, hub), strict=True):
        for node, (x, y) in cluster.positions.items():
            result[node] = (round(cx + x, 1), round(cy + y, 1))
    return {n: (round(result[n][0], 1), round(result[n][1], 1)) for n in graph}
