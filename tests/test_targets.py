"""Targets and baselines from small fixtures."""

from __future__ import annotations

from extract.document import Document
from extract.language import run_components
from extract.pipeline import extract_document  # noqa: F401 (registers the components)


def _facts(text: str):
    doc = Document.from_text(text, "fixture.txt")
    layers = run_components(doc, ("metadata", "sentences", "amounts", "targets", "provenance")).layers
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


def test_an_undated_figure_is_a_target_only_with_evidence_of_a_goal() -> None:
    targets, _ = _facts(
        "三、保障措施\n抢抓机遇,推进东区、西区两个园区建设。聚焦电子、材料两个产业。每年培训企业家和经理人50人次。\n"
    )
    assert [(t.value, t.unit) for t in targets] == [(50, "人次")]
    targets, _ = _facts("三、主要目标任务\n\n应用研究经费占研发经费比例3%,创新型企业900家。\n")
    assert {(t.value, t.unit) for t in targets} == {(3, "%"), (900, "家")}


def test_shares_of_a_subsidy_base_are_not_targets() -> None:
    targets, _ = _facts(
        "2026年,对通过省级评定的给予30%配套补助。合同额在15万元以上的,给予合同额8%奖励。"
        "对转化成果的,分别按不高于实际交易额的5%给予奖励。\n"
    )
    assert targets == []


def test_conditions_of_an_award_are_not_targets() -> None:
    targets, _ = _facts(
        "一、2025年奖励标准\n对同时满足以下条件的企业,给予3万元补助:\n\n"
        "1.研发费用占销售收入的比例不低于5%。\n\n2.高新技术产品收入占比不低于60%。\n\n"
        "3.对连续两次通过认定的企业给予奖励。\n"
        "4.服务机构每年促成合同金额达到2500万元(含)以上,给予5万元奖励。\n"
        "5.对促成合同金额当年增长超过2500万元(含)以上\n的机构给予叠加奖励。\n"
    )
    assert targets == []


def test_a_count_in_a_policy_title_is_not_a_target() -> None:
    targets, _ = _facts("到2025年,根据《关于印发〈创新驱动发展措施29条〉的通知》精神,新增平台10个。\n")
    assert [(t.value, t.unit) for t in targets] == [(10, "个")]


def test_budget_totals_the_policy_commits_to_are_targets() -> None:
    targets, _ = _facts(
        "“十四五”期间,拟安排资金35亿元,强化要素保障。12亿元的资金通过奖补等方式扶持企业成长;"
        "12亿元用于设立科创母基金。通过改革撬动社会资本投入约400亿元。\n"
        "2026年,县级财政预算安排3.47亿元,其中,支持载体建设1.25亿元,支持人才集聚0.83亿元。\n"
        "市政府每年安排预算资金2000万元,对重点支出予以优先保障。对认定的平台给予200万元奖励。\n"
        "对新认定的国家级实验室,安排500万元经费支持。每个项目安排资金50万元。\n"
    )
    got = sorted(t.value for t in targets if t.unit == "亿元")
    assert got == [0.83, 1.25, 3.47, 12, 35, 400]
    assert all(t.unit == "亿元" for t in targets)


def test_person_years_ranks_and_a_work_plan_titled_with_words_between() -> None:
    targets, _ = _facts(
        "2026年全区科技工作要点\n二、任务\n每万名从业人员中研发人员达到180人年,区域创新能力排名上升2位,"
        "新引进两院院士3位,力争营业收入跨越800亿元。\n"
    )
    assert {(t.value, t.unit, t.year) for t in targets} == {(180, "人年", 2026), (3, "位", 2026), (800, "亿元", 2026)}


def test_a_sum_for_a_recipient_named_after_an_item_marker_is_no_budget_target() -> None:
    targets, _ = _facts("2026年\n(二)对首次认定的市级工程技术研究中心,安排30万元建设经费。\n")
    assert targets == []
    targets, _ = _facts("2026年,加大对科技创新的投入力度,每年安排资金3亿元。\n")
    assert [(t.value, t.unit) for t in targets] == [(3, "亿元")]


def test_sums_are_read_by_the_amount_grammar() -> None:
    """The targets' sums are the amounts layer's: a multiplier in the unit (5千万元), a letter O for
    a zero (8O亿元), a range's low end before the sum."""
    targets, _ = _facts(
        "到2025年,全市财政科技投入达到5千万元,技术合同成交额达到8O亿元,高新技术产业产值达到1-2亿元。\n"
    )
    assert [(t.value, t.value_min, t.unit, t.year) for t in targets] == [
        (5000, None, "万元", 2025),
        (80, None, "亿元", 2025),
        (2, 1, "亿元", 2025),
    ]
