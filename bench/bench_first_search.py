"""The first /search after start-up: the graph's vocabulary scanned, with jieba cutting over the
vocabulary alone (what api/search.py does), against jieba with its general dictionary warmed in the
background, and how the two read the same questions.

    python bench/bench_first_search.py [--data seeds] [--runs 5]

Each option runs `--runs` times, each in a fresh interpreter (jieba's dictionary is loaded once
per process), on the cached build of DATA:

- vocabulary: start-up builds the analyst lane (precomputed answers, the vocabulary query and a
  jieba tokenizer whose dictionary is that vocabulary); the first question is asked as soon as it
  is ready;
- jieba, warmed: a thread starts loading jieba's dictionary (and the same vocabulary as its user
  words) when start-up begins; the first question is asked when the lane is ready and waits for
  the thread if it has not finished;
- jieba, lazy: jieba loads on the first question (what the server did before).

"first question" is the time from ready to the answer. Then both readers read the same questions
(every city × instrument-type label, agency, indicator, the test questions) and the script counts
those they understand differently (intent, types, cities, agencies, indicators).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTION = "哪些城市资助孵化器"


def jieba_reader(vocabulary: Any, tmp: str) -> Any:
    """A jieba tokenizer with the vocabulary as user words (the reader api/search.py had before)."""
    import jieba

    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir, tokenizer.cache_file = tmp, "jieba.cache"
    for by_word in vocabulary.words.values():
        for word in by_word:
            tokenizer.add_word(word, freq=100_000)
    tokenizer.initialize()
    return tokenizer


def read_with_jieba(reader: Any, tokenizer: Any, question: str) -> Any:
    """`QuestionReader.read` with jieba's tokens as the words mentioned."""
    from api import search

    mentions = search.Vocabulary.mentions
    try:
        search.Vocabulary.mentions = lambda self, text: [  # type: ignore[method-assign]
            t for t in tokenizer.lcut(text) if any(t in words for words in self.words.values())
        ]
        return reader.read(question)
    finally:
        search.Vocabulary.mentions = mentions  # type: ignore[method-assign]


def one_run(option: str, data: Path, cache: Path) -> dict[str, float]:
    began = time.perf_counter()
    from api.lane import AnalystLane
    from api.search import Vocabulary, answer
    from api.serving import load_served_graph

    served = load_served_graph(data, cache)
    warm: list[Any] = []
    thread = None
    tmp = str(cache / "jieba")  # kept across runs, as the server keeps its own: jieba loads its cache
    Path(tmp).mkdir(mode=0o700, exist_ok=True)
    if option == "jieba-warmed":
        vocabulary = Vocabulary.of(served.source)
        thread = threading.Thread(target=lambda: warm.append(jieba_reader(vocabulary, tmp)), daemon=True)
        thread.start()
    lane = AnalystLane(served.source)
    ready = time.perf_counter()
    if option == "vocabulary":
        answer(lane.reader, QUESTION)
    else:
        if thread is None:
            warm.append(jieba_reader(lane.reader.vocabulary, tmp))
        else:
            thread.join()
        understood = read_with_jieba(lane.reader, warm[0], QUESTION)
        assert understood.intent() == "compare"
        answer(lane.reader, QUESTION)  # the table, as the route gives it
    done = time.perf_counter()
    return {"ready_s": ready - began, "first_question_ms": (done - ready) * 1000}


def questions(reader: Any) -> list[str]:
    words = reader.vocabulary.words
    cities = sorted(set(words.get("city", {}).values()))
    asked = ["哪些城市资助孵化器", "大连 创新券", "which cities fund innovation vouchers", "高新技术企业目标"]
    asked += [f"{c}{label}" for c in cities for label in sorted(words.get("instrument_type", {}))]
    asked += [f"{c}市{label}" for c in cities[:2] for label in sorted(words.get("instrument_type", {}))]
    asked += [f"{name}牵头哪些措施" for name in sorted(words.get("agency", {}))]
    asked += [f"{label}目标" for label in sorted(words.get("indicator", {}))]
    return asked


def compare_readings(data: Path, cache: Path) -> dict[str, Any]:
    from api.search import QuestionReader
    from api.serving import load_served_graph

    served = load_served_graph(data, cache)
    reader = QuestionReader(served.source)
    (cache / "jieba").mkdir(mode=0o700, exist_ok=True)
    tokenizer = jieba_reader(reader.vocabulary, str(cache / "jieba"))
    differ = []
    asked = questions(reader)
    for question in asked:
        by_vocabulary = reader.read(question).to_dict()
        by_jieba = read_with_jieba(reader, tokenizer, question).to_dict()
        del by_vocabulary["tokens"], by_jieba["tokens"]
        if by_vocabulary != by_jieba:
            differ.append({"question": question, "vocabulary": by_vocabulary, "jieba": by_jieba})
    return {"questions": len(asked), "read_differently": len(differ), "examples": differ[:8]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "seeds")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=None, help="build cache (default: a fresh temp dir)")
    parser.add_argument("--option", help=argparse.SUPPRESS)
    args = parser.parse_args()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="bench-first-search-"))
    if args.option:
        print(json.dumps(one_run(args.option, args.data, cache)))
        return
    from api.serving import load_served_graph

    load_served_graph(args.data, cache)  # build once: every run starts from the cached build
    compare_readings(args.data, cache)  # and jieba writes its dictionary cache once
    for option in ("vocabulary", "jieba-warmed", "jieba-lazy"):
        runs = []
        for _ in range(args.runs):
            command = [sys.executable, __file__, "--option", option, "--data", str(args.data), "--cache", str(cache)]
            runs.append(json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout))
        first = [r["first_question_ms"] for r in runs]
        ready = [r["ready_s"] for r in runs]
        print(
            f"{option:13} ready {statistics.median(ready):.2f} s   first question "
            f"median {statistics.median(first):7.1f} ms  worst {max(first):7.1f} ms"
        )
    print(json.dumps(compare_readings(args.data, cache), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
