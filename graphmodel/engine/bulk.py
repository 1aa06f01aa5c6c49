"""A first load into an empty store, written by the store's bulk path.

Into an empty store every record of a package is new, so there is nothing to compare,
merge or retract: the load validates exactly as every load does
(:func:`~graphmodel.engine.validate.validate_in_steps`), plans with the same
:class:`~graphmodel.engine.plan.Planner` (which finds every record new) and writes the
same records, package record and graph format, so the graph is the one the ordinary
path would build. Only the writing differs: the store's :class:`~graphmodel.stores.base.BulkSession`
creates instead of merging (Neo4j: ``CREATE`` in parallel transactions; the embedded
store: FalkorDB's binary ``GRAPH.BULK`` into a fresh graph renamed live at the end),
while validation goes on. A problem found after writing began removes what was written.

:func:`bulk_load` is tried first by :func:`graphmodel.engine.load.load`: automatically
for a package of at least ``LoadOptions.bulk_rows`` rows when the store is empty, always
with ``bulk=True`` (refused, with a message, when the store holds anything).

>>> import tempfile
>>> from graphmodel.engine.load import LoadOptions, load
>>> from graphmodel.sample import sample_path
>>> from graphmodel.stores import open_store
>>> from loaders.fieldwork import read_package
>>> with open_store("embedded:" + tempfile.mkdtemp()) as store:
...     report = bulk_load(store, read_package(sample_path()), options=LoadOptions(bulk=True))
...     again = load(store, read_package(sample_path()))  # not empty now: the ordinary path
>>> report.bulk, report.written, again.written
(True, True, False)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, LiteralString

from graphmodel.engine import derived
from graphmodel.engine.load import (
    BULK_ROWS,
    LoadOptions,
    LoadReport,
    Lookup,
    _affected,
    _package_record,
    _planned_steps,
    _resolve,
    _table_rows,
    _upgrade,
    lap_timer,
)
from graphmodel.engine.plan import LoadPlan, Planner
from graphmodel.engine.state import read_state
from graphmodel.errors import StoreError
from graphmodel.gcpause import gc_paused
from graphmodel.records import NodeRecord, Records, TieRecord
from graphmodel.schema import Schema, load_schema
from graphmodel.stores.base import BulkSession, Result, Statement, Store
from graphmodel.tables import RawPackage

__all__ = ["BULK_ROWS", "bulk_load"]


def bulk_load(
    store: Store,
    raw: RawPackage,
    *,
    schema: Schema | None = None,
    options: LoadOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LoadReport | None:
    """Load ``raw`` by the store's bulk path if the options and the store allow; None: load it the ordinary way.

    ``options.bulk``: ``None`` picks the bulk path for an empty store and a package of at least
    ``options.bulk_rows`` rows; ``True`` insists (:class:`~graphmodel.errors.StoreError` when the
    store is not empty or has no bulk path); ``False`` never.
    """
    schema = schema or load_schema()
    options = options or LoadOptions()
    rows = sum(len(table.rows) for table in raw.tables.values())
    if options.bulk is False or (options.bulk is None and rows < options.bulk_rows):
        return None
    store.ensure_constraints(schema)
    session = store.bulk_session(schema)
    if session is None:
        if options.bulk:
            raise StoreError(f"{store.description} has no bulk load path; load without --bulk")
        return None
    with session:
        if not session.empty():
            if options.bulk:
                raise StoreError(
                    f"--bulk is for a first load into an empty store, and {store.description} already holds "
                    "data: load without --bulk (the ordinary load adds to or updates what is there)"
                )
            return None
        return _write(store, session, raw, schema, options, progress, rows)


def _write(
    store: Store,
    session: BulkSession,
    raw: RawPackage,
    schema: Schema,
    options: LoadOptions,
    progress: Callable[[int, int], None] | None,
    rows: int,
) -> LoadReport:
    timings, lap = lap_timer()

    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, max(rows, done))
        if options.pause:
            time.sleep(options.pause)

    with gc_paused():  # validating and planning build many objects and no cycles (see graphmodel.gcpause)
        state = read_state(session, schema, raw.name)  # package records (for ranking) and format; no data
        planner = Planner(_NoData(), schema, state, priority=options.priority)
        lookup = Lookup(session, schema, empty=True)
        raw, resolved = _resolve(raw, schema, session, state)
        session.begin(raw.name, _provisional_record(raw, planner, schema, resolved.record))
        lap("state")
        steps = _planned_steps(raw, schema, planner, lookup)
        while True:
            try:
                nodes, created, updated = next(steps)
            except StopIteration as finished:
                records: Records = finished.value
                break
            if updated:  # an empty store holds nothing to update
                raise StoreError(f"the bulk load of {raw.name!r} found records to update in an empty store")
            if nodes:
                session.nodes([n for n in created if isinstance(n, NodeRecord)])
            else:
                session.ties([t for t in created if isinstance(t, TieRecord)])
            advance(len(created))
        lap("validate")
        plan = planner.finish(records, options.rules, _table_rows(raw))
        lap("finish")
    if plan.refusals:  # none can arise in an empty store; kept so the rule is never skipped silently
        raise plan.refusals[0]
    upgrade = _upgrade(state, schema)
    # the derived ties every load keeps (engine/derived.py), from the records (they are the whole graph),
    # written like the load's own ties
    with gc_paused():  # the collector's passes over every record would cost the derivation about half its time
        session.ties(derived.from_records(records.ties))
        lap("derived")
        session.commit([*upgrade, _package_record(raw, plan, planner, schema, resolved.record)])
        lap("commit")
    report = LoadReport(raw.name, plan, written=True, upgraded=bool(upgrade), bulk=True, timings=timings)
    if resolved.involved:  # as the ordinary path: which packages no longer follow the decisions in force
        report.affected = _affected(store, schema)
        report.warnings.extend(a.warning for a in report.affected.values())
    return report


class _NoData:
    """The planner's reader in a store without data: every read of nodes or ties finds nothing.

    The store may hold package records (which rank packages) but, as the bulk session checked
    under the load lock, no node or tie they assert, so the planner's look-ups are skipped.
    """

    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> Result:
        return Result([], [])


def _provisional_record(
    raw: RawPackage, planner: Planner, schema: Schema, resolution: dict[str, list[str]]
) -> Statement:
    """The package's record before anything is written: no nodes or ties yet, marked ``incomplete``."""
    record = _package_record(raw, LoadPlan(Records(raw.name)), planner, schema, resolution)
    props = {**record.params["props"], "incomplete": True}
    return Statement(record.cypher, {**record.params, "props": props}, 0)
