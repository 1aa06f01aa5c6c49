"""Load a package's neutral tables: validate, plan, and write one ordered stream through a load session.

The engine drives: it opens the store's load session (which takes the store's load
lock), reads the state it plans against, validates the package, plans each step as
validation hands it on, gives the session what may be written ahead (how depends on
the session's one :class:`~graphmodel.stores.base.Staging` mode), then writes the rest
and commits. Any problem rolls everything back, what was written ahead included.

>>> import tempfile
>>> from graphmodel.sample import sample_path
>>> from graphmodel.stores import open_store
>>> from loaders.fieldwork import read_package
>>> with open_store("embedded:" + tempfile.mkdtemp()) as store:
...     report = load(store, read_package(sample_path()))
...     again = load(store, read_package(sample_path()))
>>> report.written, again.written, again.plan.changes
(True, False, 0)
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graphmodel import statements as cy
from graphmodel.engine import derived
from graphmodel.engine.plan import Item, LoadPlan, Planner, RemovalRules
from graphmodel.engine.state import FORMAT, GRAPH_ID, GraphState, Runner, read_state
from graphmodel.engine.validate import validate_in_steps
from graphmodel.engine.writes import merges, removals, stage_nodes, stage_ties, switch_live
from graphmodel.errors import StoreError
from graphmodel.gcpause import gc_paused
from graphmodel.records import NodeRecord, Records, TieRecord
from graphmodel.schema import Schema, load_schema
from graphmodel.stores.base import LoadSession, Staging, Statement, Store
from graphmodel.tables import RawPackage

__all__ = ["BULK_ROWS", "STAGE_ROWS", "Affected", "LoadOptions", "LoadReport", "Lookup", "load"]

#: Packages of at least this many rows (all tables) are staged where the store stages.
STAGE_ROWS = 10_000
#: Packages of at least this many rows go the bulk path when the store is empty (see graphmodel.engine.bulk).
BULK_ROWS = 100_000
#: Ids looked up per query during validation.
LOOKUP_BATCH = 10_000


@dataclass(frozen=True)
class LoadOptions:
    """How to load, passed from the CLI or the Python API (never read from the environment here).

    ``stage_rows``: stage packages of at least this many rows (0: never).
    ``priority``: the package's priority when packages disagree (None: keep what it had, else 0).
    ``diff``: read old values so the report can list row-level changes.
    ``pause``: test hook, seconds to wait after each statement handed to the store.
    ``reload_affected``: after the load, reload from their recorded paths the packages whose
    statements no longer follow the decisions in force (done by :func:`graphmodel.api.load_package`,
    which can read packages; the engine only names them in ``LoadReport.affected``).
    ``bulk``: a first load into an empty store by the store's bulk path (:mod:`graphmodel.engine.bulk`):
    ``None`` when the package has at least ``bulk_rows`` rows, ``True`` always (refused unless the
    store is empty), ``False`` never.
    """

    stage_rows: int = STAGE_ROWS
    rules: RemovalRules = field(default_factory=RemovalRules)
    priority: int | None = None
    diff: bool = False
    pause: float = 0.0
    reload_affected: bool = False
    bulk: bool | None = None
    bulk_rows: int = BULK_ROWS


@dataclass
class LoadReport:
    """What a load did (or, for a dry run, would do)."""

    package: str
    plan: LoadPlan
    written: bool
    #: Whether the load was written ahead while validated, then switched live.
    staged: bool = False
    #: Whether this load upgraded a store written by graphmodel 0.1.
    upgraded: bool = False
    #: Whether this was a first load into an empty store by the store's bulk path.
    bulk: bool = False
    warnings: list[str] = field(default_factory=list)
    #: Seconds per phase: ``state`` (reading what the graph holds), ``validate`` (validating and
    #: planning, with writing ahead overlapped), ``finish`` (removals, dependents), ``write`` (the
    #: atomic part), ``derived`` (computing and writing the derived ties, see
    #: :mod:`graphmodel.engine.derived`), ``commit`` (waiting for what was written ahead, then making it live).
    timings: dict[str, float] = field(default_factory=dict)
    #: Packages whose statements no longer follow the decisions in force after this load.
    affected: dict[str, Affected] = field(default_factory=dict)
    #: The loads of affected packages that followed (``LoadOptions.reload_affected``).
    reloaded: list[LoadReport] = field(default_factory=list)


class Lookup:
    """Finds ids already in the graph for validation, remembering what it found (id -> label, package)."""

    def __init__(self, runner: Runner, schema: Schema, *, empty: bool) -> None:
        self.runner = runner
        self.schema = schema
        self.empty = empty
        self.found: dict[str, tuple[str, str]] = {}

    def __call__(self, ids: set[str]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        if not ids or self.empty:
            return found  # a graph without packages holds none of them (a first load skips every lookup)
        wanted = sorted(ids)
        for label in self.schema.data_labels:
            for start in range(0, len(wanted), LOOKUP_BATCH):
                batch = wanted[start : start + LOOKUP_BATCH]
                for node_id, package in self.runner.run(cy.find_ids(self.schema, label), {"ids": batch}).rows:
                    found[node_id] = (label, package or "")
        self.found.update(found)
        return found


class _Stream:
    """Hands statements to the session, counting progress and pausing under the test hook."""

    def __init__(self, session: LoadSession, progress: Callable[[int, int], None] | None, total: int, pause: float):
        self.session, self.progress, self.total, self.pause = session, progress, total, pause
        self.done = 0
        self.count = 0

    def _advance(self, statement: Statement) -> None:
        self.count += 1
        self.done += statement.rows
        if self.progress:
            self.progress(self.done, max(self.total, self.done))
        if self.pause:
            time.sleep(self.pause)

    def ahead(self, statements: list[Statement | None]) -> None:
        for statement in statements:
            self.session.write_ahead(statement)
            if statement is not None:
                self._advance(statement)

    def write(self, statements: list[Statement]) -> None:
        for statement in statements:
            self.session.write(statement)
            self._advance(statement)


def lap_timer() -> tuple[dict[str, float], Callable[[str], None]]:
    """A dict of phase timings and the function that records one: ``lap(name)`` adds the seconds since the last lap.

    >>> timings, lap = lap_timer()
    >>> lap("state"); list(timings)
    ['state']
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(timings.get(name, 0.0) + now - clock, 3)  # a phase may come in parts
        clock = now

    return timings, lap


def load(
    store: Store,
    raw: RawPackage,
    *,
    schema: Schema | None = None,
    options: LoadOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
    dry_run: bool = False,
) -> LoadReport:
    """Validate ``raw`` and bring what the graph holds of its package in line with it.

    Raises :class:`~graphmodel.errors.InvalidPackage` (writing nothing) when the package
    has problems, and :class:`~graphmodel.errors.LoadRefused` when it would remove
    more than ``options.rules`` allow. A dry run reports refusals in ``plan.refusals``.
    """
    schema = schema or load_schema()
    options = options or LoadOptions()
    rows = sum(len(table.rows) for table in raw.tables.values())
    if dry_run:
        return _dry_run(store, raw, schema, options)
    if options.bulk is not False:
        from graphmodel.engine.bulk import bulk_load  # it builds on this module

        report = bulk_load(store, raw, schema=schema, options=options, progress=progress)
        if report is not None:
            return report
    store.ensure_constraints(schema)
    staged = 0 < options.stage_rows <= rows
    timings, lap = lap_timer()

    # validating, planning, deriving and writing build many objects and no cycles (see graphmodel.gcpause);
    # the collector stays paused until the commit, writers' threads included (a collection's pass over
    # every record cost the derivation about half its time)
    with store.load_session(staged=staged) as session, gc_paused():
        stream = _Stream(session, progress, rows, options.pause)
        state = read_state(session, schema, raw.name)
        _check_format(state, store)
        planner = Planner(session, schema, state, priority=options.priority, diff=options.diff)
        lookup = Lookup(session, schema, empty=not state.packages)
        raw, resolved = _resolve(raw, schema, session, state)
        lap("state")
        records, deferred, live = _validate_and_write_ahead(raw, schema, planner, lookup, stream)
        lap("validate")
        plan = planner.finish(records, options.rules, _table_rows(raw))
        lap("finish")
        if plan.refusals:
            raise plan.refusals[0]
        upgrade = _upgrade(state, schema)
        if plan.changes == 0 and not upgrade and not resolved.changed:
            report = LoadReport(raw.name, plan, written=False, timings=timings)
            if resolved.involved:  # nothing to write, but other packages may still not follow the decisions
                report.affected = _affected(session, schema)
                report.warnings.extend(a.warning for a in report.affected.values())
            return report
        # derived ties (engine/derived.py): a first load's, and those of the NGOs a staged load
        # staged, go ahead with the staged ties; the others are rewritten in the atomic part
        first = not state.packages  # a first load: its records are the graph
        staged_ids = {node for ids in live.values() for node in ids}
        new = None if first else set(live.get("NGO", ()))
        derived_after = derived.new_ngos(session, schema, plan, new, staged_ids, raw.name) if first or new else []
        same = set() if first else derived.unchanged_updates(session, plan, schema)  # read before the writes
        lap("derived")
        todo = [
            *removals(plan, schema),
            *switch_live(live, schema, raw.name),
            *merges(deferred, schema),
            *upgrade,
            _package_record(raw, plan, planner, schema, resolved.record),
        ]
        stream.write(todo)
        lap("write")
        for statement in derived_after:
            session.write(statement)
        if not first:
            derived.refresh(session, plan, schema, done=new or set(), staged=staged_ids, same=same)
        lap("derived")
        session.commit()
        lap("commit")
    staged_load = session.staging is Staging.LABEL
    report = LoadReport(raw.name, plan, written=True, staged=staged_load, upgraded=bool(upgrade), timings=timings)
    if resolved.involved:
        report.affected = _affected(store, schema)
        report.warnings.extend(a.warning for a in report.affected.values())
    return report


def _planned_steps(
    raw: RawPackage, schema: Schema, planner: Planner, lookup: Lookup
) -> Generator[tuple[bool, list[Item], list[Item]], None, Records]:
    """Validate step by step and plan each step: yields (nodes?, created, updated); returns the records."""
    steps: Generator[list[NodeRecord] | list[TieRecord], None, Records] = validate_in_steps(raw, schema, lookup)
    while True:
        try:
            chunk = next(steps)
        except StopIteration as finished:
            return finished.value
        if chunk and isinstance(chunk[0], TieRecord):
            yield (False, *planner.ties([t for t in chunk if isinstance(t, TieRecord)]))
        else:  # the node records come first, once (possibly none)
            yield (True, *planner.nodes([n for n in chunk if isinstance(n, NodeRecord)], lookup.found))


def _validate_and_write_ahead(
    raw: RawPackage, schema: Schema, planner: Planner, lookup: Lookup, stream: _Stream
) -> tuple[Records, list[Item], dict[str, list[str]]]:
    """Validate and plan step by step, writing ahead what the session's staging allows.

    Returns the records, what is left for the atomic part, and the nodes staged under the
    staging label (``{label: ids}``), which the switch makes live.
    """
    mode = stream.session.staging
    deferred: list[Item] = []
    live: dict[str, list[str]] = {}
    staged_ids: set[str] = set()
    steps = _planned_steps(raw, schema, planner, lookup)
    while True:
        try:
            nodes, created, updated = next(steps)
        except StopIteration as finished:
            return finished.value, deferred, live
        if mode is Staging.COPY:  # everything written goes to a copy no query sees
            stream.ahead(list(merges([*created, *updated], schema)))
        elif mode is Staging.LABEL and nodes:  # new nodes under the staging label
            new_nodes = [n for n in created if isinstance(n, NodeRecord)]
            for node in new_nodes:
                live.setdefault(node.label, []).append(node.id)
            staged_ids.update(node.id for node in new_nodes)
            stream.ahead([*stage_nodes(new_nodes, schema), None])  # ties wait until their nodes are written
            deferred.extend(updated)
        elif mode is Staging.LABEL:  # new ties between staged nodes
            new_ties = [t for t in created if isinstance(t, TieRecord)]
            stream.ahead(list(stage_ties(new_ties, staged_ids, schema, raw.name)))
            deferred.extend(t for t in new_ties if t.source not in staged_ids or t.target not in staged_ids)
            deferred.extend(updated)
        else:
            deferred.extend(created)
            deferred.extend(updated)


def _resolve(raw: RawPackage, schema: Schema, runner: Runner, state: GraphState) -> tuple[RawPackage, Resolved]:
    """Apply the decisions in force (every package's ``decisions``, this one's as it is now) before validation.

    Ids another package holds stay canonical, so this package joins the nodes already
    there; problems in its decisions are reported with validation's. Returns the package
    rewritten and what its load record keeps (see :mod:`graphmodel.resolve.inforce` and
    docs/resolve.md).
    """
    from graphmodel.resolve.aliases import resolve
    from graphmodel.resolve.decisions import DECISIONS
    from graphmodel.resolve.inforce import asserters, load_record, recorded

    table = raw.tables.get(DECISIONS)
    if table is None and not state.packages:
        return raw, Resolved()  # a first load without decisions: nothing to resolve, nothing to read
    records = recorded(runner, schema) if state.packages else {}
    mine = records.pop(raw.name, None)
    before = mine.stored if mine else {}
    others = [d for r in records.values() for d in r.decisions]
    if table is None and not others:
        return raw, Resolved(before=before, involved=bool(before))
    ids = {d.id for d in others} | {d.same_as for d in others}
    ids |= {row.values[c] for row in (table.rows if table else []) for c in ("id", "same_as") if row.values.get(c)}
    prefer = sorted(x for x, packages in asserters(runner, schema, ids).items() if packages - {raw.name})
    result = resolve(raw, schema, others, prefer)
    resolved = replace(result.raw, problems=[*result.raw.problems, *result.problems])
    record = load_record(result.decisions, result.rewritten)
    return resolved, Resolved(record, before, involved=True)


@dataclass(frozen=True)
class Resolved:
    """What resolution gives the load: the package's new load-record properties and the old ones."""

    record: dict[str, list[str]] = field(default_factory=dict)
    before: dict[str, list[str]] = field(default_factory=dict)
    #: whether any decisions (this package's, now or before, or another's) are in play
    involved: bool = False

    @property
    def changed(self) -> bool:
        return self.record != self.before


@dataclass(frozen=True)
class Affected:
    """A package whose statements no longer follow the decisions in force, and why."""

    package: str
    path: str
    reason: str

    @property
    def warning(self) -> str:
        return (
            f"package {self.package!r} was loaded under other decisions ({self.reason}): reload it to apply the "
            f"decisions in force (graphmodel load {self.path or 'PATH'} --name {self.package}, "
            "or rerun this load with --reload-affected)"
        )


def _affected(store: Runner, schema: Schema) -> dict[str, Affected]:
    """Packages the decisions in force no longer match, by name."""
    from graphmodel.resolve.inforce import affected_packages, recorded

    why = affected_packages(store, schema)
    paths = {name: r.path for name, r in recorded(store, schema).items()} if why else {}
    return {name: Affected(name, paths.get(name, ""), reason) for name, reason in why.items()}


def _table_rows(raw: RawPackage) -> dict[str, int]:
    return {name: len(table.rows) for name, table in raw.tables.items()}


def _check_format(state: GraphState, store: Store) -> None:
    if state.format is not None and state.format > FORMAT:
        raise StoreError(
            f"{store.description} was written by a newer graphmodel (storage format {state.format}; "
            f"this version writes {FORMAT}): upgrade graphmodel to load into it"
        )


def _upgrade(state: GraphState, schema: Schema) -> list[Statement]:
    """Statements that bring a store 0.1.0 wrote (or an empty one) to this version's format."""
    if state.format == FORMAT:
        return []
    rows = [{"id": info.id, "seq": info.seq} for info in state.packages.values()]
    out = [Statement(cy.set_package_seq(schema), {"rows": rows}, 0)] if rows else []
    return [*out, Statement(cy.set_graph_format(schema), {"id": GRAPH_ID, "format": FORMAT}, 0)]


def _package_record(
    raw: RawPackage, plan: LoadPlan, planner: Planner, schema: Schema, resolution: dict[str, list[str]]
) -> Statement:
    props: dict[str, Any] = {
        **resolution,
        "id": raw.name,
        "path": str(Path(raw.path).resolve()),
        "loaded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "fingerprint": raw.fingerprint,
        "nodes": len(plan.records.nodes),
        "ties": len(plan.records.ties),
        "seq": planner.seq,
        "priority": planner.priority,
        "tables": [f"{name}:{rows}" for name, rows in sorted(_table_rows(raw).items())],
    }
    return Statement(cy.upsert_package(schema), {"id": raw.name, "props": props}, 0)


def _dry_run(store: Store, raw: RawPackage, schema: Schema, options: LoadOptions) -> LoadReport:
    """Validate and plan against the committed graph; write nothing."""
    with gc_paused():
        state = read_state(store, schema, raw.name)
        planner = Planner(store, schema, state, priority=options.priority, diff=options.diff)
        lookup = Lookup(store, schema, empty=not state.packages)
        raw, _ = _resolve(raw, schema, store, state)
        steps = _planned_steps(raw, schema, planner, lookup)
        while True:
            try:
                next(steps)
            except StopIteration as finished:
                records: Records = finished.value
                break
        plan = planner.finish(records, options.rules, _table_rows(raw))
    return LoadReport(raw.name, plan, written=False)
