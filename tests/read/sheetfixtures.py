"""The seed table (examples/kobayashi-2023/cases.csv) as a spreadsheet would hold it: numbers
as numbers, text as text, empty cells empty."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES, ROOT

SEED = EXAMPLES / "kobayashi-2023" / "cases.csv"


def seed_rows(path: Path = SEED) -> list[list[str | int | float | None]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    typed: list[list[str | int | float | None]] = [list(rows[0])]
    for row in rows[1:]:
        typed.append([int(v) if v.isdigit() else (v or None) for v in row])
    return typed


_MEASURE = """
import sys, time
from converter.problems import InputError
from converter.read.tables import open_table
started = time.perf_counter()
try:
    count = sum(1 for _ in open_table(sys.argv[1]).rows)
    outcome = f"read {count}"
except InputError as exc:
    outcome = exc.problems[0].render()
# the peak of this process's own memory (ru_maxrss would include the forking parent's)
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(round(time.perf_counter() - started, 2), peak // 1024, outcome)
"""


def measure(path: Path) -> tuple[float, int, str]:
    """Seconds and peak MB of reading `path` whole, in a process of its own, and the outcome."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True,
                          text=True, cwd=ROOT, check=True)
    seconds, megabytes, outcome = done.stdout.split(" ", 2)
    return float(seconds), int(megabytes), outcome.strip()
