"""Review decisions as data: the ``decisions`` table of a fieldwork package, checked and turned into a mapping.

Each row says whether ``id`` is the same actor as ``same_as`` (``same``, ``different``
or ``unsure``; a blank decision is a row not reviewed yet). ``same`` decisions join ids
into groups (union-find); each group gets one canonical id, chosen deterministically, and
every other id of the group maps to it. A ``different`` decision between two ids that
``same`` decisions join is a conflict, reported with the chain that joins them.

>>> from graphmodel.tables import Row, Table
>>> table = Table("decisions", "decisions.csv", ["id", "same_as", "decision"])
>>> table.rows += [Row(2, {"id": "A", "same_as": "B", "decision": "same"}),
...                Row(3, {"id": "B", "same_as": "C", "decision": "same"}),
...                Row(4, {"id": "A", "same_as": "C", "decision": "different"})]
>>> decisions, problems = read_decisions(table)
>>> mapping, conflicts = canonical_mapping(decisions)
>>> mapping
{'A': 'B', 'C': 'B'}
>>> print(conflicts[0])
decisions.csv:4:decision: A and C are marked different, but same-decisions join them: A = B (row 2), B = C (row 3)
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass

from graphmodel.errors import Problem
from graphmodel.tables import Table

__all__ = [
    "COLUMNS",
    "DECISIONS",
    "REQUIRED",
    "VALUES",
    "Decision",
    "canonical_mapping",
    "decision_from_record",
    "decision_record",
    "read_decisions",
    "same_groups",
]

#: The table's name in a fieldwork package.
DECISIONS = "decisions"
#: Its columns; other columns (``graphmodel resolve`` writes score, reasons and both names) are ignored.
COLUMNS = ("id", "same_as", "decision", "reviewer", "note")
REQUIRED = ("id", "same_as", "decision")
VALUES = ("same", "different", "unsure")


@dataclass(frozen=True)
class Decision:
    """One reviewed pair, with where it was written."""

    id: str
    same_as: str
    decision: str
    reviewer: str = ""
    note: str = ""
    file: str = ""
    row: int = 0


def decision_record(d: Decision) -> str:
    """A decision as its package's load record keeps it in the graph (one string, tab-separated).

    >>> record = decision_record(Decision("fn-fulian", "ag-wf", "same", file="decisions.csv", row=2))
    >>> decision_from_record(record, "notes")
    Decision(id='fn-fulian', same_as='ag-wf', decision='same', reviewer='', note='', file='notes/decisions.csv', row=2)
    """
    return "\t".join([d.decision, d.id, d.same_as, d.file, str(d.row)])


def decision_from_record(record: str, package: str) -> Decision:
    """The decision a load record holds; its file is named with the package (``notes/decisions.csv``)."""
    decision, id_, same_as, file, row = record.split("\t")
    return Decision(id_, same_as, decision, file=f"{package}/{file}", row=int(row or 0))


def read_decisions(table: Table) -> tuple[list[Decision], list[Problem]]:
    """The table's decisions (reviewed rows only) and its problems, each located at file:row:column.

    >>> from graphmodel.tables import Row, Table
    >>> table = Table("decisions", "decisions.csv", ["id", "same_as", "decision"])
    >>> table.rows += [Row(2, {"id": "A", "same_as": "A", "decision": "same"}),
    ...                Row(3, {"id": "A", "same_as": "B", "decision": "yes"}),
    ...                Row(4, {"id": "B", "decision": "same"}), Row(5, {"id": "A", "same_as": "B"})]
    >>> decisions, problems = read_decisions(table)
    >>> decisions, [str(p) for p in problems]  # doctest: +NORMALIZE_WHITESPACE
    ([], ['decisions.csv:2:same_as: an id cannot be decided against itself',
          'decisions.csv:3:decision: not one of same, different, unsure (blank: not reviewed yet)',
          'decisions.csv:4:same_as: a value is required'])
    """
    problems: list[Problem] = []
    missing = [c for c in REQUIRED if c not in table.columns]
    for column in missing:
        problems.append(Problem(table.source, 1, column, "missing column (needs id, same_as, decision)"))
    if missing:
        return [], problems
    decisions: list[Decision] = []
    seen: dict[tuple[str, str], Decision] = {}
    for row in table.rows:
        values = row.values
        decision = values.get("decision", "").strip().lower()
        bad = False
        for column in ("id", "same_as"):
            if not values.get(column):
                problems.append(Problem(table.source, row.number, column, "a value is required"))
                bad = True
        if not bad and values["id"] == values["same_as"]:
            problems.append(Problem(table.source, row.number, "same_as", "an id cannot be decided against itself"))
            bad = True
        if decision and decision not in VALUES:
            problems.append(
                Problem(
                    table.source, row.number, "decision", f"not one of {', '.join(VALUES)} (blank: not reviewed yet)"
                )
            )
            bad = True
        if bad or not decision:
            continue
        item = Decision(
            values["id"], values["same_as"], decision, values.get("reviewer", ""), values.get("note", ""),
            table.source, row.number,
        )  # fmt: skip
        pair = (min(item.id, item.same_as), max(item.id, item.same_as))
        earlier = seen.get(pair)
        if earlier is not None and earlier.decision != decision:
            problems.append(
                Problem(
                    table.source, row.number, "decision",
                    f"{decision}, but row {earlier.row} decided {earlier.decision} for the same pair",
                )
            )  # fmt: skip
            continue
        seen[pair] = item
        decisions.append(item)
    return decisions, problems


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def same_groups(decisions: Iterable[Decision]) -> dict[str, str]:
    """Every id ``same`` decisions join, to one id of its group (the smallest).

    >>> same_groups([Decision("b", "c", "same"), Decision("c", "d", "same"), Decision("x", "y", "different")])
    {'b': 'b', 'c': 'b', 'd': 'b'}
    """
    groups = _UnionFind()
    for d in decisions:
        if d.decision == "same":
            groups.union(d.id, d.same_as)
    return {x: groups.find(x) for x in sorted(groups.parent)}


def canonical_mapping(
    decisions: Iterable[Decision], prefer: Iterable[str] = ()
) -> tuple[dict[str, str], list[Problem]]:
    """Map every id that ``same`` decisions merge to its group's canonical id; report conflicts.

    The canonical id of a group is, in this order: an id in ``prefer`` (e.g. ids a store
    already holds), an id that some decision names in ``same_as`` (the one the reviewer
    kept), the smallest id. So the result does not depend on the order of the rows.

    >>> mapping, _ = canonical_mapping([Decision("x", "y", "same"), Decision("z", "y", "same")], prefer=["z"])
    >>> mapping
    {'x': 'z', 'y': 'z'}
    """
    decisions = list(decisions)
    groups = _UnionFind()
    kept: set[str] = set()
    edges: dict[str, list[tuple[str, Decision]]] = defaultdict(list)
    for d in decisions:
        if d.decision == "same":
            groups.union(d.id, d.same_as)
            kept.add(d.same_as)
            edges[d.id].append((d.same_as, d))
            edges[d.same_as].append((d.id, d))
    preferred = set(prefer)
    members: dict[str, list[str]] = defaultdict(list)
    for x in list(groups.parent):
        members[groups.find(x)].append(x)
    mapping: dict[str, str] = {}
    for ids in members.values():
        canonical = min(ids, key=lambda x: (x not in preferred, x not in kept, x))
        mapping.update({x: canonical for x in sorted(ids) if x != canonical})
    problems = []
    for d in decisions:
        joined = d.id in groups.parent and d.same_as in groups.parent and groups.find(d.id) == groups.find(d.same_as)
        if d.decision == "different" and joined:
            chain = ", ".join(
                f"{a} = {b} (row {x.row})" if x.file == d.file else f"{a} = {b} ({x.file} row {x.row})"
                for a, b, x in _path(edges, d.id, d.same_as)
            )
            problems.append(
                Problem(
                    d.file, d.row, "decision",
                    f"{d.id} and {d.same_as} are marked different, but same-decisions join them: {chain}",
                )
            )  # fmt: skip
    return dict(sorted(mapping.items())), problems


def _path(edges: dict[str, list[tuple[str, Decision]]], start: str, goal: str) -> list[tuple[str, str, Decision]]:
    """The shortest chain of same-decisions from ``start`` to ``goal``, as (from, to, decision) steps."""
    came: dict[str, tuple[str, Decision] | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for other, d in sorted(edges[node], key=lambda e: (e[1].row, e[0])):
            if other not in came:
                came[other] = (node, d)
                queue.append(other)
    steps = []
    node = goal
    while (step := came.get(node)) is not None:
        previous, d = step
        steps.append((previous, node, d))
        node = previous
    return steps[::-1]
