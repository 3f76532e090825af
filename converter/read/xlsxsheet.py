"""One worksheet's XML → its rows of parsed cells, streamed within limits, as openpyxl's
read-only mode would read them with `data_only=True` (the saved value of a formula, never the
formula) — but without building a tree or keeping anything of a row once it is handed on.

Cells get openpyxl's types: numbers as int or float (dates and durations where the cell's
format says so), shared and inline strings (not phonetic runs), booleans, ISO dates, errors.
What Excel refuses is refused here too: a row past 1,048,576, a column past XFD, a cell over
32,767 characters, rows or cells out of order; and what no table needs is capped (cells of the
sheet, characters of a row and of the sheet: converter/read/xlsxpackage.py Limits).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from converter.problems import shorten
from converter.read.rows import cell_text
from converter.read.xlsxbook import Book, SharedStrings, refers_outside
from converter.read.xlsxpackage import Package, PartError, PartHandler, stream_part

MAX_FORMULA_CHARS = 8_192  # Excel's limit


@dataclass(slots=True)
class SheetCell:
    """A cell that is more than its value's text: a formula, an error, an unreadable value."""

    column: int  # 1-based
    value: Any  # None, str, int, float, bool, datetime, date, time or timedelta
    data_type: str  # openpyxl's: n, s, b, d, e (and any other t= as written)
    text: str | None  # the value as a person reads it (converter.read.tables.cell_text)
    formula: str | None = None  # the cell's formula ("=A1+1", or "a formula" for a shared one)
    unsaved: bool = False  # a formula with no saved value (openpyxl would read it as empty)
    outside: str | None = None  # what outside the workbook the formula takes its value from
    problem: str | None = None  # why the saved value cannot be read (a bad date, a huge number)


# (row number, {column: the text of a plain value, or the SheetCell of a formula, an error or a
# value that cannot be read}); empty cells are left out
SheetRow = tuple[int, dict[int, "str | SheetCell"]]

_ROW, _CELL, _VALUE, _FORMULA, _INLINE, _TEXT, _PHONETIC = range(7)
_LOCAL = {"row": _ROW, "c": _CELL, "v": _VALUE, "f": _FORMULA, "is": _INLINE, "t": _TEXT,
          "rPh": _PHONETIC}
_DIGITS = "0123456789"
_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _cast_number(text: str) -> int | float:
    """As openpyxl reads a number cell."""
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


class SheetReader(PartHandler):
    """The expat handlers of one worksheet part. Completed rows wait in `done` until the
    caller takes them (after each chunk). The part is parsed to its end, so a damaged part
    is refused even when the damage lies after the cells.

    The handlers run for every element of the sheet (millions), so they are closures over
    local state rather than methods on attributes: about half the cost per cell."""

    namespaces = False  # names as written: half the cost of namespace processing

    def __init__(self, package: Package, part: str, book: Book, strings: SharedStrings,
                 dates: frozenset[int], durations: frozenset[int]) -> None:
        super().__init__(package, part)
        self.book = book
        self.strings = strings
        self.dates = dates
        self.durations = durations
        self.done: list[SheetRow] = []
        self._build()

    def _build(self) -> None:
        limits = self.limits
        compressed = self.package.compressed_size(self.part)
        max_depth, max_rows, max_columns = limits.depth, limits.rows, limits.columns
        max_cells = limits.scaled(limits.cells, limits.cells_per_byte, compressed)
        cell_chars, row_chars_limit, sheet_chars_limit = (limits.cell_chars, limits.row_chars,
                                                          limits.sheet_chars)
        done = self.done
        book = self.book
        decode = self.strings.get
        dates, durations = self.dates, self.durations
        part = self.part
        kinds: dict[str, int] = {}
        columns: dict[str, int] = {}  # the letters of a cell reference → its column, as met
        depth = 0
        row: dict[int, str | SheetCell] | None = None
        row_number = last_row = 0
        rows_seen = False
        last_column = cell_count = row_chars = sheet_chars = 0
        column = 0  # of the cell being read; 0: outside a cell
        cell_type = "n"
        style: str | None = None
        value: list[str] | None = None
        formula: list[str] | None = None
        inline: list[str] | None = None
        collect: list[str] | None = None  # where character data goes
        chars = chars_limit = phonetic = 0

        def fail(message: str, at: int | None = None) -> PartError:
            return PartError(message, part, row_number if rows_seen else None, at,
                             sentence=True)

        def start(name: str, attributes: dict[str, str]) -> None:
            nonlocal depth, kinds, column, last_column, cell_count, cell_type, style, value, \
                formula, inline, collect, chars, chars_limit, phonetic
            depth += 1
            if depth > max_depth:
                raise fail(f"the sheet nests XML elements more than {max_depth} deep; no "
                           "workbook part does", column or None)
            kind = kinds.get(name)
            if kind is None:
                if depth == 1:  # the root: its prefix is the prefix of every element read
                    prefix = name[:name.index(":") + 1] if ":" in name else ""
                    kinds = {prefix + local: kind for local, kind in _LOCAL.items()}
                return
            if kind == _CELL:
                if row is None:
                    raise fail("the sheet has a cell outside any row")
                reference = attributes.get("r")
                if reference is None:
                    found = last_column + 1
                else:
                    letters = reference.rstrip(_DIGITS)
                    known = columns.get(letters)
                    found = known if known is not None and len(letters) < len(reference) \
                        else column_of(reference)
                if found <= last_column:
                    raise fail(f"the cells of row {row_number} are out of order or repeated "
                               f"(column {_letters(found)} after {_letters(last_column)}); save "
                               "it again in a spreadsheet program", found)
                if found > max_columns:
                    raise fail(f"the sheet has a cell in column {_letters(found)}, past Excel's "
                               f"last column {_letters(max_columns)}")
                cell_count += 1
                if cell_count > max_cells:
                    raise fail(f"the sheet has more than {max_cells:,} cells in {compressed:,} "
                               "compressed bytes: more than any table packs (a ZIP bomb?); "
                               "casefhir stops there", found)
                last_column = column = found
                cell_type = attributes.get("t", "n")
                style = attributes.get("s")
                value = formula = inline = None
            elif kind == _VALUE:
                if column:
                    value = collect = []
                    chars, chars_limit = 0, cell_chars
            elif kind == _ROW:
                start_row(attributes.get("r"))
            elif kind == _FORMULA:
                if column:
                    formula = collect = []
                    chars, chars_limit = 0, MAX_FORMULA_CHARS
            elif kind == _INLINE:
                if column:
                    inline = []
                    chars, chars_limit = 0, cell_chars
            elif kind == _TEXT:
                if inline is not None and not phonetic:
                    collect = inline
            elif kind == _PHONETIC:
                phonetic += 1

        def end(name: str) -> None:
            nonlocal depth, row, collect, phonetic
            depth -= 1
            kind = kinds.get(name)
            if kind is None:
                return
            if kind == _CELL:
                end_cell()
            elif kind in (_VALUE, _TEXT, _FORMULA):
                collect = None
            elif kind == _ROW:
                if row is not None:
                    done.append((row_number, row))
                    row = None
            elif kind == _PHONETIC:
                phonetic -= 1

        def text(data: str) -> None:
            nonlocal chars
            if collect is not None:
                chars += len(data)
                if chars > chars_limit:
                    what = "formula" if collect is formula else "cell"
                    raise fail(f"the {what} holds more than {chars_limit:,} characters (Excel's "
                               f"limit for a {what})", column)
                collect.append(data)

        def start_row(reference: str | None) -> None:
            nonlocal row, row_number, last_row, rows_seen, last_column, row_chars
            if reference is None:
                number = row_number + 1
            else:
                try:
                    number = int(reference)
                except ValueError:
                    try:
                        real = float(reference)
                    except ValueError:
                        real = 0.5
                    if not real.is_integer():
                        raise fail(f"a row is numbered {shorten(reference)!r}, not a row "
                                   "number") from None
                    number = int(real)
            row_number, rows_seen = number, True
            if number <= last_row:
                raise fail(f"the sheet's rows are out of order or misnumbered (row {number} "
                           f"after row {last_row}); save it again in a spreadsheet program")
            if number > max_rows:
                raise fail(f"the sheet has a row {number:,}, past Excel's last row "
                           f"{max_rows:,}")
            last_row = number
            row = {}
            last_column = row_chars = 0

        def column_of(reference: str) -> int:
            match = _REFERENCE.fullmatch(reference)
            if match is None or int(match.group(2)) == 0:
                raise fail(f"a cell has the reference {shorten(reference)!r}, which is not a "
                           "cell (A1, B2 ...)")
            number = column_number(match.group(1))
            if len(columns) < 20_000:
                columns[reference.rstrip(_DIGITS)] = number
            return number

        def end_cell() -> None:
            nonlocal column, collect, row_chars, sheet_chars
            at, column = column, 0
            collect = None
            if not at or row is None:
                return
            kind = cell_type
            problem = None
            written = (value[0] if len(value) == 1 else "".join(value)) if value else None
            try:
                if kind == "s" and written is not None:  # most cells of an Excel sheet
                    saved: Any = decode(int(written))
                else:
                    saved, kind = read_value(written, kind)
            except (ValueError, IndexError, OverflowError, TypeError) as exc:
                # the cell's own problem: the row is reported with it, and the read goes on
                saved, problem = None, f"{type(exc).__name__}: {shorten(str(exc), 200)}"
            code = outside = None
            unsaved = False
            if formula is not None:
                source = "".join(formula)
                code = "=" + source if source else "a formula"
                outside = refers_outside(source, book.external_names, book.external_links)
                # t="str" with an empty saved value is a formula whose result is ""
                unsaved = saved is None and cell_type != "str"
            if type(saved) is str:
                row_chars += len(saved)
                sheet_chars += len(saved)
                if row_chars > row_chars_limit:
                    raise fail(f"the row's cells hold more than {row_chars_limit:,} characters; "
                               "casefhir stops there", at)
                if sheet_chars > sheet_chars_limit:
                    raise fail(f"the sheet's cells hold more than {sheet_chars_limit:,} "
                               "characters; casefhir stops there", at)
                shown = saved.strip() or None
            else:
                shown = cell_text(saved)
            if code is None and problem is None and kind != "e":
                if shown is not None:  # a plain value, as most are: its text is all a row needs
                    row[at] = shown
                return  # (an empty, perhaps formatted, cell: nothing to keep)
            row[at] = SheetCell(at, saved, kind, shown, code, unsaved, outside, problem)

        def read_value(written: str | None, kind: str) -> tuple[Any, str]:
            if kind == "inlineStr":
                return (None, kind) if inline is None else ("".join(inline), "s")
            if written is None:
                return None, kind
            if kind == "n":
                number = _cast_number(written)
                style_id = int(style) if style else 0
                if style_id in dates:
                    from openpyxl.utils.datetime import from_excel

                    try:
                        return from_excel(number, book.epoch,
                                          timedelta=style_id in durations), "d"
                    except (OverflowError, ValueError):
                        return "#VALUE!", "e"  # as openpyxl: a date serial no calendar has
                return number, kind
            if kind == "s":
                return decode(int(written)), kind
            if kind == "b":
                return bool(int(written)), kind
            if kind == "str":
                return written, "s"
            if kind == "d":
                from openpyxl.utils.datetime import from_ISO8601

                return from_ISO8601(written), kind
            return written, kind

        self.start = start  # type: ignore[method-assign]
        self.end = end  # type: ignore[method-assign]
        self.text = text


def _letters(column: int) -> str:
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_rows(package: Package, part: str, book: Book, strings: SharedStrings,
               dates: frozenset[int], durations: frozenset[int]) -> Iterator[SheetRow]:
    """The sheet's rows, in order, streamed: at most the rows of 16 KiB of XML are held."""
    reader = SheetReader(package, part, book, strings, dates, durations)
    try:
        for _ in stream_part(reader, package.limits.sheet_bytes, pause_every=16 * 1024):
            if reader.done:  # the handlers hold this very list: emptied, never replaced
                rows = reader.done[:]
                reader.done.clear()
                yield from rows
    except PartError as exc:
        exc.rows_before = reader.done[:]  # (the header, when the error is in the first rows)
        raise


# ------------------------------------------------------------------ merged ranges
@dataclass(frozen=True, slots=True)
class Merge:
    first_col: int  # 1-based, as in the sheet
    first_row: int
    last_col: int
    last_row: int

    @property
    def ref(self) -> str:
        return (f"{_letters(self.first_col)}{self.first_row}:"
                f"{_letters(self.last_col)}{self.last_row}")


_MERGE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']"
                    rb"([A-Za-z]{1,3})([0-9]{1,7}):([A-Za-z]{1,3})([0-9]{1,7})[\"']")


def find_merges(package: Package, part: str) -> list[Merge]:
    """The merged ranges of a sheet, found by scanning its XML as bytes (they come after the
    cells, and must be known before the rows stream). This first pass also measures the
    sheet's real size: one too large is refused here, before any parsing."""
    found: set[Merge] = set()
    tail = b""
    for chunk in package.chunks(part, package.limits.sheet_bytes, budgeted=False):
        data = tail + chunk
        if b"mergeCell" in data:
            for match in _MERGE.finditer(data):
                c1, r1, c2, r2 = match.groups()
                first_col, last_col = sorted((column_number(c1.decode()),
                                              column_number(c2.decode())))
                first_row, last_row = sorted((int(r1), int(r2)))
                if (first_col, first_row) != (last_col, last_row):
                    found.add(Merge(first_col, first_row, last_col, last_row))
            if len(found) > package.limits.merges:
                raise PartError(f"has more than {package.limits.merges:,} merged ranges; "
                                "casefhir reads at most that many", part)
        tail = data[-300:]
    return sorted(found, key=lambda m: (m.first_row, m.first_col))
