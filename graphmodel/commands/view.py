"""``graphmodel view``: write an HTML view of the graph, or of one NGO's or department's part of it."""

from pathlib import Path
from typing import Annotated

import typer

from graphmodel.commands.base import (
    KeepPlacesOption,
    RedactKeyOption,
    RedactOption,
    StoreOption,
    _fail,
    _open,
    _redaction_key,
    console,
)
from graphmodel.errors import GraphmodelError


def register(app: typer.Typer) -> None:
    """Add the ``view`` command to ``app``."""

    @app.command()
    def view(
        out: Annotated[Path, typer.Argument(help="The HTML file to write (nothing else is written).")],
        store: StoreOption = None,
        ngo: Annotated[str | None, typer.Option(help="Focus on this NGO (id); see --focus.")] = None,
        focus: Annotated[
            str,
            typer.Option(
                help="With --ngo: 'ego' (its neighbours) or 'access' (paths to villages, and where its trust came from)."
            ),
        ] = "ego",
        agency: Annotated[
            str | None, typer.Option(help="Focus on this department (id): the NGOs and villages it brokers between.")
        ] = None,
        size_by: Annotated[
            str | None, typer.Option("--size-by", help="Numeric node property for node size, e.g. metric_degree.")
        ] = None,
        fieldwork_round: Annotated[
            int | None, typer.Option("--round", help="Only ties observed in this fieldwork round.")
        ] = None,
        title: Annotated[str | None, typer.Option(help="Heading of the page.")] = None,
        physics: Annotated[
            bool | None,
            typer.Option("--physics/--no-physics", help="Force layout in the browser (default: on up to 1,000 nodes)."),
        ] = None,
        overview: Annotated[
            bool | None,
            typer.Option(
                "--overview/--all-actors",
                help="Groups with counted tie bundles, or every actor (default: overview above 2,000 actors).",
            ),
        ] = None,
        grouped: Annotated[
            bool, typer.Option("--group-villages", help="Show one node per township instead of its villages.")
        ] = False,
        stated_only: Annotated[
            bool,
            typer.Option(
                "--stated-only",
                help="Leave out rows whose basis is not 'stated' (actors joined by a stated tie stay); see docs/views.md.",
            ),
        ] = False,
        redact: RedactOption = False,
        redact_key: RedactKeyOption = None,
        keep_places: KeepPlacesOption = False,
    ) -> None:
        """Write a self-contained, offline HTML view of the graph (vis-network, as shipped by pyvis)."""
        from graphmodel import views

        if ngo and agency:
            _fail("give --ngo or --agency, not both")
        if focus not in ("ego", "access"):
            _fail("--focus must be 'ego' or 'access'")
        if overview and (ngo or agency):
            _fail("--overview applies to the whole graph, not to a focused view")
        if grouped and (ngo or agency):
            _fail("--group-villages applies to the whole graph, not to a focused view")
        key = _redaction_key(redact, redact_key)
        with _open(store) as db:
            try:
                graph = views.read_graph(db)
            except GraphmodelError as exc:
                _fail(str(exc))
        if key is not None:
            from graphmodel.redact import pseudonym, redact_graph

            graph = redact_graph(graph, key=key, keep_places=keep_places)
            ngo, agency = (pseudonym(x, key=key) if x else x for x in (ngo, agency))
        try:
            interviews = views.interview_index(graph)
            if stated_only:
                graph = views.only_stated(graph)
            if fieldwork_round is not None:
                graph = views.only_round(graph, fieldwork_round)
            if grouped:
                graph = views.group_villages(graph)
            shown: views.Focus | None = None
            if ngo:
                shown = views.access(graph, ngo) if focus == "access" else views.ego(graph, ngo)
            elif agency:
                shown = views.broker(graph, agency)
            keys = {k for _, d in graph.nodes(data=True) for k in d}
            if size_by and size_by not in keys and f"metric_{size_by}" in keys:
                size_by = f"metric_{size_by}"
            page = views.build_page(
                shown or graph, title=title, size_by=size_by, physics=physics, interviews=interviews, overview=overview
            )
            path = views.write_page(page, out)
        except GraphmodelError as exc:
            _fail(str(exc))
        drawn = shown.graph if shown else graph
        console.print(
            f"wrote {path}: {drawn.number_of_nodes()} actors, {drawn.number_of_edges()} ties, {len(page) / 1e6:.1f} MB"
        )
