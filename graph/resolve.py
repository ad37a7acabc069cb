"""Cross-record resolution shared by the RDF and networkx builders.

One record describes one document; the graph needs decisions that span documents: which names denote
the same agency in a city, and which cited title is a policy of the corpus. They are made here once,
independent of the order of the records.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

from rdflib import URIRef

from extract.records import Citation, ExtractionRecord, Measure
from graph.iris import agency_iri, cited_policy_iri, measure_iri, normalise_title, policy_iri


@dataclass(frozen=True)
class AgencyNode:
    iri: URIRef
    city: str | None
    name: str
    aliases: tuple[str, ...]
    collective: bool


@dataclass(frozen=True)
class CitationLink:
    """A policy cited by a record; `quoted` (position in record.citations, citation) is None when the
    record only lists the title in cited_policies."""

    target: URIRef
    title: str
    doc_number: str | None
    in_corpus: bool
    quoted: tuple[int, Citation] | None


def normalise_doc_number(doc_number: str) -> str:
    # 大政发〔2018〕3号, 大政发[2018]3号 and 大政发（2018）3号 are the same number.
    folded = re.sub(r"\s", "", unicodedata.normalize("NFKC", doc_number))
    return re.sub(r"[〔［【(]", "[", re.sub(r"[〕］】)]", "]", folded))


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(self, key: tuple[str, str]) -> tuple[str, str]:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: tuple[str, str], b: tuple[str, str]) -> None:
        # The smaller key becomes the root so the result does not depend on the order of unions.
        root_a, root_b = sorted((self.find(a), self.find(b)))
        self.parent[root_b] = root_a


class Corpus:
    """Records sorted by document, with agencies merged per city and citation targets resolved."""

    def __init__(self, records: list[ExtractionRecord]) -> None:
        self.records = sorted(records, key=lambda r: r.doc)
        self._agency_by_name = self._merge_agencies()
        self._policy_by_title: dict[str, str] = {}
        self._policy_by_number: dict[str, str] = {}
        for record in reversed(self.records):  # reversed: the first document wins a shared title
            for title in (record.policy.title, record.policy.notice_title):
                if title:
                    self._policy_by_title[normalise_title(title)] = record.doc
            if record.policy.doc_number:
                self._policy_by_number[normalise_doc_number(record.policy.doc_number)] = record.doc

    @property
    def cities(self) -> list[str]:
        return sorted({r.city for r in self.records if r.city})

    @property
    def agencies(self) -> list[AgencyNode]:
        return sorted(set(self._agency_by_name.values()), key=lambda a: a.iri)

    def agency(self, city: str | None, name: str) -> AgencyNode:
        return self._agency_by_name[(city or "", name)]

    def _merge_agencies(self) -> dict[tuple[str, str], AgencyNode]:
        """Union every agency's name with its aliases, per city; pick one canonical name per body."""
        groups = _UnionFind()
        canonical_votes: Counter[tuple[str, str]] = Counter()
        collective: set[tuple[str, str]] = set()
        for record in self.records:
            city = record.city or ""
            for agency in record.agencies:
                key = (city, agency.name)
                canonical_votes[key] += 1
                groups.find(key)
                for alias in agency.aliases:
                    groups.union(key, (city, alias))
                if agency.collective:
                    collective.add(key)
            collective.update((city, name) for name in record.collective_agencies)
            mentioned = [*record.collective_agencies, *([record.policy.issuer] if record.policy.issuer else [])]
            for measure in record.measures:
                mentioned += measure.lead_agencies + measure.agencies
            for name in mentioned:
                groups.find((city, name))

        members: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for key in list(groups.parent):
            members[groups.find(key)].append(key)
        by_name: dict[tuple[str, str], AgencyNode] = {}
        for root, keys in members.items():
            city = root[0]
            # The name the extractor chose most often, then the longest (most explicit), then by code point.
            name = min((k[1] for k in keys), key=lambda n: (-canonical_votes[(city, n)], -len(n), n))
            node = AgencyNode(
                iri=agency_iri(city, name),
                city=city or None,
                name=name,
                aliases=tuple(sorted(k[1] for k in keys if k[1] != name)),
                collective=any(k in collective for k in keys),
            )
            by_name.update(dict.fromkeys(keys, node))
        return by_name

    def citations(self, record: ExtractionRecord) -> list[CitationLink]:
        """Every policy the record cites, quoted citations first; self-citations are dropped.

        A notice (关于印发《X》的通知) quotes the title of the policy it carries, which is not a citation.
        """
        links: list[CitationLink] = []
        seen: set[str] = set()
        listed: list[tuple[str, str | None, tuple[int, Citation] | None]] = [
            (c.title, c.doc_number, (i, c)) for i, c in enumerate(record.citations)
        ]
        listed += [(title, None, None) for title in record.cited_policies]
        for title, doc_number, quoted in listed:
            if quoted is None and normalise_title(title) in seen:
                continue
            seen.add(normalise_title(title))
            doc = self._policy_by_title.get(normalise_title(title))
            if doc is None and doc_number:
                doc = self._policy_by_number.get(normalise_doc_number(doc_number))
            if doc == record.doc:
                continue
            target = policy_iri(doc) if doc else cited_policy_iri(title)
            links.append(CitationLink(target, title, doc_number, doc is not None, quoted))
        return links


class MeasureParents:
    """The parent of each measure of one record: the measure whose path is the longest proper prefix
    of its own (二 for 二/5), else the policy. Built once per record, not once per measure."""

    def __init__(self, record: ExtractionRecord) -> None:
        self._doc = record.doc
        self._by_path = {m.path: m for m in record.measures}

    def of(self, measure: Measure) -> URIRef:
        segments = measure.path.split("/")
        for cut in range(len(segments) - 1, 0, -1):
            parent = self._by_path.get("/".join(segments[:cut]))
            if parent is not None:
                return measure_iri(self._doc, parent.id)
        return policy_iri(self._doc)

