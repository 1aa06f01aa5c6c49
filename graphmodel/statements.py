"""Every Cypher statement the loader runs, built in one place.

Labels and relationship types are checked against the schema before they reach
Cypher and are always backtick-quoted; values travel only as parameters. This is
the only module that composes Cypher from names.

>>> from graphmodel.schema import load_schema
>>> print(merge_nodes(load_schema(), "NGO"))
UNWIND $rows AS row MERGE (n:`NGO` {id: row.id}) SET n = row.props
"""

from __future__ import annotations

from typing import LiteralString, cast

from graphmodel.schema import Schema


def _quoted(name: str) -> LiteralString:
    # Names come from the schema, whose names are plain identifiers (checked on load).
    return cast(LiteralString, f"`{name}`")


def _label(schema: Schema, name: str) -> LiteralString:
    return _quoted(schema.label(name))


def _type(schema: Schema, name: str) -> LiteralString:
    return _quoted(schema.relationship(name))


def _live(schema: Schema, var: LiteralString) -> LiteralString:
    """A condition true when node ``var`` is live, not left by a staged load (ties staged join staged nodes)."""
    return "NOT " + var + ":" + _label(schema, schema.staging_label)


def merge_nodes(schema: Schema, label: str) -> LiteralString:
    """Create or replace nodes of one label from ``$rows`` of ``{id, props}``."""
    return "UNWIND $rows AS row MERGE (n:" + _label(schema, label) + " {id: row.id}) SET n = row.props"


def merge_ties(schema: Schema, rel: str, source: str, target: str) -> LiteralString:
    """Create or replace ties from ``$rows`` of ``{source, target, key, props}``."""
    return (
        "UNWIND $rows AS row MATCH (a:" + _label(schema, source) + " {id: row.source}) "
        "MATCH (b:" + _label(schema, target) + " {id: row.target}) "
        "MERGE (a)-[r:" + _type(schema, rel) + " {_key: row.key}]->(b) SET r = row.props"
    )


def stage_nodes(schema: Schema) -> LiteralString:
    """Staged load: write new nodes from ``$rows`` of their properties (``_package`` included), not live yet."""
    return "UNWIND $rows AS props CREATE (n:" + _label(schema, schema.staging_label) + ") SET n = props"


def stage_ties(schema: Schema, rel: str) -> LiteralString:
    """Staged load: write new ties between nodes ``$package`` staged, from ``$rows`` of ``{source, target, props}``.

    Only one load of a package runs at a time, and it first removes what earlier ones left
    staged, so the package tells this load's staged nodes apart.
    """
    staged = _label(schema, schema.staging_label)
    return (
        "UNWIND $rows AS row MATCH (a:" + staged + " {id: row.source}) WHERE a._package = $package "
        "MATCH (b:" + staged + " {id: row.target}) WHERE b._package = $package "
        "CREATE (a)-[r:" + _type(schema, rel) + "]->(b) SET r = row.props"
    )


def go_live(schema: Schema, label: str) -> LiteralString:
    """Staged load: switch the nodes of ``$ids`` that ``$package`` staged live with their data label."""
    staged = _label(schema, schema.staging_label)
    return (
        "UNWIND $ids AS id MATCH (n:" + staged + " {id: id}) WHERE n._package = $package "
        "SET n:" + _label(schema, label) + " REMOVE n:" + staged
    )


def count_staged(schema: Schema) -> LiteralString:
    """Number of nodes a package has staged (left by a killed or failed staged load when no load runs)."""
    return "MATCH (n:" + _label(schema, schema.staging_label) + ") WHERE n._package = $package RETURN count(n) AS n"


def drop_staged(schema: Schema) -> LiteralString:
    """Remove up to ``$limit`` of a package's staged nodes and their ties; returns how many."""
    return (
        "MATCH (n:" + _label(schema, schema.staging_label) + ") WHERE n._package = $package "
        "WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n"
    )


def neo4j_staged_index(schema: Schema) -> LiteralString:
    """Neo4j: the index that finds staged nodes by id."""
    quoted = _label(schema, schema.staging_label)
    return "CREATE INDEX `graphmodel_" + quoted.strip("`") + "__id` IF NOT EXISTS FOR (n:" + quoted + ") ON (n.id)"


def delete_ties(schema: Schema, rel: str, source: str) -> LiteralString:
    """Delete this package's ties from ``$rows`` of ``{source, key}``."""
    return (
        "UNWIND $rows AS row MATCH (a:"
        + _label(schema, source)
        + " {id: row.source})-[r:"
        + _type(schema, rel)
        + "]->() WHERE r._key = row.key AND r._package = $package DELETE r"
    )


def delete_nodes(schema: Schema, label: str) -> LiteralString:
    """Delete this package's nodes (and any ties left on them) from ``$ids``."""
    return (
        "UNWIND $ids AS id MATCH (n:" + _label(schema, label) + " {id: id}) WHERE n._package = $package DETACH DELETE n"
    )


def package_nodes(schema: Schema, label: str) -> LiteralString:
    """Id and hash of every node of one label that a package loaded."""
    return "MATCH (n:" + _label(schema, label) + ") WHERE n._package = $package RETURN n.id AS id, n._hash AS hash"


def package_ties(schema: Schema, rel: str) -> LiteralString:
    """Endpoints, key and hash of every tie of one type that a package loaded."""
    return (
        "MATCH (a)-[r:" + _type(schema, rel) + "]->(b) WHERE r._package = $package AND " + _live(schema, "a") + " "
        "RETURN labels(a)[0] AS source_label, a.id AS source, r._key AS key, r._hash AS hash"
    )


def find_ids(schema: Schema, label: str) -> LiteralString:
    """Which of ``$ids`` exist with this label, and which package owns them."""
    return "UNWIND $ids AS id MATCH (n:" + _label(schema, label) + " {id: id}) RETURN n.id AS id, n._package AS package"


def count_nodes() -> LiteralString:
    """Number of nodes in the graph (a constant-time count on both engines)."""
    return "MATCH (n) RETURN count(n) AS n"


def count_label(schema: Schema, label: str) -> LiteralString:
    """Number of nodes with one label."""
    return "MATCH (n:" + _label(schema, label) + ") RETURN count(n) AS n"


def count_type(schema: Schema, rel: str) -> LiteralString:
    """Number of ties of one type."""
    return "MATCH ()-[r:" + _type(schema, rel) + "]->() RETURN count(r) AS n"


def upsert_package(schema: Schema) -> LiteralString:
    """Record a package load on its :Package node."""
    return "MERGE (p:" + _label(schema, "Package") + " {id: $id}) SET p = $props"


def lock_package(schema: Schema) -> LiteralString:
    """Take the write lock on a package's :Package node (creating it if new) without changing it.

    Neo4j: run first in a load's transaction, it makes concurrent loads of ``$id`` take turns
    (the node's uniqueness constraint serialises its creation too).
    """
    return "MERGE (p:" + _label(schema, "Package") + " {id: $id}) SET p._lock = true REMOVE p._lock"


def delete_package(schema: Schema) -> LiteralString:
    """Forget a package's :Package node."""
    return "MATCH (p:" + _label(schema, "Package") + " {id: $id}) DELETE p"


def list_packages(schema: Schema) -> LiteralString:
    """Every loaded package, newest first."""
    return (
        "MATCH (p:" + _label(schema, "Package") + ") RETURN p.id AS package, p.loaded_at AS loaded_at, "
        "p.path AS path, p.nodes AS nodes, p.ties AS ties ORDER BY p.loaded_at DESC, p.id"
    )


def any_node() -> LiteralString:
    """Whether the graph holds any node, and whether any lacks graphmodel's provenance."""
    return "MATCH (n) RETURN count(n) AS nodes, sum(CASE WHEN n._package IS NULL THEN 1 ELSE 0 END) AS foreign"


def delete_everything() -> LiteralString:
    """Neo4j: remove every node and tie in small transactions (tests and benchmarks only; not in a transaction)."""
    return "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS"


def neo4j_unique_id(schema: Schema, label: str) -> LiteralString:
    """Neo4j: the uniqueness constraint on a label's ``id`` (named predictably)."""
    quoted = _label(schema, label)
    return (
        "CREATE CONSTRAINT `graphmodel_"
        + quoted.strip("`")
        + "_id` IF NOT EXISTS FOR (n:"
        + quoted
        + ") REQUIRE n.id IS UNIQUE"
    )


def neo4j_package_index(schema: Schema, label: str) -> LiteralString:
    """Neo4j: the index that finds a package's nodes of one label."""
    quoted = _label(schema, label)
    return (
        "CREATE INDEX `graphmodel_"
        + quoted.strip("`")
        + "__package` IF NOT EXISTS FOR (n:"
        + quoted
        + ") ON (n._package)"
    )


def neo4j_tie_key_index(schema: Schema, rel: str) -> LiteralString:
    """Neo4j: the index on a relationship type's ``_key``."""
    quoted = _type(schema, rel)
    return (
        "CREATE INDEX `graphmodel_"
        + quoted.strip("`")
        + "__key` IF NOT EXISTS FOR ()-[r:"
        + quoted
        + "]-() ON (r._key)"
    )


def neo4j_unique_tie_key(schema: Schema, rel: str) -> LiteralString:
    """Neo4j: the uniqueness constraint on a relationship type's ``_key`` (5.7+, Community included)."""
    quoted = _type(schema, rel)
    return (
        "CREATE CONSTRAINT `graphmodel_"
        + quoted.strip("`")
        + "__key_unique` IF NOT EXISTS FOR ()-[r:"
        + quoted
        + "]-() REQUIRE r._key IS UNIQUE"
    )


def neo4j_tie_property_index(schema: Schema, rel: str, prop: str) -> LiteralString:
    """Neo4j: the index on a relationship property the schema marks ``indexed``."""
    if (rel, prop) not in schema.tie_indexes:
        from graphmodel.errors import GraphmodelError

        raise GraphmodelError(f"{rel}.{prop} is not an indexed relationship property of the schema")
    quoted, name = _type(schema, rel), _quoted(prop)
    return (
        "CREATE INDEX `graphmodel_"
        + quoted.strip("`")
        + "_"
        + name.strip("`")
        + "` IF NOT EXISTS FOR ()-[r:"
        + quoted
        + "]-() ON (r."
        + name
        + ")"
    )


def neo4j_drop_tie_key_index(schema: Schema, rel: str) -> LiteralString:
    """Neo4j: drop the plain ``_key`` index that :func:`neo4j_unique_tie_key`'s constraint replaces."""
    return "DROP INDEX `graphmodel_" + _type(schema, rel).strip("`") + "__key` IF EXISTS"


def all_nodes(schema: Schema) -> LiteralString:
    """Every live node's labels and properties (for fingerprints and exports)."""
    return "MATCH (n) WHERE " + _live(schema, "n") + " RETURN labels(n) AS labels, properties(n) AS props"


def all_ties(schema: Schema) -> LiteralString:
    """Every live tie's type, endpoint ids and properties (for fingerprints and exports)."""
    return (
        "MATCH (a)-[r]->(b) WHERE "
        + _live(schema, "a")
        + " RETURN type(r) AS type, a.id AS source, b.id AS target, properties(r) AS props"
    )


def export_nodes(schema: Schema, label: str) -> LiteralString:
    """Id and properties of every node of one label, by id (for exports to NetworkX)."""
    return "MATCH (n:" + _label(schema, label) + ") RETURN n.id AS id, properties(n) AS props ORDER BY n.id"


def export_ties(schema: Schema, rel: str) -> LiteralString:
    """Endpoint ids and properties of every tie of one type, in a fixed order (for exports)."""
    return (
        "MATCH (a)-[r:" + _type(schema, rel) + "]->(b) WHERE " + _live(schema, "a") + " "
        "RETURN a.id AS source, b.id AS target, properties(r) AS props ORDER BY a.id, b.id, r._key"
    )


def set_node_property(schema: Schema, label: str, prop: str) -> LiteralString:
    """Set (or, with a null value, remove) one property on nodes of a label from ``$rows`` of ``{id, value}``.

    ``prop`` must be a plain identifier; metrics write results back with it.
    """
    from graphmodel.errors import GraphmodelError
    from graphmodel.schema import NAME_PATTERN

    if not NAME_PATTERN.match(prop):
        raise GraphmodelError(f"{prop!r} is not a plain identifier (letters, digits and _)")
    return (
        "UNWIND $rows AS row MATCH (n:"
        + _label(schema, label)
        + " {id: row.id}) SET n."
        + _quoted(prop)
        + " = row.value"
    )
