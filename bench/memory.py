"""Memory of reading and validating a package, per MB of the package on disk.

``python -m bench.memory --mb 50,200`` writes synthetic packages of about that size
(the ``medium`` preset with more provinces), then reads and validates each one in a
fresh subprocess, twice: as written (valid) and with one bad cell on the last row of
``ties.csv`` (refused at the end, as a user's package would be). Each subprocess
reports its peak resident memory (its own high-water mark, ``VmHWM``; not ``ru_maxrss``,
which on Linux starts from the parent's peak) above what it held after its imports.
What is measured is ``read_package`` then ``validate_package`` and nothing else: no
resolution, planning (claims, plan) or store. For a valid package the peak includes the
package as read (which the load keeps) and every record validation returns (which the
load plans and writes); a refused package builds no records.
With ``--tracemalloc`` each variant is run once more under :mod:`tracemalloc`, whose peak
counts Python's own allocations only (slower; the resident figure of that run is not used).
Results go to ``bench/results/memory-<sizes>mb.json`` with the machine's load average.

The goal (issue 15) is at most about 5x the package's size on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import RESULTS, log, write_result

#: Provinces of the ``medium`` preset (4 give about 25.6 MB) per MB wanted.
PROVINCES_PER_MB = 4 / 25.6

_CHILD = """
import resource, sys, time, tracemalloc
from graphmodel.errors import InvalidPackage
from graphmodel.schema import load_schema
from graphmodel.engine.validate import validate_package
from loaders.fieldwork import read_package

def peak_kib():
    # The process's own high-water mark. Not ru_maxrss: Linux carries the parent's peak into a
    # child across fork/vfork and exec, so a child started by a parent that once held more
    # (this harness, after writing a package) would report the parent's peak as its own.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

schema = load_schema()
base = peak_kib()
if sys.argv[2:] == ["trace"]:
    tracemalloc.start()
started = time.perf_counter()
package = read_package(sys.argv[1])
read_peak = peak_kib()
try:
    validate_package(package, schema)
    outcome = "valid"
except InvalidPackage as exc:
    outcome = f"refused ({len(exc.problems)} problem)"
peak = peak_kib()
traced = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else 0
print(base, read_peak, peak, traced, time.perf_counter() - started, outcome)
"""


def _package_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.csv"))


def _traced_mib(folder: Path) -> float:
    """The tracemalloc peak of reading and validating ``folder``, in MiB."""
    command = [sys.executable, "-c", _CHILD, str(folder), "trace"]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return round(int(out.stdout.split()[3]) / 2**20, 1)


def _measure(folder: Path, traced: bool = False) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(folder)], capture_output=True, text=True, check=True)
    base, read_peak, peak, _, seconds, outcome = out.stdout.split(maxsplit=5)
    size = _package_bytes(folder)
    mib = size / 2**20
    extra_read = (int(read_peak) - int(base)) / 1024
    extra = (int(peak) - int(base)) / 1024
    trace: dict[str, float] = {}
    if traced:
        trace["tracemalloc_peak_mib"] = _traced_mib(folder)
        trace["tracemalloc_per_mib_of_package"] = round(trace["tracemalloc_peak_mib"] / mib, 2)
    return {
        "package_mib": round(mib, 1),
        "outcome": outcome.strip(),
        "read_mib": round(extra_read, 1),
        "read_and_validate_mib": round(extra, 1),
        "per_mib_of_package": round(extra / mib, 2),
        "read_per_mib_of_package": round(extra_read / mib, 2),
        "seconds": round(float(seconds), 1),
        **trace,
        "load_average": os.getloadavg(),
    }


def _break_last_tie(folder: Path) -> None:
    """One bad cell on the last row of ties.csv: a round that is not a number."""
    path = folder / "ties.csv"
    data = path.read_bytes().rstrip(b"\n")
    head, _, last = data.rpartition(b"\n")
    cells = last.split(b",")
    cells[5] = b"first"  # the round column (see graphmodel.synth.TIE_COLUMNS)
    path.write_bytes(head + b"\n" + b",".join(cells) + b"\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.splitlines()[0])
    parser.add_argument("--mb", default="50,200", help="package sizes in MB, comma-separated")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--tracemalloc", action="store_true", help="also measure the tracemalloc peak (slower)")
    args = parser.parse_args(argv)
    from graphmodel.synth import scaled, write_package

    runs = []
    for mb in (int(x) for x in args.mb.split(",")):
        with tempfile.TemporaryDirectory(prefix="gm-memory-") as tmp:
            folder = Path(tmp) / f"synth-{mb}mb"
            provinces = max(1, round(mb * PROVINCES_PER_MB))
            log(f"writing a package of about {mb} MB ({provinces} provinces)")
            write_package(folder, scaled("medium", provinces=provinces), seed=0)
            for variant in ("valid", "one bad row"):
                if variant == "one bad row":
                    _break_last_tie(folder)
                result = {"target_mb": mb, "variant": variant, **_measure(folder, args.tracemalloc)}
                log(json.dumps(result))
                runs.append(result)
    path = write_result("memory", args.mb.replace(",", "-") + "mb", {"runs": runs}, args.out)
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
