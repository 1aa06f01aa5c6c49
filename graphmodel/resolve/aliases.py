"""Apply a canonical-id mapping to a package before it is validated: one node per actor, with its aliases.

Every column that holds a node id is rewritten (which columns, the schema says: node
ids, references such as ``interviews.organization`` and ``ties.on_behalf_of``, tie
sources and targets, evidence lists, and the codes table's ``interview``, ``code`` and
``ngo``). Rows of one node table that now share an id become one row: the row of the
canonical id (else the first row) keeps its cells, and cells only the other rows fill
are added. The node records every other id of itself (every id the decisions merge
into it) in its ``aliases`` cell (a string list), so queries find it by any of them.

>>> from graphmodel.schema import load_schema
>>> from graphmodel.tables import RawPackage, Row, Table
>>> villages = Table("villages", "villages.csv", ["id", "name"])
>>> villages.rows += [Row(2, {"id": "v1", "name": "Baiyan Village"}), Row(3, {"id": "v-9", "name": "Bai Yan Cun"})]
>>> ties = Table("ties", "ties.csv", ["source", "type", "target"])
>>> ties.rows.append(Row(2, {"source": "ngo-a", "type": "WORKS_IN", "target": "v-9"}))
>>> out = apply_aliases(RawPackage("p", ".", {"villages": villages, "ties": ties}), {"v-9": "v1"}, load_schema())
>>> out.tables["villages"].rows, out.tables["ties"].rows[0].values["target"]
([Row(number=2, values={'id': 'v1', 'name': 'Baiyan Village', 'aliases': 'v-9'})], 'v1')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from graphmodel.engine.validate import CODE_COLUMNS, CODES, TIES
from graphmodel.errors import Problem
from graphmodel.resolve.decisions import DECISIONS, Decision, canonical_mapping, read_decisions
from graphmodel.schema import Schema
from graphmodel.tables import RawPackage, Row, Table

__all__ = [
    "ALIASES",
    "EVIDENCE",
    "Resolution",
    "apply_aliases",
    "reference_columns",
    "resolve",
    "resolve_package",
    "rewrite_ids",
    "split_decisions",
]

#: The node property (and column) listing the other ids of a node.
ALIASES = "aliases"
#: The tie column listing interview ids (validation checks them as references to interviews).
EVIDENCE = "evidence"


def reference_columns(schema: Schema) -> dict[str, dict[str, bool]]:
    """For each table, the columns that hold node ids, and whether each holds a list of them.

    >>> from graphmodel.schema import load_schema
    >>> columns = reference_columns(load_schema())
    >>> columns["interviews"], sorted(columns["ties"]), columns["codes"]
    ({'id': False, 'organization': False}, ['evidence', 'ngo', 'on_behalf_of', 'place', 'source', 'target'], \
{'interview': False, 'code': False, 'ngo': False})
    """
    out: dict[str, dict[str, bool]] = {}
    for name, label in schema.data_labels.items():
        columns = {"id": False}
        for prop in schema.node_table_properties(name).values():
            if prop.reference:
                columns[prop.name] = prop.type == "string_list"
        out[label.table or name] = columns
    ties = {"source": False, "target": False, EVIDENCE: True}
    for rel in schema.relationships:
        for prop in schema.tie_table_properties(rel).values():
            if prop.reference:
                ties[prop.name] = prop.type == "string_list"
    out[TIES] = ties
    out[CODES] = dict.fromkeys(CODE_COLUMNS, False)
    return out


def _rewrite(value: str, is_list: bool, mapping: Mapping[str, str], seen: set[str]) -> str:
    items = [v.strip() for v in value.split(";") if v.strip()] if is_list else [value]
    seen.update(v for v in items if v in mapping)
    mapped = [mapping.get(v, v) for v in items]
    return ";".join(dict.fromkeys(mapped)) if is_list else mapped[0]


def apply_aliases(raw: RawPackage, mapping: Mapping[str, str], schema: Schema) -> RawPackage:
    """A copy of ``raw`` with every node id rewritten through ``mapping`` (id -> canonical id).

    A node whose id is canonical gains in its ``aliases`` every id that maps to it (every
    id the decisions in force merge into it, whether this package used it or not).
    Tables the schema does not know are left as they are (validation reports them). An
    empty mapping returns ``raw`` itself.
    """
    return rewrite_ids(raw, mapping, schema)[0]


def rewrite_ids(raw: RawPackage, mapping: Mapping[str, str], schema: Schema) -> tuple[RawPackage, set[str]]:
    """:func:`apply_aliases`, and the ids of ``mapping`` the package used (which its rows were rewritten from)."""
    if not mapping:
        return raw, set()
    columns = reference_columns(schema)
    node_tables = {label.table for label in schema.data_labels.values()}
    seen: set[str] = set()
    rewritten: dict[str, list[tuple[Row, dict[str, str]]]] = {}
    for name, table in raw.tables.items():
        refs = columns.get(name)
        if refs is None:
            continue
        rows = []
        for row in table.rows:
            values = dict(row.values)
            for column, is_list in refs.items():
                if column in values:
                    values[column] = _rewrite(values[column], is_list, mapping, seen)
            rows.append((row, values))
        rewritten[name] = rows
    aliases: dict[str, set[str]] = {}
    for old, new in mapping.items():
        aliases.setdefault(new, set()).add(old)
    tables: dict[str, Table] = {}
    for name, table in raw.tables.items():
        if name not in rewritten:
            tables[name] = table
        elif name in node_tables:
            tables[name] = _merge_nodes(table, rewritten[name], aliases)
        else:
            tables[name] = replace(table, rows=[Row(row.number, values) for row, values in rewritten[name]])
    return replace(raw, tables=tables, problems=list(raw.problems)), seen


def _merge_nodes(table: Table, rows: list[tuple[Row, dict[str, str]]], aliases: dict[str, set[str]]) -> Table:
    """One row per id (the canonical id's own row first, then cells only the others fill), aliases recorded."""
    groups: dict[str, list[tuple[Row, dict[str, str]]]] = {}
    for number, (row, cells) in enumerate(rows):
        # a row without an id stays as it is (validation reports it)
        groups.setdefault(cells.get("id") or f"\0{number}", []).append((row, cells))
    merged: list[Row] = []
    for node_id, group in groups.items():
        group.sort(key=lambda item: (item[0].values.get("id") != node_id, item[0].number))
        values: dict[str, str] = {}
        for _, other in group:
            for column, value in other.items():
                values.setdefault(column, value)
        known = {a.strip() for _, other in group for a in other.get(ALIASES, "").split(";") if a.strip()}
        known |= aliases.get(node_id, set())
        known.discard(node_id)
        if known:
            values[ALIASES] = ";".join(sorted(known))
        merged.append(Row(group[0][0].number, values))
    merged.sort(key=lambda row: row.number)
    columns = list(table.columns)
    if ALIASES not in columns and any(ALIASES in row.values for row in merged):
        columns.append(ALIASES)
    return replace(table, columns=columns, rows=merged)


def split_decisions(raw: RawPackage) -> tuple[RawPackage, Table | None]:
    """The package without its ``decisions`` table, and that table (None when there is none)."""
    table = raw.tables.get(DECISIONS)
    if table is None:
        return raw, None
    return replace(raw, tables={k: v for k, v in raw.tables.items() if k != DECISIONS}), table


@dataclass
class Resolution:
    """What resolving a package for its load gives: the rewritten package and what to record."""

    raw: RawPackage
    #: every id the decisions in force merge, to its canonical id
    mapping: dict[str, str]
    #: what the package's load applied: ids it used that were rewritten, and ids merged into
    #: a node it defines (its aliases), each to its canonical id
    rewritten: dict[str, str]
    #: the package's own decisions (reviewed rows)
    decisions: list[Decision]
    problems: list[Problem]


def resolve_package(
    raw: RawPackage, schema: Schema, decisions: Iterable[Decision] = (), prefer: Iterable[str] = ()
) -> tuple[RawPackage, dict[str, str], list[Problem]]:
    """What the load calls before validation: read the package's decisions, map ids, apply aliases.

    ``decisions`` are those of other packages already loaded (they apply here too);
    ``prefer`` are ids other packages hold (they stay canonical). Returns the rewritten package
    (without its ``decisions`` table), the mapping and the problems of the decisions
    (located at file:row:column; the load should refuse the package when there are any).
    """
    result = resolve(raw, schema, decisions, prefer)
    return result.raw, result.mapping, result.problems


def resolve(
    raw: RawPackage, schema: Schema, decisions: Iterable[Decision] = (), prefer: Iterable[str] = ()
) -> Resolution:
    """:func:`resolve_package` with what the load records: the package's own decisions and its rewritten ids.

    Conflicts among other packages' ``decisions`` alone are theirs, not this package's
    problems; a conflict this package's decisions make (with its own or with others') is.
    """
    others = list(decisions)
    raw, table = split_decisions(raw)
    own, problems = read_decisions(table) if table is not None else ([], [])
    labels = {
        row.values["id"]: label
        for label, spec in schema.data_labels.items()
        for row in (raw.tables[spec.table].rows if spec.table in raw.tables else [])
        if row.values.get("id")
    }
    for d in own:
        a, b = labels.get(d.id), labels.get(d.same_as)
        if d.decision == "same" and a and b and a != b:
            problems.append(
                Problem(
                    d.file,
                    d.row,
                    "same_as",
                    f"{d.id} (:{a}) and {d.same_as} (:{b}) have different labels: not one actor",
                )
            )
    prefer = list(prefer)
    mapping, conflicts = canonical_mapping([*others, *own], prefer)
    if others and conflicts:
        theirs = {str(p) for p in canonical_mapping(others, prefer)[1]}
        conflicts = [p for p in conflicts if str(p) not in theirs]
    rewritten_raw, used = rewrite_ids(raw, mapping, schema)
    # what the load applied: ids its rows were rewritten from, and ids merged into a node it defines (its aliases)
    rewritten = {old: new for old, new in sorted(mapping.items()) if old in used or new in labels}
    return Resolution(rewritten_raw, mapping, rewritten, own, problems + conflicts)
