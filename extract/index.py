"""Sorted positions of a pattern's matches, so a component asks about a span by bisection
instead of searching the span again for every fact in it (which made long sentences and long
lines quadratic)."""

from __future__ import annotations

import bisect
import re


def positions(pattern: re.Pattern[str], text: str) -> list[int]:
    """Start of every match of `pattern` in `text`, in order."""
    return [m.start() for m in pattern.finditer(text)]


def first_at_or_after(sorted_positions: list[int], pos: int) -> int | None:
    i = bisect.bisect_left(sorted_positions, pos)
    return sorted_positions[i] if i < len(sorted_positions) else None


def last_before(sorted_positions: list[int], pos: int) -> int:
    """The last position < `pos`, or -1 (as `str.rfind` answers)."""
    i = bisect.bisect_left(sorted_positions, pos)
    return sorted_positions[i - 1] if i else -1


class Occurrences:
    """Where a pattern of plain words occurs in a text, to ask whether it occurs inside a span.

    Exact, compared with searching the span itself, for patterns without anchors or lookarounds
    whose matches cannot straddle the span's edges (the callers' spans start after a separator or
    a line break and end before a number, which the patterns' words do not hold)."""

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        found = [(m.start(), m.end()) for m in pattern.finditer(text)]
        self.starts = [a for a, _ in found]
        self.ends = [b for _, b in found]

    def within(self, start: int, end: int) -> bool:
        """Some match lies in text[start:end]."""
        i = bisect.bisect_left(self.starts, start)
        return i < len(self.starts) and self.ends[i] <= end
