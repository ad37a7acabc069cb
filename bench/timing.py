"""Run policykg commands under GNU time and check wall time and peak memory against targets.

Called by bench_build.sh; prints one line per run and a verdict, exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

WALL_TARGET_S = 3.0
RSS_TARGET_MB = 300.0


@dataclass(frozen=True)
class Timing:
    wall_s: float
    max_rss_mb: float
    exit_code: int


def parse_gnu_time(report: str) -> tuple[float, float]:
    """Wall seconds and max RSS (MB) from `/usr/bin/time -v` output."""
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", report)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    if not wall or not rss:
        raise ValueError(f"cannot read GNU time's report:\n{report}")
    seconds = 0.0
    for part in wall.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    return seconds, int(rss.group(1)) / 1024


def run_timed(command: list[str]) -> Timing:
    with tempfile.NamedTemporaryFile(mode="r", suffix=".time") as report:
        completed = subprocess.run(
            ["/usr/bin/time", "-v", "-o", report.name, *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        wall, rss = parse_gnu_time(Path(report.name).read_text())
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
    return Timing(wall, rss, completed.returncode)


def bench(name: str, command: list[str], runs: int) -> list[Timing]:
    print(f"{name}: {' '.join(command)}")
    timings = []
    for run in range(1, runs + 1):
        t = run_timed(command)
        label = "first" if run == 1 else "again"
        print(f"  run {run} ({label}): wall {t.wall_s:.2f} s, max RSS {t.max_rss_mb:.0f} MB, exit {t.exit_code}")
        timings.append(t)
    walls = [t.wall_s for t in timings]
    rss = [t.max_rss_mb for t in timings]
    print(f"  median wall {statistics.median(walls):.2f} s (worst {max(walls):.2f} s), max RSS {max(rss):.0f} MB")
    return timings


def time_extraction_in_process(documents: list[str]) -> None:
    """Per-document extraction time inside one interpreter, without process start-up and imports.

    The first document also pays for lazy loads (OpenCC tables, dictionaries), so it is shown apart.
    """
    started = time.perf_counter()
    from extract.pipeline import extract_file

    print(f"extract in process: import {time.perf_counter() - started:.2f} s")
    total = 0.0
    for document in documents:
        started = time.perf_counter()
        record = extract_file(document)
        elapsed = time.perf_counter() - started
        total += elapsed
        print(f"  {Path(document).name}: {elapsed * 1000:.0f} ms ({len(record.instruments)} instruments)")
    print(f"  all {len(documents)} documents: {total:.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--policykg", default="policykg")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seeds", default="seeds")
    args = parser.parse_args()

    documents = sorted(str(p) for p in Path(args.seeds).glob("*.txt"))
    with tempfile.TemporaryDirectory(prefix="policykg-bench-") as out:
        build = bench("build", [args.policykg, "build", args.seeds, "--out", out], args.runs)
    extract = bench("extract only", [args.policykg, "extract", *documents], args.runs)
    try:
        time_extraction_in_process(documents)
    except ImportError:
        print("extract in process: skipped (run bench_build.sh with the venv policykg is installed in)")

    failed = [t for t in build + extract if t.exit_code != 0]
    worst_wall = max(t.wall_s for t in build)
    worst_rss = max(t.max_rss_mb for t in build)
    wall_ok = worst_wall < WALL_TARGET_S
    rss_ok = worst_rss < RSS_TARGET_MB
    print(
        f"targets for build: wall < {WALL_TARGET_S:.0f} s: {'ok' if wall_ok else 'MISSED'} (worst {worst_wall:.2f} s); "
        f"max RSS < {RSS_TARGET_MB:.0f} MB: {'ok' if rss_ok else 'MISSED'} (worst {worst_rss:.0f} MB)"
    )
    if failed:
        print(f"{len(failed)} run(s) exited non-zero")
    return 0 if wall_ok and rss_ok and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
