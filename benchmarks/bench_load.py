"""Loading into a real HAPI FHIR server, next to a one-by-one baseline measured in the same run.

A synthetic case series (benchmarks/generate.py) is converted to one transaction Bundle per
case. The baseline posts those Bundles one by one with a plain HTTP client (urllib); casefhir
then loads the same cases (under other series ids, so every run creates the same number of new
resources) per-case in transactions with concurrency, in batches, and with bulk `$import`.
A fresh in-memory HAPI server is started (and stopped) unless --server is given; a small warm-up
load runs first so that no timing pays for the server's first requests.

    python benchmarks/bench_load.py --records 1000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from benchmarks.measure import run as run_measured  # noqa: E402


def casefhir(*args: str) -> list[str]:
    return [sys.executable, "-m", "converter", *args]


def convert(table: Path, series: str, out: Path, *shape: str) -> int:
    report = out.with_suffix(".report.json")
    subprocess.run(casefhir("convert", str(table), "--series-id", series, "-o", str(out),
                            *shape, "-q", "--report", str(report)), check=True)
    total: int = json.loads(report.read_text())["resources_total"]
    return total


def post_one_by_one(base: str, folder: Path) -> float:
    """The baseline: each Bundle file POSTed in turn with urllib, nothing else."""
    started = time.perf_counter()
    for path in sorted(folder.glob("*.json")):
        request = urllib.request.Request(base, data=path.read_bytes(), method="POST",
                                         headers={"Content-Type": "application/fhir+json"})
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")
    return time.perf_counter() - started


def start_server(work: Path) -> tuple[str, Path]:
    pidfile = work / "hapi.pid"
    done = subprocess.run([str(ROOT / "fhir-server" / "hapi"), "start", "--pidfile", str(pidfile),
                           "--log", str(work / "hapi.log")], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip().splitlines()[-1], pidfile


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--server", help="use this FHIR base URL instead of a fresh HAPI")
    parser.add_argument("--no-bulk", action="store_true", help="leave out $import")
    parser.add_argument("--warmup", type=int, default=300, help="cases loaded before timing")
    parser.add_argument("--results", type=Path, default=HERE / "results" / "load.json")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="casefhir-bench-load-"))
    base, pidfile = (args.server, None) if args.server else start_server(work)
    try:
        from benchmarks.generate import main as generate

        table = work / "cases.csv"
        generate(["--rows", str(args.records), "--seed", "3", "-o", str(table)])
        warmup = work / "warmup.csv"  # the JVM's JIT and HAPI's caches warm up over ~200 cases
        generate(["--rows", str(args.warmup), "--seed", "4", "-o", str(warmup)])
        subprocess.run(casefhir("load", str(warmup), "--series-id", "warmup", "--server", base,
                                "-q"), check=True)
        rows: list[dict[str, Any]] = []

        def record(name: str, seconds: float, resources: int, baseline: float | None,
                   peak_mb: float | None = None) -> None:
            rows.append({"method": name, "seconds": round(seconds, 2), "resources": resources,
                         "resources_per_s": round(resources / seconds),
                         "speedup_vs_baseline": round(baseline / seconds, 2) if baseline else 1.0,
                         "client_peak_mb": round(peak_mb, 1) if peak_mb else None})
            print(json.dumps(rows[-1]), flush=True)

        # the baseline runs first and again last; its mean cancels drift (JIT, database growth)
        first = work / "baseline-1"
        resources = convert(table, "bench-baseline-1", first, "--per-case", "-t", "transaction")
        baseline_first = post_one_by_one(base, first)
        print(json.dumps({"baseline_first_seconds": round(baseline_first, 2)}), flush=True)
        runs = [(f"casefhir load: a transaction per case, concurrency {c}",
                 f"bench-transaction-{c}", ["--concurrency", str(c)]) for c in args.concurrency]
        c = args.concurrency[0]
        runs += [
            (f"casefhir load: transactions of whole cases up to 100 entries, concurrency {c}",
             "bench-grouped", ["--transaction-size", "100", "--concurrency", str(c)]),
            (f"casefhir load: batches of {args.batch_size} entries, concurrency {c}",
             "bench-batch", ["--mode", "batch", "--batch-size", str(args.batch_size),
                             "--concurrency", str(c)]),
        ]
        if not args.no_bulk:
            runs.append(("casefhir load --bulk ($import)", "bench-bulk", ["--bulk"]))
        for name, series, options in runs:
            folder = work / series
            shape = ["-t", "ndjson"] if "--bulk" in options else ["--per-case", "-t",
                                                                   "transaction"]
            count = convert(table, series, folder, *shape)
            measured = run_measured(casefhir("load", str(folder), "--server", base, "-q",
                                             *options))
            rows.append({"method": name, "seconds": measured.seconds, "resources": count,
                         "client_peak_mb": measured.peak_tree_mb})
            print(json.dumps(rows[-1]), flush=True)
        last = work / "baseline-2"
        convert(table, "bench-baseline-2", last, "--per-case", "-t", "transaction")
        baseline = (baseline_first + post_one_by_one(base, last)) / 2
        measured_rows, rows = rows, []
        record("baseline: one Bundle per case, POSTed one by one (urllib; mean of a run "
               "before and after the others)", baseline, resources, None)
        for item in measured_rows:
            record(item["method"], item["seconds"], item["resources"], baseline,
                   item["client_peak_mb"])
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps({
            "date": time.strftime("%Y-%m-%d"), "records": args.records,
            "command": " ".join(["python", *sys.argv]), "server": "HAPI FHIR 8.8.0 (in-memory H2, "
            "same machine)" if not args.server else args.server, "rows": rows}, indent=2) + "\n")
        print(f"results: {args.results}")
    finally:
        if pidfile is not None:
            subprocess.run([str(ROOT / "fhir-server" / "hapi"), "stop", "--pidfile",
                            str(pidfile)], capture_output=True)


if __name__ == "__main__":
    main()
