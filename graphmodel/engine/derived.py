"""Derived ties: every access chain kept as a ``REACHES`` tie from the NGO to its village or school.

The chains are those of :func:`graphmodel.chains.chain_paths` (the one definition, run
NGO by NGO on one :class:`~graphmodel.chains.ChainTies` index of every NGO's chain ties,
no NetworkX graph), one derived tie per chain path, so the global
questions (``gatekeepers``, ``mediated_reach``, the trust queries) read a tie per chain
instead of searching paths through the whole administrative hierarchy.

Derived ties are written through the same channels as the load's own ties, inside its
load session, so they commit (or roll back) with it:

- a first load computes them from its records (:func:`from_records`, no read of the
  graph); in a staged load those between staged nodes are written ahead with the staged
  ties, in transactions of bounded size (:func:`first_load`), the others in the atomic
  part; the bulk path hands them to its bulk session like any tie;
- a later load rewrites, in its atomic part, the derived ties of the NGOs whose chains
  its changes can reach (:func:`refresh`): the NGO a changed first tie or mobilisation
  names, the NGOs whose derived ties use a changed or removed tie, and, for a new
  ``SUPERVISES`` line, the NGOs found by walking the lines down to a mobilisation on
  their behalf and up to a department they cooperate with (one query).

Derived ties are not claims: they carry no ``_package``, so fingerprints, conflicts,
status, exports and removal planning pass them by (see docs/packages.md). Properties:
``round``, ``route`` (``direct`` or ``state``), ``bodies`` (ids between the NGO and the
place), ``types`` and ``ties`` (the chain's tie types and ``_key`` values, in order),
``chain`` (the round and the node ids: one value per chain of ``access_paths``), and the
``start``, ``evidence`` and ``basis`` of the chain's last tie.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from typing import Any

from graphmodel import statements as cy
from graphmodel.chains import (
    CHAIN_TYPES,
    DERIVED,
    DIRECT,
    HEAD,
    LINE,
    STEP,
    Chain,
    ChainTies,
    target_labels,
)
from graphmodel.engine.plan import LoadPlan
from graphmodel.engine.writes import BATCH_ROWS, stage_rows
from graphmodel.records import TieRecord
from graphmodel.schema import Schema
from graphmodel.stores.base import LoadSession, Result, Statement

__all__ = ["KEYS_LOOKUP", "from_records", "new_ngos", "refresh", "rewrite", "touched"]

#: Above this many changed chain ties, every NGO's derived ties are recomputed (cheaper than looking them up).
KEYS_LOOKUP = 10_000
#: Ids per read.
BATCH = 5_000


def from_records(records: Iterable[TieRecord]) -> list[TieRecord]:
    """The derived ties of a graph whose ties are all in ``records`` (a first load, a bulk load)."""
    return list(_ties(*_from_records(records)))


#: A derived tie before it is a record: the NGO, the target's label, the target, the properties.
Derived = tuple[str, str, str, dict[str, Any]]


def new_ngos(
    session: LoadSession, schema: Schema, plan: LoadPlan, ngos: set[str] | None, staged: set[str], package: str
) -> list[Statement]:
    """Write ahead the derived ties of the NGOs new in this load (``None``: a first load, every NGO) between staged nodes.

    A new NGO's first ties and the mobilisations on its behalf are all in the load's
    records; the lines above them are the records' and, in a later load, the live
    graph's (less those the load removes). The derived ties between nodes the load
    staged (``staged``) go with its staged ties, in transactions of bounded size;
    returned are the statements creating the others, for the atomic part (after the
    load's own writes).
    """
    heads, steps, lines = _from_records(plan.records.ties)
    if ngos is not None:
        heads = {ngo: rows for ngo, rows in heads.items() if ngo in ngos}
        steps = {ngo: rows for ngo, rows in steps.items() if ngo in heads}
        starts = {(r["source_label"], r["source"]) for rows in steps.values() for r in rows}
        lines = _lines_into(session, schema, starts, lines, _removed(plan))
    ahead: list[dict[str, Any]] = []
    after: list[Derived] = []
    for tie in _derived(heads, steps, lines):  # rows straight from the search: no records to build and take apart
        if tie[0] in staged and tie[2] in staged:
            ahead.append({"source": tie[0], "target": tie[2], "props": tie[3]})
        else:
            after.append(tie)
    for statement in stage_rows(DERIVED, ahead, schema, package):
        session.write_ahead(statement)
    return _creates(schema, after)


def _removed(plan: LoadPlan) -> set[str]:
    """Keys of the chain ties the plan removes."""
    keys = {key for (rel, _), pairs in plan.remove_ties_by_source.items() if rel in CHAIN_TYPES for _, key in pairs}
    return keys | {dep.key for dep in plan.dependents if dep.type in CHAIN_TYPES}


#: The values of a tie that a chain, or its derived tie, depends on (besides its type, ends and key).
CHAIN_VALUES = ("round", "start", "evidence", "basis")
#: The values a chain tie's row carries: those and the NGO a mobilisation serves.
_TIE_VALUES = ("round", "on_behalf_of", "start", "evidence", "basis")


def unchanged_updates(session: LoadSession, plan: LoadPlan, schema: Schema) -> set[str]:
    """Keys of the chain ties ``plan`` updates without changing their :data:`CHAIN_VALUES` (say, only their row).

    Read before the load's atomic part, from the live graph.
    """
    groups: dict[tuple[str, str], dict[str, TieRecord]] = defaultdict(dict)
    for item in plan.update:
        if isinstance(item, TieRecord) and item.type in CHAIN_TYPES:
            groups[(item.type, item.source_label)][item.key] = item
    same: set[str] = set()
    for (rel, label), items in sorted(groups.items()):
        rows = [{"source": item.source, "key": key} for key, item in items.items()]
        for start in range(0, len(rows), BATCH):
            found = session.run(cy.find_ties(schema, rel, label), {"rows": rows[start : start + BATCH]})
            for row in _records(found):
                new = items[row["key"]].props
                if all(row["props"].get(name) == new.get(name) for name in CHAIN_VALUES):
                    same.add(row["key"])
    return same


def refresh(
    session: LoadSession,
    plan: LoadPlan,
    schema: Schema,
    *,
    done: frozenset[str] | set[str] = frozenset(),
    staged: frozenset[str] | set[str] = frozenset(),
    same: frozenset[str] | set[str] = frozenset(),
) -> int:
    """Rewrite the derived ties of the NGOs whose chains ``plan`` may change, but those in ``done``; returns how many NGOs.

    ``done``: NGOs whose derived ties the load wrote already (:func:`new_ngos`); ``staged``:
    the nodes the load staged, ``same``: keys of updates that change no chain (see :func:`touched`).
    """
    ngos = touched(session, plan, schema, staged=staged, same=same)
    if ngos is None and done:
        ngos = {str(row[0]) for row in session.run_written(cy.node_ids(schema, "NGO")).rows}
    if ngos is not None:
        ngos -= done
    rewrite(session, schema, ngos)
    return -1 if ngos is None else len(ngos)


def touched(
    session: LoadSession,
    plan: LoadPlan,
    schema: Schema,
    *,
    staged: frozenset[str] | set[str] = frozenset(),
    same: frozenset[str] | set[str] = frozenset(),
) -> set[str] | None:
    """NGOs whose chains the plan may change (``None``: every NGO), from what the session sees after its writes.

    First ties (``WORKS_IN``, ``COOPERATES_WITH``) name their NGO, and mobilisations the NGO
    in ``on_behalf_of``; changed and removed ties are looked up among the derived ties that
    use them; new ``SUPERVISES`` lines are walked down and up (:func:`graphmodel.statements.line_users`),
    but for lines into nodes the load ``staged`` (every tie on from such a node is new too, and
    names its NGO or is walked itself). Updates whose keys are in ``same`` change no chain
    (:func:`unchanged_updates`).
    """
    ngos: set[str] = set()
    keys: list[str] = []
    lines: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    targets = set(target_labels())
    created = {id(item) for item in plan.create}
    updates = [item for item in plan.update if not (isinstance(item, TieRecord) and item.key in same)]
    for item in (*plan.create, *updates, *plan.retract):
        if not isinstance(item, TieRecord) or item.type not in CHAIN_TYPES:
            continue
        if item.type in (DIRECT, HEAD):
            ngos.add(item.source)
        elif item.type == STEP and item.props.get("on_behalf_of"):
            ngos.add(str(item.props["on_behalf_of"]))
        elif item.type == LINE and id(item) in created:
            if item.target_label not in targets and item.target not in staged:  # a line into a place is in no chain
                lines[(item.source_label, item.target_label)].append({"source": item.source, "target": item.target})
        else:
            keys.append(item.key)
    for (rel, _), pairs in plan.remove_ties_by_source.items():
        if rel in CHAIN_TYPES:
            keys.extend(key for _, key in pairs)
    keys.extend(dep.key for dep in plan.dependents if dep.type in CHAIN_TYPES)
    if len(keys) + sum(len(ties) for ties in lines.values()) > KEYS_LOOKUP:
        return None
    if keys:
        ngos.update(str(row[0]) for row in session.run_written(cy.derived_users(schema), {"keys": keys}).rows)
    for (source, target), ties in sorted(lines.items()):
        found = session.run_written(cy.line_users(schema, source, target), {"ties": ties}).rows
        ngos.update(str(row[0]) for row in found)
    return ngos


def rewrite(session: LoadSession, schema: Schema, ngos: set[str] | None) -> int:
    """Recompute and write the derived ties of ``ngos`` (``None``: every NGO, after removing every derived tie).

    The chains are read from the graph as the session sees it after its writes.
    """
    if ngos is not None and not ngos:
        return 0
    ties = list(_derived(*_from_graph(session, schema, ngos)))
    if ngos is None:
        session.write(Statement(cy.delete_derived(schema, every=True), {}, 0))
    else:
        ids = sorted(ngos)
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            session.write(Statement(cy.delete_derived(schema, every=False), {"ids": batch}, len(batch)))
    for statement in _creates(schema, ties):
        session.write(statement)
    return len(ties)


def creates(schema: Schema, ties: list[TieRecord]) -> list[Statement]:
    """Statements creating derived ``ties`` (their old ones removed first), batched like the load's own ties."""
    return _creates(schema, [(t.source, t.target_label, t.target, t.props) for t in ties])


def _creates(schema: Schema, ties: list[Derived]) -> list[Statement]:
    by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ngo, label, target, props in ties:
        by_label[label].append({"source": ngo, "target": target, "props": props})
    return [
        Statement(
            cy.create_ties(schema, DERIVED, "NGO", label),
            {"rows": rows[start : start + BATCH_ROWS]},
            len(rows[start : start + BATCH_ROWS]),
        )
        for label, rows in sorted(by_label.items())
        for start in range(0, len(rows), BATCH_ROWS)
    ]


def _records(result: Result) -> Iterator[dict[str, Any]]:
    for row in result.rows:
        yield dict(zip(result.columns, row, strict=True))


def _read(session: LoadSession, cypher: Any, ids: list[str] | None) -> Iterator[dict[str, Any]]:
    if ids is None:
        yield from _records(session.run_written(cypher))
        return
    for start in range(0, len(ids), BATCH):
        yield from _records(session.run_written(cypher, {"ids": ids[start : start + BATCH]}))


Rows = dict[str, list[dict[str, Any]]]


def _from_graph(session: LoadSession, schema: Schema, ngos: set[str] | None) -> tuple[Rows, Rows, Rows]:
    """First ties by NGO, mobilisations by the NGO they serve, supervision lines by target, as the session sees them."""
    ids = None if ngos is None else sorted(ngos)
    heads: Rows = defaultdict(list)
    for row in _read(session, cy.chain_heads(schema, every=ids is None), ids):
        heads[row["source"]].append(row)
    steps: Rows = defaultdict(list)
    for row in _read(session, cy.chain_steps(schema, every=ids is None), ids):
        if str(row["on_behalf_of"]) in heads:
            steps[str(row["on_behalf_of"])].append(row)
    lines = _lines_into(session, schema, {(r["source_label"], r["source"]) for rs in steps.values() for r in rs})
    return heads, steps, lines


def _from_records(records: Iterable[TieRecord]) -> tuple[Rows, Rows, Rows]:
    """The same, from tie records that are every tie of the graph."""
    heads: Rows = defaultdict(list)
    steps: Rows = defaultdict(list)
    lines: Rows = defaultdict(list)
    for tie in records:
        kind = tie.type
        if kind not in CHAIN_TYPES:
            continue
        rnd, on_behalf_of, start, evidence, basis = tie.pick(_TIE_VALUES)
        row = {
            "source": tie.source,
            "source_label": tie.source_label,
            "target": tie.target,
            "target_label": tie.target_label,
            "type": kind,
            "key": tie.key,
            "round": rnd,
            "on_behalf_of": on_behalf_of,
            "start": start,
            "evidence": evidence,
            "basis": basis,
        }  # the type, ends, key and _TIE_VALUES
        if kind in (DIRECT, HEAD) and tie.source_label == "NGO":
            heads[tie.source].append(row)
        elif kind == STEP and on_behalf_of is not None:
            steps[str(on_behalf_of)].append(row)
        elif kind == LINE:
            lines[tie.target].append(row)
    return heads, steps, lines


def _ties(heads: Rows, steps: Rows, lines: Rows) -> Iterator[TieRecord]:
    """A derived tie for every chain path of the NGOs in ``heads``: one index of their chain ties, searched NGO by NGO."""
    for ngo, label, target, props in _derived(heads, steps, lines):
        yield TieRecord(DERIVED, "NGO", ngo, label, target, props)


def _derived(heads: Rows, steps: Rows, lines: Rows) -> Iterator[Derived]:
    """:func:`_ties` as (NGO, target label, target, properties), the records not built."""
    labels: dict[Hashable, Any] = {}
    ties = ChainTies(labels)
    data: dict[str, dict[str, Any]] = {}  # the rows by tie key
    for rows in (*heads.values(), *steps.values(), *lines.values()):
        for r in rows:
            labels[r["target"]] = r["target_label"]
            labels.setdefault(r["source"], r.get("source_label"))
            ties.add(r["source"], r["target"], r["key"], r["type"], r["round"], r["on_behalf_of"])
            data[r["key"]] = r
    for ngo in heads:
        labels[ngo] = "NGO"
    for ngo in sorted(heads):
        for chain in ties.chains(ngo):  # chain_paths(ties, ngo, distinct=False), in search order (not sorted)
            target = chain.target
            yield str(ngo), labels[target] or "", str(target), _props(data, chain)


def _lines_into(
    session: LoadSession,
    schema: Schema,
    starts: set[tuple[str, str]],
    known: Rows | None = None,
    removed: frozenset[str] | set[str] = frozenset(),
) -> Rows:
    """``SUPERVISES`` ties into ``starts`` and, upwards, into their sources: by target id.

    ``known``: lines the load writes, by target (they stand for the graph's lines of the
    same key); ``removed``: keys of lines it removes.
    """
    known = known or {}
    skip = removed | {r["key"] for rows in known.values() for r in rows}
    into: Rows = defaultdict(list)
    seen = {node for _, node in starts}
    frontier: dict[str, set[str]] = defaultdict(set)
    for label, node in starts:
        frontier[label].add(node)
    while frontier:
        following: dict[str, set[str]] = defaultdict(set)
        rows = [r for nodes in frontier.values() for node in nodes for r in known.get(node, ())]
        for label, nodes in sorted(frontier.items()):
            rows.extend(r for r in _read(session, cy.chain_lines(schema, label), sorted(nodes)) if r["key"] not in skip)
        for row in rows:
            into[row["target"]].append(row)
            if row["source"] not in seen:
                seen.add(row["source"])
                following[row["source_label"]].add(row["source"])
        frontier = following
    return into


def _props(data: dict[str, dict[str, Any]], chain: Chain) -> dict[str, Any]:
    # a direct chain's key is the tie's key alone, a chain through the state's are (source, target, key)
    ties = [str(k[2] if isinstance(k, tuple) else k) for k in chain.keys]
    last = data[ties[-1]]
    props: dict[str, Any] = {
        "_key": hashlib.sha1(" ".join([str(chain.ngo), *ties]).encode()).hexdigest(),
        "round": chain.round,
        "route": chain.route,
        "bodies": list(chain.bodies),
        "types": list(chain.types),
        "ties": ties,
        "chain": f"{chain.round}:" + ">".join(map(str, chain.nodes)),
    }
    if not props["bodies"]:
        del props["bodies"]
    for name in ("start", "evidence", "basis"):
        value = last.get(name)
        if value is not None and value != []:
            props[name] = value
    return props
