"""The --columns file: headers, units, codebooks (value labels) and constants, JSON and CSV, and
a located error for every malformed entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from converter.problems import InputError, Location
from converter.read.columnmap import Constant, MappedColumn, column_map_of, load_column_map


def written(tmp_path: Path, mapping: Any, name: str = "map.json") -> str:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(mapping) if name.endswith(".json") else mapping.encode())
    return str(path)


def test_json_codebook_unit_and_constant(tmp_path: Path) -> None:
    loaded = load_column_map(written(tmp_path, {
        "sex": {"column": "sex", "values": {"1": "male", "2": " female ", "9": None}},
        "time": {"column": "os_months", "unit": "days"},
        "status": {"column": "os_status", "unit": "1=event", "values": {"1": "1", "0": "0"}},
        "series diagnosis": {"column": "diagnosis", "constant": " lung cancer "},
        "stage I": {"column": "stage", "otherwise": "Stage I"},
        "grade": {"column": "grade"},
    }))
    assert loaded == {
        "sex": MappedColumn("sex", "", {"1": "male", "2": "female", "9": None}),
        "time": MappedColumn("os_months", "days"),
        "status": MappedColumn("os_status", "1=event", {"1": "1", "0": "0"}),
        "series diagnosis": Constant("diagnosis", "lung cancer"),
        "stage I": Constant("stage", "Stage I", otherwise=True),
        "grade": "grade",
    }


def test_csv_codebook_in_a_fourth_cell(tmp_path: Path) -> None:
    loaded = load_column_map(written(tmp_path, "header,column,unit,values\n"
                                     "sex,sex,,1=male; 2=female; 9=\n"
                                     "time,os_months,days\n"
                                     "id,case_id\n", "map.csv"))
    assert loaded == {"sex": MappedColumn("sex", "", {"1": "male", "2": "female", "9": None}),
                      "time": MappedColumn("os_months", "days"), "id": "case_id"}


def test_a_time_origin_in_json_and_csv(tmp_path: Path) -> None:
    """"from" gives what a survival or follow-up time counts from, in the words people write
    (randomization → randomisation, enrolment → study entry)."""
    loaded = load_column_map(written(tmp_path, {
        "time": {"column": "os_months", "unit": "days", "from": "Study entry"},
        "rfs": {"column": "dfs_months", "from": "randomization"},
        "fu": {"column": "follow_up_months", "from": "enrolment"}}))
    assert loaded == {"time": MappedColumn("os_months", "days", None, "study entry"),
                      "rfs": MappedColumn("dfs_months", "", None, "randomisation"),
                      "fu": MappedColumn("follow_up_months", "", None, "study entry")}
    loaded = load_column_map(written(tmp_path, "t,pfs_months,weeks,,start of treatment\n",
                                     "map.csv"))
    assert loaded == {"t": MappedColumn("pfs_months", "weeks", None, "start of treatment")}


@pytest.mark.parametrize(("entry", "message"), [
    ({"column": "sex", "values": []}, "must be a non-empty object"),
    ({"column": "sex", "values": {}}, "must be a non-empty object"),
    ({"column": "sex", "values": {"1": 1}}, "gives the code '1' the label 1; a label is text"),
    ({"column": "sex", "values": {"1": " "}}, "a label is text"),
    ({"column": "sex", "values": {" ": "male"}}, "has an empty code"),
    ({"column": "sex", "values": {"1": "male", " 1": "female"}}, "gives the code '1' twice"),
    ({"column": "sex", "labels": {"1": "male"}}, "has the key 'labels'"),
    ({"column": "sex", "unit": 3}, "the unit of 'sex' must be text"),
    ({"column": "shoe", "values": {"1": "male"}}, "not a column of the data dictionary"),
    ({"column": "diagnosis", "constant": ""}, "must be non-empty text"),
    ({"column": "diagnosis", "constant": 3}, "must be non-empty text"),
    ({"column": "diagnosis", "constant": "x", "unit": "days"}, "takes no unit, codebook or second value"),
    ({"column": "case_id", "constant": "1"}, "differs from case to case"),
    ({"column": "stage", "otherwise": "I", "constant": "I"}, "no unit, codebook or second"),
    ({"column": "stage", "otherwise": None}, "must be non-empty text"),
    ({"column": "sex", "values": {"1": "m" * 10_001}}, "holds 10,001 characters; at most 10,000"),
    ({"column": "sex", "values": {"1": "ma\x1ble"}}, "the control character U+001B"),
    ({"column": "diagnosis", "constant": "x\x00"}, "the control character U+0000"),
    ({"column": "os_months", "from": "birth"},
     "counts \"from\" 'birth', which is not an origin casefhir knows; write one of: diagnosis, "
     "study entry, randomisation, start of treatment, surgery, remission, not reported"),
    ({"column": "os_months", "from": 3}, "counts \"from\" 3, which is not an origin"),
    ({"column": "recurrence_months", "from": "diagnosis"},
     "recurrence_months is not a survival or follow-up time"),
    ({"column": "diagnosis", "constant": "x", "from": "diagnosis"}, "takes no unit, codebook"),
])
def test_a_malformed_entry_is_an_error_naming_file_and_header(
        tmp_path: Path, entry: dict[str, Any], message: str) -> None:
    path = written(tmp_path, {"sex": entry})
    with pytest.raises(InputError) as caught:
        load_column_map(path)
    rendered = caught.value.problems[0].render()
    assert message in rendered and path in rendered and "'sex'" in rendered, rendered


@pytest.mark.parametrize(("line", "message"), [
    ("sex,sex,,1 male", "'1 male', which is not code=label"),
    ("sex,sex,,1=male;1=female", "gives the code '1' twice"),
    ("sex,sex,,1=male,extra", "sex is not a survival or follow-up time"),
    ("time,os_months,days,,diagnosis,extra", "two to five cells"),
])
def test_a_malformed_csv_codebook_names_its_line(tmp_path: Path, line: str, message: str) -> None:
    path = written(tmp_path, f"header,column\nage,age\n{line}\n", "map.csv")
    with pytest.raises(InputError) as caught:
        load_column_map(path)
    rendered = caught.value.problems[0].render()
    assert message in rendered and f"{path}, row 3" in rendered, rendered


def test_a_huge_codebook_is_refused(tmp_path: Path) -> None:
    path = written(tmp_path, {"x": {"column": "sex", "values": {str(i): "male"
                                                               for i in range(20_000)}}})
    with pytest.raises(InputError, match="20000 codes; at most 10000"):
        load_column_map(path)


def test_convert_stops_at_a_code_the_codebook_does_not_list(tmp_path: Path) -> None:
    """End to end: exit 1, the cell named, nothing written; a malformed map is a located error
    before anything is read."""
    from tests.conftest import run

    (tmp_path / "cases.csv").write_text("case,sex\n1,1\n2,3\n")
    out = tmp_path / "out.json"
    columns = written(tmp_path, {"sex": {"column": "sex", "values": {"1": "male", "2": "female"}}})
    result = run("convert", tmp_path / "cases.csv", "--series-id", "s1", "--columns", columns,
                 "-o", out)
    assert result.exit_code == 1 and not out.exists()
    assert "cases.csv, row 3, column B (sex): the code '3' is not in the codebook" in result.stderr
    assert "Traceback" not in result.stderr
    columns = written(tmp_path, {"sex": {"column": "sex", "values": {"1": 1}}})
    result = run("convert", tmp_path / "cases.csv", "--series-id", "s1", "--columns", columns,
                 "-o", out)
    assert result.exit_code == 1 and not out.exists()
    assert f"{columns}: the codebook of 'sex' gives the code '1' the label 1" in result.stderr


def test_a_parsed_map_is_checked_as_a_file_is_and_located_where_told(tmp_path: Path) -> None:
    mapping = {"sex": {"column": "sex", "values": {"1": "male", "9": None}},
               "FU": {"column": "follow_up_months", "unit": "days", "from": "diagnosis"},
               "Colour": "ignore"}
    origin = Location("casefhir.toml", row_kind="line")
    assert column_map_of(mapping, origin) == load_column_map(written(tmp_path, mapping))
    at_line = {"FU": Location("casefhir.toml", 7, row_kind="line")}
    with pytest.raises(InputError) as raised:
        column_map_of({"FU": {"column": "age", "from": "diagnosis"}}, origin, at_line)
    assert raised.value.problems[0].render().startswith("error: casefhir.toml, line 7: the entry "
                                                         "of 'FU' gives \"from\"")
