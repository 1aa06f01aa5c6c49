"""Large loads on the embedded store: written to its staging copy while they are still being validated.

The embedded store applies every load to a copy of the graph that replaces the live one at
the end (:class:`graphmodel.stores.base.Staging` ``COPY``), so changes are written to that copy
as validation hands records on. These tests check that a refresh leaves exactly what a fresh
load leaves, and nothing at all (no copy either) when a problem turns up late.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from graphmodel.api import load_package
from graphmodel.errors import InvalidPackage
from graphmodel.fingerprint import fingerprint
from graphmodel.sample import sample_path
from graphmodel.stores.embedded import EmbeddedStore


def older_sample(tmp_path: Path) -> Path:
    """The sample with one village more and two village names the sample changes."""
    older = tmp_path / "older"
    shutil.copytree(sample_path(), older)
    villages = (older / "villages.csv").read_text(encoding="utf-8").splitlines()
    for i in (1, 2):
        cells = villages[i].split(",")
        cells[1] += " (earlier name)"
        villages[i] = ",".join(cells)
    villages.append("vil-old-only,Old Only Village,,,,Yunnan")
    (older / "villages.csv").write_text("\n".join(villages) + "\n", encoding="utf-8")
    return older


def test_a_refresh_written_to_the_copy_leaves_what_a_fresh_load_leaves(embedded: EmbeddedStore, tmp_path: Path) -> None:
    load_package(embedded, sample_path(), name="paper")
    fresh = fingerprint(embedded, ignore=("loaded_at", "seq"))
    embedded.delete_all()
    load_package(embedded, older_sample(tmp_path), name="paper")
    refresh = load_package(embedded, sample_path(), name="paper")
    summary = {row[0]: row[1:4] for row in refresh.plan.summary()}
    assert summary["Village"] == (0, 2, 1)  # two renamed back, the extra one removed
    assert fingerprint(embedded, ignore=("loaded_at", "seq")) == fresh
    again = load_package(embedded, sample_path(), name="paper")
    assert not again.written
    assert not embedded.pending_load()


def test_a_late_problem_leaves_the_graph_and_no_staging_copy(
    embedded: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_package(embedded, older_sample(tmp_path), name="paper")
    before = fingerprint(embedded)
    bad = tmp_path / "bad"
    shutil.copytree(sample_path(), bad)
    with (bad / "ties.csv").open("a", encoding="utf-8") as fh:
        fh.write("ngo-y01,WORKS_IN,vil-nowhere,2008,,1,Y134,,,,,,,\n")
    written: list[int] = []
    with pytest.raises(InvalidPackage) as invalid:
        load_package(embedded, bad, name="paper", progress=lambda done, total: written.append(done))
    assert "vil-nowhere" in str(invalid.value.problems)
    assert written == [], "validation checks every row before it hands on a record: nothing is written"
    assert fingerprint(embedded) == before
    assert not embedded.pending_load()

    # a failure once the copy is written to (raised here after the nodes are handed on)
    import graphmodel.engine.load
    from graphmodel.errors import Problem

    real = graphmodel.engine.load.validate_in_steps

    def fails_after_the_nodes(*args: Any, **kwargs: Any) -> Any:
        steps = real(*args, **kwargs)
        yield next(steps)
        raise InvalidPackage([Problem("ties.csv", 99, "target", "target 'vil-nowhere' does not exist")])

    monkeypatch.setattr(graphmodel.engine.load, "validate_in_steps", fails_after_the_nodes)
    with pytest.raises(InvalidPackage):
        load_package(embedded, sample_path(), name="paper", progress=lambda done, total: written.append(done))
    assert written == [2], "the two renamed villages are written to the copy before the failure"
    assert fingerprint(embedded) == before
    assert not embedded.pending_load()
