"""An OpenDocument spreadsheet's content.xml → the rows of one table, streamed within limits,
as the XLSX sheet reader gives them (converter/read/xlsxsheet.py: SheetRow, SheetCell, Merge).

Only saved values are read (office:value, office:date-value, office:time-value,
office:boolean-value, office:string-value, else the cell's paragraphs); a formula
(table:formula) is never evaluated. Comments (office:annotation) and drawn shapes are not part
of a cell's text. ODS compresses runs of identical rows and cells (number-rows-repeated,
number-columns-repeated; every file LibreOffice writes ends in a run of empty rows reaching
row 1,048,576): an empty run costs nothing whatever its length, a run of values counts each
repeated cell against the same limits as XLSX cells (converter/read/xlsxpackage.py Limits).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from converter.problems import shorten
from converter.read.rows import cell_text
from converter.read.xlsxpackage import Package, PartError, PartHandler
from converter.read.xlsxsheet import Merge, SheetCell, SheetRow

CONTENT = "content.xml"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"

(_TABLE_EL, _ROW, _CELL, _COVERED, _PARAGRAPH, _SPACE, _TAB, _BREAK, _ANNOTATION,
 _SPREADSHEET) = range(10)
_DURATION = re.compile(r"(-)?P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?")
_OUTSIDE = re.compile(r"'((?:file|https?|ftp):[^']*)'#", re.IGNORECASE)
_DDE = re.compile(r"\bDDE\s*\(", re.IGNORECASE)


def _letters(column: int) -> str:
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _number(text: str) -> int | float:
    """As the XLSX reader reads a number: an int unless written with a point or exponent."""
    if "." in text or "e" in text or "E" in text:
        return float(text)
    return int(text)


def _duration(text: str) -> Any:
    """office:time-value (ISO 8601 duration, `PT10H30M00S`): a time of day under 24 hours, as
    the XLSX reader reads a time cell, else a duration."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or not any(match.groups()[1:]):
        raise ValueError(f"Invalid time value {shorten(text, 40)}")
    sign, days, hours, minutes, seconds = match.groups()
    value = timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0),
                      seconds=float(seconds or 0))
    if sign:
        value = -value
    if timedelta(0) <= value < timedelta(days=1):
        return (datetime.min + value).time()
    return value


def refers_outside(formula: str) -> str | None:
    """What outside the spreadsheet a formula takes its value from: another file
    (`'file:///C:/data/other.ods'#$Sheet1.A1`) or a DDE link, or None."""
    if _DDE.search(formula):
        return "a DDE link (a program the spreadsheet runs to get the value)"
    match = _OUTSIDE.search(formula)
    if match:
        return f"the workbook {shorten(match.group(1), 80)!r}"
    return None


class ContentReader(PartHandler):
    """The expat handlers of content.xml, for the table `wanted` (its name, or its 1-based
    number; None: the first). Rows of that table wait in `done`; `names` are the tables met
    so far; `chosen` is the chosen table's name once its start has been read; `starting` maps
    a row to the merged ranges whose first row it is, filled before the row is done."""

    namespaces = False  # names as written, mapped through the root's prefixes (faster)

    def __init__(self, package: Package, wanted: str | None) -> None:
        super().__init__(package, CONTENT)
        self.wanted = wanted
        self.done: list[SheetRow] = []
        self.names: list[str] = []
        self.chosen: str | None = None
        self.starting: dict[int, list[Merge]] = defaultdict(list)
        self.spreadsheet = False  # an office:spreadsheet body was met
        self._build()

    def _build(self) -> None:
        limits = self.limits
        compressed = self.package.compressed_size(self.part)
        max_depth, max_rows, max_columns = limits.depth, limits.rows, limits.columns
        max_cells = limits.scaled(limits.cells, limits.cells_per_byte, compressed)
        cell_chars, row_chars_limit, sheet_chars_limit = (limits.cell_chars, limits.row_chars,
                                                          limits.sheet_chars)
        done, names, starting = self.done, self.names, self.starting
        wanted = self.wanted
        kinds: dict[str, int] = {}
        attr: dict[str, str] = {}  # (namespace, local) written as the file's prefix:local
        depth = 0
        table_depth = 0  # nesting of table:table (a table inside a cell is not a row's)
        inside = False  # in the chosen table
        row: dict[int, str | SheetCell] | None = None
        row_number = 0  # the number of the row being read (1-based); its repeats follow it
        row_repeat = 1
        row_covered = False
        row_chars = sheet_chars = cell_count = merge_count = 0
        column = 0  # the next cell's column
        cell: dict[str, str] | None = None  # the attributes of the cell being read
        paragraphs: list[str] | None = None
        collect: list[str] | None = None
        chars = 0
        hidden = 0  # depth inside an annotation or a drawn shape (its text is not the cell's)

        def fail(message: str, at: int | None = None, located: bool = True) -> PartError:
            return PartError(message, CONTENT, row_number if located and row_number else None,
                             at, sentence=True)

        def count(text: str) -> int:
            try:
                value = int(text)
            except ValueError:
                value = 0
            if value < 1:
                raise fail(f"a row or cell is repeated {shorten(text)!r} times, not a count; "
                           "save it again in a spreadsheet program", column or None)
            return value

        def start(name: str, attributes: dict[str, str]) -> None:
            nonlocal depth, kinds, attr, table_depth, inside, row, row_number, row_repeat, \
                row_covered, row_chars, column, cell, paragraphs, collect, \
                chars, hidden, cell_count, merge_count
            depth += 1
            if depth > max_depth:
                raise fail(f"the sheet nests XML elements more than {max_depth} deep; no "
                           "workbook part does", column or None)
            if depth == 1:
                kinds, attr = _prefixes(attributes)
                return
            kind = kinds.get(name)
            if kind is None:
                if cell is not None and (hidden or name.startswith(attr["draw:"])):
                    hidden += 1
                return
            if hidden:
                hidden += 1
                return
            if kind == _SPREADSHEET:
                self.spreadsheet = True
            elif kind == _TABLE_EL:
                table_depth += 1
                if table_depth != 1:
                    return
                table_name = attributes.get(attr["table:name"], f"Sheet{len(names) + 1}")
                names.append(table_name)
                if len(names) > limits.sheets:
                    raise fail(f"holds more than {limits.sheets:,} tables; casefhir reads at "
                               "most that many", located=False)
                if self.chosen is None and (
                        (wanted is None and len(names) == 1) or wanted == table_name
                        or (wanted is not None and wanted.isdigit()
                            and int(wanted) == len(names))):
                    self.chosen = table_name
                    inside = True
                    row_number = 1
            elif not inside or table_depth != 1:
                return
            elif kind == _ROW:
                row_repeat = count(attributes.get(attr["table:number-rows-repeated"], "1"))
                if row_number > max_rows:
                    raise fail(f"the sheet has a row {row_number:,}, past the last row "
                               f"{max_rows:,} (Excel's and LibreOffice's)")
                row = {}
                row_covered = False
                row_chars = 0
                column = 1
            elif kind in (_CELL, _COVERED):
                if row is None:
                    raise fail("the sheet has a cell outside any row")
                if column > max_columns:
                    raise fail(f"the sheet has a cell in column {_letters(column)}, past the "
                               f"last column {_letters(max_columns)} (Excel's and "
                               "LibreOffice's)")
                cell = attributes
                if kind == _COVERED:
                    row_covered = True
                paragraphs = None
                collect = None
                chars = 0
                if kind == _CELL:
                    rows_spanned = attributes.get(attr["table:number-rows-spanned"], "1")
                    columns_spanned = attributes.get(attr["table:number-columns-spanned"], "1")
                    if rows_spanned != "1" or columns_spanned != "1":
                        merge = Merge(column, row_number,
                                      column + count(columns_spanned) - 1,
                                      row_number + count(rows_spanned) - 1)
                        if (merge.first_col, merge.first_row) != (merge.last_col, merge.last_row):
                            merge_count += 1
                            if merge_count > limits.merges:
                                raise fail(f"the sheet has more than {limits.merges:,} merged "
                                           "ranges; casefhir reads at most that many")
                            starting[row_number].append(merge)
            elif cell is None:
                return
            elif kind == _ANNOTATION:
                hidden = 1
            elif kind == _PARAGRAPH:
                if paragraphs is None:
                    paragraphs = []
                elif collect is None:  # a second paragraph: a line break between them
                    paragraphs.append("\n")
                    chars += 1
                collect = paragraphs
            elif collect is not None:
                if kind == _SPACE:
                    spaces = count(attributes.get(attr["text:c"], "1"))
                    add_text(" " * min(spaces, cell_chars + 1))
                elif kind == _TAB:
                    add_text("\t")
                elif kind == _BREAK:
                    add_text("\n")

        def end(name: str) -> None:
            nonlocal depth, table_depth, inside, row, row_number, cell, collect, \
                hidden, column
            depth -= 1
            if hidden:
                hidden -= 1
                return
            kind = kinds.get(name)
            if kind is None:
                return
            if kind == _TABLE_EL:
                table_depth -= 1
                if table_depth == 0 and inside:
                    inside = False
                    row_number = 0  # (a later problem is not in one of its rows)
            elif not inside or table_depth != 1:
                return
            elif kind == _PARAGRAPH:
                collect = None
            elif kind in (_CELL, _COVERED):
                if cell is not None:
                    end_cell(cell)
                cell = None
                collect = None
            elif kind == _ROW:
                if row is not None:
                    end_row(row)
                row = None

        def text(data: str) -> None:
            if collect is not None and not hidden:
                add_text(data)

        def add_text(data: str) -> None:
            nonlocal chars
            if collect is None:
                return
            chars += len(data)
            if chars > cell_chars:
                raise fail(f"the cell holds more than {cell_chars:,} characters (Excel's limit "
                           "for a cell)", column)
            collect.append(data)

        def end_cell(attributes: dict[str, str]) -> None:
            nonlocal column, cell_count, row_chars, sheet_chars
            repeat = count(attributes.get(attr["table:number-columns-repeated"], "1"))
            at = column
            column += repeat
            # (a covered cell is usually empty, and the merged range's value is filled into
            # it; one that holds a value is read as the XLSX reader reads such a cell)
            value = _value(attributes, paragraphs)
            if value is None:
                return  # an empty cell, however often repeated: nothing to keep
            last = min(at + repeat - 1, max_columns + 1)
            if last > max_columns:
                raise fail(f"the sheet has a cell in column {_letters(max_columns + 1)}, past "
                           f"the last column {_letters(max_columns)} (Excel's and "
                           "LibreOffice's)", max_columns + 1)
            cell_count += (last - at + 1) * row_repeat
            if cell_count > max_cells:
                raise fail(f"the sheet has more than {max_cells:,} cells with a value in "
                           f"{compressed:,} compressed bytes: more than any table packs (a ZIP "
                           "bomb?); casefhir stops there", at)
            shown = value if isinstance(value, str) else value.text
            if shown:
                row_chars += len(shown) * (last - at + 1)
                sheet_chars += len(shown) * (last - at + 1) * row_repeat
                if row_chars > row_chars_limit:
                    raise fail(f"the row's cells hold more than {row_chars_limit:,} "
                               "characters; casefhir stops there", at)
                if sheet_chars > sheet_chars_limit:
                    raise fail(f"the sheet's cells hold more than {sheet_chars_limit:,} "
                               "characters; casefhir stops there", at)
            assert row is not None
            for col in range(at, last + 1):
                if isinstance(value, str):
                    row[col] = value
                else:
                    row[col] = SheetCell(col, value.value, value.data_type, value.text,
                                         value.formula, value.unsaved, value.outside,
                                         value.problem)

        def end_row(cells: dict[int, str | SheetCell]) -> None:
            nonlocal row_number
            first = row_number
            row_number += row_repeat
            if not cells and not row_covered:
                return  # empty rows, however many: nothing to hand on
            if first + row_repeat - 1 > max_rows:
                row_number = max_rows + 1
                raise fail(f"the sheet has a row {max_rows + 1:,}, past the last row "
                           f"{max_rows:,} (Excel's and LibreOffice's)")
            for number in range(first, first + row_repeat):
                done.append((number, cells))

        def _value(attributes: dict[str, str], texts: list[str] | None
                   ) -> str | SheetCell | None:
            kind = attributes.get(attr["office:value-type"])
            formula = attributes.get(attr["table:formula"])
            written = "".join(texts) if texts else ""
            code = outside = None
            if formula is not None:
                # written with its syntax's prefix: of:=[.B4]/12 (ODF), oooc:=, msoxl:=
                syntax, colon, rest = formula.partition(":")
                source = rest if colon and syntax.isalpha() and len(syntax) <= 8 else formula
                code = "=" + source.removeprefix("=") if source else "a formula"
                outside = refers_outside(formula)
            if attributes.get(attr["calcext:value-type"]) == "error":
                return SheetCell(column, written.strip() or "#VALUE!", "e",
                                 written.strip() or None, code)
            problem = None
            saved: Any = None
            data_type = "n"
            try:
                if kind in ("float", "percentage", "currency"):
                    number = attributes.get(attr["office:value"])
                    saved = None if number is None else _number(number)
                elif kind == "date":
                    stamp = attributes.get(attr["office:date-value"])
                    saved, data_type = (None if stamp is None
                                        else datetime.fromisoformat(stamp)), "d"
                elif kind == "time":
                    stamp = attributes.get(attr["office:time-value"])
                    saved, data_type = (None if stamp is None else _duration(stamp)), "d"
                elif kind == "boolean":
                    flag = attributes.get(attr["office:boolean-value"])
                    if flag is not None and flag not in ("true", "false"):
                        raise ValueError(f"Invalid boolean value {shorten(flag, 40)}")
                    saved, data_type = (None if flag is None else flag == "true"), "b"
                elif kind == "string":
                    saved = attributes.get(attr["office:string-value"], written)
                    data_type = "s"
                elif kind is not None or formula is None:  # text without a value type
                    saved, data_type = written or None, "s"
            except (ValueError, OverflowError) as exc:
                problem = f"{type(exc).__name__}: {shorten(str(exc), 200)}"
            shown = (saved.strip() or None) if isinstance(saved, str) else cell_text(saved)
            if code is None and problem is None:
                return shown
            # a formula whose value was never saved (written by a script, not a spreadsheet
            # program); a saved empty text (="") is a value
            unsaved = code is not None and saved is None and problem is None and data_type != "s"
            return SheetCell(column, saved, data_type, shown, code, unsaved, outside, problem)

        self.start = start  # type: ignore[method-assign]
        self.end = end  # type: ignore[method-assign]
        self.text = text


def _prefixes(root: dict[str, str]) -> tuple[dict[str, int], dict[str, str]]:
    """The element kinds by name as this file writes them, and the names it writes the
    attributes under, from the namespace declarations on the root element."""
    prefix = {uri: key.removeprefix("xmlns:") + ":" for key, uri in root.items()
              if key.startswith("xmlns:")}
    office, table, text = (prefix.get(_OFFICE, "office:"), prefix.get(_TABLE, "table:"),
                           prefix.get(_TEXT, "text:"))
    kinds = {table + "table": _TABLE_EL, table + "table-row": _ROW, table + "table-cell": _CELL,
             table + "covered-table-cell": _COVERED, text + "p": _PARAGRAPH, text + "h": _PARAGRAPH,
             text + "s": _SPACE, text + "tab": _TAB, text + "line-break": _BREAK,
             office + "annotation": _ANNOTATION, office + "spreadsheet": _SPREADSHEET}
    attr = {f"{short}:{local}": f"{prefix.get(uri, short + ':')}{local}"
            for short, uri, locals_ in (
                ("table", _TABLE, ("name", "number-rows-repeated", "number-columns-repeated",
                                   "number-rows-spanned", "number-columns-spanned", "formula")),
                ("office", _OFFICE, ("value-type", "value", "date-value", "time-value",
                                     "boolean-value", "string-value")),
                ("text", _TEXT, ("c",)),
                ("calcext", _CALCEXT, ("value-type",)))
            for local in locals_}
    attr["draw:"] = prefix.get(_DRAW, "draw:")
    return kinds, attr
