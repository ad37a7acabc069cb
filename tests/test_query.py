"""The cross-city comparison of the query layer (graph/answers.py over the graph of hand-made
records), its JSON/CSV forms and table; term resolution and amounts in words (graph/terms.py)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import instrument, record
from rich.console import Console
from rich.measure import Measurement

from api.cli import compare_table
from graph import compare as comparison
from graph.compare import COMPARE_CSV_COLUMNS, CompareResult
from graph.source import records_source
from graph.terms import (
    UNKNOWN_CITY,
    UnknownTermError,
    describe_terms,
    format_ratio,
    format_wan,
    format_yuan,
    resolve_term,
)


def compare(records, term: str) -> CompareResult:  # noqa: ANN001
    """The query layer's answer on the graph built from `records`."""
    return comparison.compare(records_source(records), term)


@pytest.mark.parametrize(
    ("term", "type_id"),
    [
        ("科技创新券", "innovation_voucher"),
        ("创新券", "innovation_voucher"),
        ("innovation voucher", "innovation_voucher"),
        ("Innovation Vouchers", "innovation_voucher"),
        ("innovation_voucher", "innovation_voucher"),
        ("孵化器", "incubator_award"),
        ("众创空间", "incubator_award"),
        ("incubator_award", "incubator_award"),
        ("贷款贴息", "loan_interest_subsidy"),
    ],
)
def test_resolve_term_by_id_label_and_cue_word(term: str, type_id: str) -> None:
    assert resolve_term(term).id == type_id


@pytest.mark.parametrize("term", ["quantum teleportation", "", "   "])
def test_unknown_term_lists_valid_examples(term: str) -> None:
    with pytest.raises(UnknownTermError) as caught:
        resolve_term(term)
    message = caught.value.message()
    assert repr(term) in message
    assert "innovation_voucher" in message
    assert "科技创新券" in message


def test_compare_groups_matching_instruments_by_city(three_city_records) -> None:
    result = compare(three_city_records, "科技创新券")
    assert result.type.id == "innovation_voucher"
    assert [c.city for c in result.funding] == ["甲市", "乙市"]  # largest amount first
    jia = result.funding[0]
    assert [m.instrument.amount_yuan for m in jia.matches] == [1_000_000, 300_000]
    assert all(m.instrument.type == "innovation_voucher" for c in result.funding for m in c.matches)
    assert jia.matches[0].policy_title == "甲市科技创新券管理办法"
    assert jia.matches[1].evidence == "a.txt:10-21"


def test_compare_lists_cities_that_do_not_fund(three_city_records) -> None:
    vouchers = compare(three_city_records, "innovation voucher")
    assert vouchers.not_funding == ["丙市"]
    incubators = compare(three_city_records, "孵化器")
    assert [c.city for c in incubators.funding] == ["甲市", "丙市"]  # 丙市 has no figure: after
    assert incubators.not_funding == ["乙市"]
    nobody = compare(three_city_records, "tax_incentive")
    assert nobody.funding == []
    assert nobody.not_funding == ["甲市", "乙市", "丙市"]


def test_compare_merges_policies_of_one_city_and_names_unknown_city() -> None:
    records = [
        record("d1.txt", "大连", [instrument(amount_yuan=100_000, start=1)], title="第一份"),
        record("d2.txt", "大连", [instrument(amount_yuan=200_000, start=2)], title="第二份"),
        record("x.txt", None, [instrument(amount_yuan=None)]),
    ]
    result = compare(records, "innovation_voucher")
    dalian = result.funding[0]
    assert dalian.city == "大连"
    assert [m.policy_title for m in dalian.matches] == ["第二份", "第一份"]
    assert result.funding[1].city == UNKNOWN_CITY
    assert result.not_funding == []


def test_compare_json_round_trips_and_keeps_evidence(three_city_records) -> None:
    data = json.loads(json.dumps(compare(three_city_records, "科技创新券").to_dict(), ensure_ascii=False))
    assert data["type"]["id"] == "innovation_voucher"
    assert data["does_not_fund"] == ["丙市"]
    by_city = {c["city"]: c for c in data["cities"]}
    assert by_city["丙市"] == {"city": "丙市", "funds": False, "instruments": []}
    capped = by_city["甲市"]["instruments"][1]
    assert capped["amount_yuan"] == 300_000
    assert capped["amount_wan"] == 30
    assert capped["max"] is True and capped["per"] == "year" and capped["ratio"] == 0.5
    assert capped["quote"] == "每年最高不超过30万元"
    assert (capped["doc"], capped["start"], capped["end"]) == ("a.txt", 10, 21)


def test_compare_csv_has_a_row_per_instrument_and_per_non_funding_city(three_city_records) -> None:
    text = compare(three_city_records, "科技创新券").to_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == COMPARE_CSV_COLUMNS
    assert [(r["city"], r["funds"], r["amount_yuan"]) for r in rows] == [
        ("甲市", "yes", "1000000"),
        ("甲市", "yes", "300000"),
        ("乙市", "yes", "50000"),
        ("丙市", "no", ""),
    ]
    assert rows[1]["amount_wan"] == "30"
    assert rows[1]["max"] == "yes" and rows[1]["per"] == "year" and rows[1]["ratio"] == "0.5"
    assert rows[1]["quote"] == "每年最高不超过30万元"


@pytest.mark.parametrize(
    ("amount", "wan", "yuan"),
    [
        (10_000_000, "1,000 万元", "10,000,000 元"),
        (15_000, "1.5 万元", "15,000 元"),
        (500, "0.05 万元", "500 元"),
        (None, "", ""),
    ],
)
def test_amount_formatting(amount: int | None, wan: str, yuan: str) -> None:
    assert format_wan(amount) == wan
    assert format_yuan(amount) == yuan


def test_terms_describe_max_per_and_ratio() -> None:
    assert describe_terms(instrument(max=True, per="year", ratio=0.3)) == "最高 ≤ cap · 每年 /year · 比例 30% share"
    matched = instrument(ratio=1.0)
    matched.quote = "按1:1比例给予配套支持"
    assert describe_terms(matched) == "按 1:1 配套 matched 1:1"  # not "100% of cost"
    assert describe_terms(instrument()) == ""
    assert format_ratio(1.0) == "100%"
    assert format_ratio(0.125) == "12.5%"


def test_compare_table_renders_chinese_in_aligned_columns(three_city_records) -> None:
    console = Console(width=120, record=True, color_system=None)
    table = compare_table(compare(three_city_records, "科技创新券"))
    console.print(table)
    lines = console.export_text().rstrip("\n").split("\n")
    widths = {Measurement.get(console, console.options, line).maximum for line in lines[1:]}
    assert len(widths) == 1  # every border line and row has the same display width (CJK = 2 cells)
    text = "\n".join(lines)
    assert "甲市" in text and "丙市" in text
    assert "no such promise in the" in text
    assert "100 万元" in text and "1,000,000 元" in text
    assert "a.txt:10-21" in text
