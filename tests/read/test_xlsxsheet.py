"""The sheet reader reads what openpyxl reads (read-only, saved values): the same value in every
cell, on workbooks openpyxl writes (inline strings, dates, numbers, booleans) and on
Excel-style ones (shared strings with rich text and phonetic runs, styles marking dates)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from benchmarks import xlsx_corpus as corpus
from converter.read.rows import cell_text
from converter.read.xlsxbook import read_book, read_date_styles, read_shared_strings
from converter.read.xlsxpackage import Package
from converter.read.xlsxsheet import SheetCell, sheet_rows


def ours(data: bytes) -> dict[tuple[int, int], str | None]:
    package = Package(io.BytesIO(data))
    book = read_book(package)
    part = book.sheets[0].part
    assert part is not None
    strings = read_shared_strings(package, book.shared_strings_part)
    dates, durations = read_date_styles(package, book.styles_part)
    found: dict[tuple[int, int], str | None] = {}
    for number, cells in sheet_rows(package, part, book, strings, dates, durations):
        for column, cell in cells.items():
            text = cell if isinstance(cell, str) else \
                (cell.text if isinstance(cell, SheetCell) else None)
            if text is not None:  # (a formula without a saved value: no text, as in openpyxl)
                found[number, column] = text
    return found


def openpyxls(data: bytes) -> dict[tuple[int, int], str | None]:
    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    sheet.reset_dimensions()
    return {(cell.row, cell.column): cell_text(cell.value) for row in sheet.iter_rows()
            for cell in row if getattr(cell, "value", None) is not None
            and cell_text(cell.value) is not None}


values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**15, 10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(max_size=40).map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t)),
    st.dates(date(1900, 3, 1), date(9999, 12, 31)),
    st.datetimes(datetime(1900, 3, 1), datetime(9999, 12, 31)).map(
        lambda d: d.replace(microsecond=0)),
    st.times().map(lambda t: t.replace(microsecond=0)),
    st.timedeltas(timedelta(0), timedelta(days=999)).map(
        lambda d: timedelta(seconds=int(d.total_seconds()))),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(values, max_size=6), min_size=1, max_size=8))
def test_workbooks_openpyxl_writes_read_the_same(rows: list[list[Any]]) -> None:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    assert ours(data) == openpyxls(data)


def test_excel_style_workbooks_read_the_same(tmp_path: Path) -> None:
    path = tmp_path / "table.xlsx"
    corpus.case_table(path, rows=400, shared=True, blank_rows_after=50)
    data = path.read_bytes()
    assert ours(data) == openpyxls(data)


def test_shared_strings_rich_text_phonetic_runs_and_dates(tmp_path: Path) -> None:
    strings = [b"<si><t>plain</t></si>",
               b"<si><r><rPr><b/></rPr><t>bold</t></r><r><t xml:space=\"preserve\"> tail</t></r>"
               b"</si>",
               b"<si><t>\xe6\x9d\xb1\xe4\xba\xac</t><rPh sb=\"0\" eb=\"1\"><t>\xe3\x81\xa8"
               b"</t></rPh></si>",
               b"<si><t>a_x005F_x000D_b</t></si>", b"<si><t/></si>"]
    row = (b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
           b'<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v>'
           b'</c><c r="F1" s="1"><v>45000</v></c><c r="G1" s="2"><v>45000.5</v></c>'
           b'<c r="H1" t="b"><v>1</v></c><c r="I1" t="e"><v>#N/A</v></c>'
           b'<c r="J1" t="str"><f>A1</f><v>plain</v></c><c r="K1" t="d"><v>2024-01-02</v></c>'
           b'<c r="L1" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c></row>')
    path = tmp_path / "strings.xlsx"
    corpus.write_workbook(path, corpus.sheet_xml([row]),
                          shared_strings=corpus.shared_strings_xml(strings))
    data = path.read_bytes()
    read = ours(data)
    assert read == openpyxls(data)
    assert read[1, 2] == "bold tail" and read[1, 3] == "\u6771\u4eac"
    assert read[1, 6] == "2023-03-15T00:00:00" and read[1, 12] == "inline"


def test_a_mac_1904_workbook_dates_from_1904(tmp_path: Path) -> None:
    row = b'<row r="1"><c r="A1" s="2"><v>1</v></c></row>'
    path = tmp_path / "mac.xlsx"
    corpus.write_workbook(path, corpus.sheet_xml([row]),
                          workbook_inner=[b'<workbookPr date1904="1"/>'])
    assert ours(path.read_bytes())[1, 1] == "1904-01-02T00:00:00"


def test_a_workbook_with_a_prefixed_namespace(tmp_path: Path) -> None:
    sheet = (corpus.DECLARATION + b'<x:worksheet xmlns:x="' + corpus.MAIN + b'"><x:sheetData>'
             b'<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Case</x:t></x:is></x:c>'
             b'<x:c r="B1"><x:v>7</x:v></x:c></x:row></x:sheetData></x:worksheet>')
    path = tmp_path / "prefixed.xlsx"
    corpus.write_workbook(path, [sheet])
    assert ours(path.read_bytes()) == {(1, 1): "Case", (1, 2): "7"}


def test_every_zip_member_read_is_one_the_reader_needs(tmp_path: Path) -> None:
    """Nothing but the package's relationships, content types, workbook, styles, shared
    strings and the one sheet is opened: not the theme, properties or other sheets."""
    path = tmp_path / "table.xlsx"
    corpus.case_table(path, rows=5, sheets=3)
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return original(self, name, *args, **kwargs)

    zipfile.ZipFile.open = spy  # type: ignore[method-assign]
    try:
        ours(path.read_bytes())
    finally:
        zipfile.ZipFile.open = original  # type: ignore[method-assign]
    assert sorted(set(opened)) == ["[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels",
                                   "xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml",
                                   "xl/worksheets/sheet1.xml"]


def test_times_and_durations_are_read_as_openpyxl_reads_them(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append([time(13, 30), timedelta(hours=30), datetime(2020, 5, 17, 8, 0)])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    assert ours(data) == openpyxls(data)
