"""Derived ties: every access chain kept as a ``REACHES`` tie from the NGO to its village or school.

The chains are those of :func:`graphmodel.chains.chain_paths` (the one definition, run
on each NGO's own part of the graph), one derived tie per chain path, so the global
questions (``gatekeepers``, ``mediated_reach``, the trust queries) read a tie per chain
instead of searching paths through the whole administrative hierarchy.

A load calls :func:`refresh` once, after its writes and before its commit, inside the
same load session: the derived ties of every NGO the load touched are rewritten from
what the session wrote, so they commit (or roll back) with the load. A path that
writes the graph some other way (a bulk first load) calls :func:`rewrite` with
``ngos=None`` before it makes the graph live.

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
from collections.abc import Iterable, Iterator
from typing import Any

import networkx as nx

from graphmodel import statements as cy
from graphmodel.chains import CHAIN_TYPES, DERIVED_PROPERTIES, DIRECT, HEAD, LINE, STEP, Chain, chain_paths
from graphmodel.engine.plan import LoadPlan
from graphmodel.records import TieRecord
from graphmodel.schema import Schema
from graphmodel.stores.base import LoadSession, Result, Statement

__all__ = ["KEYS_LOOKUP", "refresh", "rewrite", "touched"]

#: Above this many changed chain ties, every NGO's derived ties are recomputed (cheaper than looking them up).
KEYS_LOOKUP = 10_000
#: Ids per read, rows per write.
BATCH = 5_000


def refresh(session: LoadSession, plan: LoadPlan, schema: Schema, *, whole: bool = False) -> int:
    """Rewrite the derived ties of the NGOs ``plan`` touched; returns how many derived ties were written.

    ``whole``: the plan's records are the whole graph (a first load), so the chains are
    computed from them without reading the graph back.
    """
    if whole:
        return rewrite(session, schema, None, records=plan.records.ties)
    return rewrite(session, schema, touched(session, plan, schema))


def touched(session: LoadSession, plan: LoadPlan, schema: Schema) -> set[str] | None:
    """NGOs whose chains the plan may change (``None``: every NGO).

    Written chain ties name their NGO (the source of ``WORKS_IN`` and ``COOPERATES_WITH``,
    ``on_behalf_of`` of ``MOBILIZES``); changed and removed ones are looked up among the
    derived ties that use them. A written ``SUPERVISES`` tie may open chains of any NGO
    below it: then every NGO is recomputed.
    """
    ngos: set[str] = set()
    keys: list[str] = []
    for item in (*plan.create, *plan.update, *plan.retract):
        if not isinstance(item, TieRecord) or item.type not in CHAIN_TYPES:
            continue
        if item.type == LINE:
            return None
        if item.type == STEP and item.props.get("on_behalf_of"):
            ngos.add(str(item.props["on_behalf_of"]))
        elif item.type in (DIRECT, HEAD):
            ngos.add(item.source)
    keys.extend(i.key for i in (*plan.update, *plan.retract) if isinstance(i, TieRecord) and i.type in CHAIN_TYPES)
    for (rel, _), pairs in plan.remove_ties_by_source.items():
        if rel in CHAIN_TYPES:
            keys.extend(key for _, key in pairs)
    keys.extend(dep.key for dep in plan.dependents if dep.type in CHAIN_TYPES)
    if len(keys) > KEYS_LOOKUP:
        return None
    if keys:
        ngos.update(str(row[0]) for row in session.run_written(cy.derived_users(schema), {"keys": keys}).rows)
    return ngos


def rewrite(
    session: LoadSession, schema: Schema, ngos: set[str] | None, *, records: Iterable[TieRecord] | None = None
) -> int:
    """Recompute and write the derived ties of ``ngos`` (``None``: every NGO, after removing every derived tie).

    The chains are read from the graph as the session sees it, or computed from
    ``records`` when these are every tie of the graph (a first load, a bulk load).
    """
    if ngos is not None and not ngos:
        return 0
    if records is not None:
        rows = list(_rows(*_from_records(records)))
    else:
        rows = list(_rows(*_from_graph(session, schema, ngos)))
    if ngos is None:
        session.write(Statement(cy.delete_derived(schema, every=True), {}, 0))
    else:
        ids = sorted(ngos)
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            session.write(Statement(cy.delete_derived(schema, every=False), {"ids": batch}, 0))
    for statement in _creates(schema, rows):
        session.write(statement)
    return len(rows)


def from_records(schema: Schema, records: Iterable[TieRecord]) -> list[Statement]:
    """Statements writing the derived ties of a graph whose ties are all in ``records`` (a bulk first load)."""
    return _creates(schema, list(_rows(*_from_records(records))))


def _creates(schema: Schema, rows: list[tuple[str, dict[str, Any]]]) -> list[Statement]:
    by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for label, row in rows:
        by_label[label].append(row)
    return [
        Statement(cy.create_derived(schema, label), {"rows": group[start : start + BATCH]}, 0)
        for label, group in sorted(by_label.items())
        for start in range(0, len(group), BATCH)
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
        if tie.type not in CHAIN_TYPES:
            continue
        row = {
            "source": tie.source,
            "source_label": tie.source_label,
            "target": tie.target,
            "target_label": tie.target_label,
            "type": tie.type,
            "key": tie.key,
            **{k: tie.props.get(k) for k in ("round", "on_behalf_of", "start", "evidence", "basis")},
        }
        if tie.type in (DIRECT, HEAD) and tie.source_label == "NGO":
            heads[tie.source].append(row)
        elif tie.type == STEP and row["on_behalf_of"] is not None:
            steps[str(row["on_behalf_of"])].append(row)
        elif tie.type == LINE:
            lines[tie.target].append(row)
    return heads, steps, lines


def _rows(heads: Rows, steps: Rows, lines: Rows) -> Iterator[tuple[str, dict[str, Any]]]:
    """(target label, ``{ngo, target, props}``) for every chain path of the NGOs in ``heads``."""
    for ngo in sorted(heads):
        graph = _own_graph(ngo, heads[ngo], steps.get(ngo, []), lines)
        for chain in chain_paths(graph, ngo, distinct=False):
            yield (
                graph.nodes[chain.target]["label"],
                {"ngo": ngo, "target": chain.target, "props": _props(graph, chain)},
            )


def _lines_into(session: LoadSession, schema: Schema, starts: set[tuple[str, str]]) -> dict[str, list[dict[str, Any]]]:
    """``SUPERVISES`` ties into ``starts`` and, upwards, into their sources: by target id."""
    into: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen = {node for _, node in starts}
    frontier: dict[str, set[str]] = defaultdict(set)
    for label, node in starts:
        frontier[label].add(node)
    while frontier:
        following: dict[str, set[str]] = defaultdict(set)
        for label, nodes in sorted(frontier.items()):
            for row in _read(session, cy.chain_lines(schema, label), sorted(nodes)):
                into[row["target"]].append(row)
                if row["source"] not in seen:
                    seen.add(row["source"])
                    following[row["source_label"]].add(row["source"])
        frontier = following
    return into


def _own_graph(ngo: str, heads: list[dict[str, Any]], steps: list[dict[str, Any]], lines: Rows) -> nx.MultiDiGraph:
    """The NGO's part of the graph: its first ties, the mobilisations on its behalf, the lines above them."""
    rows = [*heads, *steps]
    queue = [r["source"] for r in steps]
    done: set[str] = set()
    while queue:
        node = queue.pop()
        if node not in done:
            done.add(node)
            rows.extend(lines.get(node, ()))
            queue.extend(r["source"] for r in lines.get(node, ()))
    labels = {ngo: "NGO"}
    for row in rows:
        labels[row["target"]] = row["target_label"]
        labels.setdefault(row["source"], row.get("source_label"))
    graph = nx.MultiDiGraph()
    graph.add_nodes_from((node, {"label": label}) for node, label in labels.items())
    graph.add_edges_from((r["source"], r["target"], r["key"], {k: r[k] for k in _EDGE_DATA}) for r in rows)
    return graph


_EDGE_DATA = ("type", "round", "on_behalf_of", "start", "evidence", "basis")


def _props(graph: nx.MultiDiGraph, chain: Chain) -> dict[str, Any]:
    # a direct chain's key is the tie's key alone, a chain through the state's are (source, target, key)
    edges = [k if isinstance(k, tuple) else (*chain.nodes, k) for k in chain.keys]
    last = graph.edges[edges[-1]]
    ties = [str(key) for _, _, key in edges]
    props: dict[str, Any] = {
        "_key": hashlib.sha1(" ".join([str(chain.ngo), *ties]).encode()).hexdigest(),
        "round": chain.round,
        "route": chain.route,
        "bodies": list(chain.bodies),
        "types": list(chain.types),
        "ties": ties,
        "chain": f"{chain.round}:" + ">".join(str(x) for x in chain.nodes),
        "start": last.get("start"),
        "evidence": last.get("evidence"),
        "basis": last.get("basis"),
    }
    assert set(props) <= set(DERIVED_PROPERTIES)
    return {k: v for k, v in props.items() if v is not None and v != []}
