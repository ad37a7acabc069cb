"""Extraction speed of this working tree against an earlier revision, side by side in one run.

    python bench/bench_extract_revisions.py --base 2781a1b            # seeds, 5 rounds
    python bench/bench_extract_revisions.py --base HEAD~3 --copies 20 --rounds 7

The base revision is checked out into a temporary git worktree. Each round extracts the same
documents (the seeds, repeated `--copies` times as separate texts) once with each tree, in a fresh
interpreter per tree and round, taking turns so that a busy spell of the machine hits both; the
figure of a tree is its median seconds per MB of UTF-8 text over the rounds, and its best round
(on a virtual machine whose rounds vary by ±30%, the best is the steadier estimate). Start-up and imports
are not timed, only `extract_text` over the documents, in CPU seconds of the child (a busy
neighbour on a shared machine slows wall time far more than CPU time).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from extract.pipeline import extract_text
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[2]).glob("*.txt"))] * int(sys.argv[3])
extract_text(texts[0])  # warm: lexicon and taxonomy loaded, regexes compiled
began = time.process_time()
for text in texts:
    extract_text(text)
print(time.process_time() - began, sum(len(t.encode("utf-8")) for t in texts))
"""


def seconds_per_mb(tree: Path, copies: int) -> float:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(tree), str(ROOT / "seeds"), str(copies)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),  # not the repo: the child imports only the tree it is given
    ).stdout.split()
    seconds, size = float(out[0]), int(out[1])
    return seconds / (size / 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="git revision to compare against")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--copies", type=int, default=10, help="times the seeds are extracted per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base], check=True)
        try:
            times: dict[str, list[float]] = {"base": [], "working tree": []}
            for round_ in range(args.rounds):
                order = [("base", base), ("working tree", ROOT)]
                for name, tree in order if round_ % 2 == 0 else reversed(order):
                    times[name].append(seconds_per_mb(tree, args.copies))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=True)
    base_median, ours = statistics.median(times["base"]), statistics.median(times["working tree"])
    for name, values in times.items():
        print(f"{name:>12}: median {statistics.median(values):.3f} s/MB  (rounds: {', '.join(f'{v:.3f}' for v in values)})")
    print(f"working tree / base ({args.base}): median {ours / base_median:.3f}, "
          f"best {min(times['working tree']) / min(times['base']):.3f} (best of rounds: robust to a noisy neighbour)")


if __name__ == "__main__":
    main()
