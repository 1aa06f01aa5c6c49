"""Which Cypher a query file may hold: read clauses only, and read-only procedures from a short list.

Queries run in read transactions, but a read transaction on Neo4j still runs
administration commands (``SHOW USERS``, ``TERMINATE TRANSACTIONS``) and
procedures that change the server's state (``db.clearQueryCaches``, ``dbms.*``).
So the text is checked before it is sent, on both stores alike:

- one statement, starting with ``MATCH``, ``OPTIONAL MATCH``, ``WITH``, ``UNWIND``,
  ``RETURN`` or ``CALL``;
- no write clause (``CREATE``, ``MERGE``, ``SET``, ``DELETE``, ``REMOVE``,
  ``FOREACH``, ``INSERT``, ``LOAD CSV``), no administration command (``SHOW``,
  ``TERMINATE``, ``GRANT``, ...), no ``USE`` and no ``CALL ... IN TRANSACTIONS``;
- ``CALL name(...)`` only for the procedures in :data:`READ_PROCEDURES`.

String literals, comments and quoted (backtick) names are read first, so a word
inside them neither trips the check nor hides from it.

>>> check_read_only("MATCH (n:NGO) WHERE n.name = 'SET x' RETURN n // DELETE")
>>> check_read_only("CALL db.clearQueryCaches()")
Traceback (most recent call last):
...
graphmodel.errors.QueryError: only read queries run: procedure db.clearQueryCaches is not on the read-only list (db.labels, db.propertyKeys, db.relationshipTypes)
"""

from __future__ import annotations

import re
from itertools import pairwise

from graphmodel.errors import QueryError

__all__ = ["READ_PROCEDURES", "check_read_only", "parameter_names"]

#: Procedures a query may call: they only read the graph's own names.
READ_PROCEDURES = ("db.labels", "db.propertyKeys", "db.relationshipTypes")
#: Words a read query may start with.
FIRST_WORDS = ("MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CALL")
#: Clauses that write, and what they are called in the error.
WRITE_CLAUSES = {
    "CREATE": "a write clause",
    "MERGE": "a write clause",
    "SET": "a write clause",
    "DELETE": "a write clause",
    "DETACH": "a write clause",
    "REMOVE": "a write clause",
    "FOREACH": "a write clause",
    "INSERT": "a write clause",
    "LOAD": "a clause that reads files on the server",
    "SHOW": "an administration command",
    "TERMINATE": "an administration command",
    "GRANT": "an administration command",
    "DENY": "an administration command",
    "REVOKE": "an administration command",
    "ALTER": "an administration command",
    "DROP": "an administration command",
    "RENAME": "an administration command",
    "USE": "a switch to another database",
    "TRANSACTIONS": "a clause that commits on its own",
}
_TOKEN = re.compile(
    r"""
      (?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<string>'(?:[^'\\]|\\.)*(?:'|\Z)|"(?:[^"\\]|\\.)*(?:"|\Z))
    | (?P<quoted>`(?:[^`]|``)*(?:`|\Z))
    | (?P<word>[^\W\d]\w*)
    | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)


def _tokens(cypher: str) -> list[tuple[str, str]]:
    """``(kind, text)`` pairs: words, quoted names (unquoted) and single characters; no comments or strings.

    >>> _tokens("CALL `db`.labels() // x")
    [('word', 'CALL'), ('quoted', 'db'), ('other', '.'), ('word', 'labels'), ('other', '('), ('other', ')')]
    """
    out = []
    for match in _TOKEN.finditer(cypher):
        kind = match.lastgroup or "other"
        text = match[0]
        if kind == "comment":
            continue
        if kind == "string":
            text = "''"  # its content never counts
        elif kind == "quoted":
            text = text[1:-1].replace("``", "`") if text.endswith("`") and len(text) > 1 else text[1:]
        out.append((kind, text))
    return out


def parameter_names(cypher: str) -> list[str]:
    """The ``$name`` parameters a statement uses, sorted; none in its comments or strings.

    >>> parameter_names("MATCH (n {id: $ngo}) /* not $this */ RETURN '$nor_this', $n, $ngo")
    ['n', 'ngo']
    """
    tokens = _tokens(cypher)
    return sorted(
        {text for (_, before), (kind, text) in pairwise(tokens) if before == "$" and kind in ("word", "quoted")}
    )


def _refuse(reason: str) -> None:
    raise QueryError(f"only read queries run: {reason}")


def check_read_only(cypher: str) -> None:
    """Raise :class:`~graphmodel.errors.QueryError` unless ``cypher`` is one read-only query (see the module docs)."""
    tokens = _tokens(cypher)
    words = [(i, text) for i, (kind, text) in enumerate(tokens) if kind == "word"]
    if not tokens:
        _refuse("the query is empty")
    first_kind, first = tokens[0]
    if first_kind != "word" or first.upper() not in FIRST_WORDS:
        shown = first.upper() if first_kind == "word" else first
        _refuse(f"a query starts with {', '.join(FIRST_WORDS[:-1])} or {FIRST_WORDS[-1]}, not {shown!r}")
    for index, (kind, text) in enumerate(tokens):
        if kind == "other" and text == ";" and any(k != "other" or t != ";" for k, t in tokens[index + 1 :]):
            _refuse("one statement per query (a ';' is followed by another)")
    for index, text in words:
        before = tokens[index - 1][1] if index else ""
        after = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if before in (".", "$", ":") or after == ":":
            continue  # a property, parameter, label or map key named like a keyword
        upper = text.upper()
        if upper in WRITE_CLAUSES:
            _refuse(f"{upper} is {WRITE_CLAUSES[upper]}")
        if upper == "CALL" and index + 1 < len(tokens) and tokens[index + 1][0] in ("word", "quoted"):
            _check_procedure(tokens, index + 1)


def _check_procedure(tokens: list[tuple[str, str]], start: int) -> None:
    """The procedure named from ``tokens[start]`` on (``name(.name)*``) must be on the read-only list."""
    parts = [tokens[start][1]]
    index = start + 1
    while index + 1 < len(tokens) and tokens[index][1] == "." and tokens[index + 1][0] in ("word", "quoted"):
        parts.append(tokens[index + 1][1])
        index += 2
    name = ".".join(parts)
    if name not in READ_PROCEDURES:
        _refuse(f"procedure {name} is not on the read-only list ({', '.join(sorted(READ_PROCEDURES))})")
