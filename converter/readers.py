"""Input files → rows of text cells, each cell knowing its file, row and column.

Formats: CSV and TSV (delimiter detected from the header), XLSX (first sheet or a chosen one;
cached values only, formulas are never evaluated), JSON (an array of objects) and NDJSON (one
object per line). Text files are UTF-8 with or without a BOM unless `encoding` says otherwise.
Rows are produced lazily, so a large file is never held in memory (JSON arrays excepted).
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

import orjson

from converter.problems import InputError, Location, error
from converter.tablewrite import unescape_csv_cell

FORMATS = ("csv", "tsv", "xlsx", "json", "ndjson")
_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "csv", ".xlsx": "xlsx",
             ".xlsm": "xlsx", ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson"}
MAX_FIELD_CHARS = 1_000_000  # csv module limit; longer cells are refused by the record schema


@dataclass(frozen=True, slots=True)
class Cell:
    header: str  # the header text as written
    label: str  # how a message names the column: "C (Age (y))" or a JSON key
    value: str | None  # None: empty


@dataclass(frozen=True, slots=True)
class RawRow:
    number: int
    cells: tuple[Cell, ...]
    error: str | None = None  # a row that cannot be read (ragged, nested JSON ...)

    def is_blank(self) -> bool:
        return self.error is None and all(c.value is None for c in self.cells)


@dataclass
class Table:
    """A readable table: its name for messages, how rows are counted, and the row stream."""

    name: str
    row_kind: str  # "row" (CSV/XLSX, header is row 1), "record" (JSON array), "line" (NDJSON)
    headers: list[tuple[str, str]]  # (text, label) known up front; NDJSON adds keys as it goes
    rows: Iterator[RawRow] = field(repr=False)

    def location(self, row: int | None = None, column: str | None = None) -> Location:
        return Location(self.name, row, column, self.row_kind)


def detect_format(path: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    suffix = Path(path).suffix.casefold()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    raise InputError(error(
        f"cannot tell the format from the name; pass --format ({', '.join(FORMATS)})",
        Location(path)))


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _open_binary(path: str) -> IO[bytes]:
    """The file (or standard input, for `-`) as bytes; a missing or unreadable file is an
    InputError naming it."""
    if path == "-":
        return io.BytesIO(sys.stdin.buffer.read())
    try:
        return Path(path).open("rb")
    except FileNotFoundError:
        raise InputError(error("no such file", Location(path))) from None
    except IsADirectoryError:
        raise InputError(error("is a directory, not a file", Location(path))) from None
    except PermissionError:
        raise InputError(error("permission denied", Location(path))) from None


def _read_bytes(path: str) -> bytes:
    with _open_binary(path) as handle:
        return handle.read()


def _encoding_error(name: str, raw: IO[bytes], encoding: str) -> InputError:
    """Find the first undecodable byte and say where it is and what to do."""
    raw.seek(0)
    head = raw.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return InputError(error(
            "is UTF-16 text; save it as UTF-8 or pass --encoding utf-16", Location(name)))
    raw.seek(0)
    for number, line in enumerate(raw, start=1):
        try:
            line.decode(encoding)
        except UnicodeDecodeError as exc:
            byte = line[exc.start]
            return InputError(error(
                f"is not {encoding} text: byte 0x{byte:02X} at character {exc.start + 1} of line "
                f"{number}. Save the file as UTF-8, or pass --encoding cp1252 (or latin-1) if that "
                "is what it is", Location(name, number, None, "line")))
    return InputError(error(f"is not {encoding} text", Location(name)))


def _text_lines(name: str, raw: IO[bytes], encoding: str) -> Iterator[str]:
    codec = "utf-8-sig" if encoding.replace("_", "-").casefold() in ("utf-8", "utf8") else encoding
    stream = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="")
    try:
        yield from stream
    except UnicodeDecodeError:
        raise _encoding_error(name, raw, encoding if codec != "utf-8-sig" else "UTF-8") from None
    except LookupError:
        raise InputError(error(f"unknown encoding {encoding!r}", Location(name))) from None


def _sniff_delimiter(header_line: str, fmt: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return "\t" if fmt == "tsv" else ","
    return best


def read_delimited(path: str, fmt: str, encoding: str = "utf-8",
                   delimiter: str | None = None) -> Table:
    name = "<stdin>" if path == "-" else path
    raw = _open_binary(path)
    lines = _text_lines(name, raw, encoding)
    try:
        first = next(lines)
    except StopIteration:
        raise InputError(error("is empty: no header row", Location(name))) from None
    sep = delimiter or _sniff_delimiter(first, fmt)
    csv.field_size_limit(MAX_FIELD_CHARS)

    def all_lines() -> Iterator[str]:
        yield first
        yield from lines

    line_numbers = _LineCounter(all_lines())
    reader = csv.reader(line_numbers, delimiter=sep)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(error(f"cannot read the header: {exc}", Location(name, 1))) from None
    headers = _header_labels([h.strip() for h in header], name)

    def rows() -> Iterator[RawRow]:
        while True:
            start = line_numbers.count + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield RawRow(start, (), f"cannot read this row: {exc}")
                continue
            if not any(v.strip() for v in values):
                continue
            problem = None
            if len(values) != len(headers):
                problem = (f"has {len(values)} cells but the header has {len(headers)}; "
                           "check for a missing or extra delimiter or an unquoted "
                           f"{_delimiter_name(sep)} inside a value")
            # a leading ' before = + - @ is a spreadsheet's "this is text" mark (casefhir
            # flatten writes it against formula injection); the value is what follows it
            cells = tuple(
                Cell(h, label, unescape_csv_cell(v.strip()) or None)
                for (h, label), v in zip(headers, values, strict=False)
            )
            yield RawRow(start, cells, problem)

    return Table(name, "row", headers, rows())


def _delimiter_name(sep: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab"}.get(sep, repr(sep))


class _LineCounter:
    """Counts physical lines handed to csv.reader, so rows report where they start."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.count = 0

    def __iter__(self) -> _LineCounter:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        return line


def _header_labels(texts: list[str], name: str) -> list[tuple[str, str]]:
    if not any(texts):
        raise InputError(error("the header row is empty", Location(name, 1)))
    labels = []
    for index, text in enumerate(texts):
        letter = column_letter(index)
        labels.append((text, f"{letter} ({text})" if text else letter))
    return labels


def _cell_text(value: Any) -> str | None:
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


def read_xlsx(path: str, sheet: str | None = None) -> Table:
    import zipfile

    from openpyxl import load_workbook

    name = "<stdin>" if path == "-" else path
    data = io.BytesIO(_read_bytes(path))
    try:
        workbook = load_workbook(data, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(error(f"is not a readable XLSX workbook ({exc})", Location(name))) from None
    names = workbook.sheetnames
    if sheet is None:
        worksheet = workbook[names[0]]
        sheet_name = names[0]
    elif sheet in names:
        worksheet, sheet_name = workbook[sheet], sheet
    elif sheet.isdigit() and 1 <= int(sheet) <= len(names):
        sheet_name = names[int(sheet) - 1]
        worksheet = workbook[sheet_name]
    else:
        raise InputError(error(
            f"has no sheet {sheet!r}; its sheets are {', '.join(map(repr, names))}", Location(name)))
    display = f"{name} [{sheet_name}]"
    iterator = worksheet.iter_rows(values_only=True)
    first_row = worksheet.min_row or 1
    first_col = (worksheet.min_column or 1) - 1
    header: tuple[Any, ...] | None = None
    header_row = first_row
    for offset, values in enumerate(iterator):
        if any(_cell_text(v) for v in values):
            header, header_row = values, first_row + offset
            break
    if header is None:
        raise InputError(error("the sheet is empty: no header row", Location(display)))
    texts = [_cell_text(v) or "" for v in header]
    headers = [
        (text, f"{column_letter(first_col + i)} ({text})" if text else column_letter(first_col + i))
        for i, text in enumerate(texts)
    ]

    def rows() -> Iterator[RawRow]:
        for offset, values in enumerate(iterator, start=header_row + 1):
            cells = tuple(Cell(h, label, _cell_text(v))
                          for (h, label), v in zip(headers, values, strict=False))
            extra = [v for v in values[len(headers):] if _cell_text(v)]
            if not any(c.value for c in cells) and not extra:
                continue
            problem = None
            if extra:
                problem = f"has values right of the last header column {headers[-1][1]}"
            yield RawRow(offset, cells, problem)
        workbook.close()

    return Table(display, "row", headers, rows())


def _json_row(number: int, item: Any) -> RawRow:
    if not isinstance(item, dict):
        return RawRow(number, (), f"is a JSON {type(item).__name__}, not an object")
    cells = []
    for key, value in item.items():
        if isinstance(value, dict | list):
            return RawRow(number, (), f"key {key!r} holds a nested {type(value).__name__}; "
                                      "each value must be text, a number, true/false or null")
        cells.append(Cell(str(key), str(key), _cell_text(value)))
    return RawRow(number, tuple(cells))


def read_json(path: str, encoding: str = "utf-8") -> Table:
    name = "<stdin>" if path == "-" else path
    data = _read_bytes(path).removeprefix(b"\xef\xbb\xbf")
    if encoding.replace("_", "-").casefold() not in ("utf-8", "utf8"):
        try:
            data = data.decode(encoding).encode("utf-8")
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(error(f"cannot be read as {encoding}: {exc}", Location(name))) from None
    if not data.strip():
        raise InputError(error("is empty", Location(name)))
    try:
        items = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(error(f"is not valid JSON: {exc}", Location(name))) from None
    if not isinstance(items, list):
        raise InputError(error(
            f"must hold a JSON array of objects (one per case); it holds a {type(items).__name__}",
            Location(name)))
    headers: dict[str, None] = {}
    for item in items:
        if isinstance(item, dict):
            headers.update(dict.fromkeys(str(k) for k in item))
    rows = (_json_row(i, item) for i, item in enumerate(items, start=1))
    return Table(name, "record", [(h, h) for h in headers], rows)


def read_ndjson(path: str, encoding: str = "utf-8") -> Table:
    name = "<stdin>" if path == "-" else path
    raw = _open_binary(path)

    def rows() -> Iterator[RawRow]:
        for number, line in enumerate(_text_lines(name, raw, encoding), start=1):
            if not line.strip():
                continue
            try:
                item = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield RawRow(number, (), f"is not valid JSON: {exc}")
                continue
            yield _json_row(number, item)

    return Table(name, "line", [], rows())


def open_table(path: str, fmt: str | None = None, sheet: str | None = None,
               encoding: str = "utf-8", delimiter: str | None = None) -> Table:
    """Open any supported input as a Table."""
    if path == "-" and fmt is None:
        raise InputError(error("reading standard input needs --format", Location("<stdin>")))
    kind = detect_format(path, fmt)
    if kind in ("csv", "tsv"):
        return read_delimited(path, kind, encoding, delimiter)
    if kind == "xlsx":
        return read_xlsx(path, sheet)
    if kind == "json":
        return read_json(path, encoding)
    return read_ndjson(path, encoding)
