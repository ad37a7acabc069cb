"""The normaliser's repairs of garbled punctuation (extract/repair.py): what they rewrite, what they
leave alone, and that the offset map still leads every repaired span back to the page's own text."""

from __future__ import annotations

from extract.document import Document
from extract.normalise import normalise
from extract.repair import Edit, apply_edits


def _check_map(original: str) -> tuple[str, list[int]]:
    text, offsets, _ = normalise(original)
    assert len(offsets) == len(text)
    assert all(a <= b for a, b in zip(offsets, offsets[1:], strict=False))
    assert all(0 <= o < len(original) for o in offsets)
    return text, offsets


def test_edits_insert_and_replace_with_the_offsets_they_are_given() -> None:
    text, offsets = apply_edits("ab,cd", [0, 1, 2, 3, 4], [Edit(0, 0, "《", 0), Edit(2, 3, "》(", 1), Edit(5, 5, ")", 4)])
    assert text == "《ab》(cd)"
    assert offsets == [0, 0, 1, 1, 1, 3, 4, 4]


def test_a_doc_number_that_lost_its_bracket_and_hao_alone_on_its_line() -> None:
    original = "关于推进创新发展的实施意见\n盤政辦發〔201929\n各县区:\n"
    text, _ = _check_map(original)
    assert "\n盘政办发〔2019〕29号\n" in text
    doc = Document.from_text(original, "t.txt")
    start = doc.text.index("盘政办发")
    assert doc.quote(start, start + len("盘政办发〔2019〕29号"))[0] == "盤政辦發〔201929"
    # in a sentence, or after a prefix that does not end like a doc number's, nothing is repaired
    for kept in ("根据盘政办发〔201929精神", "\n电话2019 29\n"):
        assert _check_map(kept)[0] == kept


def test_a_year_range_is_completed_only_from_a_well_formed_copy() -> None:
    original = "协同发展(2019—2021)实施意见的通知\n现将《协同发展(20192021)的实施意见》印发。\n协同发展20192021)的实施意见\n"
    text, offsets = _check_map(original)
    assert text.count("协同发展(2019—2021)") == 3
    start = text.rindex("协同发展")
    end = text.index("的实施意见", start)
    assert original[offsets[start] : offsets[end - 1] + 1] == "协同发展20192021)"
    # no well-formed copy, or a range in prose with its dash: left as printed
    for kept in ("现将《协同发展(20192021)的实施意见》印发。", "(2019—2021)\n2019-2021年,全市投入增长。"):
        assert _check_map(kept)[0] == kept


def test_scrambled_citations_get_their_brackets_back() -> None:
    original = (
        "按照、国务院关于同意建设示范区的批复,国函。2016。65号,和,辽宁省人民政府关于建设示范区的实施意见,辽政发、2016、46号.要求."
        "全面落实。中国制造2025大连行动计划。在集成电路领域.建立中心,实施.种苗,计划、"
        "编制。大连示范区发展规划纲要。2016,2025年、按照。两区,双核,的原则,编制,大连示范区空间发展规划 2016,2025 做好调整.完善政策。"
    ) * 2
    text, offsets = _check_map(original)
    assert "、《国务院关于同意建设示范区的批复》(国函〔2016〕65号),和," in text
    assert "落实。《中国制造2025大连行动计划》。" in text
    assert "《大连示范区发展规划纲要(2016-2025年)》、" in text
    assert "《大连示范区空间发展规划(2016-2025)》做好" in text
    start = text.index("《大连示范区发展")
    end = text.index("》", start) + 1
    assert original[offsets[start] : offsets[end - 1] + 1] == "大连示范区发展规划纲要。2016,2025年"


def test_a_clean_page_keeps_its_unbracketed_titles() -> None:
    original = "全面落实,中国制造2025大连行动计划,加快发展。按照国务院关于同意建设示范区的批复,国函。2016。65号,执行。"
    assert _check_map(original)[0] == original
