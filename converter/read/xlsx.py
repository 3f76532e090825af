"""XLSX workbooks → Tables of text cells, with the same row and column names Excel shows.

Only the values a spreadsheet program saved are read: formulas are never evaluated (a value
nobody saw must not enter a record). So:

- a formula cell with a saved value reads as that value; one without (a workbook written by a
  script and never opened in Excel or LibreOffice) is an error naming the cell; one whose
  value comes from outside the workbook (another workbook, `[1]Sheet1!A1`, or a DDE link,
  `cmd|' /C calc'!A0`) reads as its saved value with a warning naming the cell and the source;
- a cell holding a spreadsheet error (#REF!, #DIV/0! ...) is an error naming the cell;
- a range merged down one column (B3:B5) reads its value in each of its rows, with a warning
  per row (`--strict` refuses it); a range merged across columns, or touching the header row,
  is an error (which column would the value belong to?);
- the sheet's stored dimensions are ignored (some programs write wrong ones), rows and columns
  are numbered as the sheet numbers them;
- a workbook is read within limits whatever it declares (converter/read/xlsxpackage.py: bytes
  inflated, XML elements, rows, cells, characters, shared strings ...); crossing one stops
  the read with an InputError naming the file, the part or the sheet, and the row and cell
  where known. A workbook that cannot be unpacked or parsed is an InputError too.
"""

from __future__ import annotations

import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import IO

from converter.problems import InputError, Location, Severity, error, shorten
from converter.read.rows import (
    Cell,
    CellNote,
    RawRow,
    ReadPosition,
    Table,
    column_letter,
    display_name,
    open_binary,
)
from converter.read.sheetkind import NAMES, OLE_SIGNATURE, is_ods_package, looks_like_text
from converter.read.xlsxbook import (
    Book,
    SheetEntry,
    read_book,
    read_date_styles,
    read_shared_strings,
)
from converter.read.xlsxpackage import LIMITS, Limits, MalformedPart, Package, PartError
from converter.read.xlsxsheet import Merge, SheetCell, SheetRow, find_merges, sheet_rows

SHEETS_LISTED = 20  # sheet names a message lists

Fills = dict[int, tuple[Merge, str | None]]  # column → the merged range going down it, its value


def _not_a_workbook(name: str, head: bytes) -> InputError:
    if not head:
        return InputError(error("is empty (0 bytes), not an XLSX workbook", Location(name)))
    if head.startswith(OLE_SIGNATURE):
        return InputError(error("is a legacy Excel .xls workbook or a password-protected file; "
                                "if it is an .xls workbook, name it .xls or pass --format xls; "
                                "if it has a password, save it as .xlsx without one",
                                Location(name)))
    if looks_like_text(head):
        return InputError(error("is text, not an XLSX workbook (a CSV file named .xlsx? pass "
                                "--format csv)", Location(name)))
    return InputError(error("is not an XLSX workbook (not a ZIP archive)", Location(name)))


def seekable_input(path: str) -> IO[bytes]:
    """The file, or standard input spooled to a temporary file (zipfile needs to seek)."""
    import shutil
    import tempfile

    handle = open_binary(path)
    if handle.seekable():
        return handle
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (returned open)
    with handle:
        shutil.copyfileobj(handle, spool, 1 << 20)
    spool.seek(0)
    return spool


def _open_package(name: str, path: str, limits: Limits) -> Package:
    handle = seekable_input(path)
    try:
        head = handle.read(4096)
        handle.seek(0)
        if not head.startswith(b"PK\x03\x04"):
            raise _not_a_workbook(name, head)
        package = Package(handle, limits)
        if not package.has("[Content_Types].xml") and is_ods_package(package):
            package.close()
            raise InputError(error(f"is {NAMES['ods']}, not an XLSX workbook; name it .ods or "
                                   "pass --format ods", Location(name)))
        return package
    except PartError as exc:
        handle.close()
        raise part_error(name, exc) from None
    except InputError:
        handle.close()
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            NotImplementedError, RuntimeError) as exc:
        handle.close()
        raise InputError(error(f"is not a readable XLSX workbook (a broken ZIP archive: "
                               f"{_why(exc)})", Location(name))) from None


def _why(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {shorten(text, 200)}" if text else type(exc).__name__


def part_error(name: str, exc: PartError, sheet: SheetEntry | None = None,
               label: Callable[[int], str] | None = None) -> InputError:
    """A PartError as a located InputError: at the sheet's row and cell when it arose in the
    sheet, else at the file, naming the part."""
    if sheet is not None and exc.part == sheet.part:
        where = Location(f"{name} [{sheet.name}]", exc.row,
                         label(exc.column) if label and exc.column else None)
        return InputError(error(exc.message if exc.sentence else f"the sheet {exc.message}",
                                where))
    if exc.sentence or exc.part is None:
        return InputError(error(exc.message, Location(name)))
    return InputError(error(f"{exc.part} {exc.message}", Location(name)))


def _choose_sheet(name: str, book: Book, sheet: str | None) -> SheetEntry:
    names = [entry.name for entry in book.sheets]
    if not names:
        raise InputError(error("has no worksheets", Location(name)))
    if sheet is None:
        chosen = book.sheets[0]
    elif sheet in names:
        chosen = book.sheets[names.index(sheet)]
    elif sheet.isdigit() and 1 <= int(sheet) <= len(names):
        chosen = book.sheets[int(sheet) - 1]
    else:
        listed = ", ".join(repr(shorten(n)) for n in names[:SHEETS_LISTED])
        more = f" and {len(names) - SHEETS_LISTED:,} more" if len(names) > SHEETS_LISTED else ""
        raise InputError(error(f"has no sheet {shorten(sheet)!r}; its sheets are {listed}{more}",
                               Location(name)))
    shown = shorten(chosen.name)
    if chosen.kind == "chartsheet":
        raise InputError(error(f"the sheet {shown!r} is a chart, not a table; pass --sheet",
                               Location(name)))
    if chosen.kind != "worksheet":
        raise InputError(error(f"the sheet {shown!r} is a {chosen.kind}, not a table; pass "
                               "--sheet", Location(name)))
    if chosen.part is None:
        raise InputError(error(f"the sheet {shown!r} cannot be read (the workbook does not hold "
                               "its part)", Location(name)))
    return chosen


def _text(cell: str | SheetCell | None) -> str | None:
    if cell is None or type(cell) is str:
        return cell
    assert isinstance(cell, SheetCell)
    if cell.data_type == "e" or cell.unsaved or cell.problem:
        return None
    return cell.text


def _read_anyway(cell: str | SheetCell) -> bool:
    """A header cell that counts for the width although it gives no text (it is refused)."""
    return isinstance(cell, SheetCell) and bool(cell.unsaved or cell.data_type == "e"
                                                or cell.problem)


def _cell_notes(cells: dict[int, str | SheetCell], label: Callable[[int], str]
                ) -> list[CellNote]:
    notes: list[CellNote] = []
    special = [cell for cell in cells.values() if isinstance(cell, SheetCell)]
    for cell in sorted(special, key=lambda c: c.column):
        column = cell.column
        formula = shorten(cell.formula or "", 60)
        if cell.problem:
            notes.append(CellNote(label(column), f"holds a value that cannot be read "
                                                 f"({cell.problem})"))
        elif cell.unsaved:
            source = f" (it takes its value from {cell.outside})" if cell.outside else ""
            notes.append(CellNote(label(column), (
                f"holds {formula!r} with no saved value{source} (casefhir never evaluates "
                "formulas); open and save the workbook in Excel or LibreOffice, or paste the "
                "values")))
        elif cell.data_type == "e":
            notes.append(CellNote(label(column), f"holds the spreadsheet error "
                                                 f"{shorten(str(cell.value))}; fix the formula "
                                                 "or type the value"))
        elif cell.outside:
            notes.append(CellNote(label(column), (
                f"holds {formula!r}, whose saved value comes from {cell.outside}, outside this "
                "workbook: the saved value is read, but casefhir cannot tell whether it is "
                "current; paste the values to make them the workbook's own"), Severity.WARNING))
    return notes


class _Rows:
    """The sheet's rows with PartErrors turned into located InputErrors (the labels of the
    columns are known once the header has been read)."""

    def __init__(self, name: str, sheet: SheetEntry, rows: Iterator[SheetRow]) -> None:
        self.name = name
        self.sheet = sheet
        self.rows = rows
        self.last = 0
        self.label: Callable[[int], str] | None = None  # set once the header is known

    def __iter__(self) -> Iterator[SheetRow]:
        while True:
            try:
                number, cells = next(self.rows)
            except StopIteration:
                return
            except MalformedPart as exc:
                raise InputError(error(f"the sheet cannot be read after row {self.last} "
                                       f"({exc.message.removeprefix('is ')})",
                                       Location(f"{self.name} [{self.sheet.name}]"))) from None
            except PartError as exc:
                label = self.label
                if label is None:  # an error among the first rows: the header may be among them
                    header = next((cells for _, cells in exc.rows_before
                                   if any(_text(c) for c in cells.values())), None)
                    label = _labeller(_header_labels(header) if header else [])
                raise part_error(self.name, exc, self.sheet, label) from None
            self.last = number
            yield number, cells


def _header_labels(header: dict[int, str | SheetCell]) -> list[tuple[str, str]]:
    """(text, label) of each column up to the last the header row fills."""
    width = max(col for col, cell in header.items() if _text(cell) or _read_anyway(cell))
    texts = [_text(header.get(col)) or "" for col in range(1, width + 1)]
    return [(text, f"{column_letter(i)} ({shorten(text)})" if text else column_letter(i))
            for i, text in enumerate(texts)]


def _labeller(headers: list[tuple[str, str]]) -> Callable[[int], str]:
    def label(column: int) -> str:
        return headers[column - 1][1] if column <= len(headers) else column_letter(column - 1)

    return label


def read_xlsx(path: str, sheet: str | None = None, limits: Limits = LIMITS) -> Table:
    name = display_name(path)
    package = _open_package(name, path, limits)
    try:
        return _read_sheet(name, package, sheet)
    except BaseException:
        package.close()
        raise


def _read_sheet(name: str, package: Package, sheet: str | None) -> Table:
    try:
        book = read_book(package)
    except MalformedPart as exc:
        raise InputError(error(f"is not a readable XLSX workbook ({exc.part} {exc.message})",
                               Location(name))) from None
    except PartError as exc:
        raise part_error(name, exc) from None
    entry = _choose_sheet(name, book, sheet)
    assert entry.part is not None
    display = f"{name} [{entry.name}]"
    try:
        merges = find_merges(package, entry.part)
        strings = read_shared_strings(package, book.shared_strings_part)
        dates, durations = read_date_styles(package, book.styles_part)
    except MalformedPart as exc:
        if exc.part == entry.part:
            raise InputError(error(f"the sheet {exc.message}", Location(display))) from None
        raise InputError(error(f"is not a readable XLSX workbook ({exc.part} {exc.message})",
                               Location(name))) from None
    except PartError as exc:
        raise part_error(name, exc, entry) from None
    starting: dict[int, list[Merge]] = defaultdict(list)  # first row → merged ranges
    for merge in merges:
        starting[merge.first_row].append(merge)
    rows = sheet_rows(package, entry.part, book, strings, dates, durations)
    part = entry.part
    position = ReadPosition("bytes", package.declared_size(part),
                            lambda: package.unpacked.get(part, 0))
    return rows_table(name, entry, rows, starting, package.close, position)


def rows_table(name: str, entry: SheetEntry, sheet: Iterator[SheetRow],
               starting: Mapping[int, list[Merge]], close: Callable[[], None],
               position: ReadPosition | None = None) -> Table:
    """The Table of a sheet's rows, as any spreadsheet reader (XLSX, ODS, XLS) produces them:
    the header found, its cells checked, merged ranges filled down, cell problems noted.
    `starting` maps a row to the merged ranges whose first row it is; a streaming reader may
    fill it as it reads, as long as a row's ranges are there when the row is. `close` runs
    when the rows are exhausted (or abandoned); PartErrors become located InputErrors.
    `position` tells a progress display how far the reading is."""
    display = f"{name} [{entry.name}]"
    reader = _Rows(name, entry, sheet)
    stream = iter(reader)
    header_row, header = next(((n, cells) for n, cells in stream
                               if any(_text(c) for c in cells.values())), (0, None))
    if header is None:
        raise InputError(error("the sheet is empty: no header row", Location(display)))
    headers = _header_labels(header)
    reader.label = label = _labeller(headers)
    for note in _cell_notes(header, label):
        raise InputError(error(f"the header {note.message}", Location(display, header_row,
                                                                      note.column)))
    for merge in (m for ranges in list(starting.values()) for m in ranges):
        if merge.first_row <= header_row <= merge.last_row:
            raise InputError(error(
                f"the header cells {merge.ref} are merged; give each column its own header in "
                f"row {header_row}", Location(display, header_row, label(merge.first_col))))

    def rows() -> Iterator[RawRow]:
        fills: Fills = {}
        try:
            for number, cells in stream:
                if not cells and not fills and number not in starting:
                    continue  # an empty row (a sheet formatted down to row 1,048,576 has many)
                raw = _row(number, cells, headers, label, starting.get(number, []), fills)
                if not raw.is_blank():
                    yield raw
        finally:
            close()

    return Table(display, "row", headers, rows(), header_row, position)


def _row(number: int, cells: dict[int, str | SheetCell], headers: list[tuple[str, str]],
         label: Callable[[int], str], merges: list[Merge], fills: Fills) -> RawRow:
    """One sheet row as a RawRow: values of merged ranges filled down, cell problems noted."""
    values = {col: cell if type(cell) is str else _text(cell) for col, cell in cells.items()}
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
