"""The hostile-input corpus: bad files, each with the message it must give and where.

Every BAD entry must make `casefhir convert` exit 1 with an error line

    error: <file><where>: ...<message>...

write nothing and print no traceback (tests/test_hostile_input.py runs each through every
output shape). READABLE entries are awkward but legitimate inputs that must convert (exit 0)
with the values a person reading the file sees.

`where` is exactly what follows the file name: "" (the whole file), ", line 3", ", row 2,
column B (Age)", " [cases], row 2, column B (Age)" (XLSX names the sheet).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import orjson

from benchmarks import xlsx_corpus as bombs
from tests.hostile.xlsxbuild import (
    declare_huge,
    edit_part,
    from_corpus,
    set_cell_xml,
    sub_xml,
    workbook,
    zip_of,
)
from tests.read.odsbuild import raw_table, spreadsheet
from tests.read.xlsbuild import workbook as xls_workbook


@dataclass(frozen=True)
class Bad:
    name: str  # the file name; its suffix chooses the reader
    content: bytes | Callable[[], bytes]
    message: str  # a fragment of the error message
    where: str  # what follows the file name in that message
    args: tuple[str, ...] = ()  # more convert options

    def data(self) -> bytes:
        return self.content() if callable(self.content) else self.content

    @property
    def id(self) -> str:
        return self.name


@dataclass(frozen=True)
class Readable:
    name: str
    content: bytes | Callable[[], bytes]
    cells: dict[str, str | None]  # header → the value the first data row must be read as
    args: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())  # fragments of warnings it must give

    def data(self) -> bytes:
        return self.content() if callable(self.content) else self.content

    @property
    def id(self) -> str:
        return self.name


def csv_(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def json_(value: object) -> bytes:
    return orjson.dumps(value)


AGE = ", row 2, column B (Age)"
SIZE = ", row 2, column B (Size)"
FOLLOW_UP = ", row 2, column B (Follow-up)"
AGE_XLSX = " [cases], row 2, column B (Age)"
ODS_PAST_LAST_ROW = ('<table:table-row><table:table-cell><text:p>Case</text:p></table:table-cell>'
                     '</table:table-row><table:table-row table:number-rows-repeated="1048575"/>'
                     '<table:table-row><table:table-cell><text:p>1</text:p></table:table-cell>'
                     '</table:table-row>')
GOOD_XLSX = [["Case", "Age", "Sex"], ["1", 22, "F"], ["2", 23, "M"]]

BAD: list[Bad] = [
    # ---------------------------------------------------------------- empty, header only
    Bad("empty.csv", b"", "is empty: no header row", ""),
    Bad("blank-lines.csv", b"\n  \r\n\n", "holds only blank lines: no header row", ""),
    Bad("bom-only.csv", b"\xef\xbb\xbf", "is empty: no header row", ""),
    Bad("header-only.csv", csv_("Case,Age\n"), "no cases: the input has a header but no data rows",
        ""),
    Bad("header-only-blank-rows.tsv", csv_("Case\tAge\n\t\n\n"), "no cases", ""),
    Bad("empty-header.csv", csv_(",,\n1,2,3\n"), "the header row is empty", ", row 1"),
    Bad("empty.json", b"", "is empty", ""),
    Bad("whitespace.json", b" \n\t\n", "is empty", ""),
    Bad("empty-array.json", b"[]", "no cases: the input holds no records", ""),
    Bad("empty.ndjson", b"", "no cases: the input holds no records", ""),
    Bad("blank-lines.ndjson", b"\n\n  \n", "no cases: the input holds no records", ""),
    Bad("empty.xlsx", b"", "is empty (0 bytes), not an XLSX workbook", ""),
    Bad("empty-sheet.xlsx", lambda: workbook([]), "the sheet is empty: no header row", " [cases]"),
    Bad("header-only.xlsx", lambda: workbook([["Case", "Age"]]), "no cases", " [cases]"),
    # ---------------------------------------------------------------- delimiters, ragged rows
    Bad("wrong-delimiter-option.csv", csv_("Case,Age\n1,22\n"), "the file seems to use commas",
        ", row 1", ("--delimiter", ";")),
    Bad("rows-use-another-delimiter.csv", csv_("Case,Age\n1;22\n"),
        "has 1 cell but the header has 2", ", row 2"),
    Bad("ragged-long.csv", csv_("Case,Age\n1,22\n2,23,extra\n"), "has 3 cells but the header has 2",
        ", row 3"),
    Bad("ragged-short.tsv", csv_("Case\tAge\tSex\n1\t22\n"), "has 2 cells but the header has 3",
        ", row 2"),
    Bad("unclosed-quote.csv", csv_('Case,Notes\n1,ok\n2,"never closed\n3,x\n'),
        "never closed: the file ends inside quotes", ", row 3"),
    Bad("text-after-quote.csv", csv_('Case,Size\n1,"5" cm\n'),
        "a closing quote is followed by more text", ", row 2"),
    Bad("unknown-header.csv", csv_("Case,Shoe size\n1,42\n"),
        "column 'Shoe size' is not in the data dictionary", ", row 1, column B (Shoe size)"),
    Bad("header-after-blank-lines.csv", csv_("\n\nCase,Shoe size\n1,42\n"),
        "is not in the data dictionary", ", row 3, column B (Shoe size)"),
    Bad("duplicate-header.csv", csv_("Case,Age,AGE\n1,2,3\n"),
        "both B (Age) and C (AGE) give age", ", row 1, column C (AGE)"),
    Bad("no-case-column.csv", csv_("Age,Sex\n22,F\n"), "no case id column", ", row 1"),
    Bad("value-without-header.csv", csv_("Case,,Age\n1,x,22\n"),
        "a value under a column with no header", ", row 2, column B"),
    # ---------------------------------------------------------------- encodings
    Bad("latin-1.csv", csv_("Case,Site\n1,cuisse\n2,r\u00e9gion\n", "latin-1"),
        "is not UTF-8 text: byte 0xE9 at byte 4 of the line (file offset 22)", ", line 3"),
    Bad("cp1252-quotes.csv", csv_("Case,Notes\n1,\u201cbig\u201d\n", "cp1252"),
        "pass --encoding cp1252", ", line 2"),
    Bad("utf8-read-as-cp1252.csv", csv_("Case,Site\n1,r\u00e9gion\n"),
        "is UTF-8 text ('1,r\u00e9gion') that --encoding cp1252 would garble", ", line 2",
        ("--encoding", "cp1252")),
    Bad("utf16-bom-with-cp1252-option.csv", "Case,Age\n1,22\n".encode("utf-16"),
        "starts with a UTF-16 byte-order mark, but --encoding cp1252 was given", "",
        ("--encoding", "cp1252")),
    Bad("huge-header.csv", csv_("Case," + "h" * 100_000 + "\n1,2\n"),
        f"column '{'h' * 39}\u2026' is not in the data dictionary",
        f", row 1, column B ({'h' * 39}\u2026)"),
    Bad("utf16-without-bom.csv", "Case,Age\n1,22\n".encode("utf-16-le"),
        "looks like UTF-16 text without a byte-order mark: pass --encoding utf-16-le", ", line 1"),
    Bad("utf16-be-without-bom.csv", "Case,Age\n1,22\n".encode("utf-16-be"),
        "looks like UTF-16 text without a byte-order mark: pass --encoding utf-16-be", ", line 1"),
    Bad("utf32-without-bom.csv", "Case,Site\n1,r\u00e9gion\n".encode("utf-32-le"),
        "looks like UTF-32 text without a byte-order mark: pass --encoding utf-32-le", ", line 1"),
    Bad("utf32-be-without-bom.tsv", "Case\tAge\n1\t22\n".encode("utf-32-be"),
        "looks like UTF-32 text without a byte-order mark: pass --encoding utf-32-be", ", line 1"),
    Bad("utf32-without-bom.json", '[{"Case": "1"}]'.encode("utf-32-le"),
        "looks like UTF-32 text without a byte-order mark: pass --encoding utf-32-le", ", line 1"),
    Bad("nul-byte.csv", b"Case,Notes\n1,a\x00b\n", "holds a NUL byte at file offset 14", ", line 2"),
    Bad("truncated-utf8.csv", b"Case,Site\n1,r\xc3", "is not UTF-8 text: byte 0xC3", ", line 2"),
    Bad("latin-1.json", '[{"Case": "1", "Site": "r\u00e9gion"}]'.encode("latin-1"),
        "is not UTF-8 text: byte 0xE9", ", line 1"),
    Bad("latin-1.ndjson", '{"Case": "1"}\n{"Case": "\u00e9"}\n'.encode("latin-1"),
        "is not UTF-8 text", ", line 2"),
    # ---------------------------------------------------------------- not a table at all
    Bad("workbook-named.csv", lambda: workbook(GOOD_XLSX), "is a ZIP archive, not CSV text", ""),
    Bad("xls-named.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
        "legacy Excel .xls workbook", ""),
    Bad("pdf-named.json", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "is a PDF document", ""),
    Bad("csv-named.xlsx", csv_("Case,Age\n1,22\n"), "is text, not an XLSX workbook", ""),
    Bad("xls.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "legacy Excel .xls", ""),
    Bad("random.xlsx", bytes(range(256)) * 4, "is not an XLSX workbook (not a ZIP archive)", ""),
    Bad("truncated.xlsx", lambda: workbook(GOOD_XLSX)[:1500], "is not a readable XLSX workbook",
        ""),
    Bad("zip-not-workbook.xlsx", lambda: zip_of({"hello.txt": b"hi"}),
        "is not a readable XLSX workbook", ""),
    Bad("zip-bomb.xlsx", lambda: declare_huge(workbook(GOOD_XLSX)),
        "the sheet declares 4,294,967,280 bytes unpacked, more than the", " [cases]"),
    # ---------------------------------------------------------------- XLSX cells
    Bad("formula-without-value.xlsx", lambda: workbook([["Case", "Age"], ["1", "=20+2"]]),
        "holds '=20+2' with no saved value (casefhir never evaluates formulas)",
        " [cases], row 2, column B (Age)"),
    Bad("formula-header.xlsx", lambda: workbook([["Case", '="Age"'], ["1", 22]]),
        "the header holds '=\"Age\"' with no saved value", " [cases], row 1, column B"),
    Bad("error-cell.xlsx", lambda: set_cell_xml(workbook(GOOD_XLSX), "B2",
                                                '<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'),
        "holds the spreadsheet error #DIV/0!", " [cases], row 2, column B (Age)"),
    Bad("merged-across-columns.xlsx", lambda: workbook(GOOD_XLSX, merge=["B2:C2"]),
        "cells B2:C2 are merged across columns", " [cases], row 2, column B (Age)"),
    Bad("merged-header.xlsx", lambda: workbook([["Case", "Age", None], ["1", 2, 3]],
                                               merge=["B1:C1"]),
        "the header cells B1:C1 are merged", " [cases], row 1, column B (Age)"),
    Bad("merged-case-ids.xlsx", lambda: workbook([["Case", "Age"], ["1", 2], [None, 3]],
                                                 merge=["A2:A3"]),
        "duplicate case id '1'; it is first used in row 2", " [cases], row 3, column A (Case)"),
    Bad("value-right-of-header.xlsx", lambda: workbook([["Case", "Age"], ["1", 2, None, "x"]]),
        "has a value in column D, right of the last header column B (Age)", " [cases], row 2"),
    Bad("huge-integer.xlsx", lambda: sub_xml(workbook(GOOD_XLSX), rb"<v>22</v>",
                                             b"<v>" + b"9" * 5000 + b"</v>"),
        "holds a value that cannot be read (ValueError: Exceeds the limit (4300 digits)", AGE_XLSX),
    Bad("broken-sheet-xml.xlsx", lambda: edit_part(workbook(GOOD_XLSX), lambda x: x[:-60]),
        "the sheet cannot be read after row", " [cases]"),
    Bad("rows-out-of-order.xlsx", lambda: sub_xml(workbook(GOOD_XLSX), rb'<row r="3"',
                                                  b'<row r="2"'),
        "the sheet's rows are out of order or misnumbered (row 2 after row 2)", " [cases], row 2"),
    Bad("table-not-at-a1.xlsx", lambda: workbook([["Case", "Age"], ["1", "abc"]], at="C4"),
        "not an age", " [cases], row 5, column D (Age)"),
    Bad("title-above-header.xlsx", lambda: workbook([["Table 1", None], ["Case", "Age"], ["1", 2]],
                                                    merge=["A1:B1"]),
        "the header cells A1:B1 are merged", " [cases], row 1, column A (Table 1)"),
    Bad("row-zero.xlsx", lambda: sub_xml(workbook(GOOD_XLSX), rb'<row r="1"', b'<row r="0"'),
        "out of order or misnumbered (row 0 after row 0)", " [cases], row 0"),
    Bad("shared-string-missing.xlsx", lambda: set_cell_xml(workbook(GOOD_XLSX), "C2",
                                                           '<c r="C2" t="s"><v>999</v></c>'),
        "holds a value that cannot be read (IndexError: shared string 999 does not exist: the "
        "workbook has 0)", " [cases], row 2, column C (Sex)"),
    Bad("bad-date.xlsx", lambda: set_cell_xml(workbook(GOOD_XLSX), "B2",
                                              '<c r="B2" t="d"><v>yesterday</v></c>'),
        "holds a value that cannot be read (ValueError: Invalid datetime value yesterday)",
        AGE_XLSX),
    Bad("infinite-number.xlsx", lambda: set_cell_xml(workbook(GOOD_XLSX), "B2",
                                                     '<c r="B2"><v>1e999</v></c>'),
        "not an age", " [cases], row 2, column B (Age)"),
    Bad("huge-header.xlsx", lambda: workbook([["Case", "x" * 30_000], ["1", "2"]]),
        f"column '{'x' * 39}\u2026' is not in the data dictionary",
        f" [cases], row 1, column B ({'x' * 39}\u2026)"),
    Bad("absurd-numbers.xlsx", lambda: workbook([["Case", "Age"], ["1", 1e308]]), "not an age",
        " [cases], row 2, column B (Age)"),
    Bad("date-as-age.xlsx", lambda: workbook([["Case", "Age"], ["1", date(2023, 1, 2)]]),
        "not an age", " [cases], row 2, column B (Age)"),
    Bad("no-such-sheet.xlsx", lambda: workbook(GOOD_XLSX), "has no sheet 'Cases 2'; its sheets "
                                                           "are 'cases'", "", ("--sheet", "Cases 2")),
    Bad("huge-sheet-option.xlsx", lambda: workbook(GOOD_XLSX),
        f"has no sheet '{'s' * 39}\u2026'; its sheets are 'cases'", "", ("--sheet", "s" * 100_000)),
    # ---------------------------------------------------------------- XLSX beyond any limit
    Bad("row-past-excel.xlsx", lambda: sub_xml(workbook(GOOD_XLSX), rb'<row r="3"',
                                               b'<row r="1048577"'),
        "the sheet has a row 1,048,577, past Excel's last row 1,048,576", " [cases], row 1048577"),
    Bad("column-past-excel.xlsx", lambda: set_cell_xml(workbook(GOOD_XLSX), "C2",
                                                       '<c r="XFE2"><v>1</v></c>'),
        "the sheet has a cell in column XFE, past Excel's last column XFD", " [cases], row 2"),
    Bad("cells-out-of-order.xlsx", lambda: set_cell_xml(workbook(GOOD_XLSX), "C2",
                                                        '<c r="A2"><v>1</v></c>'),
        "the cells of row 2 are out of order or repeated (column A after B)",
        " [cases], row 2, column A (Case)"),
    Bad("cell-past-excel.xlsx", lambda: from_corpus(bombs.huge_cell, chars=40_000),
        "the cell holds more than 32,767 characters (Excel's limit for a cell)",
        " [cases], row 2, column A (Case)"),
    Bad("shared-string-past-excel.xlsx", lambda: from_corpus(bombs.huge_shared_string,
                                                             chars=40_000),
        "xl/sharedStrings.xml shared string 0 holds more than 32,767 characters", ""),
    Bad("deep-xml.xlsx", lambda: from_corpus(bombs.deep_nesting, depth=200),
        "the sheet nests XML elements more than 64 deep", " [cases], row 2, column A (Case)"),
    Bad("entity-bomb.xlsx", lambda: from_corpus(bombs.entity_expansion),
        "xl/sharedStrings.xml declares a DTD (<!DOCTYPE or <!ENTITY)", ""),
    Bad("huge-tag.xlsx", lambda: from_corpus(bombs.huge_tag, chars=1_100_000),
        "the sheet holds a tag or text longer than 1,048,576 bytes", " [cases]"),
    Bad("bzip2.xlsx", lambda: from_corpus(bombs.bzip2_member, rows=10),
        "is compressed with a method XLSX does not use", ""),
    Bad("utf16-sheet.xlsx", lambda: edit_part(workbook(GOOD_XLSX),
                                              lambda x: x.decode().encode("utf-16")),
        "the sheet is not UTF-8 XML (UTF-16 or UTF-32?)", " [cases]"),
    # ---------------------------------------------------------------- absurd numbers
    Bad("nan-size.csv", csv_("Case,Size\n1,NaN mm\n"), "not a size", SIZE),
    Bad("inf-age.csv", csv_("Case,Age\n1,inf\n"), "not an age", AGE),
    Bad("minus-infinity-age.csv", csv_("Case,Age\n1,-Infinity\n"), "not an age", AGE),
    Bad("e308-age.csv", csv_("Case,Age\n1,1e308\n"), "not an age", AGE),
    Bad("400-digit-age.csv", csv_("Case,Age\n1," + "9" * 400 + "\n"), "not a finite number", AGE),
    Bad("negative-age.csv", csv_("Case,Age\n1,-3\n"), "an age cannot be negative", AGE),
    Bad("age-151.csv", csv_("Case,Age\n1,151\n"), "an age of 151 years is impossible", AGE),
    Bad("age-in-months-absurd.csv", csv_("Case,Age (months)\n1,2400\n"),
        "an age of 200 years is impossible", ", row 2, column B (Age (months))"),
    Bad("negative-size.csv", csv_("Case,Size\n1,-4 cm\n"), "a size cannot be negative", SIZE),
    Bad("zero-size.csv", csv_("Case,Size\n1,0 mm\n"), "a size must be greater than zero", SIZE),
    Bad("size-in-km.csv", csv_("Case,Size\n1,3 km\n"), "not a size", SIZE),
    Bad("size-a-metre-and-more.csv", csv_("Case,Size (mm)\n1,1500000\n"),
        "a tumour over 100 cm is implausible", ", row 2, column B (Size (mm))"),
    Bad("negative-follow-up.csv", csv_("Case,Follow-up\n1,-2\n"), "a duration cannot be negative",
        FOLLOW_UP),
    Bad("follow-up-centuries.csv", csv_("Case,Follow-up\n1,300 years\n"),
        "a duration of 3600 months is impossible", FOLLOW_UP),
    Bad("nan-in-json.json", b'[{"Case": "1", "Age": NaN}]', "is not valid JSON at character 23",
        ", line 1"),
    Bad("infinity-in-json.json", b'[{"Case": "1",\n "Age": Infinity}]', "is not valid JSON",
        ", line 2"),
    Bad("1e400-in-json.json", b'[{"Case": "1", "Age": 1e400}]', "number is infinity", ", line 1"),
    Bad("1e300-in-json.json", b'[{"Case": "1", "Age": 1e300}]', "not an age",
        ", record 1, column Age"),
    Bad("nan-in-ndjson.ndjson", b'{"Case": "1", "Age": NaN}\n', "is not valid JSON", ", line 1"),
    # ---------------------------------------------------------------- huge and strange cells
    Bad("huge-cell.csv", csv_("Case,Notes\n1," + "x" * 1_100_000 + "\n"),
        "a cell holds more than 1,000,000 characters", ", row 2"),
    Bad("long-cell.csv", csv_("Case,Notes\n1," + "x" * 20_000 + "\n"),
        "the cell holds 20,000 characters; at most 10,000 are read", ", row 2, column B (Notes)"),
    Bad("long-cell.json", json_([{"Case": "1", "Notes": "y" * 50_000}]),
        "the cell holds 50,000 characters", ", record 1, column Notes"),
    Bad("control-character.csv", csv_("Case,Notes\n1,ring \x07 bell\n"),
        "the cell holds the control character U+0007", ", row 2, column B (Notes)"),
    Bad("escape-in-json.json", json_([{"Case": "1", "Diagnosis": "\x1b[2J"}]),
        "control character U+001B", ", record 1, column Diagnosis"),
    # ---------------------------------------------------------------- JSON shapes
    Bad("not-json.json", csv_("Case,Age\n1,22\n"), "is not valid JSON at character 1", ", line 1"),
    Bad("truncated.json", b'[\n  {"Case": "1"},\n  {"Case": "2"', "is not valid JSON", ", line 3"),
    Bad("object.json", json_({"Case": "1", "Age": 22}),
        "it holds an object (one object per line is NDJSON", ""),
    Bad("wrapped-array.json", json_({"cases": [{"Case": "1"}]}), "it holds an object", ""),
    Bad("string.json", json_("cases"), "it holds a string", ""),
    Bad("number.json", b"42", "it holds a number", ""),
    Bad("null.json", b"null", "it holds a null", ""),
    Bad("array-of-numbers.json", json_([1, 2]), "is a JSON number, not an object", ", record 1"),
    Bad("array-of-arrays.json", json_([["Case", "Age"], ["1", "22"]]),
        "is a JSON array, not an object", ", record 1"),
    Bad("nested-object.json", json_([{"Case": "1", "Age": {"value": 22, "unit": "a"}}]),
        "holds a nested object", ", record 1, column Age"),
    Bad("nested-list.json", json_([{"Case": "1"}, {"Case": "2", "Age": [22]}]),
        "holds a nested array", ", record 2, column Age"),
    Bad("deep.json", b"[" * 100_000 + b"]" * 100_000, "is nested too deeply", ", line 1"),
    Bad("deep-value.json", b'[{"Case": "1", "Age": ' + b"[" * 5000 + b"]" * 5000 + b"}]",
        "is nested too deeply", ", line 1"),
    Bad("lone-surrogate.json", b'[{"Case": "\\ud800"}]', "is not valid JSON", ", line 1"),
    Bad("json-duplicate-ids.json", json_([{"Case": 1}, {"Case": "1"}, {"Case": 1.0}]),
        "duplicate case id '1'; it is first used in record 1", ", record 2, column Case"),
    Bad("empty-key.json", json_([{"Case": "1", "": "x"}]), "a value under a column with no header",
        ', record 1, column ""'),
    # ---------------------------------------------------------------- NDJSON lines
    Bad("broken-line.ndjson", b'{"Case": "1"}\n{"Case": "2",\n{"Case": "3"}\n',
        "is not valid JSON at character", ", line 2"),
    Bad("array-line.ndjson", b'{"Case": "1"}\n["Case", "2"]\n', "is a JSON array, not an object",
        ", line 2"),
    Bad("json-array-as-ndjson.ndjson", b'[\n{"Case": "1"}\n]\n', "is the file one JSON array?",
        ", line 1"),
    Bad("nested-line.ndjson", b'{"Case": "1", "Age": {"y": 2}}\n', "holds a nested object",
        ", line 1, column Age"),
    Bad("unknown-key-late.ndjson", b'{"Case": "1"}\n\n{"Case": "2", "Shoe": 42}\n',
        "column 'Shoe' is not in the data dictionary", ", line 3, column Shoe"),
    Bad("ndjson-duplicate-ids.ndjson", b'{"Case": "a"}\n{"Case": "b"}\n{"Case": "a"}\n',
        "duplicate case id 'a'; it is first used in line 1", ", line 3, column Case"),
    # ---------------------------------------------------------------- case ids
    Bad("duplicate-ids.csv", csv_("Case,Age\n1,22\n2,3\n 1 ,4\n"),
        "duplicate case id '1'; it is first used in row 2", ", row 4, column A (Case)"),
    Bad("empty-id.csv", csv_("Case,Age\n,22\n"), "the case id is empty", ", row 2, column A (Case)"),
    Bad("id-with-tab.tsv", csv_('Case\tAge\n"a\tb"\t22\n'),
        "a case id cannot contain control characters", ", row 2, column A (Case)"),
    Bad("id-too-long.csv", csv_("Case\n" + "x" * 65 + "\n"), "a case id longer than 64 characters",
        ", row 2, column A (Case)"),
    # ---------------------------------------------------------------- ODS and XLS
    Bad("empty.ods", b"", "is empty (0 bytes), not an ODS spreadsheet", ""),
    Bad("csv-named.ods", csv_("Case,Age\n1,22\n"), "is text, not an ODS spreadsheet", ""),
    Bad("truncated.ods", lambda: spreadsheet(GOOD_XLSX)[:400],
        "is not a readable ODS spreadsheet (a broken ZIP archive", ""),
    Bad("ods-named.xlsx", lambda: spreadsheet(GOOD_XLSX),
        "is an OpenDocument spreadsheet (.ods), not an XLSX workbook; name it .ods", ""),
    Bad("ods-named.csv", lambda: spreadsheet(GOOD_XLSX),
        "is an OpenDocument spreadsheet (.ods), not CSV text; name it .ods", ""),
    Bad("formula-without-value.ods", lambda: spreadsheet([["Case", "Age"], ["1", "=20+2"]]),
        "holds '=20+2' with no saved value", AGE_XLSX),
    Bad("no-such-sheet.ods", lambda: spreadsheet(GOOD_XLSX),
        "has no sheet 'Cases 2'; its sheets are 'cases'", "", ("--sheet", "Cases 2")),
    Bad("row-past-last.ods", lambda: raw_table("cases", ODS_PAST_LAST_ROW),
        "the sheet has a row 1,048,577, past the last row 1,048,576", " [cases], row 1048577"),
    Bad("dates-as-ages.ods", lambda: spreadsheet([["Case", "Age"], ["1", date(2023, 1, 2)]]),
        "not an age", AGE_XLSX),
    Bad("empty.xls", b"", "is empty (0 bytes), not an XLS workbook", ""),
    Bad("html-named.xls", b"<html><table><tr><td>Case</td></tr></table></html>",
        "is an HTML or XML page, not an XLS workbook", ""),
    Bad("truncated.xls", lambda: xls_workbook(GOOD_XLSX)[:1500], "is not a readable XLS workbook",
        ""),
    Bad("no-such-sheet.xls", lambda: xls_workbook(GOOD_XLSX),
        "has no sheet 'Cases 2'; its sheets are 'cases'", "", ("--sheet", "Cases 2")),
    Bad("absurd-age.xls", lambda: xls_workbook([["Case", "Age"], ["1", 1e308]]), "not an age",
        AGE_XLSX),
]

# ids that must neither escape the output folder nor clash: they become safe, distinct file names
PATH_IDS = ["../../etc/passwd", "..", ".", "/", "/etc/passwd", "a/../../b", "..\\..\\win.ini",
            "C:\\Windows\\x", "~root", "CON", "NUL.txt", "$(touch pwned)", "`id`", "-rf",
            ".hidden", "a b", "\u00e9t\u00e9", "\u202eevil", "x" * 64]

READABLE: list[Readable] = [
    Readable("utf8-bom.csv", b"\xef\xbb\xbfCase,Site\r\n1,r\xc3\xa9gion\r\n",
             {"Case": "1", "Site": "r\u00e9gion"}),
    Readable("utf8-bom.json", b'\xef\xbb\xbf[{"Case": "1", "Site": "r\xc3\xa9gion"}]',
             {"Case": "1", "Site": "r\u00e9gion"}),
    Readable("utf8-bom.ndjson", b'\xef\xbb\xbf{"Case": "1", "Site": "r\xc3\xa9gion"}\n',
             {"Case": "1", "Site": "r\u00e9gion"}),
    Readable("utf16-excel-unicode-text.tsv", "Case\tSite\r\n1\tr\u00e9gion\r\n".encode("utf-16"),
             {"Case": "1", "Site": "r\u00e9gion"}),
    Readable("cp1252.csv", "Case,Notes\n1,\u201cbig\u201d \u20ac\n".encode("cp1252"),
             {"Case": "1", "Notes": "\u201cbig\u201d \u20ac"}, ("--encoding", "cp1252")),
    Readable("latin-1-with-option.csv", "Case,Site\n1,r\u00e9gion\n".encode("latin-1"),
             {"Case": "1", "Site": "r\u00e9gion"}, ("--encoding", "latin-1")),
    Readable("latin-1-with-option.json", '[{"Case": "1", "Site": "r\u00e9gion"}]'.encode("latin-1"),
             {"Case": "1", "Site": "r\u00e9gion"}, ("--encoding", "latin-1")),
    Readable("classic-mac-line-ends.csv", b"Case,Age\r1,22\r2,23\r", {"Case": "1", "Age": "22"}),
    Readable("pipe-delimited.csv", csv_("Case|Age\n1|22\n"), {"Case": "1", "Age": "22"}),
    Readable("tab-option.csv", csv_("Case\tAge\n1\t22\n"), {"Case": "1", "Age": "22"},
             ("--delimiter", "tab")),
    Readable("blank-lines-first.csv", csv_("\n\nCase,Age\n1,22\n"), {"Case": "1", "Age": "22"}),
    Readable("nan-is-not-recorded.csv", csv_("Case,Age\n1,NaN\n"), {"Case": "1", "Age": "NaN"},
             warnings=("row 2, column B (Age): NaN (not a number) is read as not recorded",)),
    Readable("formula-with-saved-value.xlsx",
             lambda: set_cell_xml(workbook(GOOD_XLSX), "B2", '<c r="B2"><f>20+2</f><v>22</v></c>'),
             {"Case": "1", "Age": "22"}),
    Readable("formula-saved-empty-text.xlsx",
             lambda: set_cell_xml(workbook(GOOD_XLSX), "C2",
                                  '<c r="C2" t="str"><f>IF(1,"","F")</f><v></v></c>'),
             {"Case": "1", "Sex": None}),
    Readable("merged-down.xlsx", lambda: workbook([["Case", "Sex"], ["1", "F"], ["2", None]],
                                                  merge=["B2:B3"]),
             {"Case": "1", "Sex": "F"},
             warnings=("[cases], row 3, column B (Sex): cells B2:B3 are merged: the value of B2 "
                       "is read for this row too",)),
    Readable("table-at-c4.xlsx", lambda: workbook([["Case", "Age"], ["1", 22]], at="C4"),
             {"Case": "1", "Age": "22"}),
    Readable("utf32-with-option.csv", "Case,Site\n1,r\u00e9gion\n".encode("utf-32-le"),
             {"Case": "1", "Site": "r\u00e9gion"}, ("--encoding", "utf-32-le")),
    Readable("external-link.xlsx", lambda: from_corpus(bombs.external_links),
             {"Case": "1", "Age": "22", "Sex": "F"},
             warnings=("[cases], row 2, column B (Age): holds '=[1]Sheet1!B2', whose saved value "
                       "comes from the workbook 'file:///C:/data/other.xlsx', outside this "
                       "workbook", "[cases], row 2, column C (Sex): holds \"=cmd|' /C calc'!A0\", "
                       "whose saved value comes from a DDE link")),
    Readable("wrong-dimension.xlsx",
             lambda: sub_xml(workbook(GOOD_XLSX), rb'<dimension ref="[^"]*"\s*/>',
                             b'<dimension ref="A1:B2"/>'),
             {"Case": "1", "Age": "22", "Sex": "F"}),
]
