"""What the detail panel and the tooltip say about a node, from its networkx attributes (those of
graph.subgraph, shaped from the query layer's rows).

Plain text only: the page puts these strings into the DOM with `textContent` and vis-network shows
string tooltips with `innerText`, so extracted text never becomes markup.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import networkx as nx

from graph.subgraph import UNTYPED_LABEL
from graph.terms import format_wan, format_yuan, ratio_words

from .style import KINDS

PER_ZH = {"year": "每年 per year", "item": "每项 per item"}


def source_href(doc: str, start: int, end: int) -> str:
    return f"/source/{quote(doc)}?start={start}&end={end}"


def browse_href(path: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")}, doseq=True)
    return f"{path}?{query}" if query else path


def amount_text(data: dict[str, Any]) -> str:
    amount = data.get("amount_yuan")
    if amount is None:
        return "未写明金额 · no figure"
    return f"{'最高 ' if data.get('max') else ''}{format_wan(amount)} · {format_yuan(amount)}"


def terms_text(data: dict[str, Any]) -> str:
    parts = []
    if data.get("max"):
        parts.append("最高 ≤ cap (a ceiling)")
    if data.get("per"):
        parts.append(PER_ZH.get(data["per"], data["per"]))
    if data.get("ratio") is not None:
        parts.append(ratio_words(data["ratio"], data.get("quote") or ""))
    return " · ".join(parts)


def _value_text(data: dict[str, Any]) -> str:
    value = f"{data['value_min']}–{data['value']}" if data.get("value_min") is not None else f"{data['value']}"
    return f"{value} {data.get('unit') or ''}".strip()


class Describer:
    """Detail rows for the nodes of one graph; knows each document's policy title and the measure
    headings, so a fact can say where it comes from."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph
        self.policy_titles: dict[str, str] = {}
        self.measures: dict[tuple[str, str], str] = {}
        for _, data in graph.nodes(data=True):
            if data["kind"] == "policy" and data.get("doc"):
                self.policy_titles[data["doc"]] = data["label"]
            elif data["kind"] == "measure":
                self.measures[(data["doc"], data["measure_id"])] = f"{data['path']} {data['heading']}"

    def describe(self, node: str, data: dict[str, Any]) -> dict[str, Any]:
        """{"name", "kind", "rows": [[field, value]], "quote", "links": [[text, href]]}."""
        kind = data["kind"]
        rows: list[list[str]] = []
        links: list[list[str]] = []
        quote_text = data.get("quote") or ""

        def row(field: str, value: Any) -> None:
            if value not in (None, "", []):
                rows.append([field, "、".join(value) if isinstance(value, list) else str(value)])

        doc = data.get("doc")
        if kind == "city":
            row("政策 · policies", data.get("policies"))
            links.append(["本市图谱 · this city's graph", browse_href("/browse", city=data["label"])])
        elif kind == "policy":
            if data.get("in_corpus") and doc:
                row("通知标题 · notice", data.get("notice_title"))
                row("文号 · number", data.get("doc_number"))
                row("发文机关 · issuer", data.get("issuer"))
                row("成文日期 · issued", data.get("issued_date"))
                row("发布日期 · published", data.get("published_date"))
                row("状态 · status", data.get("status"))
                row("城市 · city", data.get("city"))
                row("文件 · document", doc)
                stem = doc.rsplit(".", 1)[0]
                links.append(["政策树 · policy tree", f"/browse/policy/{quote(stem)}"])
                links.append(["原文 · source text", f"/source/{quote(doc)}"])
            else:
                row("被引政策 · cited policy", "语料外,仅知标题 · outside the corpus, known by title only")
        elif kind == "section":
            row("章节 · section", data.get("path"))
            row("政策 · policy", self.policy_titles.get(doc or ""))
        elif kind == "measure":
            row("条目 · item", f"{data.get('path', '')} ({data.get('measure_id', '')})")
            row("牵头部门 · lead", data.get("lead_agencies"))
            row("责任部门 · responsible", data.get("agencies"))
            row("政策 · policy", self.policy_titles.get(doc or ""))
            links.append(["原文 · source", source_href(doc, data["start"], data["end"])])
        elif kind == "agency":
            led = sum(1 for _, _, r in self.graph.in_edges(node, data="relation") if r == "lead_agency")
            shared = sum(1 for _, _, r in self.graph.in_edges(node, data="relation") if r == "responsible_agency")
            row("城市 · city", data.get("city"))
            row("别名 · aliases", [a for a in data.get("aliases", []) if a != data["label"]])
            row("牵头措施 · measures led", led)
            row("参与措施 · measures shared", shared)
            if data.get("collective"):
                row("泛指 · collective", "泛指一类单位 · a group, not one body")
        elif kind == "instrument":
            type_label = data.get("type_label") if data["type"] else None
            row("类型 · type", f"{type_label} · {data['type']}" if type_label else data["type"] or f"{UNTYPED_LABEL} · untyped")
            row("金额 · amount", amount_text(data))
            row("条件 · terms", terms_text(data))
            row("级别 · level", data.get("level"))
            row("对象 · recipient", data.get("recipient"))
            row("城市 · city", data.get("city"))
            row("政策 · policy", data.get("policy_title") or self.policy_titles.get(doc or ""))
            row("措施 · measure", data.get("measure_heading") or self.measures.get((doc or "", data.get("measure") or "")))
            links.append(["原文出处 · source", source_href(doc, data["start"], data["end"])])
            if data["type"]:
                links.append(["各城市对比 · compare cities", browse_href("/browse/compare", instrument=data["type"])])
        elif kind in ("target", "baseline"):
            row("指标 · indicator", data.get("indicator"))
            row("数值 · value", _value_text(data))
            row("年份 · year", data.get("year"))
            row("城市 · city", data.get("city"))
            row("政策 · policy", self.policy_titles.get(doc or ""))
            row("措施 · measure", self.measures.get((doc or "", data.get("measure") or "")))
            links.append(["原文出处 · source", source_href(doc, data["start"], data["end"])])
        elif kind == "instrument_type":
            row("英文 · English", data.get("label_en"))
            row("编号 · id", data.get("type_id"))
            row("OECD STIP", data.get("stip_type"))
            links.append(
                ["各城市对比 · compare cities", browse_href("/browse/compare", instrument=data.get("type_id"))]
            )
        return {"name": self.name(data), "kind": kind, "rows": rows, "quote": quote_text, "links": links}

    @staticmethod
    def name(data: dict[str, Any]) -> str:
        if data["kind"] == "measure":
            return data.get("heading") or data["label"]
        if data["kind"] == "section" and data.get("path"):
            return f"{data['label']} (章节 · section {data['path']})"
        return data["label"]

    def tooltip(self, data: dict[str, Any]) -> str:
        kind = KINDS[data["kind"]]
        lines = [self.name(data), f"{kind.label_zh} · {kind.label_en}"]
        if data["kind"] == "instrument":
            lines.append(amount_text(data))
        elif data["kind"] in ("target", "baseline") and data.get("year"):
            lines.append(f"{data['year']}")
        elif data["kind"] == "policy" and data.get("city"):
            lines.append(data["city"])
        return "\n".join(lines)
