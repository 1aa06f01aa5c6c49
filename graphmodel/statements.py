"""Every Cypher statement the loader runs, built in one place.

Labels and relationship types are checked against the schema before they reach
Cypher and are always backtick-quoted; values travel only as parameters. This is
the only module that composes Cypher from names.

>>> from graphmodel.schema import load_schema
>>> print(merge_nodes(load_schema(), "NGO"))
UNWIND $rows AS row MERGE (n:`NGO` {id: row.id}) SET n = row.props
"""

from __future__ import annotations

from typing import TYPE_CHECKING, LiteralString, cast

from graphmodel.schema import Schema

if TYPE_CHECKING:
    from graphmodel.stores.ddl import IndexSpec


#: The id of the :Graph node (the graph's own record, which loads lock).
GRAPH_ID = "graph"


def _quoted(name: str) -> LiteralString:
    # Names come from the schema, whose names are plain identifiers (checked on load).
    return cast(LiteralString, f"`{name}`")


def _label(schema: Schema, name: str) -> LiteralString:
    return _quoted(schema.label(name))


def _type(schema: Schema, name: str) -> LiteralString:
    from graphmodel.chains import DERIVED  # the derived ties loads keep (no package writes them)

    return _quoted(name if name == DERIVED else schema.relationship(name))


def _asserted_by(var: LiteralString, *, shared_only: bool = False) -> LiteralString:
    """A condition true when ``$package`` asserts node or tie ``var`` (with others only, if ``shared_only``).

    A package's own nodes carry ``_package``; shared ones list it in ``_packages``
    (see :mod:`graphmodel.engine.claims`).
    """
    shared = "$package IN " + var + "._packages"
    return shared if shared_only else "(" + var + "._package = $package OR " + shared + ")"


def cypher_fragments() -> dict[str, str]:
    """Fragments for the query library: ``asserted_by(x)``, true when ``$package`` asserts ``x``.

    >>> cypher_fragments()["asserted_by"]
    '($1._package = $package OR $package IN $1._packages)'
    """
    return {"asserted_by": _asserted_by(cast(LiteralString, "$1"))}


def _live(schema: Schema, var: LiteralString) -> LiteralString:
    """A condition true when node ``var`` is live, not left by a staged load (ties staged join staged nodes)."""
    return "NOT " + var + ":" + _label(schema, schema.staging_label)


def merge_nodes(schema: Schema, label: str) -> LiteralString:
    """Create or replace nodes of one label from ``$rows`` of ``{id, props}``."""
    return "UNWIND $rows AS row MERGE (n:" + _label(schema, label) + " {id: row.id}) SET n = row.props"


def _tie_rows(source: LiteralString, target: LiteralString, tie: LiteralString) -> LiteralString:
    """Write tie pattern ``tie`` (``r`` from ``a`` to ``b``) for ``$rows`` of ``{source, target, props}``.

    ``source`` and ``target`` are the node patterns' labels and conditions, e.g. ``:`NGO``` .
    """
    return (
        "UNWIND $rows AS row MATCH (a" + source + " {id: row.source}) "
        "MATCH (b" + target + " {id: row.target}) " + tie + " SET r = row.props"
    )


def merge_ties(schema: Schema, rel: str, source: str, target: str) -> LiteralString:
    """Create or replace ties from ``$rows`` of ``{source, target, key, props}``."""
    return _tie_rows(
        ":" + _label(schema, source),
        ":" + _label(schema, target),
        "MERGE (a)-[r:" + _type(schema, rel) + " {_key: row.key}]->(b)",
    )


def stage_nodes(schema: Schema) -> LiteralString:
    """Staged load: write new nodes from ``$rows`` of their properties (``_package`` included), not live yet."""
    return create_nodes(schema, schema.staging_label)


def stage_ties(schema: Schema, rel: str) -> LiteralString:
    """Staged load: write new ties between nodes ``$package`` staged, from ``$rows`` of ``{source, target, props}``.

    Only one load of a package runs at a time, and it first removes what earlier ones left
    staged, so the package tells this load's staged nodes apart.
    """
    staged = ":" + _label(schema, schema.staging_label)
    return _tie_rows(
        staged,
        staged,
        "WHERE a._package = $package AND b._package = $package CREATE (a)-[r:" + _type(schema, rel) + "]->(b)",
    )


def go_live(schema: Schema, label: str) -> LiteralString:
    """Staged load: switch the nodes of ``$ids`` that ``$package`` staged live with their data label."""
    staged = _label(schema, schema.staging_label)
    return (
        "UNWIND $ids AS id MATCH (n:" + staged + " {id: id}) WHERE n._package = $package "
        "SET n:" + _label(schema, label) + " REMOVE n:" + staged
    )


def create_nodes(schema: Schema, label: str) -> LiteralString:
    """Bulk first load: create nodes of one label from ``$rows`` of their properties (the store is empty)."""
    return "UNWIND $rows AS props CREATE (n:" + _label(schema, label) + ") SET n = props"


def create_ties(schema: Schema, rel: str, source: str, target: str) -> LiteralString:
    """Create ties from ``$rows`` of ``{source, target, props}`` (``_key`` in the props): bulk first loads, derived ties."""
    return _tie_rows(
        ":" + _label(schema, source), ":" + _label(schema, target), "CREATE (a)-[r:" + _type(schema, rel) + "]->(b)"
    )


def any_data(schema: Schema) -> LiteralString:
    """Whether the graph holds any node but the :Graph and :Package records (a bulk first load needs none)."""
    return (
        "MATCH (n) WHERE NOT (n:" + _label(schema, "Graph") + " OR n:" + _label(schema, "Package") + ") "
        "RETURN n.id AS id LIMIT 1"
    )


def drop_package_nodes(schema: Schema, label: str) -> LiteralString:
    """Remove up to ``$limit`` nodes of one label ``$package`` wrote, and their ties; returns how many.

    Undoes a failed bulk first load (the store was empty, so everything it holds is the load's).
    """
    return (
        "MATCH (n:" + _label(schema, label) + ") WHERE n._package = $package "
        "WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n"
    )


def count_staged(schema: Schema) -> LiteralString:
    """Number of staged nodes (left by a killed or failed staged load when no load runs)."""
    return "MATCH (n:" + _label(schema, schema.staging_label) + ") RETURN count(n) AS n"


def drop_staged(schema: Schema) -> LiteralString:
    """Remove up to ``$limit`` staged nodes and their ties; returns how many."""
    return (
        "MATCH (n:" + _label(schema, schema.staging_label) + ") "
        "WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n"
    )


def delete_ties(schema: Schema, rel: str, source: str) -> LiteralString:
    """Delete ties only ``$package`` asserts, from ``$rows`` of ``{source, key}`` (sources of one label).

    The tie is reached from its source node's ``id`` index, then told apart by its key
    among that node's ties of the type: ties have no key index on the embedded store
    (rebuilding one costs seconds at every cold start), so a key-only lookup would scan.
    """
    return (
        "UNWIND $rows AS row MATCH (a:"
        + _label(schema, source)
        + " {id: row.source})-[r:"
        + _type(schema, rel)
        + "]->() WHERE r._key = row.key AND r._package = $package DELETE r"
    )


def delete_ties_by_key(schema: Schema, rel: str) -> LiteralString:
    """Delete the ties of ``$keys``, whoever asserts them (dependent ties the user chose to remove).

    One pass over the type's ties (this runs only when a user removes dependent ties).
    """
    return "MATCH ()-[r:" + _type(schema, rel) + "]->() WHERE r._key IN $keys DELETE r"


def delete_nodes(schema: Schema, label: str) -> LiteralString:
    """Delete nodes only ``$package`` asserts (and any ties left on them) from ``$ids``."""
    return (
        "UNWIND $ids AS id MATCH (n:" + _label(schema, label) + " {id: id}) WHERE n._package = $package DETACH DELETE n"
    )


def package_nodes(schema: Schema, label: str) -> LiteralString:
    """Id and hash of every node of one label that only ``$package`` asserts."""
    return "MATCH (n:" + _label(schema, label) + ") WHERE n._package = $package RETURN n.id AS id, n._hash AS hash"


def shared_nodes(schema: Schema, label: str) -> LiteralString:
    """Id, hash and claims of every node of one label that ``$package`` asserts with others."""
    return (
        "MATCH (n:" + _label(schema, label) + ") WHERE " + _asserted_by("n", shared_only=True) + " "
        "RETURN n.id AS id, n._hash AS hash, n._claims AS claims"
    )


def node_properties(schema: Schema, label: str) -> LiteralString:
    """Every property of the nodes of ``$ids`` with one label."""
    return (
        "UNWIND $ids AS id MATCH (n:" + _label(schema, label) + " {id: id}) RETURN n.id AS id, properties(n) AS props"
    )


def package_ties(schema: Schema, rel: str) -> LiteralString:
    """Endpoints, key and hash of every tie of one type that only ``$package`` asserts."""
    return (
        "MATCH (a)-[r:" + _type(schema, rel) + "]->(b) WHERE r._package = $package AND " + _live(schema, "a") + " "
        "RETURN labels(a)[0] AS source_label, a.id AS source, labels(b)[0] AS target_label, b.id AS target, "
        "r._key AS key, r._hash AS hash"
    )


def shared_ties(schema: Schema, rel: str) -> LiteralString:
    """Endpoints, key, hash and claims of every tie of one type ``$package`` asserts with others."""
    return (
        "MATCH (a)-[r:" + _type(schema, rel) + "]->(b) WHERE " + _asserted_by("r", shared_only=True) + " "
        "RETURN labels(a)[0] AS source_label, a.id AS source, labels(b)[0] AS target_label, b.id AS target, "
        "r._key AS key, r._hash AS hash, r._claims AS claims"
    )


def find_ties(schema: Schema, rel: str, source: str) -> LiteralString:
    """Endpoints and properties of the ties of one type in ``$rows`` of ``{source, key}`` (sources of one label).

    Reached from the source's ``id`` index, as :func:`delete_ties` does.
    """
    return (
        "UNWIND $rows AS row MATCH (a:"
        + _label(schema, source)
        + " {id: row.source})-[r:"
        + _type(schema, rel)
        + "]->(b) WHERE r._key = row.key "
        "RETURN labels(a)[0] AS source_label, a.id AS source, labels(b)[0] AS target_label, b.id AS target, "
        "r._key AS key, properties(r) AS props"
    )


def ties_at(schema: Schema, label: str) -> LiteralString:
    """Ties at the nodes of ``$ids`` (one label) that some package other than ``$package`` asserts."""
    return (
        "UNWIND $ids AS id MATCH (n:" + _label(schema, label) + " {id: id})-[r]-(m) "
        "WHERE r._package <> $package AND " + _live(schema, "m") + " "
        "RETURN type(r) AS type, startNode(r).id AS source, endNode(r).id AS target, properties(r) AS props"
    )


def ties_referring(schema: Schema, rel: str, prop: str) -> LiteralString:
    """Ties of one type, asserted by a package other than ``$package``, whose ``prop`` names one of ``$ids``.

    ``prop`` is a reference property of the schema (a single id or a list of ids).
    """
    relationship = schema.relationships[schema.relationship(rel)]
    spec = relationship.properties.get(prop) or schema.tie_properties.get(prop)
    if spec is None:
        from graphmodel.errors import GraphmodelError

        raise GraphmodelError(f"{rel}.{prop} is not a property of the schema")
    quoted = _quoted(prop)
    test = "any(x IN r." + quoted + " WHERE x IN $ids)" if spec.type == "string_list" else "r." + quoted + " IN $ids"
    return (
        "MATCH (a)-[r:" + _type(schema, rel) + "]->(b) WHERE r._package <> $package AND " + test + " "
        "RETURN type(r) AS type, a.id AS source, b.id AS target, properties(r) AS props"
    )


def find_ids(schema: Schema, label: str) -> LiteralString:
    """Which of ``$ids`` exist with this label, and which package asserts them (``*``: several)."""
    return "UNWIND $ids AS id MATCH (n:" + _label(schema, label) + " {id: id}) RETURN n.id AS id, n._package AS package"


def node_ids(schema: Schema, label: str) -> LiteralString:
    """The id of every node of one label."""
    return "MATCH (n:" + _label(schema, label) + ") RETURN n.id AS id"


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


def set_package_seq(schema: Schema) -> LiteralString:
    """Number earlier loads from ``$rows`` of ``{id, seq}`` (upgrading a store written by 0.1.0)."""
    return "UNWIND $rows AS row MATCH (p:" + _label(schema, "Package") + " {id: row.id}) SET p.seq = row.seq"


def add_package_counts(schema: Schema) -> LiteralString:
    """Lower packages' recorded tie counts from ``$rows`` of ``{id, ties}`` (ties removed by another load)."""
    return (
        "UNWIND $rows AS row MATCH (p:" + _label(schema, "Package") + " {id: row.id}) "
        "SET p.ties = coalesce(p.ties, 0) + row.ties"
    )


def package_records(schema: Schema) -> LiteralString:
    """Every package's load record, for ranking packages and guarding removals."""
    return (
        "MATCH (p:" + _label(schema, "Package") + ") RETURN p.id AS id, p.seq AS seq, p.priority AS priority, "
        "p.loaded_at AS loaded_at, p.tables AS tables"
    )


def package_decisions(schema: Schema) -> LiteralString:
    """Every package's resolution record: the decisions it holds and the ids its rows were rewritten from."""
    return (
        "MATCH (p:" + _label(schema, "Package") + ") RETURN p.id AS id, p.path AS path, "
        "p.decisions AS decisions, p.rewrites AS rewrites"
    )


def node_asserters(schema: Schema, label: str) -> LiteralString:
    """Which of ``$ids`` exist with this label, and every package asserting each (shared or alone)."""
    return (
        "UNWIND $ids AS id MATCH (n:" + _label(schema, label) + " {id: id}) "
        "RETURN n.id AS id, n._package AS package, n._packages AS packages"
    )


def lock_graph(schema: Schema) -> LiteralString:
    """Take the graph's load lock (its :Graph node, created if new) without changing it.

    Neo4j: run first in a load's transaction, it makes concurrent loads take turns (the
    node's uniqueness constraint serialises its creation too).
    """
    return "MERGE (g:" + _label(schema, "Graph") + " {id: $id}) SET g._lock = true REMOVE g._lock"


def graph_format(schema: Schema) -> LiteralString:
    """The storage format recorded on the :Graph node (none: an empty store or one 0.1.0 wrote)."""
    return "MATCH (g:" + _label(schema, "Graph") + " {id: $id}) RETURN g.format AS format"


def set_graph_format(schema: Schema) -> LiteralString:
    """Record the storage format on the :Graph node."""
    return "MERGE (g:" + _label(schema, "Graph") + " {id: $id}) SET g.format = $format"


def delete_package(schema: Schema) -> LiteralString:
    """Forget a package's :Package node."""
    return "MATCH (p:" + _label(schema, "Package") + " {id: $id}) DELETE p"


def list_packages(schema: Schema) -> LiteralString:
    """Every loaded package, newest first."""
    return (
        "MATCH (p:" + _label(schema, "Package") + ") RETURN p.id AS package, p.loaded_at AS loaded_at, "
        "p.priority AS priority, p.path AS path, p.nodes AS nodes, p.ties AS ties ORDER BY p.loaded_at DESC, p.id"
    )


def count_package_nodes(schema: Schema, label: str) -> LiteralString:
    """How many nodes of one label ``$package`` asserts, alone or with others."""
    return "MATCH (n:" + _label(schema, label) + ") WHERE " + _asserted_by("n") + " RETURN count(n) AS n"


def count_package_ties(schema: Schema, rel: str) -> LiteralString:
    """How many ties of one type ``$package`` asserts, alone or with others."""
    return "MATCH ()-[r:" + _type(schema, rel) + "]->() WHERE " + _asserted_by("r") + " RETURN count(r) AS n"


def conflicting_nodes(schema: Schema) -> LiteralString:
    """Every node whose packages disagree on a property, with its claims."""
    return (
        "MATCH (n) WHERE n._conflicts IS NOT NULL RETURN labels(n)[0] AS kind, n.id AS id, "
        "n._conflicts AS properties, n._claims AS claims ORDER BY kind, id"
    )


def conflicting_ties(schema: Schema) -> LiteralString:
    """Every tie whose packages disagree on a property, with its claims."""
    return (
        "MATCH (a)-[r]->(b) WHERE r._conflicts IS NOT NULL RETURN type(r) AS kind, "
        "a.id + ' -> ' + b.id AS id, r._conflicts AS properties, r._claims AS claims ORDER BY kind, id"
    )


def neo4j_ddl(schema: Schema, spec: IndexSpec) -> LiteralString:
    """Neo4j: the DDL that creates one constraint or index of :func:`graphmodel.stores.ddl.schema_indexes`.

    >>> from graphmodel.schema import load_schema
    >>> from graphmodel.stores.ddl import IndexSpec
    >>> print(neo4j_ddl(load_schema(), IndexSpec("graphmodel_NGO_id", "unique", "node", "NGO", "id")))
    CREATE CONSTRAINT `graphmodel_NGO_id` IF NOT EXISTS FOR (n:`NGO`) REQUIRE n.`id` IS UNIQUE
    """
    from graphmodel.errors import GraphmodelError
    from graphmodel.schema import NAME_PATTERN

    if not NAME_PATTERN.match(spec.prop) or not NAME_PATTERN.match(spec.name):
        raise GraphmodelError(f"{spec.name}: {spec.prop!r} is not a plain identifier")
    name, prop = _quoted(spec.name), _quoted(spec.prop)
    if spec.entity == "node":
        target = "(n:" + _label(schema, spec.label) + ")"
        var: LiteralString = "n"
    else:
        target = "()-[r:" + _type(schema, spec.label) + "]-()"
        var = "r"
    if spec.kind == "unique":
        return (
            "CREATE CONSTRAINT " + name + " IF NOT EXISTS FOR " + target + " REQUIRE " + var + "." + prop + " IS UNIQUE"
        )
    return "CREATE INDEX " + name + " IF NOT EXISTS FOR " + target + " ON (" + var + "." + prop + ")"


def any_node() -> LiteralString:
    """Whether the graph holds any node, and whether any lacks graphmodel's provenance."""
    return "MATCH (n) RETURN count(n) AS nodes, sum(CASE WHEN n._package IS NULL THEN 1 ELSE 0 END) AS foreign"


def delete_everything() -> LiteralString:
    """Neo4j: remove every node and tie in small transactions (tests and benchmarks only; not in a transaction)."""
    return "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS"


def all_nodes(schema: Schema) -> LiteralString:
    """Every live node's labels and properties (for fingerprints and exports)."""
    return "MATCH (n) WHERE " + _live(schema, "n") + " RETURN labels(n) AS labels, properties(n) AS props"


def all_ties(schema: Schema) -> LiteralString:
    """Every live tie's type, endpoint ids and properties (for fingerprints and exports); derived ties are not data."""
    from graphmodel.chains import DERIVED

    return (
        "MATCH (a)-[r]->(b) WHERE "
        + _live(schema, "a")
        + " AND type(r) <> "
        + _literal(DERIVED)
        + " RETURN type(r) AS type, a.id AS source, b.id AS target, properties(r) AS props"
    )


def export_nodes(schema: Schema, label: str) -> LiteralString:
    """Id and properties of every node of one label (for exports to NetworkX, which sorts them itself)."""
    return "MATCH (n:" + _label(schema, label) + ") RETURN n.id AS id, properties(n) AS props"


def export_ties(schema: Schema, rel: str) -> LiteralString:
    """Endpoint ids and properties of every tie of one type (for exports, which sort them themselves).

    Sorting millions of rows in the server costs it memory and time a client sort does not.
    """
    return (
        "MATCH (a)-[r:" + _type(schema, rel) + "]->(b) WHERE " + _live(schema, "a") + " "
        "RETURN a.id AS source, b.id AS target, properties(r) AS props"
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


# Derived ties (graphmodel.engine.derived): the access chains of graphmodel.chains, kept as ties.


def _literal(name: str) -> LiteralString:
    """A schema name as a Cypher string literal (names are plain identifiers)."""
    return cast(LiteralString, f"'{name}'")


def _chain_ends(schema: Schema) -> LiteralString:
    """What the chain readers return for a tie ``r`` from ``a`` to ``b``."""
    return (
        "a.id AS source, b.id AS target, labels(b)[0] AS target_label, type(r) AS type, r._key AS key, "
        "r.round AS round, r.on_behalf_of AS on_behalf_of, r.start AS start, r.evidence AS evidence, r.basis AS basis"
    )


def chain_heads(schema: Schema, *, every: bool) -> LiteralString:
    """The ties chains start with (``WORKS_IN``, ``COOPERATES_WITH``) from the NGOs of ``$ids`` (or every NGO)."""
    from graphmodel.chains import DIRECT, HEAD

    rels = _type(schema, DIRECT) + "|" + _type(schema, HEAD)
    ngo = "(a:" + _label(schema, "NGO") + ")" if every else "(a:" + _label(schema, "NGO") + " {id: id})"
    return (
        ("" if every else "UNWIND $ids AS id ")
        + "MATCH "
        + ngo
        + "-[r:"
        + rels
        + "]->(b) RETURN "
        + _chain_ends(schema)
    )


def chain_steps(schema: Schema, *, every: bool) -> LiteralString:
    """``MOBILIZES`` ties on behalf of the NGOs of ``$ids`` (or of anyone), with the labels of their sources."""
    from graphmodel.chains import STEP

    where = "r.on_behalf_of IS NOT NULL" if every else "r.on_behalf_of IN $ids"
    return (
        "MATCH (a)-[r:" + _type(schema, STEP) + "]->(b) WHERE " + where + " "
        "RETURN labels(a)[0] AS source_label, " + _chain_ends(schema)
    )


def chain_lines(schema: Schema, label: str) -> LiteralString:
    """``SUPERVISES`` ties into the nodes of ``$ids`` (one label), with the labels of their sources."""
    from graphmodel.chains import LINE

    return (
        "UNWIND $ids AS id MATCH (a)-[r:" + _type(schema, LINE) + "]->(b:" + _label(schema, label) + " {id: id}) "
        "RETURN labels(a)[0] AS source_label, " + _chain_ends(schema)
    )


def derived_users(schema: Schema) -> LiteralString:
    """NGOs with a derived tie that uses a tie whose key is in ``$keys``."""
    from graphmodel.chains import DERIVED

    return (
        "MATCH (n:" + _label(schema, "NGO") + ")-[d:" + _type(schema, DERIVED) + "]->() "
        "WHERE any(k IN d.ties WHERE k IN $keys) RETURN DISTINCT n.id AS id"
    )


def line_users(schema: Schema, source: str, target: str) -> LiteralString:
    """NGOs whose chains may pass through new ``SUPERVISES`` ties of ``$ties`` (``{source, target}``, one label pair).

    A chain through a line ``u -> v`` takes its next mobilisation (on the NGO's behalf)
    from a body ``v`` supervises, at any depth, and came to ``u`` down lines from the
    department the NGO cooperates with or from a body that mobilised on its behalf: the
    NGOs found both ways, within the longest chain.
    """
    from graphmodel.chains import HEAD, LINE, MAX_CHAIN, STEP

    line, step = _type(schema, LINE), _type(schema, STEP)
    depth = cast(LiteralString, str(MAX_CHAIN - 3))  # the head, the line and the last mobilisation: 3 ties
    return (
        "UNWIND $ties AS tie MATCH (v:" + _label(schema, target) + " {id: tie.target})"
        "-[:" + line + "*0.." + depth + "]->()-[m:" + step + "]->() "
        "WITH tie, collect(DISTINCT m.on_behalf_of) AS below "
        "MATCH (u:" + _label(schema, source) + " {id: tie.source})<-[:" + line + "*0.." + depth + "]-()"
        "<-[h:" + _type(schema, HEAD) + "|" + step + "]-(x) "
        "WITH below, CASE WHEN type(h) = " + _literal(HEAD) + " THEN x.id ELSE h.on_behalf_of END AS ngo "
        "WHERE ngo IN below RETURN DISTINCT ngo AS id"
    )


def delete_derived(schema: Schema, *, every: bool) -> LiteralString:
    """Remove the derived ties of the NGOs of ``$ids`` (or every derived tie)."""
    from graphmodel.chains import DERIVED

    derived = _type(schema, DERIVED)
    if every:
        return "MATCH ()-[d:" + derived + "]->() DELETE d"
    return "UNWIND $ids AS id MATCH (:" + _label(schema, "NGO") + " {id: id})-[d:" + derived + "]->() DELETE d"
