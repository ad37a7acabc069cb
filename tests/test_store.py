"""The build artefact: the on-disk store and what it holds, exports written from it, the swap into
OUT, and the per-document extraction cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import rdflib
from conftest import FIXTURES, GOOD_DOCUMENTS
from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store, parse

import api.corpus
from api.corpus import extract_files, policy_files
from api.record_cache import RecordCache
from api.serving import load_served_graph
from extract.records import ExtractionRecord, Instrument, PolicyMeta, Target
from graph.build_files import MANIFEST
from graph.documents import document_text
from graph.export import NotABuild, write_exports
from graph.iris import BASE, amount_iri, city_iri, context_iri, fact_iri, instrument_type_iri, policy_iri, span_iri
from graph.rdf import graph_quads, turtle_file_triples
from graph.store import build_store, open_store

TEXT = "甲市创新券办法\n给予最高10万元补助。到2025年高新技术企业达到2000家。"


def tiny_record() -> ExtractionRecord:
    assert TEXT.index("最高10万元") == 10 and TEXT.index("到2025年高新技术企业达到2000家") == 19
    return ExtractionRecord(
        doc="tiny.txt",
        sha256="a" * 64,
        city="甲市",
        policy=PolicyMeta(title="甲市创新券办法", spans={"title": [0, 7]}),
        instruments=[Instrument("innovation_voucher", 100_000, True, None, 1.0, None, None, None, "最高10万元", 10, 16)],
        targets=[Target("高新技术企业", 2000, None, "家", 2025, "到2025年高新技术企业达到2000家", 19, 38)],
    )


def expected_facts() -> set[str]:
    """The facts of tiny_record, written out by hand (IRIs from graph/iris.py, whose own tests pin them)."""
    city, policy, context = city_iri("甲市"), policy_iri("tiny.txt"), context_iri("tiny.txt")
    instrument, target = fact_iri("tiny.txt", "instrument", 0), fact_iri("tiny.txt", "target", 0)
    amount, voucher = amount_iri(instrument), instrument_type_iri("innovation_voucher")
    title, money, goal = span_iri("tiny.txt", 0, 7), span_iri("tiny.txt", 10, 16), span_iri("tiny.txt", 19, 38)
    rdf, xsd = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2001/XMLSchema#"
    schema, nif = "https://schema.org/", "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
    eli, pkg, prov = "http://data.europa.eu/eli/ontology#", BASE + "ontology#", "http://www.w3.org/ns/prov#"
    text = TEXT.replace("\n", "\\n")
    lines = f"""
<{city}> <{rdf}type> <{schema}City> .
<{city}> <{schema}name> "甲市"@zh .
<{context}> <{rdf}type> <{nif}Context> .
<{context}> <{schema}name> "tiny.txt" .
<{context}> <{schema}sha256> "{"a" * 64}" .
<{context}> <{nif}isString> "{text}" .
<{policy}> <{rdf}type> <{pkg}Policy> .
<{policy}> <{rdf}type> <{eli}LegalResource> .
<{policy}> <{prov}wasDerivedFrom> <{context}> .
<{policy}> <{prov}wasDerivedFrom> <{title}> .
<{policy}> <{eli}title> "甲市创新券办法"@zh .
<{policy}> <{pkg}city> <{city}> .
<{title}> <{rdf}type> <{nif}OffsetBasedString> .
<{title}> <{nif}beginIndex> "0"^^<{xsd}integer> .
<{title}> <{nif}endIndex> "7"^^<{xsd}integer> .
<{title}> <{nif}referenceContext> <{context}> .
<{instrument}> <{rdf}type> <{pkg}Instrument> .
<{instrument}> <{pkg}instrumentType> <{voucher}> .
<{instrument}> <{schema}amount> <{amount}> .
<{instrument}> <{pkg}ratio> "1"^^<{xsd}decimal> .
<{instrument}> <{pkg}policy> <{policy}> .
<{instrument}> <{pkg}city> <{city}> .
<{instrument}> <{prov}wasDerivedFrom> <{money}> .
<{amount}> <{rdf}type> <{schema}MonetaryAmount> .
<{amount}> <{schema}maxValue> "100000"^^<{xsd}integer> .
<{amount}> <{schema}currency> "CNY" .
<{money}> <{rdf}type> <{nif}OffsetBasedString> .
<{money}> <{nif}beginIndex> "10"^^<{xsd}integer> .
<{money}> <{nif}endIndex> "16"^^<{xsd}integer> .
<{money}> <{nif}referenceContext> <{context}> .
<{money}> <{nif}anchorOf> "最高10万元" .
<{target}> <{rdf}type> <{pkg}Target> .
<{target}> <{pkg}indicator> "高新技术企业"@zh .
<{target}> <{pkg}indicatorConcept> <{BASE}id/indicator/high_tech_enterprises> .
<{target}> <{schema}value> "2000"^^<{xsd}integer> .
<{target}> <{schema}unitText> "家" .
<{target}> <{pkg}year> "2025"^^<{xsd}gYear> .
<{target}> <{pkg}policy> <{policy}> .
<{target}> <{pkg}city> <{city}> .
<{target}> <{prov}wasDerivedFrom> <{goal}> .
<{goal}> <{rdf}type> <{nif}OffsetBasedString> .
<{goal}> <{nif}beginIndex> "19"^^<{xsd}integer> .
<{goal}> <{nif}endIndex> "38"^^<{xsd}integer> .
<{goal}> <{nif}referenceContext> <{context}> .
<{goal}> <{nif}anchorOf> "到2025年高新技术企业达到2000家" .
"""
    return triples(parse(lines.encode(), RdfFormat.N_TRIPLES))


def triples(quads) -> set[str]:  # type: ignore[no-untyped-def]
    return {f"{q.subject} {q.predicate} {q.object} ." for q in quads}


def facts(quads) -> set[str]:  # type: ignore[no-untyped-def]
    """Triples about the corpus: subjects under pkgid:, less the instrument-type and STIP schemes."""
    schemes = (BASE + "id/instrument-type", BASE + "id/stip-type", BASE + "id/indicator")
    return {t for t in triples(quads) if t.startswith(f"<{BASE}id/") and not t[1:].startswith(schemes)}


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = build_store([tiny_record()], {"tiny.txt": TEXT}, tmp_path_factory.mktemp("tiny") / "store")
    return open_store(path)


def test_the_store_holds_the_hand_written_triples(tiny_store: Store) -> None:
    assert facts(tiny_store) == expected_facts()


def test_the_store_holds_the_ontology_and_every_scheme_file(tiny_store: Store) -> None:
    stored = triples(tiny_store)
    assert triples(turtle_file_triples()) <= stored  # graph/ontology.ttl and graph/schemes/*.ttl
    voucher = NamedNode(instrument_type_iri("innovation_voucher"))
    labels = {q.object.value for q in tiny_store.quads_for_pattern(voucher, None, None) if q.predicate.value.endswith("prefLabel")}
    assert "科技创新券" in labels


def test_the_store_is_what_build_rdf_validates(tiny_store: Store) -> None:
    """build_rdf (rdflib, for SHACL) and the store hold the same triples: numbers are made in the
    store's canonical form, so nothing validated differs from what is served."""
    assert triples(graph_quads([tiny_record()], {"tiny.txt": TEXT})) == triples(tiny_store)


def test_the_store_opens_read_only(tiny_store: Store, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="read-write"):
        tiny_store.add(next(iter(tiny_store)))
    with pytest.raises(FileNotFoundError):
        open_store(tmp_path / "nowhere")


def test_a_store_is_never_built_into_an_existing_one(tmp_path: Path) -> None:
    path = build_store([tiny_record()], {}, tmp_path / "store")
    with pytest.raises(FileExistsError):
        build_store([tiny_record()], {}, path)


def test_blank_nodes_of_a_scheme_file_get_stable_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scheme file with blank nodes still gives byte-identical builds: labels come from the file."""
    import graph.rdf

    scheme = tmp_path / "schemes.ttl"
    scheme.write_text("@prefix ex: <http://example.org/> . ex:a ex:b [ ex:c 1 ] , [ ex:c 2 ] .", encoding="utf-8")
    monkeypatch.setattr(graph.rdf, "_turtle_files", lambda: [scheme])
    first, second = list(turtle_file_triples()), list(turtle_file_triples())
    assert [str(t) for t in first] == [str(t) for t in second]
    assert len({t.object.value for t in first if t.predicate.value.endswith("b")}) == 2


# ---------------------------------------------------------------- the build directory


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from test_graph import dalian_transfer, dalian_voucher, shenyang_finance

    return write_exports([shenyang_finance(), dalian_voucher(), dalian_transfer()], tmp_path_factory.mktemp("build") / "out")


def test_every_export_parses_back_to_the_triples_of_the_store(build: dict[str, Path]) -> None:
    store = open_store(build["store"])
    count = len(store)
    assert count > 900
    for name, rdf_format in (("graph.nt", RdfFormat.N_TRIPLES), ("graph.ttl", RdfFormat.TURTLE),
                             ("graph.jsonld", RdfFormat.JSON_LD)):
        parsed = {str(t) for t in parse(path=str(build[name]), format=rdf_format)}
        assert len(parsed) == count, name
    assert len(rdflib.Graph().parse(build["graph.ttl"], format="turtle")) == count  # another parser agrees
    assert len(rdflib.Graph().parse(build["graph.jsonld"], format="json-ld")) == count


def test_the_store_holds_only_the_default_graph(build: dict[str, Path]) -> None:
    store = open_store(build["store"])
    assert list(store.named_graphs()) == []
    assert len(store) == sum(1 for _ in store.quads_for_pattern(None, None, None, DefaultGraph()))


def test_a_new_build_replaces_an_old_one_as_a_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_exports([tiny_record()], out)
    (out / "graph.graphml").unlink()  # an old build, however incomplete
    written = write_exports([tiny_record()], out, {"tiny.txt": TEXT})
    assert sorted(p.name for p in out.iterdir()) == sorted([*(p.name for p in written.values()), MANIFEST])
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no building or retired directory left behind
    assert facts(open_store(written["store"])) == expected_facts()  # the new store, with the text


def test_a_build_does_not_overwrite_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "thesis.docx").write_bytes(b"years of work")
    with pytest.raises(NotABuild, match="thesis.docx"):
        write_exports([tiny_record()], tmp_path)
    assert (tmp_path / "thesis.docx").read_bytes() == b"years of work"


# ---------------------------------------------------------------- the per-document cache


@pytest.fixture
def counted_extractions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files that reached the extraction workers."""
    extracted: list[str] = []
    real = api.corpus.extract_paths

    def counting(paths, *args, **kwargs):  # type: ignore[no-untyped-def]
        paths = list(paths)
        extracted.extend(Path(p).name for p in paths)
        return real(paths, *args, **kwargs)

    monkeypatch.setattr(api.corpus, "extract_paths", counting)
    return extracted


def test_adding_a_file_extracts_only_that_file(tmp_path: Path, counted_extractions: list[str]) -> None:
    folder, cache = tmp_path / "docs", RecordCache(tmp_path / "cache")
    folder.mkdir()
    shutil.copy(FIXTURES / GOOD_DOCUMENTS[0], folder / "a.txt")
    first = extract_files(policy_files(folder), cache=cache)
    shutil.copy(FIXTURES / GOOD_DOCUMENTS[1], folder / "b.txt")
    shutil.copy(FIXTURES / GOOD_DOCUMENTS[0], folder / "c.txt")  # a.txt's content under another name
    second = extract_files(policy_files(folder), cache=cache)
    assert counted_extractions == ["a.txt", "b.txt"]
    assert [r.doc for r in second.records] == ["a.txt", "b.txt", "c.txt"]
    assert second.records[0] == first.records[0]
    assert second.records[2].instruments == first.records[0].instruments


def test_the_cache_is_per_extractor(tmp_path: Path, counted_extractions: list[str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import api.record_cache

    shutil.copy(FIXTURES / GOOD_DOCUMENTS[0], tmp_path / "a.txt")
    extract_files([tmp_path / "a.txt"], cache=RecordCache(tmp_path / "cache"))
    monkeypatch.setattr(api.record_cache, "extractor_fingerprint", lambda: "another extractor")
    extract_files([tmp_path / "a.txt"], cache=RecordCache(tmp_path / "cache"))
    assert counted_extractions == ["a.txt", "a.txt"]


def test_a_damaged_cache_entry_is_extracted_again(tmp_path: Path, counted_extractions: list[str]) -> None:
    shutil.copy(FIXTURES / GOOD_DOCUMENTS[0], tmp_path / "a.txt")
    cache = RecordCache(tmp_path / "cache")
    extract_files([tmp_path / "a.txt"], cache=cache)
    [entry] = cache.directory.glob("*.json")
    entry.write_text('{"doc": "a.txt"', encoding="utf-8")
    again = extract_files([tmp_path / "a.txt"], cache=cache)
    assert counted_extractions == ["a.txt", "a.txt"] and again.records
    assert json.loads(entry.read_text(encoding="utf-8"))["doc"] == "a.txt"  # rewritten whole


def test_serve_opens_its_cached_build_and_extracts_only_new_files(tmp_path: Path, counted_extractions: list[str]) -> None:
    folder, cache = tmp_path / "docs", tmp_path / "cache"
    folder.mkdir()
    shutil.copy(FIXTURES / GOOD_DOCUMENTS[0], folder / "a.txt")
    fresh = load_served_graph(folder, cache)
    again = load_served_graph(folder, cache)
    assert (fresh.from_cache, again.from_cache) == (False, True)
    assert again.store_path == fresh.store_path and (again.store_path.parent / "graph.ttl").is_file()
    assert again.records == fresh.records and again.documents == fresh.documents == ["a.txt"]
    text = open_store(again.store_path).query(
        "SELECT ?text WHERE { ?doc <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#isString> ?text }"
    )
    original = (folder / "a.txt").read_text(encoding="utf-8")
    assert [row["text"].value for row in text] == [original]  # /source can read the store alone
    assert document_text(again.source, "a.txt") == original and document_text(again.source, "b.txt") is None
    shutil.copy(FIXTURES / GOOD_DOCUMENTS[1], folder / "b.txt")
    grown = load_served_graph(folder, cache)
    assert not grown.from_cache and [r.doc for r in grown.records] == ["a.txt", "b.txt"]
    assert counted_extractions == ["a.txt", "b.txt"]
