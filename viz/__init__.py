"""Browsing pages over the graph, drawn with pyvis (vis-network), offline.

What a page draws comes from the query layer on the served GraphSource (graph.subgraph,
graph.compare): `select` narrows it to a view (browse filters, cross-city compare, the overview of a
corpus too large to draw), `tree` makes a policy's outline tree and its layout, `layout` places
the other views' nodes (deterministic, no physics), `details` writes what the detail panel says,
`render` assembles the pyvis network and our own page template, `pages` caches the pages of one
graph source for the HTTP routes (`api.routes_browse`) and `policykg viz`. The vendored
vis-network build is in `assets/` (see `assets.py`).
"""
