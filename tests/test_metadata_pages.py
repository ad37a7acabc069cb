"""Metadata on pages of many cities: what portals and aggregators add around a title, a title split
or repeated, a page date with no label, joint issuers. Invented pages, one per quirk."""

from __future__ import annotations

from extract.document import Document
from extract.language import run_components
from extract.pipeline import extract_document  # noqa: F401 (registers the components)
from extract.records import PolicyMeta


def meta(text: str) -> tuple[Document, PolicyMeta]:
    """The policy layer, its spans mapped to the original text (by the `provenance` component)."""
    doc = Document.from_text(text, "t.txt")
    return doc, run_components(doc, ("metadata", "provenance")).layers["policy"]


def test_site_tag_in_brackets_after_the_title_is_dropped_own_bracket_kept() -> None:
    _, m = meta("关于支持未来产业先导区建设的若干政策(试行)(青川)\n为加快发展未来产业,制定本政策。\n")
    assert m.title == "关于支持未来产业先导区建设的若干政策(试行)"


def test_title_own_qualifier_bracket_is_kept() -> None:
    _, m = meta("云海市科技创新券管理办法(2024年修订)\n为规范管理,制定本办法。\n")
    assert m.title == "云海市科技创新券管理办法(2024年修订)"


def test_a_clause_after_a_comma_is_not_a_title() -> None:
    text = "为落实市委部署,推动丙市创新集群发展,\n特制定以下若干举措:\n一、加强平台建设\n"
    _, m = meta(text)
    assert m.title is None


def test_an_opening_purpose_clause_is_not_a_title() -> None:
    _, m = meta("为落实省里稳增长部署,结合本镇情况,制定以下措施。\n一、支持研发\n")
    assert m.title is None


def test_aggregator_label_before_the_title() -> None:
    text = "青川市科技政策汇编:关于支持科技型企业梯次成长的实施意见(征求意见稿)\n为推动科技创新,制定本意见。\n"
    doc, m = meta(text)
    assert m.title == "关于支持科技型企业梯次成长的实施意见(征求意见稿)"
    start, end = m.spans["title"]
    assert doc.original[start:end] == m.title


def test_breadcrumb_is_not_a_title() -> None:
    text = "您所在的位置:首页\n> 信息公开 > 计划总结 > 年度计划\n\n2026年全市科技工作要点\n\n一、指导思想\n坚持创新。\n"
    _, m = meta(text)
    assert m.title == "2026年全市科技工作要点"


def test_doc_number_in_brackets_on_the_notice_title_line() -> None:
    text = (
        "云海市青山区人民政府关于印发青山区科技创新专项资金管理办法的通知(青山政发〔2026〕5号)\n\n"
        "各街道办事处:\n现印发给你们,请认真贯彻执行。\n\n青山区科技创新专项资金管理办法\n\n第一条 为规范资金管理。\n"
    )
    doc, m = meta(text)
    assert m.doc_number == "青山政发〔2026〕5号"
    assert m.notice_title == "云海市青山区人民政府关于印发青山区科技创新专项资金管理办法的通知"
    assert m.title == "青山区科技创新专项资金管理办法"
    assert m.issuer == "云海市青山区人民政府"
    start, end = m.spans["doc_number"]
    assert doc.original[start:end] == "青山政发〔2026〕5号"


def test_doc_number_before_a_title_in_book_brackets() -> None:
    text = (
        "丙政办发〔2013〕9号《丙市人民政府办公厅关于印发丙市技术转移工程实施方案的通知》\n各区县政府:\n现印发给你们。\n"
    )
    _, m = meta(text)
    assert m.notice_title == "丙市人民政府办公厅关于印发丙市技术转移工程实施方案的通知"
    assert m.issuer == "丙市人民政府办公厅"


def test_title_whose_year_range_sits_on_the_next_line() -> None:
    text = "丙市技术转移工程实施方案\n\n(2013—2016年)\n\n为促进技术转移,制定本方案。\n"
    doc, m = meta(text)
    assert m.title == "丙市技术转移工程实施方案(2013—2016年)"
    start, end = m.spans["title"]
    assert doc.original[start:end].startswith("丙市技术转移工程实施方案")
    assert doc.original[start:end].endswith("(2013—2016年)")


def test_title_repeated_with_its_qualifier_and_an_unlabelled_page_date() -> None:
    text = (
        "青川镇高新技术企业培育专项资金管理办法\n\n2023-06-01 10:20\n\n"
        "青川镇高新技术企业培育专项资金管理办法(2022年修订)\n\n为加快培育高新技术企业,制定本办法。\n"
    )
    _, m = meta(text)
    assert m.title == "青川镇高新技术企业培育专项资金管理办法(2022年修订)"
    assert m.published_date == "2023-06-01"


def test_date_inside_the_text_is_not_a_page_date() -> None:
    text = "丙市科技工作要点\n为推进科技创新,制定本要点。\n2023-06-01\n"
    _, m = meta(text)
    assert m.published_date is None


def test_policy_handed_out_by_a_notice_with_no_title_line() -> None:
    text = (
        "各县(区)人民政府,市直各单位:\n《关于深化科技体制改革的若干措施》已经市人民政府同意,现印发给你们,请认真贯彻落实。\n"
        "中共丙市委员会办公室\n丙市人民政府办公室\n2022年3月1日\n为深化改革,制定如下措施。\n"
    )
    _, m = meta(text)
    assert m.title == "关于深化科技体制改革的若干措施"
    assert m.issuer == "中共丙市委员会办公室、丙市人民政府办公室"  # joint issuers, one line each
    assert m.issued_date == "2022-03-01"


def test_a_zone_named_at_the_head_of_the_title_is_the_issuer() -> None:
    _, m = meta("云海高新区关于加快培育新质生产力的若干政策\n为推动高质量发展,制定本政策。\n")
    assert m.issuer == "云海高新区"


def test_header_block_printed_twice_the_first_copy_empty() -> None:
    text = (
        "标题:\n发文字号:\n发布日期:\n成文日期:\n"
        "标题:云海市科技创新券管理办法\n发文字号:云科发〔2024〕3号\n发布日期:2024-05-02\n成文日期:2024-04-28\n"
        "第一条 为规范管理,制定本办法。\n"
    )
    _, m = meta(text)
    assert m.title == "云海市科技创新券管理办法"
    assert m.doc_number == "云科发〔2024〕3号"
    assert m.published_date == "2024-05-02"
    assert m.issued_date == "2024-04-28"


def test_an_empty_cell_does_not_take_the_next_label_as_its_value() -> None:
    text = (
        "发文字号:        发布机构:\n"
        "发文字号: 云科发〔2024〕3号      发布机构: 云海市科学技术局\n"
        "云海市科技创新券管理办法\n第一条 为规范管理,制定本办法。\n"
    )
    _, m = meta(text)
    assert m.doc_number == "云科发〔2024〕3号"
    assert m.issuer == "云海市科学技术局"


def test_doc_number_in_a_table_that_lost_its_colons() -> None:
    text = (
        "索 引 号 0117/2027-4 公开分类 科技\n文  号 云政发〔2027〕4号 主题词\n\n云海区科技创新券管理办法\n"
        "第一条 根据《青川市条例》(青政发〔2019〕3号),制定本办法。\n"
    )
    doc, m = meta(text)
    assert m.doc_number == "云政发〔2027〕4号"  # not the cited 青政发〔2019〕3号
    start, end = m.spans["doc_number"]
    assert doc.original[start:end] == "云政发〔2027〕4号"


def test_a_draft_bracket_is_the_titles_own() -> None:
    _, m = meta("关于加快科技成果转化的若干措施(讨论稿)\n为加快转化,制定本措施。\n")
    assert m.title == "关于加快科技成果转化的若干措施(讨论稿)"


def test_a_policy_cited_in_the_text_is_not_handed_out() -> None:
    _, m = meta("各单位:\n自《云海市科技创新条例》发布以来,成效显著。\n一、总体要求\n")
    assert m.title is None


def test_a_heading_with_a_colon_is_not_a_site_label() -> None:
    _, m = meta("各单位:\n主要任务:实施科技企业培育行动\n为加快培育,制定本方案。\n")
    assert m.title is None


def test_the_wrapped_plans_title_split_over_two_lines_below_the_notice() -> None:
    text = (
        "云海市人民政府办公室关于印发云海市科技成果转化专项资金管理办法的通知\n云政办发〔2024〕3号\n各区县人民政府:\n"
        "现将《云海市科技成果转化专项资金管理办法》印发给你们,请认真贯彻执行。\n云海市人民政府办公室\n2024年3月1日\n"
        "附件\n云海市科技成果转化专项资金\n管理办法\n第一条 为规范资金管理,制定本办法。\n"
    )
    doc, m = meta(text)
    assert m.title == "云海市科技成果转化专项资金管理办法"
    start, end = m.spans["title"]
    assert doc.original[start:end] == "云海市科技成果转化专项资金\n管理办法"  # the attachment's copy
