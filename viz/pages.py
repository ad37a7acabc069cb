"""The browsing pages of one served graph: each page asks the query layer for what it draws
(graph.subgraph and graph.compare on `source`, the GraphSource the API answers from: the on-disk
store, a remote SPARQL store, or an in-memory store of some records for `policykg viz`), renders it
once per distinct view and serves it from a cache. Used by the HTTP routes (`api.routes_browse`)
and by `policykg viz`.

A page reads only the policies it draws (policy_tree.rq bound to them). When the filters keep more
policies than a page can draw readably (`MAX_DRAWN_POLICIES`: the whole graph of a large corpus),
/browse draws an overview of the cities instead and asks the reader to choose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property, lru_cache

from pyoxigraph import NamedNode

from graph.compare import CompareResult, comparison
from graph.rows import select
from graph.source import GraphSource
from graph.subgraph import PolicyEntry, TypeEntry, instrument_type_counts, policy_list, policy_subgraph

from .details import Describer
from .layout import radial_layout
from .render import Nav, render_page
from .select import (
    View,
    browse_view,
    check_cities,
    check_kinds,
    compare_view,
    find_policy,
    find_type,
    overview_view,
)
from .tree import policy_tree

CACHED_PAGES = 256
# More policies than this on one /browse page (some 250 nodes each) would not be readable nor fast:
# the page is then an overview of the cities.
MAX_DRAWN_POLICIES = 20
# The comparison page draws the instruments of this many funding cities (those with the largest
# amounts); the others are listed in its table. 300 cities' instruments and agencies are some 5,000
# nodes: neither readable nor quick to lay out.
MAX_DRAWN_CITIES = 40


class Pages:
    def __init__(
        self,
        source: GraphSource,
        *,
        inline: bool = False,
        base_url: str = "",
        answers: Mapping[str, bytes] | None = None,
    ) -> None:
        """`source`: the graph to draw, asked through the query layer only; `answers`: the answers
        the build precomputed from it (graph.answers.precompute_answers), taken where they hold
        what a page needs: a comparison is then read, not queried again."""
        self.source = source
        self.answers = answers or {}
        self.inline = inline
        self.base_url = base_url
        self._browse = lru_cache(maxsize=CACHED_PAGES)(self._render_browse)
        self._compare = lru_cache(maxsize=CACHED_PAGES)(self._render_compare)
        self._policy = lru_cache(maxsize=CACHED_PAGES)(self._render_policy)

    @cached_property
    def policies(self) -> tuple[PolicyEntry, ...]:
        return policy_list(self.source)

    @cached_property
    def types(self) -> tuple[TypeEntry, ...]:
        return instrument_type_counts(self.source)

    def nav(self, cities: Sequence[str] = ()) -> Nav:
        return Nav.from_lists(self.policies, self.types, cities)

    def render(self, view: View, describer: Describer, nav: Nav) -> str:
        positions = view.positions if view.positions is not None else radial_layout(view.graph, view.roots)
        return render_page(view, positions, describer, nav, inline=self.inline, base_url=self.base_url)

    def _render_browse(
        self, cities: tuple[str, ...], policy: str | None, instrument: str | None, kinds: tuple[str, ...]
    ) -> str:
        check_cities(self.policies, cities)
        entry = find_policy(self.policies, policy) if policy else None
        type_id = find_type(instrument) if instrument else None
        kinds = tuple(check_kinds(kinds))
        if entry is not None:
            scope = [entry]
        else:
            scope = [p for p in self.policies if not cities or p.city in cities]
            if type_id is not None:  # the policies stating an instrument of the type (compare.rq)
                docs = {m.doc for c in self.comparison(type_id).funding for m in c.matches}
                scope = [p for p in scope if p.doc in docs]
        nav = self.nav(cities or ([entry.city] if entry and entry.city else []))
        if len(scope) > MAX_DRAWN_POLICIES:
            filters = {"city": list(cities), "policy": "", "instrument": type_id or "", "kind": list(kinds)}
            view = overview_view(self.policies, cities, filters, MAX_DRAWN_POLICIES)
            return self.render(view, Describer(view.graph), nav)
        graph = policy_subgraph(self.source, [p.iri for p in scope], self.types)
        view = browse_view(graph, cities, entry, type_id, kinds)
        return self.render(view, Describer(graph), nav)

    def browse(
        self,
        cities: Sequence[str] = (),
        policy: str | None = None,
        instrument: str | None = None,
        kinds: Sequence[str] = (),
    ) -> str:
        """`/browse`: the graph under the filters. Raises graph.terms.NotFound for unknown names."""
        return self._browse(
            tuple(dict.fromkeys(cities)), policy or None, instrument or None, tuple(dict.fromkeys(kinds))
        )

    def comparison(self, term: str) -> CompareResult:
        """/compare's answer for the type `term` names: the precomputed one when the build has it."""
        return comparison(self.source, term, self.answers)

    def _render_compare(self, term: str) -> str:
        result = self.comparison(term)
        drawn = result.funding[:MAX_DRAWN_CITIES]  # the largest amounts first, as compare.rq orders them
        instruments = [NamedNode(m.iri) for c in drawn for m in c.matches]
        context = select(self.source, "instrument_context", instrument=instruments) if instruments else []
        view = compare_view(result, context, self.types, MAX_DRAWN_CITIES)
        return self.render(view, Describer(view.graph), self.nav())

    def compare(self, term: str) -> str:
        """`/browse/compare?instrument=TERM`: one instrument type across the cities."""
        return self._compare(term)

    def _render_policy(self, policy: str) -> str:
        entry = find_policy(self.policies, policy)
        graph = policy_subgraph(self.source, [entry.iri], self.types)
        tree = policy_tree(graph, entry.iri)
        view = View(
            "policy", entry.title, tree.graph, (entry.iri,), {"policy": entry.id},
            positions=tree.positions, extent=tree.extent,
        )
        return self.render(view, Describer(graph), self.nav([entry.city] if entry.city else []))

    def policy(self, policy: str) -> str:
        """`/browse/policy/{id}`: one policy's tree."""
        return self._policy(policy)
