"""Agency lists, prefix restoration, aliases and collective placeholders."""

from __future__ import annotations

from pathlib import Path

from extract.agency_names import agency_key, canonical_names, find_lists, find_prose_duties, is_collective, parse_names
from extract.document import Document
from extract.language import run_components
from extract.pipeline import PIPELINE

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def run_until(doc: Document, name: str) -> Document:
    return run_components(doc, PIPELINE[: PIPELINE.index(name) + 1])


def extract_measures(doc: Document):
    return run_until(doc, "measures").layers["measures"]


def build_agencies(doc: Document, measures):
    """The agencies layers (after the measures, which `measures` must be)."""
    assert run_until(doc, "agencies").layers["measures"] == measures
    return doc.layers["agencies"], doc.layers["collective_agencies"]


def names(text: str, city: str | None = None) -> list[str]:
    return [n for lst in find_lists(text, city=city) for n in lst.names]


def test_city_prefix_restored_on_bare_names_only() -> None:
    assert names("(责任单位:市发展改革委、经济和信息化委、农业局、海洋与渔业局、银监分局、人民银行)") == [
        "市发展改革委",
        "市经济和信息化委",
        "市农业局",
        "市海洋与渔业局",
        "市银监分局",
        "市人民银行",
    ]
    # districts, zones, county-level cities and vertical bodies keep their own form
    assert names(
        "(责任单位:市科技局、高区管委、南海新区管委、环翠区政府、荣成市政府、海城市、台安县、高新区、人民银行大连中支、大连银监局)",
        city="大连",
    ) == [
        "市科技局",
        "高区管委",
        "南海新区管委",
        "环翠区政府",
        "荣成市政府",
        "海城市",
        "台安县",
        "高新区",
        "人民银行大连中支",
        "大连银监局",
    ]
    assert names("(责任单位:市科技局、市场监管局、城市管理局)") == ["市科技局", "市市场监管局", "市城市管理局"]
    assert names("(责任单位:县科技局、财政局)") == ["县科技局", "县财政局"]


def test_clean_lists_keep_only_body_names() -> None:
    assert names("(责任单位:市科技局,2021年底前完成)") == ["市科技局"]
    assert names("(责任单位:市科技局;完成时限:年底前)") == ["市科技局"]
    assert names("【牵头单位】市工商联、团市委") == ["市工商联", "团市委"]


def test_conjunctions_split_only_between_whole_names() -> None:
    assert names("(牵头单位:市委宣传部和市科协、科技局)") == ["市委宣传部", "市科协", "市科技局"]
    assert names("(责任单位:市人力资源和社会保障局、市住房和城乡建设局与市财政局)") == [
        "市人力资源和社会保障局",
        "市住房和城乡建设局",
        "市财政局",
    ]


def test_lead_and_responsible_parts() -> None:
    [lst] = find_lists("(牵头单位:市科技局,各区市政府〔管委〕,责任单位:市财政局)")
    assert lst.lead == ["市科技局", "各区市政府〔管委〕"] and lst.others == ["市财政局"]
    # one parenthetical; the lead part's prefix carries into the second part
    [lst] = find_lists("(牵头单位:市科技局、人力资源社会保障局;责任单位:各区市政府、人民银行)")
    assert lst.lead == ["市科技局", "市人力资源社会保障局"] and lst.others == ["各区市政府", "市人民银行"]
    [lst] = find_lists("(市科技局牵头,市财政局、教育局配合)")
    assert lst.lead == ["市科技局"] and lst.others == ["市财政局", "市教育局"]
    assert find_lists("按照(国家有关规定落实)执行") == []


def test_notes_etc_and_collectives() -> None:
    assert names("(责任单位:各区市〔含国家级开发区、综保区,下同〕政府〔管委〕、市国资委等)") == [
        "各区市政府〔管委〕",
        "市国资委",
    ]
    [lst] = find_lists("(责任单位:各县区政府、经济区管委会、高新区管委会)")
    assert lst.shared == {"经济区管委会"}  # shares the 各 of the name before it
    assert is_collective("市人才工作领导小组成员单位") and is_collective("各区市县政府")
    assert not is_collective("市科技局")


def test_scrambled_lists_stop_at_prose_and_signature() -> None:
    parsed = parse_names(",市科技局 市发展改革委、市经信委 金普新区管委会高新区管委会,积极推动原始创新", scrambled=True)
    assert parsed.names == ["市科技局", "市发展改革委", "市经信委", "金普新区管委会", "高新区管委会"]
    parsed = parse_names("。市科技局,高新区管委会 大连市人民政府.2016年11月2日", scrambled=True)
    assert parsed.names == ["市科技局", "高新区管委会"]
    parsed = parse_names("。大连银监局.在自创区建设一站式科技金融服务中心.探索", scrambled=True)
    assert parsed.names == ["大连银监局"]


def test_alias_keys_meet() -> None:
    assert agency_key("市发改委") == agency_key("市发展改革委") == agency_key("市发展和改革委员会")
    assert agency_key("市经信委") == agency_key("市经济和信息化委员会") == agency_key("市经济和信息化委")
    assert agency_key("市人社局") == agency_key("市人力资源和社会保障局") == agency_key("市人力资源社会保障局")
    assert agency_key("鞍山市科学技术局", "鞍山") == agency_key("市科技局")
    assert agency_key("高区管委") == agency_key("高区管委会")
    assert agency_key("市金融发展局") != agency_key("市金融局")
    canon = canonical_names(["市发改委", "市发展改革委", "市发展改革委", "市财政局"])
    assert canon["市发改委"] == "市发展改革委" and canon["市财政局"] == "市财政局"


def test_build_agencies_merges_aliases_and_keeps_collectives_apart() -> None:
    text = (
        "一、任务\n1.甲。(牵头单位:市发展改革委;责任单位:市财政局、各县区政府、经济区管委会)\n"
        "2.乙。(责任单位:市发改委、市人力资源社会保障局)\n3.丙。(责任单位:市发展和改革委员会、市人社局)\n"
        "4.丁。(责任单位:市发展改革委、领导小组各成员单位)\n"
    )
    doc = Document.from_text(text, "t")
    measures = extract_measures(doc)
    assert [m.agencies for m in measures][1] == ["市发展改革委", "市人力资源社会保障局"]  # canonical names
    agencies, collective = build_agencies(doc, measures)
    by_name = {a.name: a for a in agencies}
    assert set(by_name) == {"市发展改革委", "市财政局", "市人力资源社会保障局"}
    ndrc = by_name["市发展改革委"]
    assert set(ndrc.aliases) == {"市发展改革委", "市发改委", "市发展和改革委员会"}
    assert ndrc.measures == ["m1", "m2", "m3", "m4"] and ndrc.lead_measures == ["m1"]
    assert set(by_name["市人力资源社会保障局"].aliases) == {"市人力资源社会保障局", "市人社局"}
    assert collective == ["各县区政府", "经济区管委会", "领导小组各成员单位"]
    assert not any(a.collective for a in agencies)


def test_seed_agencies() -> None:
    doc = Document.from_path(SEEDS / "001_44c0e93a09a44987.txt")
    agencies, collective = build_agencies(doc, extract_measures(doc))
    found = {n for a in agencies for n in [a.name, *a.aliases]}
    assert {"市经济和信息化委", "市农业局", "市教育工委", "高区管委", "荣成市政府", "市委宣传部", "市科协"} <= found
    assert "各区市政府〔管委〕" in collective and "各区市政府〔管委〕" not in found
    doc = Document.from_path(SEEDS / "004_7f80bdea92671ae8.txt")
    agencies, collective = build_agencies(doc, extract_measures(doc))
    found = {a.name for a in agencies}
    assert {"人民银行大连中支", "大连证监局", "市编委办", "市检察院"} <= found
    assert "大连市人民政府" not in found and len(found) == 29


def test_every_duty_label_opens_a_list_with_its_role() -> None:
    text = (
        "1.甲。(牵头部门:市科技局;配合部门:市财政局)\n2.乙。(负责单位:市工信局)\n"
        "3.丙。(实施单位:镇经济发展办)\n4.丁。(责任科室:区科技局成果科)\n"
    )
    lists = find_lists(text)
    assert [lst.lead for lst in lists] == [["市科技局"], [], [], []]
    assert [lst.others for lst in lists] == [["市财政局"], ["市工信局"], ["镇经济发展办"], ["区科技局成果科"]]


def test_a_label_broken_by_a_pdf_line_or_space() -> None:
    text = "1.甲。〔责任单 位:县农业局、县水利局〕\n2.乙。(牵头\n单位:区发改局)\n"
    lists = find_lists(text)
    assert [lst.names for lst in lists] == [["县农业局", "县水利局"], ["区发改局"]]
    assert lists[1].lead == ["区发改局"]


def test_an_office_of_the_government_stays_one_name() -> None:
    assert names("1.甲。(牵头单位:县农业局;责任单位:县政府金融办、区政府督查室)") == [
        "县农业局",
        "县政府金融办",
        "区政府督查室",
    ]
    glued = parse_names("金山新区管委会高新区管委会、市政府金融办", scrambled=True)
    assert glued.names == ["金山新区管委会", "高新区管委会", "市政府金融办"]


def test_an_unlabelled_bracket_closing_a_paragraph_names_the_bodies() -> None:
    text = (
        "一、重点举措\n1.强化招商。给予最高17万元奖励。〔县农业局、水利局,各乡(镇、街道)人民政府、"
        "开发区管委会按职责分工负责;以下各项均由各乡(镇、街道)落实,不另列出〕\n"
        "2.培育企业。给予最高45万元支持。(区发改局、区人社局)\n"
        "3.支持项目(试行)\n4.建设平台(含孵化器、众创空间)\n"
        "5.集聚人才。给予最高3亿元支持。〔县委宣传部(网信办),县农业局、统计局"
    )
    lists = find_lists(text)
    assert [lst.names for lst in lists] == [
        ["县农业局", "县水利局", "各乡(镇、街道)人民政府", "开发区管委会"],
        ["区发改局", "区人社局"],
        ["县委宣传部(网信办)", "县农业局", "县统计局"],
    ]
    doc = Document.from_text(text, "t")
    agencies, collective = build_agencies(doc, extract_measures(doc))
    assert [a.name for a in agencies] == [
        "县农业局",
        "县水利局",
        "区发改局",
        "区人社局",
        "县委宣传部(网信办)",
        "县统计局",
    ]
    assert collective == ["各乡(镇、街道)人民政府", "开发区管委会"]


def test_duties_in_prose_by_district_town_and_street_bodies() -> None:
    def prose(text: str) -> list[tuple[list[str], list[str]]]:
        return [(lst.lead, lst.others) for lst in find_prose_duties(text)]

    assert prose("奖励资金由丙街道经发办负责兑现。") == [([], ["丙街道经发办"])]
    assert prose("本办法由区科技局会同区财政局负责解释。") == [([], ["区科技局", "区财政局"])]
    assert prose("高新区管委会牵头组织实施。") == [(["高新区管委会"], [])]
    assert prose("东城镇经济发展办负责受理。") == [([], ["东城镇经济发展办"])]
    assert prose("由企业所在区科技局负责审核。") == []  # wherever the applicant is: no one body
    assert prose("鼓励高新区企业设立研发部负责研发。") == []


def test_a_duty_column_flattened_one_cell_per_line() -> None:
    text = (
        "三、重点任务分工\n序号\n重点任务\n责任单位\n完成时限\n1\n建设创新平台\n市科技局、财政局\n2025年底\n"
        "2\n培育科技企业\n区发改局\n长期坚持\n云海市人民政府办公室\n2024年3月1日\n"
    )
    lists = find_lists(text)
    assert [lst.others for lst in lists] == [["市科技局", "市财政局"], ["区发改局"]]  # not the signature
    assert all(text[lst.start : lst.end] in ("市科技局、财政局", "区发改局") for lst in lists)
    assert [lst.lead for lst in find_lists("牵头单位\n1\n建设平台\n县科技局\n")] == [["县科技局"]]


def test_a_label_without_colon_takes_only_the_names_after_it() -> None:
    assert names("1.甲。(责任单位 市人社局、市财政局)") == ["市人社局", "市财政局"]
    assert names("2.乙。〔牵头部门区科技局〕") == ["区科技局"]
    assert names("各责任单位要加强协调,责任单位负责人要亲自抓。") == []


def test_an_unlabelled_role_bracket_in_any_bracket_and_with_by() -> None:
    lists = find_lists("1.甲,给予奖励〔由区科技局牵头,区财政局配合〕,并加强考核。2.乙【县人社局负责】。")
    assert [(lst.lead, lst.others) for lst in lists] == [(["区科技局"], ["区财政局"]), ([], ["县人社局"])]


def test_district_zone_and_town_name_shapes() -> None:
    # a place name ending in 镇/乡/街道 keeps its form; a bare zone before a zone's office shares it
    assert names("(牵头单位:南湖街道办事处;配合单位:街道经发办)") == ["南湖街道办事处", "街道经发办"]
    assert names("(责任单位:市科技局,高新区、经开区管委会)") == ["市科技局", "高新区管委会", "经开区管委会"]
    assert names("(责任单位:东城镇、西城镇人民政府)") == ["东城镇人民政府", "西城镇人民政府"]
    assert names("(责任单位:东山镇人民政府、镇经济发展办、财政所)") == ["东山镇人民政府", "镇经济发展办", "镇财政所"]
    assert names("(责任单位:高新区、市科技局)") == ["高新区", "市科技局"]


def test_a_table_kept_one_row_per_line() -> None:
    text = (
        "三、任务分工\n序号\t重点任务\t牵头单位\t责任单位\t完成时限\n"
        "1\t建设创新平台\t市科技局\t市财政局、教育局\t2025年底\n"
        "2  培育科技企业  区发改局  区人社局  长期坚持\n四、保障措施\n1\t加强领导\t市委组织部\t市人社局\t2025年\n"
    )
    lists = find_lists(text)
    assert [(lst.lead, lst.others) for lst in lists] == [
        (["市科技局"], []),
        ([], ["市财政局", "市教育局"]),
        (["区发改局"], []),
        ([], ["区人社局"]),
    ]  # the table ends at the first row of another width
    assert [text[lst.start : lst.end] for lst in lists] == ["市科技局", "市财政局、教育局", "区发改局", "区人社局"]


def test_prose_deictic_place_is_the_levels_own_body_and_a_generic_zone_is_none() -> None:

    def names(text: str) -> list[str]:
        return [n for lst in find_prose_duties(text) for n in (*lst.lead, *lst.others)]

    assert names("本县农业局负责组织实施。") == ["县农业局"]
    assert names("我区商务局牵头,县商务局会同本县财政局负责。") == ["区商务局", "县商务局", "县财政局"]
    assert names("园区管委会负责日常管理。") == []
    assert names("全县教育局负责。") == []
    assert names("东坡区商务局负责解释。") == ["东坡区商务局"]
