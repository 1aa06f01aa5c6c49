"""Resolution: precision and recall on the labelled set, and candidate generation on a synthetic package.

``python -m bench.resolve --size national`` prints precision and recall at several
thresholds (the default threshold marked), then writes the synthetic package of that size,
reads its node tables (ties are not needed to find duplicates), and times candidate
generation with its peak memory. Results go to ``bench/results/resolve-<size>.json``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import RESULTS, Stages, log, write_result

THRESHOLDS = (70.0, 75.0, 80.0, 85.0, 90.0, 95.0)


def labelled_packages(synthetic: str = "tiny", seed: int = 0) -> list[Any]:
    """The packages the labelled set is built from: the paper's sample and a synthetic package."""
    from graphmodel.sample import sample_path
    from graphmodel.synth import write_package
    from loaders.fieldwork import read_package

    with tempfile.TemporaryDirectory(prefix="gm-labelled-") as tmp:
        write_package(tmp, synthetic, seed=seed)
        return [read_package(sample_path()), read_package(tmp, name="synth")]


def quality(seed: int = 0, synthetic: str = "tiny") -> list[dict[str, Any]]:
    """Precision and recall on the labelled set at each threshold, printed as a table."""
    from graphmodel.resolve import DEFAULT_THRESHOLD
    from graphmodel.resolve.labelled import build_labelled_set, evaluate

    labelled = build_labelled_set(labelled_packages(synthetic, seed), seed=seed)
    rows = []
    print(f"labelled set: {len(labelled.actors):,} actors, {len(labelled.true_pairs()):,} true pairs (seed {seed})")
    print("threshold  precision  recall  false+  false-")
    for threshold in sorted({*THRESHOLDS, DEFAULT_THRESHOLD}):
        q = evaluate(labelled, threshold)
        mark = "  <- default" if threshold == DEFAULT_THRESHOLD else ""
        print(
            f"{threshold:9.0f}  {q.precision:9.4f}  {q.recall:6.4f}  {q.false_positives:6d}  {q.false_negatives:6d}{mark}"
        )
        rows.append({**q.__dict__, "default": threshold == DEFAULT_THRESHOLD})
    return rows


def timing(size: str, tmp: Path, seed: int = 0, workers: int = 1) -> dict[str, Any]:
    """Generate the package, read its node tables, and find candidates; wall time and peak memory per stage."""
    from graphmodel.resolve import MatchStats, actor_labels, actors_from_package, find_candidates
    from graphmodel.schema import load_schema
    from graphmodel.synth import write_package
    from loaders.fieldwork import read_package

    schema = load_schema()
    stages = Stages()
    package = tmp / f"synth-{size}"
    with stages.stage("generate") as rec:
        rec["package"] = write_package(package, size, seed=seed).as_dict()
    nodes = tmp / "nodes"
    nodes.mkdir()
    for label in actor_labels(schema):
        table = schema.labels[label].table
        (nodes / f"{table}.csv").symlink_to(package / f"{table}.csv")
    with stages.stage("read_node_tables") as rec:
        raw = read_package(nodes, name=f"synth-{size}")
        rec["rows"] = sum(len(t.rows) for t in raw.tables.values())
    with stages.stage("actors") as rec:
        actors = actors_from_package(raw, schema)
        del raw
        rec["actors"] = len(actors)
    stats = MatchStats()
    scores: Counter[int] = Counter()
    by_label: Counter[str] = Counter()
    with stages.stage("candidates", workers=workers) as rec:
        for candidate in find_candidates(actors, stats=stats, workers=workers):
            scores[int(candidate.score // 5 * 5)] += 1
            by_label[candidate.keep.label] += 1
        rec.update(stats.__dict__)
    return {
        "stages": stages.stages,
        "candidates_by_label": dict(sorted(by_label.items())),
        "candidates_by_score_band": {f"{k}-{k + 5}": v for k, v in sorted(scores.items())},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.resolve", description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="county", choices=["tiny", "county", "medium", "national"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="rapidfuzz threads (the machine is shared)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-timing", action="store_true", help="quality only")
    args = parser.parse_args(argv)
    payload: dict[str, Any] = {"quality": quality(args.seed)}
    if not args.no_timing:
        with tempfile.TemporaryDirectory(prefix="gm-resolve-") as tmp:
            log(f"candidate generation on the {args.size} package")
            payload["timing"] = timing(args.size, Path(tmp), seed=args.seed, workers=args.workers)
    path = write_result("resolve", args.size, payload, args.out)
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
