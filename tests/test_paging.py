"""Paged library queries: a first page, a cursor, and every page together equal to the whole result.

The paper sample is loaded into both stores once for this module; each paged query is read
page by page with small pages (so a page ends inside one anchor's rows as well as between
anchors) and must give, on both stores, the same pages and in the end exactly the rows of
the unpaged call, in the same order.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from graphmodel.errors import QueryError
from graphmodel.queries import library, run_query
from graphmodel.sample import sample_path
from graphmodel.stores.base import Result, Store

CASES: list[tuple[str, dict[str, Any]]] = [
    ("as_of", {"date": "2011"}),
    ("as_of", {"date": "2019-06-15"}),
    ("evidence", {}),
    ("evidence", {"type": "MOBILIZES"}),
    ("round_changes", {}),
    ("round_changes", {"system": "Communist Party"}),
    ("mediated_reach", {}),
    ("trust_sources", {}),
    ("trust_sources", {"basis": "stated"}),
    ("trust_trajectory", {}),
    ("funding_flows", {}),
    ("funding_flows", {"through_government": False}),
    ("sponsors_and_approvals", {}),
    ("sponsors_and_approvals", {"round": 1}),
    ("resolve_actors", {}),
    ("resolve_actors", {"labels": ["Village", "School"]}),
]


def pages(store: Store, name: str, params: dict[str, Any], size: int) -> list[Result]:
    """Every page of a query, following the cursors."""
    out: list[Result] = []
    after = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while True:
            page = run_query(store, name, params, page_size=size, after=after)
            out.append(page)
            if page.more is None:
                return out
            assert len(page.rows) == size
            after = page.more
            assert len(out) < 1000, "the cursors do not advance"


def test_the_paged_queries() -> None:
    assert {name for name, q in library().items() if q.page} == {name for name, _ in CASES}


@pytest.mark.parametrize(("name", "params"), CASES, ids=lambda v: v if isinstance(v, str) else repr(v))
@pytest.mark.parametrize("size", [4, 40])
def test_pages_add_up_to_the_whole_result_on_both_stores(
    both: tuple[Store, Store], name: str, params: dict[str, Any], size: int
) -> None:
    embedded, neo4j = both
    whole = run_query(embedded, name, params, page_size=None)
    assert whole.complete
    assert len(whole.rows) > 4, "the case must need more than one small page"
    ours, theirs = pages(embedded, name, params, size), pages(neo4j, name, params, size)
    assert [(p.rows, p.more) for p in ours] == [(p.rows, p.more) for p in theirs]
    assert [row for page in ours for row in page.rows] == whole.rows
    assert all(p.columns == whole.columns for p in ours)
    assert len(ours) == -(-len(whole.rows) // size)


def test_a_first_page_says_more_rows_follow(both: tuple[Store, Store]) -> None:
    embedded, _ = both
    with pytest.warns(UserWarning, match="first 5 rows of a larger result"):
        page = run_query(embedded, "evidence", {}, page_size=5)
    assert len(page.rows) == 5 and page.more
    assert not page.complete and "--all" in page.note and page.more in page.note


def test_an_anchored_call_is_not_paged(both: tuple[Store, Store]) -> None:
    embedded, _ = both
    whole = run_query(embedded, "evidence", {"ngo": "ngo-y04"}, page_size=None)
    assert len(whole.rows) > 2
    one = run_query(embedded, "evidence", {"ngo": "ngo-y04"}, page_size=2)
    assert one.rows == whole.rows and one.complete
    with pytest.raises(QueryError, match="no next page"):
        run_query(embedded, "evidence", {"ngo": "ngo-y04"}, after="ngo-y04~1")


def test_a_bad_cursor_or_size_is_refused(both: tuple[Store, Store]) -> None:
    embedded, _ = both
    with pytest.raises(QueryError, match="not a page cursor"):
        run_query(embedded, "evidence", {}, after="ngo-y04")
    with pytest.raises(QueryError, match="at least 1"):
        run_query(embedded, "evidence", {}, page_size=0)


def test_a_cursor_past_the_end_gives_an_empty_complete_page(both: tuple[Store, Store]) -> None:
    embedded, neo4j = both
    for db in (embedded, neo4j):
        page = run_query(db, "evidence", {}, after="zzzz~1")
        assert page.rows == [] and page.complete
        assert page.columns == run_query(db, "evidence", {"ngo": "ngo-y04"}).columns


def test_the_cli_pages_and_says_so(tmp_path: Any) -> None:
    import json

    from typer.testing import CliRunner

    from graphmodel.cli import app

    runner, url = CliRunner(), f"embedded:{tmp_path / 'graph'}"
    assert runner.invoke(app, ["load", str(sample_path()), "--store", url]).exit_code == 0
    every = runner.invoke(app, ["query", "evidence", "--store", url, "--format", "json", "--all"])
    assert every.exit_code == 0, every.output
    whole = json.loads(every.stdout)
    assert "larger result" not in every.stderr
    got: list[Any] = []
    after: list[str] = []
    while True:
        page = runner.invoke(
            app, ["query", "evidence", "--store", url, "--format", "json", "--page-size", "60", *after]
        )
        assert page.exit_code == 0, page.output
        got += json.loads(page.stdout)
        said = " ".join(page.stderr.split())  # as printed, without the terminal's line breaks
        if "larger result" not in said:
            break
        assert "first 60 rows of a larger result; the next page: --after '" in said
        after = ["--after", said.split("--after '")[1].split("'")[0]]
    assert got == whole and len(whole) > 120
    redacted = runner.invoke(
        app, ["query", "evidence", "--store", url, "--page-size", "5", "--redact-key", str(tmp_path / "k"), "--redact"]
    )
    assert redacted.exit_code == 0, redacted.output
    said = " ".join(redacted.stderr.split())
    assert "first 5 rows of a larger result; --all for every row" in said and "~" not in said


def test_the_shell_pages(both: tuple[Store, Store], capsys: pytest.CaptureFixture[str]) -> None:
    from graphmodel.shell import Shell

    embedded, _ = both
    shell = Shell(embedded, fmt="csv", timing=False)
    shell.execute(":page 3")
    shell.execute(":param date=2011")
    shell.execute(":run as_of")
    first = capsys.readouterr()
    assert "first 3 rows of a larger result: :more for the next page" in first.err
    shell.execute(":more")
    second = capsys.readouterr()
    shell.execute(":all")
    every = capsys.readouterr()
    lines = every.out.splitlines()
    assert first.out.splitlines() + second.out.splitlines()[1:] == lines[:7]
    assert "larger result" not in every.err


@pytest.mark.parametrize("name", ["funding_flows", "sponsors_and_approvals"])
def test_ngo_pages_are_the_one_ngo_calls_in_ngo_order(both: tuple[Store, Store], name: str) -> None:
    # Every row of a query paged by NGO is each NGO's own call (not paged: found from the NGO's id
    # index, one statement) in NGO id order, on both stores; the pages add up to it (above).
    for db in both:
        every = run_query(db, name, {}, page_size=None)
        ngos = sorted(r[0] for r in db.run("MATCH (n:NGO) RETURN n.id").rows)
        one_by_one = [row for ngo in ngos for row in run_query(db, name, {"ngo": ngo}).rows]
        assert every.rows == one_by_one and len({r[every.columns.index("ngo")] for r in every.rows}) > 10


@pytest.mark.parametrize("labels", [None, ["Agency"], ["Village", "School"], ["Interview", "Funder"], []])
def test_resolve_actors_pages_read_every_node_of_the_labels(both: tuple[Store, Store], labels: Any) -> None:
    # Every node of the labels, tied or not (interviews too when named), once, in id order: the ids a
    # plain match over the labels gives, with nothing left out by the anchor listing.
    params = {} if labels is None else {"labels": labels}
    wanted = library()["resolve_actors"].bind(params)["labels"]
    embedded, neo4j = both
    every = run_query(embedded, "resolve_actors", params, page_size=None)
    ids = [
        r[0]
        for r in embedded.run(
            "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) AND NOT n:Staged RETURN n.id ORDER BY n.id",
            {"labels": wanted},
        ).rows
    ]
    assert [r[0] for r in every.rows] == ids and (len(ids) > 4 or labels == [])
    assert run_query(neo4j, "resolve_actors", params, page_size=None).rows == every.rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = run_query(embedded, "resolve_actors", params, page_size=3)
    assert first.rows == every.rows[:3] and (first.more is not None) == (len(ids) > 3)
