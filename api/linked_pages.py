"""The HTML a browser gets for an IRI of the graph (/id/…) and for the ontology (/ontology, the data
model page). No script, no remote asset: IRIs of the public base link to this server's mirror of
them, other IRIs are shown as compact names (schema:name) with the full IRI in their tooltip."""

from __future__ import annotations

from html import escape

from pyoxigraph import Literal, NamedNode, Triple

from graph.iris import PREFIXES
from graph.linked_data import LINKS_SHOWN, DataModel, OntologyTerm, Usage, curie, form, local_path

XSD = "http://www.w3.org/2001/XMLSchema#"
LABEL_PROPERTIES = ("https://schema.org/name", "http://data.europa.eu/eli/ontology#title",
                    "http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label")
LITERAL_SHOWN = 400  # characters of a long literal (a document's whole text) shown on a page
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'"

STYLE = """
body { font: 15px/1.5 system-ui, "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       color: #1d2433; margin: 0; background: #f5f7fa; }
main { max-width: 1100px; margin: 0 auto; padding: 18px 20px 40px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 26px 0 8px; } h3 { font-size: 15px; margin: 18px 0 4px; }
.iri { color: #5b6475; font: 13px ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }
.muted { color: #5b6475; font-size: 13px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 14px; margin: 4px 0 10px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid #d8dde6; }
th { background: #eef1f6; font-weight: 600; }
td.p { white-space: nowrap; }
a { color: #1f5fbf; text-decoration: none; } a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #fff; border: 1px solid #d8dde6; border-radius: 6px; padding: 8px 10px; white-space: pre-wrap; }
.tag { color: #5b6475; font-size: 12px; }
nav { font-size: 13px; margin-bottom: 10px; } nav a { margin-right: 12px; }
ul.cheat li { margin: 4px 0; }
"""
NAV = '<nav><a href="/sparql">SPARQL query page</a><a href="/ontology">data model · 数据模型</a><a href="/browse">browse</a></nav>'


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)} · policykg</title><link rel="icon" href="data:,">'
            f"<style>{STYLE}</style></head><body><main>{NAV}{body}</main></body></html>")


def iri_link(iri: str, label: str | None = None) -> str:
    """A link to this server's mirror of an IRI of the base; any other IRI as its compact name."""
    shown = escape(label) if label else escape(curie(iri))
    path = local_path(iri)
    if path is None:
        return f'<span title="{escape(iri)}">{shown}</span>'
    return f'<a href="{escape(path)}" title="{escape(iri)}">{shown}</a>'


def term_html(term: NamedNode | Literal | object, labels: dict[str, str] | None = None) -> str:
    if isinstance(term, NamedNode):
        label = (labels or {}).get(term.value)
        linked = iri_link(term.value)
        return f"{escape(label)} <span class=iri>{linked}</span>" if label else linked
    if isinstance(term, Literal):
        text = term.value
        shown = escape(text[:LITERAL_SHOWN])
        if len(text) > LITERAL_SHOWN:
            shown += f" <span class=tag>… ({len(text)} characters; the whole value is in the RDF)</span>"
        if term.language:
            return f'<span lang="{escape(term.language)}">{shown}</span> <span class=tag>@{escape(term.language)}</span>'
        datatype = term.datatype.value
        tag = "" if datatype == XSD + "string" else f" <span class=tag>^^{escape(curie(datatype))}</span>"
        return shown + tag
    return escape(str(term))


# ---------------------------------------------------------------- one resource


def resource_page(iri: str, triples: list[Triple], pointing: list[dict], labels: dict[str, str]) -> str:
    label = next((t.object.value for p in LABEL_PROPERTIES for t in triples
                  if t.predicate.value == p and isinstance(t.object, Literal)), None)
    types = [t.object.value for t in triples if t.predicate.value == str(PREFIXES["rdf"]) + "type"]
    type_html = ", ".join(iri_link(t) for t in types) or "no rdf:type"
    rows = "".join(
        f'<tr><td class=p>{iri_link(t.predicate.value)}</td><td>{term_html(t.object, labels)}</td></tr>' for t in triples
    )
    body = (f"<h1>{escape(label or curie(iri))}</h1>"
            f'<div class=iri>{escape(iri)}</div><p class=muted>{type_html} · also as '
            f'<a href="?format=turtle">Turtle</a>, <a href="?format=jsonld">JSON-LD</a>, '
            f'<a href="?format=ntriples">N-Triples</a> (or ask for them in the Accept header)</p>'
            f"<h2>Properties · 属性</h2>"
            f"<table><thead><tr><th>property</th><th>value</th></tr></thead><tbody>{rows}</tbody></table>")
    if pointing:
        shown = pointing[:LINKS_SHOWN]
        more = (f"<p class=muted>Only the first {LINKS_SHOWN} are listed; ask /sparql for all: "
                f"<code>SELECT ?s ?p WHERE {{ ?s ?p &lt;{escape(iri)}&gt; }}</code></p>"
                if len(pointing) > LINKS_SHOWN else "")
        link_rows = "".join(
            f"<tr><td>{escape(r['label']) + ' ' if r['label'] else ''}<span class=iri>{iri_link(r['subject'])}</span></td>"
            f"<td class=p>{iri_link(r['property'])}</td></tr>" for r in shown
        )
        body += (f"<h2>Pointing here · 引用此资源 ({len(shown)}{'+' if more else ''})</h2>"
                 f"<table><thead><tr><th>resource</th><th>property</th></tr></thead><tbody>{link_rows}</tbody></table>{more}")
    return _page(label or curie(iri), body)


# ---------------------------------------------------------------- the data model


def _anchor(iri: str) -> str:
    """The term's id on the page: its local name for the ontology's terms (/ontology#city is
    pkg:city), its compact name for the others."""
    name = curie(iri)
    return name.removeprefix("pkg:")


def _usage_row(usage: Usage) -> str:
    return (f'<tr><td class=p><a href="#{escape(_anchor(usage.property))}">{escape(curie(usage.property))}</a></td>'
            f"<td>{escape(form(usage))}</td><td>{usage.uses}</td><td>{term_html(usage.example)}</td></tr>")


def _term_section(term: OntologyTerm, model: DataModel) -> str:
    label = " · ".join(escape(term.labels[lang]) for lang in sorted(term.labels))
    facts = []
    for name, values in (("domain", term.domain), ("range", term.range), ("sub-term of", term.parents)):
        if values:
            facts.append(f"{name}: " + ", ".join(iri_link(v) for v in values))
    used = model.of_property(term.iri)
    if used:
        rows = "".join(f"<tr><td>{iri_link(u.klass)}</td><td>{escape(form(u))}</td><td>{u.uses}</td>"
                       f"<td>{term_html(u.example)}</td></tr>" for u in used)
        usage = ("<table><thead><tr><th>on instances of</th><th>value (datatype / language)</th><th>uses</th>"
                 f"<th>example from the graph</th></tr></thead><tbody>{rows}</tbody></table>")
    else:
        usage = "<p class=muted>Not used in the served graph.</p>"
    return (f'<h3 id="{escape(_anchor(term.iri))}">{escape(curie(term.iri))} <span class=muted>{term.kind} · {label}</span></h3>'
            f"<p>{escape(term.comment)}</p><p class=muted>{' · '.join(facts)}</p>{usage}")


def _class_section(klass: str, model: DataModel, defined: dict[str, OntologyTerm]) -> str:
    term = defined.get(klass)
    comment = f"<p>{escape(term.comment)}</p>" if term else ""
    rows = "".join(_usage_row(u) for u in model.of_class(klass))
    table = ("<table><thead><tr><th>property</th><th>value (datatype / language)</th><th>uses</th>"
             f"<th>example from the graph</th></tr></thead><tbody>{rows}</tbody></table>"
             if rows else "<p class=muted>No instances in the served graph.</p>")
    return f'<h3 id="{escape(_anchor(klass))}">{escape(curie(klass))}</h3>{comment}{table}'


def _cheat_sheet(model: DataModel) -> str:
    """The gotchas, each stated from what the graph holds (the forms of the values), not assumed."""
    schema, pkg, eli = str(PREFIXES["schema"]), str(PREFIXES["pkg"]), str(PREFIXES["eli"])

    def forms(prop: str, klass: str | None = None) -> str:
        return ", ".join(sorted(model.value_forms(prop, klass))) or "not in this graph"

    adcode = model.example(schema + "identifier", schema + "City")
    code = adcode.value if isinstance(adcode, Literal) else "210200"
    year = model.example(pkg + "year")
    year_value = year.value if isinstance(year, Literal) else "2025"
    items = [
        f"Names and titles are language-tagged strings: the schema:name of a city is "
        f"{escape(forms(schema + 'name', schema + 'City'))}, of an agency "
        f"{escape(forms(schema + 'name', schema + 'GovernmentOrganization'))}, a policy's eli:title "
        f"{escape(forms(eli + 'title', pkg + 'Policy'))}. Match them with the tag (<code>schema:name \"大连\"@zh</code>) or compare "
        "<code>STR(?name) = \"大连\"</code>; a plain <code>\"大连\"</code> matches nothing.",
        f"Years of targets and baselines (pkg:year) are {escape(forms(pkg + 'year'))}: compare with "
        f"<code>?year = \"{escape(year_value)}\"^^xsd:gYear</code>, or with numbers through <code>YEAR(?year)</code>. "
        f"Policy dates (eli:date_document, eli:date_publication) are {escape(forms(eli + 'date_document'))}.",
        f"Amounts are in yuan (元, not 万元), on a schema:MonetaryAmount: schema:value (exact) is "
        f"{escape(forms(schema + 'value', schema + 'MonetaryAmount'))}, schema:maxValue (a ceiling: 最高, 不超过) "
        f"{escape(forms(schema + 'maxValue', schema + 'MonetaryAmount'))}; read both: "
        "<code>OPTIONAL { ?a schema:value ?v } OPTIONAL { ?a schema:maxValue ?max } BIND(COALESCE(?v, ?max) AS ?yuan)</code>.",
        f"A city's IRI is its administrative-division code (schema:identifier, {escape(forms(schema + 'identifier'))}): "
        f"<code>&lt;https://w3id.org/policykg/id/city/{escape(code)}&gt;</code>, or "
        f"<code>?city schema:identifier \"{escape(code)}\"</code>. Its coordinates are schema:latitude / "
        f"schema:longitude ({escape(forms(schema + 'latitude'))}, WGS84 degrees).",
        "Every fact has its source: <code>?fact prov:wasDerivedFrom/nif:anchorOf ?quote</code> is the sentence it was "
        "read from.",
    ]
    prefixes = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items())
    return ("<h2 id=cheat-sheet>Cheat sheet · 查询要点</h2><ul class=cheat>"
            + "".join(f"<li>{item}</li>" for item in items)
            + f"</ul><h3 id=prefixes>Prefixes</h3><pre>{escape(prefixes)}</pre>")


def data_model_page(model: DataModel) -> str:
    defined = {t.iri: t for t in model.terms}
    classes = "".join(_class_section(k, model, defined) for k in model.classes)
    properties = "".join(_term_section(t, model) for t in model.terms if t.kind != "class")
    toc = " · ".join(f'<a href="#{escape(_anchor(k))}">{escape(curie(k))}</a>' for k in model.classes)
    body = ("<h1>policykg data model · 数据模型</h1>"
            "<p class=iri>https://w3id.org/policykg/ontology</p>"
            "<p>What the graph holds, class by class: each property with the form of its values (an IRI, a datatype "
            "such as xsd:gYear, or a language tag such as @zh), how often it is used and one real value, taken from the "
            "served graph; then the properties the policykg ontology defines, with their labels, comments, domains and "
            'ranges. RDF clients get the ontology itself here (<a href="/ontology?format=turtle">Turtle</a>). '
            'Query it on the <a href="/sparql">SPARQL page</a>.</p>'
            + _cheat_sheet(model)
            + f"<h2 id=classes>Classes · 类</h2><p class=muted>{toc}</p>{classes}"
            + f"<h2 id=properties>Properties the ontology defines · 本体属性</h2>{properties}")
    return _page("data model", body)
