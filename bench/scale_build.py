"""Time `policykg build` on N-city corpora (bench/make_corpus.py) against the issue-9 targets.

    python bench/scale_build.py --cities 30 300            # called by bench_build.sh with CITIES set

For each N: make the corpus, then build it twice, cold (an empty record cache: every document is
extracted) and warm (the per-document cache of the cold run: only the graph is built). Each run
reports wall time, CPU time (user + system, children included), the largest RSS of one process
(GNU time) and the peak of PSS summed over the process tree (the build and its extraction workers,
sampled every 0.1 s from /proc/PID/smaps_rollup). Targets, on the largest N: cold build ≤ 180 s
wall and ≤ 1.5 GB peak PSS; the cost per city (wall of the cold build / N) at the largest N no more
than 1.3 times that at the smallest.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import make_corpus  # noqa: E402
from timing import parse_gnu_time  # noqa: E402

WALL_TARGET_S = 180.0
PSS_TARGET_MB = 1536.0
PER_CITY_RATIO = 1.3


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    peak_pss_mb: float
    exit_code: int


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        found: list[int] = []
        for task in tasks:
            found += [int(c) for c in (task / "children").read_text().split()]
        return found
    except OSError:
        return []


def tree_pss_mb(root: int) -> float:
    """PSS of `root` and all its descendants, in MB (processes gone mid-read count 0)."""
    total_kb, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
                    break
        except OSError:
            continue
        stack += _children(pid)
    return total_kb / 1024


def timed_build(policykg: str, corpus: Path, out: Path, cache: Path) -> Run:
    with tempfile.NamedTemporaryFile(mode="r", suffix=".time") as report:
        command = ["/usr/bin/time", "-v", "-o", report.name, policykg, "build", str(corpus), "--out", str(out),
                   "--cache-dir", str(cache)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peak = [0.0]

        def sample() -> None:
            while process.poll() is None:
                peak[0] = max(peak[0], tree_pss_mb(process.pid))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, stderr = process.communicate()
        sampler.join()
        text = Path(report.name).read_text()
    if process.returncode != 0:
        sys.stderr.write(stderr[-2000:])
    wall, rss = parse_gnu_time(text)
    cpu = sum(float(line.split(":")[1]) for line in text.splitlines()
              if line.strip().startswith(("User time", "System time")))
    return Run(wall, cpu, rss, peak[0], process.returncode)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", type=int, nargs="+", default=[30, 300])
    parser.add_argument("--policykg", default="policykg")
    parser.add_argument("--keep", type=Path, help="keep corpora and builds under this directory")
    args = parser.parse_args()

    scratch = args.keep or Path(tempfile.mkdtemp(prefix="policykg-scale-"))
    cold: dict[int, Run] = {}
    try:
        for cities in sorted(args.cities):
            corpus = scratch / f"corpus-{cities}"
            documents = make_corpus(cities, corpus, Path(__file__).resolve().parents[1] / "seeds")
            megabytes = sum(p.stat().st_size for p in documents) / 1e6
            cache = scratch / f"cache-{cities}"
            shutil.rmtree(cache, ignore_errors=True)
            print(f"{cities} cities: {len(documents)} documents, {megabytes:.1f} MB", flush=True)
            for label in ("cold", "warm"):
                run = timed_build(args.policykg, corpus, scratch / f"out-{cities}", cache)
                print(f"  {label}: wall {run.wall_s:6.1f} s, cpu {run.cpu_s:6.1f} s, max RSS {run.max_rss_mb:5.0f} MB, "
                      f"peak PSS (tree) {run.peak_pss_mb:5.0f} MB, {run.wall_s / cities:.2f} s a city, "
                      f"exit {run.exit_code}", flush=True)
                if label == "cold":
                    cold[cities] = run
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)

    smallest, largest = min(cold), max(cold)
    top = cold[largest]
    ratio = (top.wall_s / largest) / (cold[smallest].wall_s / smallest)
    cpu_ratio = (top.cpu_s / largest) / (cold[smallest].cpu_s / smallest)
    checks = {
        f"{largest} cities cold ≤ {WALL_TARGET_S:.0f} s wall": top.wall_s <= WALL_TARGET_S,
        f"{largest} cities cold ≤ {PSS_TARGET_MB:.0f} MB peak PSS": top.peak_pss_mb <= PSS_TARGET_MB,
        f"cost a city at {largest} ≤ {PER_CITY_RATIO}× at {smallest} (wall {ratio:.2f}×, cpu {cpu_ratio:.2f}×)":
            ratio <= PER_CITY_RATIO,
        "every run exited 0": all(r.exit_code == 0 for r in cold.values()),
    }
    for name, ok in checks.items():
        print(f"{'ok    ' if ok else 'MISSED'} {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
