"""The instrument taxonomy as a SKOS concept scheme, mapped onto the OECD STIP instrument types."""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import RDF, SKOS

from extract.taxonomy import load_taxonomy
from graph.iris import INSTRUMENT_SCHEME, STIP_SCHEME, instrument_type_iri, stip_type_iri


def add_concept_schemes(graph: Graph) -> None:
    """Add both schemes: our 24 instrument types (notation = taxonomy id) and the STIP types they map to."""
    graph.add((INSTRUMENT_SCHEME, RDF.type, SKOS.ConceptScheme))
    graph.add((INSTRUMENT_SCHEME, SKOS.prefLabel, Literal("Science and technology policy instrument types", lang="en")))
    graph.add((INSTRUMENT_SCHEME, SKOS.prefLabel, Literal("科技政策工具类型", lang="zh")))
    graph.add((STIP_SCHEME, RDF.type, SKOS.ConceptScheme))
    graph.add((STIP_SCHEME, SKOS.prefLabel, Literal("OECD STIP Compass policy instrument types", lang="en")))

    for instrument_type in load_taxonomy():
        concept = instrument_type_iri(instrument_type.id)
        graph.add((concept, RDF.type, SKOS.Concept))
        graph.add((concept, SKOS.notation, Literal(instrument_type.id)))
        graph.add((concept, SKOS.prefLabel, Literal(instrument_type.label_zh, lang="zh")))
        graph.add((concept, SKOS.prefLabel, Literal(instrument_type.label_en, lang="en")))
        for cue in instrument_type.cue_words:
            if cue != instrument_type.label_zh:  # SKOS forbids the same label as pref and alt
                graph.add((concept, SKOS.altLabel, Literal(cue, lang="zh")))
        graph.add((concept, SKOS.definition, Literal(instrument_type.covers, lang="en")))
        graph.add((concept, SKOS.inScheme, INSTRUMENT_SCHEME))
        graph.add((concept, SKOS.topConceptOf, INSTRUMENT_SCHEME))
        graph.add((INSTRUMENT_SCHEME, SKOS.hasTopConcept, concept))

        stip = stip_type_iri(instrument_type.stip_type)
        graph.add((stip, RDF.type, SKOS.Concept))
        graph.add((stip, SKOS.prefLabel, Literal(instrument_type.stip_type, lang="en")))
        graph.add((stip, SKOS.inScheme, STIP_SCHEME))
        graph.add((stip, SKOS.topConceptOf, STIP_SCHEME))
        graph.add((STIP_SCHEME, SKOS.hasTopConcept, stip))
        graph.add((concept, SKOS.broadMatch, stip))

