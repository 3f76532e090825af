"""What the generated narrative (converter/fhir/narrative.py) costs: `casefhir convert` with it
(the default) and with --no-narrative, each as its own process, on the published-molecular
example and a synthetic table (benchmarks/generate.py, seed 1); output bytes, median wall and
CPU seconds (user + system of the process and its workers) of --repeat runs.

    python benchmarks/bench_narrative.py --rows 10000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchmarks.bench_convert import generate  # noqa: E402
from benchmarks.measure import Run  # noqa: E402
from benchmarks.measure import run as measure  # noqa: E402

EXAMPLE = HERE.parent / "examples" / "published-molecular" / "cases.csv"
VARIANTS = {"narrative": [], "--no-narrative": ["--no-narrative"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/casefhir-bench"))
    parser.add_argument("--results", type=Path, default=HERE / "results" / "narrative.json")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    inputs = {"published-molecular": EXAMPLE, f"synthetic {args.rows:,}": generate(args.rows,
                                                                                 args.work)}
    rows = []
    for name, table in inputs.items():
        out = args.work / "narrative-out.json"
        commands = {variant: [sys.executable, "-m", "converter", "convert", str(table),
                              "--series-id", "bench", "-o", str(out), "-q", "--workers",
                              str(args.workers), *extra] for variant, extra in VARIANTS.items()}
        runs: dict[str, list[Run]] = {variant: [] for variant in VARIANTS}
        sizes: dict[str, int] = {}
        for _ in range(args.repeat):  # alternated, so a busy spell of the machine hits both
            for variant, command in commands.items():
                runs[variant].append(measure(command))
                sizes[variant] = out.stat().st_size
                out.unlink()
        measured = {variant: {
            "input": name, "variant": variant, "workers": args.workers, "runs": args.repeat,
            "bytes": sizes[variant],
            "seconds": round(statistics.median(r.seconds for r in done), 2),
            "cpu_seconds": round(statistics.median(r.cpu_seconds for r in done), 2),
            "peak_tree_mb": round(max(r.peak_tree_mb for r in done), 1)}
            for variant, done in runs.items()}
        base = measured["--no-narrative"]
        for row in measured.values():  # relative to the output without narrative
            row["bytes_ratio"] = round(row["bytes"] / base["bytes"], 3)
            row["seconds_ratio"] = round(row["seconds"] / base["seconds"], 3)
            row["cpu_ratio"] = round(row["cpu_seconds"] / base["cpu_seconds"], 3)
            rows.append(row)
            print(json.dumps(row), flush=True)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%d"), "command": " ".join(["python", *sys.argv]),
        "rows": rows}, indent=2) + "\n")
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()
