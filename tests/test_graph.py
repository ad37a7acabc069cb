"""Tests for graph/: RDF, networkx, SHACL and exports, on three hand-made records from two cities."""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from extract.records import Agency, Citation, ExtractionRecord, Instrument, Measure, PolicyMeta, Target
from extract.taxonomy import load_taxonomy
from graph.build_files import load_records
from graph.export import write_exports
from graph.iris import (
    CITO,
    ELI,
    INSTRUMENT_SCHEME,
    NIF,
    PKG,
    SCHEMA,
    agency_iri,
    cited_policy_iri,
    city_iri,
    fact_iri,
    measure_iri,
    policy_iri,
)
from graph.network import agency_centrality, build_networkx, city_type_matrix
from graph.rdf import build_rdf, load_ontology
from graph.shacl import validate

DALIAN, SHENYANG = "大连市", "沈阳市"
KINDS = {"city", "policy", "measure", "agency", "instrument", "instrument_type", "target", "baseline"}
VOUCHER_TITLE = "大连市科技创新券管理办法（试行）"
NATIONAL_TITLE = "国家创新驱动发展战略纲要"


def span(text: str, quote: str, occurrence: int = 0) -> tuple[int, int]:
    """Offsets of the n-th occurrence of `quote`, so every fixture satisfies text[start:end] == quote."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return start, start + len(quote)


def quoted(text: str, quote: str, occurrence: int = 0) -> dict[str, object]:
    start, end = span(text, quote, occurrence)
    return {"quote": quote, "start": start, "end": end}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


DALIAN_VOUCHER_TEXT = """大连市人民政府办公厅关于印发大连市科技创新券管理办法（试行）的通知
大政办发〔2018〕45号
各区市县人民政府，市政府各有关部门：
现将《大连市科技创新券管理办法（试行）》印发给你们，请认真贯彻执行。
大连市科技创新券管理办法（试行）
为落实《国家创新驱动发展战略纲要》，制定本办法。
一、支持措施
1.对科技型中小企业发放科技创新券，每家企业每年最高支持10万元。（责任单位：市科技局、市财政局）
2.对新认定的国家级、省级孵化器分别给予100万元、50万元奖励。（牵头单位：大连市科学技术局；责任单位：各区市县人民政府）
二、发展目标
3.到2020年，全市高新技术企业达到2000家，2017年全市高新技术企业1200家。
大连市人民政府办公厅
2018年5月16日
"""

DALIAN_TRANSFER_TEXT = """大连市促进科技成果转化若干措施
大政发〔2019〕12号
为贯彻《大连市科技创新券管理办法(试行)》，制定本措施。
1.对技术合同成交额给予补助，按成交额的10%给予最高50万元补助。（责任单位：大连市科学技术局）
"""

SHENYANG_FINANCE_TEXT = """沈阳市科技金融若干政策
沈政发〔2019〕7号
根据《国家创新驱动发展战略纲要》，制定本政策。
一、对购买科技服务的企业，按服务费用的50%使用创新券予以抵扣。（责任单位：市科技局）
二、对科技型企业贷款给予贴息，每家每年贴息最高不超过200万元。（牵头单位：市科技局；责任单位：市金融局、各有关单位）
"""


def dalian_voucher() -> ExtractionRecord:
    text = DALIAN_VOUCHER_TEXT
    split_quote = quoted(text, "分别给予100万元、50万元奖励")
    high_tech = "高新技术企业数量"
    return ExtractionRecord(
        doc="dalian_voucher_2018.txt",
        sha256=sha256(text),
        city=DALIAN,
        policy=PolicyMeta(
            title=VOUCHER_TITLE,
            notice_title="大连市人民政府办公厅关于印发大连市科技创新券管理办法（试行）的通知",
            doc_number="大政办发〔2018〕45号",
            issuer="大连市人民政府办公厅",
            issued_date="2018-05-16",
            published_date="2018-05-29",
            status="有效",
            spans={
                "title": list(span(text, VOUCHER_TITLE, 2)),
                "doc_number": list(span(text, "大政办发〔2018〕45号")),
                "issued_date": list(span(text, "2018年5月16日")),
            },
        ),
        measures=[
            Measure("m1", "一", "支持措施", [], [], *span(text, "一、支持措施"), level=1),
            Measure(
                "m2",
                "一/1",
                "对科技型中小企业发放科技创新券",
                [],
                ["市科技局", "市财政局"],
                *span(text, "1.对科技型中小企业发放科技创新券，每家企业每年最高支持10万元。"),
                level=2,
            ),
            Measure(
                "m3",
                "一/2",
                "对新认定的国家级、省级孵化器给予奖励",
                ["大连市科学技术局"],
                ["各区市县人民政府"],
                *span(text, "2.对新认定的国家级、省级孵化器分别给予100万元、50万元奖励。"),
                level=2,
            ),
            Measure("m4", "二", "发展目标", [], [], *span(text, "二、发展目标"), level=1),
            Measure(
                "m5",
                "二/3",
                "高新技术企业",
                [],
                [],
                *span(text, "3.到2020年，全市高新技术企业达到2000家，2017年全市高新技术企业1200家。"),
                level=2,
            ),
        ],
        agencies=[
            Agency("市科技局", ["大连市科学技术局"], ["m2", "m3"], lead_measures=["m3"]),
            Agency("市财政局", [], ["m2"]),
            Agency("各区市县人民政府", [], ["m3"], collective=True),
        ],
        collective_agencies=["各区市县人民政府"],
        instruments=[
            Instrument(
                "innovation_voucher",
                100_000,
                True,
                "year",
                None,
                None,
                "科技型中小企业",
                "m2",
                **quoted(text, "每家企业每年最高支持10万元"),
            ),
            # 分别: one sentence, two instruments with the same quote
            Instrument("incubator_award", 1_000_000, False, None, None, "国家级", "孵化器", "m3", **split_quote),
            Instrument("incubator_award", 500_000, False, None, None, "省级", "孵化器", "m3", **split_quote),
        ],
        targets=[
            Target(
                high_tech, 2000, None, "家", 2020, **quoted(text, "到2020年，全市高新技术企业达到2000家"), measure="m5"
            )
        ],
        baselines=[
            Target(high_tech, 1200, None, "家", 2017, **quoted(text, "2017年全市高新技术企业1200家"), measure="m5")
        ],
        # The notice quotes its own policy's title: not a citation.
        cited_policies=[VOUCHER_TITLE, NATIONAL_TITLE],
        citations=[
            Citation(VOUCHER_TITLE, None, **quoted(text, f"《{VOUCHER_TITLE}》")),
            Citation(NATIONAL_TITLE, None, **quoted(text, f"《{NATIONAL_TITLE}》")),
        ],
    )


def dalian_transfer() -> ExtractionRecord:
    text = DALIAN_TRANSFER_TEXT
    cited = "大连市科技创新券管理办法(试行)"  # half-width brackets: still the voucher policy
    return ExtractionRecord(
        doc="dalian_transfer_2019.txt",
        sha256=sha256(text),
        city=DALIAN,
        policy=PolicyMeta(
            title="大连市促进科技成果转化若干措施",
            doc_number="大政发〔2019〕12号",
            issuer="大连市人民政府",
            issued_date="2019-03-01",
            status="有效",
        ),
        measures=[
            Measure(
                "m1",
                "1",
                "对技术合同成交额给予补助",
                [],
                ["大连市科学技术局"],
                *span(text, "1.对技术合同成交额给予补助，按成交额的10%给予最高50万元补助。"),
                level=1,
            )
        ],
        agencies=[Agency("大连市科学技术局", ["市科技局"], ["m1"])],
        instruments=[
            Instrument(
                "tech_transfer_award",
                500_000,
                True,
                None,
                0.1,
                None,
                None,
                "m1",
                **quoted(text, "按成交额的10%给予最高50万元补助"),
            )
        ],
        cited_policies=[cited],
        citations=[Citation(cited, None, **quoted(text, f"《{cited}》"))],
    )


def shenyang_finance() -> ExtractionRecord:
    text = SHENYANG_FINANCE_TEXT
    return ExtractionRecord(
        doc="shenyang_finance_2019.txt",
        sha256=sha256(text),
        city=SHENYANG,
        policy=PolicyMeta(
            title="沈阳市科技金融若干政策",
            doc_number="沈政发〔2019〕7号",
            issuer="沈阳市人民政府",
            issued_date="2019-06-10",
            status="失效",
        ),
        measures=[
            Measure(
                "m1",
                "一",
                "对购买科技服务的企业使用创新券",
                [],
                ["市科技局"],
                *span(text, "一、对购买科技服务的企业，按服务费用的50%使用创新券予以抵扣。"),
                level=1,
            ),
            Measure(
                "m2",
                "二",
                "对科技型企业贷款给予贴息",
                ["市科技局"],
                ["市金融局", "各有关单位"],
                *span(text, "二、对科技型企业贷款给予贴息，每家每年贴息最高不超过200万元。"),
                level=1,
            ),
        ],
        agencies=[
            Agency("市科技局", ["沈阳市科学技术局"], ["m1", "m2"], lead_measures=["m2"]),
            Agency("市金融局", [], ["m2"]),
            Agency("各有关单位", [], ["m2"], collective=True),
        ],
        collective_agencies=["各有关单位"],
        instruments=[
            Instrument(
                "innovation_voucher",
                None,
                False,
                None,
                0.5,
                None,
                "企业",
                "m1",
                **quoted(text, "按服务费用的50%使用创新券予以抵扣"),
            ),
            Instrument(
                "loan_interest_subsidy",
                2_000_000,
                True,
                "year",
                None,
                None,
                "科技型企业",
                "m2",
                **quoted(text, "每家每年贴息最高不超过200万元"),
            ),
        ],
        cited_policies=[NATIONAL_TITLE],
        citations=[Citation(NATIONAL_TITLE, None, **quoted(text, f"《{NATIONAL_TITLE}》"))],
    )


@pytest.fixture
def records() -> list[ExtractionRecord]:
    return [shenyang_finance(), dalian_voucher(), dalian_transfer()]


@pytest.fixture
def rdf(records: list[ExtractionRecord]) -> Graph:
    return build_rdf(records)


VOUCHER = policy_iri("dalian_voucher_2018.txt")
TRANSFER = policy_iri("dalian_transfer_2019.txt")
FINANCE = policy_iri("shenyang_finance_2019.txt")


# ---------------------------------------------------------------- IRIs and determinism


def test_iris_are_content_derived_and_ascii(rdf: Graph) -> None:
    assert str(VOUCHER) == "https://w3id.org/policykg/id/policy/dalian_voucher_2018"
    assert measure_iri("dalian_voucher_2018.txt", "m2") == URIRef(f"{VOUCHER}/measure/m2")
    assert (VOUCHER, RDF.type, PKG.Policy) in rdf
    nodes = {n for triple in rdf for n in triple if isinstance(n, URIRef)}
    assert all(str(n).isascii() for n in nodes)
    assert not [n for triple in rdf for n in triple if isinstance(n, BNode)]


def test_two_builds_give_the_same_graph(records: list[ExtractionRecord]) -> None:
    first = build_rdf(records).serialize(format="nt")
    second = build_rdf(list(reversed(records))).serialize(format="nt")
    assert sorted(first.splitlines()) == sorted(second.splitlines())


def test_exports_are_byte_identical(records: list[ExtractionRecord], tmp_path: Path) -> None:
    first = write_exports(records, tmp_path / "a")
    second = write_exports(records, tmp_path / "b")
    assert set(first) == {
        "store",
        "graph.ttl",
        "graph.jsonld",
        "graph.nt",
        "graph.graphml",
        "instruments.csv",
        "targets.csv",
        "measures.csv",
        "records.json",
        "answers",
    }
    assert first["store"].is_dir()
    assert files(first).keys() == files(second).keys() and "answers/matrix.json" in files(first)
    for name, path in files(first).items():
        assert path.read_bytes() == files(second)[name].read_bytes(), name


def files(paths: dict[str, Path]) -> dict[str, Path]:
    """The exports, without the store (its database files record their own creation); a folder of
    exports (the precomputed answers) as its files."""
    found: dict[str, Path] = {}
    for name, path in paths.items():
        if name == "store":
            continue
        if path.is_dir():
            found.update({f"{name}/{p.relative_to(path)}": p for p in path.rglob("*") if p.is_file()})
        else:
            found[name] = path
    return found


def test_exports_are_byte_identical_across_processes(records: list[ExtractionRecord], tmp_path: Path) -> None:
    """Another hash seed, records rebuilt from records.json in reverse order: still the same bytes."""
    reference = write_exports(records, tmp_path / "reference")
    script = (
        "import sys; from pathlib import Path; from graph.build_files import load_records; from graph.export import write_exports; "
        "records = load_records(Path(sys.argv[1])); write_exports(records[::-1], Path(sys.argv[2]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", script, str(reference["records.json"]), str(tmp_path / "other")],
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    for name, path in files(reference).items():
        assert (tmp_path / "other" / name).read_bytes() == path.read_bytes(), name


def test_records_json_round_trips(records: list[ExtractionRecord], tmp_path: Path) -> None:
    paths = write_exports(records, tmp_path)
    loaded = load_records(paths["records.json"])
    assert sorted(r.to_dict()["doc"] for r in loaded) == sorted(r.doc for r in records)
    assert {r.doc: r for r in loaded}["dalian_voucher_2018.txt"] == dalian_voucher()


# ---------------------------------------------------------------- facts in RDF


def test_split_instruments_stay_separate(rdf: Graph) -> None:
    doc = "dalian_voucher_2018.txt"
    national, provincial = fact_iri(doc, "instrument", 1), fact_iri(doc, "instrument", 2)
    assert national != provincial
    amounts = {
        str(rdf.value(node, PKG.level)): rdf.value(rdf.value(node, SCHEMA.amount), SCHEMA.value).toPython()
        for node in (national, provincial)
    }
    assert amounts == {"国家级": 1_000_000, "省级": 500_000}
    # same sentence, so the same span node
    assert rdf.value(national, PROV_DERIVED) == rdf.value(provincial, PROV_DERIVED)


PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")


def test_maximum_amounts_use_max_value(rdf: Graph) -> None:
    amount = rdf.value(fact_iri("dalian_voucher_2018.txt", "instrument", 0), SCHEMA.amount)
    assert rdf.value(amount, SCHEMA.maxValue) == Literal(100_000)
    assert rdf.value(amount, SCHEMA.value) is None
    assert rdf.value(amount, SCHEMA.currency) == Literal("CNY")
    assert rdf.value(fact_iri("shenyang_finance_2019.txt", "instrument", 0), SCHEMA.amount) is None


def test_agency_aliases_merge_into_one_node_per_city(rdf: Graph) -> None:
    dalian_bureau = agency_iri(DALIAN, "大连市科学技术局")
    assert rdf.value(dalian_bureau, SCHEMA.name) == Literal("大连市科学技术局", lang="zh")
    assert set(rdf.objects(dalian_bureau, SCHEMA.alternateName)) == {Literal("市科技局", lang="zh")}
    # both documents link to the same node, under either name
    assert (measure_iri("dalian_voucher_2018.txt", "m3"), PKG.leadAgency, dalian_bureau) in rdf
    assert (measure_iri("dalian_transfer_2019.txt", "m1"), PKG.responsibleAgency, dalian_bureau) in rdf
    named_bureau = {s for s in rdf.subjects(SCHEMA.alternateName, Literal("市科技局", lang="zh"))}
    named_bureau |= set(rdf.subjects(SCHEMA.name, Literal("市科技局", lang="zh")))
    assert {rdf.value(s, PKG.city) for s in named_bureau} == {city_iri(DALIAN), city_iri(SHENYANG)}
    assert len(named_bureau) == 2


def test_collective_placeholders_are_not_organisations(rdf: Graph) -> None:
    placeholder = agency_iri(DALIAN, "各区市县人民政府")
    assert (placeholder, RDF.type, PKG.CollectiveAgency) in rdf
    assert (placeholder, RDF.type, SCHEMA.GovernmentOrganization) not in rdf
    assert (VOUCHER, PKG.collectiveAgency, placeholder) in rdf
    assert (agency_iri(DALIAN, "市财政局"), RDF.type, SCHEMA.GovernmentOrganization) in rdf


def test_citations_link_to_corpus_policies(rdf: Graph) -> None:
    assert (TRANSFER, ELI.cites, VOUCHER) in rdf  # despite （） vs ()
    assert (VOUCHER, ELI.cites, VOUCHER) not in rdf  # the notice quoting its own title
    national = cited_policy_iri(NATIONAL_TITLE)
    assert {s for s in rdf.subjects(ELI.cites, national)} == {VOUCHER, FINANCE}
    assert (national, RDF.type, ELI.LegalResource) in rdf
    assert (national, RDF.type, PKG.Policy) not in rdf
    citation = fact_iri("dalian_transfer_2019.txt", "citation", 0)
    assert rdf.value(citation, CITO.hasCitedEntity) == VOUCHER
    assert rdf.value(rdf.value(citation, PROV_DERIVED), NIF.anchorOf) == Literal("《大连市科技创新券管理办法(试行)》")


def test_policy_metadata(rdf: Graph) -> None:
    assert rdf.value(VOUCHER, ELI.title) == Literal(VOUCHER_TITLE, lang="zh")
    assert rdf.value(VOUCHER, ELI.id_local) == Literal("大政办发〔2018〕45号")
    assert str(rdf.value(VOUCHER, ELI.date_document)) == "2018-05-16"
    assert rdf.value(VOUCHER, ELI.in_force) == ELI["InForce-inForce"]
    assert rdf.value(FINANCE, ELI.in_force) == ELI["InForce-notInForce"]
    assert rdf.value(VOUCHER, ELI.passed_by) == agency_iri(DALIAN, "大连市人民政府办公厅")
    assert rdf.value(VOUCHER, PKG.city) == city_iri(DALIAN)


def test_measures_nest_by_path(rdf: Graph) -> None:
    doc = "dalian_voucher_2018.txt"
    assert rdf.value(measure_iri(doc, "m2"), ELI.is_part_of) == measure_iri(doc, "m1")
    assert rdf.value(measure_iri(doc, "m1"), ELI.is_part_of) == VOUCHER
    assert (VOUCHER, ELI.has_part, measure_iri(doc, "m4")) in rdf


def test_every_span_quotes_the_document(records: list[ExtractionRecord], rdf: Graph) -> None:
    texts = {
        r.sha256: t
        for r, t in zip(
            (dalian_voucher(), dalian_transfer(), shenyang_finance()),
            (DALIAN_VOUCHER_TEXT, DALIAN_TRANSFER_TEXT, SHENYANG_FINANCE_TEXT),
            strict=True,
        )
    }
    spans = list(rdf.subjects(NIF.anchorOf, None))
    assert len(spans) >= 10
    for node in spans:
        context = rdf.value(node, NIF.referenceContext)
        text = texts[str(rdf.value(context, SCHEMA.sha256))]
        begin, end = rdf.value(node, NIF.beginIndex).toPython(), rdf.value(node, NIF.endIndex).toPython()
        assert text[begin:end] == str(rdf.value(node, NIF.anchorOf))


def test_sparql_finds_cities_funding_innovation_vouchers(rdf: Graph) -> None:
    query = """
        SELECT DISTINCT ?name WHERE {
            ?instrument a pkg:Instrument ; pkg:instrumentType ?type ; pkg:city ?city .
            ?type skos:notation "innovation_voucher" .
            ?city schema:name ?name .
        } ORDER BY ?name
    """
    assert [str(row.name) for row in rdf.query(query)] == [DALIAN, SHENYANG]

    largest = """
        SELECT ?label (MAX(?yuan) AS ?top) WHERE {
            ?instrument pkg:instrumentType/skos:prefLabel ?label ; schema:amount/schema:maxValue ?yuan .
            FILTER (lang(?label) = "en")
        } GROUP BY ?label ORDER BY DESC(?top)
    """
    top = next(iter(rdf.query(largest)))
    assert (str(top.label), top.top.toPython()) == ("Loan interest subsidies", 2_000_000)


# ---------------------------------------------------------------- ontology and SKOS


def test_skos_scheme_covers_the_taxonomy(rdf: Graph) -> None:
    concepts = set(rdf.subjects(SKOS.inScheme, INSTRUMENT_SCHEME))
    assert {str(rdf.value(c, SKOS.notation)) for c in concepts} == {t.id for t in load_taxonomy()}
    voucher = next(c for c in concepts if str(rdf.value(c, SKOS.notation)) == "innovation_voucher")
    assert Literal("科技创新券", lang="zh") in set(rdf.objects(voucher, SKOS.prefLabel))
    assert Literal("创新券", lang="zh") in set(rdf.objects(voucher, SKOS.altLabel))
    assert Literal("科技创新券", lang="zh") not in set(rdf.objects(voucher, SKOS.altLabel))
    stip = rdf.value(voucher, SKOS.broadMatch)
    assert rdf.value(stip, SKOS.prefLabel) == Literal("Innovation vouchers", lang="en")
    assert (voucher, SKOS.topConceptOf, INSTRUMENT_SCHEME) in rdf


def test_every_invented_term_is_documented(rdf: Graph) -> None:
    ontology = load_ontology()
    used = {n for triple in rdf for n in triple if isinstance(n, URIRef) and str(n).startswith(str(PKG))}
    assert used >= {PKG.Policy, PKG.Instrument, PKG.instrumentType, PKG.leadAgency, PKG.CollectiveAgency}
    for term in used:
        languages = {label.language for label in ontology.objects(term, RDFS.label)}
        assert languages >= {"en", "zh"}, term
        assert ontology.value(term, RDFS.comment) is not None, term


# ---------------------------------------------------------------- SHACL


def test_good_graph_conforms(rdf: Graph) -> None:
    conforms, report = validate(rdf)
    assert conforms, report


def _drop_title(graph: Graph) -> None:
    graph.remove((VOUCHER, ELI.title, None))


def _negative_amount(graph: Graph) -> None:
    amount = graph.value(fact_iri("dalian_voucher_2018.txt", "instrument", 1), SCHEMA.amount)
    graph.set((amount, SCHEMA.value, Literal(-5)))


def _unknown_type(graph: Graph) -> None:
    graph.set((fact_iri("dalian_voucher_2018.txt", "instrument", 0), PKG.instrumentType, URIRef("urn:x:voucher")))


def _placeholder_as_organisation(graph: Graph) -> None:
    graph.add((agency_iri(DALIAN, "各区市县人民政府"), RDF.type, SCHEMA.GovernmentOrganization))


def _misquoted_span(graph: Graph) -> None:
    node = graph.value(fact_iri("dalian_voucher_2018.txt", "target", 0), PROV_DERIVED)
    graph.set((node, NIF.anchorOf, Literal("到2020年")))


def _reversed_span(graph: Graph) -> None:
    node = graph.value(fact_iri("shenyang_finance_2019.txt", "instrument", 1), PROV_DERIVED)
    graph.set((node, NIF.beginIndex, graph.value(node, NIF.endIndex)))


def _text_value(graph: Graph) -> None:
    graph.set((fact_iri("dalian_voucher_2018.txt", "baseline", 0), SCHEMA.value, Literal("一千二百")))


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (_drop_title, "A policy has exactly one eli:title"),
        (_negative_amount, "integer number of yuan ≥ 0"),
        (_unknown_type, "in the policykg instrument-type scheme"),
        (_placeholder_as_organisation, "is not a schema:GovernmentOrganization"),
        (_misquoted_span, "nif:endIndex − nif:beginIndex characters long"),
        (_reversed_span, "smaller than its nif:endIndex"),
        (_text_value, "exactly one numeric schema:value"),
    ],
)
def test_broken_graph_fails_validation(rdf: Graph, breakage, message: str) -> None:  # type: ignore[no-untyped-def]
    breakage(rdf)
    conforms, report = validate(rdf)
    assert not conforms
    assert message in report, report


def test_incomplete_record_builds_and_validation_names_the_gaps() -> None:
    """No city, no title, an unknown instrument type: the builders cope, SHACL reports each gap."""
    record = shenyang_finance()
    record.city, record.policy.title = None, None
    record.instruments[0].type = "moon_landing_grant"
    conforms, report = validate(build_rdf([record]))
    assert not conforms
    for message in (
        "A policy has exactly one eli:title",
        "A policy belongs to exactly one schema:City",
        "in the policykg instrument-type scheme",
    ):
        assert message in report
    graph = build_networkx([record])
    assert {data["kind"] for _, data in graph.nodes(data=True)} <= KINDS
    assert city_type_matrix(graph) == {}


# ---------------------------------------------------------------- networkx


def test_networkx_nodes_have_kinds_and_edges_relations(records: list[ExtractionRecord]) -> None:
    graph = build_networkx(records)
    assert {data["kind"] for _, data in graph.nodes(data=True)} == KINDS
    assert all("relation" in data for *_, data in graph.edges(data=True))
    instrument = graph.nodes[str(fact_iri("dalian_voucher_2018.txt", "instrument", 1))]
    assert (instrument["amount_yuan"], instrument["level"], instrument["city"]) == (1_000_000, "国家级", DALIAN)
    # m3's lead link is stated by the measure and by the agency list: one lead edge plus one responsible edge
    measure = str(measure_iri("dalian_voucher_2018.txt", "m3"))
    assert graph.number_of_edges(measure, str(agency_iri(DALIAN, "大连市科学技术局"))) == 2  # lead + responsible


def test_agency_centrality_ranks_the_busiest_bureau_first(records: list[ExtractionRecord]) -> None:
    ranking = agency_centrality(build_networkx(records))
    assert ranking[0] == ("大连市科学技术局", DALIAN, 3.0)
    assert ("市科技局", SHENYANG, 2.0) in ranking
    assert all(name not in {"各区市县人民政府", "各有关单位"} for name, _, _ in ranking)
    with_collective = agency_centrality(build_networkx(records), include_collective=True)
    assert ("各有关单位", SHENYANG, 1.0) in with_collective
    betweenness = agency_centrality(build_networkx(records), metric="betweenness")
    assert betweenness[0][:2] == ("大连市科学技术局", DALIAN)


def test_city_type_matrix_counts_and_largest_amounts(records: list[ExtractionRecord]) -> None:
    matrix = city_type_matrix(build_networkx(records))
    assert matrix[DALIAN]["incubator_award"] == (2, 1_000_000)
    assert matrix[DALIAN]["innovation_voucher"] == (1, 100_000)
    assert matrix[SHENYANG]["innovation_voucher"] == (1, None)
    assert set(matrix) == {DALIAN, SHENYANG}


def test_graphml_reads_back(records: list[ExtractionRecord], tmp_path: Path) -> None:
    path = write_exports(records, tmp_path)["graph.graphml"]
    graph = nx.read_graphml(path)
    original = build_networkx(records)
    assert graph.number_of_nodes() == original.number_of_nodes()
    assert graph.number_of_edges() == original.number_of_edges()
    voucher = graph.nodes[str(fact_iri("dalian_voucher_2018.txt", "instrument", 0))]
    assert voucher["amount_yuan"] == 100_000 and voucher["max"] is True
    assert graph.nodes[str(agency_iri(SHENYANG, "市科技局"))]["aliases"] == "沈阳市科学技术局"


# ---------------------------------------------------------------- CSV


def _read_csv(path: Path) -> list[dict[str, str]]:
    assert path.read_bytes().startswith("\ufeff".encode())  # BOM for Excel
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def test_csv_tables(records: list[ExtractionRecord], tmp_path: Path) -> None:
    paths = write_exports(records, tmp_path)
    instruments = _read_csv(paths["instruments.csv"])
    assert len(instruments) == 6
    assert list(instruments[0])[:4] == ["city", "doc", "policy", "type"]
    assert list(instruments[0])[-4:] == ["quote", "start", "end", "iri"]
    split = [row for row in instruments if row["type"] == "incubator_award"]
    assert [(row["amount_yuan"], row["level"]) for row in split] == [("1000000", "国家级"), ("500000", "省级")]
    assert split[0]["quote"] == "分别给予100万元、50万元奖励" and split[0]["policy"] == VOUCHER_TITLE

    targets = _read_csv(paths["targets.csv"])
    assert [(row["kind"], row["value"], row["year"]) for row in targets] == [
        ("target", "2000", "2020"),
        ("baseline", "1200", "2017"),
    ]

    measures = _read_csv(paths["measures.csv"])
    assert len(measures) == 8
    m3 = next(row for row in measures if row["iri"] == str(measure_iri("dalian_voucher_2018.txt", "m3")))
    assert (m3["city"], m3["path"], m3["lead_agencies"]) == (DALIAN, "一/2", "大连市科学技术局")


def test_an_untyped_instrument_conforms_and_is_counted_in_no_type() -> None:
    """An instrument no type covers has no pkg:instrumentType: the graph still conforms, and the
    city x type views leave it out rather than invent a type."""
    from graph.answers import cities, city_detail
    from graph.compare import compare_matrix
    from graph.source import records_source

    record = shenyang_finance()
    record.instruments[0].type = None
    graph = build_rdf([record])
    node = fact_iri(record.doc, "instrument", 0)
    assert graph.value(node, PKG.instrumentType) is None
    conforms, report = validate(graph)
    assert conforms, report
    typed = [i.type for i in record.instruments[1:]]
    source = records_source([record])
    assert sorted({c["type"] for c in compare_matrix(source)}) == sorted(set(typed))
    assert cities(source)[0]["instrument_types"] == sorted(set(typed))
    assert {t["type"] for t in city_detail(source, record.city)["instrument_types"]} == set(typed)
    matrix = city_type_matrix(build_networkx([record]))
    assert None not in matrix[record.city]


def test_a_cumulative_cap_is_an_attribute_of_the_instrument_it_bounds() -> None:
    record = shenyang_finance()
    record.instruments[0].cumulative_cap_yuan = 2_000_000
    graph = build_rdf([record])
    assert graph.value(fact_iri(record.doc, "instrument", 0), PKG.cumulativeCap) == Literal(2_000_000)
    assert graph.value(fact_iri(record.doc, "instrument", 1), PKG.cumulativeCap) is None
    conforms, report = validate(graph)
    assert conforms, report
    assert ExtractionRecord.from_dict(record.to_dict()).instruments[0].cumulative_cap_yuan == 2_000_000
