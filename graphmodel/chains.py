"""What an access chain is: spelled once, as Cypher fragments and as their Python twin.

An NGO reaches a village or school (a node of a ``grassroots`` label) by a **chain**:

- **directly**: one ``WORKS_IN`` tie; or
- **through the state**: a ``COOPERATES_WITH`` tie to a department (the *head*), then
  ties down the administrative hierarchy, each either a ``MOBILIZES`` tie with
  ``on_behalf_of`` = the NGO observed in the head's ``round``, or a ``SUPERVISES`` tie
  (the administrative line, any round), the last being a ``MOBILIZES`` tie on the
  NGO's behalf into the village or school. At most :data:`MAX_CHAIN` ties in all.

The ``SUPERVISES`` steps *complete* a request's path: when a county Women's
Federation the NGO works with supervises the township federations that mobilised
villages on its behalf, those villages are reached through the state. A
``MOBILIZES`` tie on an NGO's behalf that no chain of the NGO's uses cannot be
joined to a department it works with: :func:`unjoined_mobilisations` reports each
(the query ``unjoined_mobilisations`` lists the same), never silently dropping it.

The queries use the fragments of :data:`CYPHER_FRAGMENTS` (``{{chain_path}}`` and
``{{chain_where}}`` in a ``.cypher`` file, see :mod:`graphmodel.queries`); the
metrics and :func:`chain_paths` read the constants below. Tests check that
:func:`chain_paths` and the query ``access_paths`` list the same chains on both stores.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("ngo", label="NGO"); g.add_node("v", label="Village")
>>> g.add_nodes_from(["county", "twp"], label="Agency")
>>> _ = g.add_edge("ngo", "county", type="COOPERATES_WITH", round=1)
>>> _ = g.add_edge("county", "twp", type="SUPERVISES", round=1)
>>> _ = g.add_edge("twp", "v", type="MOBILIZES", on_behalf_of="ngo", round=1)
>>> [c.nodes for c in chain_paths(g)]
[('ngo', 'county', 'twp', 'v')]
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from graphmodel.errors import InvalidSchema
from graphmodel.schema import Schema, load_schema

if TYPE_CHECKING:  # annotations only: the query library reads the fragments without NetworkX
    import networkx as nx

__all__ = [
    "CHAIN_TYPES",
    "CYPHER_FRAGMENTS",
    "DERIVED",
    "DERIVED_PROPERTIES",
    "DIRECT",
    "HEAD",
    "LINE",
    "MAX_CHAIN",
    "STEP",
    "Chain",
    "ChainTies",
    "UnjoinedMobilisation",
    "chain_paths",
    "cypher_fragments",
    "state_opened",
    "target_labels",
    "unjoined_mobilisations",
    "unjoined_warnings",
]

#: The direct tie from an NGO to a village or school.
DIRECT = "WORKS_IN"
#: The tie from the NGO to the department at the head of a chain through the state.
HEAD = "COOPERATES_WITH"
#: A step down on the NGO's behalf (``on_behalf_of``), in the head's round.
STEP = "MOBILIZES"
#: The administrative line, which completes a request's path (any round).
LINE = "SUPERVISES"
#: Every relationship type a chain may use.
CHAIN_TYPES = (DIRECT, HEAD, STEP, LINE)
#: The derived tie that keeps each chain from the NGO to its village or school (see
#: :mod:`graphmodel.engine.derived`): written by loads, never by packages.
DERIVED = "REACHES"
#: The properties of a derived tie.
DERIVED_PROPERTIES = ("round", "route", "bodies", "types", "ties", "chain", "start", "evidence", "basis", "_key")
#: Most ties in a chain, the head included.
MAX_CHAIN = 7
#: The sector whose labels chains end at.
TARGET_SECTOR = "grassroots"


def target_labels(schema: Schema | None = None) -> tuple[str, ...]:
    """Labels chains end at (those of the ``grassroots`` sector).

    >>> target_labels()
    ('Village', 'School')
    """
    schema = schema or load_schema()
    return tuple(n for n, lb in schema.data_labels.items() if lb.sector == TARGET_SECTOR)


def _literal(text: str) -> str:
    """A schema constant as a Cypher string literal; quotes and backslashes are refused, not escaped.

    >>> _literal("Village Committee")
    "'Village Committee'"
    """
    if "'" in text or "\\" in text or '"' in text:
        raise InvalidSchema(f"{text!r} cannot be written into a Cypher fragment (quote or backslash)")
    return f"'{text}'"


@cache
def cypher_fragments() -> dict[str, str]:
    """The chain definition as Cypher, generated from the constants above and the schema.

    The fragments bind ``n`` (the NGO), ``t`` (the village or school) and ``p`` (the path).
    ``chain_path`` is a pattern; ``chain_where`` the condition every chain meets;
    ``state_chain`` adds "through the state" (more than one tie). ``reaches`` matches the
    derived ties that keep the chains (``c``, see :mod:`graphmodel.engine.derived`);
    ``recorded(r)`` is true for a tie that is not derived.
    """
    schema = load_schema()
    for name in CHAIN_TYPES:
        schema.relationship(name)
    targets = " OR ".join(f"t:{schema.label(lb)}" for lb in target_labels(schema))
    chain_where = (
        f"({targets})\n"
        f"  AND (size(relationships(p)) = 1 OR (type(head(relationships(p))) = '{HEAD}'"
        f" AND type(last(relationships(p))) = '{STEP}'))\n"
        f"  AND ALL(r IN tail(relationships(p)) WHERE type(r) = '{LINE}'\n"
        f"    OR (r.on_behalf_of = n.id AND r.round = head(relationships(p)).round))"
    )
    agency = schema.labels[schema.label("Agency")]
    sector = f"'{agency.sector}'"
    if agency.sector_by is not None:
        prop, values = agency.sector_by
        for value, name in sorted(values.items()):
            sector = f"CASE WHEN $1.{prop} = {_literal(value)} THEN {_literal(name)} ELSE {sector} END"
    return {
        "chain_key": ("toString(head(relationships(p)).round) + ':' + reduce(s = '', x IN nodes(p) | s + '>' + x.id)"),
        "chain_preference": (
            f"size([r IN relationships(p) WHERE type(r) = '{LINE}']), reduce(s = '', r IN relationships(p) | s + type(r) + ' ')"
        ),
        "agency_sector": sector,
        "chain_path": f"p = (n)-[:{'|'.join(CHAIN_TYPES)}*1..{MAX_CHAIN}]->(t)",
        "chain_where": chain_where,
        "state_chain": f"size(relationships(p)) > 1 AND {chain_where}",
        "target": f"({targets.replace('t:', 'x:')})",
        # the derived ties (graphmodel.engine.derived): one per chain path, from the NGO n to the place t
        "reaches": f"(n)-[c:{DERIVED}]->(t)",
        "recorded": f"type($1) <> '{DERIVED}'",
    }


#: The fragments, by name (see :func:`cypher_fragments`).
CYPHER_FRAGMENTS = cypher_fragments()


@dataclass(frozen=True, order=True)
class Chain:
    """One chain: the NGO, the round of its first tie, the nodes and the tie types in order."""

    ngo: Hashable
    round: Any
    nodes: tuple[Hashable, ...]
    types: tuple[str, ...]
    keys: tuple[Any, ...] = ()

    @property
    def target(self) -> Hashable:
        return self.nodes[-1]

    @property
    def route(self) -> str:
        """``direct`` or ``state``, as the query ``access_paths`` says."""
        return "direct" if len(self.types) == 1 else "state"

    @property
    def bodies(self) -> tuple[Hashable, ...]:
        """The bodies between the NGO and the village or school."""
        return self.nodes[1:-1]


def _labels(graph: nx.Graph) -> dict[Hashable, Any]:
    return {n: d.get("label") for n, d in graph.nodes(data=True)}


def _serves(data: dict[str, Any], ngo: Hashable, rnd: Any) -> bool:
    return data.get("on_behalf_of") == ngo and data.get("round") == rnd and rnd is not None


class ChainTies:
    """The ties a chain may use, indexed in plain dicts for :func:`chain_paths`' search.

    Built once for many NGOs: from a NetworkX graph (:meth:`of_graph`) or tie by tie
    (:meth:`add`, as :mod:`graphmodel.engine.derived` does from its rows). Ties that no chain
    can use are left out: a ``MOBILIZES`` tie without ``on_behalf_of`` or ``round``, ties of
    other types. Parallel ties of one type keep the order they were added in: among paths through
    the same nodes by the same types, :func:`chain_paths` keeps the first the search meets.

    >>> ties = ChainTies({"ngo": "NGO", "county": "Agency", "twp": "Agency", "v": "Village"})
    >>> ties.add("ngo", "county", "k1", HEAD, 1)
    >>> ties.add("county", "twp", "k2", LINE, 1)
    >>> ties.add("twp", "v", "k3", STEP, 1, "ngo")
    >>> [c.nodes for c in chain_paths(ties, "ngo")]
    [('ngo', 'county', 'twp', 'v')]
    """

    def __init__(self, labels: dict[Hashable, Any] | None = None) -> None:
        #: Each node's label.
        self.labels: dict[Hashable, Any] = labels if labels is not None else {}
        self._first: dict[Hashable, list[tuple[Hashable, Any, str, Any]]] = defaultdict(list)
        self._lines: dict[Hashable, list[tuple[Hashable, Any, str]]] = defaultdict(list)
        self._lines_in: dict[Hashable, list[Hashable]] = defaultdict(list)
        self._steps: dict[tuple[Hashable, Hashable, Any], list[tuple[Hashable, Any, str]]] = defaultdict(list)
        self._sources: dict[tuple[Hashable, Any], set[Hashable]] = defaultdict(set)

    def add(self, source: Hashable, target: Hashable, key: Any, kind: str, rnd: Any, on_behalf_of: Any = None) -> None:
        """One tie ``source -> target`` of type ``kind`` in round ``rnd`` (``key`` tells parallel ties apart)."""
        if kind in (DIRECT, HEAD):
            self._first[source].append((target, key, kind, rnd))
        elif kind == LINE:
            self._lines[source].append((target, key, LINE))
            self._lines_in[target].append(source)
        elif kind == STEP and rnd is not None and on_behalf_of is not None:
            self._steps[(source, on_behalf_of, rnd)].append((target, key, STEP))
            self._sources[(on_behalf_of, rnd)].add(source)

    @classmethod
    def of_graph(cls, graph: nx.MultiDiGraph, ngo: Hashable | None = None) -> ChainTies:
        """The chain ties of ``graph``; given ``ngo``, only those its chains may use (its own part of the graph)."""
        ties = cls(_labels(graph))
        if ngo is None:
            for u, v, k, d in graph.edges(keys=True, data=True):
                if d.get("type") in CHAIN_TYPES:
                    ties.add(u, v, k, d["type"], d.get("round"), d.get("on_behalf_of"))
            return ties
        if ngo not in graph:
            return ties
        for _, v, k, d in graph.out_edges(ngo, keys=True, data=True):
            if d.get("type") in (DIRECT, HEAD):
                ties.add(ngo, v, k, d["type"], d.get("round"))
        queue: deque[Hashable] = deque()
        for u, v, k, d in graph.edges(keys=True, data=True):
            if d.get("type") == STEP and d.get("on_behalf_of") == ngo:
                ties.add(u, v, k, STEP, d.get("round"), ngo)
                queue.append(u)
        seen = set(queue)
        while queue:  # the lines above the mobilisations on its behalf
            for u, v, k, d in graph.in_edges(queue.popleft(), keys=True, data=True):
                if d.get("type") == LINE:
                    ties.add(u, v, k, LINE, d.get("round"))
                    if u not in seen:
                        seen.add(u)
                        queue.append(u)
        return ties

    def _useful(self, ngo: Hashable, rnd: Any) -> set[Hashable]:
        """Nodes from which supervision lines lead to a body that mobilises for ``ngo`` in ``rnd``."""
        seen = set(self._sources.get((ngo, rnd), ()))
        queue = deque(seen)
        while queue:
            for u in self._lines_in.get(queue.popleft(), ()):
                if u not in seen:
                    seen.add(u)
                    queue.append(u)
        return seen

    def chains(self, source: Hashable, fieldwork_round: int | None = None) -> list[Chain]:
        """Every chain path of the NGO ``source``, unsorted (see :func:`chain_paths`)."""
        labels = self.labels
        targets = set(target_labels())
        lines, steps = self._lines, self._steps
        out: list[Chain] = []
        useful: dict[Any, set[Hashable]] = {}
        for first, key, kind, rnd in self._first.get(source, ()):
            if fieldwork_round is not None and rnd != fieldwork_round:
                continue
            if kind == DIRECT:
                if labels.get(first) in targets:
                    out.append(Chain(source, rnd, (source, first), (DIRECT,), (key,)))
                continue
            if rnd not in useful:
                useful[rnd] = self._useful(source, rnd)
            above = useful[rnd]
            stack: list[tuple[tuple[Hashable, ...], tuple[str, ...], tuple[Any, ...]]] = [
                ((source, first), (HEAD,), ((source, first, key),))
            ]
            while stack:
                nodes, types, keys = stack.pop()
                if len(types) >= MAX_CHAIN:
                    continue
                node = nodes[-1]
                down = [t for t in lines.get(node, ()) if t[0] in above]
                if rnd is not None:
                    down.extend(steps.get((node, source, rnd), ()))
                for nxt, k, kind in down:
                    tie = (node, nxt, k)
                    if tie in keys:
                        continue
                    if kind == STEP and labels.get(nxt) in targets:
                        out.append(Chain(source, rnd, (*nodes, nxt), (*types, STEP), (*keys, tie)))
                    else:
                        stack.append(((*nodes, nxt), (*types, kind), (*keys, tie)))
        return out


def chain_paths(
    graph: nx.MultiDiGraph | ChainTies,
    ngo: Hashable | None = None,
    fieldwork_round: int | None = None,
    *,
    distinct: bool = True,
) -> list[Chain]:
    """Every chain of ``ngo`` (or of every NGO), as the query ``access_paths`` lists them, sorted.

    Like Cypher's variable-length patterns, a chain never uses a tie twice. With
    ``distinct`` (as ``access_paths``) chains through the same nodes in the same round
    are one chain: the one with the fewest ``SUPERVISES`` steps, then the first by its
    tie types in text order (the query's ``{{chain_preference}}``); without, every path
    is kept. ``fieldwork_round`` keeps chains whose first tie is of that round.
    ``graph``: a NetworkX graph, or its chain ties already indexed (:class:`ChainTies`).
    """
    ties = graph if isinstance(graph, ChainTies) else ChainTies.of_graph(graph, ngo)
    labels = ties.labels
    ngos = [ngo] if ngo is not None else sorted((n for n, lb in labels.items() if lb == "NGO"), key=str)
    out: list[Chain] = []
    for source in ngos:
        if source in labels:
            out.extend(ties.chains(source, fieldwork_round))
    if distinct:
        best: dict[tuple[Any, ...], Chain] = {}
        for chain in out:
            key = (chain.ngo, chain.round, chain.nodes)
            if key not in best or _preference(chain) < _preference(best[key]):
                best[key] = chain
        out = list(best.values())
    return sorted(out, key=lambda c: (str(c.ngo), str(c.round), [str(x) for x in c.nodes], c.types, str(c.keys)))


def _preference(chain: Chain) -> tuple[int, str]:
    return chain.types.count(LINE), "".join(f"{t} " for t in chain.types)


@dataclass(frozen=True)
class UnjoinedMobilisation:
    """A ``MOBILIZES`` tie on an NGO's behalf that no chain of the NGO's uses, and why."""

    source: Hashable
    target: Hashable
    ngo: Hashable
    round: Any
    reason: str

    def warning(self) -> str:
        """The warning the load summary prints.

        >>> print(UnjoinedMobilisation("twp", "v", "ngo", 1, NO_TARGET).warning())
        MOBILIZES twp -> v on behalf of ngo (round 1) is in no access chain: it leads to no village or school on the NGO's behalf
        """
        return f"{STEP} {self.source} -> {self.target} on behalf of {self.ngo} (round {self.round}) is in no access chain: {self.reason}"


#: Why a mobilisation cannot be joined (also the query's ``reason`` column).
NO_HEAD = "no department the NGO cooperates with in that round reaches its source through mobilisation or supervision"
NO_TARGET = "it leads to no village or school on the NGO's behalf"


def unjoined_mobilisations(graph: nx.MultiDiGraph) -> list[UnjoinedMobilisation]:
    """Every ``MOBILIZES`` tie on an NGO's behalf that is in no chain of that NGO, with the reason.

    The integrator's load summary calls this to warn; the query ``unjoined_mobilisations``
    lists the same ties.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("ngo", label="NGO"); g.add_node("v", label="Village")
    >>> g.add_nodes_from(["county", "twp", "other"], label="Agency")
    >>> _ = g.add_edge("ngo", "county", type="COOPERATES_WITH", round=1)
    >>> _ = g.add_edge("other", "v", type="MOBILIZES", on_behalf_of="ngo", round=1)
    >>> [(u.source, u.reason == NO_HEAD) for u in unjoined_mobilisations(g)]
    [('other', True)]
    """
    used: set[Any] = {tie for chain in chain_paths(graph, distinct=False) for tie in chain.keys}
    labels = _labels(graph)
    heads: dict[tuple[Hashable, Any], set[Hashable]] = defaultdict(set)
    for u, v, d in graph.edges(data=True):
        if d.get("type") == HEAD:
            heads[(u, d.get("round"))].add(v)
    out = []
    for u, v, k, d in graph.edges(keys=True, data=True):
        if d.get("type") != STEP or (u, v, k) in used or labels.get(d.get("on_behalf_of")) != "NGO":
            continue
        ngo, rnd = d.get("on_behalf_of"), d.get("round")
        reached = _down(graph, heads.get((ngo, rnd), set()), ngo, rnd)
        out.append(UnjoinedMobilisation(u, v, ngo, rnd, NO_TARGET if u in reached else NO_HEAD))
    return sorted(out, key=lambda w: (str(w.ngo), str(w.round), str(w.source), str(w.target)))


def _down(graph: nx.MultiDiGraph, starts: set[Hashable], ngo: Hashable, rnd: Any) -> set[Hashable]:
    """Bodies reached from ``starts`` by mobilisation on ``ngo``'s behalf in ``rnd`` or supervision."""
    seen, queue = set(starts), deque(starts)
    while queue:
        u = queue.popleft()
        for _, v, d in graph.out_edges(u, data=True):
            if v not in seen and (d.get("type") == LINE or (d.get("type") == STEP and _serves(d, ngo, rnd))):
                seen.add(v)
                queue.append(v)
    return seen


#: Ties by which a state body opens a place to an NGO (with their ``place``), besides chains.
OPENING_TIES = ("APPROVES", "VOUCHES_FOR")
#: The stance that blocks access until it ends.
BLOCKING_TIE = "DISTRUSTS"


def state_opened(graph: nx.MultiDiGraph, ngo: Hashable) -> set[Hashable]:
    """Villages and schools the NGO works in directly whose access the state opened.

    Direct access (``WORKS_IN``) to a place counts as access through the state when

    - it was **gated by approval**: an ``APPROVES`` tie to the NGO names the place
      (``place``), e.g. a county bureau's approval to enter a school; or
    - it was **blocked by distrust until the state stepped in**: a ``DISTRUSTS`` tie
      from the place ended, and by its end (:func:`graphmodel.temporal.starts_by`) a
      state body had vouched for or approved the NGO at that place (``VOUCHES_FOR`` or
      ``APPROVES`` with that ``place``), or a chain of the NGO's through the state
      had reached it.

    ``state_dependence`` counts these as reached through the state.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("ngo", label="NGO"); g.add_nodes_from(["v", "w"], label="Village")
    >>> g.add_node("twp", label="Agency", system="Township Government")
    >>> _ = g.add_edge("ngo", "v", type="WORKS_IN", start="2008", round=1)
    >>> _ = g.add_edge("ngo", "w", type="WORKS_IN", start="2008", round=1)
    >>> _ = g.add_edge("v", "ngo", type="DISTRUSTS", kind="rumour", start="2008", end="2009-03", round=1)
    >>> _ = g.add_edge("w", "ngo", type="DISTRUSTS", kind="refusal", start="2008", end="2009-03", round=1)
    >>> _ = g.add_edge("twp", "ngo", type="VOUCHES_FOR", kind="investigated_and_vouched", place="v", start="2009-03")
    >>> sorted(state_opened(g, "ngo"))
    ['v']
    """
    from graphmodel.metrics._common import node_sector
    from graphmodel.temporal import starts_by

    labels = _labels(graph)
    targets = set(target_labels())
    direct = {v for _, v, d in graph.out_edges(ngo, data=True) if d.get("type") == DIRECT and labels.get(v) in targets}
    steps: dict[Hashable, list[str | None]] = defaultdict(list)  # place -> starts of the state's steps there
    opened: set[Hashable] = set()
    for u, _, d in graph.in_edges(ngo, data=True):
        place = d.get("place")
        if d.get("type") in OPENING_TIES and place in direct and node_sector(graph, u) == "state":
            steps[place].append(d.get("start"))
            if d.get("type") == "APPROVES":
                opened.add(place)
    for chain in chain_paths(graph, ngo):
        if chain.route == "state" and chain.target in direct:
            steps[chain.target].append(graph.edges[chain.keys[-1]].get("start"))
    for u, _, d in graph.in_edges(ngo, data=True):
        ended = d.get("type") == BLOCKING_TIE and u in direct and d.get("end")
        if ended and any(starts_by(start, d["end"]) for start in steps.get(u, ())):
            opened.add(u)
    return opened


def unjoined_warnings(store: Any, ngo: str | None = None) -> list[str]:
    """The warnings for a loaded graph, from the query ``unjoined_mobilisations`` (for the load summary).

    ``store`` is any :class:`graphmodel.stores.base.Store`; the text is that of
    :meth:`UnjoinedMobilisation.warning`.
    """
    from graphmodel.queries import run_query

    reasons = {"no_head": NO_HEAD, "no_target": NO_TARGET}
    return [
        UnjoinedMobilisation(r["source"], r["target"], r["ngo"], r["round"], reasons[r["reason"]]).warning()
        for r in run_query(store, "unjoined_mobilisations", {"ngo": ngo}).records()
    ]


def iter_chain_ties(chains: list[Chain]) -> Iterator[Any]:
    """Every tie key used by ``chains``."""
    for chain in chains:
        yield from chain.keys
