"""Budget totals, decided once for every sum (extract/budget.py, the `amounts` layer's flag), and
what its two readers make of it: no promise for instruments, a goal for targets."""

from __future__ import annotations

from extract.document import Document
from extract.language import run_components
from extract.pipeline import extract_text


def _flags(text: str) -> list[tuple[int | None, str | None]]:
    doc = Document.from_text(text, "t.txt")
    return [(a.value, a.budget) for a in run_components(doc, ("sentences", "amounts")).layers["amounts"]]


def test_a_total_its_shares_and_investment_drawn_are_flagged() -> None:
    assert _flags("2026年,区财政预算安排3.5亿元,其中,支持平台建设2亿元,支持人才引育1.5亿元。") == [
        (350_000_000, "total"),
        (200_000_000, "total"),
        (150_000_000, "total"),
    ]
    assert _flags("15亿元的资金通过奖补等形式扶持企业成长。") == [(1_500_000_000, "total")]
    assert _flags("通过改革撬动社会资本投入约400亿元。") == [(40_000_000_000, "leverage")]


def test_a_sum_that_goes_to_someone_is_no_budget() -> None:
    for text in (
        "(二)对新认定的市级工程技术研究中心,安排30万元建设经费。",  # a recipient named before it
        "每个项目安排资金50万元。",  # a giving word in its clause
        "安排资金最高500万元。",  # a ceiling: an award's
        "市政府每年安排预算资金2000万元,对重点支出予以优先保障。",  # the next clause names whom
        "对认定的平台给予200万元奖励。",
    ):
        assert _flags(text)[0][1] is None, text


def test_instruments_and_targets_read_the_same_flag() -> None:
    record = extract_text("2026年,区财政每年安排科技专项资金3亿元,对新认定的国家级孵化器给予100万元奖励。\n")
    assert [(i.type, i.amount_yuan) for i in record.instruments] == [("incubator_award", 1_000_000)]
    assert [(t.value, t.unit) for t in record.targets] == [(3, "亿元")]
