"""XLSX workbooks → Tables of text cells, with the same row and column names Excel shows.

Only the values a spreadsheet program saved are read: formulas are never evaluated (openpyxl
cannot, and a value nobody saw must not enter a record). So:

- a formula cell with a saved value reads as that value; one without (a workbook written by a
  script and never opened in Excel or LibreOffice) is an error naming the cell;
- a cell holding a spreadsheet error (#REF!, #DIV/0! ...) is an error naming the cell;
- a range merged down one column (B3:B5) reads its value in each of its rows, with a warning
  per row (`--strict` refuses it); a range merged across columns, or touching the header row,
  is an error (which column would the value belong to?);
- the sheet's stored dimensions are ignored (some programs write wrong ones), rows and columns
  are numbered as the sheet numbers them;
- a workbook that cannot be unpacked or parsed, whatever the reason, is an InputError, and one
  declaring more than MAX_UNPACKED_BYTES of content (a ZIP bomb) is refused unread.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from converter.problems import InputError, Location, Severity, error, shorten
from converter.readers import (
    Cell,
    CellNote,
    RawRow,
    Table,
    cell_text,
    column_letter,
    display_name,
    read_bytes,
)

MAX_UNPACKED_BYTES = 2 << 30  # 2 GiB of XML: far beyond any case table
_MERGE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']"
                    rb"([A-Za-z]{1,3})([0-9]{1,7}):([A-Za-z]{1,3})([0-9]{1,7})[\"']")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# openpyxl warns (on stderr) about workbook features casefhir does not read
warnings.filterwarnings("ignore", module=r"openpyxl(\.|$)")


@dataclass(frozen=True, slots=True)
class Merge:
    first_col: int  # 1-based, as in the sheet
    first_row: int
    last_col: int
    last_row: int

    @property
    def ref(self) -> str:
        return (f"{column_letter(self.first_col - 1)}{self.first_row}:"
                f"{column_letter(self.last_col - 1)}{self.last_row}")


Fills = dict[int, tuple[Merge, str | None]]  # column → the merged range going down it, its value


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _merges(archive: zipfile.ZipFile, part: str) -> list[Merge]:
    """The merged ranges of a sheet, found by scanning its XML as bytes (they come after the
    cells, and must be known before the rows stream)."""
    found: set[Merge] = set()
    tail = b""
    with archive.open(part) as source:
        while chunk := source.read(1 << 20):
            data = tail + chunk
            for match in _MERGE.finditer(data):
                c1, r1, c2, r2 = match.groups()
                first_col, last_col = sorted((_column_number(c1), _column_number(c2)))
                first_row, last_row = sorted((int(r1), int(r2)))
                if (first_col, first_row) != (last_col, last_row):
                    found.add(Merge(first_col, first_row, last_col, last_row))
            tail = data[-300:]
    return sorted(found, key=lambda m: (m.first_row, m.first_col))


def _not_a_workbook(name: str, data: bytes) -> InputError:
    if not data:
        return InputError(error("is empty (0 bytes), not an XLSX workbook", Location(name)))
    if data.startswith(_OLE):
        return InputError(error("is a legacy Excel .xls workbook or a password-protected file; "
                                "save it as .xlsx (without a password) or CSV", Location(name)))
    head = data[:4096]
    try:
        head.decode("utf-8")
        text = b"\x00" not in head
    except UnicodeDecodeError:
        text = False
    if text:
        return InputError(error("is text, not an XLSX workbook (a CSV file named .xlsx? pass "
                                "--format csv)", Location(name)))
    return InputError(error("is not an XLSX workbook (not a ZIP archive)", Location(name)))


def _open_workbook(name: str, data: bytes) -> Any:
    from openpyxl import load_workbook

    if not data.startswith(b"PK\x03\x04"):
        raise _not_a_workbook(name, data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(error(f"is not a readable XLSX workbook (a broken ZIP archive: {exc})",
                               Location(name))) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputError(error(
            f"unpacks to {unpacked:,} bytes, more than the {MAX_UNPACKED_BYTES:,} casefhir reads "
            "(a ZIP bomb?); refused unread", Location(name)))
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl fails in many ways on a damaged workbook
        raise InputError(error(f"is not a readable XLSX workbook ({_why(exc)})",
                               Location(name))) from None


def _why(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _choose_sheet(name: str, workbook: Any, sheet: str | None) -> tuple[Any, str]:
    names: list[str] = list(workbook.sheetnames)
    if not names:
        raise InputError(error("has no worksheets", Location(name)))
    if sheet is None:
        chosen = names[0]
    elif sheet in names:
        chosen = sheet
    elif sheet.isdigit() and 1 <= int(sheet) <= len(names):
        chosen = names[int(sheet) - 1]
    else:
        raise InputError(error(
            f"has no sheet {sheet!r}; its sheets are {', '.join(map(repr, names))}", Location(name)))
    try:
        worksheet = workbook[chosen]
    except Exception as exc:
        raise InputError(error(f"the sheet {chosen!r} cannot be read ({_why(exc)})",
                               Location(name))) from None
    if not hasattr(worksheet, "_worksheet_path"):
        raise InputError(error(f"the sheet {chosen!r} is a chart, not a table; pass --sheet",
                               Location(name)))
    return worksheet, chosen


def _cell_parser(workbook: Any, source: Any) -> Any:
    """openpyxl's streaming sheet parser, also saying which cells hold a formula without a
    saved value (openpyxl's read-only sheets read those as empty, silently)."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            formula = element.find(FORMULA_TAG)
            # t="str" with an empty saved value is a formula whose result is "" (=IF(A1,"",...))
            if formula is not None and cell["value"] is None and element.get("t") != "str":
                cell["formula"] = "=" + formula.text if formula.text else "a formula"
            return cell

    return Parser(source, workbook.shared_strings, data_only=True, epoch=workbook.epoch,
                  date_formats=workbook._date_formats,
                  timedelta_formats=workbook._timedelta_formats)


@dataclass
class _Sheet:
    """Rows of one sheet as (row number, {column number: parsed cell}), in order."""

    display: str
    workbook: Any
    part: str

    def rows(self) -> Iterator[tuple[int, dict[int, dict[str, Any]]]]:
        last = 0
        with self.workbook._archive.open(self.part) as source:
            parsed = iter(_cell_parser(self.workbook, source).parse())
            while True:
                try:
                    number, cells = next(parsed)
                except StopIteration:
                    return
                except Exception as exc:
                    raise InputError(error(f"the sheet cannot be read after row {last} "
                                           f"({_why(exc)})", Location(self.display))) from None
                if number <= last:
                    raise InputError(error(f"the sheet's rows are out of order or misnumbered (row "
                                           f"{number} after row {last}); save it again in a "
                                           "spreadsheet program",
                                           Location(self.display, number)))
                last = number
                yield number, {c["column"]: c for c in cells}


def _text(cell: dict[str, Any] | None) -> str | None:
    if cell is None or cell.get("data_type") == "e" or "formula" in cell:
        return None
    return cell_text(cell["value"])


def _cell_notes(cells: dict[int, dict[str, Any]], label: Callable[[int], str]) -> list[CellNote]:
    notes = []
    for column, cell in sorted(cells.items()):
        if "formula" in cell:
            formula = cell["formula"][:60]
            notes.append(CellNote(label(column), (
                f"holds {formula!r} with no saved value (casefhir never evaluates formulas); open "
                "and save the workbook in Excel or LibreOffice, or paste the values")))
        elif cell.get("data_type") == "e":
            notes.append(CellNote(label(column), f"holds the spreadsheet error {cell['value']}; "
                                                 "fix the formula or type the value"))
    return notes


def read_xlsx(path: str, sheet: str | None = None) -> Table:
    name = display_name(path)
    workbook = _open_workbook(name, read_bytes(path))
    worksheet, sheet_name = _choose_sheet(name, workbook, sheet)
    display = f"{name} [{sheet_name}]"
    part = worksheet._worksheet_path
    try:
        merges = _merges(workbook._archive, part)
    except Exception as exc:
        raise InputError(error(f"the sheet cannot be unpacked ({_why(exc)})",
                               Location(display))) from None
    stream = _Sheet(display, workbook, part).rows()
    header_row, header = next(((n, cells) for n, cells in stream
                               if any(_text(c) for c in cells.values())), (0, None))
    if header is None:
        workbook.close()
        raise InputError(error("the sheet is empty: no header row", Location(display)))
    width = max(col for col, cell in header.items()
                if _text(cell) or "formula" in cell or cell.get("data_type") == "e")
    texts = [_text(header.get(col)) or "" for col in range(1, width + 1)]
    headers = [(text, f"{column_letter(i)} ({shorten(text)})" if text else column_letter(i))
               for i, text in enumerate(texts)]

    def label(column: int) -> str:
        return headers[column - 1][1] if column <= len(headers) else column_letter(column - 1)

    for note in _cell_notes(header, label):
        raise InputError(error(f"the header {note.message}", Location(display, header_row,
                                                                      note.column)))
    for merge in merges:
        if merge.first_row <= header_row <= merge.last_row:
            raise InputError(error(
                f"the header cells {merge.ref} are merged; give each column its own header in "
                f"row {header_row}", Location(display, header_row, label(merge.first_col))))
    starting: dict[int, list[Merge]] = defaultdict(list)  # first row → merged ranges
    for merge in merges:
        if merge.first_row > header_row:
            starting[merge.first_row].append(merge)

    def rows() -> Iterator[RawRow]:
        fills: Fills = {}
        try:
            for number, cells in stream:
                raw = _row(number, cells, headers, label, starting.get(number, []), fills)
                if not raw.is_blank():
                    yield raw
        finally:
            workbook.close()

    return Table(display, "row", headers, rows(), header_row)


def _row(number: int, cells: dict[int, dict[str, Any]], headers: list[tuple[str, str]],
         label: Callable[[int], str], merges: list[Merge], fills: Fills) -> RawRow:
    """One sheet row as a RawRow: values of merged ranges filled down, cell problems noted."""
    values = {col: _text(cell) for col, cell in cells.items()}
    notes = _cell_notes(cells, label)
    for merge in merges:  # the ranges starting in this row
        if merge.first_col != merge.last_col:
            notes.append(CellNote(label(merge.first_col), (
                f"cells {merge.ref} are merged across columns; unmerge them and give each "
                "column its own value")))
        else:
            fills[merge.first_col] = (merge, values.get(merge.first_col))
    for col, (merge, value) in list(fills.items()):
        if number > merge.last_row:
            del fills[col]
        elif number > merge.first_row and values.get(col) is None and value is not None:
            values[col] = value
            top = f"{column_letter(col - 1)}{merge.first_row}"
            notes.append(CellNote(label(col), f"cells {merge.ref} are merged: the value of {top} "
                                              "is read for this row too", Severity.WARNING))
    cells_ = tuple(Cell(h, lab, values.get(col)) for col, (h, lab) in enumerate(headers, start=1))
    extra = [col for col in sorted(values) if col > len(headers) and values[col]]
    error_text = None
    if extra:
        error_text = (f"has a value in column {column_letter(extra[0] - 1)}, right of the last "
                      f"header column {headers[-1][1]}")
    return RawRow(number, cells_, error_text, tuple(notes))
