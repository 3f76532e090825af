"""What the per-column coverage of `--report` costs: `casefhir convert` of a synthetic table
(benchmarks/generate.py, seed 1) without --report, with --report --no-coverage, and with
--report (coverage counted), each as its own process; median wall time and peak memory.

    python benchmarks/bench_coverage.py --rows 10000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchmarks.bench_convert import generate  # noqa: E402
from benchmarks.measure import run as measure  # noqa: E402

VARIANTS = {"no report": [], "--report --no-coverage": ["--report", "{report}", "--no-coverage"],
            "--report (coverage)": ["--report", "{report}"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/casefhir-bench"))
    parser.add_argument("--results", type=Path, default=HERE / "results" / "coverage.json")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    table = generate(args.rows, args.work)
    report = args.work / "coverage-report.json"
    rows = []
    for name, extra in VARIANTS.items():
        command = [sys.executable, "-m", "converter", "convert", str(table), "--series-id",
                   "bench", "-o", str(args.work / "coverage-out.json"), "-q", "--workers",
                   str(args.workers), *(part.format(report=report) for part in extra)]
        runs = sorted((measure(command) for _ in range(args.repeat)), key=lambda r: r.seconds)
        run = runs[len(runs) // 2]  # the median run
        assert run.returncode == 0, command
        rows.append({"records": args.rows, "variant": name, "workers": args.workers,
                     "runs": args.repeat, "seconds": round(run.seconds, 2),
                     "cpu_seconds": round(run.cpu_seconds, 2),
                     "peak_tree_mb": round(run.peak_tree_mb, 1)})
        if name == "--report (coverage)":
            coverage = json.loads(report.read_text())["coverage"]
            rows[-1]["dropped_silently"] = sum(c["dropped_silently"] for c in coverage)
        print(json.dumps(rows[-1]), flush=True)
    # CPU seconds: on a machine shared with other work the wall time measures that work too
    for row in rows:
        row["cpu_ratio_to_no_report"] = round(row["cpu_seconds"] / rows[0]["cpu_seconds"], 2)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%d"), "command": " ".join(["python", *sys.argv]),
        "rows": rows}, indent=2) + "\n")
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()
