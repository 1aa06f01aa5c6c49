"""``graphmodel load-qda``: load coded interviews from NVivo, ATLAS.ti or MAXQDA."""

from pathlib import Path
from typing import Annotated

import typer

from graphmodel.commands.base import StoreOption, _fail, _open
from graphmodel.errors import GraphmodelError, InvalidPackage


def register(app: typer.Typer) -> None:
    """Add the ``load-qda`` command to ``app``."""

    @app.command("load-qda")
    def load_qda_command(
        path: Annotated[
            Path, typer.Argument(help="A REFI-QDA project (.qdpx), codebook (.qdc) or coded-segment export (.xlsx).")
        ],
        ngo_map: Annotated[
            Path | None, typer.Option("--ngo-map", help="CSV with columns interview (or source) and ngo.")
        ] = None,
        store: StoreOption = None,
        name: Annotated[
            str | None, typer.Option(help="Package name (default: the file name without extension).")
        ] = None,
        only_under: Annotated[
            str | None, typer.Option("--only-under", help="Load only codes under this parent code, e.g. Motivations.")
        ] = None,
        quote: Annotated[
            bool,
            typer.Option("--quote", help="Copy the coded passages into each tie's note (default: positions only)."),
        ] = False,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Validate and show the changes without writing.")
        ] = False,
    ) -> None:
        """Load coded interviews: sources as interviews, codes as motivations, codings as MENTIONS ties."""
        from graphmodel.commands.base import errors
        from graphmodel.commands.common import _print_report
        from loaders.qda import code_report, load_qda

        with _open(store) as db:
            try:
                for line in code_report(db, path, only_under=only_under, name=name):
                    errors.print(line, markup=False, highlight=False, soft_wrap=True)
                report = load_qda(
                    db, path, name=name, ngo_map=ngo_map, only_under=only_under, quote=quote, dry_run=dry_run
                )
            except InvalidPackage as exc:
                for problem in exc.problems:
                    typer.echo(str(problem), err=True)
                _fail(f"{exc}; nothing was written")
            except GraphmodelError as exc:
                _fail(str(exc))
            _print_report(report)
