"""Cells a spreadsheet could run as formulas (`=HYPERLINK(...)`, `@cmd`, `+x`), made safe in CSV
and read back: the writer gives a risky cell the spreadsheet's own text marker, a leading `'`
(`csv_safe`), and casefhir's CSV reader removes it again (`unescape_csv_cell`), so a round trip
keeps the value. Both directions live here, in one place below the readers and the writers. It
imports nothing of the project."""

from __future__ import annotations

import re

_PLAIN_NUMBER = re.compile(r"[+-]\d+(\.\d+)?")


def formula_risk(value: str) -> bool:
    """Whether a spreadsheet could read the text as a formula. A lone sign or a signed number
    (`-`, `+`, `-5`) is read as itself."""
    if value[:1] in ("=", "@", "\t", "\r"):
        return True
    return value[:1] in ("+", "-") and len(value) > 1 and not _PLAIN_NUMBER.fullmatch(value)


def csv_safe(value: str) -> str:
    return "'" + value if formula_risk(value) else value


def unescape_csv_cell(value: str) -> str:
    """The inverse of csv_safe: `'=x` → `=x` (only before a character csv_safe escapes)."""
    if value[:1] == "'" and formula_risk(value[1:]):
        return value[1:]
    return value
