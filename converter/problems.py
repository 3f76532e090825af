"""Problems as values: what went wrong (or looks doubtful), and exactly where in the input."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# What a message must not print raw: control characters (a header holding ESC [2J would clear the
# terminal), bidirectional overrides (which reorder the text shown) and lone surrogates.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with unprintable characters written as escapes (\\x1b, \\u202e)."""
    if text.isascii() and text.isprintable():
        return text
    return _UNPRINTABLE.sub(lambda m: ascii(m.group())[1:-1], text)


def shorten(text: str, limit: int = 40) -> str:
    """A header or key as a message names it: a 30,000-character header is not repeated whole
    in every message about its column."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and the noun in the number it takes: "1 error", "2 errors", "1,204 cases",
    "1 series" (`plural` where adding an s is wrong)."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Location:
    """A place in an input file. `row_kind` says how `row` counts: spreadsheet/CSV rows (the
    header is row 1), JSON array records (1-based) or NDJSON lines."""

    file: str
    row: int | None = None
    column: str | None = None  # "C (Age (y))" for tables, the key for JSON
    row_kind: str = "row"

    def render(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"{self.row_kind} {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Problem:
    severity: Severity
    message: str
    location: Location | None = None
    value: str | None = None
    case_id: str | None = None

    def render(self) -> str:
        where = f"{self.location.render()}: " if self.location else ""
        shown = ""
        if self.value is not None:
            value = self.value if len(self.value) <= 80 else self.value[:77] + "..."
            shown = f" (value {value!r})"
        return printable(f"{self.severity}: {where}{self.message}{shown}")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"severity": str(self.severity), "message": self.message}
        if self.location:
            data["file"] = self.location.file
            if self.location.row is not None:
                data[self.location.row_kind] = self.location.row
            if self.location.column:
                data["column"] = self.location.column
        if self.value is not None:
            data["value"] = self.value
        if self.case_id is not None:
            data["case"] = self.case_id
        return data


def error(message: str, location: Location | None = None, value: str | None = None) -> Problem:
    return Problem(Severity.ERROR, message, location, value)


def warning(message: str, location: Location | None = None, value: str | None = None) -> Problem:
    return Problem(Severity.WARNING, message, location, value)


class InputError(Exception):
    """Input that cannot be read at all (missing file, wrong encoding, no header...).

    Carries problems with locations; the CLI renders them and exits 1, never a traceback.
    """

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(p.render() for p in problems))
        self.problems = list(problems)
