"""The query layer itself: the named query files and their parameters, the indicator scheme and its
links, the precomputed answers, and the reading of free-text questions against the graph's words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import instrument, record
from pyoxigraph import Literal, NamedNode

from api.search import QuestionReader, Vocabulary, answer, answer_json
from extract.records import Measure, Target
from extract.taxonomy import load_taxonomy
from graph import answers
from graph.compare import compare
from graph.facts import city_names
from graph.indicators import concepts_of, load_indicators, resolve_indicator
from graph.questions import parse_question, question, question_names
from graph.source import LocalSource, records_source
from graph.terms import UNKNOWN_CITY

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> LocalSource:
    from api.serving import load_served_graph

    return load_served_graph(SEEDS, tmp_path_factory.mktemp("cache")).source


# --- the query files ---------------------------------------------------------------------------


def test_every_query_file_runs_on_the_seeds_with_its_defaults(source: LocalSource) -> None:
    names = question_names()
    assert {"compare", "matrix", "agencies", "cities", "policies", "quantities", "vocabulary"} <= set(names)
    for name in names:
        q = question(name)
        assert q.title != name and q.question, f"{name}.rq says what it answers"
        assert list(source.query(q.text)), f"{name}.rq finds something on the seeds"


def test_the_unknown_city_is_named_alike_in_python_and_in_every_query() -> None:
    for name in question_names():
        for named in re.findall(r'COALESCE\(STR\(\?\w+\), "([^"]*)"\)', question(name).text):
            assert named == UNKNOWN_CITY, name


def test_a_parameter_is_bound_as_one_escaped_term(source: LocalSource) -> None:
    hostile = '威海" } ?s ?p ?o . FILTER(true) VALUES ?city { "'
    text = question("agencies").bind(city=Literal(hostile))
    assert "VALUES ?city { " + str(Literal(hostile)) + " }" in text
    assert list(source.query(text)) == []  # no city has that name: nothing leaked out of the literal
    assert "VALUES ?city { UNDEF }" in question("agencies").bind(city=None)
    with pytest.raises(ValueError):
        NamedNode("https://example.org/a> . ?s ?p ?o")  # an IRI that would break out is refused on creation
    with pytest.raises(TypeError):
        question("agencies").bind(town=Literal("x"))


def test_a_query_file_must_give_each_parameter_a_values_block() -> None:
    with pytest.raises(ValueError, match=r"\?city"):
        parse_question("broken", "# title: t\n# question: q\n# parameter ?city: a city\nSELECT * { ?s ?p ?o }")


# --- indicators --------------------------------------------------------------------------------


def test_the_indicator_scheme_is_data_with_labels_and_patterns() -> None:
    indicators = load_indicators()
    assert len(indicators) >= 10
    for ind in indicators:
        assert ind.iri.startswith("https://w3id.org/policykg/id/indicator/") and ind.iri.endswith(ind.id)
        assert ind.label_zh and ind.label_en
        re.compile(ind.pattern)
    assert [i.id for i in indicators][:3] == ["rd_intensity", "rd_spending", "high_tech_enterprises"]  # file order


@pytest.mark.parametrize(
    ("wording", "concept"),
    [
        ("全社会研发投入占生产总值比重", "rd_intensity"),
        ("研发经费投入", "rd_spending"),
        ("高企数量", "high_tech_enterprises"),
        ("技术合同成交额", "tech_contract_turnover"),
    ],
)
def test_a_wording_belongs_to_its_concept(wording: str, concept: str) -> None:
    assert concepts_of(wording)[0].endswith("/" + concept)


def test_a_wording_may_belong_to_two_concepts_or_none() -> None:
    assert len(concepts_of("新建创新平台和人才团队")) == 2
    assert concepts_of("地区生产总值") == ()
    assert resolve_indicator("R&D 投入占比").id == "rd_intensity"
    assert resolve_indicator("火星殖民") is None


def test_targets_are_linked_to_their_concepts_when_the_graph_is_built() -> None:
    fact = Target("高新技术企业数量", 500, None, "家", 2020, "高新技术企业数量达到500家", 0, 14)
    city = record("a.txt", "甲市")
    city.targets = [fact]
    found = answers.compare_targets(records_source([city]), "高新技术企业")
    assert found["concept"]["id"] == "high_tech_enterprises"
    assert [(row["city"], row["value"], row["year"], row["kind"]) for row in found["targets"]] == [("甲市", 500, 2020, "target")]
    # a term no concept knows falls back to the wordings that contain it
    assert answers.compare_targets(records_source([city]), "企业数量")["concept"] is None


# --- precomputed answers -----------------------------------------------------------------------


def test_precomputed_answers_cover_every_type_and_list(source: LocalSource) -> None:
    stored = answers.precompute_answers(source)
    for type_id in (t.id for t in load_taxonomy()):
        data = json.loads(stored[f"compare/{type_id}.json"])
        assert data["term"] == type_id and data["type"]["id"] == type_id
        assert stored[f"compare/{type_id}.csv"].decode("utf-8").startswith("\ufefftype,city,funds")
        assert data == compare(source, type_id).to_dict()
    for name in ("matrix", "cities", "policies", "agencies", "instruments"):
        assert json.loads(stored[f"{name}.json"])
        assert stored[f"{name}.csv"].startswith("\ufeff".encode())
    asked = json.loads(answers.asked_as(stored["compare/incubator_award.json"], "term", "incubator_award", '孵化"器'))
    assert asked["term"] == '孵化"器' and asked["cities"] == json.loads(stored["compare/incubator_award.json"])["cities"]


def test_cities_without_a_name_are_grouped_and_ordered_by_their_first_document() -> None:
    source = records_source(
        [
            record("b.txt", "乙市", [instrument(amount_yuan=None)]),
            record("a.txt", None, [instrument(amount_yuan=10)]),
            record("c.txt", "甲市", []),
        ]
    )
    assert city_names(source) == [UNKNOWN_CITY, "乙市", "甲市"]
    result = compare(source, "innovation_voucher")
    assert [c.city for c in result.funding] == [UNKNOWN_CITY, "乙市"] and result.not_funding == ["甲市"]


# --- questions ---------------------------------------------------------------------------------


def test_the_vocabulary_finds_overlapping_words_but_not_words_inside_a_longer_one() -> None:
    vocabulary = Vocabulary(
        [
            {"kind": "city", "word": "大连", "key": "大连"},
            {"kind": "agency", "word": "市科技局", "key": "市科技局"},
            {"kind": "agency", "word": "市知识产权局", "key": "市知识产权局"},
            {"kind": "instrument_type", "word": "知识产权", "key": "ip_award"},
        ]
    )
    assert vocabulary.mentions("大连市科技局牵头") == ["大连市", "市科技局"]
    assert vocabulary.mentions("市知识产权局") == ["市知识产权局"]
    # jieba with the vocabulary as its dictionary: vocabulary words whole (the cut into the fewest
    # of them), the rest by its HMM
    tokens = vocabulary.tokens("大连市科技局 牵头哪些措施?")
    assert tokens[:2] == ["大连", "市科技局"] and "".join(tokens) == "大连市科技局牵头哪些措施"
    assert "牵头" in tokens and "措施" in tokens  # words the vocabulary does not hold, cut all the same


def test_the_reader_of_a_build_reads_the_vocabulary_it_precomputed_and_understands_alike(source: LocalSource) -> None:
    precomputed = answers.precompute_answers(source)
    assert json.loads(precomputed["vocabulary.json"]) == answers.select(source, "vocabulary")
    from_build, from_store = QuestionReader(source, precomputed), QuestionReader(source)
    assert from_build.vocabulary.words == from_store.vocabulary.words
    for asked in ("大连 创新券", "哪些城市资助孵化器", "市科技局牵头哪些措施"):
        assert answer(from_build, asked) == answer(from_store, asked)
    # the words come from the precomputed file, not from the store: a changed file is what is read
    edited = dict(precomputed, **{"vocabulary.json": json.dumps([{"kind": "city", "word": "甲", "key": "甲"}]).encode()})
    assert QuestionReader(source, edited).vocabulary.words == {"city": {"甲": "甲", "甲市": "甲"}}


def test_the_build_precomputes_each_types_timeline(source: LocalSource) -> None:
    from graph.rows import json_bytes
    from graph.timeline import timeline

    precomputed = answers.precompute_answers(source)
    for instrument_type in load_taxonomy():
        stored = json.loads(precomputed[f"timeline/{instrument_type.id}.json"])
        assert stored == json.loads(json_bytes(timeline(source, instrument_type.id))), instrument_type.id


def test_a_question_names_an_agency_by_any_of_its_names() -> None:
    first = record("a.txt", "甲市", agencies=["市科学技术局"])
    first.agencies[0].aliases = ["市科学技术局", "市科技局"]
    first.agencies[0].lead_measures = first.agencies[0].measures = ["m1"]
    first.measures = [Measure("m1", "一", "支持创新", ["市科学技术局"], [], 0, 10)]
    second = record("b.txt", "甲市", agencies=["市科技局"])
    reader = QuestionReader(records_source([first, second]))
    found = answer(reader, "市科技局牵头哪些措施")
    assert found["understood"]["intent"] == "agencies"
    assert [(row["name"], row["aliases"], row["measures_led"]) for row in found["answer"]] == [
        ("市科学技术局", ["市科技局"], ["a/m1"])
    ]


def test_an_agency_of_a_named_city_is_that_city_s(source: LocalSource) -> None:
    found = answer(QuestionReader(source), "威海市科技局")
    assert found["understood"]["intent"] == "agencies" and found["understood"]["cities"] == ["威海"]
    assert [(row["city"], row["name"]) for row in found["answer"]] == [("威海", "市科技局")]


def test_a_question_about_a_city_and_an_indicator_asks_for_targets(source: LocalSource) -> None:
    found = answer(QuestionReader(source), "威海市研发投入占比目标")
    assert found["understood"]["intent"] == "targets" and found["understood"]["cities"] == ["威海"]


@pytest.mark.parametrize(
    "question_text", ["哪些城市资助孵化器", "大连 创新券", "which cities fund innovation vouchers", "研发投入占比", "市科技局", "威海"]
)
def test_a_search_answer_is_the_same_from_precomputed_tables(source: LocalSource, question_text: str) -> None:
    precomputed = QuestionReader(source, answers.precompute_answers(source))
    fresh = QuestionReader(source)
    assert json.loads(answer_json(precomputed, question_text)) == answer(fresh, question_text)


def test_precomputed_answers_read_back_as_written(source: LocalSource, tmp_path: Path) -> None:
    stored = answers.precompute_answers(source)
    answers.write_answers(stored, tmp_path / "answers")
    assert (tmp_path / "answers" / "compare" / "innovation_voucher.csv").is_file()
    assert answers.read_answers(tmp_path / "answers") == stored
