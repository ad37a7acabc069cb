"""The amount grammar against its corpus (extract/data/amount_corpus.tsv): one test per row."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from extract.amounts import Amount, find_amounts


def _corpus() -> list[dict[str, str]]:
    text = resources.files("extract").joinpath("data/amount_corpus.tsv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


CORPUS = _corpus()


def _expected(row: dict[str, str]) -> tuple:
    return (
        int(row["value"]) if row["value"] else None,
        row["max"] == "yes",
        row["per"] or None,
        float(row["ratio"]) if row["ratio"] else None,
        row["floor"] == "yes",
        row["unit_price"] or None,
    )


def _reading(amount: Amount) -> tuple:
    return (amount.value, amount.max, amount.per, amount.ratio, amount.floor, amount.unit_price)


@pytest.mark.parametrize("row", CORPUS, ids=[f"{r['phrase']}#{r['index']}" for r in CORPUS])
def test_the_grammar_reads_each_phrasing_of_the_corpus(row: dict[str, str]) -> None:
    found = find_amounts(row["phrase"])
    if not row["index"]:
        assert found == [], f"{row['phrase']!r} holds no amount"
        return
    index = int(row["index"])
    assert len(found) > index, f"{row['phrase']!r}: {len(found)} amounts"
    amount = found[index]
    assert _reading(amount) == _expected(row)
    assert 0 <= amount.start < amount.end <= len(row["phrase"])


def test_the_corpus_covers_the_phrasings_of_the_genre() -> None:
    assert len({r["phrase"] for r in CORPUS}) >= 40
    for phrase in ("200万元", "2亿元", "3.6万元/年", "1,000万元", "二十万元", "最高50万奖励", "1:1", "30%", "分别"):
        assert any(phrase in r["phrase"] for r in CORPUS), phrase


def test_every_amount_of_a_phrase_is_in_the_corpus() -> None:
    rows_by_phrase: dict[str, int] = {}
    for row in CORPUS:
        rows_by_phrase[row["phrase"]] = rows_by_phrase.get(row["phrase"], 0) + (1 if row["index"] else 0)
    for phrase, count in rows_by_phrase.items():
        assert len(find_amounts(phrase)) == count, phrase
