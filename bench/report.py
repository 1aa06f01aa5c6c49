"""Markdown tables of the results in ``bench/results`` (``python -m bench.report``), for docs/performance.md."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.common import RESULTS

SIZES = ("tiny", "county", "medium", "national")


def _load(folder: Path) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for path in sorted(folder.glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        out[(body["benchmark"], body["size"])] = body
    return out


def _fmt(x: Any, digits: int = 0) -> str:
    if x is None or x == "":
        return "–"
    if isinstance(x, (int, float)):
        return f"{x:,.{digits}f}"
    return str(x)


def loader_tables(results: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    lines = ["### Loading into Neo4j (rows per second, median of the runs)", "",
             "| size | rows | graphmodel | graphmodel in one transaction | LOAD CSV | per-row loop (sampled) "
             "| py2neo bulk | vs LOAD CSV | vs per-row |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    emb = ["### Loading into the embedded store (rows per second, median of the runs)", "",
           "| size | rows | graphmodel | bare UNWIND MERGE | per-row loop (sampled) | vs bare | vs per-row |",
           "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for size in SIZES:
        body = results.get(("loader", size))
        if not body:
            continue
        n = body.get("neo4j")
        if n:
            per_row = n["rows"] / n["per_row"]["extrapolated_seconds"]
            py2neo = _fmt(n["py2neo"].get("rows_per_s")) if n["py2neo"].get("ok") else "failed"
            one = n.get("graphmodel_one_transaction")
            staged = " (staged)" if n["graphmodel"].get("staged") else ""
            lines.append(
                f"| {size} | {n['rows']:,} | {_fmt(n['graphmodel']['rows_per_s'])}{staged} "
                f"| {_fmt(one['rows_per_s']) if one else 'same'} | {_fmt(n['load_csv']['rows_per_s'])} "
                f"| {_fmt(per_row)} | {py2neo} | {n['ratios']['graphmodel_vs_load_csv']:.2f}× "
                f"| {n['ratios']['graphmodel_vs_per_row']:.1f}× |"
            )
        e = body["embedded"]
        per_row = e["rows"] / e["per_row"]["extrapolated_seconds"]
        emb.append(
            f"| {size} | {e['rows']:,} | {_fmt(e['graphmodel']['rows_per_s'])} "
            f"| {_fmt(e['bare_unwind_merge']['rows_per_s'])} | {_fmt(per_row)} "
            f"| {e['ratios']['graphmodel_vs_bare']:.2f}× | {e['ratios']['graphmodel_vs_per_row']:.1f}× |"
        )
    return [*lines, "", *emb, ""]


def query_tables(results: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    out = []
    for size in SIZES:
        body = results.get(("queries", size))
        if not body:
            continue
        out += [f"### Query library, {size} graph ({body['package']['nodes']:,} nodes, {body['package']['ties']:,} ties)",
                "", "| query:shape | embedded median ms | embedded p95 ms | Neo4j median ms | Neo4j p95 ms |",
                "|---|---:|---:|---:|---:|"]  # fmt: skip
        emb, neo = body.get("embedded", {}), body.get("neo4j", {})
        for key in sorted(set(emb) | set(neo)):
            e, n = emb.get(key, {}), neo.get(key, {})
            out.append(
                f"| {key} | {_fmt(e.get('median_ms'), 1)} | {_fmt(e.get('p95_ms'), 1)} "
                f"| {_fmt(n.get('median_ms'), 1)} | {_fmt(n.get('p95_ms'), 1)} |"
            )
        out.append("")
    return out


def metric_tables(results: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    out = ["### Metrics against igraph", "",
           "| size | access graph nodes / edges | sources | graphmodel s | igraph s | ratio | identical | graphmodel peak MiB "
           "| igraph peak MiB | brokerage s | brokerage peak MiB |",
           "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|"]  # fmt: skip
    for size in SIZES:
        body = results.get(("metrics", size))
        if not body:
            continue
        a, b = body["access_betweenness"], body["brokerage"]
        g, i = a["graphmodel"], a.get("igraph", {})
        out.append(
            f"| {size} | {a['access_graph']['nodes']:,} / {a['access_graph']['edges']:,} | {a['access_graph']['sources']:,} "
            f"| {g['median_s']:.2f} | {_fmt(i.get('median_s'), 2)} | {_fmt(a.get('ratio_time_graphmodel_over_igraph'), 2)} "
            f"| {a.get('identical', '–')} | {g['peak_mib']} | {_fmt(i.get('peak_mib'), 1)} | {b['median_s']:.2f} "
            f"| {b['peak_mib']} |"
        )
    return [*out, ""]


def view_tables(results: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    out = ["### Views", "", "| nodes | edges | build + write s | HTML MiB | usable in Chromium ms |",
           "|---:|---:|---:|---:|---:|"]  # fmt: skip
    for size in SIZES:
        body = results.get(("views", size))
        if not body:
            continue
        for v in body["views"].values():
            out.append(
                f"| {v['nodes']:,} | {v['edges']:,} | {v['median_write_s']:.2f} | {v['html_mib']:.1f} "
                f"| {_fmt(v.get('median_usable_ms'))} |"
            )
    return [*out, ""]


def national_tables(results: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    out = []
    for name, title in (
        ("national", "end to end"),
        ("national_graph", "metrics and view from the records"),
        ("national_neo4j", "loaded into Neo4j and queried"),
    ):
        body = results.get((name, "national"))
        if body:
            out += _stage_table(body, title)
    return out


def _stage_table(body: dict[str, Any], title: str) -> list[str]:
    p = body["package"]
    out = [f"### National graph, {title} ({p['nodes']:,} nodes, {p['ties']:,} ties)", "",
           "| stage | seconds | CPU s | process peak RSS MiB | store server peak RSS MiB | notes |",
           "|---|---:|---:|---:|---:|---|"]  # fmt: skip
    skip = {"stage", "seconds", "cpu_seconds", "added_peak_rss_mib", "process_peak_rss_mib", "process_rss_mib",
            "server_peak_rss_mib", "load_average", "latency_ms", "usable_ms", "browser"}  # fmt: skip
    for s in body["stages"]:
        notes = ", ".join(f"{k} {v}" for k, v in s.items() if k not in skip)
        out.append(
            f"| {s['stage']} | {s['seconds']:,.1f} | {s['cpu_seconds']:,.1f} | {s['process_peak_rss_mib']:,.0f} "
            f"| {_fmt(s.get('server_peak_rss_mib'))} | {notes} |"
        )
    if body.get("stopped"):
        out += ["", f"Stopped: {body['stopped']}."]
    return [*out, ""]


def render(folder: Path = RESULTS) -> str:
    results = _load(folder)
    parts = [*loader_tables(results), *query_tables(results), *metric_tables(results), *view_tables(results),
             *national_tables(results)]  # fmt: skip
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(render(Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS))
