"""The original text of a document with one span highlighted: where every number can be checked."""

from __future__ import annotations

import html
from typing import Any

CONTEXT_CHARS = 200


class SpanOutOfRange(ValueError):
    pass


def check_span(text: str, start: int, end: int) -> None:
    if not 0 <= start <= end <= len(text):
        raise SpanOutOfRange(f"span {start}-{end} is outside the document (0-{len(text)})")


def source_json(doc: str, text: str, start: int, end: int) -> dict[str, Any]:
    check_span(text, start, end)
    return {
        "doc": doc,
        "start": start,
        "end": end,
        "quote": text[start:end],
        "before": text[max(0, start - CONTEXT_CHARS) : start],
        "after": text[end : end + CONTEXT_CHARS],
        "length": len(text),
    }


def source_html(doc: str, text: str, start: int, end: int) -> str:
    check_span(text, start, end)
    body = html.escape(text[:start]) + f'<mark id="hit">{html.escape(text[start:end])}</mark>' + html.escape(text[end:])
    title = html.escape(f"{doc} [{start}:{end}]")
    return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif; margin: 2rem; }}
pre {{ white-space: pre-wrap; line-height: 1.7; font-family: inherit; }}
mark {{ background: #ffe066; padding: 0 2px; }}
header {{ position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ddd; padding: .5rem 0; }}
</style></head>
<body><header><strong>{html.escape(doc)}</strong> · characters {start}–{end} of {len(text)}
(offsets into the original text)</header>
<pre>{body}</pre>
<script>document.getElementById("hit").scrollIntoView({{block: "center"}});</script>
</body></html>"""
