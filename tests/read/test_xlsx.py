"""XLSX bombs, small: each workbook of benchmarks/xlsx_corpus.py at a small size, read against
limits scaled down to match, must stop with a located InputError (the benchmark,
benchmarks/bench_xlsx.py, runs them full size against the real limits and measures them).
Plus what the reader must still read: formulas from outside the workbook (with a warning),
standard input, and legitimate tables."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from benchmarks import xlsx_corpus as corpus
from converter.problems import InputError, Severity
from converter.read.xlsx import read_xlsx
from converter.read.xlsxpackage import LIMITS, Limits
from tests.conftest import ROOT

# the real limits where they are Excel's or cheap to reach; the costly ones scaled down
SMALL = replace(LIMITS, elements=1_000_000, elements_per_byte=0, cells=100_000, cells_per_byte=0,
                shared_strings=2_000, shared_strings_per_byte=0, shared_string_chars=100_000,
                row_chars=50_000, sheet_chars=200_000, sheets=50, merges=100, members=200,
                cell_formats=500, rows=1_000)


def refusal(path: Path, limits: Limits = SMALL) -> str:
    with pytest.raises(InputError) as caught:
        for _ in read_xlsx(str(path), limits=limits).rows:
            pass
    problems = caught.value.problems
    assert len(problems) == 1 and problems[0].location is not None
    return problems[0].render()


BOMBS = [
    ("empty-rows", corpus.empty_rows, {"rows": 1_001},
     "[cases], row 1001: the sheet has a row 1,001, past Excel's last row 1,000"),
    ("empty-rows-numbered", corpus.empty_rows, {"rows": 1_010, "numbered": True},
     "[cases], row 1001: the sheet has a row 1,001, past Excel's last row"),
    ("empty-cells", corpus.empty_cells, {"cells": 20_000, "per_row": 1_000},
     "[cases], row 6, column ALL: the sheet has more than 5,000 cells in", {"cells": 5_000}),
    ("numbers", corpus.numbers, {"cells": 20_000, "per_row": 100},
     "[cases], row 51, column CV: the sheet has more than 5,000 cells in", {"cells": 5_000}),
    ("junk-elements", corpus.junk_elements, {"elements": 50_000},
     "[cases]: the sheet holds more than 20,000 XML elements (with the parts read before it)",
     {"elements": 20_000}),
    ("many-columns", corpus.many_columns, {"cells": 16_385},
     "[cases], row 2: the sheet has a cell in column XFE, past Excel's last column XFD"),
    ("shared-string-count", corpus.shared_string_count, {"strings": 5_000},
     "xl/sharedStrings.xml holds more than 2,000 shared strings in"),
    ("shared-string-chars", corpus.shared_string_chars, {"strings": 20, "chars": 10_000},
     "xl/sharedStrings.xml holds more than 100,000 characters of shared strings"),
    ("huge-shared-string", corpus.huge_shared_string, {"chars": 40_000},
     "xl/sharedStrings.xml shared string 0 holds more than 32,767 characters (Excel's limit"),
    ("repeated-long-string", corpus.repeated_long_string, {"rows": 20, "per_row": 10,
                                                           "chars": 6_000},
     "[cases], row 2, column I: the row's cells hold more than 50,000 characters"),
    ("sheet-chars", corpus.repeated_long_string, {"rows": 20, "per_row": 5, "chars": 9_000},
     "[cases], row 6, column C: the sheet's cells hold more than 200,000 characters"),
    ("huge-cell", corpus.huge_cell, {"chars": 40_000},
     "[cases], row 2, column A (Case): the cell holds more than 32,767 characters (Excel's"),
    ("huge-value", corpus.huge_value, {"digits": 40_000},
     "[cases], row 2, column A (Case): the cell holds more than 32,767 characters"),
    ("deep-nesting", corpus.deep_nesting, {"depth": 100},
     "[cases], row 2, column A (Case): the sheet nests XML elements more than 64 deep"),
    ("huge-styles", corpus.huge_styles, {"formats": 600},
     "xl/styles.xml defines more than 500 cell formats (Excel's limit is 64,000)"),
    ("many-sheets", corpus.many_sheets, {"sheets": 60},
     "xl/workbook.xml holds more than 50 sheets; casefhir reads at most that many"),
    ("entity-expansion", corpus.entity_expansion, {},
     "xl/sharedStrings.xml declares a DTD (<!DOCTYPE or <!ENTITY), which no workbook part has"),
    ("huge-tag", corpus.huge_tag, {"chars": 1_100_000},
     "[cases]: the sheet holds a tag or text longer than 1,048,576 bytes"),
    ("huge-comment", corpus.huge_comment, {"chars": 1_200_000},
     "[cases]: the sheet holds a comment longer than 1,048,576 bytes"),
    ("many-members", corpus.many_members, {"members": 300},
     ": declares 306 ZIP members, more than the 200 casefhir reads; refused unread"),
    ("many-merges", corpus.many_merges, {"merges": 150},
     "[cases]: the sheet has more than 100 merged ranges"),
    ("bzip2-member", corpus.bzip2_member, {"rows": 10},
     "is compressed with a method XLSX does not use (only stored and deflate are)"),
]


@pytest.mark.parametrize("bomb", BOMBS, ids=[b[0] for b in BOMBS])
def test_a_bomb_is_refused_with_a_located_error(tmp_path: Path, bomb: tuple[Any, ...]) -> None:
    name, build, size, message, *tighter = bomb
    path = tmp_path / f"{name}.xlsx"
    build(path, **size)
    rendered = refusal(path, replace(SMALL, **(tighter[0] if tighter else {})))
    assert rendered.startswith(f"error: {path}"), rendered
    assert message in rendered, rendered


def test_the_budget_grows_with_the_compressed_size(tmp_path: Path) -> None:
    """The same cells that a small file cannot hold, a file packing them less tightly may: the
    allowance is per compressed byte (real tables pack under 0.3 cells a byte)."""
    path = tmp_path / "numbers.xlsx"
    corpus.numbers(path, cells=20_000, per_row=100)
    per_byte = replace(SMALL, cells=5_000, cells_per_byte=20.0)
    assert sum(1 for _ in read_xlsx(str(path), limits=per_byte).rows) == 200


def test_a_zip_declaring_huge_parts_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "numbers.xlsx"
    corpus.numbers(path, cells=20_000, per_row=100)
    tight = replace(LIMITS, sheet_bytes=100_000)
    rendered = refusal(path, tight)
    assert f"error: {path} [cases]: the sheet declares " in rendered
    assert "bytes unpacked, more than the 100,000 casefhir reads (a ZIP bomb?); refused unread" \
        in rendered


def test_external_links_and_dde_are_read_with_a_located_warning(tmp_path: Path) -> None:
    path = tmp_path / "links.xlsx"
    corpus.external_links(path)
    rows = list(read_xlsx(str(path)).rows)
    assert [c.value for c in rows[0].cells] == ["1", "22", "F"]
    notes = {note.column: note for note in rows[0].notes}
    assert set(notes) == {"B (Age)", "C (Sex)"}
    assert all(note.severity is Severity.WARNING for note in notes.values())
    assert "holds '=[1]Sheet1!B2', whose saved value comes from the workbook " \
           "'file:///C:/data/other.xlsx', outside this workbook" in notes["B (Age)"].message
    assert "comes from a DDE link (a program the spreadsheet runs" in notes["C (Sex)"].message


def test_the_cli_warns_and_strict_refuses(tmp_path: Path) -> None:
    path = tmp_path / "links.xlsx"
    corpus.external_links(path)
    command = [sys.executable, "-m", "converter", "convert", str(path), "--series-id", "s1",
               "-o", str(tmp_path / "out.json")]
    loose = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert loose.returncode == 0, loose.stderr
    assert f"warning: {path} [cases], row 2, column B (Age): holds '=[1]Sheet1!B2'" in loose.stderr
    strict = subprocess.run([*command, "--strict"], capture_output=True, text=True, cwd=ROOT)
    assert strict.returncode == 1
    assert f"error: {path} [cases], row 2, column C (Sex): holds \"=cmd|' /C calc'!A0\"" \
        in strict.stderr


@pytest.mark.parametrize("rows", [300])
def test_legitimate_tables_are_read(tmp_path: Path, rows: int) -> None:
    for shared in (True, False):
        path = tmp_path / f"table-{shared}.xlsx"
        corpus.case_table(path, rows=rows, shared=shared, blank_rows_after=2_000, sheets=3)
        table = read_xlsx(str(path))
        read = list(table.rows)
        assert len(read) == rows and read[0].number == 2 and read[-1].number == rows + 1
        assert read[0].cells[0].value == "C1" and table.headers[0] == ("Case", "A (Case)")


def test_standard_input_is_spooled(tmp_path: Path) -> None:
    path = tmp_path / "links.xlsx"
    corpus.external_links(path)
    result = subprocess.run([sys.executable, "-m", "converter", "convert", "-", "-f", "xlsx",
                             "--series-id", "s1", "-o", "-", "-q"], input=path.read_bytes(),
                            capture_output=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert b'"resourceType":"Bundle"' in result.stdout.replace(b" ", b"")
