"""The instrument taxonomy as a SKOS concept scheme, mapped onto the OECD STIP instrument types.

Other schemes (indicators, …) are Turtle files under graph/schemes/, loaded as they are.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyoxigraph import Literal, NamedNode
from rdflib.namespace import RDF, SKOS

from extract.taxonomy import load_taxonomy
from graph.iris import INSTRUMENT_SCHEME, STIP_SCHEME, instrument_type_iri, stip_type_iri

TYPE, CONCEPT, CONCEPT_SCHEME = NamedNode(RDF.type), NamedNode(SKOS.Concept), NamedNode(SKOS.ConceptScheme)
PREF_LABEL, ALT_LABEL, NOTATION = NamedNode(SKOS.prefLabel), NamedNode(SKOS.altLabel), NamedNode(SKOS.notation)
DEFINITION, IN_SCHEME, BROAD_MATCH = NamedNode(SKOS.definition), NamedNode(SKOS.inScheme), NamedNode(SKOS.broadMatch)
TOP_CONCEPT_OF, HAS_TOP_CONCEPT = NamedNode(SKOS.topConceptOf), NamedNode(SKOS.hasTopConcept)


def concept_scheme_triples() -> Iterator[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    """Both schemes: our instrument types (notation = taxonomy id) and the STIP types they map to."""
    instruments, stip_scheme = NamedNode(INSTRUMENT_SCHEME), NamedNode(STIP_SCHEME)
    yield instruments, TYPE, CONCEPT_SCHEME
    yield instruments, PREF_LABEL, Literal("Science and technology policy instrument types", language="en")
    yield instruments, PREF_LABEL, Literal("科技政策工具类型", language="zh")
    yield stip_scheme, TYPE, CONCEPT_SCHEME
    yield stip_scheme, PREF_LABEL, Literal("OECD STIP Compass policy instrument types", language="en")

    for instrument_type in load_taxonomy():
        concept = NamedNode(instrument_type_iri(instrument_type.id))
        yield concept, TYPE, CONCEPT
        yield concept, NOTATION, Literal(instrument_type.id)
        yield concept, PREF_LABEL, Literal(instrument_type.label_zh, language="zh")
        yield concept, PREF_LABEL, Literal(instrument_type.label_en, language="en")
        for cue in instrument_type.cue_words:
            if cue != instrument_type.label_zh:  # SKOS forbids the same label as pref and alt
                yield concept, ALT_LABEL, Literal(cue, language="zh")
        yield concept, DEFINITION, Literal(instrument_type.covers, language="en")
        yield concept, IN_SCHEME, instruments
        yield concept, TOP_CONCEPT_OF, instruments
        yield instruments, HAS_TOP_CONCEPT, concept

        stip = NamedNode(stip_type_iri(instrument_type.stip_type))
        yield stip, TYPE, CONCEPT
        yield stip, PREF_LABEL, Literal(instrument_type.stip_type, language="en")
        yield stip, IN_SCHEME, stip_scheme
        yield stip, TOP_CONCEPT_OF, stip_scheme
        yield stip_scheme, HAS_TOP_CONCEPT, stip
        yield concept, BROAD_MATCH, stip
