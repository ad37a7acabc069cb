"""How each node kind and edge relation looks: colour, shape, size, label font; and the legend.

Colours are from the Okabe–Ito palette (told apart by colour-blind readers too), and every kind
also has its own shape, so the legend does not rest on colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass

# The canvas draws labels with this font stack: CJK fonts first, so Chinese labels render.
FONT_FACE = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'


@dataclass(frozen=True)
class KindStyle:
    kind: str
    label_zh: str
    label_en: str
    color: str
    border: str
    shape: str  # a vis-network shape
    size: int  # radius of the shape, in canvas pixels at zoom 1
    font_size: int
    label_chars: int  # labels longer than this are cut with "…" (the detail panel has them whole)


KINDS: dict[str, KindStyle] = {
    s.kind: s
    for s in (
        KindStyle("city", "城市", "city", "#D55E00", "#8F3D00", "dot", 34, 64, 10),
        KindStyle("policy", "政策", "policy", "#0072B2", "#004A75", "square", 18, 24, 16),
        KindStyle("section", "章节", "section", "#E4E7EB", "#6B7785", "square", 8, 12, 10),
        KindStyle("measure", "措施", "measure", "#A7B1BC", "#6B7785", "dot", 5, 10, 14),
        KindStyle("agency", "部门", "agency", "#E69F00", "#9A6A00", "triangle", 11, 14, 12),
        KindStyle("instrument", "资助工具", "instrument", "#009E73", "#006B4E", "diamond", 9, 11, 16),
        KindStyle("instrument_type", "工具类型", "instrument type", "#CC79A7", "#8E4F73", "hexagon", 16, 16, 10),
        KindStyle("target", "目标", "target", "#56B4E9", "#2A7DAD", "star", 9, 10, 16),
        KindStyle("baseline", "基数", "baseline", "#8C8C8C", "#595959", "triangleDown", 8, 11, 16),
    )
}
KIND_ORDER = tuple(KINDS)
# Sections are the policy tree's own nodes (an outline heading no measure stands for): /browse has none.
BROWSE_KINDS = tuple(k for k in KINDS if k != "section")

# Policies cited but not in the corpus: known by title only, drawn paler with a dashed border.
EXTERNAL_POLICY_COLOR = "#A9CBE3"


@dataclass(frozen=True)
class RelationStyle:
    relation: str
    label_zh: str
    color: str  # hex: vis-network applies `opacity` to hex colours only
    opacity: float
    width: float = 1.0
    dashes: bool = False

    @property
    def rgba(self) -> str:
        r, g, b = (int(self.color[i : i + 2], 16) for i in (1, 3, 5))
        return f"rgba({r},{g},{b},{self.opacity})"


RELATIONS: dict[str, RelationStyle] = {
    s.relation: s
    for s in (
        RelationStyle("in_city", "属于城市", "#D55E00", 0.55, 1.5),
        RelationStyle("has_part", "包含", "#6B7785", 0.55, 1.0),
        RelationStyle("in_measure", "出自措施", "#009E73", 0.6, 1.0),
        RelationStyle("in_policy", "出自政策", "#0072B2", 0.15, 1.0),
        RelationStyle("lead_agency", "牵头部门", "#E69F00", 0.55, 1.3),
        RelationStyle("responsible_agency", "责任部门", "#E69F00", 0.22, 0.8),
        RelationStyle("issued_by", "发文机关", "#9A6A00", 0.8, 1.5),
        RelationStyle("collective_agency", "泛指单位", "#8C8C8C", 0.5, 0.8, True),
        RelationStyle("has_type", "工具类型", "#CC79A7", 0.22, 0.8),
        RelationStyle("cites", "引用", "#0072B2", 0.7, 1.2, True),
        RelationStyle("cited_by", "被引", "#0072B2", 0.7, 1.2, True),
        # the cross-city view's own links
        RelationStyle("funds", "资助", "#009E73", 0.7, 2.0),
        RelationStyle("does_not_fund", "无此承诺 no such promise", "#8C8C8C", 0.6, 1.0, True),
    )
}
DEFAULT_RELATION = RelationStyle("other", "其他", "#787878", 0.4)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def legend_svg(kind: str) -> str:
    """A small inline SVG of a kind's shape and colour for the legend (static markup, no user text)."""
    s = KINDS[kind]
    c, b = s.color, s.border
    shapes = {
        "dot": f'<circle cx="9" cy="9" r="6.5" fill="{c}" stroke="{b}"/>',
        "square": f'<rect x="3" y="3" width="12" height="12" fill="{c}" stroke="{b}"/>',
        "triangle": f'<polygon points="9,2 16,15 2,15" fill="{c}" stroke="{b}"/>',
        "triangleDown": f'<polygon points="2,3 16,3 9,16" fill="{c}" stroke="{b}"/>',
        "diamond": f'<polygon points="9,1.5 16.5,9 9,16.5 1.5,9" fill="{c}" stroke="{b}"/>',
        "hexagon": f'<polygon points="5,2 13,2 17,9 13,16 5,16 1,9" fill="{c}" stroke="{b}"/>',
        "star": f'<polygon points="9,1 11.2,6.6 17,6.8 12.4,10.4 14,16 9,12.8 4,16 5.6,10.4 1,6.8 6.8,6.6" fill="{c}" stroke="{b}"/>',
    }
    return f'<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">{shapes[s.shape]}</svg>'


def legend_box_svg(kind: str) -> str:
    """The policy tree's swatch of a kind: the box its nodes are drawn as."""
    s = KINDS[kind]
    return (
        f'<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true"><rect x="1.5" y="4" width="15" '
        f'height="10" rx="2" fill="{tree_fill(kind)}" stroke="{s.border}"/></svg>'
    )


def tree_fill(kind: str) -> str:
    """A box's fill in the policy tree: the kind's colour, lightened so dark text reads on it."""
    r, g, b = (int(KINDS[kind].color[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02X}{:02X}{:02X}".format(*(round(c + (255 - c) * 0.72) for c in (r, g, b)))


def relation_svg(relation: str) -> str:
    s = RELATIONS.get(relation, DEFAULT_RELATION)
    dash = ' stroke-dasharray="4 3"' if s.dashes else ""
    return (
        f'<svg width="26" height="10" viewBox="0 0 26 10" aria-hidden="true">'
        f'<line x1="1" y1="5" x2="25" y2="5" stroke="{s.rgba}" stroke-width="{max(s.width, 1.5)}"{dash}/></svg>'
    )
