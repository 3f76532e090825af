"""Legacy .xls workbooks written in the test by xlwt (a test-only dependency), so no binary
fixture is needed."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import xlwt

DATE = xlwt.easyxf(num_format_str="YYYY-MM-DD")


def workbook(rows: list[list[Any]], name: str = "cases",
             more: tuple[tuple[str, list[list[Any]]], ...] = (),
             merges: tuple[tuple[int, int, int, int, Any], ...] = ()) -> bytes:
    book = xlwt.Workbook()
    for sheet_name, sheet_rows in ((name, rows), *more):
        sheet = book.add_sheet(sheet_name)
        for r, row in enumerate(sheet_rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value, DATE if isinstance(value, date) else
                                xlwt.Style.default_style)
        if sheet_name == name:
            for first_row, last_row, first_col, last_col, value in merges:
                sheet.write_merge(first_row, last_row, first_col, last_col, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
