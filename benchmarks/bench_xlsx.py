"""Bounded input: every workbook of benchmarks/xlsx_corpus.py — bombs and legitimately large
tables — read by casefhir, with the seconds and the peak memory (RSS) of each.

Two measurements per workbook, each in a process of its own (peak RSS from the kernel's
accounting of that process, os.wait4):

- read: the reader alone (converter.read.tables.open_table, every row iterated);
- convert: the whole `casefhir convert FILE -o OUT --workers 1` (for bombs, the located error
  it must give, exit 1; for legitimate tables only with --convert, as converting 200,000 cases
  takes many minutes and measures the mapping, not the reader).

    python benchmarks/bench_xlsx.py                       # every case, results/xlsx.json
    python benchmarks/bench_xlsx.py --cases empty-rows legit-50k-excel --convert
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchmarks.xlsx_corpus import CASES  # noqa: E402

TARGET_SECONDS = 20
TARGET_MB = 300


def measure(command: list[str]) -> dict[str, Any]:
    """Run `command`; its wall seconds, CPU seconds, peak RSS (MB), exit code and output. The
    peak is the kernel's for that process, which keeps the RSS of the parent at the fork: this
    process stays small (the workbooks are built by another)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime +
                                                                   usage.ru_stime, 2),
                "peak_mb": round(usage.ru_maxrss / 1024, 1), "exit": process.returncode,
                "stdout": out.read().decode(errors="replace"),
                "stderr": err.read().decode(errors="replace")}


def read_only(path: str) -> None:
    """The child of the `read` measurement: every row of the table, or its InputError."""
    from converter.problems import InputError
    from converter.read.tables import open_table

    rows = 0
    try:
        for _ in open_table(path).rows:
            rows += 1
        print(json.dumps({"rows": rows}))
    except InputError as exc:
        print(json.dumps({"rows": rows, "error": exc.problems[0].render()}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", help="names from benchmarks/xlsx_corpus.py")
    parser.add_argument("--work", type=Path, help="where the workbooks are built (and kept); "
                        "default: a temporary folder, removed at the end")
    parser.add_argument("--convert", action="store_true",
                        help="also convert the legitimate tables in full")
    parser.add_argument("--results", type=Path, default=HERE / "results" / "xlsx.json")
    parser.add_argument("--read", help=argparse.SUPPRESS)  # the child process of `read`
    args = parser.parse_args(argv)
    if args.read:
        read_only(args.read)
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="casefhir-bench-xlsx-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    failures = []
    for case in CASES:
        if args.cases and case.name not in args.cases:
            continue
        path = work / f"{case.name}.xlsx"
        if not path.exists():  # built by a child: its memory would be inherited as the peak
            subprocess.run([sys.executable, str(HERE / "xlsx_corpus.py"), str(work), case.name],
                           check=True, stdout=subprocess.DEVNULL)
        read = measure([sys.executable, str(Path(__file__).resolve()), "--read", str(path)])
        outcome = json.loads(read["stdout"] or "{}")
        row: dict[str, Any] = {
            "case": case.name, "about": case.about, "file_bytes": path.stat().st_size,
            "read_seconds": read["seconds"], "read_cpu_seconds": read["cpu_seconds"],
            "read_peak_mb": read["peak_mb"], "rows_read": outcome.get("rows"),
            "refused": outcome.get("error")}
        if case.refused is not None or args.convert:
            out = work / f"{case.name}.out.json"
            convert = measure([sys.executable, "-m", "converter", "convert", str(path),
                               "--series-id", "bench", "-o", str(out), "--workers", "1", "-q",
                               "--ignore-unmapped"])
            errors = [line for line in convert["stderr"].splitlines()
                      if line.startswith("error: ")]
            row.update({"convert_seconds": convert["seconds"],
                        "convert_peak_mb": convert["peak_mb"], "convert_exit": convert["exit"],
                        "convert_first_error": errors[0][:300] if errors else None})
            out.unlink(missing_ok=True)
        expected = case.refused
        ok = (row["refused"] is None and row.get("convert_exit", 0) == 0) if expected is None \
            else (expected in (row["refused"] or "") and row["convert_exit"] == 1
                  and expected in (row["convert_first_error"] or ""))
        within = max(row["read_seconds"], row.get("convert_seconds", 0)) <= TARGET_SECONDS and \
            max(row["read_peak_mb"], row.get("convert_peak_mb", 0)) <= TARGET_MB
        row.update({"as_expected": ok, "within_target": within})
        if not ok:
            failures.append(case.name)
        rows.append(row)
        print(json.dumps(row), flush=True)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({
        "date": time.strftime("%Y-%m-%d"), "command": " ".join(["python", *sys.argv]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "target": f"any workbook under 10 MB read or refused within {TARGET_SECONDS} s and "
                  f"{TARGET_MB} MB peak RSS", "rows": rows}, indent=2) + "\n")
    if not args.work:
        shutil.rmtree(work)
    print(f"results: {args.results}")
    if failures:
        sys.exit(f"not as expected: {', '.join(failures)}")


if __name__ == "__main__":
    main()
