#!/usr/bin/env bash
# Benchmark `policykg build` on the seeds: wall time and peak memory under GNU time, against the
# targets (under 3 s wall, under 300 MB max RSS), plus extraction alone (`policykg extract`).
# With CITIES set, instead: build N-city corpora made from the seeds (bench/make_corpus.py), cold
# and warm, against the scale targets (bench/scale_build.py).
#
#   bash bench/bench_build.sh            # uses .venv/bin/policykg, else policykg on PATH
#   RUNS=5 POLICYKG=/path/to/policykg bash bench/bench_build.sh
#   CITIES="30 300" bash bench/bench_build.sh
set -euo pipefail

cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/time ]; then
    echo "bench: /usr/bin/time (GNU time) is missing; install it with: apt-get install -y time" >&2
    exit 2
fi

policykg="${POLICYKG:-}"
if [ -z "$policykg" ]; then
    if [ -x .venv/bin/policykg ]; then
        policykg=.venv/bin/policykg
    elif command -v policykg > /dev/null; then
        policykg="$(command -v policykg)"
    else
        echo "bench: policykg is not installed; first run: python3 -m venv .venv && .venv/bin/pip install ." >&2
        exit 2
    fi
fi
python="$(dirname "$policykg")/python"
[ -x "$python" ] || python=python3

if [ -n "${CITIES:-}" ]; then
    # shellcheck disable=SC2086  # CITIES is a list of numbers
    exec "$python" bench/scale_build.py --policykg "$policykg" --cities $CITIES
fi
exec "$python" bench/timing.py --policykg "$policykg" --runs "${RUNS:-3}" --seeds "${SEEDS:-seeds}"
