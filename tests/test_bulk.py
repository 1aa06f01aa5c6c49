"""The bulk path for a first load into an empty store (graphmodel.engine.bulk), on both stores.

It must build exactly the graph the ordinary load path builds (same fingerprint: every
node and tie with its properties, provenance, claims, the package record and the graph's
format), refuse a store that holds data, and leave nothing behind when validation fails
after writing began.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from graphmodel import statements as cy
from graphmodel.api import load_package
from graphmodel.chains import DERIVED
from graphmodel.engine.load import LoadOptions
from graphmodel.errors import InvalidPackage, StoreError
from graphmodel.fingerprint import fingerprint
from graphmodel.sample import sample_path
from graphmodel.schema import load_schema
from graphmodel.stores.base import Store
from graphmodel.synth import write_package

BULK = LoadOptions(bulk=True)
ORDINARY = LoadOptions(bulk=False)


def derived_ties(store: Store) -> list[tuple[str, str, tuple[str, ...]]]:
    rows = store.run(f"MATCH (n)-[d:{DERIVED}]->(t) RETURN n.id, t.id, d.ties").rows
    return sorted((a, b, tuple(ties)) for a, b, ties in rows)


def wipe(store: Store) -> None:
    """Everything but the test suite's marker (Neo4j) goes."""
    store.run("MATCH (n) WHERE n.id <> '__graphmodel_test_suite__' DETACH DELETE n", write=True)


def data_nodes(store: Store) -> int:
    return len(store.run(cy.any_data(load_schema())).rows)


def package_ids(store: Store) -> list[str]:
    return sorted(r[0] for r in store.run("MATCH (p:Package) RETURN p.id").rows)


@pytest.fixture(params=["sample", "tiny"])
def package(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "sample":
        return sample_path()
    write_package(tmp_path / "tiny", "tiny")
    return tmp_path / "tiny"


def test_a_bulk_first_load_builds_the_graph_the_ordinary_load_builds(store: Store, package: Path) -> None:
    ordinary = load_package(store, package, name="pkg", options=ORDINARY)
    assert not ordinary.bulk
    expected = fingerprint(store)
    reaches = derived_ties(store)
    wipe(store)
    report = load_package(store, package, name="pkg", options=BULK)
    assert report.bulk and report.written
    assert fingerprint(store) == expected
    # the derived access chains (left out of the fingerprint) are the ordinary path's too
    assert derived_ties(store) == reaches and reaches
    assert report.plan.summary() == ordinary.plan.summary()
    assert len(report.plan.create) == len(ordinary.plan.create) > 0
    # nothing provisional is left on the package record
    assert store.run("MATCH (p:Package {id: 'pkg'}) RETURN p.incomplete").rows == [(None,)]
    # a reload of the same package finds nothing to change, and a second package loads the ordinary way
    again = load_package(store, package, name="pkg")
    assert not again.written and again.plan.changes == 0


def test_without_bulk_a_large_first_load_picks_the_bulk_path_a_later_one_does_not(store: Store) -> None:
    automatic = LoadOptions(bulk_rows=1)
    first = load_package(store, sample_path(), name="one", options=automatic)
    second = load_package(store, sample_path(), name="two", options=automatic)
    assert first.bulk and first.written
    assert not second.bulk and second.written
    assert package_ids(store)[-2:] == ["one", "two"]
    small = LoadOptions(bulk_rows=10**9)
    wipe(store)
    assert not load_package(store, sample_path(), name="one", options=small).bulk


def test_bulk_is_refused_when_the_store_holds_data(store: Store) -> None:
    load_package(store, sample_path(), name="first")
    before = fingerprint(store)
    with pytest.raises(StoreError) as refused:
        load_package(store, sample_path(), name="second", options=BULK)
    assert "--bulk is for a first load into an empty store" in str(refused.value)
    assert "load without --bulk" in str(refused.value)
    assert fingerprint(store) == before


def test_a_problem_found_after_bulk_writing_began_leaves_the_store_as_it_was(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graphmodel.engine.load
    from graphmodel.errors import Problem

    before = fingerprint(store)
    real = graphmodel.engine.load.validate_in_steps
    written: list[int] = []

    def steps_after_the_nodes_are_written(*args: Any, **kwargs: Any) -> Any:
        # validation checks every row before it hands on a record: the problem is raised here
        # once the nodes are handed on, as a failure after writing began
        steps = real(*args, **kwargs)
        yield next(steps)  # the nodes, handed to the bulk session
        time.sleep(0.5)  # the writers send them meanwhile
        written.append(data_nodes(store))
        raise InvalidPackage([Problem("ties.csv", 99, "target", "target 'vil-nowhere' does not exist")])

    monkeypatch.setattr(graphmodel.engine.load, "validate_in_steps", steps_after_the_nodes_are_written)
    with pytest.raises(InvalidPackage) as invalid:
        load_package(store, sample_path(), name="paper", options=BULK)
    assert "vil-nowhere" in str(invalid.value.problems)
    assert written, "validation should have gone on after the nodes were handed on"
    assert fingerprint(store) == before
    assert data_nodes(store) == 0 and "paper" not in package_ids(store)
    if store.description.startswith("embedded:"):
        assert not store.pending_load()  # type: ignore[attr-defined]
    else:  # Neo4j's bulk writes are live as they go: the nodes were there, and were removed
        assert written[0] > 0


def test_an_embedded_bulk_load_is_on_disk_when_it_reports_success(tmp_path: Path) -> None:
    """The server killed right after the load: the restarted one holds the same graph (GRAPH.BULK is logged)."""
    import os
    import signal

    from graphmodel.stores.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "graph")
    try:
        assert load_package(store, sample_path(), name="pkg", options=BULK).bulk
        expected = fingerprint(store)
        pid = store.server_pid()
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
    finally:
        store.close()
    with EmbeddedStore(tmp_path / "graph") as again:
        assert fingerprint(again) == expected
