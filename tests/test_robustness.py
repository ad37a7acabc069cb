"""Robustness of the extractor: a seeded mutation fuzz of the seeds, the crashes it found, and
guards that the rules once superlinear in their input stay linear.

The generators (mutations, adversarial shapes, record checks) live in
`bench/bench_robustness.py`, which runs the same fuzz longer and the shapes at more sizes.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import random
import re
import sys
from pathlib import Path

import pytest

from extract.amounts import MAX_PLAUSIBLE
from extract.document import Document
from extract.headings import outline_from, parse_outline
from extract.pipeline import extract_text
from extract.runner import time_limit_s


def _load_bench():
    path = Path(__file__).resolve().parent.parent / "bench" / "bench_robustness.py"
    spec = importlib.util.spec_from_file_location("bench_robustness", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_robustness", module)
    spec.loader.exec_module(module)
    return module


bench = _load_bench()

FUZZ_DOCUMENTS = 300
FUZZ_SEED = 20261201
# A mutated seed (some 20-130 KB, with runs of thousands of numbers) takes at most ~1-2 s; the
# bound is far below the default per-document time limit (60 s) yet tolerant of a busy machine.
FUZZ_MAX_SECONDS = 10.0
# time(4n) / time(n) of a linear rule is about 4; quadratic would be 16
LINEAR_BOUND = 8.0


def test_mutation_fuzz_of_the_seeds(record_property) -> None:
    report = bench.fuzz(FUZZ_DOCUMENTS, FUZZ_SEED)
    summary = report.summary()
    record_property("fuzz", summary)
    print("fuzz:", summary)
    assert report.documents == FUZZ_DOCUMENTS
    assert report.crashes == []
    assert report.violations == []  # quotes are text[start:end], no sum above 10^12, no inf
    assert max(report.times) < min(FUZZ_MAX_SECONDS, time_limit_s(0)), summary
    assert set(report.mutations) == {m.__name__.lstrip("_") for m in bench.MUTATIONS}


# ---------------------------------------------------------------- sums above 10^12


def _instrument_amounts(text: str) -> list[int | None]:
    return [i.amount_yuan for i in extract_text(text).instruments]


def test_a_sum_of_1e309_yuan_is_rejected_with_a_warning() -> None:
    text = "对新认定的高新技术企业,给予1" + "0" * 309 + "元奖励。"
    record = extract_text(text)  # was OverflowError: cannot convert float infinity to integer
    assert all(i.amount_yuan is None for i in record.instruments)
    assert len(record.warnings) == 1
    assert "10^12" in record.warnings[0]
    assert f"[{text.index('1000')}, {text.index('元奖励') + 1}]" in record.warnings[0]


def test_a_sum_above_10_12_yuan_is_rejected_not_stored() -> None:
    record = extract_text("对新认定的高新技术企业,给予99999999999亿元奖励。")
    assert record.instruments, "the promise stays, without its implausible sum"
    assert [i.amount_yuan for i in record.instruments] == [None] * len(record.instruments)
    assert any("99999999999亿元" in w and "10^12" in w for w in record.warnings)


def test_sums_up_to_10_12_yuan_are_kept() -> None:
    assert 10**12 in _instrument_amounts("对重大项目给予10000亿元补助。")
    assert 50 * 10**4 in _instrument_amounts("对重大项目给予50万元补助,给予10001亿元奖励。")
    assert 10001 * 10**8 not in _instrument_amounts("对重大项目给予10001亿元奖励。")


def test_absurd_quantities_are_no_targets() -> None:
    text = "到2025年,新增高新技术企业" + "9" * 400 + "家,技术合同成交额达到99999999999亿元,R&D投入强度达到3%。"
    record = extract_text(text)
    values = [t.value for t in record.targets + record.baselines]
    assert values == [3]
    # the count is the targets' to reject, the sum the amounts layer's (read once, warned once)
    assert sum("quantity above 10^12" in w for w in record.warnings) == 1
    assert sum("99999999999亿元" in w and "sum above 10^12" in w for w in record.warnings) == 1


def test_warnings_survive_the_record_round_trip() -> None:
    record = extract_text("给予99999999999亿元奖励。")
    assert type(record).from_dict(record.to_dict()).warnings == record.warnings


# ---------------------------------------------------------------- jumbled headings

_JUMBLED = [
    "7.加强科技创新",
    "大连市人民政府关于印发大连市科技创新若干政策的通知",
    "(一)支持企业研发",
    "大连市科技创新若干政策",
    "一、总体要求",
    "(二)对企业给予100万元奖励。",
    "第三条 对孵化器给予50万元补助。",
]


def test_jumbled_headings_of_a_notice_make_a_valid_tree() -> None:
    text = "\n".join(_JUMBLED) + "\n"
    record = extract_text(text)  # was KeyError: 140588028559184
    assert bench.record_problems(text, record) == []
    # the notice's 7. and (一) are no measures of the plan; the plan's items are
    assert record.measures and all(m.start > text.index("若干政策\n") for m in record.measures)
    assert 100 * 10**4 in [i.amount_yuan for i in record.instruments]


@pytest.mark.parametrize("order", list(itertools.permutations(range(5))))
def test_any_heading_order_extracts(order: tuple[int, ...]) -> None:
    lines = [_JUMBLED[i] for i in order] + _JUMBLED[5:]
    text = "\n".join(lines) + "\n"
    record = extract_text(text)
    assert bench.record_problems(text, record) == []
    for measure in record.measures:
        assert measure.level == measure.path.count("/") + 1


def test_outline_from_drops_the_notice_and_keeps_a_tree() -> None:
    doc = Document.from_text("\n".join(_JUMBLED) + "\n", "t")
    items = parse_outline(doc.text)
    begin = doc.text.index("大连市科技创新若干政策\n") + 1
    kept = outline_from(items, begin)
    assert kept and all(item.start >= begin for item in kept)
    ids = {id(item) for item in kept}
    for item in kept:
        assert item.parent is None or id(item.parent) in ids
        assert item.depth == (item.parent.depth + 1 if item.parent else 0)
        assert all(id(child) in ids for child in item.children)


# ---------------------------------------------------------------- linearity


@pytest.mark.parametrize("shape", sorted(bench.SHAPES))
def test_linear_in_input_size(shape: str) -> None:
    (n, small), (big, large) = bench.scaling(shape, (1, 4), repeat=2)
    if large >= LINEAR_BOUND * small:  # the machine may be shared: measure again before failing
        (n, small), (big, large) = bench.scaling(shape, (1, 4), repeat=4)
    assert big == 4 * n
    assert large < LINEAR_BOUND * small, f"{shape}: {small * 1000:.0f} ms at {n}, {large * 1000:.0f} ms at {big}"


def test_linearity_inputs_extract_cleanly() -> None:
    for shape, build in bench.SHAPES.items():
        text = build(50)
        record = extract_text(text)
        assert bench.record_problems(text, record) == [], shape
        assert all(math.isfinite(t.value) for t in record.targets), shape
        assert all(i.amount_yuan is None or i.amount_yuan <= MAX_PLAUSIBLE for i in record.instruments), shape


# ---------------------------------------------------------------- indexed lookups equal the scans


def test_naming_verbs_without_the_quadratic_substitution() -> None:
    from extract.instruments import _after_naming_verbs
    from extract.lexicon import lexicon

    verbs = lexicon("money_naming_verbs")
    pattern = re.compile(".*" + verbs.alternation("naming"))  # the scan it replaced, over today's lexicon
    rng = random.Random(1)
    alphabet = sorted({*"".join(verbs.words("naming")), *"科技基金照好\n "})
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert _after_naming_verbs(text) == pattern.sub("", text), text


def test_year_index_equals_searching_the_span() -> None:
    from extract.targets import _YEAR, _year_value, _Years

    rng = random.Random(2)
    pieces = ["到2025年", "2020年", "年度", "5家", "至“十四五”末", "二〇二三年", "份", "\n", "新增", "9", "截至2019年"]
    for _ in range(500):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        years = _Years(body)
        line_starts = [0] + [i + 1 for i, ch in enumerate(body) if ch == "\n"]
        for _ in range(10):
            lo = rng.choice(line_starts)  # the spans asked about start a line (paragraph, section)
            hi = rng.randint(lo, len(body))
            found = [_year_value(m) for m in _YEAR.finditer(body[lo:hi])]
            assert years.last(lo, hi) == (found[-1] if found else None), (body, lo, hi)


def test_occurrences_and_cover_equal_the_scans() -> None:
    from extract.index import Occurrences
    from extract.instruments import SUPPORT, _Cover

    rng = random.Random(3)
    for _ in range(500):
        text = "".join(
            rng.choice(["给予", "奖励", "补助", ",", "企业", "奖补助", "1"]) for _ in range(rng.randint(0, 15))
        )
        found = Occurrences(SUPPORT, text)
        separators = [i for i, ch in enumerate(text) if ch == ","]
        for start in [0] + [s + 1 for s in separators]:
            for end in range(start, len(text) + 1):
                if not text[end : end + 1].isdigit() and end != len(text):
                    continue  # the callers' spans end before a number (or at the end)
                assert found.within(start, end) == bool(SUPPORT.search(text[start:end])), (text, start, end)
        spans = [(rng.randint(0, 30), rng.randint(0, 30)) for _ in range(rng.randint(0, 5))]
        cover = _Cover(spans)
        for pos in range(32):
            assert cover.holds(pos) == any(s <= pos < e for s, e in spans)
            assert cover.closes(pos) == any(s < pos <= e for s, e in spans)


def test_number_lists_followed_once_answer_as_the_patterns() -> None:
    from extract.amounts import find_sums
    from extract.spans import Sentence
    from extract.targets import _LIST_BEFORE, _THRESHOLD_AFTER, _Clauses, _Lists, _sentence_quantities

    rng = random.Random(4)
    pieces = [
        "1亿元",
        "5家",
        "、",
        "和",
        "的",
        "以上",
        "对",
        ",",
        "2-3家",
        "企业",
        "比重",
        " ",
        "十个",
        "凡",
        "1,000家",
    ]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 16)))
        matches = _sentence_quantities(Sentence(0, len(text), text), find_sums(text))
        lists, clauses = _Lists(text, matches), _Clauses(text)
        for i, q in enumerate(matches):
            assert lists.threshold_after(i) == bool(_THRESHOLD_AFTER.match(text[q.end :])), (text, i)
            head = _LIST_BEFORE.sub("", text[: q.start])
            opens = bool(re.match(r"对|凡", re.split(r"[,;:]", head)[-1]))
            assert clauses.opens_eligible(lists.head_end(i)) == opens, (text, i)
