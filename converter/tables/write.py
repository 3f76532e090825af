"""Writing tables people open in spreadsheets: CSV, XLSX or JSON, atomically, and safe against
formula injection (a cell such as `=HYPERLINK(...)` is never a formula when opened).

CSV has no cell types, so a risky cell gets the spreadsheet's own text marker, a leading `'`,
which casefhir's CSV reader removes again (converter/csvcells.py), so a round trip keeps the value.
XLSX cells are written as typed strings (never formulas) with the quote-prefix style, so the
value itself is unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import orjson

from converter.csvcells import csv_safe, formula_risk
from converter.output.atomic import AtomicFile

TABLE_FORMATS = ("csv", "xlsx", "json")
def table_format(path: str, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = path.rpartition(".")[2].casefold() if "." in path else ""
    return suffix if suffix in TABLE_FORMATS else "csv"


def table_bytes(headers: Sequence[str], rows: Sequence[dict[str, str]], fmt: str) -> bytes:
    if fmt == "json":
        return orjson.dumps([{h: row[h] for h in headers if row.get(h)} for row in rows],
                            option=orjson.OPT_INDENT_2) + b"\n"
    if fmt == "xlsx":
        return _xlsx_bytes(headers, rows)
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow([csv_safe(h) for h in headers])
    for row in rows:
        out.writerow([csv_safe(row.get(h, "")) for h in headers])
    return buffer.getvalue().encode("utf-8")


def _xlsx_bytes(headers: Sequence[str], rows: Sequence[dict[str, str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("cases")

    def text_cell(value: str, bold: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # typed text, even for "=...": never a formula
        if formula_risk(value):
            cell.quotePrefix = True  # and stays text when someone edits it
        if bold:
            cell.font = Font(bold=True)
        return cell

    sheet.append([text_cell(h, bold=True) for h in headers])
    for row in rows:
        sheet.append([text_cell(row[h]) if row.get(h) else None for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_table(path: str, headers: Sequence[str], rows: Sequence[dict[str, str]],
                fmt: str) -> None:
    out = AtomicFile(path)
    try:
        out.write(table_bytes(headers, rows, fmt))
        out.commit()
    except BaseException:
        out.abort()
        raise
