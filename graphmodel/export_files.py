"""GraphML, GEXF and CSV written as nodes and ties stream past: no NetworkX graph, no XML tree.

The writers take iterables of nodes ``(id, attributes)`` and ties ``(source, target, key,
attributes)`` in the form :func:`graphmodel.export.to_networkx` gives them (a node's
``label`` is its schema label, a tie's ``type`` its relationship type), so a graph in
memory and a store read page by page go through the same code. They write what
NetworkX's own writers write for the graph :func:`node_for_files` and :func:`tie_for_files`
make (labels are names, the tie type is ``tie_type``, GEXF 1.3 with dynamic intervals);
re-read with NetworkX, the files are equal.

Both XML formats declare each attribute (its name and type) before the first node, but the
attributes are known only once every node and tie has been seen: the body goes to a
temporary file next to the target while the declarations are collected, then the file is
the header followed by the body (a copy at disk speed).

>>> import io, networkx as nx
>>> nodes = [("a", {"label": "Agency", "name": "County WF"}), ("n", {"label": "NGO", "name": "绿 & <co>"})]
>>> ties = [("a", "n", "k1", {"type": "SUPPORTS", "start": "2010-03", "round": 1})]
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_graphml(nodes, ties, folder / "g.graphml")
(2, 1)
>>> back = nx.read_graphml(folder / "g.graphml", force_multigraph=True)
>>> back.nodes["n"]["label"], back.nodes["n"]["node_label"], back.edges["a", "n", "k1"]["tie_type"]
('绿 & <co>', 'NGO', 'SUPPORTS')
"""

from __future__ import annotations

import csv
import functools
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from operator import call, itemgetter
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from graphmodel.engine.validate import partial_date_bounds
from graphmodel.errors import GraphmodelError
from graphmodel.output import FORMULA_STARTS, spreadsheet_safe
from graphmodel.tables import tuple_getter

__all__ = [
    "ROUND_SPANS",
    "flat",
    "node_for_files",
    "tie_for_files",
    "write_csv",
    "write_csv_counted",
    "write_gexf",
    "write_graphml",
]

Node = tuple[str, dict[str, Any]]
Tie = tuple[str, str, str, dict[str, Any]]

#: The span of each fieldwork round (schema.yaml: round 1 = 2009-2012, 2 = 2018-2019): the time a tie
#: observed in that round, with neither start nor end recorded, is shown on Gephi's timeline.
ROUND_SPANS = {1: ("2009-01-01", "2012-12-31"), 2: ("2018-01-01", "2019-12-31")}

XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: Python types as GraphML and GEXF name them (what NetworkX's writers use; bool before int).
GRAPHML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}
GEXF_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}
_BUFFER = 1 << 20
_SPECIAL = {"nan": "NaN", "inf": "INF", "-inf": "-INF"}


def flat(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes GraphML and GEXF can hold: no None, lists joined with ``;``.

    >>> flat({"a": None, "b": ["x", 2], "c": 1})
    {'b': 'x;2', 'c': 1}
    """
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        out[key] = ";".join(str(v) for v in value) if isinstance(value, list | tuple) else value
    return out


def node_for_files(node: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """A node's attributes as Gephi and yEd read them: ``label`` is its name (its schema label in ``node_label``).

    Values are left as they are (the writers drop None and join lists, as :func:`flat` does).

    >>> node_for_files("n1", {"label": "NGO", "name": "Green", "aliases": ["G", "绿"]})
    {'name': 'Green', 'aliases': ['G', '绿'], 'node_label': 'NGO', 'label': 'Green'}
    """
    out = dict(attrs)
    out["node_label"] = out.pop("label", "")
    out["label"] = str(attrs.get("name") or node)
    return out


def tie_for_files(attrs: dict[str, Any], *, gexf: bool) -> dict[str, Any]:
    """A tie's attributes as Gephi and yEd read them: its type is ``tie_type`` (and, in GEXF, its label).

    GEXF's ``type`` on an edge is reserved (directed or undirected), so the tie type never goes
    there. In GEXF ``start`` and ``end`` become full dates for the timeline (the first and last
    day the partial dates allow; for a tie with neither, the span of its round,
    :data:`ROUND_SPANS`); ``tie_start`` and ``tie_end`` keep the dates as recorded.

    >>> tie_for_files({"type": "SUPPORTS", "start": "2010-03", "end": "2011"}, gexf=True)
    {'tie_type': 'SUPPORTS', 'label': 'SUPPORTS', 'start': '2010-03-01', 'tie_start': '2010-03', 'end': '2011-12-31', 'tie_end': '2011'}
    >>> tie_for_files({"type": "SPONSORS", "round": 2}, gexf=True)["start"]
    '2018-01-01'
    """
    out = dict(attrs)
    out["tie_type"] = out.pop("type", "")
    if gexf:
        out["label"] = out["tie_type"]
        start, end = out.pop("start", None), out.pop("end", None)
        if start is not None:
            out["start"] = _first_day(str(start))
            out["tie_start"] = str(start)
        if end is not None:
            out["end"] = _last_day(str(end))
            out["tie_end"] = str(end)
        if start is None and end is None and attrs.get("round") in ROUND_SPANS:
            out["start"], out["end"] = ROUND_SPANS[attrs["round"]]
    return out


@functools.lru_cache(maxsize=4096)
def _first_day(date: str) -> str:
    return partial_date_bounds(date)[0].isoformat()


@functools.lru_cache(maxsize=4096)
def _last_day(date: str) -> str:
    return partial_date_bounds(date)[1].isoformat()


class _Declared:
    """Attribute declarations collected while the body is written: one id per (scope, name, type)."""

    def __init__(self, types: dict[type, str], prefix: str) -> None:
        self.types, self.prefix = types, prefix
        self.ids: dict[tuple[str, str, type], str] = {}
        self.order: list[tuple[str, str, str, str]] = []  # (scope, id, name, type name)

    def id(self, scope: str, name: str, value: Any) -> str:
        kind = type(value)
        found = self.ids.get((scope, name, kind))
        if found is not None:
            return found
        xml_type = self.types.get(kind)
        if xml_type is None:
            raise GraphmodelError(f"cannot export {scope} attribute {name!r}: {kind.__name__} values are not supported")
        new = f"{self.prefix}{len(self.ids)}"
        self.ids[(scope, name, kind)] = new
        self.order.append((scope, new, name, xml_type))
        return new


_SEP = "\x00"  # not allowed in XML: joins an element's values so they are escaped in one pass
_TEXT_NEEDS = re.compile("[&<>]")
_ATTR_NEEDS = re.compile('[&<>"\n\r\t]')
_ATTR_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"}
_AS_STR = frozenset((str, int))
_FORMULA_CELL = re.compile(_SEP + "(?:" + "|".join(re.escape(start) for start in FORMULA_STARTS) + ")")


def _attr(text: str) -> str:
    """``text`` as a quoted XML attribute value."""
    return f'"{text}"' if not _ATTR_NEEDS.search(text) else f'"{escape(text, _ATTR_ENTITIES)}"'


class _Templates:
    """An element's attribute values in one string, by a ``%``-template made once per shape.

    A shape is the attribute names and the types of their values; for each, the template
    (one ``line`` per value, ``{id}`` replaced by the declared id), which values to keep
    (None is dropped) and how to turn them into text (lists joined with ``;``, as :func:`flat`).
    ``in_attribute`` says whether values go in an XML attribute (GEXF) or in text (GraphML),
    which decides the escaping.
    """

    def __init__(self, declared: _Declared, scope: str, line: str, *, in_attribute: bool) -> None:
        self.declared, self.scope, self.line = declared, scope, line
        self.needs = _ATTR_NEEDS if in_attribute else _TEXT_NEEDS
        self.entities = _ATTR_ENTITIES if in_attribute else {}
        self.made: dict[tuple[tuple[str, ...], tuple[type, ...]], tuple[str, Any, tuple[Any, ...] | None]] = {}

    def _make(self, names: tuple[str, ...], values: tuple[Any, ...]) -> tuple[str, Any, tuple[Any, ...] | None]:
        keep = [i for i, v in enumerate(values) if v is not None]
        ids = (self.declared.id(self.scope, names[i], _flat_value(values[i])) for i in keep)
        template = "".join(self.line.replace("{id}", i) for i in ids)
        pick = itemgetter(*keep) if len(keep) > 1 else (lambda v: (v[keep[0]],)) if keep else (lambda v: ())
        if all(type(values[i]) in _AS_STR for i in keep):
            return template, pick, None
        # per value, how it becomes text: str for text and whole numbers, lists joined, the rest by _text
        kinds = [type(values[i]) for i in keep]
        return (
            template,
            pick,
            tuple(str if k in _AS_STR else _joined if issubclass(k, list | tuple) else _text for k in kinds),
        )

    def __call__(self, data: dict[str, Any]) -> str:
        values = tuple(data.values())
        shape = (tuple(data), tuple(map(type, values)))
        made = self.made.get(shape)
        if made is None:
            made = self.made[shape] = self._make(shape[0], values)
        template, pick, convert = made
        texts = (
            tuple(map(str, pick(values)))
            if convert is None
            else tuple([f(v) for f, v in zip(convert, pick(values), strict=True)])
        )
        joined = _SEP.join(texts)
        if not self.needs.search(joined):
            return template % texts
        if joined.count(_SEP) != len(texts) - 1:  # a value holds the separator: escape one by one
            return template % tuple(escape(t, self.entities) for t in texts)
        return template % tuple(escape(joined, self.entities).split(_SEP))


def _joined(value: list[Any] | tuple[Any, ...]) -> str:
    """A list or tuple as text: its items joined with ``;`` (as :func:`flat`)."""
    return ";".join(map(str, value))


def _flat_value(value: Any) -> Any:
    """A list or tuple joined with ``;`` (as :func:`flat` does); anything else as it is."""
    return ";".join(map(str, value)) if isinstance(value, list | tuple) else value


def _text(value: Any) -> str:
    """A value as XML text: booleans as ``true``/``false``, infinities and NaN as GEXF spells them."""
    if value is True or value is False:
        return "true" if value else "false"
    text = str(value)
    return _SPECIAL.get(text, text) if isinstance(value, float) else text


def _assemble(path: Path, header: str, body: Path, footer: str) -> None:
    """``path`` = header + body + footer; the body file is removed."""
    try:
        with path.open("w", encoding="utf-8", buffering=_BUFFER) as out:
            out.write(header)
            out.flush()
            with body.open("r", encoding="utf-8") as fh:
                shutil.copyfileobj(fh, out, _BUFFER)
            out.write(footer)
    finally:
        body.unlink(missing_ok=True)


class _Parts:
    """What an XML writer fills in: its body through ``write``, then the ``header`` and ``footer`` around it."""

    def __init__(self, write: Callable[[str], int]) -> None:
        self.write = write
        self.header = self.footer = ""


@contextmanager
def _body_first(path: Path) -> Iterator[_Parts]:
    """Write ``path`` body first: the body to a temporary file, then ``path`` = header + body + footer.

    The writer sets the header and footer once the body is written (the XML formats declare
    attributes before the first node, known only at the end); on an error nothing is assembled
    and the temporary file is removed.
    """
    body = path.with_name(f".{path.name}.{os.getpid()}.body")
    try:
        with body.open("w", encoding="utf-8", buffering=_BUFFER) as fh:
            parts = _Parts(fh.write)
            yield parts
        _assemble(path, parts.header, body, parts.footer)
    finally:
        body.unlink(missing_ok=True)


def write_graphml(nodes: Iterable[Node], ties: Iterable[Tie], path: str | Path) -> tuple[int, int]:
    """Write GraphML to ``path``; returns the numbers of nodes and ties written.

    Node ``label`` is the name, the schema label ``node_label``, the tie type ``tie_type``
    (:func:`node_for_files`, :func:`tie_for_files`); an edge's ``id`` is its key.
    """
    path = Path(path)
    keys = _Declared(GRAPHML_TYPES, "d")
    n_nodes = n_ties = 0
    with _body_first(path) as parts:
        write = parts.write
        line = '      <data key="{id}">%s</data>\n'
        node_data = _Templates(keys, "node", line, in_attribute=False)
        for node, attrs in nodes:
            write(f"    <node id={_attr(str(node))}>\n{node_data(node_for_files(node, attrs))}    </node>\n")
            n_nodes += 1
        tie_data = _Templates(keys, "edge", line, in_attribute=False)
        for source, target, key, attrs in ties:
            ends = f"source={_attr(str(source))} target={_attr(str(target))} id={_attr(str(key))}"
            write(f"    <edge {ends}>\n{tie_data(tie_for_files(attrs, gexf=False))}    </edge>\n")
            n_ties += 1
        declared = "".join(
            f'  <key id="{kid}" for="{scope}" attr.name={quoteattr(name)} attr.type="{kind}" />\n'
            for scope, kid, name, kind in keys.order
        )
        header = (
            "<?xml version='1.0' encoding='utf-8'?>\n"
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            f'xmlns:xsi="{XSI}" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
            f'{declared}  <graph edgedefault="directed">\n'
        )
        parts.header, parts.footer = header, "  </graph>\n</graphml>\n"
    return n_nodes, n_ties


#: Node and tie attributes GEXF puts on the element itself, not among the attribute values.
_GEXF_NODE_OWN = ("pid", "start", "end")
_GEXF_TIE_OWN = ("label", "weight", "start", "end")


def write_gexf(nodes: Iterable[Node], ties: Iterable[Tie], path: str | Path) -> tuple[int, int]:
    """Write GEXF 1.3 (valid against its schema, dynamic when ties are dated) to ``path``.

    Returns the numbers of nodes and ties written. Nodes carry their name as ``label``; edges
    the tie type as ``label`` and ``tie_type``, ``start`` and ``end`` as full dates
    (:func:`tie_for_files`), the tie's key as ``networkx_key`` and numbers 0, 1, … as ids.
    """
    path = Path(path)
    attrs_of = _Declared(GEXF_TYPES, "")
    dated: set[str] = set()
    n_nodes = n_ties = 0
    with _body_first(path) as parts:
        write = parts.write
        line = '          <attvalue for="{id}" value="%s" />\n'
        node_values = _Templates(attrs_of, "node", line, in_attribute=True)
        write("    <nodes>\n")
        for node, attrs in nodes:
            data = node_for_files(node, attrs)
            node_id = str(data.pop("id", node))
            head = f"      <node id={_attr(node_id)} label={_attr(str(data.pop('label', node)))}"
            head += _own_attributes(data, _GEXF_NODE_OWN, dated)
            write(_element(head, "node", node_values, data))
            n_nodes += 1
        write("    </nodes>\n    <edges>\n")
        tie_values = _Templates(attrs_of, "edge", line, in_attribute=True)
        for source, target, key, attrs in ties:
            data = tie_for_files(attrs, gexf=True)
            data["networkx_key"] = key
            edge_id = str(data.pop("id", n_ties))
            head = f"      <edge source={_attr(str(source))} target={_attr(str(target))} id={_attr(edge_id)}"
            head += _own_attributes(data, _GEXF_TIE_OWN, dated)
            write(_element(head, "edge", tie_values, data))
            n_ties += 1
        write("    </edges>\n")
        if len(dated) > 1:
            raise GraphmodelError(f"cannot export GEXF: start and end dates mix kinds ({', '.join(sorted(dated))})")
        timing = f' mode="dynamic" timeformat="{dated.pop()}"' if dated else ' mode="static"'
        declared = []
        for scope in ("node", "edge"):
            rows = [(kid, name, kind) for s, kid, name, kind in attrs_of.order if s == scope]
            if rows:
                declared.append(f'    <attributes mode="static" class="{scope}">\n')
                declared.extend(
                    f'      <attribute id="{kid}" title={quoteattr(name)} type="{kind}" />\n'
                    for kid, name, kind in rows
                )
                declared.append("    </attributes>\n")
        header = (
            "<?xml version='1.0' encoding='utf-8'?>\n"
            f'<gexf xmlns="http://gexf.net/1.3" xmlns:xsi="{XSI}" '
            'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n'
            f'  <meta lastmodifieddate="{time.strftime("%Y-%m-%d")}">\n    <creator>graphmodel</creator>\n  </meta>\n'
            f'  <graph defaultedgetype="directed"{timing}>\n' + "".join(declared)
        )
        parts.header, parts.footer = header, "  </graph>\n</gexf>\n"
    return n_nodes, n_ties


def _own_attributes(data: dict[str, Any], names: tuple[str, ...], dated: set[str]) -> str:
    """The XML attributes GEXF gives an element itself, taken out of ``data``; ``dated`` gets their time formats."""
    out = ""
    for own in names:
        value = data.pop(own, None)
        if value is not None:
            out += f" {own}={_attr(str(_flat_value(value)))}"
            if own in ("start", "end"):
                dated.add(_timeformat(value))
    return out


def _timeformat(value: Any) -> str:
    """GEXF's ``timeformat`` for a start or end value (as NetworkX chooses it)."""
    if isinstance(value, str):
        return "date"
    return "double" if isinstance(value, float) else "long"


def _element(head: str, tag: str, values: _Templates, data: dict[str, Any]) -> str:
    """A GEXF node or edge: ``head`` (the open tag's start), its ``<attvalues>`` and its end."""
    if not data:
        return head + " />\n"
    return f"{head}>\n        <attvalues>\n{values(data)}        </attvalues>\n      </{tag}>\n"


def write_csv(nodes: Iterable[Node], ties: Iterable[Tie], folder: str | Path) -> list[Path]:
    """Write ``nodes.csv`` and ``edges.csv`` into ``folder`` (rows sorted by id, ties by source, target, key).

    Keeps the store's names: ``label`` and ``type`` columns; lists joined with ``;``; text a
    spreadsheet would run as a formula escaped (:func:`graphmodel.output.spreadsheet_safe`).
    The columns are the union over all rows (of the attributes that are not None), so the rows
    are gathered first, each as a tuple of its values and its shape (:class:`_CsvShapes`); once
    the columns are known, one getter per shape picks a row's cells.
    """
    return write_csv_counted(nodes, ties, folder)[0]


def write_csv_counted(nodes: Iterable[Node], ties: Iterable[Tie], folder: str | Path) -> tuple[list[Path], int, int]:
    """:func:`write_csv`, returning the files written and the numbers of nodes and ties."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    nodes_file, edges_file = folder / "nodes.csv", folder / "edges.csv"
    shapes = _CsvShapes(1)
    gather = shapes.gather
    # (id, number, shape, values): the number settles equal ids as a stable sort would (values are never compared)
    node_rows: list[tuple[Any, ...]] = [
        (node := str(n), i, *gather((node, *d.values(), ""), d)) for i, (n, d) in enumerate(nodes)
    ]
    shapes.escape_formulas(node_rows)
    node_rows.sort()
    node_cols = sorted(shapes.columns - {"label"})
    with nodes_file.open("w", newline="", encoding="utf-8", buffering=_BUFFER) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["id", "label", *node_cols])
        writer.writerows(shapes.cells(node_rows, ["label", *node_cols], lead=["id"]))
    n_nodes = len(node_rows)
    del node_rows
    shapes = _CsvShapes(3)
    gather = shapes.gather
    tie_rows: list[tuple[Any, ...]] = [
        (u, v, k, i, *gather((u, v, k, *d.values(), ""), d)) for i, (u, v, k, d) in enumerate(ties)
    ]
    shapes.escape_formulas(tie_rows)
    tie_rows.sort()
    edge_cols = sorted(shapes.columns - {"type", "_key"})
    with edges_file.open("w", newline="", encoding="utf-8", buffering=_BUFFER) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["source", "target", "type", "key", *edge_cols])
        writer.writerows(shapes.cells(tie_rows, ["type", *edge_cols], lead=["source", "target"], after_first=["key"]))
    return [nodes_file, edges_file], n_nodes, len(tie_rows)


#: Rows whose text values are searched for formulas at once (one string of them all).
_FORMULA_CHUNK = 1 << 14


class _CsvShapes:
    """The shapes of CSV rows: per shape (attribute names, types of the row's values), what to do with its values.

    A row's values are ``lead`` values (the id, or source, target and key), its attributes'
    values in the attributes' order, then ``""`` (the cell of a column the row has no value
    for). :meth:`gather` joins lists (as :func:`flat`) and records which attributes have
    values, for the columns; :meth:`escape_formulas` then escapes text a spreadsheet would
    run (:func:`graphmodel.output.spreadsheet_safe`) in the rows whose text values, joined,
    hold one.
    """

    def __init__(self, lead: int) -> None:
        self.lead = lead
        self.shapes: dict[tuple[tuple[str, ...], tuple[type, ...]], int] = {}
        self.names: list[tuple[str, ...]] = []
        self.texts: list[Any] = []  # per shape: a getter of the text values (after lists are joined)
        self.lists: list[tuple[int, ...]] = []  # per shape: positions of list values
        self.columns: set[str] = set()

    def gather(self, values: tuple[Any, ...], attrs: dict[str, Any]) -> tuple[int, tuple[Any, ...]]:
        """A row's shape number and values, lists joined."""
        key = (tuple(attrs), tuple(map(type, values)))
        shape = self.shapes.get(key)
        if shape is None:
            shape = self._add(key)
        lists = self.lists[shape]
        if lists:
            joined = list(values)
            for i in lists:
                joined[i] = ";".join(map(str, joined[i]))
            values = tuple(joined)
        return shape, values

    def escape_formulas(self, rows: list[tuple[Any, ...]]) -> None:
        """Escape formulas in ``rows`` (each ending with its shape and values), in place.

        A row is escaped when its text values joined hold a formula's start after a
        separator (one search); the search runs first over many rows at once, and only a
        group of rows where it finds one is searched row by row.
        """
        texts, shape_of, values_of = self.texts, itemgetter(-2), itemgetter(-1)
        for start in range(0, len(rows), _FORMULA_CHUNK):
            chunk = rows[start : start + _FORMULA_CHUNK]
            every = chain.from_iterable(map(call, map(texts.__getitem__, map(shape_of, chunk)), map(values_of, chunk)))
            if not _FORMULA_CELL.search(_SEP + _SEP.join(every)):
                continue
            for i, row in enumerate(chunk, start):
                *lead, shape, values = row
                if _FORMULA_CELL.search(_SEP + _SEP.join(texts[shape](values))):
                    rows[i] = (*lead, shape, tuple(spreadsheet_safe(v) if isinstance(v, str) else v for v in values))

    def _add(self, key: tuple[tuple[str, ...], tuple[type, ...]]) -> int:
        names, kinds = key
        shape = self.shapes[key] = len(self.names)
        self.names.append(names)
        # attribute values only: the lead values (ids) are written as they are, as before
        lists = tuple(i for i, kind in enumerate(kinds) if i >= self.lead and issubclass(kind, list | tuple))
        texts = [i for i, kind in enumerate(kinds[:-1]) if issubclass(kind, str) or i in lists]
        self.lists.append(lists)
        self.texts.append(tuple_getter(texts))
        self.columns.update(
            name for name, kind in zip(names, kinds[self.lead :], strict=False) if kind is not type(None)
        )
        return shape

    def getters(
        self, columns: list[str], *, lead: list[str], after_first: tuple[str, ...] | list[str] = ()
    ) -> list[Any]:
        """Per shape, a getter of a row's cells: the lead values, ``after_first`` lead values after ``columns[0]``."""
        out = []
        for names in self.names:
            where = {name: self.lead + i for i, name in enumerate(names)}
            picked = [where.get(c, -1) for c in columns]
            positions = [*range(len(lead)), picked[0], *range(len(lead), len(lead) + len(after_first)), *picked[1:]]
            out.append(itemgetter(*positions))
        return out

    def cells(
        self,
        rows: list[tuple[Any, ...]],
        columns: list[str],
        *,
        lead: list[str],
        after_first: tuple[str, ...] | list[str] = (),
    ) -> Iterator[tuple[Any, ...]]:
        """Each row's cells (rows ending with their shape and values), by its shape's getter."""
        getters = self.getters(columns, lead=lead, after_first=after_first)
        return map(call, map(getters.__getitem__, map(itemgetter(-2), rows)), map(itemgetter(-1), rows))
