"""Jupyter magics: ``%load_ext graphmodel``, then Cypher cells that return DataFrames.

::

    %load_ext graphmodel
    %graphmodel_store embedded:.graphmodel/demo     # optional: the project's store otherwise

    ngo = "ngo-y01"

    %%cypher
    MATCH (n:NGO {id: $ngo})-[t]->(a) RETURN type(t) AS tie, a.name AS to

The cell's value is a pandas DataFrame. Each ``$name`` in the Cypher takes the notebook
variable of that name (a parameter, never pasted into the text). ``%%cypher df`` also
stores the DataFrame in ``df``; ``%cypher --query motivations`` runs a library query
(parameters again from variables). Queries run read-only, as everywhere. A paged library
query (as_of, evidence, round_changes without an NGO) gives its first 1,000 rows with a
warning that more follow; ``%cypher --query as_of --all`` gives every row, and
``--after CURSOR`` the next page (the cursor is in the warning and in ``df.attrs["more"]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphmodel.errors import GraphmodelError
from graphmodel.queries import DEFAULT_PAGE_SIZE, Query, find_query, plain_query, run_query
from graphmodel.stores import Store, open_store

__all__ = ["CypherMagics", "load_ipython_extension"]


class CypherMagics:
    """The magics' state: one store, opened on first use and kept open.

    >>> import tempfile
    >>> magics = CypherMagics(lambda: {"x": 41}, "embedded:" + tempfile.mkdtemp())
    >>> magics.cypher("", "RETURN $x + 1 AS answer").to_dict("records")
    [{'answer': 42}]
    >>> magics.close()
    """

    def __init__(self, namespace: Any, store: str | None = None) -> None:
        self._namespace = namespace  # a callable giving the notebook's variables
        self._url = store
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self._url)
        return self._store

    def use(self, url: str) -> str:
        """``%graphmodel_store URL``: switch store (nothing: show the current one)."""
        url = url.strip()
        if url:
            self.close()
            self._url = url
        return self.store.description

    def cypher(self, line: str, cell: str | None = None) -> Any:
        """``%%cypher [VAR]``: run the cell; ``%cypher [VAR] --query NAME``: a library query. Returns a DataFrame."""
        words = line.split()
        every = "--all" in words
        words = [w for w in words if w != "--all"]
        after = None
        if "--after" in words:
            at = words.index("--after")
            if at + 1 >= len(words):
                raise GraphmodelError("%cypher --after needs the cursor of the page before")
            after = words[at + 1]
            words = words[:at] + words[at + 2 :]
        query: Query
        if "--query" in words:
            at = words.index("--query")
            if at + 1 >= len(words):
                raise GraphmodelError("%%cypher --query needs a query name")
            query = find_query(words[at + 1])
            words = words[:at] + words[at + 2 :]
        else:
            query = plain_query(cell or "", Path("cell"))
        variables = self._namespace()
        missing = [p for p, spec in query.params.items() if p not in variables and spec.required]
        if missing:
            raise GraphmodelError(f"no notebook variable for {', '.join('$' + m for m in missing)}")
        given = {p: variables[p] for p in query.params if p in variables}
        result = run_query(self.store, query, given, page_size=None if every else DEFAULT_PAGE_SIZE, after=after)
        frame = result.dataframe()
        frame.attrs["more"] = result.more
        if words:
            variables[words[0]] = frame
        return frame

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%cypher`` (and ``%cypher``) and ``%graphmodel_store`` on an IPython shell."""
    magics = CypherMagics(lambda: ipython.user_ns)
    ipython.register_magic_function(magics.cypher, magic_kind="line_cell", magic_name="cypher")
    ipython.register_magic_function(magics.use, magic_kind="line", magic_name="graphmodel_store")
    import atexit

    atexit.register(magics.close)
