"""Check a fieldwork package against the schema and turn it into graph records.

Every problem in the package is collected in one pass and raised together as
:class:`~graphmodel.errors.InvalidPackage`; nothing is written unless there are none.
Row values are checked with pydantic models generated from the schema; checks that
span rows (unique ids, tie endpoints, evidence) follow.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, islice
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model
from pydantic_core import SchemaValidator, core_schema

from graphmodel.errors import InvalidPackage, Problem
from graphmodel.gcpause import gc_paused
from graphmodel.records import NodeRecord, Records, TieRecord, digest_bytes, digest_fields, shared_names
from graphmodel.schema import Property, Schema
from graphmodel.tables import RawPackage, Row, Table, tuple_getter

__all__ = ["MAX_CELL_CHARS", "STEP_TIES", "Lookup", "partial_date_bounds", "validate_in_steps", "validate_package"]

#: Longest cell accepted, in characters; longer ones are reported, never cut.
MAX_CELL_CHARS = 32_768
TIES, CODES = "ties", "codes"
TIE_COLUMNS = ("source", "type", "target")
CODE_COLUMNS = ("interview", "code", "ngo")
#: Relationship types the loader derives from other tables instead of reading from ``ties``.
DERIVED = {"WITH": "interviews.organization", "MENTIONS": "the codes table"}
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

#: Looks up ids already in the store: id -> (label, package that asserts it; ``*`` when several do).
Lookup = Callable[[set[str]], dict[str, tuple[str, str]]]


def partial_date_bounds(value: str) -> tuple[dt.date, dt.date]:
    """First and last day a partial date may mean.

    >>> partial_date_bounds("2010-02")
    (datetime.date(2010, 2, 1), datetime.date(2010, 2, 28))
    """
    m = _DATE.match(value)
    if not m:
        raise ValueError("not a date like 2010, 2010-06 or 2010-06-15")
    year = int(m[1])
    month = int(m[2]) if m[2] is not None else None
    day = int(m[3]) if m[3] is not None else None
    if month is not None and day is not None:
        d = dt.date(year, month, day)
        return d, d
    if month is not None:
        if not 1 <= month <= 12:
            raise ValueError("month must be in 1..12")
        first = dt.date(year, month, 1)
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        return first, nxt - dt.timedelta(days=1)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


#: The same dates recur on many rows: remember the bounds of the last few thousand.
_bounds = lru_cache(maxsize=4096)(partial_date_bounds)


def _partial_date(value: Any) -> str:
    text = str(value)
    if not text.isascii():
        raise ValueError(_non_ascii(text) or "not a date like 2010, 2010-06 or 2010-06-15")
    try:
        _bounds(text)
    except ValueError as exc:
        raise ValueError(f"{exc}" if "like" in str(exc) else f"not a real date ({exc})") from None
    return text


def _string_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return value
    text = str(value)
    if ";" not in text:  # one item (the usual case)
        text = text.strip()
        return [text] if text else []
    return [part.strip() for part in text.split(";") if part.strip()]


#: The range of a 64-bit signed integer: both stores keep integers in it (FalkorDB clamps
#: larger ones without a word, Neo4j's driver refuses them).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: Significant digits of a number both stores give back as written (FalkorDB returns 15).
NUMBER_DIGITS = 15
#: Largest magnitude of a number (a 15-digit number above it reads back as infinity).
NUMBER_MAX = 1e308
#: Longest property name (a column header), in UTF-8 bytes: FalkorDB refuses longer ones.
MAX_NAME_BYTES = 512
#: Most properties on one node or tie, bookkeeping included (see docs/validation.md).
MAX_PROPERTIES = 1000


def _non_ascii(text: str) -> str | None:
    """Why ``text`` with digits other than ASCII 0-9 is refused, or None.

    >>> _non_ascii("２０１０-06")
    "digits must be ASCII 0-9: '２' is FULLWIDTH DIGIT TWO"
    >>> _non_ascii("2010") is None
    True
    """
    import unicodedata

    for char in text:
        if not char.isascii() and (char.isdigit() or unicodedata.category(char) == "Nd"):
            return f"digits must be ASCII 0-9: {char!r} is {unicodedata.name(char, 'a non-ASCII digit')}"
    return None


def _ascii_digits(value: Any) -> Any:
    """Before an integer or number is parsed: refuse digits other than ASCII 0-9 by name."""
    if isinstance(value, str) and not value.isascii():  # ASCII text has no other digits
        reason = _non_ascii(value)
        if reason:
            raise ValueError(reason)
    return value


def _store_number(value: float) -> float:
    """A number both stores keep and give back unchanged: finite, at most 15 significant digits.

    >>> _store_number(2.5), _store_number(1e308)
    (2.5, 1e+308)
    >>> _store_number(1 / 3)
    Traceback (most recent call last):
    ...
    ValueError: more than 15 significant digits (FalkorDB keeps 15): round it
    """
    import math

    if not math.isfinite(value) or abs(value) > NUMBER_MAX:
        raise ValueError(f"not a finite number within ±{NUMBER_MAX:g}")
    if float(f"{value:.{NUMBER_DIGITS}g}") != value:
        raise ValueError(f"more than {NUMBER_DIGITS} significant digits (FalkorDB keeps {NUMBER_DIGITS}): round it")
    return value


def _nfc(value: str) -> str:
    """An id (or a reference to one) must be in Unicode NFC: look-alike ids would be different nodes.

    >>> _nfc("Y134")
    'Y134'
    >>> _nfc("cafe\u0301")
    Traceback (most recent call last):
    ...
    ValueError: not in Unicode NFC form (it looks like 'café' but is spelt differently): save it composed (NFC)
    """
    if value.isascii():  # ASCII text is always in NFC
        return value
    import unicodedata

    if not unicodedata.is_normalized("NFC", value):
        composed = unicodedata.normalize("NFC", value)
        raise ValueError(
            f"not in Unicode NFC form (it looks like {composed!r} but is spelt differently): save it composed (NFC)"
        )
    return value


class _Cells:
    """How to read the rows of one shape (one shared tuple of filled-in column names).

    Worked out once per shape, not per row: where each column's cell is in the row tuple,
    and which columns a row model validates (not the reserved ``_`` columns, nor ``skip``),
    so a row's body is one ``dict(zip(...))`` and no other dict is built for it.

    >>> row = Row(2, {"source": "a", "type": "FUNDS", "target": "b", "amount": "5"})
    >>> cells = _Cells(row[1], TIE_COLUMNS)
    >>> cells.get(row, "type"), cells.get(row, "round"), cells.body(row)
    ('FUNDS', '', {'amount': '5'})
    """

    __slots__ = ("_at", "_body", "_picks", "columns", "filled", "names")

    def __init__(self, columns: tuple[str, ...], skip: Iterable[str] = ()) -> None:
        self.columns = columns
        self.filled = frozenset(columns)
        self._at = {c: i + 2 for i, c in enumerate(columns)}  # a row is (number, columns, *cells)
        kept = [i for i, c in enumerate(columns) if not c.startswith("_") and c not in skip]
        self.names = tuple(columns[i] for i in kept)
        self._body = tuple_getter([i + 2 for i in kept])
        self._picks: dict[tuple[str, ...], Callable[[Row], tuple[str, ...]]] = {}

    def pick(self, columns: tuple[str, ...]) -> Callable[[Row], tuple[str, ...]]:
        """A callable giving a row's cells in ``columns`` as a tuple (``""`` for an empty one).

        >>> row = Row(2, {"source": "a", "target": "b"})
        >>> _Cells(row[1]).pick(("source", "type", "target"))(row)
        ('a', '', 'b')
        """
        pick = self._picks.get(columns)
        if pick is None:
            at = [self._at.get(c) for c in columns]
            if None not in at:
                pick = tuple_getter([a for a in at if a is not None])
            else:
                pick = lambda row: tuple(row[a] if a is not None else "" for a in at)  # noqa: E731
            self._picks[columns] = pick
        return pick

    def present(self, columns: tuple[str, ...]) -> Callable[[Row], tuple[str, ...]]:
        """A callable giving a row's cells in those of ``columns`` this shape fills in.

        >>> row = Row(2, {"source": "a", "target": "b"})
        >>> _Cells(row[1]).present(("source", "type", "target"))(row)
        ('a', 'b')
        """
        pick = self._picks.get((*columns, ""))  # "" is never a column: a key of its own
        if pick is None:
            pick = self._picks[(*columns, "")] = tuple_getter([self._at[c] for c in columns if c in self._at])
        return pick

    def get(self, row: Row, column: str) -> str:
        """The row's cell in ``column``, ``""`` when empty."""
        at = self._at.get(column)
        return row[at] if at is not None else ""  # type: ignore[no-any-return]

    def body(self, row: Row) -> dict[str, str]:
        """The cells a row model validates: not the reserved ``_`` columns, nor those in ``skip``."""
        return dict(zip(self.names, self._body(row), strict=True))


class _Shapes:
    """The :class:`_Cells` of each row shape met in one table (shapes are shared tuples: few per table)."""

    __slots__ = ("_by_id", "_skip")

    def __init__(self, skip: Iterable[str] = ()) -> None:
        self._skip = tuple(skip)
        self._by_id: dict[int, _Cells] = {}  # by the shared tuple's id: every row holding it is alive

    def __call__(self, row: Row) -> _Cells:
        columns = row[1]
        cells = self._by_id.get(id(columns))
        if cells is None or cells.columns is not columns:
            cells = self._by_id[id(columns)] = _Cells(columns, self._skip)
        return cells


def _report_self_loops(ctx: _Context, table: Table) -> None:
    """Report every row of the ties table that links a node to itself where its type allows none."""
    shapes = _Shapes()
    relationships = ctx.schema.relationships
    for row in table.rows:
        source, rel, target = shapes(row).pick(TIE_COLUMNS)(row)
        if source and source == target and rel in relationships:
            reason = _self_loop_problem(ctx.schema, rel, source, target)
            if reason:
                ctx.report(table, row.number, "target", reason)


def _nfc_list(values: list[str]) -> list[str]:
    """Items of a list (interview ids in ``evidence``) are ids too: each in NFC."""
    for value in values:
        _nfc(value)
    return values


def _self_loop_problem(schema: Schema, rel: str, source: str, target: str) -> str | None:
    """Why a tie from a node to itself is refused, or None (the schema's ``self_loops`` flag allows it).

    Meant for the tie checks of :func:`validate_in_steps` (see the report of issue 15).

    >>> from graphmodel.schema import load_schema
    >>> _self_loop_problem(load_schema(), "SPONSORS", "wf-1", "wf-1")
    "a SPONSORS tie from a node to itself (source and target are both 'wf-1'); the schema allows none"
    """
    relationship = schema.relationships[rel]
    if source != target or relationship.self_loops:
        return None
    return f"a {rel} tie from a node to itself (source and target are both {source!r}); the schema allows none"


def _field(schema: Schema, prop: Property) -> tuple[Any, Any]:
    """The pydantic field for one schema property."""
    kind: Any
    constraints: dict[str, Any] = {}
    if prop.vocabulary:
        kind = Literal[schema.vocabularies[prop.vocabulary].values]  # type: ignore[valid-type]
    elif prop.type == "integer":
        kind = Annotated[int, BeforeValidator(_ascii_digits)]
        constraints["ge"], constraints["le"] = INT64_MIN, INT64_MAX
    elif prop.type == "number":
        kind = Annotated[float, BeforeValidator(_ascii_digits), AfterValidator(_store_number)]
    elif prop.type == "boolean":
        kind = bool
    elif prop.type == "partial_date":
        kind = Annotated[str, BeforeValidator(_partial_date)]
    elif prop.type == "string_list":
        kind = Annotated[list[str], BeforeValidator(_string_list), AfterValidator(_nfc_list)]
    else:
        kind = str
        constraints["max_length"] = MAX_CELL_CHARS
        if prop.name == "id" or prop.reference:
            kind = Annotated[str, AfterValidator(_nfc)]
    if prop.minimum is not None:
        constraints["ge"] = max(prop.minimum, constraints.get("ge", prop.minimum))
    if prop.maximum is not None:
        constraints["le"] = min(prop.maximum, constraints.get("le", prop.maximum))
    default = ... if prop.required else None
    return (kind if prop.required else kind | None), Field(default, **constraints)


@dataclass(frozen=True)
class _RowModel:
    """A schema-generated pydantic model's field validators, run without building model instances.

    ``row`` validates one dict and ``rows`` a whole list of them in one call; both return
    ``(fields, extra, fields_set)`` tuples. The checks, errors and values are the model's own
    (``model_validate`` then ``model_dump`` gives the same values, fields first, then extras).
    """

    row: SchemaValidator
    rows: SchemaValidator


def _model(schema: Schema, name: str, props: dict[str, Property]) -> _RowModel:
    fields = {p.name: _field(schema, p) for p in props.values()}
    config = ConfigDict(extra="allow", str_strip_whitespace=True)
    model: type[BaseModel] = create_model(name, __config__=config, **fields)  # type: ignore[call-overload]
    core = model.__pydantic_core_schema__
    if core["type"] != "model":  # pragma: no cover - pydantic wraps a model's schema only when it has definitions
        raise TypeError(f"unexpected core schema {core['type']!r} for {name}")
    inner = core["schema"]  # the model-fields schema: validates a dict into (fields, extra, fields_set)
    return _RowModel(
        SchemaValidator(inner, core["config"]), SchemaValidator(core_schema.list_schema(inner), core["config"])
    )


def _clean(
    validated: tuple[dict[str, Any], dict[str, Any] | None, set[str]], body: dict[str, str], texts: dict[Any, Any]
) -> dict[str, Any]:
    """A row's values as ``model_dump`` gives them, without the empty ones.

    pydantic returns a new string for every text value: a value equal to its cell is the
    cell's own string (already shared by the reader), and other texts (items of a list)
    one string per distinct text from ``texts``, so a million records do not hold a
    million copies of the same dates, names and ids; lists (``evidence``) likewise, one per
    distinct list (keyed by its tuple in ``texts``): records share them and nothing changes them.

    >>> cell = "".join(["Y", "1"])
    >>> values = _clean(({"id": "Y1", "evidence": ["Y2"], "note": None}, None, set()), {"id": cell}, {})
    >>> values, values["id"] is cell
    ({'id': 'Y1', 'evidence': ['Y2']}, True)
    """
    fields, extra, _ = validated
    out: dict[str, Any] = {}
    for values in (fields, extra) if extra else (fields,):
        for k, v in values.items():
            kind = type(v)
            if kind is str:
                cell = body.get(k)
                out[k] = cell if cell == v else texts.setdefault(v, v)
            elif v is None:
                continue
            elif kind is list:
                if not v:
                    continue
                v = [texts.setdefault(x, x) if type(x) is str else x for x in v]
                out[k] = texts.setdefault(tuple(v), v)  # one list per distinct list: nothing changes them
            else:
                out[k] = v
    return out


def _reason(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "a value is required"
    message = error["msg"]
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    given = error.get("input")
    if isinstance(given, str):
        shown = given if len(given) <= 40 else given[:37] + "..."
        return f"{message} (got {shown!r})"
    return message


@dataclass
class _Context:
    schema: Schema
    package: RawPackage
    problems: list[Problem]
    #: Ids on rows that failed validation: references to them are not reported again.
    invalid: set[str] = field(default_factory=set)
    #: One string per distinct text that is not a cell's own, one list per distinct list (see :func:`_clean`).
    texts: dict[Any, Any] = field(default_factory=dict)

    def report(self, table: Table, row: int, column: str, reason: str) -> None:
        self.problems.append(Problem(table.source, row, column, reason))


def _check_columns(ctx: _Context, table: Table, required: Iterable[str]) -> set[str]:
    """Report required columns missing from the header; return them."""
    missing = {c for c in required if c not in table.columns}
    for column in sorted(missing):
        ctx.report(table, 1, column, "required column is missing")
    for index, column in enumerate(table.columns, start=1):
        if column.startswith("_"):
            ctx.report(table, 1, column, "column names starting with '_' are reserved for graphmodel")
        elif len(column.encode("utf-8")) > MAX_NAME_BYTES:
            # the name itself is not printed: it is too long for a one-problem-per-line report
            ctx.report(
                table,
                1,
                f"column {index}",
                f"a column name longer than {MAX_NAME_BYTES} bytes in UTF-8 ({len(column.encode('utf-8'))}): "
                "FalkorDB cannot store it",
            )
    if table.name == TIES and not missing:
        _report_self_loops(ctx, table)
    bookkeeping = len(ctx.schema.provenance)
    if len(table.columns) + bookkeeping > MAX_PROPERTIES:
        ctx.report(
            table,
            1,
            f"column {MAX_PROPERTIES - bookkeeping + 1}",
            f"more than {MAX_PROPERTIES - bookkeeping} columns ({len(table.columns)}): a node or tie "
            f"holds at most {MAX_PROPERTIES} properties, {bookkeeping} of them graphmodel's own",
        )
    return missing


def _parse(
    ctx: _Context, table: Table, number: int, values: dict[str, str], model: _RowModel, missing: set[str]
) -> dict[str, Any] | None:
    """Validate one row's cells (see :meth:`_Cells.body`); report its problems; return its clean values."""
    for column, text in values.items():
        if len(text) > MAX_CELL_CHARS:
            ctx.report(table, number, column, f"cell longer than {MAX_CELL_CHARS} characters ({len(text)})")
            return None
    try:
        validated = model.row.validate_python(values)
    except ValidationError as exc:
        for error in exc.errors():
            column = str(error["loc"][0]) if error["loc"] else "-"
            if error["type"] == "missing" and column in missing:
                continue  # reported once, on the header
            ctx.report(table, number, column, _reason(error))
        return None
    return _clean(validated, values, ctx.texts)


#: Rows validated in one call by :func:`_parse_all`: large enough to be fast, small enough
#: that pydantic's intermediate results (every field of every row) stay a few megabytes.
PARSE_CHUNK = 2_000


def _parse_all(
    bodies: Iterable[dict[str, str]], model: _RowModel, texts: dict[Any, Any]
) -> list[dict[str, Any] | None]:
    """Every row's clean values, validated :data:`PARSE_CHUNK` rows per call; None for each row
    of a chunk that has a problem.

    The caller parses those rows one by one with :func:`_parse`, which reports the problems
    in row order as before; this fast path never reports anything itself. ``bodies`` may be
    a generator: only one chunk of them is held at a time.
    """
    out: list[dict[str, Any] | None] = []
    bodies = iter(bodies)
    while chunk := list(islice(bodies, PARSE_CHUNK)):
        try:
            if max(map(len, chain.from_iterable(b.values() for b in chunk)), default=0) > MAX_CELL_CHARS:
                raise ValueError("a cell is too long")  # reported by _parse
            out.extend(_clean(v, b, texts) for v, b in zip(model.rows.validate_python(chunk), chunk, strict=True))
        except (ValidationError, ValueError):
            out.extend([None] * len(chunk))
    return out


#: Where a record comes from, the last properties of every record: its package, file (or sheet) and row.
_PROVENANCE = ("_package", "_file", "_row")


#: Property-name tuples shared by validated rows with the same filled-in properties.
_PROP_SHAPES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _shape(names: tuple[str, ...]) -> tuple[str, ...]:
    """The shared tuple equal to ``names`` (at most 4,096 are remembered: a hostile table may have many)."""
    if len(_PROP_SHAPES) >= 4096:
        _PROP_SHAPES.clear()
    return _PROP_SHAPES.setdefault(names, names)


class _Node:
    """A validated node row: its label, where it is, and its values, kept compactly.

    The property names are a tuple shared by the nodes of the same shape, the values a
    tuple (a third of a dict's memory); ``props`` builds the dict when asked.

    >>> node = _Node("NGO", Table("ngos", "ngos.csv", []), Row(2, {}), {"id": "ngo-1", "name": "甲"})
    >>> node.props, node.id
    ({'id': 'ngo-1', 'name': '甲'}, 'ngo-1')
    """

    __slots__ = ("_names", "_values", "label", "row", "table")

    def __init__(self, label: str, table: Table, row: Row, props: dict[str, Any]) -> None:
        self.label, self.table, self.row = label, table, row
        self._names = _shape(tuple(props))
        self._values = tuple(props.values())

    @property
    def props(self) -> dict[str, Any]:
        """The node's validated values by property name (a new dict on every call)."""
        return dict(zip(self._names, self._values, strict=True))

    @property
    def id(self) -> str:
        return str(self._values[self._names.index("id")])


@dataclass(slots=True)
class _Tie:
    type: str
    source: str
    target: str
    table: Table
    row: Row
    props: dict[str, Any]
    columns: tuple[str, str] = ("source", "target")


#: A checked tie waiting for the package to be known valid, as one flat tuple (about a third
#: of the memory of a dict and an object): a shared tuple of its file, type and property
#: names, then its source, target, row and key (10 bytes), then its property values.
_Pending = tuple[Any, ...]


def _pending(tie: _Tie, key: bytes) -> _Pending:
    shape = _shape((tie.table.source, tie.type, *tie.props))
    return (shape, tie.source, tie.target, tie.row, key, *tie.props.values())


def _tie_key(identity: list[Any]) -> bytes:
    """A tie's key (the :func:`~graphmodel.records.digest` of its identity) as its 10 bytes, not 20 characters.

    >>> from graphmodel.records import digest
    >>> _tie_key(["a", "FUNDS", "b"]).hex() == digest(["a", "FUNDS", "b"])
    True
    """
    return digest_bytes(identity)


def _tie_record(pending: _Pending, ctx: _Context, labels: dict[str, str]) -> TieRecord:
    """The record of a pending tie: its properties with provenance, key and hash.

    No dict is built: the hash is :func:`~graphmodel.records.digest_fields` of the names
    and values with ``_key`` last, as the dict the records' hash is defined on.
    """
    shape, source, target, row, key = pending[:5]
    names, hashed = _record_names(shape)
    values = (*pending[5:], ctx.package.name, shape[0], row.number)
    ends = (shape[1], labels[source], source, labels[target], target)
    return TieRecord.of(ends, names, key, digest_fields(hashed, (*values, key.hex())), values)


#: Record names per pending shape: its property names, then the provenance's; and the same with ``_key``.
_RECORD_NAMES: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _record_names(shape: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    names = _RECORD_NAMES.get(shape)
    if names is None:
        if len(_RECORD_NAMES) >= 4096:
            _RECORD_NAMES.clear()
        own = shared_names((*shape[2:], *_PROVENANCE))
        names = _RECORD_NAMES[shape] = (own, (*own, "_key"))
    return names


def _read_nodes(ctx: _Context, nodes: dict[str, _Node]) -> None:
    for label in ctx.schema.data_labels.values():
        table = ctx.package.tables.get(label.table or "")
        if table is None:
            continue
        props = ctx.schema.node_table_properties(label.name)
        missing = _check_columns(ctx, table, [p.name for p in props.values() if p.required])
        model = _model(ctx.schema, label.name, props)
        rows = table.rows
        shapes = _Shapes()
        for index, row in enumerate(rows):
            if index % PARSE_CHUNK == 0:  # validated a chunk at a time: one chunk's values held
                chunk = rows[index : index + PARSE_CHUNK]
                parsed = _parse_all([shapes(r).body(r) for r in chunk], model, ctx.texts)
            values = parsed[index % PARSE_CHUNK]
            if values is None:
                values = _parse(ctx, table, row.number, shapes(row).body(row), model, missing)
            if values is None:
                node_id = row.values.get("id")
                if node_id:
                    ctx.invalid.add(node_id)
                continue
            node_id = values["id"]
            if node_id in nodes:
                first = nodes[node_id]
                ctx.report(
                    table,
                    row.number,
                    "id",
                    f"duplicate id {node_id!r} (first in {first.table.source} row {first.row.number})",
                )
                continue
            nodes[node_id] = _Node(label.name, table, row, values)


def _tie_rows(ctx: _Context) -> Iterator[_Tie]:
    """The ties table's rows that pass their own checks, in row order; problems are reported.

    Rows are validated :data:`PARSE_CHUNK` at a time (one call per tie type in a chunk), so
    only one chunk's cells and values are held beside the rows themselves.
    """
    table = ctx.package.tables.get(TIES)
    if table is None:
        return
    schema = ctx.schema
    if _check_columns(ctx, table, TIE_COLUMNS):
        return
    models = {name: _model(schema, name, schema.tie_table_properties(name)) for name in schema.relationships}
    own_columns = {c for r in schema.relationships.values() for c in r.properties}
    #: per tie type, the property columns of other tie types (reported when filled in)
    others = {name: own_columns - set(r.properties) for name, r in schema.relationships.items()}
    #: per (row shape, tie type): those of them the shape fills in, in column-name order
    foreign_of: dict[tuple[int, str], list[str]] = {}
    shapes = _Shapes(TIE_COLUMNS)
    rows = table.rows
    for first in range(0, len(rows), PARSE_CHUNK):
        chunk = rows[first : first + PARSE_CHUNK]
        cells_of = [shapes(row) for row in chunk]
        types = [cells.get(row, "type") for cells, row in zip(cells_of, chunk, strict=True)]
        by_type: dict[str, list[int]] = {}
        for index, rel in enumerate(types):
            by_type.setdefault(rel, []).append(index)
        parsed: list[dict[str, Any] | None] = [None] * len(chunk)
        for rel, indexes in by_type.items():
            if rel in models and rel not in DERIVED:
                bodies = [cells_of[i].body(chunk[i]) for i in indexes]
                for i, values in zip(indexes, _parse_all(bodies, models[rel], ctx.texts), strict=True):
                    parsed[i] = values
        for index, row in enumerate(chunk):
            rel = types[index]
            if rel in DERIVED:
                ctx.report(
                    table, row.number, "type", f"{rel} ties are derived from {DERIVED[rel]}, not written in ties"
                )
                continue
            if rel not in schema.relationships:
                known = ", ".join(n for n in schema.relationships if n not in DERIVED)
                ctx.report(
                    table,
                    row.number,
                    "type",
                    f"unknown tie type {rel!r}; expected one of {known}" if rel else "a value is required",
                )
                continue
            cells = cells_of[index]
            foreign = foreign_of.get((id(cells), rel))
            if foreign is None:
                foreign = foreign_of[id(cells), rel] = sorted(others[rel] & cells.filled)
            for column in foreign:
                ctx.report(table, row.number, column, f"does not apply to {rel} ties")
            values = parsed[index]
            if values is None:
                values = _parse(ctx, table, row.number, cells.body(row), models[rel], set())
            source, target = cells.get(row, "source"), cells.get(row, "target")
            if not source:
                ctx.report(table, row.number, "source", "a value is required")
            if not target:
                ctx.report(table, row.number, "target", "a value is required")
            if values is None or foreign or not source or not target:
                continue
            yield _Tie(rel, source, target, table, row, values)


def _derived_ties(ctx: _Context, nodes: dict[str, _Node]) -> Iterator[_Tie]:
    """WITH ties from interviews.organization and MENTIONS ties from the codes table, in row order."""
    for node in nodes.values():
        if node.label != "Interview":
            continue
        own = node.props
        if "organization" in own:
            props = {"evidence": [own["id"]]}
            props.update({k: own[k] for k in ("round",) if k in own})
            props["start"] = own["date"]
            yield _Tie(
                "WITH",
                own["id"],
                own["organization"],
                node.table,
                node.row,
                props,
                ("id", "organization"),
            )
    table = ctx.package.tables.get(CODES)
    if table is None:
        return
    if _check_columns(ctx, table, CODE_COLUMNS):
        return
    mention_props = ctx.schema.tie_table_properties("MENTIONS")
    model = _model(ctx.schema, "Code", {k: v for k, v in mention_props.items() if k not in ("evidence", "ngo")})
    rows = table.rows
    shapes = _Shapes(CODE_COLUMNS)
    for first in range(0, len(rows), PARSE_CHUNK):
        chunk = rows[first : first + PARSE_CHUNK]
        parsed = _parse_all([shapes(row).body(row) for row in chunk], model, ctx.texts)
        for index, row in enumerate(chunk):
            cells = shapes(row)
            values = parsed[index]
            if values is None:
                values = _parse(ctx, table, row.number, cells.body(row), model, set())
            ends = [cells.get(row, c) for c in CODE_COLUMNS]
            for column, value in zip(CODE_COLUMNS, ends, strict=True):
                if not value:
                    ctx.report(table, row.number, column, "a value is required")
            if values is None or not all(ends):
                continue
            interview, code, ngo = ends
            values.update(ngo=ngo, evidence=ctx.texts.setdefault((interview,), [interview]))
            interview_node = nodes.get(interview)
            interview_props = interview_node.props if interview_node is not None else {}
            if "round" in interview_props:
                values.setdefault("round", interview_props["round"])
            yield _Tie("MENTIONS", interview, code, table, row, values, ("interview", "code"))


def _referenced(ctx: _Context, nodes: dict[str, _Node]) -> set[str]:
    """Ids the package's ties may name that it does not define, read from the cells (no validation).

    A superset of what the checks look up: every source, target, evidence interview and
    reference column of the ties and codes tables, and the organisations of interviews.

    >>> from graphmodel.schema import load_schema
    >>> from graphmodel.tables import RawPackage, Row, Table
    >>> ties = Table("ties", "ties.csv", ["source", "type", "target", "evidence"])
    >>> ties.rows.append(Row(2, {"source": "a", "type": "FUNDS", "target": "b", "evidence": "Y1; Y2"}))
    >>> ctx = _Context(load_schema(), RawPackage("p", "p", {"ties": ties}), [])
    >>> sorted(_referenced(ctx, {}))
    ['Y1', 'Y2', 'a', 'b']
    """
    references = {n for r in ctx.schema.relationships.values() for n, p in r.properties.items() if p.reference}
    single = {TIES: ("source", "target", *sorted(references)), CODES: tuple(CODE_COLUMNS)}
    out: set[str] = set()
    for name, columns in single.items():
        table = ctx.package.tables.get(name)
        shapes = _Shapes()
        for row in table.rows if table is not None else ():
            cells = shapes(row)
            out.update(cells.present(columns)(row))
            evidence = cells.get(row, "evidence")
            if evidence:
                out.update(_string_list(evidence))
    out.discard("")
    out.update(str(n.props["organization"]) for n in nodes.values() if "organization" in n._names)
    out.difference_update(nodes.keys())
    return out


def row_rule_problems(rules: Iterable[Property], values: dict[str, Any]) -> list[tuple[str, str]]:
    """The schema's rules between one row's properties that it breaks, as ``(column, reason)``.

    ``rules`` are the row's properties with ``required_when`` or ``within`` (see schema.yaml:
    ``stated_by`` is required when ``basis`` is ``stated``, empty otherwise, and lists
    interviews among the row's ``evidence``, or ``paper``).

    >>> from graphmodel.schema import load_schema
    >>> rules = [load_schema().tie_properties["stated_by"]]
    >>> row_rule_problems(rules, {"basis": "stated", "evidence": ["Y1"], "stated_by": ["Y1", "paper"]})
    []
    >>> row_rule_problems(rules, {"basis": "stated", "evidence": ["Y1"]})
    [('stated_by', 'required when basis is stated')]
    >>> row_rule_problems(rules, {"basis": "stated", "evidence": ["Y1"], "stated_by": ["Y2"]})
    [('stated_by', "Y2 is not among the row's evidence (Y1); stated_by may name only those, or paper")]
    """
    out = []
    for prop in rules:
        given = values.get(prop.name) not in (None, "", [])
        if prop.required_when is not None:
            other, wanted = prop.required_when
            if values.get(other) == wanted and not given:
                out.append((prop.name, f"required when {other} is {wanted}"))
            elif given and values.get(other) != wanted:
                out.append((prop.name, f"given only when {other} is {wanted} (here {values.get(other) or 'empty'})"))
        if prop.within is not None and given:
            allowed = values.get(prop.within) or []
            extra = [v for v in values[prop.name] if v not in allowed and v not in prop.also]
            if extra:
                also = f", or {' or '.join(prop.also)}" if prop.also else ""
                out.append(
                    (
                        prop.name,
                        f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} not among the row's {prop.within} "
                        f"({', '.join(allowed) or 'none'}); {prop.name} may name only those{also}",
                    )
                )
    return out


def _rules(props: dict[str, Property]) -> list[Property]:
    return [p for p in props.values() if p.required_when is not None or p.within is not None]


def _start_before_end(props: dict[str, Any]) -> bool:
    if "start" in props and "end" in props:
        return _bounds(props["start"])[0] <= _bounds(props["end"])[1]
    return True


def validate_package(package: RawPackage, schema: Schema, lookup: Lookup | None = None) -> Records:
    """Validate ``package`` and return its records, or raise :class:`InvalidPackage`.

    ``lookup`` finds ids already in the store, so ties may point at nodes other
    packages loaded, and an id the graph holds under another label is reported.
    """
    with gc_paused():
        steps = validate_in_steps(package, schema, lookup)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]


#: Ties handed on at a time by :func:`validate_in_steps`.
STEP_TIES = 10_000


def validate_in_steps(
    package: RawPackage, schema: Schema, lookup: Lookup | None = None
) -> Generator[list[NodeRecord] | list[TieRecord], None, Records]:
    """Validate ``package`` as :func:`validate_package` does, handing on records while it goes.

    Every row is checked first, table by table and :data:`PARSE_CHUNK` rows at a time,
    keeping of each tie only what its record needs (see ``_pending``): a refused package
    raises :class:`InvalidPackage` without building any record. A valid one then yields
    every node record (once) and tie records in lists of ``STEP_TIES``, so that a caller
    can write them while the rest are built; the generator's return value is the whole
    :class:`Records`.
    """
    ctx = _Context(schema, package, list(package.problems))
    known_tables = {lb.table for lb in schema.data_labels.values()} | {TIES, CODES}
    for table in package.tables.values():
        if table.name not in known_tables:
            ctx.report(
                table,
                1,
                "-",
                f"unknown table {table.name!r}; expected one of {', '.join(sorted(t for t in known_tables if t))}",
            )
    nodes: dict[str, _Node] = {}
    _read_nodes(ctx, nodes)
    stored = lookup(set(nodes)) if lookup else {}
    node_rules = {n: _rules(schema.node_table_properties(n)) for n in schema.data_labels}
    tie_rules = {n: _rules(schema.tie_table_properties(n)) for n in schema.relationships}
    for node_id, node in nodes.items():
        owner = stored.get(node_id) if stored else None
        if owner and owner[0] != node.label:  # another package asserting the same node is fine; another kind is not
            by = "several packages" if owner[1] == "*" else f"package {owner[1]!r}"
            ctx.report(
                node.table,
                node.row.number,
                "id",
                f"id {node_id!r} is in the graph as {owner[0]} ({by}), not {node.label}",
            )
        rules = node_rules[node.label]
        for column, reason in row_rule_problems(rules, node.props) if rules else ():
            ctx.report(node.table, node.row.number, column, reason)
    referenced = _referenced(ctx, nodes) if lookup else set()
    if lookup and referenced:  # ids the ties name that the package does not define, looked up at once
        stored |= lookup(referenced)
    del referenced
    # This package's stored nodes that it no longer defines are removed by the load: not valid targets.
    labels = {i: v[0] for i, v in stored.items() if v[1] != package.name}
    del stored
    labels.update((i, n.label) for i, n in nodes.items())

    def check_ref(tie: _Tie, column: str, value: str, allowed: tuple[str, ...], what: str) -> bool:
        label = labels.get(value)
        if label is None and value in ctx.invalid:
            return False  # the row defining it is already reported
        if label is None:
            ctx.report(tie.table, tie.row.number, column, f"{what} {value!r} does not exist")
        elif label not in allowed:
            ctx.report(
                tie.table,
                tie.row.number,
                column,
                f"{what} {value!r} is {label}; {tie.type} needs {' or '.join(allowed)}",
            )
        else:
            return True
        return False

    # What each tie type's checks need, worked out once: the labels its ends may have, its
    # reference properties (name, column, labels), its key's properties and its rules.
    checks = {
        name: (
            tuple(rel.sources),
            tuple(rel.targets),
            tuple(
                (p, "ngo" if name == "MENTIONS" else p, tuple(prop.reference))
                for p, prop in rel.properties.items()
                if prop.reference
            ),
            "evidence" if name not in DERIVED else None,
            rel.key_properties,
            tie_rules[name],
        )
        for name, rel in schema.relationships.items()
    }
    # Every tie is checked as soon as its chunk is parsed; what the records need is kept in
    # compact form (see _pending) until the whole package is known to be valid, and nothing
    # once a problem is found. Duplicates are found per table (a tie type has one table):
    # key -> the row number of its first row.
    pending: list[_Pending | None] = []
    seen_keys: dict[str, dict[bytes, int]] = {}
    for tie in chain(_tie_rows(ctx), _derived_ties(ctx, nodes)):
        sources, targets, references, evidence_column, key_properties, rules = checks[tie.type]
        props = tie.props
        # the usual case (every label as allowed) costs two look-ups; check_ref reports the rest
        if labels.get(tie.source) in sources and labels.get(tie.target) in targets:
            ok = True
        else:
            ok = check_ref(tie, tie.columns[0], tie.source, sources, "source")
            ok &= check_ref(tie, tie.columns[1], tie.target, targets, "target")
        for name, column, allowed in references:
            value = props.get(name)
            if value is not None and labels.get(str(value)) not in allowed:
                ok &= check_ref(tie, column, str(value), allowed, name)
        for interview in props.get("evidence", ()):
            if labels.get(interview) != "Interview":
                ok &= check_ref(tie, evidence_column or tie.columns[0], interview, ("Interview",), "evidence interview")
        if "end" in props and not _start_before_end(props):
            ctx.report(tie.table, tie.row.number, "end", f"ends ({props['end']}) before it starts ({props['start']})")
            ok = False
        if rules:
            for column, reason in row_rule_problems(rules, props):
                ctx.report(tie.table, tie.row.number, column, reason)
                ok = False
        key = _tie_key([tie.source, tie.type, tie.target, *map(props.get, key_properties)])
        seen = seen_keys.get(tie.table.source)
        if seen is None:
            seen = seen_keys[tie.table.source] = {}
        if key in seen:
            named = ", ".join(("source", "type", "target", *key_properties))
            ctx.report(
                tie.table,
                tie.row.number,
                "-",
                f"the same tie as {tie.table.source} row {seen[key]} (same {named})",
            )
            continue
        seen[key] = tie.row.number
        if ok and not ctx.problems:
            pending.append(_pending(tie, key))
        elif pending:
            pending.clear()  # a refused package's records are never used: only its problems are kept
    del seen_keys
    if ctx.problems:
        raise InvalidPackage(ctx.problems)

    records = Records(package.name)
    node_names: dict[
        int, tuple[tuple[str, ...], tuple[str, ...], int]
    ] = {}  # per shape: (its names, record names, id's place)
    for node in nodes.values():
        shape = node_names.get(id(node._names))
        if shape is None or shape[0] is not node._names:
            shape = node_names[id(node._names)] = (
                node._names,
                shared_names((*node._names, *_PROVENANCE)),
                node._names.index("id"),
            )
        names = shape[1]
        values = (*node._values, package.name, node.table.source, node.row.number)
        node._values = ()  # the record holds them from here on
        records.nodes.append(NodeRecord.of(node.label, values[shape[2]], names, digest_fields(names, values), values))
    del node_names
    nodes.clear()
    yield records.nodes
    for first in range(0, len(pending), STEP_TIES):
        step = []
        for index in range(first, min(first + STEP_TIES, len(pending))):
            item, pending[index] = pending[index], None  # released as it goes
            if item is not None:
                step.append(_tie_record(item, ctx, labels))
        records.ties.extend(step)
        yield step
    return records
