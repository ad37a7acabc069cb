"""Measures: the numbered hierarchy and the counting rules, on invented fixtures plus the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.document import Document
from extract.headings import outline_text, parse_outline
from extract.language import run_components
from extract.measures import is_general
from extract.pipeline import PIPELINE

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def extract_measures(doc: Document):
    """The measures layer, after the components it depends on, in original offsets."""
    run_components(doc, (*PIPELINE[: PIPELINE.index("measures") + 1], "provenance"))
    return doc.layers["measures"]


def measures(text: str):
    doc = Document.from_text(text, "t.txt")
    return doc, extract_measures(doc)


PLAN = """云海市科技创新行动计划
一、总体要求
(一)指导思想。以创新驱动为引领。
(二)主要目标。到2025年,高新技术企业达到500家。
二、重点任务
(一)人工智能。
1.编制人工智能实施意见,布局研发项目。(责任单位:市科技局)
2.成立人工智能产业协会。(责任单位:市经信委)
(二)定期听取专家意见。
听取专家咨询委员会建议,完善年度指南。(责任单位:市科技局)
三、保障措施
(一)加强组织领导。建立协调机制。
(二)强化资金保障。每年安排专项资金。
云海市人民政府
2021年3月1日
"""


def test_leaves_are_measures_and_general_sections_are_not() -> None:
    doc, ms = measures(PLAN)
    assert [m.path for m in ms] == ["二/(一)/1", "二/(一)/2", "二/(二)", "三/(一)", "三/(二)"]
    assert [m.id for m in ms] == ["m1", "m2", "m3", "m4", "m5"]
    assert ms[0].heading == "编制人工智能实施意见,布局研发项目"  # the first sentence
    assert ms[0].agencies == ["市科技局"] and ms[0].lead_agencies == []
    assert ms[1].agencies == ["市经信委"]
    # a heading with no numbered children is one measure covering its paragraph
    assert "听取专家咨询委员会建议" in doc.original[ms[2].start : ms[2].end]
    assert ms[2].agencies == ["市科技局"]
    assert [m.level for m in ms] == [3, 3, 2, 2, 2]
    # the last item stops before the signature
    assert "人民政府" not in doc.original[ms[4].start : ms[4].end]
    assert doc.original[ms[4].start : ms[4].end].endswith("每年安排专项资金。")


def test_general_headings() -> None:
    for heading in (
        "指导思想",
        "主要目标。到2025年",
        "总体思路和发展目标",
        "指导思想、基本原则与主要目标",
        "充分认识科技创新的重要意义",
    ):
        assert is_general(heading), heading
    for heading in ("实施创新工程", "强化组织领导", "目标管理考核制度建设"):
        assert not is_general(heading), heading


def test_a_general_item_with_its_own_responsibility_list_counts() -> None:
    text = "一、总体要求\n(一)发展思路。坚持创新。\n(二)发展目标。到2020年研发投入达到3%。(责任单位:高新区管委会)\n二、任务\n(三)建设平台。(责任单位:市科技局)\n"
    _, ms = measures(text)
    assert [m.path for m in ms] == ["一/(二)", "二/(三)"]


def test_inline_markers_only_when_they_continue_the_sequence() -> None:
    text = (
        "二、提升能力\n5.建设平台。研发投入占比达到2.85%以上。(牵头单位:市科技局)\n"
        "三、加快企业升级,打造主力军6.加大普惠政策供给。落实税收优惠。(牵头单位:市财政局)17.不是条目。\n"
        "7.培育企业。在技术方面:1.不是条目;(牵头单位:市科技局)8.打造集群。(牵头单位:市发展改革委)\n"
    )
    doc, ms = measures(text)
    assert [m.path for m in ms] == ["二/5", "三/6", "三/7", "三/8"]
    assert ms[1].heading == "加大普惠政策供给"
    assert "17.不是条目" in doc.original[ms[1].start : ms[1].end]
    assert ms[3].lead_agencies == ["市发展改革委"]


def test_multi_line_items_and_closing_formulas() -> None:
    text = "一、任务\n1.开展劳动竞赛。弘扬劳模精神、\n工匠精神,广泛开展竞赛,\n激发干劲。\n(责任单位:市人社局、市总工会)\n2.加强科普。(责任单位:市科协)\n本意见自印发之日起施行。\n附件:1.云海市科技计划管理办法\n2.云海市科技奖励办法\n"
    doc, ms = measures(text)
    assert len(ms) == 2
    first = doc.original[ms[0].start : ms[0].end]
    assert "工匠精神" in first and first.endswith("(责任单位:市人社局、市总工会)")
    assert ms[0].agencies == ["市人社局", "市总工会"]
    assert "施行" not in doc.original[ms[1].start : ms[1].end]


def test_numbered_web_chrome_is_not_an_item() -> None:
    text = "一、任务\n1.建设平台。(责任单位:市科技局)\n\n1、选择少量文本,重新进行复制操作\n2、开通VIP,享受下载特权\n"
    _, ms = measures(text)
    assert len(ms) == 1


def test_traditional_page_offsets_point_into_the_original() -> None:
    text = "二、重點工作任務\n(一)實施創新工程。\n1.引進建設產業技術研究院。(牽頭單位:市科技局;責任單位:各縣區政府、經濟區管委會)\n"
    doc, ms = measures(text)
    assert len(ms) == 1
    m = ms[0]
    assert m.heading == "引进建设产业技术研究院"
    assert m.lead_agencies == ["市科技局"]
    assert m.agencies == ["各县区政府", "经济区管委会"]
    assert doc.original[m.start : m.end].startswith("1.引進建設")


SCRAMBLED = (
    "加快推进云海示范区建设的实施意见各区市县人民政府.各有关单位,现提出如下意见 一.总体要求,一。发展思路、坚持创新.以人为本。"
    "带动发展。二、发展目标,力争到2020年、研发经费比重达到3,5、责任单位,高新区管委会,金普新区管委会。二,重点任务,三,依靠自主创新引领转型升级。"
    "围绕优势产业实施重点研发计划、要在新一代信息技术.新材料方面攻关 责任单位,市科技局 市发展改革委、市经信委 金普新区管委会高新区管委会,"
    "积极推动原始创新、支持基础研究.前沿技术研究 责任单位。市科技局,市财政局。由各项任务责任单位编制具体的工作方案、出台配套政策 "
    "责任单位、市委宣传部 市国家自主创新示范区建设领导小组成员单位.在自创区建设一站式服务中心.探索平台。责任单位,大连银监局.市科技局 云海市人民政府.2016年11月2日"
)


def test_scrambled_page_lists_close_measures() -> None:
    doc, ms = measures(SCRAMBLED)
    assert doc.scrambled
    assert len(ms) == 5  # 责任单位编制… is prose, not a list
    assert ms[0].path == "二/1" and ms[0].heading == "发展目标"
    assert ms[1].path == "三/1"
    assert ms[1].agencies == ["市科技局", "市发展改革委", "市经信委", "金普新区管委会", "高新区管委会"]
    assert ms[2].path == "三/2" and ms[2].heading == "积极推动原始创新"
    assert ms[3].agencies == ["市委宣传部", "市国家自主创新示范区建设领导小组成员单位"]
    assert "云海市人民政府" not in ms[4].agencies  # the signature after the last list
    for m in ms:
        assert doc.original[m.start : m.end]


def test_unnumbered_paragraphs_with_lists() -> None:
    text = "云海市科技工作要点\n加快建设创新平台,支持企业研发。(责任单位:市科技局)\n推进成果转化,\n培育技术市场。\n(责任单位:市发展改革委)\n"
    doc, ms = measures(text)
    assert [m.path for m in ms] == ["1", "2"]
    assert doc.original[ms[0].start : ms[0].end] == "加快建设创新平台,支持企业研发。(责任单位:市科技局)"
    assert doc.original[ms[1].start : ms[1].end].startswith("培育技术市场")
    assert ms[1].agencies == ["市发展改革委"]


def test_outline_kinds_and_levels() -> None:
    text = "第一章 总则\n第一条 为规范管理,制定本办法。\n第二章 支持措施\n第二条 给予补助。\n(1)补助一;\n(2)补助二。\n①对其他情形给予补助。\n"
    doc = Document.from_text(text, "t")
    items = parse_outline(outline_text(doc), doc.original, doc.offsets)
    assert [it.path for it in items] == [
        "第一章",
        "第一章/第一条",
        "第二章",
        "第二章/第二条",
        "第二章/第二条/(1)",
        "第二章/第二条/(2)",
        "第二章/第二条/(2)/1",
    ]
    _, ms = measures(text)
    assert [m.path for m in ms] == ["第二章/第二条/(1)", "第二章/第二条/(2)/1"]


def test_half_bracket_markers_and_inline_chinese_markers() -> None:
    text = "一、任务\n1)建设平台。\n2)培育企业。(二)不是条目。\n二、保障\n(一)加强领导。各部门要落实责任。(二)强化考核。纳入绩效考核。\n"
    _, ms = measures(text)
    assert [m.path for m in ms] == ["一/1)", "一/2)", "二/(一)", "二/(二)"]


def test_enumerated_sub_clauses_fold_into_their_measure() -> None:
    text = (
        "一、支持研发\n1.对研发投入增长的企业给予补助:\n(1)增长10%以上的,给予10万元;\n(2)增长20%以上的,给予20万元。\n"
        "2.对首次入库的科技型中小企业给予奖励。\n(1)国家级的给予20万元;\n(2)省级的给予10万元。\n二、其他\n本措施自2022年6月1日起施行。\n"
    )
    doc, ms = measures(text)
    assert [m.path for m in ms] == ["一/1", "一/2"]  # 二、其他 states nothing
    assert doc.original[ms[0].start : ms[0].end].endswith("给予20万元。")


def test_a_notices_own_points_are_not_the_wrapped_policys_measures() -> None:
    text = (
        "关于印发云海市促进科技企业发展若干措施的通知\n各区县人民政府:\n现将《云海市促进科技企业发展若干措施》印发给你们,并提出以下要求:\n"
        "一、提高认识。各地要高度重视。\n二、抓好落实。各部门要细化措施。\n云海市科学技术局\n2022年5月10日\n"
        "云海市促进科技企业发展若干措施\n一、支持企业研发。对研发投入增长的企业给予补助。\n二、支持平台建设。对新认定的省级平台给予奖励。\n"
    )
    _, ms = measures(text)
    assert [m.heading for m in ms] == ["支持企业研发", "支持平台建设"]


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("000_cf86821d3aa6d29d.txt", 106),  # one per (责任单位:…) item
        ("001_44c0e93a09a44987.txt", 26),  # 3.–28.; 6., 17., 26. start inline
        ("002_4e90a411367dfbcd.txt", 24),  # 1.–21. plus three 保障措施 paragraphs
        ("003_34f744930cc046b1.txt", 23),  # four blocks of five plus three 保障措施
        ("004_7f80bdea92671ae8.txt", 41),  # scrambled: one per 责任单位 list
    ],
)
def test_seed_measure_counts(name: str, count: int) -> None:
    doc = Document.from_path(SEEDS / name)
    ms = extract_measures(doc)
    assert len(ms) == count
    assert [m.id for m in ms] == [f"m{i}" for i in range(1, count + 1)]
    assert all(doc.original[m.start : m.end] for m in ms)
    assert all(a.start < b.start for a, b in zip(ms, ms[1:], strict=False))
