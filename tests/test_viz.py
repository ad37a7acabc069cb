"""The browsing pages without a browser: the graph they draw is the store's (graph.subgraph agrees
with the records' networkx graph), which nodes each view selects, the layouts (the policy tree's is
hierarchical), escaping of extracted text, no remote address in the pages, the self-contained file,
routes and `policykg viz`."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli_app
from api.serving import ServedGraph, load_served_graph
from extract.records import Agency, ExtractionRecord, Instrument, Measure, PolicyMeta, Target
from graph.compare import CompareResult, compare
from graph.network import build_networkx
from graph.rows import select
from graph.source import records_source
from graph.subgraph import instrument_type_counts, policy_list, policy_subgraph
from graph.terms import NotFound
from viz.assets import VIS_NETWORK_VERSION, vis_network_js_inline, vis_network_js_path
from viz.layout import radial_layout, spread_angles
from viz.pages import Pages
from viz.render import json_for_script
from viz.select import browse_view, compare_view, find_policy
from viz.tree import ROW_HEIGHT, box_width, policy_tree

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
EVIL = "<script>alert(1)</script>\"&'"
WEIHAI_POLICY = "001_44c0e93a09a44987"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> ServedGraph:
    return load_served_graph(SEEDS, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def graph(served: ServedGraph):  # noqa: ANN201
    """The whole graph as the pages see it: every policy's subgraph, from the store."""
    source = served.source
    return policy_subgraph(source, [p.iri for p in policy_list(source)], instrument_type_counts(source))


@pytest.fixture(scope="module")
def pages(served: ServedGraph) -> Pages:
    return Pages(served.source)


def weihai_tree(served: ServedGraph):  # noqa: ANN201
    entry = find_policy(policy_list(served.source), WEIHAI_POLICY)
    return policy_tree(policy_subgraph(served.source, [entry.iri]), entry.iri)


def compare_page_view(served: ServedGraph, term: str):  # noqa: ANN201
    result = compare(served.source, term)
    instruments = [NamedNode(m.iri) for c in result.funding for m in c.matches]
    context = select(served.source, "instrument_context", instrument=instruments)
    return compare_view(result, context, instrument_type_counts(served.source))


@pytest.fixture(scope="module")
def client(served: ServedGraph) -> TestClient:
    return TestClient(create_app(served))


def evil_records() -> list[ExtractionRecord]:
    """A record whose extracted text is markup: the pages must show it as text, never run it."""
    agency = f"科技局{EVIL}"
    quote = f"给予{EVIL}补助"
    return [
        ExtractionRecord(
            doc="evil.txt",
            sha256="0" * 64,
            city="甲市",
            policy=PolicyMeta(title=f"甲市政策{EVIL}", issuer=agency),
            measures=[Measure("m1", "一", f"措施{EVIL}", [agency], [], 0, 40)],
            agencies=[Agency(name=agency, aliases=[agency], measures=["m1"], lead_measures=["m1"])],
            instruments=[
                Instrument(
                    "innovation_voucher", 300_000, True, "year", None, "国家级", EVIL, "m1", quote, 5, 5 + len(quote)
                )
            ],
            targets=[Target(f"高新技术企业{EVIL}", 100, None, "家", 2025, EVIL, 50, 50 + len(EVIL), "m1")],
        )
    ]


def page_json(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="policykg-data">(.*?)</script>', html, re.S)
    assert match, "the page carries its graph as JSON"
    return json.loads(match.group(1))


# --- selection -------------------------------------------------------------------------------


def test_the_store_graph_is_the_records_graph(graph, served: ServedGraph) -> None:  # noqa: ANN001
    """What the pages draw (shaped from SPARQL rows) has the nodes and links of build_networkx over
    the records the store was built from; the one difference is by design: an agency that leads a
    measure is not also drawn as merely responsible for it."""
    records = build_networkx(served.records)
    used_types = {d["type"] for _, d in records.nodes(data=True) if d["kind"] == "instrument"}
    expected = {
        n for n, d in records.nodes(data=True) if d["kind"] != "instrument_type" or d["type_id"] in used_types
    }
    assert set(graph) == expected
    assert all(graph.nodes[n]["kind"] == records.nodes[n]["kind"] for n in graph)
    ours = set(graph.edges(keys=True))
    theirs = set(records.edges(keys=True))
    assert ours <= theirs
    assert all(k == "responsible_agency" and (u, v, "lead_agency") in ours for u, v, k in theirs - ours)
    for node, data in graph.nodes(data=True):
        if data["kind"] in ("instrument", "target", "baseline"):
            mine = records.nodes[node]
            assert (data["quote"], data["start"], data["end"], data["doc"]) == (
                mine["quote"], mine["start"], mine["end"], mine["doc"]
            )
            if data["kind"] == "instrument":
                assert (data["amount_yuan"], data["max"], data["type"]) == (mine["amount_yuan"], mine["max"], mine["type"])


def test_whole_graph_is_every_node_and_edge(graph) -> None:  # noqa: ANN001
    view = browse_view(graph)
    assert view.graph.number_of_nodes() == graph.number_of_nodes()
    assert view.graph.number_of_edges() == graph.number_of_edges()
    assert Counter(k for _, k in view.graph.nodes(data="kind")) == Counter(k for _, k in graph.nodes(data="kind"))


def test_city_filter_keeps_the_city_and_context_only(graph) -> None:  # noqa: ANN001
    view = browse_view(graph, cities=["威海"])
    own = {n for n, d in graph.nodes(data=True) if d.get("city") == "威海"}
    assert own <= set(view.graph)
    for node, data in view.graph.nodes(data=True):
        if data["kind"] == "city":
            assert data["label"] == "威海"
        elif data["kind"] == "instrument_type" or (data["kind"] == "policy" and not data.get("in_corpus")):
            assert any(graph.nodes[u].get("city") == "威海" for u, _ in graph.in_edges(node))
        else:
            assert data.get("city") == "威海", (node, data)


def test_kind_filter(graph) -> None:  # noqa: ANN001
    view = browse_view(graph, cities=["威海"], kinds=["agency", "instrument"])
    kinds = Counter(k for _, k in view.graph.nodes(data="kind"))
    assert set(kinds) == {"agency", "instrument"}
    weihai = [d for _, d in graph.nodes(data=True) if d.get("city") == "威海"]
    assert kinds["instrument"] == sum(1 for d in weihai if d["kind"] == "instrument")
    assert kinds["agency"] == sum(1 for d in weihai if d["kind"] == "agency")


def test_instrument_filter_keeps_that_type_with_its_context(graph) -> None:  # noqa: ANN001
    view = browse_view(graph, type_id="incubator_award")
    instruments = [d for _, d in view.graph.nodes(data=True) if d["kind"] == "instrument"]
    assert instruments and {d["type"] for d in instruments} == {"incubator_award"}
    assert len(instruments) == sum(
        1 for _, d in graph.nodes(data=True) if d.get("type") == "incubator_award" and d["kind"] == "instrument"
    )
    assert {d["label"] for _, d in view.graph.nodes(data=True) if d["kind"] == "city"} == {"威海", "盘锦"}
    # every drawn measure leads to its policy through measures only
    for node, data in view.graph.nodes(data=True):
        if data["kind"] == "measure":
            assert any(view.graph.nodes[u]["kind"] in ("measure", "policy") for u, _ in view.graph.in_edges(node))


def test_compare_view_matches_the_compare_answer(served: ServedGraph) -> None:
    answer = compare(served.source, "孵化器")
    view = compare_page_view(served, "孵化器")
    kinds = Counter(k for _, k in view.graph.nodes(data="kind"))
    assert kinds["instrument_type"] == 1
    assert kinds["city"] == len(answer.cities)
    assert kinds["instrument"] == sum(len(c.matches) for c in answer.funding)
    assert [row["city"] for row in view.summary] == answer.cities
    funded = {row["city"]: row["largest_amount_yuan"] for row in view.summary if row["count"]}
    assert funded == {c.city: c.largest_amount for c in answer.funding}
    relations = Counter(r for _, _, r in view.graph.edges(data="relation"))
    assert relations["does_not_fund"] == len(answer.not_funding)
    assert kinds["agency"] > 0 and relations["lead_agency"] + relations["responsible_agency"] > 0


def test_compare_view_draws_the_largest_cities_and_lists_the_rest(served: ServedGraph) -> None:
    answer = compare(served.source, "孵化器")
    assert len(answer.funding) >= 2
    instruments = [NamedNode(m.iri) for c in answer.funding for m in c.matches]
    context = select(served.source, "instrument_context", instrument=instruments)
    view = compare_view(answer, context, instrument_type_counts(served.source), max_cities=1)
    drawn = {d["label"] for _, d in view.graph.nodes(data=True) if d["kind"] == "city"}
    assert answer.funding[0].city in drawn and not {c.city for c in answer.funding[1:]} & drawn
    assert sum(1 for _, k in view.graph.nodes(data="kind") if k == "instrument") == len(answer.funding[0].matches)
    assert sorted(row["city"] for row in view.summary) == sorted(answer.cities)  # the table keeps every city
    assert f"the other {len(answer.funding) - 1} are in the table below" in view.notice


def test_the_comparison_page_reads_the_precomputed_answer(served: ServedGraph) -> None:
    """The page takes /compare's precomputed answer (what `to_dict` wrote reads back whole) rather
    than querying the store again: an answer that says otherwise is what the page draws."""
    answer = compare(served.source, "孵化器")
    stored = json.loads(json.dumps(answer.to_dict()))
    assert CompareResult.from_dict(stored).to_dict() == answer.to_dict()
    stored["cities"] = [c for c in stored["cities"] if c["city"] == answer.funding[0].city]
    stored["does_not_fund"] = []
    pages = Pages(served.source, answers={f"compare/{answer.type.id}.json": json.dumps(stored).encode()})
    assert [c.city for c in pages.comparison("孵化器").funding] == [answer.funding[0].city]
    html = pages.compare("孵化器")
    assert answer.funding[0].city in html and answer.funding[1].city not in html


def test_policy_tree_holds_the_policy(served: ServedGraph) -> None:
    record = next(r for r in served.records if r.doc.startswith(WEIHAI_POLICY))
    tree = weihai_tree(served)
    kinds = Counter(d["kind"] for _, d in tree.graph.nodes(data=True))
    assert kinds["measure"] == len(record.measures)
    assert kinds["instrument"] == len(record.instruments)
    assert kinds["target"] == len(record.targets)
    agencies = {d["iri"] for _, d in tree.graph.nodes(data=True) if d["kind"] == "agency"}
    assert len(agencies) >= len({a.name for a in record.agencies if a.measures or a.lead_measures})
    policies = {d["iri"] for _, d in tree.graph.nodes(data=True) if d["kind"] == "policy"}
    assert len(policies) == 1 + len({c.title for c in record.citations})
    assert "city" not in kinds and "instrument_type" not in kinds
    assert nx.is_arborescence(nx.DiGraph(tree.graph)), "a tree: one parent each, one root"
    # every measure's instruments hang under it, with their amounts in the label
    for node, data in tree.graph.nodes(data=True):
        if data["kind"] == "instrument" and data["measure"]:
            (parent,) = tree.graph.predecessors(node)
            assert tree.graph.nodes[parent]["measure_id"] == data["measure"]
            if data["amount_yuan"] is not None:
                assert f"{data['amount_yuan'] / 10_000:,.10g} 万元" in data["tree_label"]


def test_policy_tree_is_laid_out_as_a_tree(served: ServedGraph) -> None:
    """Every child right of its parent and not above it; the boxes of one column never overlap."""
    tree = weihai_tree(served)
    x = {n: p[0] for n, p in tree.positions.items()}
    y = {n: p[1] for n, p in tree.positions.items()}
    assert set(tree.positions) == set(tree.graph)
    assert tree.positions[tree.root] == min(tree.positions.values(), key=lambda p: (p[1], p[0]))
    for parent, child in tree.graph.edges():
        assert x[child] > x[parent] and y[child] >= y[parent], (parent, child)
    for parent in tree.graph:
        kids = sorted(tree.graph.successors(parent), key=lambda k: y[k])
        for above, below in zip(kids, kids[1:], strict=False):
            assert y[below] - y[above] >= ROW_HEIGHT  # siblings a row apart at least
    rows: dict[float, list[str]] = {}
    for node, (_, row) in tree.positions.items():
        rows.setdefault(row, []).append(node)
    for nodes in rows.values():  # boxes on one row side by side, not on top of each other
        spans = sorted((x[n] - box_width(tree.graph, n) / 2, x[n] + box_width(tree.graph, n) / 2) for n in nodes)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), spans


@pytest.mark.parametrize(
    ("call", "kind", "suggestion"),
    [
        (lambda p: p.browse(cities=["威海市"]), "city", "威海"),
        (lambda p: p.browse(kinds=["agencies"]), "node kind", "agency"),
        (lambda p: p.browse(kinds=["section"]), "node kind", "agency"),
        (lambda p: p.compare("孵化qi"), "instrument type", None),
        (lambda p: p.policy("001_44c0e93a"), "policy", WEIHAI_POLICY),
        (lambda p: p.browse(policy="001_44c0e93a"), "policy", WEIHAI_POLICY),
    ],
)
def test_unknown_names_say_what_is_near(pages: Pages, call, kind: str, suggestion: str | None) -> None:  # noqa: ANN001
    with pytest.raises(NotFound) as caught:
        call(pages)
    assert caught.value.kind == kind and caught.value.suggestions
    if suggestion:
        assert suggestion in caught.value.suggestions


# --- layout ----------------------------------------------------------------------------------


def test_layout_is_deterministic_and_places_every_node_apart(graph) -> None:  # noqa: ANN001
    view = browse_view(graph)
    first = radial_layout(view.graph, view.roots)
    assert first == radial_layout(build_networkx_copy(view.graph), view.roots)
    assert set(first) == set(view.graph)
    assert len(set(first.values())) == len(first), "no two nodes on the same spot"


def build_networkx_copy(graph):  # noqa: ANN001, ANN201
    return graph.copy()


def test_spread_angles_keeps_the_minimum_gap() -> None:
    placed = spread_angles([0.1, 0.1, 0.12, 3.0], 0.3)
    ordered = sorted(a % 6.283185307179586 for a in placed)
    gaps = [b - a for a, b in zip(ordered, ordered[1:], strict=False)] + [ordered[0] + 6.283185307179586 - ordered[-1]]
    assert min(gaps) >= 0.3 - 1e-9


# --- pages -----------------------------------------------------------------------------------


def test_page_draws_the_view_with_details(pages: Pages, graph) -> None:  # noqa: ANN001
    data = page_json(pages.browse())
    assert len(data["nodes"]) == graph.number_of_nodes()
    assert len(data["edges"]) == graph.number_of_edges()
    assert data["options"]["physics"]["enabled"] is False
    assert all("x" in n and "y" in n for n in data["nodes"])
    award = next(
        n for n in data["nodes"] if n["kind"] == "instrument" and "200 万元" in json.dumps(n["d"], ensure_ascii=False)
    )
    rows = dict(award["d"]["rows"])
    assert "2,000,000 元" in rows["金额 · amount"]
    assert award["d"]["quote"]
    source = dict((text, href) for text, href in award["d"]["links"])["原文出处 · source"]
    assert re.fullmatch(r"/source/[\w.]+\?start=\d+&end=\d+", source)


def test_served_page_loads_only_its_own_assets(pages: Pages) -> None:
    for html in (pages.browse(), pages.compare("创新券"), pages.policy(WEIHAI_POLICY), pages.browse(["威海"])):
        assert not re.search(r"https?://", html), re.findall(r"https?://\S{0,40}", html)[:3]
        assert re.findall(r'<script src="([^"]+)"', html) == [
            f"/static/vis-network/{VIS_NETWORK_VERSION}/vis-network.min.js"
        ]
        assert '<link rel="stylesheet"' not in html and "@import" not in html and "url(" not in html


def test_self_contained_file_inlines_vis_network(served: ServedGraph) -> None:
    html = Pages(served.source, inline=True).browse(["盘锦"])
    assert "<script src=" not in html
    assert vis_network_js_inline()[:5000] in html
    assert "sourceMappingURL" not in html
    # no attribute or style that would fetch anything: the only URLs are in the library's comments
    assert not re.search(r'(src|href|action)="https?://', html)
    assert not re.search(r"url\(\s*['\"]?https?://", html)
    assert 'href="/source/' not in html  # links are built by the script from the JSON, relative by default
    assert page_json(html)["base_url"] == ""
    assert (
        page_json(Pages(served.source, inline=True, base_url="http://127.0.0.1:8000/").browse(["盘锦"]))[
            "base_url"
        ]
        == "http://127.0.0.1:8000"
    )


def test_extracted_markup_is_escaped_everywhere() -> None:
    pages = Pages(records_source(evil_records()))
    for html in (pages.browse(), pages.compare("创新券"), pages.policy("evil")):
        assert "<script>alert(1)" not in html
        assert html.count("<script") == 3  # the JSON data, vis-network, the page's own script
        data = page_json(html)
        texts = json.dumps(data, ensure_ascii=False)
        assert EVIL.replace('"', '\\"') in texts  # the JSON round-trips the text unchanged
        assert any(EVIL in n["d"]["quote"] for n in data["nodes"] if n["kind"] == "instrument")
        assert any(EVIL in n["label"] + n["title"] for n in data["nodes"] if n["kind"] == "agency")
    # the page's script writes extracted text with textContent only
    script = pages.browse().rsplit("<script>", 1)[1]
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "document.write" not in script


def test_json_for_script_cannot_close_the_element() -> None:
    text = json_for_script({"q": "</script><!-- & >"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"q": "</script><!-- & >"}


# --- HTTP and CLI ----------------------------------------------------------------------------


def test_routes_answer_pages_and_404s(client: TestClient) -> None:
    for url in (
        "/browse",
        "/browse?city=威海&kind=instrument&kind=agency",
        "/browse/compare?instrument=孵化器",
        f"/browse/policy/{WEIHAI_POLICY}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("text/html")
    # the empty values an HTML form sends mean "no filter"
    assert client.get("/browse?policy=&instrument=").status_code == 200
    missing = client.get("/browse/policy/001_44c0")
    assert missing.status_code == 404 and WEIHAI_POLICY in missing.text
    assert client.get("/browse/compare?instrument=nothing-like-it").status_code == 404
    unknown_city = client.get("/browse?city=北京")
    assert unknown_city.status_code == 404 and "大连" in unknown_city.text
    redirect = client.get(f"/browse/policy?id={WEIHAI_POLICY}", follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"] == f"/browse/policy/{WEIHAI_POLICY}"


def test_not_found_page_escapes_the_name(client: TestClient) -> None:
    response = client.get("/browse/compare", params={"instrument": "<b>x</b>"})
    assert response.status_code == 404
    assert "<b>x</b>" not in response.text and "&lt;b&gt;x&lt;/b&gt;" in response.text


def test_vendored_asset_is_served_with_its_licence(client: TestClient) -> None:
    response = client.get(f"/static/vis-network/{VIS_NETWORK_VERSION}/vis-network.min.js")
    assert response.status_code == 200
    assert response.content == vis_network_js_path().read_bytes()
    assert f"@version {VIS_NETWORK_VERSION}" in response.text[:1000]
    folder = vis_network_js_path().parent
    assert "MIT License" in (folder / "LICENSE-MIT").read_text()
    assert "Apache License" in (folder / "LICENSE-APACHE-2.0").read_text()


def test_viz_command_writes_a_self_contained_file(tmp_path: Path) -> None:
    out = tmp_path / "weihai.html"
    result = CliRunner().invoke(
        cli_app, ["viz", "--data", str(SEEDS), "--city", "威海", "--kind", "instrument", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<script src=" not in html
    kinds = {n["kind"] for n in page_json(html)["nodes"]}
    assert kinds == {"instrument"}
    compare_out = tmp_path / "compare.html"
    result = CliRunner().invoke(
        cli_app, ["viz", "--data", str(SEEDS), "--view", "compare", "--instrument", "创新券", "-o", str(compare_out)]
    )
    assert result.exit_code == 0 and compare_out.exists()
    result = CliRunner().invoke(
        cli_app, ["viz", "--data", str(SEEDS), "--city", "北京", "-o", str(tmp_path / "x.html")]
    )
    assert result.exit_code == 2 and "大连" in result.output
