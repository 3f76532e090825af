"""Rows → records: binding, merging, and every problem located by file, row and column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from converter.problems import InputError, Severity
from converter.read.records import CaseIds, RecordBuilder, SourceRow, load_column_map
from converter.read.tables import open_table
from tests.conftest import SERIES, build


def builder_for(path: Path, **kwargs: object) -> RecordBuilder:
    return RecordBuilder(open_table(str(path)), SERIES, **kwargs)  # type: ignore[arg-type]


def test_unknown_column_is_an_error_naming_it(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Case", "Age", "Favourite colour"], ["1", "2", "blue"]])
    with pytest.raises(InputError) as caught:
        builder_for(path)
    message = caught.value.problems[0].render()
    assert "'Favourite colour'" in message and "column C" in message and "--columns" in message


def test_ignore_unmapped_turns_it_into_a_warning(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Case", "Favourite colour"], ["1", "blue"]])
    builder = builder_for(path, ignore_unmapped=True)
    assert builder.header_problems[0].severity is Severity.WARNING


def test_column_map_json_and_csv(tmp_path: Path, write_csv: Callable[..., Path]) -> None:
    (tmp_path / "map.json").write_text('{"Patient code": "case_id", "Colour": "ignore"}')
    (tmp_path / "map.csv").write_text("header,column\nPatient code,case_id\nColour,\n")
    path = write_csv([["Patient code", "Colour", "Age (y)"], ["7", "blue", "3"]])
    for name in ("map.json", "map.csv"):
        builder = builder_for(path, column_map=load_column_map(str(tmp_path / name)))
        record, _, problems = builder.build(next(builder.table.rows))
        assert record is not None and record.case_id == "7" and record.age.value == 3
        assert problems == []


def test_column_map_to_unknown_column(tmp_path: Path) -> None:
    (tmp_path / "map.json").write_text('{"X": "shoe_size"}')
    with pytest.raises(InputError, match="shoe_size"):
        load_column_map(str(tmp_path / "map.json"))


def test_two_headers_for_one_column(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Case", "Age", "Age (y)"], ["1", "2", "2"]])
    with pytest.raises(InputError, match="give age"):
        builder_for(path)


def test_no_case_column(write_csv: Callable[..., Path]) -> None:
    with pytest.raises(InputError, match="no case id column"):
        builder_for(write_csv([["Age"], ["2"]]))


def test_duplicate_case_ids_name_the_first_row(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Case", "Age"], ["1", "2"], ["1", "3"], ["2", "4"]])
    builder = builder_for(path)
    case_ids = CaseIds("row")
    verdicts = []
    for raw in builder.table.rows:
        record, source, _ = builder.build(raw)
        assert record is not None
        verdicts.append(case_ids.check(record.case_id, source))
    assert verdicts[0] is None and verdicts[2] is None
    duplicate = verdicts[1]
    assert duplicate is not None and duplicate.case_id == "1"
    assert "duplicate case id '1'; it is first used in row 2" in duplicate.render()
    assert "row 3, column A (Case)" in duplicate.render()


def test_case_ids_keep_every_first_row_as_the_table_grows() -> None:
    case_ids = CaseIds("row")
    rows = range(2, 20_002)  # crosses several doublings of the table
    assert all(case_ids.check(f"case-{row}", SourceRow("t.csv", row, "row")) is None
               for row in rows)
    assert case_ids.count == len(rows)
    for row in (2, 1025, 20_001):
        duplicate = case_ids.check(f"case-{row}", SourceRow("t.csv", 30_000, "row"))
        assert duplicate is not None
        assert f"it is first used in row {row}" in duplicate.render()


def test_errors_name_file_row_column_and_value() -> None:
    record, problems = build({"Case": "1", "Age (y)": "-3"})
    assert record is None
    assert problems[0].render() == (
        "error: t.csv, row 2, column Age (y): an age cannot be negative (value '-3')")


def test_age_sex_and_site_columns_merge() -> None:
    record, problems = build({"Case": "1", "Age/Sex": "22/F", "Site": "thigh", "Side": "left",
                              "Depth": "deep"})
    assert problems == []
    assert record.age.value == 22 and record.sex.key == "female"
    assert (record.site.region, record.site.laterality, record.site.depth) == ("thigh", "left", "deep")


def test_status_months_fill_follow_up() -> None:
    record, _ = build({"Case": "1", "Status": "alive, no recurrence at 36 mo"})
    assert record.follow_up_months == 36 and record.status.key == "ned"


def test_recurrence_months_column() -> None:
    record, _ = build({"Case": "1", "Local recurrence": "yes", "Time to recurrence": "14"})
    assert record.recurrence.occurred and record.recurrence.months == 14


def test_margin_without_surgery_is_dropped_with_a_warning() -> None:
    record, problems = build({"Case": "1", "Surgery": "no", "Margin": "R0"})
    assert record.surgery is None and record.margin is None
    assert all(p.severity is Severity.WARNING for p in problems)
    assert ["says no surgery was done" in problems[0].message,
            "surgery is 'no'" in problems[1].message] == [True, True]


def test_huge_cell_is_refused() -> None:
    record, problems = build({"Case": "1", "Notes": "x" * 20_000})
    assert record is None and "characters" in problems[0].message


def test_missing_markers_leave_fields_empty() -> None:
    record, problems = build({"Case": "1", "Age": "NA", "Flow voids": "n/a", "Site": "-"})
    assert problems == [] and record.age is None and record.mri_flow_voids is None
    assert record.site is None


def test_a_column_map_quotes_long_keys_and_targets_short(tmp_path: Path) -> None:
    """A 5 MB key (or target) was echoed whole in the message."""
    path = tmp_path / "map.json"
    for mapping in ({"h" * 5_000_000: "not-a-column"}, {"Age": "t" * 5_000_000},
                    {"Age": ["x" * 5_000_000]}):
        path.write_bytes(orjson.dumps(mapping))
        with pytest.raises(InputError) as caught:
            load_column_map(str(path))
        message = caught.value.problems[0].render()
        assert len(message) < 400 and "\u2026" in message, message[:400]
        assert "which is not a column of the data dictionary" in message


def test_every_unknown_column_is_reported_at_once_with_suggestions() -> None:
    import pytest

    from converter.problems import InputError
    from converter.read.records import RecordBuilder
    from converter.read.rows import Table
    from tests.conftest import SERIES

    headers = [(h, h) for h in ("Case", "Agee", "Sx", "Foo")]
    with pytest.raises(InputError) as raised:
        RecordBuilder(Table("t.csv", "row", headers, iter([])), SERIES)
    messages = [p.message for p in raised.value.problems]
    assert len(messages) == 3
    assert "'Agee' is not in the data dictionary (closest: age" in messages[0]
    assert "(closest: sex)" in messages[1]
    assert "closest" not in messages[2]
