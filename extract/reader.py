"""Read a policy file into text, or fail with an error that names the file and the problem.

UTF-8 and GB18030 are read as they are; UTF-8 and UTF-16 (LE or BE) with a byte-order mark too.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from .errors import InputError

_CJK = re.compile(r"[\u3400-\u9fff]")
# Below this many Chinese characters a file cannot be a policy document.
MIN_CJK_CHARS = 20


# Byte-order marks, longest first. A BOM is not part of the text: it is dropped, so the offsets
# that facts carry count characters of the text as read (with or without a BOM alike).
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes, path: str | Path) -> tuple[str, str]:
    """Decode bytes as UTF-8, or GB18030 where UTF-8 fails, or by their BOM; return (text, encoding).

    UTF-16 is only recognised by its BOM (LE or BE): without one it is called binary, its NUL bytes
    being all that tell it apart from a binary file. The BOM itself is not part of the text.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_with_bom(data[len(bom) :], encoding, path)
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


def _decode_with_bom(body: bytes, encoding: str, path: str | Path) -> tuple[str, str]:
    """Decode what follows a BOM; byte offsets in errors count from the start of the file, BOM included."""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    name = "UTF-8" if codec == "utf-8" else codec.upper().replace("-LE", " LE").replace("-BE", " BE")
    bom_length = 3 if codec == "utf-8" else 2
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as err:
        at = bom_length + err.start
        if err.reason in {"unexpected end of data", "truncated data"} and err.end >= len(body):
            raise InputError(path, f"truncated file: it ends in the middle of a {name} character at byte {at}") from None
        raise InputError(path, f"not {name} text despite its {name} byte-order mark (undecodable bytes at offset {at})") from None
    if not text.strip():
        raise InputError(path, "empty file: no text to extract")
    if "\x00" in text[:4096]:
        raise InputError(path, f"binary file (NUL characters after a {name} byte-order mark): not a text document")
    return text, encoding


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
