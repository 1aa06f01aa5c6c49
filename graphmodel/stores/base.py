"""The narrow interface every store implements.

A store runs parameterised Cypher (read or write), applies a list of write
statements as one unit, and creates the constraints the schema implies. The two
implementations (embedded FalkorDB, Neo4j) differ only where the engines differ.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString, TypeVar

from graphmodel.schema import Schema

Progress = Callable[[int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class Statement:
    """One parameterised Cypher statement; ``rows`` is how many input rows it carries."""

    cypher: LiteralString
    params: Mapping[str, Any] = field(default_factory=dict)
    rows: int = 0


@dataclass
class Result:
    """Columns and rows of a query, with values as plain Python data."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def dataframe(self) -> Any:
        """The result as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


class Store(ABC):
    """A graph database graphmodel can load into and query."""

    #: Short description for messages; never holds credentials.
    description: str

    @abstractmethod
    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None, *, write: bool = False) -> Result:
        """Run one statement. With ``write=False`` the engine must refuse any write."""

    @abstractmethod
    def apply(self, statements: Sequence[Statement], progress: Progress | None = None) -> None:
        """Apply write statements in order, all or nothing as far as the engine allows."""

    #: Whether this store writes large loads ahead while they are validated (see :meth:`apply_staged`).
    stages_large_loads: bool = False
    #: Whether what :meth:`apply_staged` writes ahead is invisible anyway (a copy swapped in at the
    #: end), so the load's own statements can be written ahead instead of staged nodes.
    stages_in_place: bool = False

    def apply_staged(
        self,
        stage: Iterable[Statement | None],
        switch: Callable[[], Sequence[Statement]],
        progress: Progress | None = None,
    ) -> bool:
        """Write ``stage`` ahead where no query sees it, then apply ``switch()`` as one unit that makes it live.

        For stores whose single transactions cannot hold a whole large package. ``stage``
        may be produced while it is written (``None`` in it: wait for what came before);
        ``switch`` is called once it is exhausted. Returns whether anything was written.
        The default applies both parts as one unit with :meth:`apply`.
        """
        ahead = [statement for statement in stage if statement is not None]
        todo = [*ahead, *switch()]
        if todo:
            self.apply(todo, progress)
        return bool(todo)

    def load_unit(self, package: str, work: Callable[[Store], T]) -> T:
        """Run one load of ``package``: ``work(store)`` reads, plans and calls ``apply``.

        Stores override this so that concurrent loads of a package take turns and
        what ``work`` reads is what its writes build on. The default just calls ``work``.
        """
        return work(self)

    def delete_all(self) -> None:
        """Remove every node and tie (tests, benchmarks and the demo's own store)."""
        raise NotImplementedError(f"{type(self).__name__} cannot delete everything")

    @abstractmethod
    def ensure_constraints(self, schema: Schema) -> list[str]:
        """Create the uniqueness constraints and indexes the schema implies; return their names."""

    @abstractmethod
    def close(self) -> None:
        """Release connections and processes."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def constraint_name(label: str, prop: str) -> str:
    """The predictable name of the constraint or index on ``label.prop``.

    >>> constraint_name("NGO", "id")
    'graphmodel_NGO_id'
    """
    return f"graphmodel_{label}_{prop}"
