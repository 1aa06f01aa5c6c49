"""Four packages that share ids, loaded at the same time, end as if loaded one after the other.

Each loader is a real ``graphmodel load`` process. The packages share a codebook, a
county department, an NGO and a tie (same values), each has its own NGO and tie, and
they disagree on one code's name. Whatever order the loads commit in, the graph must
equal the one a serial run in that order gives (the packages' ``seq`` records the order),
with every package's claims kept, on both stores, below and above the staging size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphmodel.api import load_package
from graphmodel.fingerprint import fingerprint
from graphmodel.stores.base import Store
from graphmodel.stores.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
MARKER = "__graphmodel_test_suite__"


def package(folder: Path, i: int) -> Path:
    folder.mkdir(parents=True)
    files = {
        "motivations": f"id,name\npublic_trust,Public trust\nscale,Scale (as package {i} words it)\n",
        "agencies": "id,name,system,level,province,county\n"
        "wf-county,Lu County Women's Federation,Women's Federation,county,Yunnan,Lu\n",
        "ngos": f"id,name,registration\nngo-shared,Shared NGO,ngo\nngo-{i},NGO {i},unregistered\n",
        "ties": "source,type,target,start,round,kind\n"
        "wf-county,SUPPORTS,ngo-shared,2009,1,venue\n"
        f"ngo-{i},COOPERATES_WITH,wf-county,201{i},1,\n",
    }
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def store_url(store: Store) -> str:
    return f"embedded:{store.path}" if isinstance(store, EmbeddedStore) else os.environ["NEO4J_URI"]


def wipe(store: Store) -> None:
    if isinstance(store, EmbeddedStore):
        store.delete_all()
    else:
        store.run("MATCH (n) WHERE n.id <> $marker DETACH DELETE n", {"marker": MARKER}, write=True)


IGNORE = ("loaded_at", "seq")


@pytest.mark.slow
@pytest.mark.parametrize("stage_rows", ["0", "1"], ids=["one-transaction", "staged"])
def test_four_overlapping_packages_loaded_at_once_equal_a_serial_run(
    store: Store, tmp_path: Path, stage_rows: str
) -> None:
    folders = [package(tmp_path / f"pkg{i}", i) for i in range(4)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRAPHMODEL_STAGE_ROWS": stage_rows}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "graphmodel", "load", str(f), "--store", store_url(store)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in folders
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _, err in results]
    # no duplicate node or tie
    assert store.run("MATCH (n) WITH n.id AS id, count(*) AS c WHERE c > 1 RETURN id").rows == []
    assert store.run("MATCH ()-[r]->() WITH r._key AS k, count(*) AS c WHERE c > 1 RETURN k").rows == []
    # every package's claim kept on the shared nodes and tie
    for cypher in (
        "MATCH (n:Motivation {id: 'scale'}) RETURN n._packages, n._claims",
        "MATCH (n:NGO {id: 'ngo-shared'}) RETURN n._packages, n._claims",
        "MATCH (:Agency {id: 'wf-county'})-[r:SUPPORTS]->() RETURN r._packages, r._claims",
    ):
        [(packages, claims)] = store.run(cypher).rows
        assert packages == ["pkg0", "pkg1", "pkg2", "pkg3"]
        assert sorted(json.loads(claims)) == packages
    # the order they committed in, and the graph a serial run in that order gives
    order = [
        name
        for name, _ in sorted(
            store.run("MATCH (p:Package) WHERE p.id <> $marker RETURN p.id, p.seq", {"marker": MARKER}).rows,
            key=lambda row: row[1],
        )
    ]
    assert sorted(order) == ["pkg0", "pkg1", "pkg2", "pkg3"]
    last = order[-1]
    assert store.run("MATCH (n:Motivation {id: 'scale'}) RETURN n.name").rows == [
        (f"Scale (as package {last[-1]} words it)",)
    ]
    concurrent = fingerprint(store, ignore=IGNORE)
    wipe(store)
    for name in order:
        load_package(store, tmp_path / name)
    assert fingerprint(store, ignore=IGNORE) == concurrent
