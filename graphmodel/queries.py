"""The Cypher query library: ``.cypher`` files with a header, run by name.

A query file starts with a header of ``//`` comment lines holding YAML::

    // name: motivations
    // description: Table 3 of the paper.
    // params:
    //   by: {type: string, default: null, choices: [province, registration], description: Split.}

Every parameter reaches Cypher as ``$name`` (its default when not given), never as text.
Library queries run in read transactions, so a query that writes fails.

Two small additions keep a domain rule in one place:

- **Fragments.** ``{{name}}`` in a query's body is replaced, when the file is parsed,
  by the Cypher fragment of that name that graphmodel generates (see
  :data:`FRAGMENT_SOURCES`): the access chain of :mod:`graphmodel.chains`, for example,
  is written once and used by ``access_paths``, ``mediated_reach``, ``gatekeepers`` and
  the trust queries. Fragments are code generated from constants and the schema,
  never values.
- **Context parameters.** A header line ``context: [rounds]`` makes graphmodel pass
  ``$rounds`` itself, from :data:`CONTEXT` (the fieldwork rounds of the schema, the
  survey trust of each institution): data the query needs that lives outside the graph.
  They are parameters like any other, so no value is ever written into Cypher.

**Paging.** A query whose result grows with the graph (every tie, every interview
behind a tie) declares ``page: {key: source, unless: [ngo]}``: called without the
``unless`` parameters it gives a first page of :data:`DEFAULT_PAGE_SIZE` rows in a stable
order and a cursor for the next (:attr:`Result.more <graphmodel.stores.base.Result.more>`),
never a silently cut result. ``key`` is the column the rows are ordered by first, the id
of the node each row hangs from (its *anchor*). The library reads the anchors in id order
(:data:`ANCHORS`, with their internal node ids and their ties) and runs the query over a
window of them at a time: ``{{in_page(anchor)}}`` gives one row per anchor node of the run
(``anchor``, its internal id, matched with ``WHERE id(a) = anchor``: found by id, no label
needed, no scan), so a run reads only its window (a keyset on ``id``, not an offset) and the
work after it is done for that window only. The cursor is ``<anchor id>~<rows of it already
given>``. ``page_size=None`` (``--all``) gives every row, read window by window in runs of
bounded size (:data:`ALL_RUN_ROWS`, :data:`RUN_TIES`), so no transaction holds the whole
result. A call narrowed by an ``unless`` parameter is one run whose own branches find its
rows; ``page: {anchor: PARAMETER}`` names a parameter whose value is then the one anchor
(``evidence``'s ``source``). ``page: {label: NGO}`` lists only the anchors of that label;
``page: {labels: PARAMETER}`` the nodes having one of the labels that parameter lists, one row each
(``resolve_actors``).
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, LiteralString, cast

import yaml

from graphmodel.errors import QueryError
from graphmodel.headers import load_header
from graphmodel.readonly import check_read_only

if TYPE_CHECKING:  # not imported at run time: `graphmodel queries` starts without the store layer
    from graphmodel.stores.base import Result, Store

PARAM_TYPES = ("string", "integer", "number", "boolean", "date", "string_list", "any")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_FRAGMENT = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([^{}()]*(?:\([^{}()]*\)[^{}()]*)*)\))?\s*\}\}")


def _chain_fragments() -> dict[str, str]:
    from graphmodel.chains import cypher_fragments

    return cypher_fragments()


def _temporal_fragments() -> dict[str, str]:
    from graphmodel.temporal import cypher_fragments

    return cypher_fragments()


def _trust_fragments() -> dict[str, str]:
    from graphmodel.trust import cypher_fragments

    return cypher_fragments()


def _rounds() -> Any:
    from graphmodel.temporal import rounds_param

    return rounds_param()


def _survey_trust() -> Any:
    from graphmodel.trust import survey_trust_param

    return survey_trust_param()


def _statement_fragments() -> dict[str, str]:
    from graphmodel.statements import cypher_fragments

    return cypher_fragments()


def _page_fragments() -> dict[str, str]:
    # The anchors come as internal node ids: the query finds each by id (no label needed, no scan)
    # with `MATCH (a)-[r]->(b) WHERE id(a) = anchor`. (Not `MATCH (a) WHERE id(a) = anchor` on a line
    # of its own, which FalkorDB 4 fails to parse inside a UNION.)
    return {
        "in_page": "UNWIND $page_nodes AS $1",
        # `n`: the NGO `$ngo` from its id index when given, else the NGOs of the run's window (the
        # UNWIND keeps the second branch from running when $ngo is given). The WITH after the CALL:
        # FalkorDB treats `n` as unbound in a MATCH right after a CALL with a UNION.
        "ngo_or_page": (
            "CALL {\n  MATCH (n:NGO {id: $ngo})\n  RETURN n\n  UNION ALL\n"
            "  UNWIND CASE WHEN $ngo IS NULL THEN [1] ELSE [] END AS every_ngo\n"
            "  {{in_page(anchor)}}\n  MATCH (n:NGO)\n  WHERE id(n) = anchor\n  RETURN n\n}\nWITH n"
        ),
    }


#: Where ``{{name}}`` fragments come from: functions returning {name: Cypher}.
FRAGMENT_SOURCES: tuple[Callable[[], dict[str, str]], ...] = (
    _chain_fragments,
    _temporal_fragments,
    _trust_fragments,
    _statement_fragments,
    _page_fragments,
)
#: Context parameters a query may ask for with ``context: [...]``, and what gives their value.
CONTEXT: dict[str, tuple[str, Callable[[], Any]]] = {
    "rounds": ("The fieldwork rounds of schema.yaml: [{number, start, end}].", _rounds),
    "survey_trust": (
        "The survey institution of each agency system and level (schema.yaml) with its Table 4 trust: "
        "[{system, levels, institution, trust_2011, trust_2015}], first match wins.",
        _survey_trust,
    ),
}


def fragments() -> dict[str, str]:
    """Every Cypher fragment a query may include with ``{{name}}``.

    >>> "chain_where" in fragments()
    True
    """
    out: dict[str, str] = {}
    for source in FRAGMENT_SOURCES:
        out.update(source())
    return out


def expand_fragments(text: str, path: Path | str = "<query>") -> str:
    """``text`` with every ``{{name}}`` replaced by its fragment; an unknown name raises :class:`QueryError`.

    A fragment may take arguments, ``{{name(x, y)}}``: Cypher expressions that replace
    ``$1``, ``$2`` ... in its text (fragments are expanded repeatedly, so one may use another).

    >>> "MOBILIZES" in expand_fragments("MATCH {{chain_path}} RETURN p")
    True
    >>> expand_fragments("WHERE {{starts_by(r.start, e.end)}}")[:30]
    "WHERE (coalesce(r.start, '0000"
    """
    known = fragments()

    def replace(match: re.Match[str]) -> str:
        name, args = match.group(1), match.group(2)
        if name not in known:
            raise QueryError(f"{path}: unknown fragment {{{{{name}}}}}; known: {', '.join(sorted(known))}")
        out = known[name]
        values = [a.strip() for a in args.split(",")] if args else []
        for index in range(len(values), 0, -1):
            out = out.replace(f"${index}", values[index - 1])
        if re.search(r"\$\d", out):
            raise QueryError(f"{path}: fragment {{{{{name}}}}} needs more arguments than {len(values)}")
        return out

    for _ in range(5):
        text, count = _FRAGMENT.subn(replace, text)
        if not count:
            break
    return text


#: Rows in a page of a paged query when the caller does not say (``--page-size``).
DEFAULT_PAGE_SIZE = 1000
#: The parameter a paged query's ``{{in_page(...)}}`` reads: the internal ids of the anchor nodes of a run.
PAGE_PARAMS = ("page_nodes",)
#: Anchors read at first and at most at a time (one scan of the nodes each), and rows one run of a paged query aims
#: at when every row is asked for (``--all``): the result is read in runs of about this many rows,
#: so no transaction holds it all (Neo4j's ``db.memory.transaction.max``).
FIRST_BATCH, ANCHOR_BATCH, ALL_RUN_ROWS = 200, 10_000, 5 * DEFAULT_PAGE_SIZE
#: Ties one run reads at most (what a run holds grows with the ties it reads, even when few
#: of them make rows, as in ``round_changes``).
RUN_TIES = 10_000
#: Anchors of a labelled listing (``page: {label: ...}``) one run reads at most, and the rows one
#: such anchor is taken to give until a run says otherwise (its first run is then about 60 anchors).
#: A labelled listing does not count its anchors' ties: on FalkorDB that count took 3x the time of
#: running the query over those NGOs (1.5 s for 5,000 NGOs at the medium size); their ties vary
#: little, unlike those of the agencies an unlabelled listing meets.
RUN_ANCHORS, FIRST_ROWS_PER_ANCHOR = 1_000, 20.0
#: Anchors a listing of ``page: {labels: PARAMETER}`` reads at most at a time, and at most per run: it has no index
#: to seek (labels are not indexed together), so every listing is a scan of the nodes (0.19 s for 10,000 anchors
#: at the medium size); its rows are one per anchor and light, so runs take many.
LABELS_BATCH, LABELS_RUN = 200_000, 10_000
#: A name a ``page: {label: ...}`` may give (it is written into the anchor listing's Cypher).
_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@cache
def anchors_cypher(label: str | None = None, of_labels: bool = False) -> LiteralString:
    """The next anchors: node ids from ``$from`` on (every id when null), of ``label`` if given,
    in the order a paged query sorts them, with the internal node id the query finds each by and
    its weight: without a label its ties (the rows an anchor gives grow with them; one with none
    gives none), with a label 1 (see :data:`RUN_ANCHORS`). Interviews never
    anchor: their ties (WITH, MENTIONS) are left out of every paged query. ``coalesce`` rather
    than ``$from IS NULL OR`` keeps the filter a plain range (an index range with a label).
    ``of_labels``: the nodes having one of the labels ``$labels`` (Interviews too, if named), each
    weighing 1, tied or not (``page: {labels: PARAMETER}``: a query with one row per node).

    >>> anchors_cypher("NGO")[:12]
    'MATCH (n:NGO'
    >>> "l IN $labels" in anchors_cypher(of_labels=True)
    True
    """
    if label is not None and not _LABEL.match(label):
        raise QueryError(f"{label!r} is not a label")
    node = f"n:{label}" if label else "n"
    weight = "1" if label or of_labels else "size([(n)--() | 1])"
    which = "any(l IN labels(n) WHERE l IN $labels)" if of_labels else "NOT n:Interview"
    return cast(
        LiteralString,
        f"MATCH ({node}) WHERE n.id >= coalesce($from, '') AND NOT n:Staged AND {which} "
        f"WITH n.id AS id, n ORDER BY id LIMIT $n RETURN id, id(n) AS node, {weight} AS weight",
    )


#: The anchors of a query whose ``page:`` names no label: any node.
ANCHORS: LiteralString = anchors_cypher()
#: The nodes a narrow call's anchor id names (``page: {anchor: PARAMETER}``).
ANCHOR: LiteralString = "MATCH (n) WHERE n.id = $id AND NOT n:Staged RETURN id(n) AS node"

__all__ = [
    "CONTEXT",
    "DEFAULT_PAGE_SIZE",
    "Paging",
    "Param",
    "Query",
    "TruncatedResult",
    "expand_fragments",
    "find_query",
    "fragments",
    "library",
    "library_dir",
    "parse_query",
    "render_library",
    "run_query",
]


@dataclass(frozen=True)
class Param:
    """A declared query parameter."""

    name: str
    type: str
    description: str
    default: Any = None
    required: bool = False
    choices: tuple[Any, ...] = ()

    def convert(self, value: Any) -> Any:
        """Turn a value (a CLI string, or Python data) into this parameter's type.

        >>> Param("n", "integer", "").convert("3")
        3
        >>> Param("ids", "string_list", "").convert("a;b")
        ['a', 'b']
        """
        if value is None:
            return None
        try:
            if self.type == "integer":
                converted: Any = int(value)
            elif self.type == "number":
                converted = float(value)
            elif self.type == "boolean":
                if isinstance(value, bool):
                    converted = value
                elif str(value).lower() in ("true", "yes", "1"):
                    converted = True
                elif str(value).lower() in ("false", "no", "0"):
                    converted = False
                else:
                    raise ValueError("expected true or false")
            elif self.type == "string_list":
                items = value if isinstance(value, list) else str(value).split(";")
                converted = [str(v).strip() for v in items if str(v).strip()]
            elif self.type == "any":  # a plain file's parameter: JSON numbers, true/false, lists; else text
                converted = _any_value(value)
            elif self.type == "date":
                converted = str(value)
                if not _DATE.match(converted):
                    raise ValueError("expected a date like 2010, 2010-06 or 2010-06-15")
            else:
                converted = str(value)
        except ValueError as exc:
            raise QueryError(f"parameter {self.name!r}: {value!r} is not a valid {self.type} ({exc})") from None
        if self.choices and converted not in self.choices:
            raise QueryError(
                f"parameter {self.name!r}: {converted!r} is not one of {', '.join(map(str, self.choices))}"
            )
        return converted


@dataclass(frozen=True)
class Paging:
    """How a query pages (its header's ``page:``): ``key`` orders the rows first and holds each row's
    anchor id; a call that gives any of ``unless`` is narrow and not paged: one run, with no anchor
    but the one ``anchor`` names."""

    key: str
    unless: tuple[str, ...] = ()
    #: The label of the anchors, if they have one (the listing then reads that label's id index).
    label: str | None = None
    #: A parameter that, given, names the one anchor of a narrow call (``evidence``'s ``source``).
    anchor: str | None = None
    #: A parameter holding a list of labels: the anchors are the nodes with one of them, each one row at
    #: most (``resolve_actors``' ``labels``); ``label`` and ``labels`` exclude each other.
    labels: str | None = None


@dataclass(frozen=True)
class Query:
    """A named, parameterised, read-only Cypher query."""

    name: str
    description: str
    cypher: str
    path: Path
    params: dict[str, Param] = field(default_factory=dict)
    notes: str = ""
    #: Context parameters graphmodel passes itself (see :data:`CONTEXT`).
    context: tuple[str, ...] = ()
    #: How the query pages, if it does (the header's ``page:``).
    page: Paging | None = None

    def pages(self, bound: dict[str, Any]) -> bool:
        """Whether a call with these (bound) parameters is paged: the query pages and none of ``unless`` is given."""
        return self.page is not None and all(bound.get(p) is None for p in self.page.unless)

    def bind(self, given: dict[str, Any] | None = None) -> dict[str, Any]:
        """All parameters with defaults filled in; unknown or missing ones raise :class:`QueryError`."""
        given = dict(given or {})
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            known = ", ".join(self.params) or "none"
            raise QueryError(f"query {self.name!r} has no parameter {', '.join(unknown)} (it takes: {known})")
        bound = {}
        for name, param in self.params.items():
            if name in given and given[name] is not None:
                bound[name] = param.convert(given[name])
            elif param.required:
                raise QueryError(f"query {self.name!r} needs parameter {name!r}: {param.description}")
            else:
                bound[name] = param.convert(param.default)
        return bound


def parse_query(text: str, path: Path) -> Query:
    """Parse a ``.cypher`` file's header and body."""
    header: list[str] = []
    lines = text.splitlines()
    body_start = 0
    for index, line in enumerate(lines):
        if line.startswith("//"):
            header.append(line[2:].removeprefix(" "))
            body_start = index + 1
        elif line.strip():
            break
    try:
        meta = load_header("\n".join(header)) or {}
    except yaml.YAMLError as exc:
        raise QueryError(f"{path}: the header is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict) or not meta.keys() & {"name", "description", "params"}:
        return plain_query(text, path)  # no header: the comments are just comments
    if "name" not in meta or "description" not in meta:
        raise QueryError(f"{path}: the header needs at least 'name' and 'description'")
    params = {}
    for name, spec in (meta.get("params") or {}).items():
        spec = spec or {}
        ptype = spec.get("type", "string")
        if ptype not in PARAM_TYPES:
            raise QueryError(f"{path}: parameter {name!r} has unknown type {ptype!r}")
        params[name] = Param(
            name=name,
            type=ptype,
            description=str(spec.get("description", "")),
            default=spec.get("default"),
            required=bool(spec.get("required", False)),
            choices=tuple(spec.get("choices", ())),
        )
    body = expand_fragments("\n".join(lines[body_start:]).strip(), path)
    if not body:
        raise QueryError(f"{path}: no Cypher after the header")
    context = tuple(meta.get("context") or ())
    unknown = [c for c in context if c not in CONTEXT or c in params]
    if unknown:
        raise QueryError(f"{path}: unknown context parameter(s) {', '.join(unknown)}; known: {', '.join(CONTEXT)}")
    page = _paging(meta.get("page"), params, path)
    paging = set(PAGE_PARAMS) if page else set()
    undeclared = sorted(set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", body)) - set(params) - set(context) - paging)
    if undeclared:
        raise QueryError(f"{path}: uses undeclared parameters {', '.join(undeclared)}")
    if page and not set(PAGE_PARAMS) <= set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", body)):
        raise QueryError(f"{path}: a paged query finds its anchors with {{{{in_page(...)}}}}")
    notes = " ".join(str(meta.get("notes") or "").split())
    description = " ".join(str(meta["description"]).split())
    return Query(str(meta["name"]), description, body, path, params, notes, context, page)


def _paging(spec: Any, params: dict[str, Param], path: Path) -> Paging | None:
    """The header's ``page:`` as a :class:`Paging` (None without one); a bad one raises :class:`QueryError`."""
    if spec is None:
        return None
    if (
        not isinstance(spec, dict)
        or not isinstance(spec.get("key"), str)
        or set(spec) - {"key", "unless", "label", "anchor", "labels"}
    ):
        raise QueryError(
            f"{path}: 'page' takes {{key: COLUMN, unless: [PARAMETER, ...], label: LABEL, anchor: PARAMETER, "
            "labels: PARAMETER}}"
        )
    unless = tuple(spec.get("unless") or ())
    anchor, labels = spec.get("anchor"), spec.get("labels")
    unknown = [p for p in (*unless, anchor, labels) if p is not None and p not in params]
    if unknown:
        raise QueryError(f"{path}: 'page' names unknown parameter(s) {', '.join(unknown)}")
    label = spec.get("label")
    if label is not None and (not isinstance(label, str) or not _LABEL.match(label)):
        raise QueryError(f"{path}: 'page: label' is not a label: {label!r}")
    if labels is not None and (label is not None or params[labels].type != "string_list"):
        raise QueryError(f"{path}: 'page: labels' names a string_list parameter, and excludes 'label'")
    return Paging(spec["key"], unless, label, anchor, labels)


def plain_query(text: str, path: Path) -> Query:
    """A query without a header: named after its file, each ``$name`` it uses (outside comments and
    strings) a required parameter.

    >>> q = plain_query("MATCH (n:NGO {id: $ngo}) RETURN n.name LIMIT $n", Path("mine.cypher"))
    >>> q.name, sorted(q.params), q.bind({"ngo": "ngo-y01", "n": "3"})["n"]
    ('mine', ['n', 'ngo'], 3)
    """
    body = text.strip()
    if not body:
        raise QueryError(f"{path}: no Cypher in it")
    from graphmodel.readonly import parameter_names

    params = {name: Param(name, "any", "used as $" + name, required=True) for name in parameter_names(body)}
    return Query(path.stem, "", body, path, params)


def _any_value(value: Any) -> Any:
    """A plain query's parameter value: Python data as it is; text as JSON when it parses, else text.

    >>> _any_value("3"), _any_value("ngo-y01"), _any_value('"2010"'), _any_value([1])
    (3, 'ngo-y01', '2010', [1])
    """
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def library_dir() -> Path:
    """Where the query library lives: inside the installed package, or ``cypher/`` in a checkout."""
    installed = Path(str(resources.files("graphmodel"))) / "cypher"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "cypher"


@cache
def library() -> dict[str, Query]:
    """Every query of the library, by name."""
    queries: dict[str, Query] = {}
    for path in sorted(library_dir().glob("*.cypher")):
        query = parse_query(path.read_text(encoding="utf-8"), path)
        if not query.description:
            raise QueryError(f"{path}: a library query needs a header with name and description")
        if query.name != path.stem:
            raise QueryError(f"{path}: header name {query.name!r} differs from the file name")
        queries[query.name] = query
    return queries


def find_query(name_or_path: str) -> Query:
    """A library query by name, or any ``.cypher`` file by path."""
    if name_or_path.endswith(".cypher") or "/" in name_or_path:
        path = Path(name_or_path)
        if not path.is_file():
            raise QueryError(f"{path}: no such query file")
        return parse_query(path.read_text(encoding="utf-8"), path)
    queries = library()
    if name_or_path not in queries:
        raise QueryError(f"no query named {name_or_path!r}; `graphmodel queries` lists them: {', '.join(queries)}")
    return queries[name_or_path]


def run_query(
    store: Store,
    query: str | Query,
    params: dict[str, Any] | None = None,
    *,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    after: str | None = None,
) -> Result:
    """Run a library query (by name or object) read-only on ``store``.

    ``run_query(...).dataframe()`` gives a pandas DataFrame. A paged query (``as_of``,
    ``evidence``, ``round_changes``) called without an NGO gives its first ``page_size`` rows;
    when more follow, ``result.more`` is the cursor to pass as ``after`` for the next page,
    ``result.note`` says so and a :class:`TruncatedResult` warning is issued (nothing is cut
    silently). ``page_size=None`` gives every row (every row after ``after``, if given).
    Other queries, and paged ones narrowed to an NGO, always give every row.
    """
    q = find_query(query) if isinstance(query, str) else query
    try:
        check_read_only(q.cypher)
    except QueryError as exc:
        raise QueryError(f"{q.path}: {exc}") from None
    bound = q.bind(params)
    bound.update({name: CONTEXT[name][1]() for name in q.context})
    if page_size is not None and page_size < 1:
        raise QueryError(f"page size must be at least 1, not {page_size}")
    if after is not None and not q.pages(bound):
        raise QueryError(f"query {q.name!r} gives every row here: it has no next page to start after")
    if q.page is not None and not q.pages(bound):
        # Narrow: its own branches find the rows, and the window branch reads the one anchor named, if any.
        anchor = bound.get(q.page.anchor) if q.page.anchor else None
        nodes = [r[0] for r in store.run(ANCHOR, {"id": anchor}).rows] if anchor is not None else []
        bound["page_nodes"] = nodes
    if not q.pages(bound):
        # The text comes from a query file, not from user-supplied values.
        return store.run(cast(LiteralString, q.cypher), bound, write=False)
    # page_size None: every row (after the cursor, if given), read in runs of bounded size
    result = _page(store, q, bound, page_size, _cursor(after) if after is not None else None)
    if result.more is not None:
        warnings.warn(TruncatedResult(f"{q.name}: {result.note}"), stacklevel=2)
    return result


class TruncatedResult(UserWarning):
    """A paged query gave its first rows only (see :attr:`Result.note <graphmodel.stores.base.Result.note>`)."""


def _cursor(text: str) -> tuple[str, int]:
    """A cursor's anchor id and how many of its rows were given.

    >>> _cursor("ag-yn~wf~3")
    ('ag-yn~wf', 3)
    """
    anchor, sep, given = str(text).rpartition("~")
    if not sep or not given.isdigit() or not anchor:
        raise QueryError(f"{text!r} is not a page cursor (it looks like ID~N: the 'more' of the page before)")
    return anchor, int(given)


def _page(store: Store, q: Query, bound: dict[str, Any], size: int | None, cursor: tuple[str, int] | None) -> Result:
    """One page of ``size`` rows of a paged query (every row when None), after ``cursor``.

    The anchors are read in id order (:data:`ANCHORS`), from the cursor's anchor on (its first
    rows, already given, are dropped). Each run of the query reads a window of them, found by
    internal id, until the page is full with a row to spare (so we know more follow) or no
    anchor is left. A window holds as many anchors as the rows still needed call for, judged
    from their weights (ties; one each for a labelled listing) and the rows per weight seen so far,
    and is aimed at :data:`ALL_RUN_ROWS` rows and :data:`RUN_TIES` ties (:data:`RUN_ANCHORS`
    labelled anchors) at most, so that no run (one transaction) holds much; anchors without ties
    give no rows and are not run.
    """
    from graphmodel.stores.base import Result

    assert q.page is not None
    limit = size if size is not None else sys.maxsize
    rows: list[tuple[Any, ...]] = []
    columns: list[str] = []
    anchor, given = cursor if cursor is not None else (None, 0)
    pending: deque[tuple[Any, ...]] = deque()  # anchors read, not yet run: (id, node, weight)
    start, exhausted, first, batch_size = anchor, False, True, FIRST_BATCH
    weight_run, rows_run = 0, 0
    weighed = q.page.label is None and q.page.labels is None  # the anchors weigh their ties (else one each)
    listing = anchors_cypher(q.page.label, q.page.labels is not None)
    of_labels = {"labels": bound[q.page.labels]} if q.page.labels is not None else {}
    while len(rows) <= limit:
        if not pending and not exhausted:
            batch = store.run(listing, {"from": start, "n": batch_size + 1, **of_labels}).rows
            exhausted = len(batch) <= batch_size
            if batch and start is not None and batch[0][0] == start and not first:
                batch = batch[1:]  # ANCHORS starts at ``start`` itself: the cursor's anchor once, not again
            pending = deque(tuple(r) for r in batch[:batch_size])
            if pending:
                grown = min(batch_size * 5, LABELS_BATCH if q.page.labels is not None else ANCHOR_BATCH)
                start, first, batch_size = pending[-1][0], False, grown
        if not pending:
            break
        # The weight that should give the rows still needed (a quarter more, as a run costs more
        # than a few extra rows), from the rows per weight so far (per tie: one until a run says
        # otherwise; per labelled anchor: FIRST_ROWS_PER_ANCHOR, then at least one row over all).
        if weighed:
            per = rows_run / weight_run if rows_run else 1.0
        else:
            per = max(rows_run, 1) / weight_run if weight_run else FIRST_ROWS_PER_ANCHOR
        cap = RUN_TIES if weighed else LABELS_RUN if q.page.labels is not None else RUN_ANCHORS
        budget = min(1.25 * min(limit + 1 - len(rows), ALL_RUN_ROWS) / per, cap)
        window: list[tuple[Any, ...]] = []
        weight = 0
        while pending and (not window or weight + pending[0][2] <= budget):
            weight += pending[0][2]
            window.append(pending.popleft())
        if weight == 0:
            continue  # none of these anchors has a tie: no rows
        result = store.run(cast(LiteralString, q.cypher), {**bound, "page_nodes": [w[1] for w in window]}, write=False)
        columns = result.columns
        if q.page.key not in columns:
            raise QueryError(f"{q.path}: the page key {q.page.key!r} is not a column of the result")
        key = columns.index(q.page.key)
        skip = given if window[0][0] == anchor else 0
        weight_run, rows_run = weight_run + weight, rows_run + len(result.rows)
        for row in result.rows:
            if skip and row[key] == anchor:
                skip -= 1
                continue
            rows.append(row)
    if not columns:  # no row at all: the columns still come from the query
        columns = store.run(cast(LiteralString, q.cypher), {**bound, "page_nodes": []}).columns
    if len(rows) <= limit:
        return Result(columns, rows)
    page = rows[:limit]
    key = columns.index(q.page.key)
    end = page[-1][key]
    n = sum(1 for row in page if row[key] == end) + (given if end == anchor else 0)
    return Result(columns, page, more=f"{end}~{n}")


def _param_line(param: Param) -> str:
    """One parameter as a Markdown list item.

    >>> _param_line(Param("ngo", "string", "Id of the NGO.", required=True))
    '- `ngo` (string, required): Id of the NGO.'
    >>> _param_line(Param("by", "string", "Split.", choices=("a", "b")))
    '- `by` (string, optional; one of `a`, `b`): Split.'
    """
    if param.required:
        how = "required"
    elif param.default is None:
        how = "optional"
    else:
        how = f"default `{param.default}`"
    if param.choices:
        how += "; one of " + ", ".join(f"`{c}`" for c in param.choices)
    return f"- `{param.name}` ({param.type}, {how}): {param.description}"


def render_library(queries: dict[str, Query]) -> str:
    """The query library reference (docs/queries.md), generated from the query headers."""
    lines = [
        "# The query library",
        "",
        "<!-- Generated from the headers of cypher/*.cypher by graphmodel.queries.render_library; do not edit. -->",
        "",
        "Run a query with `graphmodel query NAME -p key=value [--format table|csv|json]`, or from Python with",
        "`graphmodel.queries.run_query(store, NAME, {key: value}).dataframe()`. Every query runs in a read",
        "transaction on the embedded store and on Neo4j alike, and gives the same rows on both.",
        "",
        "**Paging.** The queries marked *paged* below return, when called without an NGO, a first page of",
        f"{DEFAULT_PAGE_SIZE:,} rows in a stable order and say that more rows follow, with the cursor of the next",
        "page: `graphmodel query evidence` prints `first 1,000 rows of a larger result; the next page:",
        "--after 'ag-…~4'; every row: --all` on standard error. Options: `--page-size N`, `--after CURSOR`,",
        "`--all` (every row). From Python: `run_query(store, NAME, params, page_size=N,",
        "after=CURSOR)`, `page_size=None` for every row; a page that is not the whole result has",
        "`result.more` (the next cursor), `result.note`, and issues a `TruncatedResult` warning. In the shell,",
        "`:more` gives the next page of the last `:run`, `:all` every row, `:page N` sets the page size; in a",
        "notebook, `%cypher --query evidence --all`. A page is a keyset on the id of the node each row hangs",
        "from (its source): the query reads only the sources of the page, each found by its internal id, so a",
        "page costs about the same wherever it starts, and the pages together are exactly the whole result.",
        "`--all` reads the pages in runs of a few thousand rows, so it fits a server's per-transaction memory.",
        "",
        "| query | what it answers |",
        "| --- | --- |",
    ]
    lines += [f"| [`{q.name}`](#{q.name}) | {q.description} |" for q in queries.values()]
    for q in queries.values():
        lines += ["", f"## {q.name}", "", q.description, ""]
        if q.notes:
            lines += [q.notes, ""]
        if q.page is not None:
            unless = " or ".join(f"`{p}`" for p in q.page.unless)
            lines += [
                f"Paged (see above){f' when called without {unless}' if unless else ''}: rows in order of "
                f"`{q.page.key}` first, "
                f"{DEFAULT_PAGE_SIZE:,} to a page; `--all` for every row.",
                "",
            ]
        lines += ["Parameters:", ""] if q.params else ["No parameters."]
        lines += [_param_line(p) for p in q.params.values()]
        if q.context:
            lines += ["", "Passed by graphmodel itself:", ""]
            lines += [f"- `{c}`: {CONTEXT[c][0]}" for c in q.context]
        example = " ".join(f"-p {p.name}=..." for p in q.params.values() if p.required)
        lines += ["", "```sh", f"graphmodel query {q.name}{' ' + example if example else ''}", "```"]
    return "\n".join(lines) + "\n"
