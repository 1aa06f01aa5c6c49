"""Large loads on the embedded store: written to its staging copy while they are still being validated.

The embedded store applies a load to a copy of the graph that replaces the live one at the
end, so a package of ``GRAPHMODEL_STAGE_ROWS`` rows or more is written to that copy as
validation hands records on. These tests force that path on the sample and check that it
leaves exactly what the one-piece path leaves, and nothing at all when a problem turns up late.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graphmodel.errors import InvalidPackage
from graphmodel.fingerprint import fingerprint
from graphmodel.load import STAGE_ROWS_ENV, load_package
from graphmodel.sample import sample_path
from graphmodel.stores.embedded import STAGING_NAME, EmbeddedStore


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


def test_writing_ahead_leaves_what_the_one_piece_load_leaves(
    embedded: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older = older_sample(tmp_path)
    prints = {}
    for threshold in ("0", "1"):  # never, then always written ahead
        monkeypatch.setenv(STAGE_ROWS_ENV, threshold)
        embedded.delete_all()
        first = load_package(embedded, older, name="paper")
        assert first.staged is (threshold == "1")
        older_print = fingerprint(embedded)
        refresh = load_package(embedded, sample_path(), name="paper")
        summary = {row[0]: row[1:4] for row in refresh.plan.summary()}
        assert summary["Village"] == (0, 2, 1)  # two renamed back, the extra one removed
        again = load_package(embedded, sample_path(), name="paper")
        assert not again.written and not again.staged
        prints[threshold] = (older_print, fingerprint(embedded))
    assert prints["0"] == prints["1"]
    assert not embedded._db.client.exists(STAGING_NAME)


def test_a_late_problem_leaves_the_graph_and_no_staging_copy(
    embedded: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_package(embedded, older_sample(tmp_path), name="paper")
    before = fingerprint(embedded)
    bad = tmp_path / "bad"
    shutil.copytree(sample_path(), bad)
    with (bad / "ties.csv").open("a", encoding="utf-8") as fh:
        fh.write("ngo-y01,WORKS_IN,vil-nowhere,2008,,1,Y134,,,,,,,\n")
    monkeypatch.setenv(STAGE_ROWS_ENV, "1")
    written: list[int] = []
    with pytest.raises(InvalidPackage) as invalid:
        load_package(embedded, bad, name="paper", progress=lambda done, total: written.append(done))
    assert "vil-nowhere" in str(invalid.value.problems)
    assert written == [2], "the two renamed villages are written to the copy before the ties are checked"
    assert fingerprint(embedded) == before
    assert not embedded._db.client.exists(STAGING_NAME)
