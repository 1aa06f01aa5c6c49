"""``graphmodel resolve``: candidate duplicate actors, within and across packages, written for review."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from graphmodel.commands.base import StoreOption, _fail, _open, console
from graphmodel.errors import GraphmodelError


def register(app: typer.Typer) -> None:
    """Add the ``resolve`` command to ``app``."""

    @app.command()
    def resolve(
        packages: Annotated[
            list[Path] | None, typer.Argument(help="Fieldwork packages (folders or .xlsx) to compare.")
        ] = None,
        out: Annotated[Path, typer.Option("--out", "-o", help="Review file to write: .csv or .xlsx.")] = Path(
            "review.csv"
        ),
        store: StoreOption = None,
        label: Annotated[
            list[str] | None,
            typer.Option("--label", "-l", help="Only this label (repeat); default: every actor label."),
        ] = None,
        min_score: Annotated[float | None, typer.Option(help="Lowest score written (0-100).")] = None,
        threshold: Annotated[float | None, typer.Option(help="Score from which the suggestion is 'same'.")] = None,
    ) -> None:
        """Find likely duplicate actors (Chinese, pinyin and English names) and write them for review.

        Compares the packages given with each other, and with the store when --store is
        given (or the store alone when no package is). Of each pair, the store's actor (or
        the earlier package's) is the one kept (same_as). Mark the decision column same,
        different or unsure and keep the file as the package's decisions table.
        """
        from graphmodel.resolve import (
            DEFAULT_MIN_SCORE,
            DEFAULT_THRESHOLD,
            MatchStats,
            actor_labels,
            actors_from_package,
            actors_from_store,
            find_candidates,
        )
        from graphmodel.resolve.review import review_rows, write_review
        from graphmodel.schema import load_schema
        from loaders.fieldwork import read_package

        schema = load_schema()
        labels = label or actor_labels(schema)
        unknown = sorted(set(labels) - set(actor_labels(schema)))
        if unknown:
            _fail(f"--label must be one of {', '.join(actor_labels(schema))} (got {', '.join(unknown)})")
        try:
            actors = []
            if store is not None or not packages:
                with _open(store) as db:
                    actors += actors_from_store(db, schema, labels)
            for path in packages or []:
                actors += actors_from_package(read_package(path), schema, labels)
            stats = MatchStats()
            cut = DEFAULT_THRESHOLD if threshold is None else threshold
            rows = review_rows(
                find_candidates(actors, min_score=DEFAULT_MIN_SCORE if min_score is None else min_score, stats=stats),
                cut,
            )
            write_review(rows, out)
        except GraphmodelError as exc:
            _fail(str(exc))
        table = Table(title=Text(f"{len(rows):,} candidates in {out}"))
        for column in ("label", "candidates", f"score >= {cut:g}"):
            table.add_column(column, justify="left" if column == "label" else "right")
        for name in labels:
            scores = [r["score"] for r in rows if r["label"] == name]
            table.add_row(name, str(len(scores)), str(sum(s >= cut for s in scores)))
        console.print(table)
        console.print(
            f"{stats.actors:,} actors, {stats.blocks:,} blocks, {stats.comparisons:,} name comparisons, "
            f"{stats.scored:,} pairs scored. Mark the decision column (same / different / unsure) and add "
            "the file to a package as its decisions table."
        )
