"""Records → graph: networkx for analytics, rdflib for RDF; owns the ontology and SHACL shapes."""
