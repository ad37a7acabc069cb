"""The lexicon files (extract/lexicon/*.tsv) and the component pipeline's declarations."""

from __future__ import annotations

import pytest

from extract.document import Document
from extract.language import COMPONENTS, PipelineError, check_order, component, run_components
from extract.lexicon import Entry, LexiconError, _parse, lexicon, lexicon_names
from extract.pipeline import PIPELINE

ENTRIES = [entry for name in lexicon_names() for entry in ((name, e) for e in lexicon(name).entries)]


def test_there_are_lexicon_files() -> None:
    assert "duty_labels" in lexicon_names()


@pytest.mark.parametrize(("name", "entry"), ENTRIES, ids=[f"{n}:{e.line}" for n, e in ENTRIES])
def test_every_entry_matches_its_example(name: str, entry: Entry) -> None:
    assert entry.example, f"lexicon/{name}.tsv:{entry.line}: {entry.entry!r} has no example"
    assert entry.matches_example(), f"lexicon/{name}.tsv:{entry.line}: {entry.entry!r} does not match {entry.example!r}"


def test_no_entry_is_listed_twice_with_the_same_value() -> None:
    for name in lexicon_names():
        keys = [(e.entry, e.value) for e in lexicon(name).entries]
        assert len(keys) == len(set(keys)), name


def test_alternation_puts_the_longest_word_first() -> None:
    source = "entry\tkind\tvalue\texample\tnote\n万元\tword\tunit\t5万元\t\n千万元\tword\tunit\t1千万元\t\n"
    from extract.lexicon import Lexicon

    units = Lexicon("units", tuple(_parse("units", source)))
    assert units.compile("unit").search("给予3千万元").group() == "千万元"
    with pytest.raises(LexiconError, match="no entry with value 'other'"):
        units.alternation("other")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("word\tkind\n", "header must be"),
        ("entry\tkind\tvalue\texample\tnote\n给予\tword\tverb\n", "3 fields, expected 5"),
        ("entry\tkind\tvalue\texample\tnote\n给予\tphrase\tverb\t给予奖励\t\n", "kind must be one of"),
        ("entry\tkind\tvalue\texample\tnote\n(给予\tregex\tverb\t给予奖励\t\n", "bad regex"),
    ],
)
def test_a_broken_lexicon_file_is_named_with_its_line(text: str, problem: str) -> None:
    with pytest.raises(LexiconError, match=problem) as caught:
        _parse("verbs", text)
    assert "lexicon/verbs.tsv" in str(caught.value)


def test_the_pipeline_order_satisfies_every_declaration() -> None:
    check_order(PIPELINE)
    assigned = {layer for name in PIPELINE for layer in COMPONENTS[name].assigns}
    assert {"policy", "measures", "agencies", "instruments", "targets", "citations", "city"} <= assigned


def test_a_component_that_requires_what_no_earlier_one_assigns_is_refused() -> None:
    with pytest.raises(PipelineError, match="requires"):
        check_order(["measures", "metadata"])
    with pytest.raises(PipelineError, match="no component named"):
        check_order(["metadata", "nonexistent"])


def test_a_component_must_assign_what_it_declares() -> None:
    @component("test_forgetful", assigns=("never_set",))
    def forgetful(doc: Document) -> None:
        pass

    try:
        with pytest.raises(PipelineError, match="did not assign"):
            run_components(Document.from_text("市科技局关于支持科技创新的若干政策措施", "t.txt"), ["test_forgetful"])
    finally:
        del COMPONENTS["test_forgetful"]
