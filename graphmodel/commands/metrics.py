"""CLI: ``graphmodel export`` (GraphML, GEXF, CSV) and ``graphmodel metrics NAME``."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from graphmodel.commands.common import StoreOption, _fail, _open, console, errors
from graphmodel.errors import GraphmodelError
from graphmodel.export import EXPORT_FORMATS, to_networkx, write_graph
from graphmodel.metrics.access import MODES
from graphmodel.output import rich_table, to_csv
from graphmodel.redact import redact_graph
from graphmodel.stores.base import Result

LabelOption = Annotated[list[str] | None, typer.Option("--label", "-l", help="Keep nodes of this label; repeat.")]
TypeOption = Annotated[list[str] | None, typer.Option("--type", "-t", help="Keep ties of this type; repeat.")]
RoundOption = Annotated[int | None, typer.Option("--round", help="Keep ties of this fieldwork round.")]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="Keep ties active at this date (2010, 2010-06, ...).")]
SampleOption = Annotated[int | None, typer.Option("--sample", "-k", help="Estimate from this many NGOs (seeded).")]


ModeOption = Annotated[
    str,
    typer.Option(
        "--mode",
        help="Access metrics: realised (chains on each NGO's behalf, as the queries) or potential (any tie).",
    ),
]


RelationsOption = Annotated[
    str,
    typer.Option(
        "--relations",
        help="Brokerage: flow (the relations along which access flows, schema flow: true) or all.",
    ),
]


def _metric_functions(relations: str = "flow") -> dict[str, Callable[..., pd.DataFrame]]:
    from graphmodel import metrics as m

    return {
        "brokerage": lambda g, k, seed, mode: m.brokerage(g, relations=relations),
        "borrowed-trust": lambda g, k, seed, mode: m.borrowed_trust(g),
        "access-betweenness": lambda g, k, seed, mode: m.access_betweenness(g, k=k, seed=seed, mode=mode),
        "state-dependence": lambda g, k, seed, mode: m.state_dependence(g, mode=mode),
        "department-withdrawal": lambda g, k, seed, mode: m.department_withdrawal(g, k=k, seed=seed, mode=mode),
        "structural-holes": lambda g, k, seed, mode: m.structural_holes(g),
        "degree-by-type": lambda g, k, seed, mode: m.degree_by_type(g),
    }


#: Names ``graphmodel metrics`` accepts.
METRICS = (
    "brokerage",
    "borrowed-trust",
    "access-betweenness",
    "state-dependence",
    "department-withdrawal",
    "structural-holes",
    "degree-by-type",
)


def _as_result(frame: pd.DataFrame) -> Result:
    frame = frame.reset_index()
    rows = [tuple(_cell(v) for v in row) for row in frame.itertuples(index=False, name=None)]
    return Result([str(c) for c in frame.columns], rows)


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return None if value != value else round(value, 6)
    return value.item() if hasattr(value, "item") else value


def register(app: typer.Typer) -> None:
    """Add ``export`` and ``metrics`` to the CLI."""

    @app.command()
    def export(
        output: Annotated[Path, typer.Option("--output", "-o", help="File (graphml, gexf) or folder (csv).")],
        fmt: Annotated[str, typer.Option("--format", "-f", help="graphml, gexf or csv.")] = "graphml",
        label: LabelOption = None,
        rel: TypeOption = None,
        fieldwork_round: RoundOption = None,
        as_of: AsOfOption = None,
        store: StoreOption = None,
        redact: Annotated[
            bool, typer.Option("--redact", help="Stable pseudonyms for names, ids and interview details; no notes.")
        ] = False,
    ) -> None:
        """Export the graph (or part of it) for Gephi and other tools."""
        if fmt not in EXPORT_FORMATS:
            _fail(f"--format must be one of {', '.join(EXPORT_FORMATS)}")
        with _open(store) as db:
            try:
                graph = to_networkx(db, labels=label, types=rel, fieldwork_round=fieldwork_round, as_of=as_of)
                if redact:
                    graph = redact_graph(graph)
                files = write_graph(graph, output, fmt)
            except GraphmodelError as exc:
                _fail(str(exc))
        console.print(
            f"wrote {graph.number_of_nodes()} nodes and {graph.number_of_edges()} ties to "
            + ", ".join(str(f) for f in files)
        )

    @app.command()
    def metrics(
        name: Annotated[str, typer.Argument(help=f"One of: {', '.join(METRICS)}.")],
        fmt: Annotated[str, typer.Option("--format", "-f", help="table or csv.")] = "table",
        write_back: Annotated[
            bool, typer.Option("--write-back", help="Store each column on its node as metric_<column>.")
        ] = False,
        sample: SampleOption = None,
        seed: Annotated[int, typer.Option(help="Seed for --sample.")] = 0,
        mode: ModeOption = "realised",
        relations: RelationsOption = "flow",
        label: LabelOption = None,
        rel: TypeOption = None,
        fieldwork_round: RoundOption = None,
        as_of: AsOfOption = None,
        store: StoreOption = None,
    ) -> None:
        """Compute a network metric on the graph (or part of it) and print it, sorted by node."""
        functions = _metric_functions(relations)
        if name not in functions:
            _fail(f"unknown metric {name!r}; metrics are: {', '.join(functions)}")
        if fmt not in ("table", "csv"):
            _fail("--format must be table or csv")
        if mode not in MODES:
            _fail(f"--mode must be one of {', '.join(MODES)}")
        from graphmodel.metrics import write_metric

        with _open(store) as db:
            try:
                graph = to_networkx(db, labels=label, types=rel, fieldwork_round=fieldwork_round, as_of=as_of)
                frame = functions[name](graph, sample, seed, mode)
                if write_back:
                    for column in frame.columns:
                        write_metric(db, graph, frame[column], str(column).replace("-", "_"))
            except (GraphmodelError, ValueError) as exc:
                _fail(str(exc))
        result = _as_result(frame)
        if fmt == "csv":
            sys.stdout.write(to_csv(result))
        else:
            console.print(rich_table(result, name))
        if write_back:
            errors.print(f"wrote {len(frame.columns)} properties (metric_<column>) on {len(frame)} nodes")
