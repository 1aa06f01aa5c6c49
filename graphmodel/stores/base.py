"""The narrow interface every store implements.

A store runs parameterised Cypher (read or write), opens a *load session* that
executes the engine's write stream as one unit, and creates the constraints and
indexes the schema implies (built in :mod:`graphmodel.stores.ddl`). The two
implementations (embedded FalkorDB, Neo4j) differ only where the engines differ:
how a load is staged is the store's business, declared as one :class:`Staging` mode.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString

from graphmodel.records import NodeRecord, TieRecord
from graphmodel.schema import Schema

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Statement:
    """One parameterised Cypher statement; ``rows`` is how many input rows it carries."""

    cypher: LiteralString
    params: Mapping[str, Any] = field(default_factory=dict)
    rows: int = 0


@dataclass
class Result:
    """Columns and rows of a query, with values as plain Python data.

    A paged library query (see :mod:`graphmodel.queries`) may hold only the first rows of
    a larger result: then :attr:`more` is the cursor of the next page and :attr:`note`
    says so; a complete result has ``more`` None.

    >>> r = Result(["id"], [("a",)], more="a~1")
    >>> r.complete, r.note
    (False, "first 1 row of a larger result; next page: after='a~1' (CLI --after 'a~1'); every row: page_size=None (CLI --all)")
    """

    columns: list[str]
    rows: list[tuple[Any, ...]]
    #: The cursor of the next page when this is one page of a larger result; None when complete.
    more: str | None = None

    @property
    def complete(self) -> bool:
        """Whether these are all the rows (not one page of more)."""
        return self.more is None

    @property
    def note(self) -> str:
        """What a reader must be told about a page ("" for a complete result)."""
        if self.more is None:
            return ""
        n = len(self.rows)
        return (
            f"first {n:,} row{'s' if n != 1 else ''} of a larger result; "
            f"next page: after={self.more!r} (CLI --after {self.more!r}); every row: page_size=None (CLI --all)"
        )

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def dataframe(self) -> Any:
        """The result as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


class Staging(enum.Enum):
    """How a store keeps a load's writes out of sight until it commits."""

    #: One transaction holds the whole load; writing ahead is just writing.
    NONE = "none"
    #: The load writes to a private copy of the graph that replaces the live one at commit,
    #: so every statement may be written ahead while the package is still being validated.
    COPY = "copy"
    #: New nodes (and ties between them) are written ahead in transactions of their own
    #: under the schema's staging label, which no query sees; the rest, and the switch that
    #: makes the staged nodes live, run in the session's one transaction.
    LABEL = "label"


class LoadSession(ABC):
    """One load's access to a store: reads, writes ahead, the atomic part, then commit or rollback.

    Opening a session takes the store's load lock, so loads take turns and each plans
    against what the last one committed. Leaving the ``with`` block without
    :meth:`commit` (or with an exception) rolls everything back, what was written
    ahead included. Not a store: it has no ``close`` and no schema management.
    """

    staging: Staging = Staging.NONE

    @abstractmethod
    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> Result:
        """Run a statement inside the session (it sees what the session wrote, except what was written ahead)."""

    @abstractmethod
    def write(self, statement: Statement) -> None:
        """Write ``statement`` as part of the load's atomic unit."""

    def write_ahead(self, statement: Statement | None) -> None:
        """Write ``statement`` ahead of the atomic unit, where no query sees it until commit.

        ``None`` is a barrier: what follows is written only after what came before.
        Only statements the session's :attr:`staging` mode allows may be written ahead
        (see :class:`Staging`); without staging this is :meth:`write`.
        """
        if statement is not None:
            self.write(statement)

    def run_written(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> Result:
        """Run a read that sees everything the session wrote so far (for steps that follow the writes).

        After the atomic part, what was written ahead is live in the session too (staged
        nodes are switched live by then). By default this is :meth:`run`.
        """
        return self.run(cypher, params)

    @abstractmethod
    def commit(self) -> None:
        """Make everything written live at once, and durable, or raise (the graph unchanged)."""

    @abstractmethod
    def rollback(self) -> None:
        """Discard everything written, ahead or not."""

    @property
    @abstractmethod
    def committed(self) -> bool:
        """Whether :meth:`commit` succeeded."""

    def __enter__(self) -> LoadSession:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if not self.committed:
            self.rollback()


class BulkSession(ABC):
    """A first load into an empty store, written the fastest way the store knows.

    Opening it takes the store's load lock, like a :class:`LoadSession`. The engine asks
    :meth:`empty` first and uses the session only if the store holds nothing; it then hands
    on every node record (:meth:`nodes`, once) and the tie records in steps (:meth:`ties`)
    as they are validated, and :meth:`commit` runs the closing statements (the package's
    record, the graph's format) and makes everything live and durable. Leaving the ``with``
    block without :meth:`commit` removes everything written.

    ``session`` is the store's load session that holds the lock (and, for reads, sees the
    live graph); its commit ends the load.
    """

    def __init__(self, session: LoadSession, schema: Schema) -> None:
        self._session = session
        self._schema = schema

    def empty(self) -> bool:
        """Whether the store holds no node but its :Graph node."""
        from graphmodel import statements as cy

        return not self.run(cy.any_data(self._schema)).rows

    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> Result:
        """Run a read against the live graph."""
        return self._session.run(cypher, params)

    def begin(self, package: str, provisional: Statement) -> None:
        """Called before any record: ``provisional`` records the package as being loaded.

        A store whose bulk writes are visible before the commit writes it durably first, so
        that a load killed midway leaves a package the next load reconciles; others ignore it.
        """
        return None

    @abstractmethod
    def nodes(self, records: Sequence[NodeRecord]) -> None:
        """Write every node of the load (called once, before any tie)."""

    @abstractmethod
    def ties(self, records: Sequence[TieRecord]) -> None:
        """Write ties between nodes already handed to :meth:`nodes`."""

    @abstractmethod
    def commit(self, statements: Sequence[Statement]) -> None:
        """Run ``statements`` after the records, then make the load live and durable, or raise (nothing kept)."""

    @abstractmethod
    def rollback(self) -> None:
        """Discard everything written and release the lock."""

    @property
    def committed(self) -> bool:
        """Whether :meth:`commit` succeeded."""
        return self._session.committed

    def __enter__(self) -> BulkSession:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if not self.committed:
            self.rollback()


class Store(ABC):
    """A graph database graphmodel can load into and query."""

    #: Short description for messages; never holds credentials.
    description: str

    @abstractmethod
    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None, *, write: bool = False) -> Result:
        """Run one statement. With ``write=False`` the engine must refuse any write."""

    @abstractmethod
    def load_session(self, *, staged: bool = False) -> LoadSession:
        """Open a load session; ``staged``: the load is large, stage it if the store stages loads."""

    def bulk_session(self, schema: Schema) -> BulkSession | None:
        """A session for a first load into an empty store (see :class:`BulkSession`); None: no bulk path."""
        return None

    def apply(self, statements: Sequence[Statement], progress: Progress | None = None) -> None:
        """Apply write statements in order, all or nothing (through a load session)."""
        with self.load_session() as session:
            for statement in statements:
                session.write(statement)
                if progress:
                    progress(statement.rows)
            session.commit()

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
