"""City detection against the administrative divisions (extract/cities.py, data/places.tsv).

Invented fixtures: real place names (the data knows them), invented sentences.
"""

from __future__ import annotations

import time

from extract.cities import Found, find_city, mentions, places, town_city, towns
from extract.pipeline import extract_text
from extract.records import ExtractionRecord, PolicyMeta


def found(text: str = "", issuer: str | None = None, title: str | None = None) -> Found:
    return find_city(text, text, PolicyMeta(issuer=issuer, title=title))


def test_a_district_issuer_maps_to_its_prefecture() -> None:
    assert found(issuer="余杭区人民政府") == Found("杭州", "district")
    assert found(issuer="杭州市西湖区人民政府办公室") == Found("杭州", "district")
    assert found(issuer="大连市科学技术局") == Found("大连", "city")


def test_a_county_level_city_and_a_county() -> None:
    assert found(issuer="福清市科学技术局") == Found("福州", "county")
    # a two-character county counts before a government body, not inside prose
    assert found(issuer="和县人民政府") == Found("马鞍山", "county")
    assert found("推进主城区和县域经济协调发展。") == Found(None, None)


def test_a_zone_is_named_after_its_city() -> None:
    assert found(title="烟台高新区关于支持企业创新的若干措施") == Found("烟台", "zone")
    assert found(issuer="天津经济技术开发区管理委员会") == Found("天津", "zone")
    assert found("为推动兰州新区经济发展,制定本措施。") == Found("兰州", None)


def test_a_town_issuer() -> None:
    assert found(issuer="佛山市顺德区大良街道办事处") == Found("佛山", "town")
    # 城乡建设局 names no town
    assert found(issuer="大连市城乡建设局") == Found("大连", "city")


def test_a_shared_district_name_needs_context() -> None:
    # the city stays unknown; the issuer's form still shows a district
    assert found(issuer="铁西区科技局") == Found(None, "district")
    assert found("贯彻辽宁省鞍山市部署。", issuer="铁西区科技局") == Found("鞍山", "district")
    # 辽宁 holds two 铁西区 (沈阳, 鞍山): the province alone does not decide
    assert found("辽宁省科技厅要求。", issuer="铁西区科技局") == Found(None, "district")
    assert found("吉林省科技厅要求。", issuer="铁西区科技局") == Found("四平", "district")


def test_the_title_or_the_first_lines_when_there_is_no_issuer() -> None:
    assert found("萧山区科技创新发展三年行动计划\n一、目标", title="萧山区科技创新发展三年行动计划") == Found(
        "杭州", "district"
    )
    assert found("结合九江市实际,制定本措施。\n一、支持") == Found("九江", None)


def test_a_short_name_alone_counts_only_beside_its_cue() -> None:
    assert found("深化贵州遵义协作,特制定本办法。") == Found("遵义", None)
    assert found("给予贵州(遵义)专家工作站支持。") == Found("遵义", None)
    # no cue word makes one: 东方, 安宁, 合作 are common words and county-level cities
    assert found("结合遵义实际,特制定本办法。") == Found(None, None)
    assert found("结合东方实际,助力安宁高质量发展。") == Found(None, None)
    assert found(title="关于深化国际科技合作政策支持的若干措施") == Found(None, None)
    # short names hide in ordinary words
    assert found("沿中山路建设长治久安的创新街区。") == Found(None, None)
    assert found("加强中山市场监管。") == Found(None, None)
    # 吉林 alone is the province as often as the city; 吉林市 and 吉林高新区 are the city
    assert found("结合吉林实际,制定本措施。") == Found(None, None)
    assert found(title="吉林高新区关于科技创新的措施") == Found("吉林", "zone")
    # 县域, 区域: the name is part of a word
    assert found("推动新兴县域经济发展。") == Found(None, None)


def test_no_fragment_of_a_sentence_is_a_city() -> None:
    text = "为贯彻落实市委市政府部署,由市科技局牵头。\n"
    assert found(text) == Found(None, None)
    assert extract_text(text).city is None
    # a verb before 市委 is no name (lexicon not_city)
    assert extract_text("请结合实际,务必抓紧执行,落实市委部署。\n").city is None


def test_traditional_characters() -> None:
    assert found(issuer="撫州市科學技術局") == Found("抚州", "city")
    assert found(title="佛山市順德區大良街道高新技術企業發展辦法") == Found("佛山", "district")


def test_the_body_names_the_city_most_often() -> None:
    body = "推动温州市产业集群发展。温州市科技局负责。支持台州市企业参与。"
    assert found(body) == Found("温州", None)


def test_a_city_missing_from_the_data_is_still_read_from_its_issuer() -> None:
    assert found(issuer="云海市科学技术局") == Found("云海", "city")


def test_the_record_carries_the_issuer_level_and_reads_old_records() -> None:
    record = extract_text("鞍山市科学技术局\n关于支持科技创新的若干措施\n一、支持企业研发。\n")
    assert record.city == "鞍山"
    data = record.to_dict()
    assert ExtractionRecord.from_dict(data).issuer_level == record.issuer_level
    del data["issuer_level"]
    assert ExtractionRecord.from_dict(data).issuer_level is None


def test_the_divisions_load_once_and_scan_in_linear_time() -> None:
    places.cache_clear()
    started = time.perf_counter()
    data = places()
    assert time.perf_counter() - started < 1.0
    assert {p.city for p in data.by_name["铁西区"]} == {"沈阳", "鞍山", "四平"}
    assert places() is data
    started = time.perf_counter()
    assert len(mentions("沈阳市铁西区," * 20000)) == 40000
    assert time.perf_counter() - started < 2.0


def test_a_town_alone_maps_to_its_prefecture_when_unique_or_named() -> None:
    # data/places_towns.tsv: 武胜驿镇 is one town (永登县, 兰州); 城关镇 ~99 towns, one in 永登县
    towns.cache_clear()
    assert found("推动创新。", issuer="余杭区人民政府") == Found("杭州", "district")
    assert towns.cache_info().currsize == 0  # read only for a town's issuer
    assert found("推动创新。", issuer="武胜驿镇人民政府") == Found("兰州", "town")
    assert found("推动创新。", title="武胜驿镇党委关于扶持企业的办法") == Found("兰州", None)
    assert found("推动创新。", issuer="城关镇人民政府") == Found(None, "town")
    assert found("支持永登县企业。", issuer="城关镇人民政府") == Found("兰州", "town")
    # the town decides only when nothing else does, and only a town's body: 武胜驿镇 in prose is none
    assert found("支持温州市企业。", issuer="武胜驿镇人民政府") == Found("温州", "town")
    assert found("武胜驿镇推动创新。", issuer="科技局") == Found(None, None)
    named = mentions("永登县")
    assert town_city(PolicyMeta(issuer="城关镇人民政府"), named, ({"兰州"}, set())) == "兰州"
    assert town_city(PolicyMeta(issuer="城关镇人民政府"), [], (set(), set())) is None
    assert town_city(PolicyMeta(issuer="城关镇人民政府"), [], ({"兰州"}, set())) == "兰州"


def test_the_issuers_level_from_its_form_when_its_place_is_unknown() -> None:
    assert found("推动创新。", issuer="丁镇人民政府") == Found(None, "town")
    assert found("推动创新。", issuer="丙高新区管委会") == Found(None, "zone")
    assert found("支持温州市企业。", issuer="乙区科技局") == Found("温州", "district")
    assert found("推动创新。", issuer="戊县人民政府") == Found(None, "county")
    assert found("推动创新。", issuer="科技局") == Found(None, None)


def test_a_county_level_city_under_its_province_is_its_own_city() -> None:
    # 省直辖 is the data's placeholder, never a city
    assert found(issuer="潜江市科学技术局") == Found("潜江", "county")
    assert found(issuer="五家渠市人民政府办公室") == Found("五家渠", "county")
    assert "省直辖" not in {p.city for group in places().by_name.values() for p in group}


def test_the_body_outranks_the_first_lines_and_a_short_name_no_explicit_city() -> None:
    # a reposting site's first line names another city than the policy's body does
    text = "转载:杭州市科学技术局\n关于支持创新的措施\n支持宁波市企业。宁波市科技局负责。推动宁波市发展。\n"
    assert found(text) == Found("宁波", None)
    # a short name (a zone of 遵义) yields to an explicit 市 + body of another city in the text
    text = "遵义高新区合作事项。\n(责任单位:舟山市科技局)\n"
    assert found(text, title="关于遵义高新区合作事项的通知") == Found("舟山", None)


def test_the_candidate_scan_finds_what_a_scan_of_every_position_finds() -> None:
    from extract.cities import _mention_at

    text = "贵州(遵义)高新区。沈阳市铁西区和县人民政府;烟台高新区、兰州新区,辽宁省大连市中山市场。" * 3
    data = places()
    every, i = [], 0
    while i < len(text):
        hit = _mention_at(text, i, data)
        every.append(hit) if hit else None
        i = hit.end if hit else i + 1
    assert mentions(text) == every


def test_the_city_body_search_near_each_body_finds_what_finditer_finds() -> None:
    from extract.cities import _CITY_BODY, city_bodies

    text = "中共甲乙市委员会,甲市乙市科技局;辽宁省丙丁市人民政府\n市市财政局 戊己庚辛市政府。" * 3
    assert [m.span() for m in city_bodies(text)] == [m.span() for m in _CITY_BODY.finditer(text)]


def test_a_compilation_named_after_its_place() -> None:
    """A compiled PDF's running header (义乌政策汇编) names the place of the whole document; inside
    a phrase (国际合作政策汇编: 合作 is also a county-level city) it names none."""
    page = "Page 12 - 义乌政策汇编2023\n\n对新认定的企业研发中心给予奖励。"
    assert found(page) == Found("金华", None)
    assert found("Page 3 - 国际合作政策汇编\n对新认定的企业研发中心给予奖励。") == Found(None, None)


def test_the_document_number_settles_a_shared_name() -> None:
    """铁西区 is in three cities: the 文号's prefix abbreviates the issuing city (沈 of 沈阳, 鞍 of
    鞍山); a prefix that abbreviates none of them, or no number, leaves the city unknown."""

    def issued(number: str | None) -> Found:
        return find_city("铁西区人民政府", "铁西区人民政府", PolicyMeta(issuer="铁西区人民政府", doc_number=number))

    assert issued("沈铁西政发〔2021〕3号") == Found("沈阳", "district")
    assert issued("鞍铁西政发〔2021〕3号") == Found("鞍山", "district")
    assert issued("铁西政发〔2021〕3号") == Found(None, "district")
    assert issued(None) == Found(None, "district")


def test_the_city_hint_layer_is_read_not_recomputed() -> None:
    """The `city_hint` layer (the text's most frequent XX市<body>) is the last resort as given: a
    text that names no city at all still gets the hint it is handed."""
    text = "本办法由市科技局负责解释。"
    assert find_city(text, text, PolicyMeta()).city is None
    assert find_city(text, text, PolicyMeta(), hint="云海").city == "云海"
