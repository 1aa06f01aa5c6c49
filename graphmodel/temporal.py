"""The one temporal rule: when a tie is in force, given partial dates and fieldwork rounds.

Every reader of time uses this module: the queries ``as_of``, ``round_changes`` and
``mediated_reach`` (through the Cypher fragments and the ``$rounds`` parameter below),
:func:`graphmodel.export.filter_graph` and so the metrics. The rule:

1. **Partial dates** stand for every day they may mean: ``2010`` for 2010-01-01 to
   2010-12-31, ``2010-06`` for June 2010. A tie is in force on a date (itself
   possibly partial) when it may have started by the date's last day and may have
   ended no earlier than its first day.
2. **No start**: the tie has always been in force (administrative lines).
3. **No end**: the tie is in force until a later fieldwork round contradicts it. A
   round *revisited* a node when the node has any tie observed in that round
   (interviews included). If a round after the last one that observed the tie
   revisited either of its ends and did not observe the tie, the tie *disappeared*
   (as ``round_changes`` says) and is taken to have ended with the last round that
   saw it: its end is that round's last year (``rounds`` in ``schema.yaml``; 2012 for
   round 1). Otherwise, with no later look at either end, it is still in force.
4. **Observations** of one tie in several rounds (same source, type, target,
   ``on_behalf_of``, ``kind`` and ``place``) are one tie: the rule reads the last
   round that observed it and the latest end (none if any observation has none).
5. **Rounds**: a node that no tie of a round touches was *not observed* in that round:
   per-round counts for it are "not observed", never 0.

>>> tie_active("2010", None, "2010-06"), tie_active("2010-07", None, "2010-06")
(True, False)
>>> effective_end(None, last_round=1, revisited_later=True)
'2012'
>>> effective_end(None, last_round=1, revisited_later=False) is None
True
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from graphmodel.errors import GraphmodelError
from graphmodel.schema import Schema, load_schema

if TYPE_CHECKING:  # annotations only: the query library reads the fragments without NetworkX
    import networkx as nx

__all__ = [
    "NOT_OBSERVED",
    "effective_end",
    "in_force",
    "observed_nodes",
    "rounds_param",
    "tie_active",
    "tie_identity",
]

#: What per-round measures say of a node no tie of the round touches.
NOT_OBSERVED = "not observed"
#: Properties that, with source, type and target, make observations of one tie the same tie.
IDENTITY = ("on_behalf_of", "kind", "place")


@lru_cache(maxsize=4096)
def _bounds(value: str, what: str) -> tuple[dt.date, dt.date]:
    from graphmodel.engine.validate import partial_date_bounds  # pydantic: only when dates are compared

    try:
        return partial_date_bounds(str(value))
    except ValueError as exc:
        raise GraphmodelError(f"{what} {value!r}: {exc}") from None


def tie_active(start: str | None, end: str | None, as_of: str) -> bool:
    """Whether a tie with these partial dates may have been in force during ``as_of`` (rules 1-2).

    >>> tie_active(None, "2012", "2012-12-31"), tie_active(None, "2012", "2013")
    (True, False)
    """
    first, last = _bounds(as_of, "as-of date")
    if start and _bounds(str(start), "tie start")[0] > last:
        return False
    return not (end and _bounds(str(end), "tie end")[1] < first)


def starts_by(start: str | None, by: str | None) -> bool:
    """Whether a tie starting ``start`` may have begun by the last day ``by`` may mean.

    An unknown start is taken as always begun; an unknown ``by`` as open-ended.

    >>> starts_by("2009-04", "2009"), starts_by("2010", "2009-12"), starts_by(None, "2000")
    (True, False, True)
    """
    if not start or not by:
        return True
    return _bounds(str(start), "tie start")[0] <= _bounds(str(by), "date")[1]


def effective_end(
    end: str | None, *, last_round: int | None, revisited_later: bool, schema: Schema | None = None
) -> str | None:
    """A tie's end under rule 3: its own end, else the last year of its last round if a later round missed it."""
    if end or last_round is None or not revisited_later:
        return end
    rounds = (schema or load_schema()).rounds
    if last_round not in rounds:
        return None
    return rounds[last_round].end


def cypher_fragments() -> dict[str, str]:
    """The rule's Cypher twins (arguments ``$1``, ``$2``, ``$3`` are Cypher expressions).

    - ``starts_by(start, date)``: :func:`starts_by`.
    - ``in_force(start, end, date)``: :func:`tie_active`.
    - ``round_end(number)``: the last year of a round, from the ``$rounds`` context parameter.
    """
    # Null-safe without short-circuit evaluation (FalkorDB evaluates every operand of an
    # expression outside WHERE): an unknown start is the earliest day, an unknown end the latest.
    first = "coalesce($1, '0000') + substring('0000-01-01', size(coalesce($1, '0000')))"
    last = "coalesce($2, '9999') + substring('9999-12-31', size(coalesce($2, '9999')))"
    starts = f"({first} <= {last})"
    ends = f"({last} >= $3 + substring('0000-01-01', size($3)))"
    return {
        "starts_by": starts,
        "in_force": f"({starts.replace('$2', '$3')} AND {ends})",
        "round_end": "head([rd IN $rounds WHERE rd.number = $1 | rd.end])",
    }


def rounds_param(schema: Schema | None = None) -> list[dict[str, Any]]:
    """The fieldwork rounds as the ``$rounds`` query parameter: ``[{number, start, end}]``.

    >>> rounds_param()[0]
    {'number': 1, 'start': '2009', 'end': '2012'}
    """
    schema = schema or load_schema()
    return [{"number": r.number, "start": r.start, "end": r.end} for r in schema.rounds.values()]


def tie_identity(u: Hashable, v: Hashable, data: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two observations (rows, rounds) the same tie (rule 4)."""
    return (u, data.get("type"), v, *(data.get(p) for p in IDENTITY))


def observed_nodes(graph: nx.Graph, fieldwork_round: int) -> set[Hashable]:
    """Nodes that some tie observed in ``fieldwork_round`` touches (rule 5)."""
    return {n for u, v, d in graph.edges(data=True) if d.get("round") == fieldwork_round for n in (u, v)}


def _rounds_touching(graph: nx.Graph) -> dict[Hashable, set[int]]:
    touching: dict[Hashable, set[int]] = defaultdict(set)
    for u, v, d in graph.edges(data=True):
        if isinstance(d.get("round"), int):
            touching[u].add(d["round"])
            touching[v].add(d["round"])
    return touching


def in_force(graph: nx.MultiDiGraph, as_of: str, *, schema: Schema | None = None) -> set[Any]:
    """Keys ``(u, v, key)`` of the ties of ``graph`` in force on ``as_of`` under rules 1-4.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("n", "a", key="k1", type="COOPERATES_WITH", start="2008", round=1)
    >>> _ = g.add_edge("n", "b", key="k2", type="COOPERATES_WITH", start="2008", round=1)
    >>> _ = g.add_edge("n", "b", key="k3", type="COOPERATES_WITH", start="2008", round=2)
    >>> sorted(k for _, _, k in in_force(g, "2015"))  # n was revisited in round 2 without its tie to a
    ['k2', 'k3']
    >>> sorted(k for _, _, k in in_force(g, "2011"))
    ['k1', 'k2', 'k3']
    """
    _bounds(as_of, "as-of date")
    ends = effective_ends(graph, schema=schema)
    return {
        (u, v, key)
        for u, v, key, d in graph.edges(keys=True, data=True)
        if tie_active(d.get("start"), ends[(u, v, key)], as_of)
    }


def effective_ends(graph: nx.MultiDiGraph, *, schema: Schema | None = None) -> dict[Any, str | None]:
    """Each tie's end under rules 3-4, by ``(u, v, key)``: what queries, metrics and views all apply.

    The observations of one tie share the latest end (none if any has none); a tie without
    one that a later round missed (an end revisited in it) ends with its last round.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("n", "a", key="k1", type="COOPERATES_WITH", start="2008", round=1)
    >>> _ = g.add_edge("n", "b", key="k2", type="COOPERATES_WITH", start="2008", round=2)
    >>> effective_ends(g)[("n", "a", "k1")], effective_ends(g)[("n", "b", "k2")]
    ('2012', None)
    """
    touching = _rounds_touching(graph)
    groups: dict[tuple[Any, ...], list[tuple[Hashable, Hashable, Any, dict[str, Any]]]] = defaultdict(list)
    for u, v, key, d in graph.edges(keys=True, data=True):
        groups[tie_identity(u, v, d)].append((u, v, key, d))
    out: dict[Any, str | None] = {}
    for observations in groups.values():
        u, v = observations[0][0], observations[0][1]
        rounds = [d["round"] for *_, d in observations if isinstance(d.get("round"), int)]
        last = max(rounds) if rounds else None
        ends = [d.get("end") for *_, d in observations]
        end = max(ends, key=lambda e: _bounds(str(e), "tie end")[1]) if all(ends) else None
        revisited = last is not None and any(r > last for r in touching[u] | touching[v])
        end = effective_end(end, last_round=last, revisited_later=revisited, schema=schema)
        out.update(((u_, v_, key), end) for u_, v_, key, _ in observations)
    return out


def keep_in_force(graph: nx.MultiDiGraph, edges: Iterable[tuple[Hashable, Hashable, Any]]) -> nx.MultiDiGraph:
    """A copy of ``graph`` with only ``edges`` (all nodes kept)."""
    import networkx as nx

    wanted = set(edges)
    out = nx.MultiDiGraph()
    out.graph.update(graph.graph)
    out.add_nodes_from(graph.nodes(data=True))
    out.add_edges_from((u, v, k, d) for u, v, k, d in graph.edges(keys=True, data=True) if (u, v, k) in wanted)
    return out
