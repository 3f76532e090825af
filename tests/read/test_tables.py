"""Readers: every format, encodings, BOMs, ragged rows, delimiters."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from openpyxl import Workbook

from converter.problems import InputError
from converter.read.rows import column_letter
from converter.read.tables import open_table


def values(path: Path, **kwargs: str) -> list[tuple[int, dict[str, str | None], str | None]]:
    table = open_table(str(path), **kwargs)
    return [(r.number, {c.header: c.value for c in r.cells}, r.error) for r in table.rows]


def test_csv_with_bom_and_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xef\xbb\xbfCase,Age\r\n1,22\r\n\r\n2,\"3\nmonths\"\r\n3,4\r\n")
    rows = values(path)
    assert rows[0] == (2, {"Case": "1", "Age": "22"}, None)
    assert rows[1][0] == 4 and rows[1][1]["Age"] == "3\nmonths"
    assert rows[2][0] == 6


def test_semicolon_and_tab_delimiters_are_detected(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("Case;Age\n1;22\n")
    (tmp_path / "b.tsv").write_text("Case\tAge\n1\t22\n")
    assert values(tmp_path / "a.csv")[0][1] == {"Case": "1", "Age": "22"}
    assert values(tmp_path / "b.tsv")[0][1] == {"Case": "1", "Age": "22"}


def test_ragged_rows_are_marked(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Case,Age\n1,22,extra\n2\n")
    rows = values(path)
    assert "has 3 cells but the header has 2" in str(rows[0][2])
    assert "has 1 cell but the header has 2" in str(rows[1][2])


def test_latin1_is_refused_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("Case,Site\n1,cuisse\n2,r\u00e9gion\n".encode("latin-1"))
    with pytest.raises(InputError) as caught:
        values(path)
    message = caught.value.problems[0].render()
    assert "is not UTF-8" in message and "line 3" in message and "0xE9" in message
    assert "--encoding" in message


def test_latin1_reads_with_encoding_option(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("Case,Site\n1,r\u00e9gion\n".encode("cp1252"))
    assert values(path, encoding="cp1252")[0][1]["Site"] == "r\u00e9gion"


def test_utf16_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("Case\tSite\n1\tr\u00e9gion\n".encode("utf-16"))  # Excel "Unicode text"
    assert values(path) == [(2, {"Case": "1", "Site": "r\u00e9gion"}, None)]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        values(path)


def test_xlsx_first_sheet_and_named_sheet(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "notes"
    sheet.append(["nothing here"])
    cases = workbook.create_sheet("cases")
    cases.append([None])
    cases.append(["Case", "Age", "Size"])
    cases.append([1, 22.0, "7 mm"])
    cases.append([None, None, None])
    cases.append(["2", 2.5, None])
    path = tmp_path / "a.xlsx"
    workbook.save(path)
    rows = values(path, sheet="cases")
    assert rows == [(3, {"Case": "1", "Age": "22", "Size": "7 mm"}, None),
                    (5, {"Case": "2", "Age": "2.5", "Size": None}, None)]
    assert open_table(str(path), sheet="2").name.endswith("[cases]")
    with pytest.raises(InputError, match="has no sheet 'x'"):
        open_table(str(path), sheet="x")


def test_not_an_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    path.write_text("Case,Age\n")
    with pytest.raises(InputError, match="is text, not an XLSX workbook"):
        open_table(str(path))


def test_json_array_of_objects(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(orjson.dumps([{"Case": 1, "Age": 22.5, "ok": True}, {"Case": "2", "x": {}}]))
    rows = values(path)
    assert rows[0] == (1, {"Case": "1", "Age": "22.5", "ok": "yes"}, None)
    table = open_table(str(path))
    nested = list(table.rows)[1]
    assert nested.notes[0].column == "x" and "nested object" in nested.notes[0].message


@pytest.mark.parametrize("data", [b'{"Case": 1}', b"[1, 2]", b"not json", b""])
def test_json_that_is_not_an_array_of_objects(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(data)
    try:
        rows = values(path)
    except InputError:
        return
    assert all(error for _, _, error in rows)


def test_ndjson_lines_and_broken_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.ndjson"
    path.write_text('{"Case": 1}\n\n{broken\n{"Case": 3}\n')
    rows = values(path)
    assert rows[0] == (1, {"Case": "1"}, None)
    assert rows[1][0] == 3 and "not valid JSON" in str(rows[1][2])
    assert rows[2][0] == 4


def test_missing_file_and_a_name_that_does_not_tell(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_table(str(tmp_path / "missing.dat"))
    (tmp_path / "a.dat").write_text("Case;Age\n1;22\n")  # read by its content
    table = open_table(str(tmp_path / "a.dat"))
    assert [label for _, label in table.headers] == ["A (Case)", "B (Age)"]
    (tmp_path / "b.dat").write_text("")
    with pytest.raises(InputError, match="is empty: nothing to read"):
        open_table(str(tmp_path / "b.dat"))
    (tmp_path / "c.dat").write_bytes(b'{"resourceType": "Bundle"}')
    with pytest.raises(InputError, match=r"holds FHIR .* pass --format json"):
        open_table(str(tmp_path / "c.dat"))


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


@pytest.mark.parametrize(("encoding", "advice"), [
    ("utf-32-le", "UTF-32 text without a byte-order mark: pass --encoding utf-32-le"),
    ("utf-32-be", "UTF-32 text without a byte-order mark: pass --encoding utf-32-be"),
    ("utf-16-le", "UTF-16 text without a byte-order mark: pass --encoding utf-16-le"),
    ("utf-16-be", "UTF-16 text without a byte-order mark: pass --encoding utf-16-be"),
])
def test_unicode_without_a_byte_order_mark_gets_the_right_advice(tmp_path: Path, encoding: str,
                                                                 advice: str) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("Case,Site\n1,r\u00e9gion\n2,\u6771\u4eac\n".encode(encoding))
    with pytest.raises(InputError, match=advice):
        values(path)
    assert values(path, encoding=encoding)[1][1] == {"Case": "2", "Site": "\u6771\u4eac"}


def test_a_long_encoding_name_is_quoted_short() -> None:
    from converter.read.tables import check_encoding

    why = check_encoding("x" * 100_000)
    assert why is not None and len(why) < 200 and "\u2026" in why


def test_no_line_longer_than_the_limit_is_held(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import converter.read.tables as readers

    monkeypatch.setattr(readers, "MAX_LINE_CHARS", 64)
    endless = tmp_path / "endless.csv"
    endless.write_bytes(b"Case,Notes\n1,ok\n2," + b"x" * 1_000)
    with pytest.raises(InputError, match="line 3 is longer than 64 characters"):
        values(endless)
    # lines that end within a piece, or span pieces, read as they are written: classic Mac
    # line ends (many lines a piece), and characters cut between two pieces
    mac = tmp_path / "mac.csv"
    mac.write_bytes(b"Case,Site\r" + b"".join(b"%d,r\xc3\xa9gion\r" % n for n in range(1, 40)))
    assert [row[1]["Site"] for row in values(mac)] == ["r\u00e9gion"] * 39
    assert values(mac)[-1][0] == 40
    cut = tmp_path / "cut.csv"
    cut.write_bytes(b"Case,Site\n1,a" + "\u00e9".encode() * 40 + b"\n")  # byte 64: inside an \u00e9
    assert values(cut)[0][1]["Site"] == "a" + "\u00e9" * 40
