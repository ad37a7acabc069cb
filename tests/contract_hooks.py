"""Schemathesis against a running policykg: what the contract test and bench/bench_contract.py share.

`run_schemathesis(base, examples)` runs `schemathesis run` (every check, every phase: examples,
coverage, fuzzing, stateful; one worker, a fixed seed, deterministic generation) against
`base`/openapi.json, with this module as its hooks (SCHEMATHESIS_HOOKS), and returns its figures.

The hooks say what JSON Schema cannot: which strings are SPARQL queries (the format `sparql-query`
of /sparql's `query`, api/sparql/contract.py), and that a query's form decides which formats apply
(a SELECT in Turtle is rightly a 400, whatever the schema).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import strategies as st

from api.sparql.formats import FORMATS, QUERY_FORM_KINDS

CITY = "<https://schema.org/City>"
NAME = "<https://schema.org/name>"
# queries of the four forms, small enough to run at once
SPARQL_QUERIES = st.one_of(
    st.integers(0, 50).map(lambda n: f"SELECT ?city ?name WHERE {{ ?city a {CITY} ; {NAME} ?name }} LIMIT {n}"),
    st.integers(0, 50).map(lambda n: f"SELECT * WHERE {{ ?s ?p ?o }} OFFSET {n} LIMIT 5"),
    st.sampled_from(["ASK {}", f"ASK {{ ?city a {CITY} }}", f"SELECT (COUNT(*) AS ?n) WHERE {{ ?city a {CITY} }}"]),
    st.integers(1, 20).map(lambda n: f"CONSTRUCT {{ ?city {NAME} ?name }} WHERE {{ ?city {NAME} ?name }} LIMIT {n}"),
    st.sampled_from([f"DESCRIBE ?city WHERE {{ ?city a {CITY} }} LIMIT 1",
                     "DESCRIBE <https://w3id.org/policykg/id/nothing-here>"]),
)
schemathesis.openapi.format("sparql-query", SPARQL_QUERIES)
FORM = re.compile(r"^\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b")


def format_fits(query: Any, format: Any) -> bool:
    """False for one of these queries asked in a format of the other kind (turtle for a SELECT)."""
    if not isinstance(query, str) or not isinstance(format, str) or not (form := FORM.match(query)):
        return True
    kind = QUERY_FORM_KINDS[form.group(1)]
    chosen = [f for f in FORMATS if format.strip().lower() in f.names + f.accepts]
    return not chosen or any(kind in f.kinds for f in chosen)


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    if case.operation.path != "/sparql":
        return True
    query, format = (case.query or {}).get("query"), (case.query or {}).get("format")
    if isinstance(case.body, dict):
        query, format = case.body.get("query", query), case.body.get("format", format)
    elif isinstance(case.body, str):
        query = case.body
    return format_fits(query, format)


def run_schemathesis(base: str, examples: int, seed: int = 0) -> dict[str, Any]:
    """Figures of one run: operations, examples (test cases), failures, seconds, the exit code and
    the CLI's output."""
    tests = str(Path(__file__).resolve().parent)
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "contract_hooks", "NO_COLOR": "1",
           "PYTHONPATH": os.pathsep.join([tests, root, os.environ.get("PYTHONPATH", "")])}
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "run.json"
        command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(Path(tests) / "schemathesis.toml"),
                   "run", f"{base}/openapi.json", "--checks", "all",
                   "--max-examples", str(examples), "--seed", str(seed), "--generation-deterministic",
                   "--workers", "1", "--no-color", "--report", "json", "--report-json-path", str(report)]
        began = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800, cwd=folder)
        seconds = time.perf_counter() - began
        figures = _figures(json.loads(report.read_text())) if report.exists() else {}
    output = done.stdout + done.stderr
    summary = re.search(r"(\d+) generated, .*", output)
    failures = re.search(r"(\d+) failures?\b", output)
    return {
        "operations": figures.get("operations"),
        "examples": figures.get("examples") or (int(summary.group(1)) if summary else None),
        "failures": figures.get("failures", int(failures.group(1)) if failures else None),
        "errors": figures.get("errors"),
        "seconds": round(seconds, 1),
        "max_examples": examples,
        "exit_code": done.returncode,
        "output": output,
    }


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    """What the JSON run report counts."""
    cases = report.get("test_cases", {})
    return {"operations": report.get("operations", {}).get("tested"), "examples": cases.get("generated"),
            "failures": cases.get("unique_failures"), "errors": len(report.get("errors", []))}
