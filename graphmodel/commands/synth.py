"""``graphmodel synth``: write a seeded synthetic fieldwork package (for benchmarks and demos)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graphmodel.commands.base import _fail, console
from graphmodel.errors import GraphmodelError


def register(app: typer.Typer) -> None:
    """Add the ``synth`` command to ``app``."""

    @app.command()
    def synth(
        out: Annotated[Path, typer.Argument(help="Folder to write the package's CSV files into.")],
        size: Annotated[
            str, typer.Option(help="tiny (~500 nodes), county (~10^4), medium (~75k) or national (~10^6).")
        ] = "tiny",
        seed: Annotated[int, typer.Option(help="Random seed; the same seed writes the same files.")] = 0,
    ) -> None:
        """Write a synthetic package: provinces down to villages, departments, NGOs, chains, interviews."""
        from graphmodel.synth import write_package

        try:
            stats = write_package(out, size, seed=seed)
        except GraphmodelError as exc:
            _fail(str(exc))
        console.print(f"wrote {out}: {stats.nodes:,} nodes, {stats.ties:,} ties ({size}, seed {seed})")
