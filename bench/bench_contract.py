"""Schemathesis at length against policykg: every check, every phase, `--examples` per operation
(default 200), deterministic, one worker, on a real server (uvicorn on 127.0.0.1 with /sparql's
fast path and one SPARQL worker) over the graph of the seeds. The suite runs the same with 20
(tests/test_contract.py). Prints operations, examples, failures and seconds; `--json` for a line of
JSON; exits 1 if schemathesis found anything (its report is printed then).

    PYTHONPATH=. python bench/bench_contract.py [--examples 200] [--seed 0] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the hooks and the live server the contract test uses

from contract_hooks import run_schemathesis  # noqa: E402
from live_server import LiveServer  # noqa: E402

from api.app import create_app  # noqa: E402
from api.serving import load_served_graph  # noqa: E402
from api.sparql import SparqlService  # noqa: E402
from api.sparql.protocol import sparql_protocol  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="examples per operation and phase")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the figures as one line of JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        served = load_served_graph(ROOT / "seeds", Path(cache))
        service = SparqlService(served.store_path, timeout_s=10.0, max_rows=1000, workers=1)
        service.launch()
        try:
            with LiveServer(create_app(served, service), http=sparql_protocol(service)) as server:
                figures = run_schemathesis(server.base, args.examples, args.seed)
        finally:
            service.close()
    output = figures.pop("output")
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{figures['operations']} operations, {figures['examples']} examples, {figures['failures']} failures, "
              f"{figures['seconds']} s (max {figures['max_examples']} examples per operation and phase)")
    if figures["exit_code"] != 0:
        print(output, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
