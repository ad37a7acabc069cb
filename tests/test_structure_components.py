"""The document-structure components (outline, duties, sentences, measures, agencies): flat, each
reading only layers, with their genre knowledge in the lexicon."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from extract.document import Document
from extract.language import COMPONENTS, run_components
from extract.lexicon import lexicon
from extract.pipeline import PIPELINE

EXTRACT = Path(__file__).resolve().parent.parent / "extract"
# modules that are components or a component's private helper: no component module imports one
COMPONENT_MODULES = {
    "metadata", "cities", "agencies", "agency_names", "headings", "measures", "segments",
    "instruments", "classify", "targets", "citations",
}  # fmt: skip
STRUCTURE_MODULES = ("headings", "agency_names", "agencies", "measures", "segments")


def _imported_siblings(module: str) -> set[str]:
    tree = ast.parse((EXTRACT / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.update([node.module] if node.module else [a.name for a in node.names])
    return found & COMPONENT_MODULES


@pytest.mark.parametrize("module", STRUCTURE_MODULES)
def test_no_structure_module_imports_a_sibling_component(module: str) -> None:
    assert _imported_siblings(module) == set()


def test_the_structure_components_read_layers() -> None:
    assert COMPONENTS["outline"].requires == ("wrapped_policy_start",)
    assert set(COMPONENTS["duties"].assigns) == {"duty_lists", "canonical_names"}
    assert set(COMPONENTS["measures"].requires) == {"outline", "duty_lists", "canonical_names"}
    assert set(COMPONENTS["agencies"].requires) == {"duty_lists", "canonical_names", "measures"}


def test_the_layers_of_a_plan() -> None:
    text = (
        "云海市科技创新行动计划\n一、总体要求\n(一)指导思想。以创新驱动为引领。\n二、重点任务\n"
        "1.建设创新平台。(牵头单位:市发改委;责任单位:市财政局、各区市县政府)\n"
        "2.培育科技企业。(责任单位:市发展和改革委员会)\n"
    )
    doc = run_components(Document.from_text(text, "t"), PIPELINE[: PIPELINE.index("agencies") + 1])
    outline = doc.layers["outline"]
    assert [it.path for it in outline] == ["一", "一/(一)", "二", "二/1", "二/2"]
    assert outline[1].heading == "指导思想"
    first, second = doc.layers["duty_lists"]
    assert first.lead == ["市发改委"] and first.others == ["市财政局", "各区市县政府"]
    assert doc.layers["canonical_names"]["市发展和改革委员会"] == "市发改委"  # the first of two forms used once each
    assert [m.lead_agencies for m in doc.layers["measures"]] == [["市发改委"], []]
    assert doc.layers["collective_agencies"] == ["各区市县政府"]


def test_duty_labels_are_one_list_with_a_role_each() -> None:
    for entry in lexicon("duty_labels").entries:
        assert entry.value in ("lead", "responsible", "supporting"), entry


def test_the_sentences_blank_every_labelled_list() -> None:
    # every label the duties component reads as a list is blanked from the sentences, in any
    # bracket, and a duty stated in prose stays a sentence
    text = (
        "云海市科技创新若干措施\n一、重点任务\n"
        "1.建设创新平台,给予最高80万元奖励。(负责单位:市财政局、市科技局)\n"
        "2.培育科技企业。(责任部门:市商务局、市税务局)\n"
        "3.建设平台。〔配合单位:市工业和信息化局〕\n"
        "4.本措施由市科技局负责解释。\n"
        "5.奖励企业。〔责任单 位:市金融办、各县"
    )
    doc = run_components(Document.from_text(text, "t"), PIPELINE[: PIPELINE.index("sentences") + 1])
    sentences = " ".join(s.text for s in doc.layers["sentences"])
    for name in ("市财政局", "市商务局", "市工业和信息化局", "负责单位", "责任部门", "配合单位", "市金融办"):
        assert name not in sentences
    assert "给予最高80万元奖励" in sentences and "由市科技局负责解释" in sentences


def test_agency_suffixes_name_known_readers() -> None:
    readers = {"name", "loose", "prose", "sentences", "signature"}
    for entry in lexicon("agency_suffixes").entries:
        assert entry.value.split() and set(entry.value.split()) <= readers, entry
