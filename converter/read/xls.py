"""Legacy Excel workbooks (.xls, BIFF2 to BIFF8: Excel 97-2003 and older) → Tables, through
xlrd (pure Python: whatever a damaged file does inside it is a Python exception, caught here,
never a crash), with the located messages, merged-range handling and value rules of XLSX
(converter/read/xlsx.py rows_table).

Values only: a BIFF formula record always carries the result Excel computed when it saved the
file, and that result is what is read (xlrd never evaluates a formula). Dates are read as the
XLSX reader reads them (openpyxl's rules, the workbook's 1900 or 1904 date system); an error
value (#DIV/0!) is an error naming the cell.

xlrd holds the whole file, and a Python object per cell, in memory, so nothing is handed to it
unchecked: the file's size is capped (MAX_XLS_BYTES), then its workbook stream is scanned
record by record (a few seconds at most) and a workbook declaring more shared strings, or a
sheet holding more cells, than XLSX's limits allow is refused before xlrd parses it.
"""

from __future__ import annotations

import io
import struct
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from converter.problems import InputError, Location, error, shorten
from converter.read.rows import Table, cell_text, display_name, open_binary
from converter.read.sheetkind import NAMES, OLE_SIGNATURE, kind_of_head, looks_like_text
from converter.read.xlsx import SHEETS_LISTED, rows_table
from converter.read.xlsxbook import SheetEntry
from converter.read.xlsxpackage import LIMITS, Limits, MiB
from converter.read.xlsxsheet import Merge, SheetCell, SheetRow

MAX_XLS_BYTES = 32 * MiB  # the file; an .xls this large is a 60,000-row sheet (Excel 2003's
# limit is 65,536 rows): save larger tables as .xlsx or CSV
_BIFF_BOF = (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08")  # an OLE-less BIFF2-5 stream
# cell records, and how many cells each holds (MULRK, MULBLANK: by their length)
_CELL_RECORDS = {0x0203, 0x00FD, 0x0204, 0x027E, 0x0205, 0x0006, 0x0206, 0x0406, 0x0201,
                 0x00D6, 0x0001, 0x0002, 0x0003, 0x0004, 0x0005}
_MULRK, _MULBLANK, _SST, _BOF8, _EOF = 0x00BD, 0x00BE, 0x00FC, 0x0809, 0x000A


def _refuse(name: str, message: str) -> InputError:
    return InputError(error(message, Location(name)))


def _not_a_workbook(name: str, head: bytes) -> InputError:
    kind = kind_of_head(head)
    if not head:
        return _refuse(name, "is empty (0 bytes), not an XLS workbook")
    if kind in ("ods", "xlsx"):
        return _refuse(name, f"is {NAMES[kind]}, not a legacy .xls workbook; name it .{kind} or "
                             f"pass --format {kind}")
    if head.startswith(b"PK\x03\x04"):
        return _refuse(name, "is a ZIP archive, not a legacy .xls workbook (an XLSX workbook? "
                             "name it .xlsx or pass --format xlsx)")
    start = head.lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        return _refuse(name, "is an HTML or XML page, not an XLS workbook (some programs save "
                             "web tables as .xls); open it in a spreadsheet program and save "
                             "it as .xlsx or CSV")
    if looks_like_text(head):
        return _refuse(name, "is text, not an XLS workbook (a CSV file named .xls? pass "
                             "--format csv)")
    return _refuse(name, "is not an XLS workbook (no Excel signature)")


def _read_limited(name: str, path: str) -> bytes:
    with open_binary(path) as handle:
        try:
            data = handle.read(MAX_XLS_BYTES + 1)
        except OSError as exc:
            raise _refuse(name, f"cannot be read ({exc.strerror})") from None
    if len(data) > MAX_XLS_BYTES:
        raise _refuse(name, f"is larger than {MAX_XLS_BYTES:,} bytes, more than casefhir reads "
                            "from a legacy .xls workbook; save it as .xlsx or CSV")
    return data


def _stream(data: bytes) -> tuple[bytes, int]:
    """The workbook stream (its bytes and where it starts) as xlrd will read it."""
    if not data.startswith(OLE_SIGNATURE):
        return data, 0
    from xlrd import compdoc

    document = compdoc.CompDoc(data, logfile=io.StringIO())
    for stream_name in ("Workbook", "Book"):
        mem, base, _ = document.locate_named_stream(stream_name)
        if mem:
            return mem, base
    raise _NotExcel


class _NotExcel(Exception):
    """An OLE compound file without a workbook stream (a Word document, an encrypted XLSX)."""


_RECORD = struct.Struct("<HH")
MORE_RECORDS = 500_000  # records a workbook has besides its cells (rows, formats, names ...)


def _check_records(name: str, mem: bytes, base: int, limits: Limits) -> None:
    """Count what xlrd would build, record by record, before it builds anything (xlrd walks
    every record too: a stream of millions of empty records is refused here, in seconds)."""
    position, end = base, len(mem)
    cells = records = 0
    most = limits.cells + MORE_RECORDS
    header = _RECORD.unpack_from
    while position + 4 <= end:
        kind, length = header(mem, position)
        position += 4 + length
        records += 1
        if kind in _CELL_RECORDS:
            cells += 1
        elif kind == _MULRK:
            cells += max(0, (length - 6) // 6)
        elif kind == _MULBLANK:
            cells += max(0, (length - 6) // 2)
        elif kind == _SST and length >= 8:
            unique, = struct.unpack_from("<I", mem, position - length + 4)
            if unique > limits.shared_strings:
                raise _refuse(name, f"declares {unique:,} shared strings, more than the "
                                    f"{limits.shared_strings:,} casefhir reads; refused unread")
        elif kind == _BOF8 or kind in (0x0009, 0x0209, 0x0409):
            cells = 0  # a sheet's substream begins
        if cells > limits.cells:
            raise _refuse(name, f"has a sheet of more than {limits.cells:,} cells (empty ones "
                                "included), more than casefhir reads from a legacy .xls "
                                "workbook; save it as .xlsx or CSV")
        if records > most:
            raise _refuse(name, f"holds more than {most:,} BIFF records, more than a workbook "
                                f"of {limits.cells:,} cells has; casefhir stops there")


def read_xls(path: str, sheet: str | None = None, limits: Limits = LIMITS) -> Table:
    import xlrd

    name = display_name(path)
    data = _read_limited(name, path)
    if not data.startswith(OLE_SIGNATURE) and not data.startswith(_BIFF_BOF):
        raise _not_a_workbook(name, data[:4096])
    try:
        mem, base = _stream(data)
        _check_records(name, mem, base, limits)
        book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO(), on_demand=True,
                                  formatting_info=True, ragged_rows=True)
    except InputError:
        raise
    except _NotExcel:
        raise _refuse(name, "is an OLE compound file without an Excel workbook in it (a "
                            "password-protected XLSX workbook, or a Word document?); save it as "
                            ".xlsx (without a password) or CSV") from None
    except Exception as exc:
        raise _broken(name, exc) from None
    try:
        return _read_sheet(name, book, sheet)
    except BaseException:
        book.release_resources()
        raise


def _broken(name: str, exc: BaseException) -> InputError:
    text = str(exc).strip()
    if "encrypted" in text.casefold():
        return _refuse(name, "is password-protected; save it again without a password (as "
                             ".xlsx or CSV)")
    why = f"{type(exc).__name__}: {shorten(text, 200)}" if text else type(exc).__name__
    return _refuse(name, f"is not a readable XLS workbook ({why})")


def _choose(name: str, names: list[str], sheet: str | None) -> int:
    if not names:
        raise _refuse(name, "has no worksheets")
    if sheet is None:
        return 0
    if sheet in names:
        return names.index(sheet)
    if sheet.isdigit() and 1 <= int(sheet) <= len(names):
        return int(sheet) - 1
    listed = ", ".join(repr(shorten(n)) for n in names[:SHEETS_LISTED])
    more = f" and {len(names) - SHEETS_LISTED:,} more" if len(names) > SHEETS_LISTED else ""
    raise _refuse(name, f"has no sheet {shorten(sheet)!r}; its sheets are {listed}{more}")


def _read_sheet(name: str, book: Any, sheet: str | None) -> Table:
    index = _choose(name, list(book.sheet_names()), sheet)
    sheet_name = book.sheet_names()[index]
    try:
        grid = book.sheet_by_index(index)
    except Exception as exc:
        raise _broken(name, exc) from None
    starting: dict[int, list[Merge]] = defaultdict(list)
    for first_row, end_row, first_col, end_col in grid.merged_cells:
        merge = Merge(first_col + 1, first_row + 1, end_col, end_row)
        if (merge.first_col, merge.first_row) != (merge.last_col, merge.last_row):
            starting[merge.first_row].append(merge)
    entry = SheetEntry(sheet_name, f"sheet {sheet_name}", "worksheet")
    return rows_table(name, entry, _rows(grid, book.datemode), starting,
                      book.release_resources)


def _rows(grid: Any, datemode: int) -> Iterator[SheetRow]:
    import xlrd
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

    epoch = MAC_EPOCH if datemode == 1 else WINDOWS_EPOCH
    for index in range(grid.nrows):
        types, values = grid.row_types(index), grid.row_values(index)
        cells: dict[int, str | SheetCell] = {}
        for column, (kind, value) in enumerate(zip(types, values, strict=True), start=1):
            if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            if kind == xlrd.XL_CELL_TEXT:
                shown = value.strip() or None
            elif kind == xlrd.XL_CELL_NUMBER:
                shown = cell_text(value)  # 22.0 reads "22", as the XLSX reader's 22
            elif kind == xlrd.XL_CELL_DATE:
                try:
                    shown = cell_text(from_excel(value, epoch))
                except (OverflowError, ValueError):
                    cells[column] = SheetCell(column, "#VALUE!", "e", "#VALUE!")
                    continue
            elif kind == xlrd.XL_CELL_BOOLEAN:
                shown = cell_text(bool(value))
            else:  # XL_CELL_ERROR: an error code
                text = xlrd.error_text_from_code.get(value, f"error {value}")
                cells[column] = SheetCell(column, text, "e", text)
                continue
            if shown is not None:
                cells[column] = shown
        yield index + 1, cells
