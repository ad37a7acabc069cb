"""Generality: policies of cities and layouts the seeds do not show, and the genre's common variants.

The fixtures `tests/fixtures/<city>_*.txt` are invented documents written for these tests (no real
city issued them); the expected facts below are what an analyst following the gold rules would
extract from them:

- shenyang: a 管理办法 in 第X章/第X条, wrapped in a joint notice of two bodies; duties stated in
  prose (市科技局负责…), an eligibility-conditions list, 总  则 / 附  则 spaced out;
- qingdao: a 通知 with 附件 whose 若干措施 are numbered (一)(二) only; 各区、市人民政府;
- suzhou: a portal page with a 索引号/成文日期/发布日期/生效日期 table (spaced labels 标　　题),
  full-width digits, 【】 section headers, a 苏科规 doc number;
- chengdu: the amount phrasings of the genre (最高奖励, 给予每家…的一次性奖励, 按…的20%…最高不超过,
  一次性补助, 分别给予 over thresholds), a fund's size, no responsibility lists;
- changsha: an action plan whose notice title is set in two lines, targets with 到2025年 / 力争 /
  年均增长 / a range, 牵头单位/配合单位 lines outside brackets;
- xiamen: GB18030-encoded; 1、 items, role brackets (市委人才办牵头,…配合), a Chinese-numeral date.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from extract.pipeline import extract_file, extract_text
from extract.reader import read_text
from extract.records import ExtractionRecord

FIXTURES = Path(__file__).parent / "fixtures"

# (type, amount_yuan, max, per, ratio)
EXPECTED = {
    "shenyang_incubator_measures.txt": {
        "city": "沈阳",
        "policy": {
            "title": "沈阳市科技企业孵化载体管理办法",
            "notice_title": "沈阳市科学技术局 沈阳市财政局关于印发《沈阳市科技企业孵化载体管理办法》的通知",
            "doc_number": "沈科发〔2022〕15号",
            "issuer": "沈阳市科学技术局 沈阳市财政局",
            "issued_date": "2022-04-18",
            "published_date": None,
            "status": None,
        },
        # the articles of chapters 二–四; 总则 and 附则 state no measure, 第四条's (一)–(三) are its conditions
        "measures": 8,
        "agencies": {"市科技局", "市财政局"},
        "collective": set(),
        "instruments": [
            ("incubator_award", 2_000_000, True, None, None),
            ("incubator_award", 500_000, True, None, None),
            ("incubator_award", 100_000, False, "item", None),
            ("incubator_award", 1_000_000, True, "year", None),
            ("incubator_award", 500_000, True, "year", 0.3),
            ("incubator_award", 300_000, False, None, None),
            ("incubator_award", 300_000, False, None, None),
            ("incubator_award", 100_000, False, None, None),
        ],
        # 不低于3000平方米 and 不少于20家 are conditions of eligibility, not goals
        "targets": [],
    },
    "qingdao_innovation_measures.txt": {
        "city": "青岛",
        "policy": {
            "title": "青岛市支持科技创新若干措施",
            "notice_title": "青岛市人民政府办公厅关于印发青岛市支持科技创新若干措施的通知",
            "doc_number": "青政办发〔2023〕8号",
            "issuer": "青岛市人民政府办公厅",
            "issued_date": "2023-06-20",
            "published_date": None,
            "status": None,
        },
        "measures": 7,
        "agencies": {"市科技局", "市财政局", "市税务局", "市市场监管局", "市地方金融监管局", "人民银行青岛市中心支行"},
        "collective": {"各区、市人民政府"},
        "instruments": [
            ("rd_expense_subsidy", 5_000_000, True, "year", 0.1),
            ("high_tech_enterprise_award", 100_000, False, "item", None),
            ("high_tech_enterprise_award", 50_000, False, "item", None),
            ("innovation_voucher", 200_000, True, "year", 0.5),
            ("rd_institute_support", 1_000_000, False, None, None),
            ("rd_institute_support", 500_000, False, None, None),
            ("rd_institute_support", 300_000, False, None, None),
            ("ip_award", 500_000, False, None, None),
            ("ip_award", 300_000, False, None, None),
            ("ip_award", 500_000, True, None, None),
            ("risk_compensation", None, False, None, 0.4),
            ("loan_interest_subsidy", 500_000, True, "year", 0.5),
        ],
        "targets": [],
    },
    "suzhou_smes_portal.txt": {
        "city": "苏州",
        "policy": {
            "title": "苏州市科学技术局关于加快培育科技型中小企业的实施意见",
            "notice_title": None,
            "doc_number": "苏科规〔2023〕2号",
            "issuer": "苏州市科学技术局",
            "issued_date": "2023-03-15",
            "published_date": "2023-03-20",
            "status": "有效",
        },
        "measures": 6,
        "agencies": {"市科技局", "市财政局", "市地方金融监管局", "市市场监管局"},
        "collective": {"各市、区科技局"},
        "instruments": [
            ("rd_expense_subsidy", 500_000, True, None, 0.1),
            ("high_tech_enterprise_award", 200_000, False, None, None),
            ("high_tech_enterprise_award", 100_000, False, None, None),
            ("loan_interest_subsidy", 300_000, True, "year", 0.5),
        ],
        # (value, value_min, unit, year)
        "targets": [
            (25000, None, "家", 2025),
            (16000, None, "家", 2025),
            (4.2, None, "%", 2025),
            (10, None, "%", 2025),
        ],
    },
    "chengdu_innovation_policies.txt": {
        "city": "成都",
        "policy": {
            "title": "成都市进一步支持科技创新的若干政策措施",
            "notice_title": "成都市人民政府关于印发《成都市进一步支持科技创新的若干政策措施》的通知",
            "doc_number": "成府发〔2022〕12号",
            "issuer": "成都市人民政府",
            "issued_date": "2022-08-05",
            "published_date": None,
            "status": None,
        },
        "measures": 8,
        # no 责任单位 lists: the bodies the closing article charges
        "agencies": {"市科技局", "市财政局"},
        "collective": set(),
        "instruments": [
            ("rd_platform_award", 5_000_000, True, None, None),
            ("rd_platform_award", 1_000_000, True, None, None),
            ("high_tech_enterprise_award", 100_000, False, "item", None),
            ("high_tech_enterprise_award", 200_000, False, None, None),
            ("high_tech_enterprise_award", 500_000, False, None, None),
            ("high_tech_enterprise_award", 1_000_000, False, None, None),
            ("growth_enterprise_award", 300_000, False, None, None),
            ("growth_enterprise_award", 10_000_000, True, None, None),
            ("tech_transfer_award", 1_000_000, True, None, 0.2),
            ("tech_transfer_award", 5_000_000, True, "item", 0.3),
            ("tech_transfer_award", 100_000, True, "year", 0.01),
            ("guidance_fund", 2_000_000_000, False, None, None),
            ("risk_compensation", None, True, None, 0.5),
        ],
        # 突破1亿元、5亿元、10亿元的企业 are thresholds of the awards, 规模为20亿元 the fund's size
        "targets": [],
    },
    "changsha_action_plan.txt": {
        "city": "长沙",
        "policy": {
            "title": "长沙市科技创新三年行动计划(2023—2025年)",
            "notice_title": "长沙市人民政府办公厅关于印发《长沙市科技创新三年行动计划(2023—2025年)》的通知",
            "doc_number": "长政办发〔2023〕21号",
            "issuer": "长沙市人民政府办公厅",
            "issued_date": "2023-05-10",
            "published_date": None,
            "status": None,
        },
        # 1.–5. under 重点任务 and the three 保障措施 paragraphs; 总体目标 is not a measure
        "measures": 8,
        "agencies": {"市科技局", "市财政局", "市税务局", "市工业和信息化局", "市发展改革委", "市商务局"},
        "collective": set(),
        "instruments": [("rd_platform_award", 10_000_000, True, None, None)],
        "targets": [
            (12, None, "%", 2025),
            (3.5, None, "%", 2025),
            (8000, None, "家", 2025),
            (12000, None, "家", 2025),
            (1000, None, "亿元", 2025),
            (25, None, "件", 2025),
            (10, None, "个", 2025),
            (20, 15, "家", 2025),
            (1000, None, "家", None),
            (10000, None, "家", 2024),
            (50, None, "家", 2025),
            (15, None, "%", 2025),
        ],
    },
    "xiamen_talent_opinions_gb18030.txt": {
        "city": "厦门",
        "policy": {
            "title": "厦门市人民政府关于进一步加强科技人才引进培养的若干意见",
            "notice_title": None,
            "doc_number": "厦府〔2021〕286号",
            "issuer": "厦门市人民政府",
            "issued_date": "2021-11-08",
            "published_date": None,
            "status": None,
        },
        "measures": 5,
        "agencies": {"市委人才办", "市财政局", "市科技局", "市人社局", "市住房局", "市教育局"},
        "collective": set(),
        "instruments": [
            ("talent_subsidy", 5_000_000, False, None, None),  # the 最高 that follows is the next sum's
            ("talent_subsidy", 10_000_000, True, None, None),
            ("talent_subsidy", 30_000, False, "year", None),
            ("talent_subsidy", 5_000_000, False, None, None),
            ("talent_subsidy", 3_000_000, False, None, None),
            ("talent_subsidy", 1_000_000, False, None, None),
            ("talent_subsidy", None, False, None, None),
        ],
        "targets": [(300, None, "万人", 2025), (6, None, "万名", 2025), (8, None, "%", 2025)],
    },
}


@pytest.fixture(scope="module")
def records() -> dict[str, ExtractionRecord]:
    return {name: extract_file(FIXTURES / name) for name in EXPECTED}


def _instruments(record: ExtractionRecord) -> Counter:
    return Counter((i.type, i.amount_yuan, i.max, i.per, i.ratio) for i in record.instruments)


def _targets(record: ExtractionRecord) -> Counter:
    return Counter((t.value, t.value_min, t.unit, t.year) for t in record.targets)


@pytest.mark.parametrize("name", EXPECTED)
def test_metadata(records, name: str) -> None:
    record, expected = records[name], EXPECTED[name]
    assert record.city == expected["city"]
    for key, value in expected["policy"].items():
        assert getattr(record.policy, key) == value, key


@pytest.mark.parametrize("name", EXPECTED)
def test_measures_and_agencies(records, name: str) -> None:
    record, expected = records[name], EXPECTED[name]
    assert len(record.measures) == expected["measures"], [m.heading for m in record.measures]
    assert {a.name for a in record.agencies} == expected["agencies"]
    assert set(record.collective_agencies) == expected["collective"]


@pytest.mark.parametrize("name", EXPECTED)
def test_instruments(records, name: str) -> None:
    assert _instruments(records[name]) == Counter(EXPECTED[name]["instruments"])


@pytest.mark.parametrize("name", EXPECTED)
def test_targets(records, name: str) -> None:
    assert _targets(records[name]) == Counter(EXPECTED[name]["targets"])
    assert not records[name].baselines


@pytest.mark.parametrize("name", EXPECTED)
def test_every_fact_quotes_the_original(records, name: str) -> None:
    original, _ = read_text(FIXTURES / name)
    record = records[name]
    for fact in record.instruments + record.targets + record.baselines + record.citations:
        assert original[fact.start : fact.end] == fact.quote, fact
    for measure in record.measures:
        assert 0 <= measure.start < measure.end <= len(original)
    for key, (start, end) in record.policy.spans.items():
        assert 0 <= start < end <= len(original), key


def test_the_gb18030_fixture_is_gb18030_and_reads_like_utf8(records, tmp_path: Path) -> None:
    name = "xiamen_talent_opinions_gb18030.txt"
    data = (FIXTURES / name).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert read_text(FIXTURES / name)[1] == "gb18030"
    utf8 = tmp_path / "xiamen_utf8.txt"
    utf8.write_text(data.decode("gb18030"), encoding="utf-8")
    assert {**extract_file(utf8).to_dict(), "doc": name} == records[name].to_dict()


@pytest.mark.parametrize("name", [n for n in EXPECTED if "gb18030" not in n])
def test_a_gb18030_copy_extracts_the_same_facts(records, name: str, tmp_path: Path) -> None:
    copy = tmp_path / name
    copy.write_bytes((FIXTURES / name).read_text(encoding="utf-8").encode("gb18030"))
    assert extract_file(copy).to_dict() == records[name].to_dict()


# ---------------------------------------------------------------- the genre's variants, one by one

HEAD = "某某市科学技术局关于印发某某市科技创新若干措施的通知\n各有关单位:\n"
TAIL = "\n某某市科学技术局\n2023年1月1日\n"


def _one(text: str) -> ExtractionRecord:
    return extract_text(HEAD + text + TAIL)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一、对新认定的国家级重点实验室,给予1,000万元资助。", ("rd_platform_award", 10_000_000, False, None, None)),
        ("一、对新授权的发明专利,每件给予1万元资助。", ("ip_award", 10_000, False, "item", None)),
        (
            "一、对新认定的国家级专精特新“小巨人”企业,给予一次性奖励50万元。",
            ("growth_enterprise_award", 500_000, False, None, None),
        ),
        (
            "一、对新认定的省级工程技术研究中心,给予不高于50万元的补助。",
            ("rd_platform_award", 500_000, True, None, None),
        ),
        ("一、对新认定的省级众创空间,给予最高50万奖励。", ("incubator_award", 500_000, True, None, None)),
        (
            "一、对科技型中小企业,按其上年度研发投入的10%给予后补助,补助金额最高可达200万元。",
            ("rd_expense_subsidy", 2_000_000, True, None, 0.1),
        ),
        ("一、科技创新券每家企业每年最高使用额度为20万元。", ("innovation_voucher", 200_000, True, "year", None)),
        (
            "一、对获得国家科技进步奖一等奖的,按国家奖金额度的1:1给予配套奖励。",
            ("science_prize_matching", None, False, None, 1.0),
        ),
    ],
)
def test_amount_phrasings(text: str, expected: tuple) -> None:
    assert [(i.type, i.amount_yuan, i.max, i.per, i.ratio) for i in _one(text).instruments] == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一、到2025年,全市高新技术企业突破1.6万家。", (1.6, "万家", 2025)),
        ("一、到2025年,全市科技型中小企业达到1,200家。", (1200, "家", 2025)),
        ("一、力争到二〇二五年,全市高新技术企业数量达到5000家。", (5000, "家", 2025)),
        ("一、到“十四五”末,全市高新技术企业数量达到5000家。", (5000, "家", 2025)),
    ],
)
def test_target_phrasings(text: str, expected: tuple) -> None:
    assert [(t.value, t.unit, t.year) for t in _one(text).targets] == [expected]


def test_a_portal_time_after_the_date_keeps_the_date() -> None:
    record = extract_text(
        "发布时间:2022-07-08 10:23:45  来源:市科技局\n" + HEAD + "一、对孵化器给予10万元奖励。" + TAIL
    )
    assert record.policy.published_date == "2022-07-08"


def test_an_adoption_line_under_the_title_dates_the_policy() -> None:
    text = "某某市科技创新促进办法\n(2021年3月15日市人民政府第32次常务会议通过)\n第一条 为促进科技创新,制定本办法。\n"
    assert extract_text(text).policy.issued_date == "2021-03-15"


@pytest.mark.parametrize("city", ["成都", "厦门", "江门", "盐城", "聊城"])
def test_cities_whose_names_end_like_common_words(city: str) -> None:
    text = f"{city}市人民政府关于加快科技创新的若干意见\n各区人民政府:\n一、对孵化器给予10万元奖励。\n{city}市人民政府\n2023年1月1日\n"
    assert extract_text(text).city == city


def test_prose_duties_are_read_only_where_a_document_has_no_lists() -> None:
    prose = _one("一、市科技局负责创新券的发放。\n二、对孵化器给予10万元奖励。")
    assert {a.name for a in prose.agencies} == {"市科技局"}
    listed = _one("一、市科技局负责创新券的发放。\n二、对孵化器给予10万元奖励。(责任单位:市财政局)")
    assert {a.name for a in listed.agencies} == {"市财政局"}
