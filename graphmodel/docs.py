"""Generate ``docs/schema.md`` from the schema, so the docs can never drift from it."""

from __future__ import annotations

from graphmodel.schema import Property, Schema


def _prop_rows(schema: Schema, props: dict[str, Property]) -> list[str]:
    rows = ["| property | type | required | values | description |", "|---|---|---|---|---|"]
    for p in props.values():
        values = ""
        if p.vocabulary:
            values = ", ".join(f"`{v}`" for v in schema.vocabularies[p.vocabulary].values)
        elif p.reference:
            values = "id of " + " or ".join(f"`{r}`" for r in p.reference)
        if p.minimum is not None or p.maximum is not None:
            bounds = f"{'' if p.minimum is None else p.minimum} .. {'' if p.maximum is None else p.maximum}"
            values = f"{values} {bounds}".strip()
        required = "yes" if p.required else ""
        if p.required_when is not None:
            required = f"when `{p.required_when[0]}` = `{p.required_when[1]}`"
        if p.within is not None:
            among = " or ".join([f"the row's `{p.within}`", *(f"`{v}`" for v in p.also)])
            values = f"{values} among {among}".strip()
        rows.append(f"| `{p.name}` | {p.type} | {required} | {values} | {p.description} |")
    return rows


def render_schema(schema: Schema) -> str:
    """The Markdown reference of the whole schema."""
    out = [
        "# Schema reference",
        "",
        "<!-- Generated from graphmodel/schema.yaml by `graphmodel schema --write docs/schema.md`; do not edit. -->",
        "",
        f"Schema version {schema.version}. Each data label is loaded from the fieldwork table named beside it;",
        "`ties` holds every relationship type except `WITH` (from `interviews.organization`) and",
        "`MENTIONS` (from `codes`).",
        "",
        "## Labels",
        "",
        "| label | table | sector | description |",
        "|---|---|---|---|",
    ]
    for lb in schema.labels.values():
        out.append(
            f"| [`{lb.name}`](#{lb.name.lower()}) | {lb.table or '(system)'} | {lb.sector or ''} | {lb.description} |"
        )
    out += [
        "",
        "## Relationship types",
        "",
        "| type | from | to | identified by | description |",
        "|---|---|---|---|---|",
    ]
    for rel in schema.relationships.values():
        key = ", ".join(rel.key_properties)
        out.append(
            f"| [`{rel.name}`](#{rel.name.lower()}) | {', '.join(rel.sources)} | {', '.join(rel.targets)} "
            f"| {key} | {rel.description} |"
        )
    out += ["", "## Properties of every node", "", *_prop_rows(schema, schema.node_properties)]
    out += ["", "## Properties of every tie", "", *_prop_rows(schema, schema.tie_properties)]
    out += ["", "## Provenance written by the loader", "", *_prop_rows(schema, schema.provenance)]
    for lb in schema.labels.values():
        out += ["", f"### {lb.name}", "", lb.description, ""]
        if lb.sector_by is not None:
            prop, values = lb.sector_by
            named = ", ".join(f"`{v}` → `{sector}`" for v, sector in values.items())
            out += [f"Sector `{lb.sector}`, except by `{prop}`: {named}.", ""]
        out += _prop_rows(schema, lb.properties) if lb.properties else ["No properties beyond those of every node."]
    for rel in schema.relationships.values():
        out += [
            "",
            f"### {rel.name}",
            "",
            f"{rel.description} ({', '.join(rel.sources)} → {', '.join(rel.targets)})"
            + (" A tie may link a node to itself." if rel.self_loops else "")
            + (" Access flows along it (`flow: true`; brokerage reads it by default)." if rel.flow else ""),
            "",
        ]
        out += _prop_rows(schema, rel.properties) if rel.properties else ["No properties beyond those of every tie."]
        if rel.trust:
            role = (
                "a trust source (how an NGO gains public trust)"
                if rel.trust == "source"
                else "a stance towards the NGO"
            )
            kinds = rel.style.get("kinds") or {}
            styled = "; ".join(
                f"`{kind}` {rel.style_for({'kind': kind}).get('color')}"
                + (", dashed" if rel.style_for({"kind": kind}).get("dashes") else "")
                for kind in kinds
            )
            out += ["", f"Views draw it as {role}" + (f", by kind: {styled}." if styled else "."), ""]
    if schema.rounds:
        out += ["", "## Fieldwork rounds", "", "| round | from | to | description |", "|---|---|---|---|"]
        out += [f"| {r.number} | {r.start} | {r.end} | {r.description} |" for r in schema.rounds.values()]
    if schema.survey_institutions:
        out += [
            "",
            "## Survey institutions",
            "",
            "Which institution of the Asian Barometer's trust table (Table 4) an agency belongs to; the first",
            "rule that matches its system and level applies.",
            "",
            "| system | levels | institution | why |",
            "|---|---|---|---|",
        ]
        out += [
            f"| {r.system or 'any'} | {', '.join(r.levels) or 'any'} | {r.institution or '(none)'} | {r.why} |"
            for r in schema.survey_institutions
        ]
    out += ["", "## Vocabularies", "", "| vocabulary | values | description |", "|---|---|---|"]
    for voc in schema.vocabularies.values():
        out.append(f"| `{voc.name}` | {', '.join(f'`{v}`' for v in voc.values)} | {voc.description} |")
    return "\n".join(out) + "\n"
