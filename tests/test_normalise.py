"""The normalised working copy keeps an exact map back to the original text."""

from __future__ import annotations

from extract.document import Document, is_boilerplate_line
from extract.normalise import normalise, punctuation_scrambled


def _assert_map_exact(original: str, text: str, offsets: list[int]) -> None:
    assert len(text) == len(offsets)
    assert offsets == sorted(offsets)
    assert all(0 <= o < len(original) for o in offsets)


def test_traditional_becomes_simplified_with_offsets_kept() -> None:
    original = "對當年新獲批的高新技術企業,一次性予以10萬元獎勵。"
    text, offsets, _ = normalise(original)
    assert text == "对当年新获批的高新技术企业,一次性予以10万元奖励。"
    _assert_map_exact(original, text, offsets)


def test_full_width_punctuation_and_digits_fold_but_list_marks_stay() -> None:
    original = "（一）到２０２０年，达到５００家；《规划》、。〔2018〕"
    text, _, _ = normalise(original)
    assert text == "(一)到2020年,达到500家;《规划》、。〔2018〕"


def test_spaces_around_numbers_go_and_quotes_still_point_into_the_original() -> None:
    original = "市级分别给予 1000 万元、500 万元支持"
    doc = Document.from_text(original + "。" * 20 + "科技创新政策文件正文内容" * 3, "x.txt")
    start = doc.text.index("1000万元")
    quote, o_start, o_end = doc.quote(start, start + len("1000万元"))
    assert quote == "1000 万元"
    assert doc.original[o_start:o_end] == quote


def test_scrambled_punctuation_is_detected_and_lost_decimal_points_repaired() -> None:
    clean = "研发经费支出占地区生产总值的比重达到3.5%,服务业比重达到55%以上。" * 3
    scrambled = "研发经费支出占地区生产总值的比重达到3,5、高端装备.服务业.比重达到30,产业.创新.协同.发展" * 5
    assert not punctuation_scrambled(clean)
    assert punctuation_scrambled(scrambled)
    text, _, was_scrambled = normalise(scrambled)
    assert was_scrambled and "达到3.5、" in text
    # a thousands group and a year range are not decimals
    text, _, _ = normalise(scrambled + "投入1,000万元,规划2016,2025年")
    assert "1,000万元" in text and "2016,2025" in text


def test_boilerplate_lines_are_blanked_in_the_body_only() -> None:
    assert is_boilerplate_line("国产免费无码一区二区三区,国产精品 欧美 亚洲 制服")
    assert is_boilerplate_line("复制 搜索 分享")
    assert is_boilerplate_line("政策信息")
    assert not is_boilerplate_line("10.拓展国际科技合作新空间。面向欧美,聚焦新一代信息技术。")
    assert not is_boilerplate_line("本意见出台后,原有相关政策与本意见不一致的,以本实施意见为准。")
    original = "热门资源 更多>\n一、总体要求。推进科技创新政策落实,支持企业研发。\n"
    doc = Document.from_text(original * 3, "x.txt")
    assert "热门资源" in doc.text and "热门资源" not in doc.body
    assert len(doc.body) == len(doc.text)


def test_a_space_a_pdf_put_inside_a_word_goes_and_the_map_stays_exact() -> None:
    original = "对认定的机构给 予一次性奖 励,金额最高不超 过 30 万元。"
    text, offsets, _ = normalise(original)
    assert text == "对认定的机构给予一次性奖励,金额最高不超过30万元。"
    _assert_map_exact(original, text, offsets)
    assert all(original[o] == ch for ch, o in zip(text, offsets, strict=True))
    doc = Document.from_text(original + "科技创新政策文件正文内容" * 3, "x.txt")
    start = doc.text.index("奖励")
    quote, o_start, o_end = doc.quote(start, start + 2)
    assert quote == "奖 励" and doc.original[o_start:o_end] == quote


def test_a_space_between_two_words_stays() -> None:
    for original in ("中共青川市委 青川市人民政府关于加快创新的意见", "政策正文 政策图谱", "分别给予 企业最高40万元"):
        text, _, _ = normalise(original)
        assert " " in text, original
