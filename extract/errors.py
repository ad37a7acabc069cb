"""Errors that name the file and the problem, so one bad document never hides the others."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """A document that cannot be read as a Chinese policy text."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
