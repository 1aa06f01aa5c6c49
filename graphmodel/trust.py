"""Public trust in the graph: where an NGO's trust comes from, and how it shows.

The paper's account, as rules spelled once here (the queries ``trust_sources``,
``trust_trajectory`` and ``trust_by_group`` use the Cypher fragment of
:func:`cypher_fragments`; the measure :func:`graphmodel.metrics.trust.borrowed_trust`
uses :func:`trust_sources`):

- A **trust source** of an NGO is a state tie the public can see:
  a ``VOUCHES_FOR`` tie (co-branding, an official at an event, a displayed
  affiliation, an introduction, investigating and then vouching; at one ``place`` or
  seen by all), an ``APPROVES`` tie that opened a ``place``, an ``INSTRUCTS`` tie
  steering a company that has a tie to the NGO (the company is the place), or a chain through the
  state (:mod:`graphmodel.chains`) by which officials organised the people of a place
  for the NGO (kind ``mobilisation``; the department is the one at the head of the chain).
- A **stance** is how trust shows towards the NGO: ``DISTRUSTS`` (suspicion, rumour,
  refusal, reporting) or ``ACCEPTS`` (acceptance, participation, formalistic
  compliance), from a village, school, official, company or part of the urban public
  (``Public``: residents, volunteers), dated.
- A source **precedes** a stance when it may have started by the stance's end (a
  distrust episode) or start (an acceptance): :func:`graphmodel.temporal.starts_by`.
  A source without a place counts for every place.
- Each department's **survey trust** is that of the institution its system and level
  map to in ``schema.yaml`` (``survey_institutions``), from Table 4.

>>> rules = survey_trust_param()
>>> [r["institution"] for r in rules if r["trust_2015"] is not None][:2]
['police', 'courts']
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from graphmodel.chains import CYPHER_FRAGMENTS, STEP, chain_paths
from graphmodel.schema import Schema, load_schema

if TYPE_CHECKING:  # annotations only: the query library reads the fragments without NetworkX
    import networkx as nx

__all__ = [
    "ACCEPTANCE",
    "DISTRUST",
    "SOURCE_TIES",
    "Source",
    "Stance",
    "cypher_fragments",
    "institution_trust",
    "stances",
    "survey_trust_param",
    "trust_sources",
]

#: The tie types that carry a stance towards an NGO.
DISTRUST, ACCEPTANCE = "DISTRUSTS", "ACCEPTS"
#: The ties that are trust sources in their own right (chains through the state are the third kind).
VOUCHING, APPROVAL, INSTRUCTION = "VOUCHES_FOR", "APPROVES", "INSTRUCTS"
SOURCE_TIES = (VOUCHING, APPROVAL, INSTRUCTION)
#: The kinds given to approvals, instructions and chains among trust sources.
APPROVAL_KIND, INSTRUCTION_KIND, MOBILISATION_KIND = "approval", "instruction", "mobilisation"


@cache
def _table4() -> dict[tuple[str, int], float]:
    from graphmodel.survey import table4

    table = table4()
    return {
        (str(i), int(y)): float(p)
        for i, y, p in zip(table["institution"], table["year"], table["percent_trusting"], strict=True)
    }


def institution_trust(institution: str | None, year: int) -> float | None:
    """Table 4's share trusting ``institution`` in ``year`` (2011 or 2015), if it has one.

    >>> institution_trust("local government", 2015)
    68.7
    >>> institution_trust(None, 2015) is None
    True
    """
    if institution is None:
        return None
    return _table4().get((institution, year))


def survey_trust_param(schema: Schema | None = None) -> list[dict[str, Any]]:
    """The ``$survey_trust`` query parameter: the schema's rules with their Table 4 figures.

    Each rule is ``{system, levels, institution, trust_2011, trust_2015}``; ``system`` is
    ``""`` and ``levels`` ``[]`` where the rule does not restrict them. The first rule that
    matches an agency applies, as in :meth:`graphmodel.schema.Schema.survey_institution`.
    """
    schema = schema or load_schema()
    return [
        {
            "system": rule.system or "",
            "levels": list(rule.levels),
            "institution": rule.institution,
            "trust_2011": institution_trust(rule.institution, 2011),
            "trust_2015": institution_trust(rule.institution, 2015),
        }
        for rule in schema.survey_institutions
    ]


def cypher_fragments() -> dict[str, str]:
    """``trust_sources``: after ``WITH n`` (an NGO), binds ``sources``, the NGO's trust sources as maps.

    Each map has ``tie``, ``kind``, ``agency`` (id), ``place``, ``start``, ``round``,
    ``evidence`` and ``basis``. ``survey_rule(a)``: the ``$survey_trust`` rule for agency ``a``.

    Two narrower forms read the same kinds of source (:func:`_source_kinds`), for queries that need
    less than every source of every NGO: ``trust_sources_at(x)``, a list expression of the maps of
    ``n``'s sources that may be at the place node ``x`` (every source whose place is a property,
    and those whose place node is ``x``: the caller still keeps those with ``place`` null or
    ``x.id``, as with ``sources``); ``trust_source_ngos(basis, column)``, branches of a
    ``UNION ALL`` giving each NGO with a source (of that basis, unless null) as ``n``, with ``column``
    ``'source'`` (a pattern per kind, matched once over the graph: on FalkorDB a look per NGO and kind
    costs about 50 microseconds, whether or not it finds anything).
    """
    kinds = _source_kinds(load_schema())
    collected: list[str] = []
    lines = ["WITH n"]
    for name, kind in kinds.items():
        # every pattern starts from the NGO (one starting at every agency scans them all for each NGO)
        lines.append(f"OPTIONAL MATCH {kind.pattern()}")
        if kind.where:
            lines.append(f"WHERE {kind.where}")
        distinct = "DISTINCT " if kind.distinct else ""
        lines.append(
            f"WITH n, {''.join(c + ', ' for c in collected)}collect({distinct}CASE WHEN {kind.var} IS NULL "
            f"THEN null ELSE {kind.map()} END) AS {name}"
        )
        collected.append(name)
    lines.append(f"WITH n, {' + '.join(collected)} AS sources")
    at = " + ".join(
        f"[{kind.pattern('$1')}{_where(kind.where, kind.at('$1'))} | {kind.map('$1')}]" for kind in kinds.values()
    )
    ngos = "\n  UNION ALL\n  ".join(
        f"MATCH {kind.pattern(ngo='n:NGO')}{_where(kind.where, f'($1 IS NULL OR {kind.var}.basis = $1)')}\n"
        f"  RETURN DISTINCT n, 'source' AS $2"
        for kind in kinds.values()
    )
    return {
        "trust_sources": "\n".join(lines),
        "trust_sources_at": f"({at})",
        "trust_source_ngos": ngos,
        "survey_rule": (
            "head([m IN $survey_trust WHERE (m.system = '' OR m.system = $1.system)"
            " AND (size(m.levels) = 0 OR $1.level IN m.levels)])"
        ),
    }


def _where(*conditions: str | None) -> str:
    """`` WHERE a AND b`` of the conditions given (none: nothing)."""
    given = [c for c in conditions if c]
    return f" WHERE {' AND '.join(given)}" if given else ""


@dataclass(frozen=True)
class _SourceKind:
    """One kind of trust source as Cypher: a pattern from the NGO ``n`` binding the tie ``var``.

    ``{place}`` in the pattern and the fields is the place node's variable, if the place is a
    node (narrowed to a given node in ``trust_sources_at``); ``place_label`` is its label.
    """

    var: str
    pattern_text: str
    agency: str
    kind: str
    place: str
    tie: str
    where: str | None = None
    place_node: str | None = None
    place_label: str | None = None
    distinct: bool = False

    def pattern(self, place: str | None = None, ngo: str = "n") -> str:
        return self.pattern_text.format(place=self._place(place, labelled=True), ngo=ngo)

    def map(self, place: str | None = None) -> str:
        p = self._place(place)
        return (
            f"{{tie: {self.tie}, kind: {self.kind}, agency: {self.agency}, place: {self.place.format(place=p)}, "
            f"start: {self.var}.start, round: {self.var}.round, evidence: {self.var}.evidence, basis: {self.var}.basis}}"
        )

    def at(self, place: str) -> str | None:
        """The condition narrowing a pattern bound to the place node ``place`` (its label), if any."""
        return f"{place}:{self.place_label}" if self.place_node and self.place_label else None

    def _place(self, place: str | None, *, labelled: bool = False) -> str:
        if self.place_node is None:
            return ""
        if place is not None:  # a node bound outside: no label in the pattern (see ``at``)
            return place
        return f"{self.place_node}:{self.place_label}" if labelled and self.place_label else self.place_node


def _source_kinds(schema: Schema) -> dict[str, _SourceKind]:
    """The kinds of trust source (see the module docstring), by the name the fragment collects them under."""
    vouch, approve = schema.relationship(VOUCHING), schema.relationship(APPROVAL)
    instruct = schema.relationship(INSTRUCTION)
    reaches = CYPHER_FRAGMENTS["reaches"]  # (n)-[c:REACHES]->(t): the derived ties of the chains
    if not (reaches.startswith("(n)") and reaches.endswith("->(t)")):
        raise AssertionError(f"the chains' {{{{reaches}}}} fragment changed: {reaches}")
    return {
        "vouched": _SourceKind("v", f"({{ngo}})<-[v:{vouch}]-(va:Agency)", "va.id", "v.kind", "v.place", "type(v)"),
        "approved": _SourceKind(
            "ap", f"({{ngo}})<-[ap:{approve}]-(aa:Agency)", "aa.id", repr(APPROVAL_KIND), "ap.place", "type(ap)",
            where="ap.place IS NOT NULL",
        ),
        "instructed": _SourceKind(
            "ins", f"({{ngo}})<-[]-({{place}})<-[ins:{instruct}]-(ia:Agency)", "ia.id", repr(INSTRUCTION_KIND),
            "{place}.id", "type(ins)", place_node="co", place_label="Company", distinct=True,
        ),
        # chains through the state, from the derived ties loads keep (graphmodel.engine.derived)
        "mobilised": _SourceKind(
            "c", "({ngo})" + reaches.removeprefix("(n)").removesuffix("(t)") + "({place})", "c.bodies[0]", repr(MOBILISATION_KIND), "{place}.id",
            repr(STEP), where="c.route = 'state'", place_node="t", distinct=True,
        ),
    }  # fmt: skip


@dataclass(frozen=True)
class Source:
    """One trust source of an NGO (see the module docstring)."""

    ngo: Hashable
    tie: str
    kind: str
    agency: Hashable
    place: Hashable | None
    start: str | None
    round: Any
    basis: str | None
    #: The tie itself, ``(source, target, key)`` in the graph read (not part of the source's identity).
    edge: tuple[Any, Any, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Stance:
    """One stance towards an NGO: who, which kind, when, and on what basis."""

    ngo: Hashable
    tie: str
    kind: str
    holder: Hashable
    start: str | None
    end: str | None
    round: Any
    basis: str | None
    #: The tie itself, ``(holder, ngo, key)`` in the graph read (not part of the stance's identity).
    edge: tuple[Any, Any, Any] | None = field(default=None, compare=False)


def trust_sources(graph: nx.MultiDiGraph, ngo: Hashable | None = None) -> list[Source]:
    """The trust sources of ``ngo`` (or every NGO), as the fragment ``trust_sources`` finds them."""
    labels = {n: d.get("label") for n, d in graph.nodes(data=True)}
    out: set[Source] = set()
    for u, v, k, d in graph.edges(keys=True, data=True):
        if (ngo is not None and v != ngo) or labels.get(u) != "Agency" or labels.get(v) != "NGO":
            continue
        if d.get("type") == VOUCHING:
            out.add(
                Source(
                    v,
                    VOUCHING,
                    d.get("kind"),
                    u,
                    d.get("place"),
                    d.get("start"),
                    d.get("round"),
                    d.get("basis"),
                    (u, v, k),
                )
            )
        elif d.get("type") == APPROVAL and d.get("place") is not None:
            out.add(
                Source(
                    v, APPROVAL, APPROVAL_KIND, u, d["place"], d.get("start"), d.get("round"), d.get("basis"), (u, v, k)
                )
            )
    for u, co, k, d in graph.edges(keys=True, data=True):
        if d.get("type") != INSTRUCTION or labels.get(u) != "Agency" or labels.get(co) != "Company":
            continue
        for target in set(graph.succ[co]):
            if labels.get(target) == "NGO" and (ngo is None or target == ngo):
                out.add(
                    Source(
                        target,
                        INSTRUCTION,
                        INSTRUCTION_KIND,
                        u,
                        co,
                        d.get("start"),
                        d.get("round"),
                        d.get("basis"),
                        (u, co, k),
                    )
                )
    for chain in chain_paths(graph, ngo):
        if chain.route == "state":
            last = graph.edges[chain.keys[-1]]
            out.add(
                Source(
                    chain.ngo,
                    "MOBILIZES",
                    MOBILISATION_KIND,
                    chain.nodes[1],
                    chain.target,
                    last.get("start"),
                    last.get("round"),
                    last.get("basis"),
                    chain.keys[-1],
                )
            )
    return sorted(out, key=lambda s: (str(s.ngo), s.start or "", s.tie, str(s.agency), str(s.place), str(s.round)))


def stances(graph: nx.MultiDiGraph, ngo: Hashable | None = None) -> list[Stance]:
    """Every ``DISTRUSTS`` and ``ACCEPTS`` tie towards ``ngo`` (or every NGO), by NGO, holder and start."""
    out = [
        Stance(v, d["type"], d.get("kind"), u, d.get("start"), d.get("end"), d.get("round"), d.get("basis"), (u, v, k))
        for u, v, k, d in graph.edges(keys=True, data=True)
        if d.get("type") in (DISTRUST, ACCEPTANCE) and (ngo is None or v == ngo)
    ]
    return sorted(out, key=lambda s: (str(s.ngo), str(s.holder), s.start or "", s.tie, s.kind or ""))
