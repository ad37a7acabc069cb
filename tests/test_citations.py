"""Citations in 《…》, their doc numbers, and titles recovered on scrambled pages."""

from __future__ import annotations

from pathlib import Path

from extract.citations import extract_citations
from extract.document import Document
from extract.language import run_components
from extract.metadata import extract_metadata
from extract.pipeline import extract_document  # noqa: F401 (registers the components)
from extract.records import PolicyMeta

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def cite(text: str, title: str | None = None, notice: str | None = None):
    """The citations layer, quoted from the original text (by the `provenance` component)."""
    doc = Document.from_text(text, "t.txt")
    doc.layers["policy"] = PolicyMeta(title=title, notice_title=notice)
    return doc, run_components(doc, ("citations", "provenance")).layers["citations"]


def test_titles_numbers_dedup_and_own_title() -> None:
    text = (
        "根据《云海市新旧动能转换总体方案》(云发〔2018〕9 号)精神,落实《云海市科技条例》和《云海市新旧动能转换总体方案》。"
        "现将《关于推进协同发展(20192021)的实施意见》印发。本《工作方案》由市科技局解释。"
    )
    doc, cs = cite(text, title="关于推进协同发展(2019—2021)的实施意见")
    assert [c.title for c in cs] == ["云海市新旧动能转换总体方案", "云海市科技条例"]
    assert cs[0].doc_number == "云发〔2018〕9号"
    assert cs[1].doc_number is None
    for c in cs:
        assert doc.original[c.start : c.end] == c.quote
    assert cs[0].quote.startswith("《云海市") and cs[0].quote.endswith("号)")


def test_broken_lines_nested_brackets_and_traditional_text() -> None:
    text = "推進《關於落實<關於強化科技戰略支撐 推動高質量發展的實施意見>的三年行動計\n劃(2021-2023年)》完成。"
    doc, [c] = cite(text)
    assert c.title == "关于落实<关于强化科技战略支撑 推动高质量发展的实施意见>的三年行动计划(2021-2023年)"
    assert c.quote.startswith("《關於落實")
    assert doc.original[c.start : c.end] == c.quote


def test_scrambled_page_recovers_titles_by_doc_number_and_verb() -> None:
    text = (
        "按照、国务院关于同意沈大国家高新区建设国家自主创新示范区的批复,国函。2016。65号,和,辽宁省人民政府关于建设示范区的实施意见,辽政发、2016、46号.要求."
        "全面落实。中国制造2025大连行动计划。在集成电路领域.建立中心,实施.种苗,计划、"
        "编制。大连示范区发展规划纲要。2016,2025年、按照。两区,双核,的原则,编制,大连示范区空间发展规划 2016,2025 做好调整.完善政策,加快发展.推进创新。"
    )
    doc, cs = cite(text)
    assert doc.scrambled
    assert [(c.title, c.doc_number) for c in cs] == [
        ("国务院关于同意沈大国家高新区建设国家自主创新示范区的批复", "国函〔2016〕65号"),
        ("辽宁省人民政府关于建设示范区的实施意见", "辽政发〔2016〕46号"),
        ("中国制造2025大连行动计划", None),
        ("大连示范区发展规划纲要(2016-2025年)", None),
        ("大连示范区空间发展规划(2016-2025)", None),
    ]
    for c in cs:
        assert doc.original[c.start : c.end] == c.quote


def test_clean_pages_do_not_guess_titles_without_brackets() -> None:
    _, cs = cite("全面落实,中国制造2025大连行动计划,加快发展。")
    assert cs == []


def test_seed_citations_exclude_the_document_itself() -> None:
    doc = Document.from_path(SEEDS / "003_34f744930cc046b1.txt")
    cs = extract_citations(doc, extract_metadata(doc))
    titles = [c.title for c in cs]
    assert len(titles) == 4 and "工作方案" not in titles
    assert not any(t.startswith("鞍山市科技人才支撑") for t in titles)
    doc = Document.from_path(SEEDS / "002_4e90a411367dfbcd.txt")
    cs = extract_citations(doc, extract_metadata(doc))
    assert [c.title for c in cs] == ["中共中央国务院关于加强基础研究、应用基础研究和技术创新工作的指导意见"]
