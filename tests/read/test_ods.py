"""ODS spreadsheets (converter/read/ods.py): read as XLSX workbooks are — the same values,
located messages, merged-range rules and limits — from files built in the test
(tests/read/odsbuild.py)."""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest

from converter.problems import InputError, Severity
from converter.read.ods import read_ods
from converter.read.rows import RawRow
from converter.read.sheetkind import kind_of_head
from converter.read.tables import open_table
from converter.read.xlsxpackage import LIMITS, Limits
from tests.conftest import run
from tests.read.odsbuild import MIMETYPE, content_xml, package, raw_table, spreadsheet
from tests.read.sheetfixtures import SEED, measure, seed_rows

GOOD = [["Case", "Age", "Sex"], ["1", 22, "F"], ["2", 23, "M"]]


def write(tmp_path: Path, data: bytes, name: str = "cases.ods") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows(path: Path, sheet: str | None = None, limits: Limits = LIMITS) -> list[RawRow]:
    return list(read_ods(str(path), sheet, limits).rows)


def refusal(path: Path, sheet: str | None = None, limits: Limits = LIMITS) -> str:
    with pytest.raises(InputError) as caught:
        rows(path, sheet, limits)
    return caught.value.problems[0].render()


def values(row: RawRow) -> dict[str, str | None]:
    return {cell.header: cell.value for cell in row.cells}


def test_the_seed_table_as_ods_converts_to_the_fhir_of_the_csv(tmp_path: Path) -> None:
    csv_path = tmp_path / "cases.csv"
    shutil.copy(SEED, csv_path)
    ods_path = write(tmp_path, spreadsheet(seed_rows()))
    outputs = []
    for source in (csv_path, ods_path):
        out = tmp_path / f"{source.suffix[1:]}.json"
        result = run("convert", str(source), "--series-id", "kobayashi-2023", "-o", str(out))
        assert result.exit_code == 0, result.stderr
        outputs.append(out.read_text())
    # only the source's name differs (Provenance entities and narrative name file and row)
    assert "cases.ods [cases], row 2" in outputs[1]
    assert outputs[1].replace(f"{ods_path} [cases]", str(csv_path)).replace(
        "cases.ods [cases]", "cases.csv") == outputs[0]


def test_values_are_read_as_the_xlsx_reader_reads_them(tmp_path: Path) -> None:
    body = ('<table:table-row><table:table-cell office:value-type="string"><text:p>Case</text:p>'
            '</table:table-cell><table:table-cell office:value-type="string"><text:p>Note</text:p>'
            '</table:table-cell><table:table-cell office:value-type="string"><text:p>Size</text:p>'
            '</table:table-cell><table:table-cell office:value-type="string"><text:p>When</text:p>'
            '</table:table-cell><table:table-cell office:value-type="string"><text:p>Time</text:p>'
            '</table:table-cell><table:table-cell office:value-type="string"><text:p>Share</text:p>'
            '</table:table-cell><table:table-cell office:value-type="string"><text:p>Done</text:p>'
            '</table:table-cell></table:table-row>'
            '<table:table-row><table:table-cell office:value-type="float" office:value="1">'
            '<text:p>1.00</text:p></table:table-cell>'
            '<table:table-cell office:value-type="string"><text:p>a<text:s text:c="2"/>b<text:tab/>'
            'c<text:line-break/><text:span>d</text:span></text:p><text:p>second</text:p>'
            '<office:annotation><text:p>a comment, not the cell</text:p></office:annotation>'
            '</table:table-cell>'
            '<table:table-cell table:formula="of:=[.A2]*2.5" office:value-type="float" '
            'office:value="2.5"><text:p>2.50 cm</text:p></table:table-cell>'
            '<table:table-cell office:value-type="date" office:date-value="2023-01-02">'
            '<text:p>02/01/23</text:p></table:table-cell>'
            '<table:table-cell office:value-type="time" office:time-value="PT10H30M00S">'
            '<text:p>10:30</text:p></table:table-cell>'
            '<table:table-cell office:value-type="percentage" office:value="0.15">'
            '<text:p>15%</text:p></table:table-cell>'
            '<table:table-cell office:value-type="boolean" office:boolean-value="false">'
            '<text:p>FALSE</text:p></table:table-cell></table:table-row>')
    [row] = rows(write(tmp_path, raw_table("cases", body)))
    assert values(row) == {"Case": "1", "Note": "a  b\tc\nd\nsecond", "Size": "2.5",
                           "When": "2023-01-02T00:00:00", "Time": "10:30:00", "Share": "0.15",
                           "Done": "no"}
    assert row.notes == ()


def test_repeated_rows_and_cells_are_each_read_and_trailing_empty_runs_cost_nothing(
        tmp_path: Path) -> None:
    body = ('<table:table-row><table:table-cell><text:p>Case</text:p></table:table-cell>'
            '<table:table-cell><text:p>Sex</text:p></table:table-cell>'
            '<table:table-cell><text:p>Site</text:p></table:table-cell></table:table-row>'
            '<table:table-row table:number-rows-repeated="2"><table:table-cell/>'
            '<table:table-cell office:value-type="string" table:number-columns-repeated="2">'
            '<text:p>F</text:p></table:table-cell>'
            '<table:table-cell table:number-columns-repeated="16380"/></table:table-row>'
            '<table:table-row table:number-rows-repeated="1048573">'
            '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>')
    started = time.perf_counter()
    read = rows(write(tmp_path, raw_table("cases", body)))
    assert time.perf_counter() - started < 2
    assert [(r.number, values(r)) for r in read] == [
        (2, {"Case": None, "Sex": "F", "Site": "F"}), (3, {"Case": None, "Sex": "F", "Site": "F"})]


def test_a_formula_without_a_saved_value_is_an_error_naming_the_cell(tmp_path: Path) -> None:
    [row] = rows(write(tmp_path, spreadsheet([["Case", "Age"], ["1", "=[.A2]+20"]])))
    assert row.notes[0].column == "B (Age)"
    assert "holds '=[.A2]+20' with no saved value (casefhir never evaluates formulas)" in \
        row.notes[0].message
    assert row.notes[0].severity is Severity.ERROR


def test_an_error_value_and_an_outside_reference_are_noted(tmp_path: Path) -> None:
    body = ('<table:table-row><table:table-cell><text:p>Case</text:p></table:table-cell>'
            '<table:table-cell><text:p>Age</text:p></table:table-cell></table:table-row>'
            '<table:table-row><table:table-cell><text:p>1</text:p></table:table-cell>'
            '<table:table-cell table:formula="of:=1/0" office:value-type="float" office:value=""'
            ' calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>'
            '</table:table-row><table:table-row><table:table-cell><text:p>2</text:p>'
            '</table:table-cell><table:table-cell table:formula="of:=[\'file:///C:/other.ods\''
            '#$Sheet1.A1]" office:value-type="float" office:value="30"><text:p>30</text:p>'
            '</table:table-cell></table:table-row>')
    first, second = rows(write(tmp_path, raw_table("cases", body)))
    assert "holds the spreadsheet error #DIV/0!" in first.notes[0].message
    assert values(second)["Age"] == "30"
    assert second.notes[0].severity is Severity.WARNING
    assert "'file:///C:/other.ods'" in second.notes[0].message


def test_merged_ranges_are_read_as_in_xlsx(tmp_path: Path) -> None:
    header = ('<table:table-row><table:table-cell><text:p>Case</text:p></table:table-cell>'
              '<table:table-cell><text:p>Sex</text:p></table:table-cell></table:table-row>')

    def case(number: int, sex: str) -> str:
        return (f'<table:table-row><table:table-cell><text:p>{number}</text:p></table:table-cell>'
                f'{sex}</table:table-row>')

    down = header + case(1, '<table:table-cell table:number-rows-spanned="2"><text:p>F</text:p>'
                            '</table:table-cell>') + case(2, "<table:covered-table-cell/>")
    _, second = rows(write(tmp_path, raw_table("cases", down)))
    assert values(second)["Sex"] == "F"
    assert second.notes[0].severity is Severity.WARNING
    assert "cells B2:B3 are merged: the value of B2 is read for this row too" in \
        second.notes[0].message
    across = header.replace("</table:table-row>", "<table:table-cell/></table:table-row>") + (
        '<table:table-row><table:table-cell table:number-columns-spanned="2"><text:p>1'
        '</text:p></table:table-cell><table:covered-table-cell/></table:table-row>')
    [row] = rows(write(tmp_path, raw_table("cases", across)))
    assert "cells A2:B2 are merged across columns" in row.notes[0].message


def test_the_sheet_is_chosen_by_name_or_number_and_a_bad_name_lists_them(tmp_path: Path
                                                                         ) -> None:
    path = write(tmp_path, spreadsheet(GOOD, "notes", more=[("cases", GOOD[:2])]))
    assert len(rows(path)) == 2
    assert len(rows(path, "cases")) == 1 and len(rows(path, "2")) == 1
    assert read_ods(str(path), "cases").name == f"{path} [cases]"
    assert refusal(path, "Cases 2") == (f"error: {path}: has no sheet 'Cases 2'; its sheets are "
                                        "'notes', 'cases'")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "is empty (0 bytes), not an ODS spreadsheet"),
    (b"Case,Age\n1,22\n", "is text, not an ODS spreadsheet (a CSV file named .ods? pass "
                          "--format csv)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "name it .xls or pass --format xls"),
    (package(content_xml(""), b"application/vnd.oasis.opendocument.text"),
     "is an OpenDocument file of another kind (mimetype "
     "'application/vnd.oasis.opendocument.text'), not an ODS spreadsheet"),
    (package(content_xml(""), None, {"[Content_Types].xml": b"<Types/>"}),
     "is an XLSX workbook (or another Office Open XML file), not an ODS spreadsheet"),
    (package(content_xml(""), manifest=b"<manifest:encryption-data/>"), "is password-protected"),
    (package(content_xml("")), "has no sheets"),
    (spreadsheet(GOOD)[:400], "is not a readable ODS spreadsheet (a broken ZIP archive"),
])
def test_what_is_not_an_ods_spreadsheet_is_named(tmp_path: Path, data: bytes, message: str
                                                 ) -> None:
    path = write(tmp_path, data)
    assert message in refusal(path)


def test_an_ods_file_under_another_name_is_named_for_what_it_is(tmp_path: Path) -> None:
    data = spreadsheet(GOOD)
    assert kind_of_head(data[:100]) == "ods"
    for name, message in (("cases.xlsx", "is an OpenDocument spreadsheet (.ods), not an XLSX "
                                         "workbook; name it .ods or pass --format ods"),
                          ("cases.csv", "is an OpenDocument spreadsheet (.ods), not CSV text; "
                                        "name it .ods or pass --format ods")):
        path = write(tmp_path, data, name)
        with pytest.raises(InputError) as caught:
            list(open_table(str(path)).rows)
        assert message in caught.value.problems[0].render()
    assert len(list(open_table(str(path), "ods").rows)) == 2
    result = run("convert", "-", "-f", "ods", "--series-id", "s1", "-o", "-", input=data)
    assert result.exit_code == 0, result.stderr


# ---------------------------------------------------------------- hostile input, in bounds
SMALL = replace(LIMITS, cells=10_000, cells_per_byte=0, elements=3_000_000, elements_per_byte=0,
                sheet_bytes=32 << 20, merges=100)


@pytest.mark.parametrize(("body", "message"), [
    ("<table:table-row/>" * 1_100_000, "row 1048577: the sheet has a row 1,048,577, past the "
                                       "last row 1,048,576"),
    ('<table:table-row table:number-rows-repeated="1048576"/><table:table-row>'
     '<table:table-cell><text:p>x</text:p></table:table-cell></table:table-row>',
     "past the last row 1,048,576"),
    ('<table:table-row><table:table-cell office:value-type="float" office:value="1" '
     'table:number-columns-repeated="1000000000"/></table:table-row>', "past the last column XFD"),
    ('<table:table-row table:number-rows-repeated="1000000000"><table:table-cell '
     'office:value-type="float" office:value="1" table:number-columns-repeated="100"/>'
     '</table:table-row>', "cells with a value"),
    ('<table:table-row><table:table-cell><text:p>' + "x" * 40_000 + "</text:p></table:table-cell>"
     "</table:table-row>", "the cell holds more than 32,767 characters"),
    ('<table:table-row><table:table-cell><text:p>a<text:s text:c="900000000"/></text:p>'
     "</table:table-cell></table:table-row>", "the cell holds more than 32,767 characters"),
    ("<table:table-row>" + "<text:span>" * 100 + "</text:span>" * 100 + "</table:table-row>",
     "nests XML elements more than 64 deep"),
    ('<table:table-row table:number-rows-repeated="-5"/>', "is repeated '-5' times, not a count"),
])
def test_hostile_tables_stop_with_a_located_error(tmp_path: Path, body: str, message: str
                                                  ) -> None:
    started = time.perf_counter()
    text = refusal(write(tmp_path, raw_table("cases", body)), limits=SMALL)
    assert time.perf_counter() - started < 10
    assert f"{tmp_path / 'cases.ods'} [cases]" in text and message in text, text


def test_a_zip_bomb_and_a_dtd_are_refused(tmp_path: Path) -> None:
    row = ('<table:table-row><table:table-cell/></table:table-row>' * 200_000)
    bomb = write(tmp_path, raw_table("cases", row))
    assert "content.xml declares 10,800,615 bytes unpacked, more than the 4,194,304 casefhir " \
        "reads (a ZIP bomb?)" in refusal(bomb, limits=replace(SMALL, sheet_bytes=4 << 20))
    dtd = content_xml("").replace(b"?>\n", b'?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
    assert "declares a DTD" in refusal(write(tmp_path, package(dtd)))


def deflated_zip_of_rows(tmp_path: Path, row: bytes, count: int) -> Path:
    """An ODS whose content.xml is `count` copies of `row`, deflated as it is written (a few
    hundred kB for tens of millions of rows) without holding the XML."""
    head, tail = content_xml("<table:table table:name=\"cases\">@</table:table>").split(b"@")
    import zipfile

    path = tmp_path / "bomb.ods"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, zipfile.ZIP_STORED)
        with archive.open("content.xml", "w", force_zip64=True) as member:
            member.write(head)
            per = min(count, 10_000)
            block = row * per
            for _ in range(count // per):
                member.write(block)
            member.write(tail)
    return path


@pytest.mark.parametrize(("rows_xml", "count", "outcome"), [
    (b'<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
     b'table:number-columns-repeated="16384"/></table:table-row>', 1_000,
     "row 2000001: the sheet has a row 2,000,001, past the last row 1,048,576"),
    (b"<table:table-row/>", 5_000_000, "row 1048577: the sheet has a row 1,048,577"),
])
def test_millions_of_empty_rows_are_refused_within_seconds_and_small_memory(
        tmp_path: Path, rows_xml: bytes, count: int, outcome: str) -> None:
    seconds, megabytes, result = measure(deflated_zip_of_rows(tmp_path, rows_xml, count))
    assert outcome in result
    assert seconds < 20 and megabytes < 80, (seconds, megabytes)


def odfpy_spreadsheet(rows: list[list[str | int | float | None]], path: Path) -> Path:
    """The rows written by odfpy, a writer independent of tests/read/odsbuild.py (spaces and
    tabs as odfpy's teletype writes them: text:s and text:tab)."""
    from odf import teletype
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="cases")
    for values_ in rows:
        row = TableRow()
        for value in values_:
            if value is None:
                cell = TableCell()
            elif isinstance(value, int | float):
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
            else:
                cell = TableCell(valuetype="string")
                paragraph = P()
                teletype.addTextToElement(paragraph, value)
                cell.addElement(paragraph)
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def test_a_spreadsheet_written_by_odfpy_reads_as_its_rows(tmp_path: Path) -> None:
    csv_path = tmp_path / "cases.csv"
    shutil.copy(SEED, csv_path)
    ods_path = odfpy_spreadsheet(seed_rows(), tmp_path / "cases.ods")
    outputs = []
    for source in (csv_path, ods_path):
        out = tmp_path / f"{source.suffix[1:]}.json"
        result = run("convert", str(source), "--series-id", "kobayashi-2023", "-o", str(out))
        assert result.exit_code == 0, result.stderr
        outputs.append(out.read_text())
    assert outputs[1].replace("cases.ods [cases]", "cases.csv") == outputs[0]
    spaced = odfpy_spreadsheet([["Case", "Note"], ["1", "a   b\tc"]], tmp_path / "spaced.ods")
    [row] = rows(spaced)
    assert values(row) == {"Case": "1", "Note": "a   b\tc"}
