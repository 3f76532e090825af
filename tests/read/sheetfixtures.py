"""The seed table (examples/kobayashi-2023/cases.csv) as a spreadsheet would hold it: numbers
as numbers, text as text, empty cells empty."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.conftest import EXAMPLES

SEED = EXAMPLES / "kobayashi-2023" / "cases.csv"


def seed_rows(path: Path = SEED) -> list[list[str | int | float | None]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    typed: list[list[str | int | float | None]] = [list(rows[0])]
    for row in rows[1:]:
        typed.append([int(v) if v.isdigit() else (v or None) for v in row])
    return typed
