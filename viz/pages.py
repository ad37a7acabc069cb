"""The browsing pages of one set of records: built once (the networkx graph, the detail texts, the
filter form's choices), each page rendered once per distinct view and then served from a cache.
Used by the HTTP routes (`api.routes_browse`) and by `policykg viz`.

networkx draws (the nodes, their links and details); what the comparison page compares comes from
the query layer on `source`, the graph the API answers from."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from extract.records import ExtractionRecord
from graph.compare import compare
from graph.network import build_networkx
from graph.source import GraphSource, records_source

from .details import Describer
from .layout import radial_layout
from .render import Nav, render_page
from .select import View, browse_view, compare_view, policy_view

CACHED_PAGES = 256


class Pages:
    def __init__(
        self,
        records: Sequence[ExtractionRecord],
        source: GraphSource | None = None,
        *,
        inline: bool = False,
        base_url: str = "",
    ) -> None:
        """`source` is the RDF graph of the same records (built from them when not given)."""
        self.graph = build_networkx(list(records))
        self.source = records_source(records) if source is None else source
        self.describer = Describer(self.graph)
        self.nav = Nav.from_graph(self.graph)
        self.inline = inline
        self.base_url = base_url
        self._browse = lru_cache(maxsize=CACHED_PAGES)(self._render_browse)
        self._compare = lru_cache(maxsize=CACHED_PAGES)(
            lambda term: self.render(compare_view(self.graph, compare(self.source, term)))
        )
        self._policy = lru_cache(maxsize=CACHED_PAGES)(lambda policy: self.render(policy_view(self.graph, policy)))

    def render(self, view: View) -> str:
        positions = radial_layout(view.graph, view.roots)
        return render_page(view, positions, self.describer, self.nav, inline=self.inline, base_url=self.base_url)

    def _render_browse(
        self, cities: tuple[str, ...], policy: str | None, instrument: str | None, kinds: tuple[str, ...]
    ) -> str:
        return self.render(browse_view(self.graph, cities, policy, instrument, kinds))

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

    def compare(self, term: str) -> str:
        """`/browse/compare?instrument=TERM`: one instrument type across the cities."""
        return self._compare(term)

    def policy(self, policy: str) -> str:
        """`/browse/policy/{id}`: one policy's tree."""
        return self._policy(policy)
