"""The write stream: batched statements that carry out a plan, in one order.

Retractions and removals (dependent ties the user chose to remove, this package's
ties, then its nodes), then nodes, then ties, then the package's record. Every
statement comes from :mod:`graphmodel.statements`; values travel as parameters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from graphmodel import statements as cy
from graphmodel.engine.plan import Item, LoadPlan
from graphmodel.records import NodeRecord, TieRecord
from graphmodel.schema import Schema
from graphmodel.stores.base import Statement

__all__ = ["BATCH_ROWS", "SWITCH_BATCH", "merges", "removals", "stage_nodes", "stage_rows", "stage_ties", "switch_live"]

#: Rows per statement.
BATCH_ROWS = 2_000
#: Nodes switched live per statement in a staged load's switch.
SWITCH_BATCH = 10_000


def _batches(rows: list[dict[str, Any]], size: int = BATCH_ROWS) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def merges(items: Iterable[Item], schema: Schema) -> list[Statement]:
    """Create or replace nodes, then ties, with their final properties."""
    out: list[Statement] = []
    nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ties: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        if isinstance(item, NodeRecord):
            nodes[item.label].append({"id": item.id, "props": item.props})
        else:
            ties[(item.type, item.source_label, item.target_label)].append(
                {"source": item.source, "target": item.target, "key": item.key, "props": item.props}
            )
    for label, rows in sorted(nodes.items()):
        out.extend(Statement(cy.merge_nodes(schema, label), {"rows": b}, len(b)) for b in _batches(rows))
    for (rel, source, target), rows in sorted(ties.items()):
        out.extend(Statement(cy.merge_ties(schema, rel, source, target), {"rows": b}, len(b)) for b in _batches(rows))
    return out


def removals(plan: LoadPlan, schema: Schema) -> list[Statement]:
    """Dependent ties (when allowed), this package's ties and nodes, and claims it retracts."""
    name = plan.records.package
    out: list[Statement] = []
    by_type: dict[str, list[str]] = defaultdict(list)
    for dep in plan.dependents:
        by_type[dep.type].append(dep.key)
    for rel, keys in sorted(by_type.items()):
        out.append(Statement(cy.delete_ties_by_key(schema, rel), {"keys": keys}, len(keys)))
    counts: dict[str, int] = defaultdict(int)
    for dep in plan.dependents:
        for claim in dep.claims:
            counts[claim.package] -= 1
    if counts:
        rows = [{"id": package, "ties": n} for package, n in sorted(counts.items())]
        out.append(Statement(cy.add_package_counts(schema), {"rows": rows}, 0))
    for (rel, source_label), pairs in sorted(plan.remove_ties_by_source.items()):
        rows = [{"source": s, "key": k} for s, k in pairs]
        out.extend(
            Statement(cy.delete_ties(schema, rel, source_label), {"rows": b, "package": name}, len(b))
            for b in _batches(rows)
        )
    for label, ids in sorted(plan.remove_nodes.items()):
        for start in range(0, len(ids), BATCH_ROWS):
            batch = ids[start : start + BATCH_ROWS]
            out.append(Statement(cy.delete_nodes(schema, label), {"ids": batch, "package": name}, len(batch)))
    out.extend(merges(plan.retract, schema))
    return out


def stage_nodes(nodes: list[NodeRecord], schema: Schema) -> list[Statement]:
    """Write new nodes ahead under the staging label (they keep their properties, ``_package`` included)."""
    rows = [node.props for node in nodes]
    return [Statement(cy.stage_nodes(schema), {"rows": b}, len(b)) for b in _batches(rows)]


def stage_ties(ties: Iterable[TieRecord], staged: set[str], schema: Schema, package: str) -> list[Statement]:
    """Write ahead the new ties whose two ends are staged nodes (``staged``)."""
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for tie in ties:
        if tie.source in staged and tie.target in staged:
            by_type[tie.type].append({"source": tie.source, "target": tie.target, "props": tie.props})
    return [statement for rel, rows in sorted(by_type.items()) for statement in stage_rows(rel, rows, schema, package)]


def stage_rows(rel: str, rows: list[dict[str, Any]], schema: Schema, package: str) -> list[Statement]:
    """:func:`stage_ties` for ties of one type already as rows of ``{source, target, props}`` (both ends staged)."""
    return [Statement(cy.stage_ties(schema, rel), {"rows": b, "package": package}, len(b)) for b in _batches(rows)]


def switch_live(staged: dict[str, list[str]], schema: Schema, package: str) -> list[Statement]:
    """Give staged nodes (``{label: ids}``) their labels: they, and the ties between them, go live."""
    return [
        Statement(cy.go_live(schema, label), {"ids": ids[start : start + SWITCH_BATCH], "package": package}, 0)
        for label, ids in sorted(staged.items())
        for start in range(0, len(ids), SWITCH_BATCH)
    ]
