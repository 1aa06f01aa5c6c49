"""CLI: ``graphmodel export`` (GraphML, GEXF, CSV) and ``graphmodel metrics NAME``.

pandas, NetworkX and the metrics are imported when a command runs, not when the CLI starts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from graphmodel.commands.base import (
    KeepPlacesOption,
    RedactKeyOption,
    RedactOption,
    ResultOptions,
    StoreOption,
    _fail,
    _open,
    _print_result,
    _redaction_key,
    console,
    errors,
    resolve_name,
    result_options,
)
from graphmodel.errors import GraphmodelError

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from graphmodel.stores.base import Result

#: Export formats (kept here too so the CLI need not import the exporter to list them).
EXPORT_FORMATS = ("graphml", "gexf", "csv")
#: Access metrics' modes.
MODES = ("realised", "potential")

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
    from graphmodel.stores.base import Result

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
        redact: RedactOption = False,
        redact_key: RedactKeyOption = None,
        keep_places: KeepPlacesOption = False,
    ) -> None:
        """Export the graph (or part of it) for Gephi and other tools."""
        from graphmodel.export import export_store, to_networkx, write_graph
        from graphmodel.redact import redact_graph

        if fmt not in EXPORT_FORMATS:
            _fail(f"--format must be one of {', '.join(EXPORT_FORMATS)}")
        key = _redaction_key(redact, redact_key)
        with _open(store, read=True) as db:
            try:
                if key is None:  # straight from the store to the file
                    files, nodes, ties = export_store(
                        db, output, fmt, labels=label, types=rel, fieldwork_round=fieldwork_round, as_of=as_of
                    )
                else:
                    graph = to_networkx(db, labels=label, types=rel, fieldwork_round=fieldwork_round, as_of=as_of)
                    graph = redact_graph(graph, key=key, keep_places=keep_places)
                    files = write_graph(graph, output, fmt)
                    nodes, ties = graph.number_of_nodes(), graph.number_of_edges()
            except GraphmodelError as exc:
                _fail(str(exc))
        console.print(f"wrote {nodes} nodes and {ties} ties to " + ", ".join(str(f) for f in files))

    @app.command()
    @result_options(params=False)
    def metrics(
        name: Annotated[str, typer.Argument(help=f"One of: {', '.join(METRICS)} (- or _ alike).")],
        opts: ResultOptions,
        sort: Annotated[
            str | None,
            typer.Option("--sort", help="Sort by this column (numbers largest first); default: by node id."),
        ] = None,
        top: Annotated[int | None, typer.Option("--top", help="Only the first N rows (after sorting).")] = None,
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
    ) -> None:
        """Compute a network metric on the graph (or part of it): one row per node, with its name and label."""
        name = resolve_name(name, METRICS, "metric")
        if mode not in MODES:
            _fail(f"--mode must be one of {', '.join(MODES)}")
        if top is not None and top < 1:
            _fail("--top must be 1 or more")
        from graphmodel.export import to_networkx
        from graphmodel.metrics import write_metric

        functions = _metric_functions(relations)
        key, keep_places = opts.key, opts.keep_places
        sensitive: Any = None
        with _open(opts.store, read=True) as db:
            try:
                graph = to_networkx(db, labels=label, types=rel, fieldwork_round=fieldwork_round, as_of=as_of)
                frame = functions[name](graph, sample, seed, mode)
                if write_back:
                    for column in frame.columns:
                        write_metric(db, graph, frame[column], str(column).replace("-", "_"))
                if key is not None:
                    from graphmodel.redact import sensitive_values

                    sensitive = sensitive_values(db, key=key, keep_places=keep_places)
            except (GraphmodelError, ValueError) as exc:
                _fail(str(exc))
        table = _with_names(frame, graph)
        if sort is not None:
            if sort not in table.columns:
                _fail(f"--sort: no column {sort!r}; columns are {', '.join(map(str, table.columns))}")
            table = table.sort_values(sort, ascending=not _numeric(table[sort]), kind="stable", na_position="last")
        if top is not None:
            table = table.head(top)
        result = _as_result(table)
        if key is not None:  # share-safe: ids, names and places pseudonymised (docs/redaction.md)
            from graphmodel.redact import redact_result

            result = redact_result(result, sensitive, key=key, keep_places=keep_places)
        _print_result(result, opts.fmt, name, output=opts.output, bom=opts.bom)
        if write_back:
            errors.print(f"wrote {len(frame.columns)} properties (metric_<column>) on {len(frame)} nodes")


def _with_names(frame: pd.DataFrame, graph: nx.MultiDiGraph) -> pd.DataFrame:
    """The metric with each node's name and label as the first columns after its id.

    >>> import networkx as nx, pandas as pd
    >>> g = nx.MultiDiGraph(); g.add_node("a", label="NGO", name="Green")
    >>> f = pd.DataFrame({"x": [1.0]}, index=pd.Index(["a"], name="node"))
    >>> _with_names(f, g).reset_index().values.tolist()
    [['a', 'Green', 'NGO', 1.0]]
    """
    out = frame.copy()
    ids = list(out.index)
    out.insert(0, "label", [graph.nodes[n].get("label") if n in graph else None for n in ids])
    out.insert(0, "name", [graph.nodes[n].get("name") if n in graph else None for n in ids])
    return out


def _numeric(column: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(column))
