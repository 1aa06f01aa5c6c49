"""The ``graphmodel`` command line: thin wrappers that parse, call the library and print."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from graphmodel import statements as cy
from graphmodel.commands.common import (
    FormatOption,
    StoreOption,
    _fail,
    _load,
    _open,
    _parse_params,
    _print_report,
    _print_result,
    console,
)
from graphmodel.errors import GraphmodelError
from graphmodel.output import FORMATS
from graphmodel.queries import find_query, library, run_query
from graphmodel.schema import load_schema
from graphmodel.settings import DEFAULT_STORE_DIR
from graphmodel.stores import Store

app = typer.Typer(help="Fieldwork on state-NGO relations as a graph.", no_args_is_help=True, add_completion=False)
DEMO_STORE = f"embedded:{DEFAULT_STORE_DIR / 'demo'}"


@app.command()
def load(
    path: Annotated[Path, typer.Argument(help="A folder of CSV files or an .xlsx workbook.")],
    store: StoreOption = None,
    name: Annotated[str | None, typer.Option(help="Package name (default: the folder or workbook name).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and show the changes without writing.")] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="List the changes row by row (created, old → new values, removed).")
    ] = False,
    allow_removals: Annotated[
        bool,
        typer.Option(
            "--allow-removals", help="Go ahead when a whole table, or most of a label or type, would be removed."
        ),
    ] = False,
    remove_dependents: Annotated[
        bool,
        typer.Option(
            "--remove-dependents", help="Remove other packages' ties that need a node this package no longer has."
        ),
    ] = False,
    priority: Annotated[
        int | None,
        typer.Option(help="Priority when packages disagree on a value (higher wins; default: as before, else 0)."),
    ] = None,
    stage_rows: Annotated[
        int | None,
        typer.Option(
            help="Stage packages of at least this many rows (0: never; default $GRAPHMODEL_STAGE_ROWS or 10000)."
        ),
    ] = None,
) -> None:
    """Validate a fieldwork package and bring what the graph holds of it in line with it."""
    from graphmodel.engine.load import LoadOptions
    from graphmodel.engine.plan import RemovalRules
    from graphmodel.settings import LoadSettings

    try:
        settings = LoadSettings.from_env()
    except GraphmodelError as exc:
        _fail(str(exc))
    options = LoadOptions(
        stage_rows=settings.stage_rows if stage_rows is None else stage_rows,
        rules=RemovalRules(allow_removals=allow_removals, remove_dependents=remove_dependents),
        priority=priority,
        diff=diff,
        pause=settings.pause,
    )
    with _open(store) as db:
        try:
            _print_report(_load(db, path, name, dry_run, options), diff=diff)
        except GraphmodelError as exc:
            _fail(str(exc))


@app.command()
def query(
    name: Annotated[str, typer.Argument(help="A query name from the library, or a path to a .cypher file.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="key=value; repeat for several.")] = None,
    store: StoreOption = None,
    fmt: FormatOption = "table",
    redact: Annotated[
        bool, typer.Option("--redact", help="Stable pseudonyms for names, ids and interview details; no notes.")
    ] = False,
) -> None:
    """Run a query from the library (or any .cypher file) and print its result."""
    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}")
    try:
        q = find_query(name)
        params = q.bind(_parse_params(param or []))
    except GraphmodelError as exc:
        _fail(str(exc))
    with _open(store) as db:
        try:
            result = run_query(db, q, params)
            if redact:
                from graphmodel.redact import redact_result, sensitive_values

                result = redact_result(result, sensitive_values(db))
        except GraphmodelError as exc:
            _fail(str(exc))
        _print_result(result, fmt, q.name)


@app.command()
def queries() -> None:
    """List the query library with descriptions and parameters."""
    table = Table(title="query library", show_lines=True)
    table.add_column("name")
    table.add_column("description")
    table.add_column("parameters")
    for q in library().values():
        params = "\n".join(
            f"{p.name} ({p.type}{', required' if p.required else ''}"
            f"{'' if p.default is None else f', default {p.default}'})"
            for p in q.params.values()
        )
        table.add_row(Text(q.name), Text(q.description), Text(params))
    console.print(table)


@app.command()
def status(store: StoreOption = None) -> None:
    """Counts per label and relationship type, and per package what it asserts now."""

    schema = load_schema()
    with _open(store) as db:
        try:
            counts = Table(title=Text(f"graph in {db.description}"))
            counts.add_column("label or type")
            counts.add_column("count", justify="right")
            for label in schema.labels:
                counts.add_row(f":{label}", str(db.run(cy.count_label(schema, label)).rows[0][0]))
            for rel in schema.relationships:
                counts.add_row(f"[:{rel}]", str(db.run(cy.count_type(schema, rel)).rows[0][0]))
            console.print(counts)
            packages = db.run(cy.list_packages(schema)).records()
            table = Table(title=Text("packages (nodes and ties each asserts now, shared ones included)"))
            for column in ("package", "loaded_at", "priority", "nodes", "ties", "by label or type"):
                table.add_column(column, justify="right" if column in ("priority", "nodes", "ties") else "left")
            for row in packages:
                params = {"package": row["package"]}
                per = {
                    label: db.run(cy.count_package_nodes(schema, label), params).rows[0][0]
                    for label in schema.data_labels
                }
                per |= {
                    rel: db.run(cy.count_package_ties(schema, rel), params).rows[0][0] for rel in schema.relationships
                }
                nodes = sum(per[label] for label in schema.data_labels)
                ties = sum(per[rel] for rel in schema.relationships)
                detail = ", ".join(f"{k} {v}" for k, v in per.items() if v)
                table.add_row(
                    Text(str(row["package"])), str(row["loaded_at"] or ""), str(row["priority"] or 0),
                    str(nodes), str(ties), Text(detail),
                )  # fmt: skip
        except GraphmodelError as exc:
            _fail(str(exc))
        if packages:
            console.print(table)
        else:
            console.print("no packages loaded")


@app.command()
def conflicts(store: StoreOption = None, fmt: FormatOption = "table") -> None:
    """Nodes and ties on which packages disagree: each package's value, and the one the graph shows."""
    from graphmodel.engine.claims import claims_of
    from graphmodel.stores.base import Result

    schema = load_schema()
    rows = []
    with _open(store) as db:
        try:
            found = [*db.run(cy.conflicting_nodes(schema)).rows, *db.run(cy.conflicting_ties(schema)).rows]
        except GraphmodelError as exc:
            _fail(str(exc))
    for kind, ident, props, claims_text in found:
        claims = claims_of({"_package": "*", "_claims": claims_text})
        for prop in props or []:
            for package, claim in sorted(claims.items()):
                if prop in claim.values:
                    where = f"{claim.file}:{claim.row}"
                    rows.append((kind, ident, prop, package, claim.values[prop], where))
    if not rows and fmt == "table":
        console.print("no disagreements between packages")
        return
    _print_result(Result(["kind", "id", "property", "package", "value", "file:row"], rows), fmt, "conflicts")


@app.command()
def schema(
    write: Annotated[Path | None, typer.Option("--write", help="Write the Markdown reference to this file.")] = None,
    check: Annotated[
        Path | None, typer.Option("--check", help="Fail if this file differs from the generated reference.")
    ] = None,
) -> None:
    """Print (or write, or check) the schema reference generated from schema.yaml."""
    from graphmodel.docs import render_schema

    text = render_schema(load_schema())
    if check is not None:
        if not check.is_file() or check.read_text(encoding="utf-8") != text:
            _fail(f"{check} is stale: run `graphmodel schema --write {check}`")
        console.print(f"{check} is current")
    elif write is not None:
        write.write_text(text, encoding="utf-8")
        console.print(f"wrote {write}")
    else:
        sys.stdout.write(text)


def print_profile(db: Store) -> None:
    """Print Table 1 (the sample profile) with characteristics as rows, provinces as columns."""
    result = run_query(db, "sample_profile")
    table = Table(title="Table 1: the NGO sample by province (age counted to 2010)")
    table.add_column("characteristic")
    for row in result.rows:
        table.add_column(str(row[0]), justify="right")
    for index, column in enumerate(result.columns[1:], start=1):
        table.add_row(column.replace("_", " "), *(str(row[index]) for row in result.rows))
    console.print(table)


def print_motivations(db: Store) -> None:
    """Print Table 3: motivations with the number and share of NGOs naming them."""
    result = run_query(db, "motivations")
    table = Table(title="Table 3: motivations named by the NGOs")
    for column in ("motivation", "中文", "NGOs", "percent"):
        table.add_column(column, justify="right" if column in ("NGOs", "percent") else "left")
    for rec in result.records():
        table.add_row(
            Text(str(rec["name"])),
            Text(str(rec["name_zh"] or "")),
            str(rec["ngos"]),
            f"{round(rec['percent'])}% of {rec['of_ngos']}",
        )
    console.print(table)


#: Notes the demo prints under Tables 1 and 3 (docs/sample.md says the same at length).
TABLE1_NOTES = (
    "The printed Table 1 is not fully consistent. Founder origin sums to 6 NGOs in Ningxia and 8 in Hebei "
    "(7 each): the sample moves one same-village-or-city founder from Hebei to Ningxia (4 and 5), keeping every "
    "row total. The printed province ages (13.3, 6.2, 10.9) imply about 10.3 for all 22, not the printed 10.1: "
    "the sample matches the provinces as closely as whole founding years allow, so its total is 10.2."
)
TABLE3_NOTES = (
    "Counts as printed. The printed percentages round some values and truncate others (7/22 = 31.8% printed 31%, "
    "14/22 = 63.6% printed 64%). Which sample NGO gave which code is illustrative except where the paper cites the "
    "interview (basis = stated); `graphmodel query motivations -p basis=stated -p by=registration` keeps to those."
)


def print_table4() -> None:
    """Print Table 4 from the survey data, with the change computed and as printed."""
    from graphmodel.survey import table4_changes

    data = table4_changes()
    table = Table(title="Table 4: trust in institutions, China, Asian Barometer (% trusting)")
    for column in ("institution", "2011", "2015", "change", "printed"):
        table.add_column(column, justify="left" if column == "institution" else "right")
    for institution, row in data.iterrows():
        mark = " *" if row["differs"] else ""
        table.add_row(
            str(institution),
            f"{row['trust_2011']:.1f}",
            f"{row['trust_2015']:.1f}",
            f"{row['change']:+.1f}",
            f"{row['printed_change']:+.1f}{mark}",
        )
    console.print(table)
    for institution, row in data[data["differs"]].iterrows():
        console.print(
            f"* {institution}: printed {row['printed_change']:+.1f}, but {row['trust_2015']:.1f} - "
            f"{row['trust_2011']:.1f} = {row['change']:+.1f} from the printed values."
        )
    console.print(
        "Trust in NGOs moves with trust in local government (r = 0.293 in 2015, p < 0.001): schema.yaml maps each "
        "agency's system and level to one of these institutions (`survey_institutions`), and the query "
        "trust_sources shows it beside every state tie an NGO's trust rests on."
    )


@app.command()
def demo(
    store: Annotated[
        str | None, typer.Option("--store", "-s", help=f"Where to load the sample (default: a fresh {DEMO_STORE}).")
    ] = None,
) -> None:
    """Load the paper's sample and print Tables 1 and 3 computed from the graph, and Table 4 from the survey data."""
    from graphmodel.sample import sample_path
    from graphmodel.stores.embedded import EmbeddedStore

    with _open(store or DEMO_STORE) as db:
        if store is None and isinstance(db, EmbeddedStore):
            db.delete_all()
        try:
            report = _load(db, sample_path(), "paper")
            _print_report(report)
            print_profile(db)
            console.print(TABLE1_NOTES)
            print_motivations(db)
            console.print(TABLE3_NOTES)
            print_table4()
        except GraphmodelError as exc:
            _fail(str(exc))
    console.print(
        f"The sample is in {store or DEMO_STORE}; try: "
        f"graphmodel query trust_sources -p ngo=ngo-y04 --store {store or DEMO_STORE}"
    )


def _register_extras() -> None:
    from graphmodel.commands import register_all

    register_all(app)


_register_extras()


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
