"""A first load into an empty embedded store: FalkorDB's binary ``GRAPH.BULK`` into a fresh graph.

``GRAPH.BULK`` (the command behind FalkorDB's ``falkordb-bulk-loader``) creates nodes and
edges from packed binary rows, without parsing Cypher or looking anything up: a node's
internal id is its position in the load, and an edge names its ends by those positions.
:class:`BulkWriter` packs the engine's records into that format; a thread sends each
batch while the engine validates the next. The graph is built under the staging key no
query reads, gets the schema's indexes and constraints and the closing statements, and
is then made live by the embedded load session's own commit (the rename, and whatever
that commit does to make the load durable), so readers see the whole load or nothing.

The wire format, per token: the label or type name (NUL-terminated), the number of
properties (uint32), their names (NUL-terminated), then the rows: for an edge its two
ends (two uint64), then each property as a type byte and a value (bool: one byte;
double and long: eight; string: UTF-8, NUL-terminated; array: a long count, then
its elements). Every row of a token has every property of its header, so records are
grouped by their property names.

>>> encode_value(True).hex(), encode_value("云").hex(), encode_value([7]).hex()
('0101', '03e4ba9100', '050100000000000000040700000000000000')
"""

from __future__ import annotations

import queue
import struct
import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from graphmodel.errors import StoreError
from graphmodel.records import NodeRecord, TieRecord
from graphmodel.schema import Schema
from graphmodel.stores.base import BulkSession, Statement

if TYPE_CHECKING:
    from graphmodel.stores.embedded import EmbeddedSession, EmbeddedStore

__all__ = ["BulkWriter", "EmbeddedBulkSession", "encode_value"]

#: Bytes packed before a batch is sent (the server's default limit on one argument is 512 MB).
BATCH_BYTES = 32 * 2**20
#: Batches packed ahead of the thread sending them.
QUEUE = 4

_BOOL, _DOUBLE, _STRING, _LONG, _ARRAY = 1, 2, 3, 4, 5
_TRUE, _FALSE = struct.pack("=B?", _BOOL, True), struct.pack("=B?", _BOOL, False)
_long = struct.Struct("=Bq").pack
_double = struct.Struct("=Bd").pack
_ends = struct.Struct("=QQ").pack
_STRING_BYTE = bytes([_STRING])


def _encode_str(value: str) -> bytes:
    if "\0" in value:
        raise StoreError(f"the embedded store's bulk path cannot write a text holding a NUL character: {value!r}")
    return _STRING_BYTE + value.encode("utf-8") + b"\0"


def _encode_list(value: list[Any] | tuple[Any, ...]) -> bytes:
    return _long(_ARRAY, len(value)) + b"".join(encode_value(v) for v in value)


def encode_value(value: Any) -> bytes:
    """One property value in ``GRAPH.BULK``'s binary form."""
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if kind is bool:
        return _TRUE if value else _FALSE
    if kind is int:
        return _long(_LONG, value)
    if kind is float:
        return _double(_DOUBLE, value)
    if kind is list or kind is tuple:
        return _encode_list(value)
    raise StoreError(f"the embedded store's bulk path cannot write a value of type {kind.__name__}: {value!r}")


def _header(name: str, keys: Sequence[str]) -> bytes:
    return b"".join([name.encode() + b"\0", struct.pack("=I", len(keys)), *(k.encode() + b"\0" for k in keys)])


def _row(props: Mapping[str, Any], keys: Sequence[str]) -> bytes:
    return b"".join([encode_value(props[k]) for k in keys])


def _groups(items: Sequence[tuple[str, Mapping[str, Any], Any]]) -> dict[tuple[str, tuple[str, ...]], list[Any]]:
    """Items ``(name, props, extra)`` grouped by name and property names (``None`` values left out)."""
    out: dict[tuple[str, tuple[str, ...]], list[Any]] = defaultdict(list)
    for name, props, extra in items:
        keys = tuple(k for k, v in props.items() if v is not None)
        out[(name, keys)].append((props, extra))
    return out


class BulkWriter:
    """Packs records into ``GRAPH.BULK`` calls on one graph key, sent in order by a thread of its own."""

    def __init__(self, client: Any, key: str) -> None:
        self.client = client
        self.key = key
        self.ids: dict[tuple[str, str], int] = {}  # (label, id) -> internal id
        self.nodes = 0
        self.edges = 0
        self._begun = False
        self._queue: queue.Queue[list[Any] | None] = queue.Queue(maxsize=QUEUE)
        self._failed: list[BaseException] = []
        self._thread = threading.Thread(target=self._send_all, name="graphmodel-bulk", daemon=True)
        self._thread.start()

    def nodes_of(self, records: Sequence[NodeRecord]) -> None:
        """Queue nodes; each gets the next internal id."""
        tokens: list[bytes] = []
        count = size = 0
        for (label, keys), group in sorted(_groups([(r.label, r.props, r.id) for r in records]).items()):
            head = _header(label, keys)
            rows: list[bytes] = []
            for props, node_id in group:
                self.ids[(label, node_id)] = len(self.ids)
                row = _row(props, keys)
                rows.append(row)
                size += len(row)
                count += 1
                if size >= BATCH_BYTES:
                    tokens.append(head + b"".join(rows))
                    self._send(count, 0, tokens, [])
                    tokens, rows, count, size = [], [], 0, 0
            if rows:
                tokens.append(head + b"".join(rows))
        self._send(count, 0, tokens, [])

    def edges_of(self, records: Sequence[TieRecord]) -> None:
        """Queue edges between nodes already queued."""
        tokens: list[bytes] = []
        count = size = 0
        ids = self.ids
        items = [(t.type, t.props, (ids[(t.source_label, t.source)], ids[(t.target_label, t.target)])) for t in records]
        for (rel, keys), group in sorted(_groups(items).items()):
            head = _header(rel, keys)
            rows: list[bytes] = []
            for props, (source, target) in group:
                row = _ends(source, target) + _row(props, keys)
                rows.append(row)
                size += len(row)
                count += 1
                if size >= BATCH_BYTES:
                    tokens.append(head + b"".join(rows))
                    self._send(0, count, [], tokens)
                    tokens, rows, count, size = [], [], 0, 0
            if rows:
                tokens.append(head + b"".join(rows))
        self._send(0, count, [], tokens)

    def _send(self, nodes: int, edges: int, labels: list[bytes], types: list[bytes]) -> None:
        if self._failed:
            raise self._failed[0]
        if not nodes and not edges:
            return
        args: list[Any] = [nodes, edges, len(labels), len(types), *labels, *types]
        if not self._begun:
            args.insert(0, "BEGIN")
            self._begun = True
        self.nodes += nodes
        self.edges += edges
        self._queue.put(args)

    def _send_all(self) -> None:
        while (args := self._queue.get()) is not None:
            if self._failed:
                continue
            try:
                self.client.execute_command("GRAPH.BULK", self.key, *args)
            except BaseException as exc:
                self._failed.append(exc)

    def finish(self) -> None:
        """Wait until every batch is sent; raise the first error."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._failed:
            raise self._failed[0]


class EmbeddedBulkSession(BulkSession):
    """Bulk first load into the embedded store: ``GRAPH.BULK`` into the staging key, then the load session's commit."""

    _session: EmbeddedSession

    def __init__(self, store: EmbeddedStore, schema: Schema, session: EmbeddedSession, staging: str) -> None:
        super().__init__(session, schema)  # the session's commit renames the staging key live
        self._store = store
        self._staging = staging
        self._writer: BulkWriter | None = None

    def _bulk(self) -> BulkWriter:
        if self._writer is None:
            client = self._store._db.client
            client.delete(self._staging)  # a crashed load's leftover
            self._writer = BulkWriter(client, self._staging)
        return self._writer

    def nodes(self, records: Sequence[NodeRecord]) -> None:
        self._bulk().nodes_of(records)

    def ties(self, records: Sequence[TieRecord]) -> None:
        self._bulk().edges_of(records)

    def commit(self, statements: Sequence[Statement]) -> None:
        try:
            writer = self._bulk()
            writer.finish()
            if not writer.nodes:  # GRAPH.BULK never ran: make the key with a first statement
                self._store._db.select_graph(self._staging).query("RETURN 1")
            graph = self._store._db.select_graph(self._staging)
            self._store._ensure_constraints_on(graph, self._schema)
            for statement in statements:
                self._store._run(graph, statement.cypher, statement.params, write=True)
            self._session.use_copy(graph)
        except BaseException as exc:
            self.rollback()
            if isinstance(exc, StoreError):
                raise StoreError(f"{exc}; the bulk load was rolled back") from exc
            raise
        self._session.commit()

    def rollback(self) -> None:
        if self._session.committed:
            return
        try:
            if self._writer is not None:
                with suppress(BaseException):  # the load failed anyway; what it wrote goes below
                    self._writer.finish()
                self._writer = None
            self._store._db.client.delete(self._staging)
        finally:
            self._session.rollback()
