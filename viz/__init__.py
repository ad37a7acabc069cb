"""Browsing pages over the graph, drawn with pyvis (vis-network), offline.

`select` picks the subgraph of a view (browse filters, cross-city compare, policy tree), `layout`
places its nodes (deterministic, no physics), `details` writes what the detail panel says,
`render` assembles the pyvis network and our own page template, `pages` caches the pages of one
set of records for the HTTP routes (`api.routes_browse`) and `policykg viz`. The vendored
vis-network build is in `assets/` (see `assets.py`).
"""
