"""Respondent privacy: the redaction policy, applied the same way by every command.

Fieldwork on unregistered NGOs and their informants is sensitive; ``--redact``
output is meant to be shared. docs/redaction.md states the policy for users; in short:

- **kept**: labels, tie types, provinces, the analytic categories (registration,
  issue area, scope, level, system, sector, rounds, counts, metrics) and the
  motivation codebook;
- **pseudonymised** (a keyed hash, the same for the same value in every output made
  with the same key): every id and reference (``organization``, ``on_behalf_of``,
  ``ngo``, ``evidence``, ``_package``), every name, an interview's ``role``, and the
  places below province (``county``, ``township``, ``prefecture``): a county with an
  agency's system and level would name the agency and so the respondent. The option
  ``--keep-places`` keeps them;
- **coarsened**: every date (tie ``start`` and ``end``, an interview's ``date``) to its year;
- **dropped**: notes, excerpts, positions, descriptions, web sites, file paths, content
  hashes (a hash of an id is as good as the id) and every property the schema does not
  name (an extra column may hold anything).

Pseudonyms are HMAC-SHA-256 of the value under a secret key, never the raw value. The
key is the value of ``GRAPHMODEL_REDACT_KEY``, or is read from a key file named by
``--redact-key PATH`` or ``GRAPHMODEL_REDACT_KEY_FILE`` (created there with a random key,
mode 0600, the first time). Nothing is written anywhere else: without a key, redaction
refuses to run. Keep the key secret: with it, anyone can test a guessed id against a pseudonym.

>>> pseudonym("ngo-y01", "NGO", key=b"k")
'NGO-408f1f3c02'
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from graphmodel.errors import GraphmodelError
from graphmodel.schema import Schema, load_schema
from graphmodel.settings import redaction_key_settings
from graphmodel.stores.base import Result

__all__ = [
    "DROPPED",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "PLACES",
    "coarsen_date",
    "pseudonym",
    "redact_graph",
    "redact_properties",
    "redact_result",
    "redaction_key",
    "sensitive_values",
]

KEY_ENV = "GRAPHMODEL_REDACT_KEY"
KEY_FILE_ENV = "GRAPHMODEL_REDACT_KEY_FILE"
#: Properties whose value is an id (or a list of ids): replaced by the id's pseudonym.
REFERENCES = ("id", "organization", "on_behalf_of", "ngo", "evidence", "_package", "source", "target")
#: Names: replaced by the pseudonym of the node's id.
NAMES = ("name", "name_zh")
#: Interview details: the role gets a pseudonym of its own (the date is coarsened, see DATES).
DETAILS = ("role",)
#: Places below province: pseudonymised unless ``keep_places``.
PLACES = ("county", "township", "prefecture")
#: Dates: coarsened to their year.
DATES = ("start", "end", "date", "tie_start", "tie_end")
#: Dropped outright: free text, places in files, content hashes.
DROPPED = (
    "note",
    "excerpt",
    "position",
    "path",
    "fingerprint",
    "_hash",
    "_key",
    "_file",
    "_row",
    "description",
    "website",
)
#: Bookkeeping dropped even from the codebook's nodes (``_package`` gets a pseudonym).
PROVENANCE = ("_package", "_file", "_row", "_hash", "_key", "path", "fingerprint")
#: Labels whose nodes are a codebook, not people or organisations: shown as they are.
PUBLIC_LABELS = ("Motivation",)
#: Result columns (by name) whose values are ids or names.
_ID_COLUMNS = (
    "id",
    "ngo",
    "source",
    "target",
    "interview",
    "organization",
    "agency",
    "village",
    "evidence",
    "package",
    "node",
)
_NAME_COLUMNS = ("name", "name_zh")
_DATE = re.compile(r"^(\d{4})(-\d{2}(-\d{2})?)?$")

_key_cache: dict[str, bytes] = {}


def redaction_key(key_file: str | Path | None = None) -> bytes:
    """The secret key pseudonyms are made with: ``key_file`` (created if missing), else the settings.

    Raises :class:`~graphmodel.errors.GraphmodelError` when no key is configured: a key is
    never made up in a place the user did not name.
    """
    raw, configured_file = redaction_key_settings()
    if key_file is None and raw:
        return raw.encode()
    path = Path(key_file) if key_file is not None else configured_file
    if path is None:
        raise GraphmodelError(
            f"redaction needs a key: pass --redact-key PATH (a key file, created with a random key if "
            f"missing), or set {KEY_FILE_ENV} to such a file or {KEY_ENV} to the key itself"
        )
    cached = _key_cache.get(str(path))
    if cached:
        return cached
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    key = path.read_text(encoding="utf-8").strip().encode()
    if not key:
        raise GraphmodelError(f"{path}: the redaction key file is empty")
    _key_cache[str(path)] = key
    return key


def coarsen_date(value: Any) -> Any:
    """A date as its year; anything else unchanged.

    >>> coarsen_date("2010-05-03"), coarsen_date("2010-05"), coarsen_date("2010"), coarsen_date("soon")
    ('2010', '2010', '2010', 'soon')
    """
    if isinstance(value, list):
        return [coarsen_date(v) for v in value]
    if isinstance(value, str):
        match = _DATE.match(value)
        return match[1] if match else value
    year = getattr(value, "year", None)
    return str(year) if isinstance(year, int) else value


def pseudonym(value: object, kind: str = "ID", *, key: bytes | None = None) -> str:
    """A stable pseudonym for ``value``: ``kind`` plus ten hex digits of a keyed hash."""
    digest = hmac.new(key or redaction_key(), f"{kind}\x1f{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}-{digest[:10]}"


def _ref(value: Any, key: bytes) -> Any:
    if isinstance(value, list):
        return [_ref(v, key) for v in value]
    return None if value is None else pseudonym(value, "ID", key=key)


def redact_properties(
    props: Mapping[str, Any],
    label: str | None = None,
    *,
    schema: Schema | None = None,
    key: bytes | None = None,
    keep_places: bool = False,
) -> dict[str, Any]:
    """One node's or tie's properties, redacted; ``label`` is the node's label (None for a tie or unknown).

    >>> out = redact_properties({"id": "Y1", "role": "director", "date": "2010-05", "county": "Lu"}, key=b"k")
    >>> out["role"].startswith("role-"), out["date"], out["county"].startswith("PLACE-")
    (True, '2010', True)
    """
    schema = schema or load_schema()
    key = key or redaction_key()
    if label in PUBLIC_LABELS:  # the codebook as it is, without the package and file it came from
        public = {k: v for k, v in props.items() if k not in PROVENANCE}
        if "_package" in props:
            public["_package"] = _ref(props["_package"], key)
        return public
    allowed = _allowed(schema)
    out: dict[str, Any] = {}
    own_id = props.get("id")
    for name, value in props.items():
        if name in DROPPED or (name not in allowed and name not in ("label", "type")):
            continue
        if name in REFERENCES:
            out[name] = _ref(value, key)
        elif name in NAMES:
            out[name] = pseudonym(own_id if own_id is not None else value, label or "ID", key=key)
        elif name in DETAILS:
            out[name] = None if value is None else pseudonym(value, name, key=key)
        elif name in PLACES and not keep_places:
            out[name] = None if value is None else pseudonym(value, "PLACE", key=key)
        elif name in DATES:
            out[name] = coarsen_date(value)
        else:
            out[name] = value
    return out


def _allowed(schema: Schema) -> set[str]:
    names = set(schema.node_properties)
    for label in schema.labels.values():
        names |= set(label.properties)
    for rel in schema.relationships.values():
        names |= set(rel.properties)
    names |= set(schema.tie_properties) | set(schema.provenance)
    return names


def redact_graph(
    graph: nx.MultiDiGraph, *, schema: Schema | None = None, key: bytes | None = None, keep_places: bool = False
) -> nx.MultiDiGraph:
    """A copy of an exported graph (see :func:`graphmodel.export.to_networkx`) with pseudonyms.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("ngo-a", label="NGO", id="ngo-a", name="Green Hills", note="met the founder at home")
    >>> _ = g.add_edge("ngo-a", "ngo-a", key="k", type="WORKS_IN", note="secret", round=1)
    >>> r = redact_graph(g, key=b"k")
    >>> [n for n in r.nodes] == [pseudonym("ngo-a", key=b"k")], "note" in r.nodes[pseudonym("ngo-a", key=b"k")]
    (True, False)
    >>> [d for *_, d in r.edges(data=True)]
    [{'type': 'WORKS_IN', 'round': 1}]
    """
    schema = schema or load_schema()
    key = key or redaction_key()
    out = nx.MultiDiGraph()
    out.graph.update({k: v for k, v in graph.graph.items() if k not in ("name", "path")})
    names = {
        node: node if data.get("label") in PUBLIC_LABELS else pseudonym(node, key=key)
        for node, data in graph.nodes(data=True)
    }
    # names and ids also turn up inside free text (an approval "for reading corners in X School")
    sensitive: dict[str, str | None] = {}
    for node, data in graph.nodes(data=True):
        label = data.get("label")
        if label in PUBLIC_LABELS:
            continue
        sensitive[str(node)] = names[node]
        for name in NAMES:
            if isinstance(data.get(name), str):
                sensitive[data[name]] = pseudonym(node, label or "ID", key=key)
    for node, data in graph.nodes(data=True):
        props = redact_properties(data, data.get("label"), schema=schema, key=key, keep_places=keep_places)
        if data.get("label") not in PUBLIC_LABELS:
            props = {k: _scrub(v, sensitive) for k, v in props.items()}
        out.add_node(names[node], **props)
    for source, target, edge_key, data in graph.edges(keys=True, data=True):
        redacted = redact_properties(data, None, schema=schema, key=key, keep_places=keep_places)
        props = {k: _scrub(v, sensitive) for k, v in redacted.items()}
        out.add_edge(names[source], names[target], key=pseudonym(edge_key, "TIE", key=key), **props)
    return out


def _scrub(value: Any, sensitive: Mapping[str, str | None]) -> Any:
    """``value`` with every known id or name inside it replaced (longest first).

    >>> _scrub("reading corners in Upper School", {"Upper School": "School-1", "Upper": "V-2"})
    'reading corners in School-1'
    """
    if isinstance(value, list):
        return [_scrub(v, sensitive) for v in value]
    if not isinstance(value, str):
        return value
    if value in sensitive:
        return sensitive[value] if sensitive[value] is not None else "[redacted]"
    for original in sorted((s for s in sensitive if len(s) >= 3 and s in value), key=len, reverse=True):
        value = value.replace(original, sensitive[original] or "[redacted]")
    return value


def sensitive_values(store: Any, *, key: bytes | None = None, keep_places: bool = False) -> dict[str, str | None]:
    """Every id, name, place, date and interview detail in ``store``, mapped to its replacement (None: drop).

    Used by :func:`redact_result` to catch sensitive strings whatever column they come in.
    """
    from graphmodel import statements as cy

    key = key or redaction_key()
    allowed = _allowed(load_schema())
    found: dict[str, str | None] = {}
    for labels, props in store.run(cy.all_nodes(load_schema())).rows:
        label = labels[0] if labels else "ID"
        if label in PUBLIC_LABELS:
            continue
        node_id = props.get("id")
        for name, value in props.items():
            if not isinstance(value, str) or not value:
                continue
            if name == "id":
                found[value] = pseudonym(value, key=key)
            elif name in NAMES:
                found[value] = pseudonym(node_id, label, key=key)
            elif name in DETAILS:
                found.setdefault(value, pseudonym(value, name, key=key))
            elif name in PLACES and not keep_places:
                found.setdefault(value, pseudonym(value, "PLACE", key=key))
            elif name in DATES and coarsen_date(value) != value:
                found.setdefault(value, coarsen_date(value))
            elif name in DROPPED or name not in allowed:
                found.setdefault(value, None)
    for _, _, _, props in store.run(cy.all_ties(load_schema())).rows:
        for name, value in props.items():
            if not isinstance(value, str) or not value:
                continue
            if name in DROPPED or name not in allowed:
                found.setdefault(value, None)
            elif name in DATES and coarsen_date(value) != value:
                found.setdefault(value, coarsen_date(value))
    return found


def _redact_value(value: Any, column: str, sensitive: Mapping[str, str | None], key: bytes, keep_places: bool) -> Any:
    if isinstance(value, dict):  # a node, relationship or map a user query returned
        redacted = redact_properties(value, None, key=key, keep_places=keep_places)
        return {k: _scrub(v, sensitive) for k, v in redacted.items()}
    if isinstance(value, list):  # a list, or a path (its nodes and relationships)
        return [_redact_value(v, column, sensitive, key, keep_places) for v in value]
    if not isinstance(value, str):
        return value
    if value in sensitive:
        return sensitive[value] if sensitive[value] is not None else "[redacted]"
    lowered = column.lower()
    if lowered in _NAME_COLUMNS or lowered.endswith(("_name", "_name_zh")):
        return pseudonym(value, "NAME", key=key)
    if lowered in _ID_COLUMNS or lowered.endswith(("_id", "_ids")):
        return pseudonym(value, key=key)
    if lowered in DETAILS:
        return pseudonym(value, lowered, key=key)
    if lowered in PLACES and not keep_places:
        return pseudonym(value, "PLACE", key=key)
    if lowered in DATES or lowered.endswith(("_date", "_start", "_end")):
        return coarsen_date(value)
    return _scrub(value, sensitive)


def redact_result(
    result: Result,
    sensitive: Mapping[str, str | None] | None = None,
    *,
    key: bytes | None = None,
    keep_places: bool = False,
) -> Result:
    """A query result with pseudonyms for ids, names, roles and places, dates as years, notes dropped.

    Columns are judged by name (``id``, ``name``, ``*_id``, ``date``, ``note``, ...); with
    ``sensitive`` (from :func:`sensitive_values`) any cell holding a known id, name, place,
    date or note is caught too, whatever its column; nodes, maps and paths a query returns
    are redacted property by property.

    >>> r = redact_result(Result(["ngo", "name", "note", "n"], [("ngo-a", "Green Hills", "at home", 3)]), key=b"k")
    >>> r.columns, r.rows[0][2:]
    (['ngo', 'name', 'n'], (3,))
    >>> r.rows[0][0] == pseudonym("ngo-a", key=b"k")
    True
    """
    key = key or redaction_key()
    sensitive = sensitive or {}
    keep = [i for i, c in enumerate(result.columns) if c.lower() not in DROPPED and not c.lower().endswith("_note")]
    columns = [result.columns[i] for i in keep]
    rows = [
        tuple(_redact_value(row[i], result.columns[i], sensitive, key, keep_places) for i in keep)
        for row in result.rows
    ]
    return Result(columns, rows)


def _iter_strings(value: Any) -> Iterable[str]:
    """Every string inside a nested value (for tests and checks)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield str(k)
            yield from _iter_strings(v)
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            yield from _iter_strings(v)
