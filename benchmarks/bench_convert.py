"""Whole-process conversion timings at several sizes, next to the validation floor.

For each size a synthetic case series is generated (benchmarks/generate.py, seed 1), then
`casefhir convert` runs as its own process for each output shape and worker count; the median
wall time, resources per second and the peak memory of the process tree are recorded. The
baseline, measured in the same run, is the validation floor: a plain loop that only runs
fhir.resources `model_validate` over the same resources in one process. Above --floor-max
records the floor is measured per resource on that many records and scaled by the resource
count (said so in the table).

    python benchmarks/bench_convert.py --sizes 1000 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchmarks.measure import median_run  # noqa: E402

SHAPES = {"ndjson": ["-t", "ndjson"], "bundle": ["-t", "transaction"],
          "per-case": ["-t", "transaction", "--per-case"]}


def generate(rows: int, work: Path) -> Path:
    path = work / f"cases-{rows}.csv"
    if not path.exists():
        from benchmarks.generate import main as generate_main

        generate_main(["--rows", str(rows), "--seed", "1", "-o", str(path)])
    return path


def convert_command(table: Path, out: Path, shape: str, workers: int,
                    report: Path) -> list[str]:
    return [sys.executable, "-m", "converter", "convert", str(table), "--series-id", "bench",
            "-o", str(out), *SHAPES[shape], "--workers", str(workers), "-q",
            "--report", str(report), "--no-coverage"]  # conversion alone: bench_coverage.py


def floor_seconds(ndjson_dir: Path) -> tuple[float, int]:
    """Seconds for model_validate over every resource of an NDJSON folder (read first)."""
    from fhir.resources.R4B import get_fhir_model_class

    resources = [orjson.loads(line) for f in sorted(ndjson_dir.glob("*.ndjson"))
                 for line in f.read_bytes().splitlines()]
    classes = {r["resourceType"]: get_fhir_model_class(r["resourceType"]) for r in resources}
    started = time.perf_counter()
    for resource in resources:
        classes[resource["resourceType"]].model_validate(resource)
    return time.perf_counter() - started, len(resources)


def save(path: Path, rows: list[dict[str, Any]], workers: list[int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "machine": {"cpus": len(os.sched_getaffinity(0)),
                    "python": platform.python_version(), "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%d"), "command": " ".join(["python", *sys.argv]),
        "rows": rows,
        "median_ratio_by_workers": {
            str(w): statistics.median(r["ratio_to_floor"] for r in rows if r["workers"] == w)
            for w in workers if any(r["workers"] == w for r in rows)},
    }, indent=2) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing up to 10k rows")
    parser.add_argument("--floor-max", type=int, default=10000,
                        help="largest size whose floor is measured in full")
    parser.add_argument("--work", type=Path, default=Path("/tmp/casefhir-bench"))
    parser.add_argument("--results", type=Path, default=HERE / "results" / "convert.json")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    floor_per_resource: float | None = None
    for size in sorted(args.sizes):
        table = generate(size, args.work)
        repeat = args.repeat if size <= 10000 else 1
        out = args.work / f"out-{size}"
        report = args.work / "report.json"
        # the floor: on this size's own resources, or per resource from --floor-max records
        floor_note = "measured"
        if size <= args.floor_max or floor_per_resource is None:
            median_run(convert_command(table, out, "ndjson", max(args.workers), report), 1)
            seconds, count = floor_seconds(out)
            floor_per_resource = seconds / count
            shutil.rmtree(out)
        else:
            floor_note = f"scaled from {args.floor_max:,} records"
        for shape in args.shapes:
            for workers in args.workers:
                run = median_run(convert_command(table, out, shape, workers, report), repeat)
                resources = json.loads(report.read_text())["resources_total"]
                floor = floor_per_resource * resources
                rows.append({
                    "records": size, "shape": shape, "workers": workers, "runs": repeat,
                    "seconds": round(run.seconds, 3), "resources": resources,
                    "resources_per_s": round(resources / run.seconds),
                    "peak_main_mb": round(run.peak_main_mb, 1),
                    "peak_tree_mb": round(run.peak_tree_mb, 1),
                    "floor_seconds": round(floor, 3), "floor": floor_note,
                    "ratio_to_floor": round(run.seconds / floor, 3),
                })
                print(json.dumps(rows[-1]), flush=True)
                save(args.results, rows, args.workers)  # a long run keeps what it measured
                if out.is_dir():
                    shutil.rmtree(out)
                else:
                    out.unlink(missing_ok=True)
    save(args.results, rows, args.workers)
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()
