"""Plan a load: compare what a package asserts with what the graph holds, record by record.

The :class:`Planner` takes a package's validated records as validation hands them on
(nodes first, then ties in steps), so writing can start before validation ends. For
each record it decides: create, update (its own values changed, or it now shares the
entity with another package, or the ranking of packages changed the resolved values),
or unchanged. :meth:`Planner.finish` adds what the package no longer asserts: removed
when no other package asserts it, otherwise only this package's claim is retracted.
Removals that would take another package's ties with them (*dependent ties*), and
removals of a whole table or a large share of a package, are refused unless allowed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graphmodel import statements as cy
from graphmodel.engine.claims import (
    Claim,
    claim_of_record,
    claims_of,
    conflicts,
    entity_props,
    rank_packages,
)
from graphmodel.engine.state import GraphState, Runner, TieEnds
from graphmodel.errors import LoadRefused
from graphmodel.records import NodeRecord, Records, TieRecord
from graphmodel.schema import Schema

__all__ = ["Conflict", "Dependent", "LoadPlan", "Planner", "RemovalRules"]

Item = NodeRecord | TieRecord
#: Ids or keys looked up per query.
LOOKUP_BATCH = 10_000


@dataclass(frozen=True)
class Conflict:
    """Packages that disagree on one property of one node or tie."""

    kind: str
    ident: str
    prop: str
    values: dict[str, Any]

    def __str__(self) -> str:
        said = ", ".join(f"{package} → {value!r}" for package, value in self.values.items())
        return f"{self.kind} {self.ident}: {self.prop}: {said}"


@dataclass(frozen=True)
class Dependent:
    """Another package's tie that needs a node this load would remove."""

    type: str
    source: str
    target: str
    key: str
    why: str
    claims: tuple[Claim, ...]

    def __str__(self) -> str:
        where = "; ".join(f"package {c.package!r} {c.file}:{c.row}" for c in self.claims)
        return f"{self.type} {self.source} -> {self.target} ({self.why}): {where}"


@dataclass(frozen=True)
class RemovalRules:
    """When a load needs to be told before it removes things.

    ``allow_removals``: remove a whole table, or more than ``max_share`` of what the
    package asserted of one label or type (at least ``min_rows`` rows), without asking.
    ``remove_dependents``: remove other packages' ties that need a removed node.
    """

    allow_removals: bool = False
    remove_dependents: bool = False
    max_share: float = 0.5
    min_rows: int = 10


def _kind(item: Item) -> str:
    return item.label if isinstance(item, NodeRecord) else item.type


def _ident(item: Item) -> str:
    return item.id if isinstance(item, NodeRecord) else f"{item.source} -> {item.target}"


@dataclass
class LoadPlan:
    """What a load will change, with what it means for other packages."""

    records: Records
    create: list[Item] = field(default_factory=list)
    update: list[Item] = field(default_factory=list)
    unchanged: int = 0
    remove_nodes: dict[str, list[str]] = field(default_factory=dict)
    remove_ties_by_source: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    #: what this package no longer asserts but others still do: rewritten without its claim
    retract: list[Item] = field(default_factory=list)
    #: nodes and ties this load starts sharing with other packages: (kind, ident, other packages)
    shared: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    dependents: list[Dependent] = field(default_factory=list)
    #: stored properties of updated and removed entities, by (kind, ident) (with ``diff`` only)
    old: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: why the removal rules forbid this plan (a load raises the first; a dry run reports them)
    refusals: list[LoadRefused] = field(default_factory=list)

    @property
    def changes(self) -> int:
        """Number of nodes and ties created, updated or removed (claims retracted included)."""
        removed = sum(len(v) for v in self.remove_nodes.values())
        removed += sum(len(v) for v in self.remove_ties_by_source.values())
        return len(self.create) + len(self.update) + len(self.retract) + removed + len(self.dependents)

    def removed(self) -> Counter[str]:
        """Removed (or retracted) per label or type."""
        counts: Counter[str] = Counter()
        for label, ids in self.remove_nodes.items():
            counts[label] += len(ids)
        for (rel, _), pairs in self.remove_ties_by_source.items():
            counts[rel] += len(pairs)
        counts.update(_kind(item) for item in self.retract)
        return counts

    def summary(self) -> list[tuple[str, int, int, int, int]]:
        """Rows of (label or type, created, updated, removed, unchanged)."""
        created = Counter(_kind(x) for x in self.create)
        updated = Counter(_kind(x) for x in self.update)
        removed = self.removed()
        total: Counter[str] = Counter(node.label for node in self.records.nodes)
        total.update(tie.type for tie in self.records.ties)
        rows = []
        for name in sorted(set(created) | set(updated) | set(removed) | set(total)):
            rows.append(
                (name, created[name], updated[name], removed[name], total[name] - created[name] - updated[name])
            )
        return rows

    def diff(self) -> list[str]:
        """Row-level changes: created, updated (old → new per property), removed, retracted."""
        lines = []
        for item in self.create:
            lines.append(f"+ {_kind(item)} {_ident(item)}")
        for item in self.update:
            old = self.old.get((_kind(item), _ident(item)), {})
            changed = [
                f"{k}: {old.get(k)!r} → {item.props.get(k)!r}"
                for k in sorted(set(old) | set(item.props))
                if not k.startswith("_") and old.get(k) != item.props.get(k)
            ]
            if "_packages" in item.props and old.get("_packages") != item.props.get("_packages"):
                changed.append(f"asserted by {', '.join(item.props['_packages'])}")
            lines.append(f"~ {_kind(item)} {_ident(item)}" + (f" ({'; '.join(changed)})" if changed else ""))
        for label, ids in sorted(self.remove_nodes.items()):
            lines.extend(f"- {label} {node_id}" for node_id in sorted(ids))
        for (rel, _), pairs in sorted(self.remove_ties_by_source.items()):
            for source, key in sorted(pairs):
                old = self.old.get((rel, key), {})
                target = old.get("_target", "?")
                lines.append(f"- {rel} {source} -> {target}")
        for item in self.retract:
            others = ", ".join(item.props.get("_packages") or [str(item.props.get("_package"))])
            lines.append(f"- {_kind(item)} {_ident(item)} (this package's claim only; still asserted by {others})")
        for dep in self.dependents:
            lines.append(f"- {dep} [dependent tie of another package]")
        return lines


class Planner:
    """Plans one package's load against a :class:`GraphState`, record by record."""

    def __init__(
        self,
        runner: Runner,
        schema: Schema,
        state: GraphState,
        *,
        priority: int | None = None,
        diff: bool = False,
    ) -> None:
        self.runner = runner
        self.schema = schema
        self.state = state
        self.package = state.package
        self.diff = diff
        known = {name: (info.priority, info.seq) for name, info in state.packages.items()}
        mine = state.packages.get(self.package)
        top = max((seq for _, seq in known.values()), default=0)
        known[self.package] = (priority if priority is not None else (mine.priority if mine else 0), top + 1)
        #: packages best first, this load counted as the most recent
        self.rank = rank_packages(known)
        self.seq = top + 1
        self.priority = known[self.package][0]
        self._seen_nodes: set[tuple[str, str]] = set()
        self._seen_ties: set[tuple[str, str]] = set()
        self._plan: LoadPlan | None = None
        self.create: list[Item] = []
        self.update: list[Item] = []
        self.unchanged = 0
        self.shared: list[tuple[str, str, tuple[str, ...]]] = []
        self.conflicts: list[Conflict] = []

    # ------------------------------------------------------------------ records, as validation hands them on

    def nodes(self, records: list[NodeRecord], found: dict[str, tuple[str, str]]) -> tuple[list[Item], list[Item]]:
        """Plan node records; ``found`` maps ids already in the graph to (label, package). Returns (created, updated)."""
        created: list[Item] = []
        updated: list[Item] = []
        elsewhere: dict[str, list[NodeRecord]] = defaultdict(list)
        for node in records:
            key = (node.label, node.id)
            self._seen_nodes.add(key)
            if key in self.state.nodes:
                self._compare(node, self.state.nodes[key], created, updated)
            elif key in self.state.shared_nodes:
                digest, claims = self.state.shared_nodes[key]
                self._merge(node, claims, digest, created, updated, shared_before=True)
            elif node.id in found and found[node.id][1] != self.package:
                elsewhere[node.label].append(node)
            else:
                created.append(node)
        for label, group in elsewhere.items():
            stored = self._node_props(label, [n.id for n in group])
            for node in group:
                props = stored.get(node.id)
                if props is None:  # removed meanwhile? the lock forbids it; treat as new
                    created.append(node)
                else:
                    self._merge(node, claims_of(props), None, created, updated, shared_before=False)
        self.create.extend(created)
        self.update.extend(updated)
        return created, updated

    def ties(self, records: list[TieRecord]) -> tuple[list[Item], list[Item]]:
        """Plan tie records. Returns (created, updated)."""
        created: list[Item] = []
        updated: list[Item] = []
        unknown: dict[str, list[TieRecord]] = defaultdict(list)
        for tie in records:
            key = (tie.type, tie.key)
            self._seen_ties.add(key)
            if key in self.state.ties:
                self._compare(tie, self.state.ties[key][1], created, updated)
            elif key in self.state.shared_ties:
                _, digest, claims = self.state.shared_ties[key]
                self._merge(tie, claims, digest, created, updated, shared_before=True)
            elif self.state.others:
                unknown[tie.type].append(tie)
            else:
                created.append(tie)
        for rel, group in unknown.items():
            stored = self._tie_props(rel, group)
            for tie in group:
                found = stored.get(tie.key)
                if found is None:
                    created.append(tie)
                else:
                    self._merge(tie, claims_of(found[1]), None, created, updated, shared_before=False)
        self.create.extend(created)
        self.update.extend(updated)
        return created, updated

    def _compare(self, item: Item, digest: str, created: list[Item], updated: list[Item]) -> None:
        if digest == item.hash:
            self.unchanged += 1
        else:
            updated.append(item)

    def _merge(
        self,
        item: Item,
        claims: dict[str, Claim],
        digest: str | None,
        created: list[Item],
        updated: list[Item],
        *,
        shared_before: bool,
    ) -> None:
        """``item`` joins other packages' claims on one entity."""
        others = tuple(sorted(p for p in claims if p != self.package))
        claims = {**claims, self.package: claim_of_record(item.props)}
        key = item.key if isinstance(item, TieRecord) else None
        props = entity_props(claims, self.rank, key)
        for prop, values in conflicts(claims).items():
            self.conflicts.append(Conflict(_kind(item), _ident(item), prop, values))
        if not shared_before and others:
            self.shared.append((_kind(item), _ident(item), others))
        if digest is not None and props["_hash"] == digest:
            self.unchanged += 1
            return
        updated.append(_with_props(item, props))

    # ------------------------------------------------------------------ what the package no longer asserts

    def finish(self, records: Records, rules: RemovalRules, tables: dict[str, int]) -> LoadPlan:
        """The whole plan, once every record was planned, with what the removal rules refuse in it."""
        plan = LoadPlan(records, self.create, self.update, self.unchanged, shared=self.shared, conflicts=self.conflicts)
        for key in self.state.nodes.keys() - self._seen_nodes:
            plan.remove_nodes.setdefault(key[0], []).append(key[1])
        for key in sorted(self.state.ties.keys() - self._seen_ties):
            ends = self.state.ties[key][0]
            plan.remove_ties_by_source.setdefault((key[0], ends.source_label), []).append((ends.source, key[1]))
            if self.diff:
                plan.old[(key[0], key[1])] = {"_target": ends.target}
        for (label, node_id), (_, claims) in sorted(self.state.shared_nodes.items()):
            if (label, node_id) not in self._seen_nodes:
                rest = {p: c for p, c in claims.items() if p != self.package}
                plan.retract.append(NodeRecord(label, node_id, entity_props(rest, self.rank)))
        for (rel, tie_key), (ends, _, claims) in sorted(self.state.shared_ties.items()):
            if (rel, tie_key) not in self._seen_ties:
                rest = {p: c for p, c in claims.items() if p != self.package}
                props = entity_props(rest, self.rank, tie_key)
                plan.retract.append(
                    TieRecord(rel, ends.source_label, ends.source, ends.target_label, ends.target, props)
                )
        for ids in plan.remove_nodes.values():
            ids.sort()
        plan.dependents = self._dependents(plan.remove_nodes)
        if self.diff:
            self._old_values(plan)
        plan.refusals = self._refusals(plan, rules, tables)
        return plan

    def _refusals(self, plan: LoadPlan, rules: RemovalRules, tables: dict[str, int]) -> list[LoadRefused]:
        """Why the rules forbid this plan (empty: they allow it)."""
        out = []
        if plan.dependents and not rules.remove_dependents:
            out.append(
                LoadRefused(
                    f"{len(plan.dependents)} tie(s) of other packages need nodes package {self.package!r} no longer has",
                    [str(d) for d in plan.dependents],
                    "--remove-dependents",
                )
            )
        if rules.allow_removals:
            return out
        reasons = []
        info = self.state.packages.get(self.package)
        for table, rows in sorted((info.tables if info else {}).items()):
            if rows and not tables.get(table):
                reasons.append(f"table {table!r}: all {rows} rows would go (it is missing or empty in this package)")
        before = self.state.counts()
        for kind, removed in sorted(plan.removed().items()):
            had = before.get(kind, 0)
            if removed >= rules.min_rows and had and removed > rules.max_share * had:
                reasons.append(f"{kind}: {removed} of the {had} this package asserted would go")
        if reasons:
            out.append(LoadRefused(f"package {self.package!r} would lose a lot", reasons, "--allow-removals"))
        return out

    # ------------------------------------------------------------------ reads

    def _node_props(self, label: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), LOOKUP_BATCH):
            for node_id, props in self.runner.run(
                cy.node_properties(self.schema, label), {"ids": ids[start : start + LOOKUP_BATCH]}
            ).rows:
                out[node_id] = props
        return out

    def _tie_props(self, rel: str, ties: list[TieRecord]) -> dict[str, tuple[TieEnds, dict[str, Any]]]:
        """The stored ties of one type that these records name (by key), reached from their sources."""
        by_source: dict[str, list[dict[str, str]]] = defaultdict(list)
        for tie in ties:
            by_source[tie.source_label].append({"source": tie.source, "key": tie.key})
        out: dict[str, tuple[TieEnds, dict[str, Any]]] = {}
        for source_label, rows in sorted(by_source.items()):
            statement = cy.find_ties(self.schema, rel, source_label)
            for start in range(0, len(rows), LOOKUP_BATCH):
                for sl, s, tl, t, key, props in self.runner.run(
                    statement, {"rows": rows[start : start + LOOKUP_BATCH]}
                ).rows:
                    out[key] = (TieEnds(sl, s, tl, t), props)
        return out

    def _dependents(self, removed: dict[str, list[str]]) -> list[Dependent]:
        """Ties other packages assert that need a node this load removes (as an end or a reference)."""
        found: dict[tuple[str, str], Dependent] = {}
        params: dict[str, Any] = {"package": self.package}

        def add(rows: Iterable[tuple[Any, ...]], why: str) -> None:
            for rel, source, target, props in rows:
                key = (rel, str(props.get("_key")))
                claims = tuple(c for p, c in sorted(claims_of(props).items()) if p != self.package)
                if key not in found and claims:
                    found[key] = Dependent(rel, source, target, key[1], why, claims)

        for label, ids in removed.items():
            add(self.runner.run(cy.ties_at(self.schema, label), {**params, "ids": ids}).rows, f"an end is {label}")
        gone = {label for label, ids in removed.items() if ids}
        for rel_name, rel in self.schema.relationships.items():
            props = {**self.schema.tie_properties, **rel.properties}
            for name, prop in props.items():
                targets = set(prop.reference or ()) | ({"Interview"} if name == "evidence" else set())
                ids = [i for label in targets & gone for i in removed[label]]
                if ids:
                    rows = self.runner.run(cy.ties_referring(self.schema, rel_name, name), {**params, "ids": ids}).rows
                    add(rows, f"its {name} names a removed node")
        return [found[k] for k in sorted(found)]

    def _old_values(self, plan: LoadPlan) -> None:
        nodes: dict[str, list[str]] = defaultdict(list)
        ties: dict[str, list[TieRecord]] = defaultdict(list)
        for item in plan.update:
            if isinstance(item, NodeRecord):
                nodes[item.label].append(item.id)
            else:
                ties[item.type].append(item)
        for label, ids in nodes.items():
            for node_id, props in self._node_props(label, ids).items():
                plan.old[(label, node_id)] = props
        for rel, records in ties.items():
            for _, (ends, props) in self._tie_props(rel, records).items():
                plan.old[(rel, f"{ends.source} -> {ends.target}")] = props


def _with_props(item: Item, props: dict[str, Any]) -> Item:
    if isinstance(item, NodeRecord):
        return NodeRecord(item.label, item.id, props)
    return TieRecord(item.type, item.source_label, item.source, item.target_label, item.target, props)
