"""The analyst's daily use of the command line: one store per project, ad-hoc Cypher, the shell,
names with - or _, output formats, the README followed from a fresh clone (issue 16). Runs on the
embedded store."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from graphmodel import __version__
from graphmodel.cli import app
from graphmodel.settings import PROJECT_FILE, Settings

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the working folder, with no store named in the environment."""
    for name in ("GRAPHMODEL_STORE", "NEO4J_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def loaded(runner: CliRunner, tmp_path: Path) -> str:
    url = f"embedded:{tmp_path / 'graph'}"
    result = runner.invoke(app, ["load", str(FIXTURES / "mini"), "--store", url])
    assert result.exit_code == 0, result.output
    return url


# ------------------------------------------------------------------------ one store per project


def test_settings_precedence(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text('store = "embedded:data/g"\n', encoding="utf-8")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    from_file = Settings.load(cwd=sub, env={})
    assert (from_file.store, from_file.store_from) == (f"embedded:{tmp_path}/data/g", str(tmp_path / PROJECT_FILE))
    assert Settings.load(cwd=sub, env={"NEO4J_URI": "bolt://h:1"}).store == "bolt://h:1"
    assert Settings.load(cwd=sub, env={"NEO4J_URI": "bolt://h:1", "GRAPHMODEL_STORE": "embedded:x"}).store == (
        "embedded:x"
    )
    assert Settings.load("embedded:y", cwd=sub, env={"GRAPHMODEL_STORE": "embedded:x"}).store == "embedded:y"


def test_use_writes_the_project_store_that_later_commands_read(runner: CliRunner, project: Path) -> None:
    assert runner.invoke(app, ["load", str(FIXTURES / "mini"), "--store", "embedded:stores/main"]).exit_code == 0
    used = runner.invoke(app, ["use", "embedded:stores/main"])
    assert used.exit_code == 0, used.output
    assert (project / PROJECT_FILE).read_text(encoding="utf-8") == 'store = "embedded:stores/main"\n'
    (project / "notes").mkdir()
    os.chdir(project / "notes")  # a subfolder finds the project file above it
    shown = runner.invoke(app, ["use"])
    assert f"embedded:{project}/stores/main" in shown.stdout
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 0 and "ngo-a" not in status.stdout and "mini" in status.stdout


def test_use_refuses_credentials_in_the_uri(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(app, ["use", "bolt://neo4j:secret@127.0.0.1:7687"])
    assert result.exit_code == 1 and "must not carry credentials" in result.stderr
    assert not (project / PROJECT_FILE).exists()


def test_neo4j_uri_is_honoured(runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    assert "bolt://127.0.0.1:1  (from NEO4J_URI)" in runner.invoke(app, ["use"]).stdout


def test_reading_a_missing_store_fails_without_creating_it(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(app, ["query", "motivations", "--store", "embedded:typo"])
    assert result.exit_code == 1 and "there is no embedded store at typo" in result.stderr
    assert not (project / "typo").exists()
    assert runner.invoke(app, ["status"]).exit_code == 1  # the default store holds nothing yet either
    assert not (project / ".graphmodel").exists()


def test_reading_an_empty_store_warns(runner: CliRunner, project: Path) -> None:
    from graphmodel.stores.embedded import EmbeddedStore

    with EmbeddedStore(project / "empty") as store:
        store.run("CREATE (:Village {id: 'v'})", write=True)
        store.run("MATCH (n) DELETE n", write=True)
    result = runner.invoke(app, ["cypher", "MATCH (n) RETURN count(n) AS n", "--store", "embedded:empty"])
    assert result.exit_code == 0 and "warning: the graph in embedded:empty is empty" in result.stderr


def test_neo4j_local_keeps_its_state_in_the_checkout_whatever_the_working_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GRAPHMODEL_NEO4J_HOME"}
    said = []
    for cwd in (ROOT, tmp_path):
        done = subprocess.run(
            [str(ROOT / "scripts" / "neo4j-local"), "status"], cwd=cwd, env=env, capture_output=True, text=True
        )
        assert done.returncode in (0, 3), done.stderr  # running or stopped
        said.append(done.stdout)
    assert said[0] == said[1] and f"state {ROOT / '.graphmodel' / 'neo4j-local'})" in said[0]


def _cli(cwd: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GRAPHMODEL_STORE", "NEO4J_URI")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "graphmodel", *args],
        cwd=cwd,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_demo_fills_the_store_later_commands_read(tmp_path: Path) -> None:
    demo = _cli(tmp_path, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "the store later commands use" in demo.stdout
    query = _cli(tmp_path, "query", "motivations", "--format", "csv")
    assert query.returncode == 0, query.stderr
    assert "all,public_trust,Public trust,公众信任,14,22,63.6" in query.stdout  # Table 3: 14 of the 22 NGOs


def test_demo_keeps_to_its_own_store_when_the_project_store_holds_other_packages(tmp_path: Path) -> None:
    assert _cli(tmp_path, "load", str(FIXTURES / "mini")).returncode == 0
    demo = _cli(tmp_path, "demo")
    assert demo.returncode == 0, demo.stderr
    demo_store = f"embedded:{tmp_path / '.graphmodel' / 'demo'}"
    assert f"add --store {demo_store} or run: graphmodel use {demo_store}" in " ".join(demo.stdout.split())
    mine = _cli(tmp_path, "status")
    assert "paper" not in mine.stdout and "mini" in mine.stdout


def test_status_shows_the_lingering_server_and_stop_stops_it(
    runner: CliRunner, loaded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphmodel.stores.embedded import EmbeddedStore
    from graphmodel.stores.falkordb_server import server_state

    folder = loaded.removeprefix("embedded:")
    monkeypatch.setenv("GRAPHMODEL_LINGER", "30")
    first = runner.invoke(app, ["status", "--store", loaded])
    assert first.exit_code == 0, first.output
    said = " ".join(first.stdout.split())
    assert "server: started by this command" in said and "stays up 30 s after the last command" in said
    state = server_state(folder)
    assert state is not None and state["linger"] == 30  # left running for the next command
    second = runner.invoke(app, ["status", "--store", loaded])
    assert f"server: already running (pid {state['pid']})" in " ".join(second.stdout.split())
    with EmbeddedStore(folder, linger=30):  # another command still uses it: not stopped under its feet
        busy = runner.invoke(app, ["stop", "--store", loaded])
    assert busy.exit_code == 1 and "in use by another command" in " ".join(busy.stderr.split())
    stopped = runner.invoke(app, ["stop", "--store", loaded])
    assert stopped.exit_code == 0 and "stopped the server of" in stopped.stdout, stopped.output
    assert server_state(folder) is None
    stat = Path(f"/proc/{state['pid']}/stat")
    assert not stat.exists() or stat.read_text().split(")")[-1].split()[0] == "Z"  # gone (or a zombie to reap)
    again = runner.invoke(app, ["stop", "--store", loaded])
    assert again.exit_code == 0 and "no server runs" in again.stdout
    monkeypatch.setenv("GRAPHMODEL_LINGER", "0")
    cold = runner.invoke(app, ["status", "--store", loaded])  # the graph was saved by stop
    assert "mini" in cold.stdout and "stopped after it (linger 0)" in " ".join(cold.stdout.split())
    assert server_state(folder) is None
    neo4j = runner.invoke(app, ["stop", "--store", "bolt://127.0.0.1:1"])
    assert neo4j.exit_code == 1 and "scripts/neo4j-local stop" in " ".join(neo4j.stderr.split())


# ------------------------------------------------------------------------------- ad-hoc Cypher


def test_cypher_with_parameters_and_from_standard_input(runner: CliRunner, loaded: str) -> None:
    given = runner.invoke(
        app, ["cypher", "MATCH (n:NGO {id: $id}) RETURN n.name AS name", "-p", "id=ngo-a", "-s", loaded, "-f", "json"]
    )
    assert given.exit_code == 0, given.output
    assert [r["name"] for r in json.loads(given.stdout)] != []
    piped = runner.invoke(
        app, ["cypher", "-s", loaded, "-f", "csv", "-p", "n=1"], input="MATCH (n:NGO)\nRETURN n.id AS id\nLIMIT $n\n"
    )
    assert piped.exit_code == 0, piped.output
    assert piped.stdout.splitlines()[0] == "id" and len(piped.stdout.splitlines()) == 2


def test_cypher_stays_read_only(runner: CliRunner, loaded: str) -> None:
    result = runner.invoke(app, ["cypher", "CREATE (:NGO {id: 'x'})", "-s", loaded])
    assert result.exit_code == 1
    count = runner.invoke(app, ["cypher", "MATCH (n:NGO {id: 'x'}) RETURN count(n) AS n", "-s", loaded, "-f", "csv"])
    assert count.stdout.splitlines() == ["n", "0"]


def test_a_plain_cypher_file_runs_with_parameters_from_its_names(
    runner: CliRunner, loaded: str, tmp_path: Path
) -> None:
    mine = tmp_path / "my-own.cypher"
    mine.write_text("// NGOs by province\nMATCH (n:NGO) WHERE n.province = $province\nRETURN n.id AS id\n")
    result = runner.invoke(app, ["query", str(mine), "-p", "province=Yunnan", "-s", loaded, "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "id" and "ngo-a" in result.stdout
    missing = runner.invoke(app, ["query", str(mine), "-s", loaded])
    assert missing.exit_code == 1 and "needs parameter 'province'" in missing.stderr


def test_unknown_ids_in_parameters_warn(runner: CliRunner, loaded: str) -> None:
    result = runner.invoke(app, ["query", "access-paths", "-p", "ngo=ngo-nope", "-s", loaded])
    assert result.exit_code == 0
    assert "no NGO has the id 'ngo-nope' (parameter ngo)" in result.stderr
    known = runner.invoke(app, ["query", "access_paths", "-p", "ngo=ngo-a", "-s", loaded])
    assert "warning" not in known.stderr


# ---------------------------------------------------------------------------------- conventions


def test_version_and_short_help(runner: CliRunner) -> None:
    assert runner.invoke(app, ["--version"]).stdout.strip() == f"graphmodel {__version__}"
    assert "Usage" in runner.invoke(app, ["-h"]).stdout
    assert "Usage" in runner.invoke(app, ["query", "-h"]).stdout


def test_names_with_dash_or_underscore_and_did_you_mean(runner: CliRunner, loaded: str) -> None:
    assert "Usage" in runner.invoke(app, ["load_qda", "-h"]).stdout
    typo = runner.invoke(app, ["querys"])
    assert typo.exit_code == 2 and "did you mean 'query'" in typo.output.lower()
    query = runner.invoke(app, ["query", "motivation", "-s", loaded])
    assert query.exit_code == 1 and "did you mean 'motivations'" in query.stderr
    metric = runner.invoke(app, ["metrics", "degree_by_type", "-s", loaded, "-f", "json"])
    assert metric.exit_code == 0, metric.output
    wrong = runner.invoke(app, ["metrics", "brokrage", "-s", loaded])
    assert "did you mean 'brokerage'" in wrong.stderr


def test_metrics_have_names_labels_sorting_and_top(runner: CliRunner, loaded: str) -> None:
    everything = json.loads(runner.invoke(app, ["metrics", "degree-by-type", "-s", loaded, "-f", "json"]).stdout)
    assert list(everything[0])[:3] == ["node", "name", "label"]
    assert all(r["name"] and r["label"] for r in everything)
    column = "out_MENTIONS"  # interviews mention motivations: 0 for every other node
    result = runner.invoke(
        app, ["metrics", "degree_by_type", "-s", loaded, "-f", "json", "--sort", column, "--top", "2"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 2
    assert rows[0][column] == max(r[column] for r in everything) > 0
    assert rows[0][column] >= rows[1][column]
    assert [r["node"] for r in everything] == sorted(r["node"] for r in everything)  # default: by node


def test_csv_with_bom_and_xlsx(runner: CliRunner, loaded: str, tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    runner.invoke(app, ["query", "motivations", "-s", loaded, "-f", "csv", "--bom", "-o", str(out)])
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "公信力".encode() in raw
    book = tmp_path / "m.xlsx"
    result = runner.invoke(app, ["query", "motivations", "-s", loaded, "-f", "xlsx", "-o", str(book)])
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(book).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("group", "motivation") and any(r[3] == "公信力" for r in rows[1:])
    no_file = runner.invoke(app, ["query", "motivations", "-s", loaded, "-f", "xlsx"])
    assert no_file.exit_code == 1 and "--output" in no_file.stderr


def test_piped_tables_are_not_cut_to_80_columns(tmp_path: Path) -> None:
    result = _cli(tmp_path, "queries")
    assert result.returncode == 0
    assert max(len(line) for line in result.stdout.splitlines()) > 120


def test_progress_is_plain_log_lines_when_not_a_terminal(tmp_path: Path) -> None:
    result = _cli(tmp_path, "load", str(FIXTURES / "mini"), "--store", f"embedded:{tmp_path / 'g'}")
    assert result.returncode == 0, result.stderr
    assert "writing rows: " in result.stderr and "(100%)" in result.stderr


# ------------------------------------------------------------------------------------- shell


def test_shell_runs_statements_commands_and_library_queries(runner: CliRunner, loaded: str) -> None:
    script = "\n".join(
        [
            ":param id=ngo-a",
            "MATCH (n:NGO {id: $id})",
            "RETURN n.id AS id;",
            ":params",
            ":format csv",
            ":run motivations by=province",
            "RETURN $missing;",
            "MATCH (n) RETURN nonsense(n);",
            ":queries",
            ":exit",
            "RETURN 'after exit' AS x;",
        ]
    )
    result = runner.invoke(app, ["shell", "-s", loaded], input=script)
    assert result.exit_code == 0, result.output
    assert "ngo-a" in result.stdout and "id = 'ngo-a'" in result.stdout
    assert "group,motivation,name" in result.stdout  # the library query, as CSV
    assert "set $missing first" in result.stderr
    assert "error:" in result.stderr  # a bad statement reports and the shell goes on
    assert "gatekeepers:" in result.stdout  # :queries
    assert "after exit" not in result.stdout
    assert result.stderr.count(" in ") >= 2 and " ms" in result.stderr  # timing per statement


# ----------------------------------------------------------------------------------- notebook


def test_notebook_magic_returns_a_dataframe_with_parameters_from_variables(loaded: str) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    try:
        ip.run_line_magic("load_ext", "graphmodel")
        ip.run_line_magic("graphmodel_store", loaded)
        ip.user_ns["province"] = "Yunnan"
        frame = ip.run_cell_magic("cypher", "df", "MATCH (n:NGO) WHERE n.province = $province RETURN n.id AS id")
        assert list(frame["id"]) == list(ip.user_ns["df"]["id"]) and "ngo-a" in list(frame["id"])
        table3 = ip.run_line_magic("cypher", "--query motivations")
        assert {"motivation", "ngos"} <= set(table3.columns)
    finally:
        ip.run_line_magic("graphmodel_store", "embedded:" + str(Path(loaded.removeprefix("embedded:")).parent / "x"))
        InteractiveShell.clear_instance()


def test_constants_the_cli_keeps_for_a_fast_start_match_the_library() -> None:
    from graphmodel.commands import metrics as cli_metrics
    from graphmodel.export import EXPORT_FORMATS
    from graphmodel.metrics.access import MODES

    assert (cli_metrics.MODES, cli_metrics.EXPORT_FORMATS) == (MODES, EXPORT_FORMATS)


def test_startup_benchmark_runs_at_tiny_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import __main__ as bench_main

    monkeypatch.delenv("NEO4J_URI", raising=False)
    args = ["--size", "tiny", "--only", "startup", "--out", str(tmp_path), "--no-neo4j", "--runs", "1"]
    assert bench_main.main(args) == 0
    body = json.loads((tmp_path / "startup-tiny.json").read_text())
    for name in ("help", "queries", "point_query_cold", "point_query_warm"):
        assert body[name]["median_s"] > 0 and len(body[name]["runs_s"]) == 1 and body[name]["load_average"]
    assert body["point_query_open_store"]["median_ms"] > 0


# ------------------------------------------- the README, from a fresh clone to one's own query
# As a new user follows it (issue 16's "done when"): the demo, the commands it says to try next,
# one's own query (a plain .cypher file, then the shell) and the Python quick start; every command
# line is read from README.md itself, not copied here.

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The README's text under the heading ``title``, up to the next heading of any level."""
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ )", README, re.S | re.M)
    assert match, f"README.md has no section {title!r}"
    return match[1]


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, re.S | re.M)


def _readme_line(project: Path, line: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run one README command line (``graphmodel …`` or ``.venv/bin/graphmodel …``) in ``project``."""
    words = shlex.split(line.split(" # ")[0])
    assert Path(words[0]).name == "graphmodel", line
    return _cli(project, *words[1:], input=stdin)


@pytest.fixture(scope="module")
def readme_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh project folder after the README's install command's last step, ``graphmodel demo``."""
    folder = tmp_path_factory.mktemp("readme-project")
    install = _blocks(_section("Install and run the demo"), "sh")[0]
    demo = install.split("&&")[-1].strip()
    assert demo.endswith("graphmodel demo"), install
    done = _readme_line(folder, demo)
    assert done.returncode == 0, done.stderr
    assert "64%" in done.stdout  # Table 3: public trust, 14 of the 22 NGOs
    return folder


def test_the_commands_the_readme_says_to_try_after_the_demo(readme_project: Path) -> None:
    tries = [line for line in _blocks(_section("Install and run the demo"), "sh")[1].splitlines() if line.strip()]
    assert len(tries) == 3 and tries[-1].endswith("graphmodel shell")
    motivations, cypher, shell = tries
    done = _readme_line(readme_project, motivations + " --format csv")
    assert done.returncode == 0 and "public_trust" in done.stdout, done.stderr
    done = _readme_line(readme_project, cypher + " --format csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("tie,other") and len(done.stdout.splitlines()) > 2  # ngo-y01 has ties
    done = _readme_line(readme_project, shell, stdin="MATCH (n:NGO)\nRETURN count(n) AS ngos;\n:exit\n")
    assert done.returncode == 0, done.stderr
    assert re.search(r"\b22\b", done.stdout), done.stdout  # the sample's 22 core NGOs


def test_my_own_query_file_as_the_tour_shows_it(readme_project: Path) -> None:
    line = next(line for line in _section("A short tour of the CLI").splitlines() if "my-own.cypher" in line)
    (readme_project / "my-own.cypher").write_text(
        "// no header: the parameters are the $names used\n"
        "MATCH (n:NGO {id: $ngo})-[:SPONSORS|SUPERVISES|APPROVES]-(a:Agency)\n"
        "RETURN a.name AS agency ORDER BY agency\n",
        encoding="utf-8",
    )
    done = _readme_line(readme_project, line)
    assert done.returncode == 0, done.stderr
    assert '"agency"' in done.stdout and "ngo-y01" not in done.stderr  # JSON rows; no unknown-id warning


def test_the_python_quick_start_runs(readme_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (code,) = _blocks(_section("From Python and notebooks"), "python")[:1]
    for name in ("GRAPHMODEL_STORE", "NEO4J_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(readme_project)
    scope: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), scope)  # the README's own example, as a user pastes it
    table3, dependence = scope["table3"], scope["dependence"]
    assert len(table3) > 0 and len(dependence) == 22  # type: ignore[arg-type]
