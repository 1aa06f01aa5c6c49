"""The schema: complete, consistent, and the generated docs are current."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from graphmodel.docs import render_schema
from graphmodel.errors import InvalidSchema
from graphmodel.schema import load_schema, parse_schema

ROOT = Path(__file__).resolve().parent.parent


def test_required_names_exist() -> None:
    schema = load_schema()
    for label in ("NGO", "Agency", "Village", "School", "Funder", "Interview", "Motivation"):
        assert label in schema.labels
    expected = {
        "SPONSORS": (("Agency",), ("NGO",)),
        "APPROVES": (("Agency",), ("NGO",)),
        "SUPERVISES": (("Agency",), ("Agency", "Village", "School")),
        "COOPERATES_WITH": (("NGO",), ("Agency",)),
        "WORKS_IN": (("NGO",), ("Village", "School")),
        "WITH": (("Interview",), ("NGO", "Agency")),
        "MENTIONS": (("Interview",), ("Motivation",)),
    }
    for name, (sources, targets) in expected.items():
        rel = schema.relationships[name]
        assert (rel.sources, rel.targets) == (sources, targets)
    assert set(schema.relationships["FUNDS"].sources) >= {"Funder", "Agency"}
    assert {"Village", "School"} <= set(schema.relationships["MOBILIZES"].targets)
    assert schema.relationships["MOBILIZES"].properties["on_behalf_of"].reference == ("NGO",)
    kinds = schema.vocabularies[schema.relationships["SUPPORTS"].properties["kind"].vocabulary or ""].values
    assert set(kinds) == {"information", "technical", "venue", "equipment", "personnel", "coordination", "registration"}
    assert schema.vocabularies["level"].values == (
        "national",
        "province",
        "prefecture",
        "county",
        "township",
        "village",
    )
    assert set(schema.tie_properties) >= {"start", "end", "round", "evidence"}


def test_everything_is_described() -> None:
    schema = load_schema()
    for label in schema.labels.values():
        assert label.description
        assert all(p.description for p in label.properties.values())
    for rel in schema.relationships.values():
        assert rel.description
        assert all(p.description for p in rel.properties.values())


def _raw() -> dict:
    return yaml.safe_load((ROOT / "graphmodel" / "schema.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["relationships"]["SPONSORS"].update({"from": ["Ghost"]}), "unknown endpoint label 'Ghost'"),
        (lambda d: d["labels"]["NGO"]["properties"]["scope"].update({"vocabulary": "nope"}), "unknown vocabulary"),
        (lambda d: d["labels"]["NGO"]["properties"]["scope"].update({"type": "colour"}), "unknown property type"),
        (lambda d: d["labels"]["NGO"]["properties"]["scope"].pop("description"), "description is required"),
        (lambda d: d["relationships"].update({"BAD NAME": d["relationships"]["SPONSORS"]}), "not a plain identifier"),
        (lambda d: d["relationships"]["ACCEPTS"]["style"]["kinds"].update({"delight": {}}), "not a value of its kind"),
        (lambda d: d["relationships"]["VOUCHES_FOR"]["style"].update({"trust": "faith"}), "expected source or stance"),
        (lambda d: d["tie_properties"]["stated_by"].update({"within": "proof"}), "'proof' is not a property beside it"),
        (lambda d: d["node_properties"]["stated_by"].update({"required_when": "basis"}), "expected {property: value}"),
    ],
)
def test_broken_schema_is_refused(change, message: str) -> None:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(_raw())
    change(data)
    with pytest.raises(InvalidSchema, match=message):
        parse_schema(data)


def test_generated_schema_doc_is_current() -> None:
    current = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    assert current == render_schema(load_schema()), (
        "docs/schema.md is stale: run `graphmodel schema --write docs/schema.md`"
    )
