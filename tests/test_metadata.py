"""Policy metadata and city detection: small invented pages, one per quirk of the genre, plus seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.cities import city_in, detect_city
from extract.dates import find_dates, parse_compact
from extract.document import Document
from extract.language import run_components
from extract.metadata import extract_metadata
from extract.pipeline import extract_document  # noqa: F401 (registers the components)
from extract.records import PolicyMeta

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def meta(text: str) -> tuple[Document, PolicyMeta]:
    """The policy layer, its spans mapped to the original text (by the `provenance` component)."""
    doc = Document.from_text(text, "t.txt")
    return doc, run_components(doc, ("metadata", "provenance")).layers["policy"]


NOTICE = """首页 > 政策文件
云海市人民政府办公厅关于印发云海市科技创新券实施方案的通知
发布时间:2021-04-02
云政办发〔2021〕12号
各区县人民政府,市政府各部门:
  现将《云海市科技创新券实施方案》印发给你们,请认真贯彻执行。根据《青川市科技条例》(青政发〔2019〕3号)的要求执行。
  云海市人民政府办公厅
  2021年3月30日
云海市科技创新券实施方案
一、总体要求
(一)指导思想。坚持创新驱动。
二、主要任务
1.实施科技创新券。(责任单位:市科技局)
"""


def test_notice_wrapping_a_plan() -> None:
    doc, m = meta(NOTICE)
    assert m.title == "云海市科技创新券实施方案"
    assert m.notice_title == "云海市人民政府办公厅关于印发云海市科技创新券实施方案的通知"
    assert m.doc_number == "云政办发〔2021〕12号"  # not the cited 青政发〔2019〕3号
    assert m.issuer == "云海市人民政府办公厅"
    assert m.issued_date == "2021-03-30"
    assert m.published_date == "2021-04-02"
    assert m.status is None
    for field in ("title", "notice_title", "doc_number", "issuer", "issued_date", "published_date"):
        start, end = m.spans[field]
        assert doc.original[start:end], field
    start, end = m.spans["title"]
    assert doc.original[start:end] == "云海市科技创新券实施方案"
    # the standalone plan title line is the evidence, not the notice line
    assert start > doc.original.index("印发给你们")


def test_title_from_brackets_when_the_plan_has_no_title_line() -> None:
    _, m = meta("丙市科学技术局关于印发《丙市研发补助管理办法》的通知\n丙科发〔2020〕7号\n各有关单位:\n现印发。\n")
    assert m.title == "丙市研发补助管理办法"
    assert m.notice_title.startswith("丙市科学技术局关于印发")
    assert m.issuer == "丙市科学技术局"  # no signature: the title's issuer


def test_garbled_doc_number_and_compact_signature_date_are_repaired() -> None:
    text = "(此文件已失效)盤錦市人民政府辦公室印發關於推進創新發展(2019—2021)實施意見的通知\n\n發布時間:2019-11-13\n\n盤政辦發〔201929\n\n各縣區:\n  現將《關於推進創新發展(20192021)的實施意見》印發給你們。\n\n        盤錦市人民政府辦公室\n\n        201974\n\n關於推進創新發展20192021)的實施意見\n一、任務\n"
    doc, m = meta(text)
    assert m.doc_number == "盘政办发〔2019〕29号"
    assert m.issued_date == "2019-07-04"
    assert m.issuer == "盘锦市人民政府办公室"  # simplified
    assert m.status == "失效"
    # the title line lost `(` and `—`: completed from the well-formed range in the notice line
    assert m.title == "关于推进创新发展(2019—2021)的实施意见"
    assert m.notice_title == "盘锦市人民政府办公室印发关于推进创新发展(2019—2021)实施意见的通知"
    start, end = m.spans["doc_number"]
    assert doc.original[start:end] == "盤政辦發〔201929"


def test_compact_dates_read_only_when_unambiguous_and_plausible() -> None:
    assert parse_compact("201974", [2019]) == "2019-07-04"
    assert parse_compact("20190704", []) == "2019-07-04"
    assert parse_compact("2019114", [2019]) is None  # 1-14 or 11-4
    assert parse_compact("201974", [2010, 2011]) is None  # far from the document's years
    assert parse_compact("2019", [2019]) is None


def test_header_fields_and_signature_disagreeing() -> None:
    text = (
        "文件标题:关于印发《丁市人才行动方案(2023-2025)》 的通知\n发文字号:丁科办〔2023〕18号\n"
        "发布机构:丁市人民政府\n发文日期:2024-12-30\n效力状态:有效\n"
        "关于印发《丁市人才行动方案(2023-2025)》的通知\n各有关单位:\n现印发给你们。\n"
        "丁市科学技术局\n2023年8月3日\n附件:\n丁市人才行动方案(2023-2025)\n一、总体要求\n"
    )
    _, m = meta(text)
    assert m.issuer == "丁市科学技术局"  # the signature, not the portal's 发布机构
    assert m.issued_date == "2023-08-03"
    assert m.published_date == "2024-12-30"  # 发文日期 header beside a signature: publication
    assert m.doc_number == "丁科办〔2023〕18号"
    assert m.status == "有效"
    assert m.title == "丁市人才行动方案(2023-2025)"
    assert m.notice_title == "关于印发《丁市人才行动方案(2023-2025)》的通知"


def test_title_glued_to_addressees_and_signature_on_one_line() -> None:
    text = "热门资源 更多>\n加快推进戊市示范区建设的实施意见各区市县人民政府.各有关部门,为贯彻落实。现提出如下意见。一.总体要求,责任单位,市科技局 戊市人民政府.2016年11月2日\n"
    _, m = meta(text)
    assert m.title == "加快推进戊市示范区建设的实施意见"
    assert m.issuer == "戊市人民政府"
    assert m.issued_date == "2016-11-02"
    assert m.published_date is None


def test_issuer_from_title_and_published_header() -> None:
    _, m = meta("己市人民政府关于加快科技创新的实施意见\n政策正文 发布日期: 2021-11-01\n各区市人民政府:\n一、任务\n")
    assert m.title == "己市人民政府关于加快科技创新的实施意见"
    assert m.notice_title is None
    assert m.issuer == "己市人民政府"
    assert m.issued_date is None
    assert m.published_date == "2021-11-01"


def test_chinese_numeral_and_bracketed_dates() -> None:
    _, m = meta("庚市科技局关于科技奖励的办法\n各单位:\n特此通知。\n庚市科学技术局\n二〇二〇年三月一日\n")
    assert m.issued_date == "2020-03-01"
    assert m.issuer == "庚市科学技术局"
    _, m = meta("辛市人民政府关于科技创新的若干意见\n(2021年3月15日)\n为加快发展,提出意见。\n")
    assert m.issued_date == "2021-03-15"
    assert [h.iso for h in find_dates("2018.5.29 与 2018-05.3")] == ["2018-05-29"]


def test_lone_dates() -> None:
    # a date alone after the last sentence: the signature lost its issuer line
    assert meta("子市科技政策\n一、任务。加快发展。\n\n2020年5月6日\n")[1].issued_date == "2020-05-06"
    # a footer date after page chrome, or a page date under the title, is not a signature
    assert meta("子市科技政策\n一、任务。加快发展。\n打印本页 关闭窗口\n2020年5月6日\n")[1].issued_date is None
    assert meta("子市科技政策\n2020-05-06\n一、任务。加快发展。\n")[1].issued_date is None


def test_status_markers() -> None:
    assert meta("壬市科技政策\n【已废止】\n正文。\n")[1].status == "失效"
    assert meta("癸市科技政策\n时效性:现行有效\n正文。\n")[1].status == "有效"
    # a repealed predecessor in the text is not this document's status
    assert meta("子市科技政策\n原《丑市办法》同时废止。\n")[1].status is None


def test_city_detection() -> None:
    doc, m = meta(NOTICE)
    assert detect_city(doc, m) == "云海"
    doc = Document.from_text(
        "关于科技的通知\n各单位:\n成立由市政府主要领导任组长的领导小组。\n沈阳市人民政府\n2020年1月1日\n", "t"
    )
    assert city_in(doc.text) == "沈阳"
    assert detect_city(doc, PolicyMeta(issuer="鞍山市科学技术局")) == "鞍山"
    assert detect_city(doc, PolicyMeta(issuer="中共大连市委 大连市人民政府")) == "大连"
    assert city_in("各区市人民政府,城市政府") is None


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("002_4e90a411367dfbcd.txt", "doc_number", "盘政办发〔2019〕29号"),
        ("002_4e90a411367dfbcd.txt", "issued_date", "2019-07-04"),
        ("003_34f744930cc046b1.txt", "issuer", "鞍山市科学技术局"),
        ("004_7f80bdea92671ae8.txt", "issuer", "大连市人民政府"),
        ("000_cf86821d3aa6d29d.txt", "doc_number", None),
        ("001_44c0e93a09a44987.txt", "doc_number", None),  # only cited numbers on that page
    ],
)
def test_seed_metadata(name: str, field: str, value: str | None) -> None:
    doc = Document.from_path(SEEDS / name)
    assert getattr(extract_metadata(doc), field) == value


def test_a_trailing_bracket_goes_only_when_it_is_a_doc_number_or_a_place_tag() -> None:
    body = "\n\n各有关单位:\n现将有关事项通知如下。\n\n乙州市科学技术局\n2031年3月5日\n"
    for tail, title in (
        ("(乙政发〔2031〕6号)", "关于加快丙城科技创新的若干措施"),
        ("(乙州市)", "关于加快丙城科技创新的若干措施"),
        ("(杭州)", "关于加快丙城科技创新的若干措施"),
        ("(节选)", "关于加快丙城科技创新的若干措施(节选)"),
        ("(试行)", "关于加快丙城科技创新的若干措施(试行)"),
    ):
        _, policy = meta("关于加快丙城科技创新的若干措施" + tail + body)
        assert policy.title == title, tail
