"""Legacy Excel .xls workbooks (converter/read/xls.py, through xlrd): the values, located
messages and merged-range rules of XLSX, on workbooks written in the test by xlwt; and what a
damaged or oversized file does (refused, located, within bounds)."""

from __future__ import annotations

import shutil
import struct
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from converter.problems import InputError, Severity
from converter.read import xls
from converter.read.rows import RawRow
from converter.read.sheetkind import kind_of_head
from converter.read.tables import open_table
from converter.read.xls import read_xls
from converter.read.xlsxpackage import LIMITS, Limits
from tests.conftest import run
from tests.read.odsbuild import spreadsheet
from tests.read.sheetfixtures import SEED, measure, seed_rows
from tests.read.xlsbuild import workbook

GOOD: list[list[Any]] = [["Case", "Age", "Sex"], ["1", 22, "F"], ["2", 23, "M"]]
def write(tmp_path: Path, data: bytes, name: str = "cases.xls") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows(path: Path, sheet: str | None = None, limits: Limits = LIMITS) -> list[RawRow]:
    return list(read_xls(str(path), sheet, limits).rows)


def refusal(path: Path, sheet: str | None = None, limits: Limits = LIMITS) -> str:
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        rows(path, sheet, limits)
    assert time.perf_counter() - started < 10
    return caught.value.problems[0].render()


def values(row: RawRow) -> dict[str, str | None]:
    return {cell.header: cell.value for cell in row.cells}


def test_the_seed_table_as_xls_converts_to_the_fhir_of_the_csv(tmp_path: Path) -> None:
    csv_path = tmp_path / "cases.csv"
    shutil.copy(SEED, csv_path)
    xls_path = write(tmp_path, workbook(seed_rows()))
    outputs = []
    for source in (csv_path, xls_path):
        out = tmp_path / f"{source.suffix[1:]}.json"
        result = run("convert", str(source), "--series-id", "kobayashi-2023", "-o", str(out))
        assert result.exit_code == 0, result.stderr
        outputs.append(out.read_text())
    assert "cases.xls [cases], row 2" in outputs[1]
    assert outputs[1].replace("cases.xls [cases]", "cases.csv") == outputs[0]


def test_values_are_read_as_the_xlsx_reader_reads_them(tmp_path: Path) -> None:
    path = write(tmp_path, workbook([["Case", "Age", "Seen", "Alive", "Note"],
                                     [1, 22.5, date(2023, 1, 2), True, "  two words "]]))
    [row] = rows(path)
    assert values(row) == {"Case": "1", "Age": "22.5", "Seen": "2023-01-02T00:00:00",
                           "Alive": "yes", "Note": "two words"}


def test_a_range_merged_down_is_read_in_each_row_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, workbook([["Case", "Sex"], ["1"], ["2"]], merges=((1, 2, 1, 1, "F"),)))
    _, second = rows(path)
    assert values(second) == {"Case": "2", "Sex": "F"}
    assert second.notes[0].severity is Severity.WARNING
    assert "cells B2:B3 are merged" in second.notes[0].message
    across = write(tmp_path, workbook([["Case", "Sex", "Age"], ["1"]],
                                      merges=((1, 1, 1, 2, "F"),)), "across.xls")
    [row] = rows(across)
    assert "cells B2:C2 are merged across columns" in row.notes[0].message


def test_the_sheet_is_chosen_by_name_or_number_and_a_bad_name_lists_them(tmp_path: Path
                                                                         ) -> None:
    path = write(tmp_path, workbook(GOOD, "notes", more=(("cases", GOOD[:2]),)))
    assert len(rows(path)) == 2 and len(rows(path, "cases")) == 1 and len(rows(path, "2")) == 1
    assert read_xls(str(path), "cases").name == f"{path} [cases]"
    assert refusal(path, "Cases 2") == (f"error: {path}: has no sheet 'Cases 2'; its sheets "
                                        "are 'notes', 'cases'")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "is empty (0 bytes), not an XLS workbook"),
    (b"Case\tAge\n1\t22\n", "is text, not an XLS workbook (a CSV file named .xls? pass "
                            "--format csv)"),
    (b"<html><body><table><tr><td>Case</td></tr></table></body></html>",
     "is an HTML or XML page, not an XLS workbook"),
    (spreadsheet(GOOD), "is an OpenDocument spreadsheet (.ods), not a legacy .xls workbook; "
                        "name it .ods or pass --format ods"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "is not a readable XLS workbook"),
    (bytes(range(256)) * 4, "is not an XLS workbook (no Excel signature)"),
])
def test_what_is_not_an_xls_workbook_is_named(tmp_path: Path, data: bytes, message: str) -> None:
    assert message in refusal(write(tmp_path, data))


@pytest.mark.parametrize("cut", [100, 512, 1500, 3000, -200])
def test_a_truncated_workbook_is_refused_with_a_message(tmp_path: Path, cut: int) -> None:
    data = workbook(GOOD)
    text = refusal(write(tmp_path, data[:cut]))
    assert f"{tmp_path / 'cases.xls'}" in text and "XLS workbook" in text, text


def test_an_xls_file_under_another_name_is_named_for_what_it_is(tmp_path: Path) -> None:
    data = workbook(GOOD)
    assert kind_of_head(data[:100]) == "xls"
    path = write(tmp_path, data, "cases.csv")
    with pytest.raises(InputError) as caught:
        list(open_table(str(path)).rows)
    assert "is a legacy Excel .xls workbook" in caught.value.problems[0].render()
    assert "name it .xls or pass --format xls" in caught.value.problems[0].render()
    assert len(list(open_table(str(path), "xls").rows)) == 2
    result = run("convert", "-", "-f", "xls", "--series-id", "s1", "-o", "-", input=data)
    assert result.exit_code == 0, result.stderr


def test_an_oversized_file_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    data = workbook(GOOD)
    monkeypatch.setattr(xls, "MAX_XLS_BYTES", len(data) - 1)
    assert f"is larger than {len(data) - 1:,} bytes" in refusal(write(tmp_path, data))


def test_too_many_cells_or_shared_strings_are_refused_before_xlrd_parses(tmp_path: Path) -> None:
    path = write(tmp_path, workbook([["Case", "Note"], *([str(n), f"note {n}"]
                                                          for n in range(3_000))]))
    assert "has a sheet of more than 1,000 cells" in refusal(path, limits=replace(LIMITS,
                                                                                  cells=1_000))
    assert "declares 6,002 shared strings, more than the 100" in refusal(
        path, limits=replace(LIMITS, shared_strings=100))


def test_a_stream_of_millions_of_records_is_refused_within_seconds_and_small_memory(
        tmp_path: Path) -> None:
    """xlrd walks every record of the workbook in Python: 8 million empty ones (32 MB) took
    it 26 s; casefhir counts them first and stops past what a workbook of its cells has."""
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0)
    path = write(tmp_path, bof + b"\x00\x00\x00\x00" * 2_600_000)
    seconds, megabytes, outcome = measure(path)
    assert "holds more than 2,000,000 BIFF records" in outcome
    assert seconds < 10 and megabytes < 100, (seconds, megabytes)


def test_an_error_value_is_an_error_naming_the_cell(tmp_path: Path) -> None:
    """xlwt writes no error cells: its BOOLERR record of a boolean is made one (#DIV/0!)."""
    data = bytearray(workbook([["Case", "Age"], ["1", True]]))
    record = struct.pack("<HHHH", 0x0205, 8, 1, 1)  # BOOLERR of B2
    at = data.index(record) + len(record) + 2  # past the cell's format index
    data[at:at + 2] = b"\x07\x01"  # error code 0x07 (#DIV/0!), flag 1: an error
    [row] = rows(write(tmp_path, bytes(data)))
    assert row.notes[0].column == "B (Age)"
    assert "holds the spreadsheet error #DIV/0!" in row.notes[0].message
