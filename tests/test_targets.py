"""Targets and baselines from small fixtures."""

from __future__ import annotations

from extract.document import Document
from extract.language import run_components
from extract.pipeline import extract_document  # noqa: F401 (registers the components)


def _facts(text: str):
    doc = Document.from_text(text, "fixture.txt")
    layers = run_components(doc, ("metadata", "sentences", "targets")).layers
    targets, baselines = layers["targets"], layers["baselines"]
    for fact in targets + baselines:
        assert doc.original[fact.start : fact.end] == fact.quote
    return targets, baselines


def test_targets_with_year_unit_and_range() -> None:
    targets, baselines = _facts(
        "二、主要目标\n到 2020 年,全社会研发投入占生产总值比重达到 2.85%以上,高新技术企业数量突破 500 家,"
        "技术交易额达到 35 亿元,力争创建 1—2 个国家创新型县(市)。\n"
    )
    got = {(t.value, t.unit, t.year, t.value_min) for t in targets}
    assert got == {(2.85, "%", 2020, None), (500, "家", 2020, None), (35, "亿元", 2020, None), (2, "个", 2020, 1)}
    assert baselines == []


def test_baselines_are_kept_apart_and_take_their_bracketed_year() -> None:
    targets, baselines = _facts(
        "(一)基础现状\n截至目前,我市拥有国家级科技创新平台9个;全市技术合同成交额达到15.98亿元(2022年);"
        "全市高新技术企业473家,全省排名第3位。\n(二)主要目标\n到2025年,高新技术企业达到600家。\n"
    )
    assert {(b.value, b.unit, b.year) for b in baselines} == {(9, "个", None), (15.98, "亿元", 2022), (473, "家", None)}
    assert [(t.value, t.unit, t.year) for t in targets] == [(600, "家", 2025)]


def test_thresholds_award_sums_durations_and_ranks_are_not_targets() -> None:
    targets, _ = _facts(
        "对年获发明专利授权 20 件以上的单位给予 20 万元奖励。优化未来 3—5 年创新要素布局。"
        "全省排名第3位。启动科技特派员“千人服务千企”支持计划。\n"
    )
    assert targets == []


def test_restated_goals_count_once_and_a_work_plan_dates_its_goals() -> None:
    targets, _ = _facts(
        "某市2018年工作推进计划\n一、目标\n培育10家人工智能企业。科技型中小企业达到1300家。\n"
        "二、任务\n1.到2025年,科技型中小企业达到1300家。\n"
    )
    assert [(t.value, t.unit) for t in targets] == [(10, "家"), (1300, "家")]
    assert targets[0].year == 2018


def test_a_share_that_lost_its_percent_sign() -> None:
    targets, _ = _facts("力争到2020年,研发经费支出占地区生产总值的比重达到3.5,服务业占比达到55 以上。\n")
    assert {(t.value, t.unit) for t in targets} == {(3.5, "%"), (55, "%")}
