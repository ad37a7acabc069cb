"""Robustness of the extractor: a mutation fuzz of the seeds, the cost of adversarial inputs
against their size, and one very large policy file.

    .venv/bin/python bench/bench_robustness.py                      # everything, the defaults
    .venv/bin/python bench/bench_robustness.py --docs 5000 --seed 7  # a longer fuzz run
    .venv/bin/python bench/bench_robustness.py --only scaling --sizes 1000,2000,4000
    .venv/bin/python bench/bench_robustness.py --only big --big-mb 12

(a) fuzz: documents made by mutating the seed texts (spliced, duplicated, deleted and shuffled
    lines, huge digit runs and sums, jumbled headings, long 、-lists, stray brackets, control
    characters, full-width digits, traditional characters, truncation…), each extracted with
    `extract.pipeline.extract_text`; reports exceptions, quotes that differ from
    `text[start:end]`, implausible figures and the time per document.
(b) scaling: each input shape that used to cost superlinear time, at three sizes, with the ratio
    of time to size (linear: the ratio stays flat).
(c) big: the seeds repeated into one policy file of `--big-mb` MB, extracted in a child process:
    seconds per MB against the seeds' own seconds per MB, and the child's peak memory.

It reads only the repository's `seeds/`. The tests (`tests/test_robustness.py`) import the
generators from here, so the fuzz they run is the same, only shorter.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extract.amounts import MAX_PLAUSIBLE  # noqa: E402
from extract.pipeline import extract_text  # noqa: E402
from extract.records import ExtractionRecord  # noqa: E402


def load_seeds() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


# ---------------------------------------------------------------- mutations

_NOTICE_TITLE = "大连市人民政府关于印发大连市科技创新若干政策的通知"
_HEADINGS = [
    "7.加强科技创新",
    "(一)支持企业研发",
    "第三条 适用范围",
    "一、总体要求",
    "(3)给予奖励",
    "第二章 附则",
    "①优化服务",
]
_BRACKETS = "()()〔〕【】《》“”[]"
_CONTROL = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85, 0x2028, 0x2029)]
_FULL_WIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")
_HUGE = [
    "给予1" + "0" * 309 + "元奖励",
    "给予99999999999亿元奖励",
    "达到" + "9" * 400 + "家",
    "新增1e309家",
    "补助" + "9" * 30 + "万元",
]


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _at(rng: random.Random, text: str) -> int:
    return rng.randrange(len(text) + 1)


def _insert(rng: random.Random, text: str, piece: str) -> str:
    i = _at(rng, text)
    return text[:i] + piece + text[i:]


def _splice(rng: random.Random, text: str, seeds: list[str]) -> str:
    other = _lines(rng.choice(seeds))
    a = rng.randrange(len(other))
    lines = _lines(text)
    i = rng.randrange(len(lines) + 1)
    return "\n".join(lines[:i] + other[a : a + rng.randint(1, 40)] + lines[i:])


def _duplicate(rng: random.Random, text: str, seeds: list[str]) -> str:
    lines = _lines(text)
    a = rng.randrange(len(lines))
    block = lines[a : a + rng.randint(1, 20)]
    return "\n".join(lines[:a] + block * rng.randint(2, 30) + lines[a:])


def _delete(rng: random.Random, text: str, seeds: list[str]) -> str:
    lines = _lines(text)
    a = rng.randrange(len(lines))
    return "\n".join(lines[:a] + lines[a + rng.randint(1, 30) :])


def _shuffle(rng: random.Random, text: str, seeds: list[str]) -> str:
    lines = _lines(text)
    a = rng.randrange(len(lines))
    block = lines[a : a + rng.randint(2, 60)]
    rng.shuffle(block)
    return "\n".join(lines[:a] + block + lines[a + len(block) :])


def _digits(rng: random.Random, text: str, seeds: list[str]) -> str:
    return _insert(rng, text, "".join(rng.choice("0123456789") for _ in range(rng.choice([20, 400, 3000, 9000]))))


def _huge_amount(rng: random.Random, text: str, seeds: list[str]) -> str:
    return _insert(rng, text, rng.choice(_HUGE))


def _jumbled_headings(rng: random.Random, text: str, seeds: list[str]) -> str:
    lines = _lines(text)
    for piece in rng.sample([_NOTICE_TITLE, *_HEADINGS], k=rng.randint(2, 6)):
        lines.insert(rng.randrange(len(lines) + 1), piece)
    return "\n".join(lines)


def _dunhao_list(rng: random.Random, text: str, seeds: list[str]) -> str:
    word = rng.choice(["市科技局、", "企业、", "5家、", "国家级、", "和"])
    return _insert(rng, text, word * rng.choice([50, 500, 3000]) + rng.choice(["负责。", "的,给予10万元。", ""]))


def _stray_brackets(rng: random.Random, text: str, seeds: list[str]) -> str:
    for _ in range(rng.randint(1, 200)):
        text = _insert(rng, text, rng.choice(_BRACKETS))
    return text


def _control_chars(rng: random.Random, text: str, seeds: list[str]) -> str:
    for _ in range(rng.randint(1, 100)):
        text = _insert(rng, text, rng.choice(_CONTROL))
    return text


def _full_width(rng: random.Random, text: str, seeds: list[str]) -> str:
    a = _at(rng, text)
    b = min(len(text), a + rng.randint(100, 20000))
    return text[:a] + text[a:b].translate(_FULL_WIDTH) + text[b:]


@cache
def _s2t() -> Any:
    from opencc import OpenCC

    return OpenCC("s2t")


def _traditional(rng: random.Random, text: str, seeds: list[str]) -> str:
    a = _at(rng, text)
    b = min(len(text), a + rng.randint(100, 20000))
    return text[:a] + _s2t().convert(text[a:b]) + text[b:]


def _truncate(rng: random.Random, text: str, seeds: list[str]) -> str:
    return text[: _at(rng, text)] if rng.random() < 0.5 else text[_at(rng, text) :]


def _no_punctuation(rng: random.Random, text: str, seeds: list[str]) -> str:
    a = _at(rng, text)
    b = min(len(text), a + rng.randint(500, 20000))
    return text[:a] + "".join(ch for ch in text[a:b] if ch.isalnum()) + text[b:]


def _runs(rng: random.Random, text: str, seeds: list[str]) -> str:
    unit = rng.choice(["万", "亿", "%", "万元", "1%", "最高", "年", "《", "(", "到2025年,", "2018年5月16日"])
    return _insert(rng, text, "给予1" + unit * rng.choice([10, 300, 2000]) + "元")


MUTATIONS: list[Callable[[random.Random, str, list[str]], str]] = [
    _splice,
    _duplicate,
    _delete,
    _shuffle,
    _digits,
    _huge_amount,
    _jumbled_headings,
    _dunhao_list,
    _stray_brackets,
    _control_chars,
    _full_width,
    _traditional,
    _truncate,
    _no_punctuation,
    _runs,
]


def mutate(rng: random.Random, seeds: list[str]) -> tuple[str, list[str]]:
    """A mutated seed and the names of the mutations applied to it."""
    text = rng.choice(seeds)
    applied = []
    for _ in range(rng.randint(1, 4)):
        mutation = rng.choice(MUTATIONS)
        text = mutation(rng, text, seeds) or "科"
        applied.append(mutation.__name__.lstrip("_"))
    return text, applied


def fuzz_corpus(count: int, seed: int = 0) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    seeds = load_seeds()
    return [mutate(rng, seeds) for _ in range(count)]


# ---------------------------------------------------------------- checks


def record_problems(text: str, record: ExtractionRecord) -> list[str]:
    """What a record gets wrong about its text: quotes that are not text[start:end], spans out of
    the text, implausible or non-finite figures."""
    problems: list[str] = []
    quoted = [
        ("instrument", record.instruments),
        ("target", record.targets),
        ("baseline", record.baselines),
        ("citation", record.citations),
    ]
    for kind, facts in quoted:
        for fact in facts:
            if not 0 <= fact.start <= fact.end <= len(text) or text[fact.start : fact.end] != fact.quote:
                problems.append(f"{kind} quote {fact.quote[:30]!r} is not text[{fact.start}:{fact.end}]")
    for measure in record.measures:
        if not 0 <= measure.start <= measure.end <= len(text):
            problems.append(f"measure {measure.id} span [{measure.start}, {measure.end}] outside the text")
    for name, (start, end) in record.policy.spans.items():
        if not 0 <= start <= end <= len(text):
            problems.append(f"policy span {name} [{start}, {end}] outside the text")
    for inst in record.instruments:
        if inst.amount_yuan is not None and not 0 <= inst.amount_yuan <= MAX_PLAUSIBLE:
            problems.append(f"instrument amount {inst.amount_yuan} above {MAX_PLAUSIBLE}")
    for target in record.targets + record.baselines:
        for value in (target.value, target.value_min):
            if value is not None and not (math.isfinite(value) and abs(value) <= MAX_PLAUSIBLE):
                problems.append(f"target value {value} implausible")
    return problems


@dataclass
class FuzzReport:
    documents: int = 0
    crashes: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    slowest: tuple[float, list[str]] = (0.0, [])
    warnings: int = 0
    mutations: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "crashes": len(self.crashes),
            "offset_or_value_violations": len(self.violations),
            "records_with_warnings": self.warnings,
            "max_s": round(max(self.times, default=0.0), 4),
            "median_s": round(statistics.median(self.times), 4) if self.times else 0.0,
            "p99_s": round(sorted(self.times)[int(len(self.times) * 0.99)], 4) if self.times else 0.0,
            "slowest_mutations": self.slowest[1],
        }


def fuzz(count: int, seed: int = 0, progress: bool = False) -> FuzzReport:
    report = FuzzReport()
    rng = random.Random(seed)
    seeds = load_seeds()
    for i in range(count):
        text, applied = mutate(rng, seeds)
        report.mutations.update(applied)
        started = time.perf_counter()
        try:
            record = extract_text(text, f"fuzz-{seed}-{i}")
        except Exception as exc:  # noqa: BLE001 - counting every crash is the point
            report.crashes.append(f"doc {i} {applied}: {type(exc).__name__}: {exc}"[:300])
            continue
        finally:
            elapsed = time.perf_counter() - started
            report.times.append(elapsed)
            report.documents += 1
            if elapsed > report.slowest[0]:
                report.slowest = (elapsed, applied)
        report.violations.extend(f"doc {i} {applied}: {p}" for p in record_problems(text, record))
        report.warnings += bool(record.warnings)
        if progress and (i + 1) % 500 == 0:
            print(f"  {i + 1} documents", file=sys.stderr)
    return report


# ---------------------------------------------------------------- superlinear shapes

_HEAD = "大连市人民政府关于印发大连市科技创新政策的通知\n"

# Inputs that once cost time superlinear in their size: name → text of size n.
SHAPES: dict[str, Callable[[int], str]] = {
    "digit run": lambda n: _HEAD + "到2025年,企业达到" + "1" * n + "。\n",
    "市科技局、 list": lambda n: _HEAD + "市科技局、" * n + "负责。\n",
    # one sentence of n promises: each was typed by re-reading the whole sentence
    "promise sentence": lambda n: _HEAD + "对企业给予奖励," * n + "。\n",
    "promise sentence with sums": lambda n: _HEAD + "对新认定的高新技术企业,给予50万元奖励," * n + "。\n",
    "promise sentences": lambda n: _HEAD + "对新认定的高新技术企业给予创新券支持,对孵化器给予贴息补助。" * n + "\n",
    "measures with sums": lambda n: _HEAD + "".join(f"{i}.对企业给予{i}万元奖励。\n" for i in range(1, n + 1)),
    "percent run": lambda n: _HEAD + "提高" + "1%" * n + "。\n",
    "sums, no punctuation": lambda n: _HEAD + "对企业给予1万元奖励" * n + "\n",
    "quantity 、-list": lambda n: _HEAD + "对" + "、".join(f"{i}家" for i in range(n)) + "的企业给予支持。\n",
    "headings": lambda n: (
        _HEAD + "".join(f"({'一二三四五六七八九'[i % 9]})加强建设\n{i % 90 + 1}.给予补助\n" for i in range(n))
    ),
    "date lines": lambda n: _HEAD + "大连市科学技术局\n2018年5月16日\n" * n,
    "long line": lambda n: _HEAD + "加强科技创新能力建设支持企业发展" * n + "\n",
    "years and targets": lambda n: _HEAD + "到2025年新增高新技术企业500家" * n + "\n",
    "brackets": lambda n: _HEAD + "(" * n + "市科技局负责" + ")" * n + "\n",
    "same programme": lambda n: _HEAD + "".join(f"设立第{i}号科技成果转化天使投资基金。\n" for i in range(n)),
    "line of list labels": lambda n: _HEAD + "牵头单位:" * n + "\n",
    "long programme name": lambda n: _HEAD + "设立" + "科技" * n + "创新券。\n",
    "compact date lines": lambda n: _HEAD + "2018年5月16日\n" * n + "201974\n" * n,
    "scrambled joined lists": lambda n: (
        _HEAD + "加强.建设.企业.发展。" * 50 + "\n" + "责任单位,市科技局 市财政局 " * n + "\n"
    ),
    "scrambled page": lambda n: "\n".join([_scrambled_seed()] * n),
}


@cache
def _scrambled_seed() -> str:
    """The seed whose punctuation a converter scrambled (it takes the scrambled-page rules)."""
    return (SEEDS / "004_7f80bdea92671ae8.txt").read_text(encoding="utf-8")


# base size of each shape: some 50 ms on the project's machine (the bench times 1×, 2× and 4×
# of it, the tests 1× and 4×)
SHAPE_SIZES: dict[str, int] = {
    "digit run": 50_000,
    "市科技局、 list": 4000,
    "promise sentence": 4000,
    "promise sentence with sums": 1000,
    "promise sentences": 400,
    "measures with sums": 600,
    "percent run": 2000,
    "sums, no punctuation": 1000,
    "quantity 、-list": 4000,
    "headings": 600,
    "date lines": 1000,
    "long line": 2500,
    "years and targets": 1000,
    "brackets": 20_000,
    "same programme": 500,
    "line of list labels": 4000,
    "long programme name": 6000,
    "compact date lines": 900,
    "scrambled joined lists": 800,
    "scrambled page": 2,
}


def time_best(text: str, repeat: int = 3) -> float:
    """Best of `repeat` extractions of `text`, in seconds."""
    best = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        extract_text(text)
        best = min(best, time.perf_counter() - started)
    return best


def scaling(name: str, factors: tuple[int, ...] = (1, 2, 4), repeat: int = 3) -> list[tuple[int, float]]:
    """(size, best seconds) of one shape at its base size times each factor."""
    build, base = SHAPES[name], SHAPE_SIZES[name]
    return [(base * f, time_best(build(base * f), repeat)) for f in factors]


# ---------------------------------------------------------------- the big file


def big_policy(megabytes: float) -> str:
    """The seeds repeated into one document of about `megabytes` MB of UTF-8."""
    seeds = "\n".join(load_seeds())
    copies = max(1, round(megabytes * 1e6 / len(seeds.encode("utf-8"))))
    return "\n".join([seeds] * copies)


def _big_child(megabytes: float) -> None:
    """Run in a child process, so that its peak memory is the extraction's own."""
    seeds = load_seeds()
    for text in seeds:  # warm up: imports, OpenCC, the regex cache
        extract_text(text)
    rounds = []
    for _ in range(5):  # the seeds take 0.1 s: the best of five rounds, not one noisy reading
        started = time.perf_counter()
        for text in seeds:
            extract_text(text)
        rounds.append(time.perf_counter() - started)
    seeds_s = min(rounds)
    seeds_mb = sum(len(t.encode("utf-8")) for t in seeds) / 1e6
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    text = big_policy(megabytes)
    started = time.perf_counter()
    record = extract_text(text, "big")
    big_s = time.perf_counter() - started
    big_mb = len(text.encode("utf-8")) / 1e6
    print(
        json.dumps(
            {
                "mb": round(big_mb, 2),
                "seconds": round(big_s, 2),
                "s_per_mb": round(big_s / big_mb, 3),
                "seeds_s_per_mb": round(seeds_s / seeds_mb, 3),
                "ratio": round((big_s / big_mb) / (seeds_s / seeds_mb), 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "rss_before_mb": round(before_kb / 1024, 1),
                "instruments": len(record.instruments),
                "measures": len(record.measures),
                "problems": len(record_problems(text, record)),
            }
        )
    )


def big(megabytes: float) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--big-child", str(megabytes)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=3000, help="fuzz documents (default 3000)")
    parser.add_argument("--seed", type=int, default=0, help="fuzz random seed")
    parser.add_argument("--sizes", default="1,2,4", help="scaling factors of each shape's base size (default 1,2,4)")
    parser.add_argument("--repeat", type=int, default=3, help="timings per shape and size; the best is kept")
    parser.add_argument("--big-mb", type=float, default=12.0, help="size of the big policy file (default 12)")
    parser.add_argument("--only", choices=["fuzz", "scaling", "big"], action="append", help="run only these parts")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--big-child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.big_child is not None:
        _big_child(args.big_child)
        return 0
    parts = args.only or ["fuzz", "scaling", "big"]
    figures: dict[str, Any] = {}
    failed = False
    if "fuzz" in parts:
        print(f"(a) fuzz: {args.docs} mutated seed documents (seed {args.seed})")
        report = fuzz(args.docs, args.seed, progress=True)
        figures["fuzz"] = report.summary()
        for key, value in figures["fuzz"].items():
            print(f"  {key}: {value}")
        for line in (report.crashes + report.violations)[:20]:
            print(f"  ! {line}")
        failed |= bool(report.crashes or report.violations)
    if "scaling" in parts:
        factors = tuple(int(f) for f in args.sizes.split(","))
        print(f"(b) scaling: best of {args.repeat}, sizes × {factors}; ratio = (time / size) / that of the smallest")
        figures["scaling"] = {}
        for name in SHAPES:
            rows = scaling(name, factors, args.repeat)
            base_rate = rows[0][1] / rows[0][0]
            cells = "  ".join(f"{n:>7}: {t * 1000:7.1f} ms ({t / n / base_rate:4.2f})" for n, t in rows)
            print(f"  {name:<26} {cells}")
            figures["scaling"][name] = [{"size": n, "seconds": round(t, 4)} for n, t in rows]
    if "big" in parts:
        print(f"(c) big: the seeds repeated into one {args.big_mb:g} MB policy, in a child process")
        figures["big"] = big(args.big_mb)
        for key, value in figures["big"].items():
            print(f"  {key}: {value}")
        failed |= figures["big"]["problems"] > 0
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
