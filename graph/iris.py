"""Stable IRIs and namespaces: the one place IRIs are minted.

Every IRI is derived from content only (document file stem, measure id, position of a fact within
its document, a city's administrative-division code, hashed Chinese names), never from object ids or
run order, so two builds of the same records give byte-identical exports. Nothing gets a blank node:
amounts and source spans have IRIs.

Readable where a public key exists: a city is its six-digit administrative-division code
(`id/city/210200` is 大连, from extract/data/places.tsv), an agency sits under its city's code
(`id/agency/210200/<hash of its name>`), a policy is its file stem (`id/policy/<stem>`). The IRIs keep
the public base https://w3id.org/policykg/; `policykg serve` answers their paths under /id/.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from pathlib import PurePath

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD

from extract.divisions import Division, prefectures

BASE = "https://w3id.org/policykg/"
ID = Namespace(BASE + "id/")
ONTOLOGY_IRI = URIRef(BASE + "ontology")
PKG = Namespace(BASE + "ontology#")
SHAPES = Namespace(BASE + "shapes#")

ELI = Namespace("http://data.europa.eu/eli/ontology#")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
# A plain Namespace, not rdflib's closed SDO: it warns on pending terms such as schema:sha256.
SCHEMA = Namespace(str(SDO))
# CiTO's qualified citation lets a citation carry its own source span (eli:cites cannot).
CITO = Namespace("http://purl.org/spar/cito/")

PREFIXES: dict[str, Namespace] = {
    "pkg": PKG,
    "pkgid": ID,
    "eli": ELI,
    "nif": NIF,
    "cito": CITO,
    "schema": SCHEMA,
    "skos": Namespace(str(SKOS)),
    "prov": Namespace(str(PROV)),
    "owl": Namespace(str(OWL)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "xsd": Namespace(str(XSD)),
    "dcterms": Namespace(str(DCTERMS)),
}

INSTRUMENT_SCHEME = ID["instrument-type"]
STIP_SCHEME = ID["stip-type"]

_ASCII_SAFE = re.compile(r"[A-Za-z0-9._-]+")


def new_graph() -> Graph:
    """An empty graph that knows only our prefixes, so serialisations do not depend on rdflib's defaults."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def name_hash(*parts: str) -> str:
    """12 hex digits of sha1 over the parts: ASCII, stable, and collision-free at corpus scale."""
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def _slug(text: str) -> str:
    # ASCII segments are kept readable; anything else (e.g. a Chinese file name) is hashed.
    return text if _ASCII_SAFE.fullmatch(text) else "h" + name_hash(text)


@lru_cache(maxsize=1 << 16)  # asked for every IRI of every fact: a third of building the triples
def doc_key(doc: str) -> str:
    """The document's file stem, which names the policy and its text in every IRI."""
    return _slug(PurePath(doc).stem)


def normalise_title(title: str) -> str:
    """Title key that ignores whitespace, full/half-width differences and the 《》 quotation marks."""
    folded = unicodedata.normalize("NFKC", title)
    return re.sub(r"[\s《》〈〉<>]", "", folded)


def city_division(city: str) -> Division | None:
    """The prefecture of places.tsv a record's city (its short name, 大连) names, if the table knows it."""
    return prefectures().get(city)


@lru_cache(maxsize=1 << 12)
def city_key(city: str) -> str:
    """The administrative-division code of the city (210200 for 大连): public, stable and what
    Chinese statistics join on. A city the table does not know (the extractor's fallback rule can
    read one from `XX市<body>`) keeps a hash of its name, marked `name-` so that it never looks like
    a code."""
    division = city_division(city)
    return division.adcode if division else f"name-{name_hash(city)}"


def city_iri(city: str) -> URIRef:
    return ID[f"city/{city_key(city)}"]


def agency_iri(city: str | None, name: str) -> URIRef:
    # Agencies are per city: 市科技局 in Dalian and in Shenyang are different bodies. The name is
    # Chinese, so it is hashed; the city's code in the path says whose body it is.
    return ID[f"agency/{city_key(city) if city else 'no-city'}/{name_hash(city or '', name)}"]


def policy_iri(doc: str) -> URIRef:
    return ID[f"policy/{doc_key(doc)}"]


def cited_policy_iri(title: str) -> URIRef:
    """A policy known only from a citation; identified by its normalised title."""
    return ID[f"cited/{name_hash(normalise_title(title))}"]


def context_iri(doc: str) -> URIRef:
    """The document text (nif:Context) that all offsets of this policy point into."""
    return ID[f"doc/{doc_key(doc)}"]


def span_iri(doc: str, start: int, end: int) -> URIRef:
    # RFC 5147 fragment, as NIF recommends: one IRI per character range of a document.
    return URIRef(f"{context_iri(doc)}#char={start},{end}")


def measure_iri(doc: str, measure_id: str) -> URIRef:
    return ID[f"policy/{doc_key(doc)}/measure/{_slug(measure_id)}"]


def fact_iri(doc: str, kind: str, index: int) -> URIRef:
    """Instrument, target, baseline or citation: numbered by its position in the document's record."""
    return ID[f"policy/{doc_key(doc)}/{kind}/{index}"]


def amount_iri(fact: URIRef) -> URIRef:
    return URIRef(f"{fact}/amount")


def instrument_type_iri(type_id: str) -> URIRef:
    return ID[f"instrument-type/{_slug(type_id)}"]


def stip_type_iri(stip_type: str) -> URIRef:
    return ID[f"stip-type/{re.sub(r'[^a-z0-9]+', '-', stip_type.lower()).strip('-')}"]
