"""End to end on the five seed documents: provenance, repairs, and the shapes the graph must pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.pipeline import extract_file
from extract.records import ExtractionRecord
from graph.rdf import build_rdf
from graph.shacl import validate

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def records() -> dict[str, ExtractionRecord]:
    return {path.name[:3]: extract_file(path) for path in SEEDS}


def test_every_quote_points_into_the_original_text(records: dict[str, ExtractionRecord]) -> None:
    for path in SEEDS:
        original = path.read_text(encoding="utf-8")
        record = records[path.name[:3]]
        facts = record.instruments + record.targets + record.baselines + record.citations
        assert facts, path.name
        for fact in facts:
            assert original[fact.start : fact.end] == fact.quote, (path.name, fact)
        for measure in record.measures:
            assert 0 <= measure.start < measure.end <= len(original)


def test_garbled_number_and_date_of_the_traditional_page_are_repaired(records) -> None:
    policy = records["002"].policy
    assert policy.doc_number == "盘政办发〔2019〕29号"
    assert policy.issued_date == "2019-07-04"
    assert policy.status == "失效"
    # text fields come out simplified even though the page is traditional
    assert policy.issuer == "盘锦市人民政府办公室"
    assert records["002"].city == "盘锦"


def test_scrambled_page_keeps_its_decimal_target_and_its_responsibility_lists(records) -> None:
    record = records["004"]
    assert (3.5, "%") in {(t.value, t.unit) for t in record.targets}
    assert any(m.agencies for m in record.measures)
    assert "3,5" in next(t.quote for t in record.targets if t.value == 3.5)


def test_notice_wrapping_a_plan_gives_the_plan_title(records) -> None:
    policy = records["003"].policy
    assert policy.title.startswith("鞍山市科技人才支撑塑造发展新动能专项行动工作方案")
    assert policy.notice_title and policy.notice_title.startswith("关于印发")
    assert policy.doc_number == "鞍科办〔2023〕18号"


def test_baselines_stay_apart_from_targets(records) -> None:
    record = records["003"]
    baseline_values = {(b.value, b.unit) for b in record.baselines}
    assert (473, "家") in baseline_values
    assert (473, "家") not in {(t.value, t.unit) for t in record.targets}


def test_agency_aliases_and_restored_prefix(records) -> None:
    names = {a.name for a in records["001"].agencies}
    # "市发展改革委、经济和信息化委" lists drop the 市 prefix of the second body
    assert "市经济和信息化委" in names
    assert not any(name.startswith("各") for name in names)


def test_the_seed_graph_conforms_to_its_shapes(records) -> None:
    conforms, report = validate(build_rdf(list(records.values())))
    assert conforms, report
