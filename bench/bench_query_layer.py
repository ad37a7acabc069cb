"""The query layer (graph/answers.py over graph/queries/*.rq) on a graph of N cities, in process.

    python bench/bench_query_layer.py [--cities 30] [--rounds 5] [--threads 2]

The graph is the seeds' N-Triples (from their cached build) copied once per city: every IRI of a
document, city or agency gets the copy's prefix and the four seed cities become one city 城<k>,
so each city has the seeds' five documents (the corpora of issue 9, made at the triple level in
seconds instead of by extraction). Reported: loading it into an in-memory Oxigraph store, computing
the precomputed answers (matrix, 24 comparisons, the lists), then the median and worst time of each
answer computed per request (a city, a policy, the agencies of a city, an indicator, a question),
and the same answers asked from `--threads` threads at once, to see whether they run in parallel.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.search import QuestionReader, answer_json  # noqa: E402
from api.serving import load_served_graph  # noqa: E402
from graph import answers  # noqa: E402
from graph.compare import compare  # noqa: E402
from graph.source import LocalSource  # noqa: E402

PER_DOCUMENT = re.compile(r"(https://w3id\.org/policykg/id/(?:policy|doc|city|agency|cited)/)")
SEED_CITIES = re.compile("大连|威海|盘锦|鞍山")


def scaled_ntriples(seed: bytes, cities: int) -> bytes:
    shared, own = [], []
    for line in seed.decode("utf-8").splitlines():
        (own if PER_DOCUMENT.search(line) else shared).append(line)
    lines = list(shared)
    for k in range(cities):
        name = f"城{k:03d}"
        for line in own:
            line = PER_DOCUMENT.sub(rf"\g<1>c{k:03d}_", line)
            line = line.replace('.txt"', f'.{k:03d}.txt"')  # the document's file name
            lines.append(SEED_CITIES.sub(name, line))
    return ("\n".join(lines) + "\n").encode("utf-8")


def timed(call: Callable[[], Any], rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    seed = load_served_graph(ROOT / "seeds", Path(tempfile.mkdtemp(prefix="bench-ql-"))).ntriples
    ntriples = scaled_ntriples(seed, args.cities)
    began = time.perf_counter()
    source = LocalSource.from_ntriples(ntriples)
    triples = ntriples.count(b"\n")
    print(f"{args.cities} cities, {triples:,} triples: loaded in {time.perf_counter() - began:.2f} s")
    began = time.perf_counter()
    stored = answers.precompute_answers(source)
    print(
        f"precomputed {len(stored)} answers ({sum(map(len, stored.values())) / 1e6:.1f} MB) "
        f"in {time.perf_counter() - began:.2f} s"
    )
    began = time.perf_counter()
    reader = QuestionReader(source, stored)  # as the analyst lane makes it
    print(f"question reader (vocabulary) ready in {(time.perf_counter() - began) * 1000:.0f} ms")

    city = f"城{args.cities // 2:03d}"
    policy = f"001_44c0e93a09a44987.{args.cities // 2:03d}"
    calls: dict[str, Callable[[], Any]] = {
        "compare (not precomputed)": lambda: compare(source, "孵化器"),
        "city detail": lambda: answers.city_detail(source, city),
        "policy detail": lambda: answers.policy_detail(source, policy),
        "agencies of a city": lambda: answers.agencies(source, city),
        "targets (not precomputed)": lambda: answers.compare_targets(source, "高新技术企业"),
        "search (agency)": lambda: answer_json(reader, f"{city}市科技局"),
        "search (compare)": lambda: answer_json(reader, "哪些城市资助孵化器"),
        "search (a city's vouchers)": lambda: answer_json(reader, f"{city} 创新券"),
        "search (a city)": lambda: answer_json(reader, city),
    }
    for name, call in calls.items():
        median, worst = timed(call, args.rounds)
        print(f"  {name:28} median {median:8.1f} ms   worst {worst:8.1f} ms")
    work = [calls["city detail"], calls["agencies of a city"], calls["targets (not precomputed)"]] * args.rounds
    for threads in sorted({1, args.threads}):
        with ThreadPoolExecutor(threads) as pool:
            began = time.perf_counter()
            list(pool.map(lambda call: call(), work))
            print(f"  {len(work)} answers on {threads} thread(s): {time.perf_counter() - began:.2f} s")


if __name__ == "__main__":
    main()
