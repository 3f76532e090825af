"""What every table reader produces: rows of text cells, each cell knowing its file, row and
column (Cell, CellNote, RawRow, Table), and the few helpers all readers share to open a file and
name it, its columns and its values in messages."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, NamedTuple

from converter.problems import InputError, Location, Severity, error, shorten


class Cell(NamedTuple):  # a tuple: a table has millions, made faster than a frozen dataclass
    header: str  # the header text as written
    label: str  # how a message names the column: "C (Age (y))" or a JSON key
    value: str | None  # None: empty


@dataclass(frozen=True, slots=True)
class CellNote:
    """What a reader found wrong (or doubtful) in one cell of a row that can otherwise be read:
    a formula without a saved value, a merged range, a nested JSON value."""

    column: str | None  # the column label; None: the whole row
    message: str
    severity: Severity = Severity.ERROR


@dataclass(frozen=True, slots=True)
class RawRow:
    number: int
    cells: tuple[Cell, ...]
    error: str | None = None  # a row that cannot be read at all (ragged, broken JSON ...)
    notes: tuple[CellNote, ...] = ()

    def is_blank(self) -> bool:
        return self.error is None and not self.notes and all(c.value is None for c in self.cells)


@dataclass(frozen=True)
class ReadPosition:
    """How far a reader has got through its input, for a progress display: `done()` of `total`
    `unit`s (bytes of the file; for XLSX, unpacked bytes of the sheet); a reader that cannot
    tell (standard input from a pipe) gives none. `done` is cheap (a tell, a counter) but is
    asked only when a display redraws."""

    unit: str  # "bytes" or "records"
    total: int
    done: Callable[[], int] = field(repr=False)


def file_position(handle: IO[bytes]) -> ReadPosition | None:
    """The position in a regular file (standard input redirected from one too); None for a
    pipe, a terminal or anything whose size is not known."""
    try:
        info = os.fstat(handle.fileno())
        start = handle.tell()
    except (OSError, ValueError, AttributeError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None

    def done() -> int:
        try:
            return handle.tell() - start
        except (OSError, ValueError):  # closed at the end of the rows
            return info.st_size - start

    return ReadPosition("bytes", max(info.st_size - start, 0), done)


@dataclass
class Table:
    """A readable table: its name for messages, how rows are counted, and the row stream."""

    name: str
    row_kind: str  # "row" (CSV/XLSX rows), "record" (JSON array), "line" (NDJSON)
    headers: list[tuple[str, str]]  # (text, label) known up front; NDJSON adds keys as it goes
    rows: Iterator[RawRow] = field(repr=False)
    header_row: int | None = 1  # the row holding the headers (None: JSON keys)
    position: ReadPosition | None = field(default=None, repr=False, compare=False)

    def location(self, row: int | None = None, column: str | None = None) -> Location:
        return Location(self.name, row, column, self.row_kind)


def display_name(path: str) -> str:
    """The file as messages and reports name it: `<stdin>` for `-`; bytes of a file name that
    are not UTF-8 shown as U+FFFD (they could not be printed or written to JSON)."""
    if path == "-":
        return "<stdin>"
    # no file's path is longer than PATH_MAX (4,096 bytes); a longer argument is shortened
    return shorten(path.encode("utf-8", "surrogateescape").decode("utf-8", "replace"), 4096)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def open_binary(path: str) -> IO[bytes]:
    """The file (or standard input, for `-`) as bytes; a missing or unreadable file is an
    InputError naming it."""
    if path == "-":  # streamed, as a file is (the readers peek rather than seek)
        from converter.read import stdin

        return stdin.binary()
    name = display_name(path)
    try:
        return Path(path).open("rb")
    except FileNotFoundError:
        raise InputError(error("no such file", Location(name))) from None
    except IsADirectoryError:
        raise InputError(error("is a directory, not a file", Location(name))) from None
    except PermissionError:
        raise InputError(error("permission denied", Location(name))) from None
    except OSError as exc:
        raise InputError(error(f"cannot be read ({exc.strerror})", Location(name))) from None


def read_bytes(path: str) -> bytes:
    with open_binary(path) as handle:
        try:
            return handle.read()
        except OSError as exc:
            raise InputError(error(f"cannot be read ({exc.strerror})",
                                   Location(display_name(path)))) from None


def cell_text(value: Any) -> str | None:
    """A spreadsheet or JSON scalar as the text a person would read."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)  # the record schema refuses it with a located message
        return format(value, ".15g")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    text = str(value).strip()
    return text or None
