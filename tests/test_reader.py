"""extract/reader.py on broken inputs: each is refused with an InputError naming file and problem."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from conftest import FIXTURES

from extract.errors import InputError
from extract.pipeline import extract_file
from extract.reader import read_text

GOOD_TEXT = (FIXTURES / "jinan_voucher_policy.txt").read_text(encoding="utf-8")
TRADITIONAL_TEXT = "盤錦市人民政府辦公室關於推進科技創新加快產校地企融協同發展的實施意見。對新認定的國家級科技企業孵化器給予一次性獎勵。"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read_text(path)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)
    return caught.value


def test_good_utf8_file_reads_unchanged(tmp_path: Path) -> None:
    path = write(tmp_path, "good.txt", GOOD_TEXT.encode("utf-8"))
    assert read_text(path) == (GOOD_TEXT, "utf-8")


@pytest.mark.parametrize("data", [b"", b"  \n\r\n\t  \n"])
def test_empty_file_is_refused(tmp_path: Path, data: bytes) -> None:
    assert "empty" in refused(write(tmp_path, "empty.txt", data)).problem


def test_binary_file_with_nul_bytes_is_refused(tmp_path: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert "binary" in refused(write(tmp_path, "image.txt", data)).problem


def test_utf8_truncated_mid_character_is_refused(tmp_path: Path) -> None:
    cut = GOOD_TEXT[:200].encode("utf-8") + "券".encode()[:2]  # 2 of the 3 bytes of 券
    problem = refused(write(tmp_path, "truncated.txt", cut)).problem
    assert "truncated" in problem
    assert "UTF-8" in problem


def test_english_text_is_refused_as_not_chinese(tmp_path: Path) -> None:
    data = ("This notice sets out measures to support innovation vouchers for small firms. " * 20).encode()
    problem = refused(write(tmp_path, "english.txt", data)).problem
    assert "no Chinese text" in problem


def test_undecodable_bytes_are_refused(tmp_path: Path) -> None:
    data = GOOD_TEXT[:100].encode("utf-8") + b"\xff\xfe\xff" + GOOD_TEXT[100:].encode("utf-8")
    problem = refused(write(tmp_path, "mixed.txt", data)).problem
    assert "not UTF-8 or GB18030" in problem


def test_missing_file_is_refused(tmp_path: Path) -> None:
    assert "cannot read" in refused(tmp_path / "missing.txt").problem


@pytest.mark.parametrize("text", [GOOD_TEXT, TRADITIONAL_TEXT])
def test_gb18030_chinese_decodes(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "gb.txt", text.encode("gb18030"))
    assert read_text(path) == (text, "gb18030")


def test_pipeline_raises_the_same_error_for_a_broken_file(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.txt", b"")
    with pytest.raises(InputError) as caught:
        extract_file(path)
    assert caught.value.path == str(path)


def test_pipeline_extracts_a_gb18030_file_like_its_utf8_twin(tmp_path: Path) -> None:
    utf8 = extract_file(write(tmp_path, "utf8.txt", GOOD_TEXT.encode("utf-8")))
    gb = extract_file(write(tmp_path, "gb.txt", GOOD_TEXT.encode("gb18030")))
    assert gb.sha256 == utf8.sha256  # the record hashes the decoded text, not the bytes
    assert gb.to_dict() | {"doc": ""} == utf8.to_dict() | {"doc": ""}


# --- byte-order marks: UTF-16 LE/BE and UTF-8 with a BOM are read, the BOM is not part of the text ---

BOM_ENCODINGS = [
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
]


@pytest.mark.parametrize(("bom", "codec", "encoding"), BOM_ENCODINGS)
def test_file_with_a_bom_reads_as_its_text_without_the_bom(
    tmp_path: Path, bom: bytes, codec: str, encoding: str
) -> None:
    path = write(tmp_path, "bom.txt", bom + GOOD_TEXT.encode(codec))
    assert read_text(path) == (GOOD_TEXT, encoding)


@pytest.mark.parametrize(("bom", "codec", "encoding"), BOM_ENCODINGS)
def test_pipeline_extracts_a_bom_file_like_its_utf8_twin(tmp_path: Path, bom: bytes, codec: str, encoding: str) -> None:
    utf8 = extract_file(write(tmp_path, "utf8.txt", GOOD_TEXT.encode("utf-8")))
    with_bom = extract_file(write(tmp_path, "bom.txt", bom + GOOD_TEXT.encode(codec)))
    assert with_bom.to_dict() | {"doc": ""} == utf8.to_dict() | {"doc": ""}
    assert with_bom.instruments, "the fixture has instruments whose offsets this test checks"
    for fact in with_bom.instruments + with_bom.targets:  # offsets count characters of the decoded text
        assert GOOD_TEXT[fact.start : fact.end] == fact.quote


def test_utf16_without_a_bom_is_still_refused_as_binary(tmp_path: Path) -> None:
    problem = refused(write(tmp_path, "nobom.txt", GOOD_TEXT.encode("utf-16-le"))).problem
    assert "binary" in problem


@pytest.mark.parametrize(("bom", "codec", "encoding"), BOM_ENCODINGS)
def test_a_bom_and_only_blanks_is_an_empty_file(tmp_path: Path, bom: bytes, codec: str, encoding: str) -> None:
    assert "empty" in refused(write(tmp_path, "blank.txt", bom + " \r\n ".encode(codec))).problem
    assert "empty" in refused(write(tmp_path, "bom_only.txt", bom)).problem


def test_utf16_cut_in_the_middle_of_a_character_is_refused_as_truncated(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + GOOD_TEXT[:100].encode("utf-16-le")[:-1]
    problem = refused(write(tmp_path, "cut.txt", data)).problem
    assert problem == "truncated file: it ends in the middle of a UTF-16 LE character at byte 200"


def test_utf16_with_a_lone_surrogate_is_refused_naming_the_offset(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_BE + GOOD_TEXT[:10].encode("utf-16-be") + b"\xdc\x00" + GOOD_TEXT[10:].encode("utf-16-be")
    problem = refused(write(tmp_path, "surrogate.txt", data)).problem
    assert "not UTF-16 BE text" in problem
    assert "offset 22" in problem


def test_utf8_bom_followed_by_gb18030_bytes_is_refused(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + GOOD_TEXT.encode("gb18030")
    assert "not UTF-8 text despite its UTF-8 byte-order mark" in refused(write(tmp_path, "mixed.txt", data)).problem
