"""Read a policy file into text, or fail with an error that names the file and the problem."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import InputError

_CJK = re.compile(r"[\u3400-\u9fff]")
# Below this many Chinese characters a file cannot be a policy document.
MIN_CJK_CHARS = 20


def decode(data: bytes, path: str | Path) -> tuple[str, str]:
    """Decode bytes as UTF-8, or GB18030 where UTF-8 fails; return (text, encoding)."""
    if not data.strip():
        raise InputError(path, "empty file: no text to extract")
    if b"\x00" in data[:8192]:
        raise InputError(path, "binary file (NUL bytes): not a text document")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        utf8_error = err
    if utf8_error.reason == "unexpected end of data" and utf8_error.start >= len(data) - 3:
        raise InputError(
            path,
            f"truncated file: it ends in the middle of a UTF-8 character at byte {utf8_error.start}",
        )
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise InputError(
            path,
            f"not UTF-8 or GB18030 text (undecodable byte at offset {utf8_error.start})",
        ) from None


def check_chinese(text: str, path: str | Path) -> None:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    if controls > max(10, len(text) // 50):
        raise InputError(path, f"binary file: {controls} control characters in the text")
    cjk = len(_CJK.findall(text))
    if cjk < MIN_CJK_CHARS:
        raise InputError(
            path,
            f"no Chinese text: {cjk} Chinese characters in {len(text)} (a policy needs at least {MIN_CJK_CHARS})",
        )


def read_text(path: str | Path) -> tuple[str, str]:
    """Read and validate one document; return (original text, encoding)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(path, f"cannot read file: {err.strerror or err}") from None
    text, encoding = decode(data, path)
    check_chinese(text, path)
    return text, encoding
