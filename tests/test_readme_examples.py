"""The README's curl examples work as printed: each `curl` against http://127.0.0.1:8000 in a
```bash block is run by bash, unchanged but for the port, against a real `policykg serve` of the
seeds, and must answer 200 with a body. Examples that helpers add later are picked up the same way."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PRINTED_BASE = "127.0.0.1:8000"


def readme_curl_commands(text: str) -> list[str]:
    """Every curl command of the README's bash blocks that asks the default server, its
    backslash-continued lines joined."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for command in re.sub(r"\\\n\s*", " ", block).splitlines():
            command = command.strip()
            if command.startswith("curl ") and PRINTED_BASE in command:
                commands.append(command)
    return commands


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`policykg serve` as the README starts it, on a free port and a fresh cache."""
    port = free_port()
    cache = tmp_path_factory.mktemp("cache")
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--cache-dir", str(cache)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else "serve exited"
            try:
                if httpx.get(base + "/health", trust_env=False, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not become ready"
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


COMMANDS = readme_curl_commands(README.read_text(encoding="utf-8"))


def test_the_readme_has_curl_examples_with_chinese() -> None:
    assert len(COMMANDS) >= 3
    assert any(re.search(r"[\u4e00-\u9fff]", c) for c in COMMANDS)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("command", COMMANDS)
def test_a_readme_example_answers_as_printed(server: str, command: str, tmp_path: Path) -> None:
    # curl reads $CURL_HOME/.curlrc: the status is written after the body, the command stays as printed
    (tmp_path / ".curlrc").write_text('write-out = "\\n@@status %{http_code}"\n', encoding="utf-8")
    work = tmp_path / "work"  # as in a clone: docs/ at hand, and files written here, not in the clone
    work.mkdir()
    (work / "docs").symlink_to(ROOT / "docs")
    run = subprocess.run(
        ["bash", "-c", command.replace(PRINTED_BASE, server)],
        cwd=work,
        capture_output=True,
        timeout=60,
        env={**os.environ, "CURL_HOME": str(tmp_path), "no_proxy": "*"},
    )
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    body, _, status = run.stdout.rpartition(b"\n@@status ")
    assert status == b"200", (status, body[:300])
    written = [p for p in work.iterdir() if p.name != "docs"]  # `-o FILE`
    assert body.strip() or (written and all(p.stat().st_size > 0 for p in written)), "empty answer"
