"""The command line (and, later, the HTTP app) over the graph."""
