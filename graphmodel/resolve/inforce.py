"""The decisions in force in a graph: every package's decisions, read from the packages' load records.

A package's ``decisions`` table applies to every package's load, not only its own: each
load records on its ``:Package`` node the decisions the package holds (``decisions``) and
what the load applied (``rewrites``: ids its rows used that decisions rewrote, and ids
merged into a node it defines, each ``old`` → ``canonical``). A
later load of any package reads them all, so its rows are rewritten by every package's
decisions; ids another package holds stay canonical, so the loading package joins the
node that is already there.

A load never rewrites what another package asserts. When the decisions in force change
under a package already loaded (a decision is added that merges a node it asserts, or one
its rows were rewritten by is withdrawn), :func:`affected_packages` names it: reloading
it (``graphmodel load`` again, or ``--reload-affected``) applies them.

>>> record = load_record([Decision("fn-fulian", "ag-wf", "same", file="decisions.csv", row=2)], {"fn-x": "ag-x"})
>>> record
{'decisions': ['same\\tfn-fulian\\tag-wf\\tdecisions.csv\\t2'], 'rewrites': ['fn-x\\tag-x']}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, LiteralString, Protocol

from graphmodel import statements as cy
from graphmodel.resolve.decisions import Decision, decision_from_record, decision_record, same_groups
from graphmodel.schema import Schema
from graphmodel.stores.base import Result

__all__ = ["Recorded", "affected_packages", "asserters", "load_record", "recorded"]

#: Ids looked up per query.
BATCH = 10_000


class Runner(Protocol):
    """A store or a load session."""

    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> Result: ...


@dataclass(frozen=True)
class Recorded:
    """What a package's load record says about resolution."""

    package: str
    path: str
    decisions: list[Decision] = field(default_factory=list)
    #: ids the package's load rewrote or added as aliases, to the node's id
    rewritten: dict[str, str] = field(default_factory=dict)
    #: the record's properties as stored (see :func:`load_record`)
    stored: dict[str, list[str]] = field(default_factory=dict)


def load_record(decisions: Iterable[Decision], rewritten: Mapping[str, str]) -> dict[str, list[str]]:
    """The properties a package's load record gets (a property only when it has something)."""
    out: dict[str, list[str]] = {}
    own = [decision_record(d) for d in decisions]
    if own:
        out["decisions"] = own
    if rewritten:
        out["rewrites"] = [f"{old}\t{new}" for old, new in sorted(rewritten.items())]
    return out


def recorded(runner: Runner, schema: Schema) -> dict[str, Recorded]:
    """Every package's resolution record, by package name."""
    out = {}
    for row in runner.run(cy.package_decisions(schema)).records():
        name = str(row["id"])
        stored = {k: [str(v) for v in row[k]] for k in ("decisions", "rewrites") if row[k]}
        decisions = [decision_from_record(r, name) for r in stored.get("decisions", [])]
        rewritten = {old: new for old, _, new in (r.partition("\t") for r in stored.get("rewrites", []))}
        out[name] = Recorded(name, str(row["path"] or ""), decisions, rewritten, stored)
    return out


def asserters(runner: Runner, schema: Schema, ids: Iterable[str]) -> dict[str, set[str]]:
    """For each of ``ids`` that is a node in the graph, the packages asserting it."""
    wanted = sorted(set(ids))
    out: dict[str, set[str]] = {}
    if not wanted:
        return out
    for label in schema.data_labels:
        for start in range(0, len(wanted), BATCH):
            batch = wanted[start : start + BATCH]
            for node_id, package, packages in runner.run(cy.node_asserters(schema, label), {"ids": batch}).rows:
                out[str(node_id)] = {str(p) for p in packages} if packages else {str(package or "")}
    return out


def affected_packages(runner: Runner, schema: Schema) -> dict[str, str]:
    """Packages whose statements in the graph no longer follow the decisions in force: name → why.

    A package is affected when an id its load rewrote (or added as an alias of a node it
    defines) is no longer joined to that node's id, or when it asserts a node that decisions join to another
    node still in the graph.
    """
    records = recorded(runner, schema)
    decisions = [d for r in records.values() for d in r.decisions]
    group = same_groups(decisions)
    out: dict[str, str] = {}
    for r in records.values():
        for old, new in sorted(r.rewritten.items()):
            if group.get(old, old) != group.get(new, new):
                out.setdefault(r.package, f"its load applied {old} = {new}, which no decision joins any more")
    members: dict[str, list[str]] = defaultdict(list)
    for x, g in group.items():
        members[g].append(x)
    held = asserters(runner, schema, group)
    for ids in members.values():
        present = sorted(x for x in ids if x in held)
        if len(present) < 2:
            continue
        for x in present:
            for package in sorted(held[x]):
                out.setdefault(
                    package, f"it asserts {x}, which decisions join to {', '.join(y for y in present if y != x)}"
                )
    return dict(sorted(out.items()))
