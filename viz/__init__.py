"""Browsing pages over the graph (pyvis); see issue 4."""
