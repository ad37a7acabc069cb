"""The vendored vis-network build: where it lies in the package, its URL when served, its text for
inlining. See assets/vis-network/<version>/README.md for its origin and licence."""

from __future__ import annotations

from functools import cache
from pathlib import Path

VIS_NETWORK_VERSION = "10.1.5"
ASSETS_DIR = Path(__file__).parent / "assets"
VIS_NETWORK_DIR = ASSETS_DIR / "vis-network"
STATIC_PREFIX = "/static/vis-network"  # where api.app mounts VIS_NETWORK_DIR


def vis_network_js_path() -> Path:
    return VIS_NETWORK_DIR / VIS_NETWORK_VERSION / "vis-network.min.js"


def vis_network_js_url() -> str:
    return f"{STATIC_PREFIX}/{VIS_NETWORK_VERSION}/vis-network.min.js"


@cache
def vis_network_js_inline() -> str:
    """The library's text, fit to sit inside a <script> element of a self-contained file: the
    source-map comment (pointing at a file the page does not have) is dropped."""
    text = vis_network_js_path().read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("//# sourceMappingURL=")]
    text = "\n".join(lines)
    if "</script" in text.lower() or "<!--" in text:
        raise ValueError("vis-network.min.js cannot be inlined as it is: it contains </script or <!--")
    return text
