"""Peak memory of `casefhir load` on an NDJSON folder (one file per resource type, so every
case spans every file and has to be grouped): the client's peak RSS and seconds, for a dry run
and, with --hapi, for a real load into a fresh HAPI FHIR server.

A synthetic case series (benchmarks/generate.py) is converted with `-t ndjson`; --records 4200
gives about 100,000 NDJSON lines. --code DIR runs another checkout's converter (e.g. the one
before grouping went through an on-disk index) against the same folder, for a before/after.

    python benchmarks/bench_load_memory.py --records 4200
    HAPI_JAVA_OPTS=-Xmx4g python benchmarks/bench_load_memory.py --records 4200 --hapi \
        --code /tmp/before     # (git archive 0672854 converter mappings | tar -x -C /tmp/before)

100,000 resources fill HAPI's in-memory database past the launcher's default heap (1.5 GB):
the server then spends its time collecting garbage, hence the larger one.
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
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HAPI = ROOT / "fhir-server" / "hapi"
# `python -m converter` from a given checkout: an editable install's import hook would
# otherwise find this checkout's converter first, whatever PYTHONPATH says
BOOT = ("import runpy, sys; sys.meta_path[:] = [f for f in sys.meta_path if not "
        "getattr(f, '__module__', '').startswith('__editable__')]; sys.path.insert(0, {code!r}); "
        "runpy.run_module('converter', run_name='__main__')")


def measure(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Wall seconds and peak RSS of the process (the kernel's count, os.wait4, which starts
    from this process's size at the fork: this one stays small)."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({code}):\n"
                               f"{err.read().decode(errors='replace')[-2000:]}")
        return {"seconds": round(seconds, 2), "peak_mb": round(usage.ru_maxrss / 1024, 1),
                "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=4200)
    parser.add_argument("--hapi", action="store_true", help="also load into a fresh HAPI server")
    parser.add_argument("--code", type=Path, action="append", default=[],
                        help="another checkout to measure too (its converter/ and mappings/)")
    parser.add_argument("--results", type=Path, default=HERE / "results" / "load-memory.json")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="casefhir-bench-load-memory-"))
    table, ndjson = work / "cases.csv", work / "ndjson"
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--rows", str(args.records),
                    "--seed", "3", "-o", str(table)], check=True)
    subprocess.run([sys.executable, "-m", "converter", "convert", str(table), "--series-id",
                    "bench", "-t", "ndjson", "-o", str(ndjson), "-q"], check=True, cwd=ROOT)
    lines = 0
    for path in ndjson.glob("*.ndjson"):  # counted a line at a time: this process stays small,
        with path.open("rb") as handle:  # as its children's peak includes its size at the fork
            lines += sum(1 for _ in handle)
    rows: list[dict[str, Any]] = []
    for code in [ROOT, *args.code]:
        env = dict(os.environ)
        command = [sys.executable, "-c", BOOT.format(code=str(code.resolve())), "load",
                   str(ndjson), "-q"]
        label = "this checkout" if code == ROOT else str(code)
        dry = measure([*command, "--dry-run"], env)
        rows.append({"code": label, "load": "--dry-run", **dry})
        print(json.dumps(rows[-1]), flush=True)
        if args.hapi:
            pidfile = work / "hapi.pid"
            started = subprocess.run([str(HAPI), "start", "--pidfile", str(pidfile), "--log",
                                      str(work / "hapi.log")], capture_output=True, text=True,
                                     check=True)
            base = started.stdout.strip().splitlines()[-1]
            try:
                real = measure([*command, "--server", base, "--transaction-size", "100"], env)
            finally:
                subprocess.run([str(HAPI), "stop", "--pidfile", str(pidfile)],
                               capture_output=True)
            rows.append({"code": label, "load": "into HAPI, --transaction-size 100", **real})
            print(json.dumps(rows[-1]), flush=True)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({
        "date": time.strftime("%Y-%m-%d"), "records": args.records, "ndjson_lines": lines,
        "command": " ".join(["python", *sys.argv]),
        "input": "casefhir convert -t ndjson of benchmarks/generate.py (seed 3): one NDJSON "
                 "file per resource type", "rows": rows}, indent=2) + "\n")
    shutil.rmtree(work)
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()
