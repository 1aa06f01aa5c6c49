"""The graph schema, loaded once from ``schema.yaml`` and checked for consistency.

Everything else (validation, constraints, docs, view styles, Cypher labels) reads
the objects defined here.

>>> schema = load_schema()
>>> schema.labels["Agency"].properties["level"].vocabulary
'level'
>>> sorted(schema.relationships["SPONSORS"].sources)
['Agency']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from graphmodel.errors import InvalidSchema

PROPERTY_TYPES = frozenset({"string", "integer", "number", "boolean", "partial_date", "string_list"})
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Properties that identify a tie besides its endpoints, type and the type's own ``key``.
BASE_TIE_KEY = ("round", "start")


@dataclass(frozen=True)
class Property:
    """A property of a label or relationship type."""

    name: str
    type: str
    description: str
    required: bool = False
    vocabulary: str | None = None
    reference: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    #: Whether stores index it (relationship properties queries look ties up by).
    indexed: bool = False
    #: ``(property, value)``: required when the row's ``property`` is ``value``, and empty otherwise.
    required_when: tuple[str, str] | None = None
    #: A list property whose values (plus those in ``also``) must include each of this one's.
    within: str | None = None
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Label:
    """A node label, with the fieldwork table that defines its nodes."""

    name: str
    description: str
    properties: dict[str, Property]
    table: str | None = None
    sector: str | None = None
    style: dict[str, Any] = field(default_factory=dict)
    system: bool = False
    staging: bool = False
    #: Sector by a property's value, overriding ``sector``: (property, {value: sector}).
    sector_by: tuple[str, dict[str, str]] | None = None

    def sector_of(self, props: dict[str, Any]) -> str | None:
        """The sector of a node with these properties.

        >>> load_schema().labels["Agency"].sector_of({"system": "Village Committee"})
        'self_governing'
        >>> load_schema().labels["Agency"].sector_of({"system": "Women's Federation"})
        'state'
        """
        if self.sector_by is not None:
            prop, values = self.sector_by
            value = props.get(prop)
            if value in values:
                return values[value]
        return self.sector


@dataclass(frozen=True)
class Relationship:
    """A relationship type, with the labels it may connect."""

    name: str
    description: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    properties: dict[str, Property]
    key: tuple[str, ...] = ()
    style: dict[str, Any] = field(default_factory=dict)
    #: Whether a tie of this type may link a node to itself (``self_loops: true``); none may by default.
    self_loops: bool = False
    #: Something passes along the tie from source to target (brokerage reads these by default).
    flow: bool = False

    @property
    def key_properties(self) -> tuple[str, ...]:
        """Properties that, with source, type and target, identify a tie."""
        return BASE_TIE_KEY + self.key

    @property
    def trust(self) -> str | None:
        """``source`` for ties by which an NGO gains public trust, ``stance`` for ties that show it, else None."""
        value = self.style.get("trust")
        return str(value) if value else None

    def style_for(self, props: dict[str, Any]) -> dict[str, Any]:
        """The view style of one tie: the type's, with its ``kind``'s (``style.kinds``) on top.

        >>> accepts = load_schema().relationships["ACCEPTS"]
        >>> accepts.style_for({"kind": "formalistic_compliance"})["dashes"], accepts.style_for({})["width"]
        (True, 2)
        """
        base = {k: v for k, v in self.style.items() if k != "kinds"}
        return {**base, **(self.style.get("kinds") or {}).get(str(props.get("kind")), {})}


@dataclass(frozen=True)
class Vocabulary:
    """A closed list of allowed values."""

    name: str
    description: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Round:
    """A fieldwork round and the years it spans."""

    number: int
    start: str
    end: str
    description: str


@dataclass(frozen=True)
class SurveyRule:
    """One rule mapping agencies (by system and/or level) to a survey institution (or to none)."""

    institution: str | None
    why: str
    system: str | None = None
    levels: tuple[str, ...] = ()

    def matches(self, system: str | None, level: str | None) -> bool:
        """Whether an agency of this system and level falls under the rule."""
        return (self.system is None or self.system == system) and (not self.levels or level in self.levels)


@dataclass(frozen=True)
class Schema:
    """The whole graph model."""

    version: int
    vocabularies: dict[str, Vocabulary]
    node_properties: dict[str, Property]
    tie_properties: dict[str, Property]
    provenance: dict[str, Property]
    labels: dict[str, Label]
    relationships: dict[str, Relationship]
    rounds: dict[int, Round] = field(default_factory=dict)
    survey_institutions: tuple[SurveyRule, ...] = ()

    def survey_institution(self, system: str | None, level: str | None) -> str | None:
        """The survey institution (Table 4) an agency of this system and level belongs to, if any.

        >>> schema = load_schema()
        >>> schema.survey_institution("Women's Federation", "county")
        'local government'
        >>> schema.survey_institution("Public Security Bureau", "prefecture")
        'police'
        >>> schema.survey_institution("Village Committee", "village") is None
        True
        """
        rule = next((r for r in self.survey_institutions if r.matches(system, level)), None)
        return None if rule is None else rule.institution

    def label_for_table(self, table: str) -> Label | None:
        """The label whose nodes a fieldwork table defines, if any."""
        return next((lb for lb in self.labels.values() if lb.table == table), None)

    @property
    def data_labels(self) -> dict[str, Label]:
        """Labels loaded from fieldwork tables (all but the system labels)."""
        return {n: lb for n, lb in self.labels.items() if not lb.system}

    @property
    def keyed_labels(self) -> dict[str, Label]:
        """Labels whose nodes have unique ids (all but the staging label)."""
        return {n: lb for n, lb in self.labels.items() if not lb.staging}

    @property
    def tie_indexes(self) -> list[tuple[str, str]]:
        """(relationship type, property) pairs the stores index."""
        return [(r.name, p.name) for r in self.relationships.values() for p in r.properties.values() if p.indexed]

    @property
    def staging_label(self) -> str:
        """The label of nodes a staged load wrote and has not switched live yet."""
        return next(n for n, lb in self.labels.items() if lb.staging)

    def node_table_properties(self, label: str) -> dict[str, Property]:
        """Common node properties followed by the label's own."""
        return {**self.node_properties, **self.labels[label].properties}

    def tie_table_properties(self, rel: str) -> dict[str, Property]:
        """Common tie properties followed by the type's own."""
        return {**self.tie_properties, **self.relationships[rel].properties}

    @property
    def flow_types(self) -> tuple[str, ...]:
        """Relationship types along which something flows (``flow: true``).

        >>> "FUNDS" in load_schema().flow_types, "MOBILIZES" in load_schema().flow_types
        (False, True)
        """
        return tuple(n for n, r in self.relationships.items() if r.flow)

    def label(self, name: str) -> str:
        """Return ``name`` if it is a label of the schema, else raise.

        Use it wherever a label reaches Cypher, so only schema labels ever do.
        """
        if name not in self.labels:
            raise InvalidSchema(f"unknown label {name!r}")
        return name

    def relationship(self, name: str) -> str:
        """Return ``name`` if it is a relationship type of the schema, else raise."""
        if name not in self.relationships:
            raise InvalidSchema(f"unknown relationship type {name!r}")
        return name


def _properties(raw: dict[str, Any] | None, where: str) -> dict[str, Property]:
    props: dict[str, Property] = {}
    for name, spec in (raw or {}).items():
        if not isinstance(spec, dict):
            raise InvalidSchema(f"{where}.{name}: expected a mapping")
        ptype = spec.get("type", "string")
        if ptype not in PROPERTY_TYPES:
            raise InvalidSchema(f"{where}.{name}: unknown property type {ptype!r}")
        if not spec.get("description"):
            raise InvalidSchema(f"{where}.{name}: a description is required")
        props[name] = Property(
            name=name,
            type=ptype,
            description=" ".join(str(spec["description"]).split()),
            required=bool(spec.get("required", False)),
            vocabulary=spec.get("vocabulary"),
            reference=tuple(spec.get("reference", ())),
            minimum=spec.get("minimum"),
            maximum=spec.get("maximum"),
            indexed=bool(spec.get("indexed", False)),
            required_when=_required_when(spec.get("required_when"), f"{where}.{name}"),
            within=spec.get("within"),
            also=tuple(str(v) for v in spec.get("also", ())),
        )
    return props


def _required_when(raw: Any, where: str) -> tuple[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) != 1:
        raise InvalidSchema(f"{where}.required_when: expected {{property: value}}")
    ((prop, value),) = raw.items()
    return str(prop), str(value)


def _sector_by(raw: dict[str, Any] | None, where: str) -> tuple[str, dict[str, str]] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or "property" not in raw or not isinstance(raw.get("values"), dict):
        raise InvalidSchema(f"{where}.sector_by: expected {{property: NAME, values: {{value: sector}}}}")
    return str(raw["property"]), {str(k): str(v) for k, v in raw["values"].items()}


def _check(schema: Schema) -> None:
    """Raise :class:`InvalidSchema` on broken references between parts of the schema."""
    names = list(schema.labels) + list(schema.relationships)
    if sum(lb.staging for lb in schema.labels.values()) != 1:
        raise InvalidSchema("system_labels: exactly one label must be marked staging: true")
    for name in names:
        if not NAME_PATTERN.match(name):
            raise InvalidSchema(f"{name!r} is not a plain identifier")
    all_props = [(f"labels.{lb.name}", lb.properties) for lb in schema.labels.values()] + [
        (f"relationships.{r.name}", r.properties) for r in schema.relationships.values()
    ]
    all_props += [("node_properties", schema.node_properties), ("tie_properties", schema.tie_properties)]
    for where, props in all_props:
        for prop in props.values():
            if not NAME_PATTERN.match(prop.name):
                raise InvalidSchema(f"{where}.{prop.name}: not a plain identifier")
            if prop.vocabulary and prop.vocabulary not in schema.vocabularies:
                raise InvalidSchema(f"{where}.{prop.name}: unknown vocabulary {prop.vocabulary!r}")
            for ref in prop.reference:
                if ref not in schema.labels:
                    raise InvalidSchema(f"{where}.{prop.name}: reference to unknown label {ref!r}")
            for other in [prop.within, prop.required_when[0] if prop.required_when else None]:
                if other is not None and other not in props:
                    raise InvalidSchema(f"{where}.{prop.name}: {other!r} is not a property beside it")
    for lb in schema.labels.values():
        if lb.sector_by is not None and lb.sector_by[0] not in schema.node_table_properties(lb.name):
            raise InvalidSchema(f"labels.{lb.name}.sector_by: {lb.sector_by[0]!r} is not one of its properties")
    for rule in schema.survey_institutions:
        unknown = (
            set(rule.levels) - set(schema.vocabularies["level"].values) if "level" in schema.vocabularies else set()
        )
        if unknown:
            raise InvalidSchema(f"survey_institutions: unknown level(s) {', '.join(sorted(unknown))}")
    tables = [lb.table for lb in schema.labels.values() if lb.table]
    if len(tables) != len(set(tables)) or {"ties", "codes"} & set(tables):
        raise InvalidSchema("table names must be unique and must not be 'ties' or 'codes'")
    for rel in schema.relationships.values():
        for end in rel.sources + rel.targets:
            if end not in schema.data_labels:
                raise InvalidSchema(f"relationships.{rel.name}: unknown endpoint label {end!r}")
        for k in rel.key:
            if k not in rel.properties:
                raise InvalidSchema(f"relationships.{rel.name}: key {k!r} is not one of its properties")
        if rel.trust not in (None, "source", "stance"):
            raise InvalidSchema(f"relationships.{rel.name}.style.trust: expected source or stance")
        kinds = rel.style.get("kinds") or {}
        kind = rel.properties.get("kind")
        allowed = schema.vocabularies[kind.vocabulary].values if kind and kind.vocabulary else ()
        for value in kinds:
            if value not in allowed:
                raise InvalidSchema(f"relationships.{rel.name}.style.kinds: {value!r} is not a value of its kind")


def parse_schema(data: dict[str, Any]) -> Schema:
    """Build and check a :class:`Schema` from parsed YAML."""
    try:
        vocabularies = {
            name: Vocabulary(name, v["description"], tuple(v["values"])) for name, v in data["vocabularies"].items()
        }
        labels = {
            name: Label(
                name=name,
                description=" ".join(spec["description"].split()),
                properties=_properties(spec.get("properties"), f"labels.{name}"),
                table=spec.get("table"),
                sector=spec.get("sector"),
                style=spec.get("style", {}),
                sector_by=_sector_by(spec.get("sector_by"), f"labels.{name}"),
            )
            for name, spec in data["labels"].items()
        }
        for name, spec in (data.get("system_labels") or {}).items():
            labels[name] = Label(
                name=name,
                description=" ".join(spec["description"].split()),
                properties=_properties(spec.get("properties"), f"system_labels.{name}"),
                system=True,
                staging=bool(spec.get("staging", False)),
            )
        relationships = {
            name: Relationship(
                name=name,
                description=" ".join(spec["description"].split()),
                sources=tuple(spec["from"]),
                targets=tuple(spec["to"]),
                properties=_properties(spec.get("properties"), f"relationships.{name}"),
                key=tuple(spec.get("key", ())),
                style=spec.get("style", {}),
                self_loops=bool(spec.get("self_loops", False)),
                flow=bool(spec.get("flow", False)),
            )
            for name, spec in data["relationships"].items()
        }
        schema = Schema(
            version=int(data["version"]),
            vocabularies=vocabularies,
            node_properties=_properties(data["node_properties"], "node_properties"),
            tie_properties=_properties(data["tie_properties"], "tie_properties"),
            provenance=_properties(data["provenance"], "provenance"),
            labels=labels,
            relationships=relationships,
            rounds={
                int(number): Round(int(number), str(spec["start"]), str(spec["end"]), str(spec.get("description", "")))
                for number, spec in (data.get("rounds") or {}).items()
            },
            survey_institutions=tuple(
                SurveyRule(
                    institution=rule.get("institution"),
                    why=str(rule.get("why", "")),
                    system=rule.get("system"),
                    levels=tuple(rule.get("level") or ()),
                )
                for rule in data.get("survey_institutions") or ()
            ),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidSchema(f"schema.yaml is malformed: {exc!r}") from exc
    _check(schema)
    return schema


@cache
def load_schema() -> Schema:
    """The schema shipped with graphmodel, parsed and checked once per process."""
    text = resources.files("graphmodel").joinpath("schema.yaml").read_text(encoding="utf-8")
    from graphmodel.headers import SAFE_LOADER

    return parse_schema(yaml.load(text, Loader=SAFE_LOADER))  # safe; libyaml's when present
