"""Instruments from small policy fixtures: amounts, 分别, max/per/ratio, promises without figures."""

from __future__ import annotations

from extract.amounts import find_sums, parse_number
from extract.document import Document
from extract.language import run_components
from extract.pipeline import extract_document  # noqa: F401 (registers the components)
from extract.records import Instrument

_PAD = "\n为加快科技创新,推动高质量发展,结合我市实际,制定本政策措施。\n"


def _instruments(body: str) -> list[Instrument]:
    doc = Document.from_text(_PAD + body + _PAD, "fixture.txt")
    doc.layers["measures"] = []  # no measure context: the fixtures test the sentences alone
    found = run_components(doc, ("sentences", "amounts", "instruments", "provenance")).layers["instruments"]
    for inst in found:
        assert doc.original[inst.start : inst.end] == inst.quote
    return found


def test_money_units_parse_to_integer_yuan() -> None:
    assert [m.value for m in find_sums("200万元、2亿元、1.5亿元、3.6万元/年、5千万元")] == [
        2_000_000,
        200_000_000,
        150_000_000,
        36_000,
        50_000_000,
    ]
    assert find_sums("3.6万元/年")[0].per == "year"
    assert parse_number("二十五") == 25 and parse_number("百") == 100


def test_respectively_yields_one_instrument_per_amount_with_its_level() -> None:
    found = _instruments("对认定为国家级、省级技术创新中心的,市级分别给予 1000 万元、500 万元支持。")
    assert [(i.type, i.amount_yuan, i.level) for i in found] == [
        ("rd_platform_award", 10_000_000, "国家级"),
        ("rd_platform_award", 5_000_000, "省级"),
    ]


def test_max_per_and_ratio() -> None:
    found = _instruments(
        "对企业绘制专利地图,按照实际发生费用的 50%给予企业补助,最高不超过 50 万元。"
        "实施好企业研究开发财政补助政策,单个企业每年给予最高 1000 万元补助。"
        "对首次通过认定的高新技术企业每家奖励 20 万元。"
    )
    by_amount = {i.amount_yuan: i for i in found}
    patent = by_amount[500_000]
    assert (patent.type, patent.max, patent.ratio) == ("ip_award", True, 0.5)
    rd = by_amount[10_000_000]
    assert (rd.type, rd.max, rd.per) == ("rd_expense_subsidy", True, "year")
    hte = by_amount[200_000]
    assert (hte.type, hte.max, hte.per) == ("high_tech_enterprise_award", False, "item")


def test_matching_ratio_and_promises_without_figures_still_count() -> None:
    found = _instruments(
        "对获批为国家火炬特色产业基地的,按上级支持资金 1:1 给予配套。"
        "对于中小微企业一般性研发项目,重点通过科技创新券予以支持。"
    )
    assert ("cluster_base_matching", None, 1.0) in [(i.type, i.amount_yuan, i.ratio) for i in found]
    assert ("innovation_voucher", None) in [(i.type, i.amount_yuan) for i in found]


def test_goals_thresholds_and_seeking_upper_level_money_are_not_instruments() -> None:
    found = _instruments(
        "到2020年,技术交易额达到 35 亿元。培育一批年产值 20 亿元以上的科技领军企业。"
        "积极争取国家、省自然科学基金支持。完善科技奖励制度,优化奖项结构。"
    )
    assert found == []


def test_a_package_of_forms_is_one_instrument_per_form() -> None:
    found = _instruments("创新科技信贷方式,打造“风险补偿+担保+贴息”的“鞍科贷”品牌。")
    assert sorted(i.type for i in found) == ["loan_interest_subsidy", "risk_compensation"]


def test_a_list_of_sums_after_its_award_noun() -> None:
    found = _instruments("薪酬补贴标准为:国际级顶尖人才15万元/年,国家级领军人才10万元/年。")
    assert [(i.type, i.amount_yuan, i.per) for i in found] == [
        ("talent_subsidy", 150_000, "year"),
        ("talent_subsidy", 100_000, "year"),
    ]


def test_traditional_source_quotes_stay_traditional() -> None:
    found = _instruments("對新列入的國家級孵化器、眾創空間,一次性予以20萬元獎勵。")
    assert [(i.type, i.amount_yuan, i.level) for i in found] == [("incubator_award", 200_000, "国家级")]
    assert "獎勵" in found[0].quote or "萬元" in found[0].quote


def test_a_measure_headed_by_a_support_form_types_its_sums() -> None:
    from extract.pipeline import extract_text

    record = extract_text(
        "某市科技创新券管理办法\n一、支持措施\n(一)实施科技创新券制度。对科技型中小企业购买检验检测等科技服务的,"
        "按照服务合同金额的50%给予补助,每家企业每年最高不超过30万元。(责任单位:市科技局)\n"
        "(二)目标。到2022年,科技型中小企业使用科技创新券的比例明显提高。\n"
    )
    assert [(i.type, i.amount_yuan, i.ratio, i.max, i.per) for i in record.instruments] == [
        ("innovation_voucher", 300_000, 0.5, True, "year")
    ]
    # the cap of an award is not a goal
    assert all(t.unit != "万元" for t in record.targets)


def test_respectively_applies_only_within_its_own_list_of_sums() -> None:
    found = _instruments(
        "对认定为国家级科技企业孵化器、国家专业化众创空间的,一次性分别给予 200 万元奖励,"
        "认定为星创天地的,择优给予 100 万元奖励。"
    )
    assert [(i.amount_yuan, i.recipient) for i in found] == [
        (2_000_000, "认定为国家级科技企业孵化器、国家专业化众创空间"),
        (1_000_000, "星创天地"),
    ]


def test_a_fund_restated_in_traditional_characters_is_one_instrument() -> None:
    # the dedup reads the normalised (simplified) text, the quote keeps the original characters
    found = _instruments(
        "設立科技成果轉化天使投資基金,支持初創企業發展。\n用好天使投資基金,引導社會資本投向早期項目。\n"
    )
    assert [(i.type, i.quote) for i in found] == [("guidance_fund", "設立科技成果轉化天使投資基金")]


def test_follow_on_promise_without_object_inherits_the_previous_promise_type() -> None:
    found = _instruments("对新认定的市级重点实验室,给予最高 80 万元资助。建设期满后,根据考核结果给予最高 40 万元资助。")
    assert [(i.type, i.amount_yuan) for i in found] == [
        ("rd_platform_award", 800_000),
        ("rd_platform_award", 400_000),
    ]


def test_promise_cut_by_a_blank_line_takes_its_type_from_the_sentence_before() -> None:
    found = _instruments("年度技术合同成交额在 50 万元以上的,给予成交额\n\n5%奖励,每家最高不超过 30 万元。")
    assert [(i.type, i.amount_yuan) for i in found] == [("tech_transfer_award", 300_000)]


def test_promise_no_type_covers_is_reported_in_a_warning() -> None:
    doc = Document.from_text(_PAD + "对参加展会的企业给予最高 6 万元补助。" + _PAD, "fixture.txt")
    doc.layers["measures"] = []
    run_components(doc, ("sentences", "amounts", "instruments"))
    assert any("no type of the taxonomy covers" in w and "left untyped" in w for w in doc.warnings)
    # never silently defaulted: the promise is kept, with its sum, and no type
    assert [(i.type, i.amount_yuan, i.max) for i in doc.layers["instruments"]] == [(None, 60_000, True)]


def test_budget_total_and_its_shares_are_no_instruments() -> None:
    found = _instruments(
        "2026年,区财政预算安排3.5亿元,其中,支持重大创新平台建设2亿元,支持人才引育1.5亿元。"
        "今后五年拟统筹资金 30 亿元。15亿元的资金通过奖补、贴息等形式扶持企业成长;"
        "15 亿元用于设立科技创新引导基金。"
    )
    assert [(i.type, i.amount_yuan) for i in found] == [("guidance_fund", 1_500_000_000)]


def test_budget_of_a_programme_the_city_sets_up_is_its_sum() -> None:
    found = _instruments("区政府设立科技创新专项资金,每年安排预算资金3000万元。")
    assert [i.amount_yuan for i in found] == [30_000_000]


def test_case_by_case_deal_is_typed_by_the_object_it_supports() -> None:
    found = _instruments("对落户本区的全国重点实验室基地,采取“一事一议”办法予以支持。")
    assert [(i.type, i.amount_yuan) for i in found] == [("rd_platform_award", None)]


def test_promise_without_figure_followed_by_a_new_recipients_figure_is_kept() -> None:
    found = _instruments(
        "对落户本区的全国重点实验室基地,采取“一事一议”办法予以支持。对新建的省重点实验室给予最高 300 万元资助。"
    )
    assert [(i.type, i.amount_yuan) for i in found] == [("rd_platform_award", None), ("rd_platform_award", 3_000_000)]


def test_manufacturing_innovation_centre_is_an_rd_platform() -> None:
    found = _instruments("对首次获批的省级制造业创新中心给予 200 万元奖励。")
    assert [(i.type, i.amount_yuan) for i in found] == [("rd_platform_award", 2_000_000)]


def test_benefit_named_after_the_sum_decides_the_type() -> None:
    found = _instruments("对在本市设立研发总部的行业领军企业,给予不超过 200 万元的区级科技计划项目扶持。")
    assert [(i.type, i.amount_yuan) for i in found] == [("rd_project_grant", 2_000_000)]


def test_recognised_object_outweighs_the_cost_a_share_is_computed_on() -> None:
    found = _instruments("对经省认定的瞪羚企业,按其年度研发经费总额的 8% 予以奖励,最高不超过 80 万元。")
    assert [(i.type, i.amount_yuan) for i in found] == [("growth_enterprise_award", 800_000)]


def test_activity_a_recipient_carries_out_decides_the_type() -> None:
    found = _instruments("对国内外顶尖团队在本区进行成果转化的,依据阶段考核结果给予最高 300 万元奖补支持。")
    assert [(i.type, i.amount_yuan) for i in found] == [("tech_transfer_award", 3_000_000)]


def test_tiers_sharing_one_unit_are_one_instrument_each() -> None:
    found = _instruments("对新认定的省级众创空间,分别给予5万/10万/15万元奖励。")
    assert [i.amount_yuan for i in found] == [50_000, 100_000, 150_000]


def test_letter_o_for_a_zero_and_spaces_inside_words_are_read() -> None:
    found = _instruments("对新认定的市级孵化器给予6O万元奖励。对新认定的市级众创空间,给 予 20 万元奖 励。")
    assert [(i.type, i.amount_yuan) for i in found] == [("incubator_award", 600_000), ("incubator_award", 200_000)]


def test_floor_governed_by_a_giving_verb_is_an_award() -> None:
    found = _instruments("对新认定的省级星创天地,给予不低于 15 万元补助。")
    assert [(i.amount_yuan, i.max) for i in found] == [(150_000, False)]


def test_unit_price_is_no_amount() -> None:
    found = _instruments("对入驻孵化器的科技企业,按每月15元/平方米给予租金补贴。")
    assert [i.amount_yuan for i in found] == [None]


def test_cumulative_cap_bounds_the_promises_before_it_and_is_no_instrument() -> None:
    found = _instruments("对新认定的市级孵化器给予 50 万元奖励。同一企业每年累计最高奖励 100 万元。")
    assert [(i.amount_yuan, i.cumulative_cap_yuan) for i in found] == [(500_000, 1_000_000)]


def test_negations_are_no_promises() -> None:
    found = _instruments("对弄虚作假的企业,不予奖励。同一项目不得重复享受市级科技计划支持。")
    assert found == []


def test_cues_match_through_brackets_inserted_words_and_r_and_d() -> None:
    from extract.classify import classify

    assert classify([("对新认定的国家工程(技术)研究中心", 1)]) == "rd_platform_award"
    assert classify([("对新认定的省级企业(工程)技术中心", 1)]) == "rd_platform_award"
    assert classify([("对新认定的市级R&D机构", 1)]) == "rd_platform_award"
    assert classify([("对新认定的市级孵 化 器", 1)]) == "incubator_award"


def test_cap_stated_once_for_several_share_tiers_is_one_instrument_per_tier() -> None:
    found = _instruments("对技术输出方和技术吸纳方,分别按技术交易额的3%、10%给予最高不超过 50 万元支持。")
    assert [(i.type, i.amount_yuan, i.max, i.ratio) for i in found] == [
        ("tech_transfer_award", 500_000, True, 0.03),
        ("tech_transfer_award", 500_000, True, 0.1),
    ]


def test_every_recognised_object_of_a_list_counts() -> None:
    found = _instruments(
        "对经省认定的瞪羚企业和区认定的后备培育企业,分别按研发投入总额的12%和6%予以奖励,最高不超过 60 万元。"
    )
    assert {i.type for i in found} == {"growth_enterprise_award"}


def test_site_title_line_is_no_promise() -> None:
    found = _instruments('某市"专精特新"奖励政策:关于促进科技型企业成长的实施意见(征求意见稿)\n')
    assert found == []


def test_cumulative_cap_with_its_own_recipient_is_a_promise() -> None:
    found = _instruments("对新认定的市级孵化器给予 50 万元奖励。对获批国家级孵化器的,每家累计最高奖励80万元。")
    assert [(i.type, i.amount_yuan, i.max, i.cumulative_cap_yuan) for i in found] == [
        ("incubator_award", 500_000, False, None),
        ("incubator_award", 800_000, True, None),
    ]


def test_cumulative_cap_leaves_no_instrument_behind() -> None:
    found = _instruments("对新认定的市级孵化器给予 50 万元奖励。单个企业年度累计补助不超过300万元。")
    assert [(i.amount_yuan, i.cumulative_cap_yuan) for i in found] == [(500_000, 3_000_000)]


def test_award_after_an_item_marker_names_its_recipient_earlier_in_the_sentence() -> None:
    found = _instruments("(二)对首次认定的市级工程技术研究中心,安排30万元建设经费。")
    assert [(i.type, i.amount_yuan) for i in found] == [("rd_platform_award", 300_000)]
    found = _instruments("加大对科技创新的投入力度,每年安排资金3亿元。")
    assert found == []


def test_the_base_a_subsidy_is_computed_on_is_no_promise_of_its_own() -> None:
    """以…为基数 says how the award that follows is computed: one instrument, the award, not a second
    (typed by the base's cue words, here 加计扣除) with no amount."""
    found = _instruments(
        "鼓励企业加大研发投入,以企业上年度享受加计扣除的研发费用为基数,按增量分档给予奖补,"
        "单个企业奖补最高不超过200万元。"
    )
    assert [(i.type, i.amount_yuan) for i in found] == [("rd_expense_subsidy", 2_000_000)]


def test_the_uses_a_promise_pays_for_are_neither_promises_nor_its_type() -> None:
    """从A、B、C等多方面给予支持 lists what one promise pays for: 落户补贴 there is no promise of its
    own, and 人才培养 does not make it a talent subsidy; the object (a new-type R&D institute,
    named later in the sentence) types it."""
    found = _instruments(
        "从项目研发、场地建设、落户补贴、人才培养等多方面给予经费支持,对于绩效突出的新型研发机构,支持经费不设上限。"
    )
    assert [(i.type, i.amount_yuan) for i in found] == [("rd_institute_support", None)]
