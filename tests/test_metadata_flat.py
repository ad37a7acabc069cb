"""The metadata group's knowledge from the lexicon (the import rule: tests/test_extract_architecture.py)."""

from __future__ import annotations

import pytest

from extract.document import Document
from extract.genre import DOC_NUMBER, GARBLED_DOC_NUMBER, GENRE_AT_END, STANDALONE_DOC_NUMBER, skeleton
from extract.lexicon import lexicon
from extract.pipeline import extract_text


@pytest.mark.parametrize("word", lexicon("policy_genres").words())
def test_every_genre_word_ends_a_title(word: str) -> None:
    assert GENRE_AT_END.search(f"关于加快科技创新的{word}")


def test_doc_numbers_cited_and_standalone() -> None:
    assert DOC_NUMBER.search("根据《若干措施》(甬政发 〔2021〕 18 号)精神").group(0) == "甬政发 〔2021〕 18 号"
    whole = STANDALONE_DOC_NUMBER.search("关于印发科技项目管理办法的通知\n苏科规〔2023〕2号\n")
    assert whole and (whole.group("p"), whole.group("y"), whole.group("n")) == ("苏科规", "2023", "2")
    assert STANDALONE_DOC_NUMBER.search("标题\n盘政办发〔201929\n") is None  # the normaliser repairs it
    garbled = GARBLED_DOC_NUMBER.search("标题\n盘政办发〔201929\n")
    assert garbled and (garbled.group("p"), garbled.group("y"), garbled.group("n")) == ("盘政办发", "2019", "29")
    assert (garbled.group("open"), garbled.group("close"), garbled.group("hao")) == ("〔", "", "")
    assert STANDALONE_DOC_NUMBER.search("根据甬政发〔2021〕18号精神") is None  # cited, not standalone


def test_skeleton_keeps_what_a_web_copy_keeps() -> None:
    assert skeleton("关于推进协同发展(2019—2021)的实施意见") == "关于推进协同发展20192021的实施意见"


def test_header_labels_come_from_the_lexicon() -> None:
    text = "发 布 机 构:云海市科学技术局\n发文字号:云科发〔2022〕7号\n时效性:现行有效\n\n关于开展科技特派员工作的通知\n"
    record = extract_text(text)
    assert record.policy.issuer == "云海市科学技术局"
    assert record.policy.doc_number == "云科发〔2022〕7号"
    assert record.policy.status == "有效"


def test_partly_repealed_is_not_repealed() -> None:
    record = extract_text("效力状态:部分失效\n\n云海市科技创新券管理办法\n")
    assert record.policy.status is None


def test_city_falls_back_to_the_city_hint_layer() -> None:
    # no issuer, no city in the title: the bodies the text names decide
    record = extract_text("科技创新券管理办法\n\n本办法由市科技局负责,云海市科技局、云海市财政局实施。\n")
    assert record.city == "云海"


def test_not_city_words_are_refused() -> None:
    record = extract_text(
        "科技创新券管理办法\n\n各区市人民政府、创新型城市人民政府,各区市人民政府,云海市科技局负责实施。\n"
    )
    assert record.city == "云海"


def test_citing_verb_reads_a_title_on_a_scrambled_page() -> None:
    text = "全面落实。云海市科技创新驱动发展行动计划。加快建设.创新型城市.推动企业.加大研发.投入.提升.创新能力。" * 3
    doc = Document.from_text(text, "t.txt")
    assert doc.scrambled
    record = extract_text(text)
    assert "云海市科技创新驱动发展行动计划" in record.cited_policies
