"""Load a fieldwork package: read, validate, plan the changes, write them in batches.

Loading is idempotent (a second load of the same files changes nothing) and a
refresh (what disappeared from the package is removed from the graph, but only
what this package loaded before). It is atomic: the store applies a package whole
or not at all (see :meth:`~graphmodel.stores.base.Store.load_unit`), and loads of one
package run one after the other, each planned against what the last one committed.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphmodel import statements as cy
from graphmodel.errors import GraphmodelError
from graphmodel.gcpause import gc_paused
from graphmodel.records import NodeRecord, Records, TieRecord
from graphmodel.schema import Schema, load_schema
from graphmodel.stores.base import Statement, Store
from graphmodel.tables import RawPackage
from graphmodel.engine.validate import validate_in_steps, validate_package

BATCH_SIZE = 2_000
#: Nodes switched live per statement in a staged load's switch.
STAGE_SWITCH_BATCH = 10_000
#: Stores that stage (Neo4j) stage the load of a package of at least this many rows (all
#: tables); the environment variable of the same name overrides it (0: never stage).
STAGE_ROWS = 10_000
STAGE_ROWS_ENV = "GRAPHMODEL_STAGE_ROWS"
#: Test hook (crash tests): seconds to pause after each written statement, so that a
#: test can kill a load part-way through its writes. Unset in normal use.
PAUSE_ENV = "GRAPHMODEL_TEST_PAUSE_SECONDS"

__all__ = [
    "BATCH_SIZE",
    "LoadPlan",
    "load_package",
    "lookup_in",
    "plan_load",
    "stage_rows",
    "staged_statements",
    "write_statements",
]


@dataclass
class LoadPlan:
    """What a load will change, per label and relationship type."""

    records: Records
    create: list[NodeRecord | TieRecord] = field(default_factory=list)
    update: list[NodeRecord | TieRecord] = field(default_factory=list)
    unchanged: int = 0
    remove_nodes: dict[str, list[str]] = field(default_factory=dict)
    remove_ties_by_source: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        """Number of nodes and ties created, updated or removed."""
        removed = sum(len(v) for v in self.remove_nodes.values())
        removed += sum(len(v) for v in self.remove_ties_by_source.values())
        return len(self.create) + len(self.update) + removed

    def summary(self) -> list[tuple[str, int, int, int, int]]:
        """Rows of (label or type, created, updated, removed, unchanged)."""
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for action, items in (("created", self.create), ("updated", self.update)):
            for item in items:
                counts[_kind(item)][action] += 1
        for label, ids in self.remove_nodes.items():
            counts[label]["removed"] += len(ids)
        for (rel, _), pairs in self.remove_ties_by_source.items():
            counts[rel]["removed"] += len(pairs)
        records: list[NodeRecord | TieRecord] = [*self.records.nodes, *self.records.ties]
        total: Counter[str] = Counter(_kind(x) for x in records)
        rows = []
        for name in sorted(set(counts) | set(total)):
            c = counts[name]
            unchanged = total[name] - c["created"] - c["updated"]
            rows.append((name, c["created"], c["updated"], c["removed"], unchanged))
        return rows


def _kind(item: NodeRecord | TieRecord) -> str:
    return item.label if isinstance(item, NodeRecord) else item.type


def lookup_in(store: Store, schema: Schema) -> Callable[[set[str]], dict[str, tuple[str, str]]]:
    """A lookup of ids already in ``store``, for :func:`validate_package`."""

    def lookup(ids: set[str]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        if not ids or not store.run(cy.count_nodes()).rows[0][0]:
            return found  # an empty store holds none of them (a first load skips one query per label and batch)
        wanted = sorted(ids)
        for label in schema.data_labels:
            for start in range(0, len(wanted), BATCH_SIZE * 5):
                batch = wanted[start : start + BATCH_SIZE * 5]
                for node_id, package in store.run(cy.find_ids(schema, label), {"ids": batch}).rows:
                    found[node_id] = (label, package or "")
        return found

    return lookup


@dataclass
class Stored:
    """What the store holds for one package: node hashes, and tie endpoints and hashes, by key."""

    nodes: dict[tuple[str, str], str] = field(default_factory=dict)
    ties: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)


def stored_state(store: Store, package: str, schema: Schema) -> Stored:
    """Read what ``store`` holds for ``package``, to plan a load against."""
    stored = Stored()
    params = {"package": package}
    for label in schema.data_labels:
        for node_id, digest in store.run(cy.package_nodes(schema, label), params).rows:
            stored.nodes[(label, node_id)] = digest
    for rel in schema.relationships:
        for source_label, source, key, digest in store.run(cy.package_ties(schema, rel), params).rows:
            stored.ties[(rel, key)] = (source_label, source, digest)
    return stored


def plan_load(store: Store, records: Records, schema: Schema, stored: Stored | None = None) -> LoadPlan:
    """Compare a package's records with what the store holds for that package."""
    plan = LoadPlan(records)
    stored = stored or stored_state(store, records.package, schema)
    stored_nodes, stored_ties = dict(stored.nodes), dict(stored.ties)
    for node in records.nodes:
        old = stored_nodes.pop((node.label, node.id), None)
        _sort(plan, node, old)
    for tie in records.ties:
        old_tie = stored_ties.pop((tie.type, tie.key), None)
        _sort(plan, tie, old_tie[2] if old_tie else None)
    for label, node_id in stored_nodes:
        plan.remove_nodes.setdefault(label, []).append(node_id)
    for (rel, key), (source_label, source, _) in stored_ties.items():
        plan.remove_ties_by_source.setdefault((rel, source_label), []).append((source, key))
    return plan


def _sort(plan: LoadPlan, item: NodeRecord | TieRecord, old_hash: str | None) -> None:
    if old_hash is None:
        plan.create.append(item)
    elif old_hash != item.hash:
        plan.update.append(item)
    else:
        plan.unchanged += 1


def _batches(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH_SIZE):
        yield rows[start : start + BATCH_SIZE]


def write_statements(plan: LoadPlan, schema: Schema, package_props: dict[str, Any]) -> list[Statement]:
    """The batched statements that carry out ``plan``: removals first, then nodes, then ties."""
    return [
        *_removals(plan, schema),
        *_merges([*plan.create, *plan.update], schema),
        Statement(cy.upsert_package(schema), {"id": plan.records.package, "props": package_props}, 0),
    ]


def staged_statements(
    plan: LoadPlan, schema: Schema, package_props: dict[str, Any]
) -> tuple[list[Statement | None], list[Statement]]:
    """The statements of a staged load: what can be written ahead, and the switch that makes it live.

    New nodes, and new ties between two of them, are staged (written under the
    staging label, which no query sees); ``None`` in the first list marks where the
    ties must wait for the nodes. The switch removes what the package lost, gives the
    staged nodes their labels, and writes updates and the ties that touch nodes
    already live; it is the only part that must be one transaction.
    """
    new_nodes = [x for x in plan.create if isinstance(x, NodeRecord)]
    new_ids = {node.id for node in new_nodes}
    ties = [x for x in plan.create if isinstance(x, TieRecord)]
    package = plan.records.package
    stage = [*stage_nodes(new_nodes, schema, package), None, *stage_ties(ties, new_ids, schema, package)]
    return stage, switch_statements(plan, new_ids, schema, package_props)


def stage_nodes(nodes: list[NodeRecord], schema: Schema, package: str) -> list[Statement]:
    """Statements that write ``nodes`` (of ``package``) ahead under the staging label."""
    rows = [node.props for node in nodes]
    return [Statement(cy.stage_nodes(schema), {"rows": b, "package": package}, len(b)) for b in _batches(rows)]


def stage_ties(ties: list[TieRecord], new_ids: set[str], schema: Schema, package: str) -> list[Statement]:
    """Statements that write ahead those of ``ties`` whose two ends are staged nodes (``new_ids``)."""
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for tie in ties:
        if tie.source in new_ids and tie.target in new_ids:  # new, since a tie's key holds its endpoints
            by_type[tie.type].append({"source": tie.source, "target": tie.target, "props": tie.props})
    return [
        Statement(cy.stage_ties(schema, rel), {"rows": batch, "package": package}, len(batch))
        for rel, rows in sorted(by_type.items())
        for batch in _batches(rows)
    ]


def switch_statements(
    plan: LoadPlan, new_ids: set[str], schema: Schema, package_props: dict[str, Any]
) -> list[Statement]:
    """The switch of a staged load whose staged nodes are ``new_ids`` (and the ties between them)."""
    package = plan.records.package
    rest: list[NodeRecord | TieRecord] = []
    ids_by_label: dict[str, list[str]] = defaultdict(list)
    for item in [*plan.create, *plan.update]:
        if isinstance(item, NodeRecord) and item.id in new_ids:
            ids_by_label[item.label].append(item.id)
        elif isinstance(item, NodeRecord) or item.source not in new_ids or item.target not in new_ids:
            rest.append(item)
    go_live = [
        Statement(cy.go_live(schema, label), {"ids": ids[start : start + STAGE_SWITCH_BATCH], "package": package}, 0)
        for label, ids in sorted(ids_by_label.items())
        for start in range(0, len(ids), STAGE_SWITCH_BATCH)
    ]
    return [
        *_removals(plan, schema),
        *go_live,
        *_merges(rest, schema),
        Statement(cy.upsert_package(schema), {"id": package, "props": package_props}, 0),
    ]


def _removals(plan: LoadPlan, schema: Schema) -> list[Statement]:
    name = plan.records.package
    out: list[Statement] = []
    for (rel, source_label), pairs in sorted(plan.remove_ties_by_source.items()):
        rows = [{"source": s, "key": k} for s, k in pairs]
        for batch in _batches(rows):
            out.append(
                Statement(cy.delete_ties(schema, rel, source_label), {"rows": batch, "package": name}, len(batch))
            )
    for label, ids in sorted(plan.remove_nodes.items()):
        for start in range(0, len(ids), BATCH_SIZE):
            batch_ids = ids[start : start + BATCH_SIZE]
            out.append(Statement(cy.delete_nodes(schema, label), {"ids": batch_ids, "package": name}, len(batch_ids)))
    return out


def _merges(changed: list[NodeRecord | TieRecord], schema: Schema) -> list[Statement]:
    out: list[Statement] = []
    nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ties: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for item in changed:
        if isinstance(item, NodeRecord):
            nodes[item.label].append({"id": item.id, "props": item.props})
        else:
            ties[(item.type, item.source_label, item.target_label)].append(
                {"source": item.source, "target": item.target, "key": item.key, "props": item.props}
            )
    for label, rows in sorted(nodes.items()):
        for batch in _batches(rows):
            out.append(Statement(cy.merge_nodes(schema, label), {"rows": batch}, len(batch)))
    for (rel, source, target), rows in sorted(ties.items()):
        for batch in _batches(rows):
            out.append(Statement(cy.merge_ties(schema, rel, source, target), {"rows": batch}, len(batch)))
    return out


@dataclass
class LoadReport:
    """What a load did."""

    package: str
    plan: LoadPlan
    written: bool
    #: Whether the load was written ahead in several transactions and then switched live.
    staged: bool = False


def stage_rows() -> int:
    """Packages of at least this many rows are staged where the store stages (0: never)."""
    value = os.environ.get(STAGE_ROWS_ENV, "").strip()
    try:
        return int(value) if value else STAGE_ROWS
    except ValueError:
        raise GraphmodelError(f"{STAGE_ROWS_ENV}={value!r} is not a whole number") from None


def load_package(
    store: Store,
    source: str | Path | RawPackage,
    *,
    schema: Schema | None = None,
    name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    dry_run: bool = False,
) -> LoadReport:
    """Validate a package and bring the store in line with it.

    ``progress(done, total)`` is called as rows are written. Raises
    :class:`~graphmodel.errors.InvalidPackage` (writing nothing) when the package has problems.
    """
    from loaders.fieldwork import read_package

    schema = schema or load_schema()
    raw = source if isinstance(source, RawPackage) else read_package(source, name=name)
    store.ensure_constraints(schema)
    pause = float(os.environ.get(PAUSE_ENV) or 0)

    def package_props(records: Records) -> dict[str, Any]:
        return {
            "id": raw.name,
            "path": str(Path(raw.path).resolve()),
            "loaded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "fingerprint": raw.fingerprint,
            "nodes": len(records.nodes),
            "ties": len(records.ties),
        }

    done, total = 0, sum(len(table.rows) for table in raw.tables.values())

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        if progress:
            progress(done, max(total, done))
        if pause:
            time.sleep(pause)

    def work(db: Store) -> LoadReport:
        nonlocal done, total
        done = 0
        if not dry_run and db.stages_large_loads and 0 < stage_rows() <= total:
            return _staged_load(db, raw, schema, package_props, advance)
        with gc_paused():  # validating and planning build many objects and no cycles (see graphmodel.gcpause)
            records = validate_package(raw, schema, lookup_in(db, schema))
            plan = plan_load(db, records, schema)
        if dry_run or plan.changes == 0:
            return LoadReport(raw.name, plan, written=False)
        with gc_paused():
            todo = write_statements(plan, schema, package_props(records))
        total = sum(s.rows for s in todo)
        db.apply(todo, advance)
        return LoadReport(raw.name, plan, written=True)

    return work(store) if dry_run else store.load_unit(raw.name, work)


def _staged_load(
    db: Store,
    raw: RawPackage,
    schema: Schema,
    package_props: Callable[[Records], dict[str, Any]],
    advance: Callable[[int], None],
) -> LoadReport:
    """Validate and write ahead at once (new nodes as soon as they are valid, then ties in steps), then switch.

    The store writes what is yielded while validation goes on, so Python and the
    server work at the same time; a problem found late undoes what was staged.
    """
    stored = stored_state(db, raw.name, schema)
    new_ids: set[str] = set()
    result: dict[str, Any] = {}

    def stage() -> Iterator[Statement | None]:
        with gc_paused():
            steps = validate_in_steps(raw, schema, lookup_in(db, schema))
            while True:
                try:
                    chunk = next(steps)
                except StopIteration as finished:
                    result["records"] = finished.value
                    return
                if db.stages_in_place:  # the store's unit is invisible already: write the changes as they are
                    yield from _merges([x for x in chunk if _changed(x, stored)], schema)
                elif chunk and isinstance(chunk[0], NodeRecord):
                    nodes = [n for n in chunk if isinstance(n, NodeRecord) and (n.label, n.id) not in stored.nodes]
                    new_ids.update(node.id for node in nodes)
                    yield from stage_nodes(nodes, schema, raw.name)
                    yield None  # ties wait until their nodes are written
                else:
                    yield from stage_ties([t for t in chunk if isinstance(t, TieRecord)], new_ids, schema, raw.name)

    def switch() -> list[Statement]:
        with gc_paused():
            records: Records = result["records"]
            result["plan"] = plan = plan_load(db, records, schema, stored)
            if plan.changes == 0:
                return []
            if db.stages_in_place:
                upsert = Statement(cy.upsert_package(schema), {"id": raw.name, "props": package_props(records)}, 0)
                return [*_removals(plan, schema), upsert]
            return switch_statements(plan, new_ids, schema, package_props(records))

    written = db.apply_staged(stage(), switch, advance)
    return LoadReport(raw.name, result["plan"], written=written, staged=written)


def _changed(item: NodeRecord | TieRecord, stored: Stored) -> bool:
    """Whether ``item`` is new or differs from what the store holds for its package."""
    if isinstance(item, NodeRecord):
        return stored.nodes.get((item.label, item.id)) != item.hash
    old = stored.ties.get((item.type, item.key))
    return old is None or old[2] != item.hash
