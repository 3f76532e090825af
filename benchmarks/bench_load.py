"""Loading into a real HAPI FHIR server, next to a one-by-one baseline measured in the same run.

A synthetic case series (benchmarks/generate.py) is converted to one transaction Bundle per
case. The baseline posts those Bundles one by one with a plain HTTP client (urllib). casefhir
then loads the same cases with concurrency (a transaction per case), in batches, and with bulk
`$import`. Every method gets a fresh HAPI server of its own (the launcher's defaults) warmed up
with the same small load, so that no method pays for the JVM's warm-up or for a database the
others have filled.

    python benchmarks/bench_load.py --records 1000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from benchmarks.measure import run as run_measured  # noqa: E402

HAPI = ROOT / "fhir-server" / "hapi"


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
    for path in sorted(folder.glob("[!.]*.json")):  # not casefhir's hidden manifest or parts
        request = urllib.request.Request(base, data=path.read_bytes(), method="POST",
                                         headers={"Content-Type": "application/fhir+json"})
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")
    return time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def on_fresh_server(work: Path, warmup: Path,
                    measure: Callable[[str], Any]) -> tuple[Any, float]:
    """Start a HAPI server, load the warm-up cases, measure; the measurement and the server's
    CPU seconds during it. Stops the server."""
    pidfile = work / "hapi.pid"
    started = subprocess.run([str(HAPI), "start", "--pidfile", str(pidfile), "--log",
                              str(work / "hapi.log")], capture_output=True, text=True, check=True)
    base = started.stdout.strip().splitlines()[-1]
    pid = int(pidfile.read_text().split()[0])
    try:
        subprocess.run(casefhir("load", str(warmup), "--server", base, "-q"), check=True)
        before = cpu_seconds(pid)
        result = measure(base)
        return result, cpu_seconds(pid) - before
    finally:
        subprocess.run([str(HAPI), "stop", "--pidfile", str(pidfile)], capture_output=True)


def server_figures(server_cpu: float, seconds: float, resources: int) -> dict[str, float]:
    """How busy the server was: CPU ms per resource, and cores in use on average."""
    return {"server_cpu_ms_per_resource": round(1000 * server_cpu / resources, 2),
            "server_cores_busy": round(server_cpu / seconds, 2)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--transaction-sizes", type=int, nargs="*", default=[100],
                        help="also load with transactions of up to this many entries (whole "
                             "cases), at the highest concurrency")
    parser.add_argument("--warmup", type=int, default=200, help="cases loaded before timing")
    parser.add_argument("--no-bulk", action="store_true", help="leave out $import")
    parser.add_argument("--no-batch", action="store_true", help="leave out batch mode")
    parser.add_argument("--results", type=Path, default=HERE / "results" / "load.json")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="casefhir-bench-load-"))
    from benchmarks.generate import main as generate

    table = work / "cases.csv"
    generate(["--rows", str(args.records), "--seed", "3", "-o", str(table)])
    warmup_table = work / "warmup.csv"
    generate(["--rows", str(args.warmup), "--seed", "4", "-o", str(warmup_table)])
    warmup = work / "warmup"
    convert(warmup_table, "warmup", warmup, "--per-case", "-t", "transaction")
    bundles = work / "cases"
    resources = convert(table, "bench", bundles, "--per-case", "-t", "transaction")
    ndjson = work / "ndjson"
    convert(table, "bench", ndjson, "-t", "ndjson")

    baseline, server_cpu = on_fresh_server(work, warmup,
                                           lambda base: post_one_by_one(base, bundles))
    rows: list[dict[str, Any]] = [{
        "method": "baseline: one transaction Bundle per case, POSTed one by one (urllib)",
        "seconds": round(baseline, 2), "resources": resources,
        "resources_per_s": round(resources / baseline), "speedup_vs_baseline": 1.0,
        "client_peak_mb": None, **server_figures(server_cpu, baseline, resources)}]
    print(json.dumps(rows[-1]), flush=True)
    methods = [(f"casefhir load: a transaction per case, concurrency {c}", bundles,
                ["--concurrency", str(c)]) for c in args.concurrency]
    methods += [(f"casefhir load: transactions of up to {size} entries (whole cases), "
                 f"concurrency {max(args.concurrency)}", bundles,
                 ["--transaction-size", str(size), "--concurrency", str(max(args.concurrency))])
                for size in args.transaction_sizes]
    if not args.no_batch:
        methods.append((f"casefhir load: batches of {args.batch_size} entries, concurrency "
                        f"{args.concurrency[0]}", bundles,
                        ["--mode", "batch", "--batch-size", str(args.batch_size),
                         "--concurrency", str(args.concurrency[0])]))
    if not args.no_bulk:
        methods.append(("casefhir load --bulk ($import)", ndjson, ["--bulk"]))
    for name, source, options in methods:
        def load_command(base: str, source: Path = source, options: list[str] = options) -> Any:
            return run_measured(casefhir("load", str(source), "--server", base, "-q", *options))

        measured, server_cpu = on_fresh_server(work, warmup, load_command)
        rows.append({"method": name, "seconds": round(measured.seconds, 2),
                     "resources": resources,
                     "resources_per_s": round(resources / measured.seconds),
                     "speedup_vs_baseline": round(baseline / measured.seconds, 2),
                     "client_peak_mb": round(measured.peak_tree_mb, 1),
                     "client_cpu_ms_per_resource": round(1000 * measured.cpu_seconds / resources,
                                                         2),
                     **server_figures(server_cpu, measured.seconds, resources)})
        print(json.dumps(rows[-1]), flush=True)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({
        "date": time.strftime("%Y-%m-%d"), "records": args.records,
        "command": " ".join(["python", *sys.argv]),
        "server": "HAPI FHIR 8.8.0 from fhir-server/ (in-memory H2, -Xmx1536m, same machine), "
                  f"a fresh one per method, warmed up with {args.warmup} cases",
        "rows": rows}, indent=2) + "\n")
    shutil.rmtree(work)  # kept when a method fails: its server log is there
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()
