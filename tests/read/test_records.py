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


def test_a_surgery_cell_saying_it_was_not_done_is_no_operation_done() -> None:
    """ "Surgery unfeasible; amputation suggested" is a not-done and a proposed treatment, as
    the treatment column reads it: never a completed operation with a margin."""
    record, problems = build({"Case": "1", "Surgery": "Surgery unfeasible; amputation suggested",
                              "Margin": "R0"})
    assert record.surgery is None and record.margin is None
    assert [(t.kind, t.status) for t in record.treatments] == [
        ("surgery", "not-done"), ("surgery", "proposed")]
    assert any("says the surgery was not done" in p.message for p in problems)
    done, _ = build({"Case": "1", "Surgery": "Hemipelvectomy (after two biopsies)"})
    assert done.surgery is not None and not done.treatments


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


def coded_builder(tmp_path: Path, write_csv: Callable[..., Path], rows: list[list[str]],
                  mapping: dict[str, object]) -> RecordBuilder:
    (tmp_path / "map.json").write_bytes(orjson.dumps(mapping))
    return builder_for(write_csv(rows), column_map=load_column_map(str(tmp_path / "map.json")))


CODEBOOK = {"sex": {"column": "sex", "values": {"1": "male", "2": "female"}},
            "status": {"column": "os_status", "values": {"1": "dead", "0": "alive", "9": None}},
            "histo": {"column": "diagnosis", "values": {"1": "lung neoplasm of unstated kind"}}}


def test_a_codebook_label_is_read_by_the_column_parser(
        tmp_path: Path, write_csv: Callable[..., Path]) -> None:
    rows = [["Case", "sex", "status"], ["1", "2", "1"], ["2", " 1 ", "9"], ["3", "", "NA"]]
    builder = coded_builder(tmp_path, write_csv, rows, CODEBOOK)
    built = [builder.build(raw) for raw in builder.table.rows]
    assert [p for _, _, problems in built for p in problems] == []
    first, second, third = (record for record, _, _ in built)
    assert first is not None and second is not None and third is not None
    assert (first.sex.key, first.status.key, first.status.text) == ("female", "dead", "dead")
    assert (second.sex.key, second.status) == ("male", None)  # 9: the code says nothing
    assert (third.sex, third.status) == (None, None)  # empty and NA cells stay empty
    assert built[0][1].columns["os_status"] == "C (status)"  # traced to the coded cell


def test_the_row_digest_is_of_the_coded_cells(tmp_path: Path,
                                              write_csv: Callable[..., Path]) -> None:
    """The Provenance's SHA-256 is the source row's, codes and all, not the labels'."""
    rows = [["Case", "sex"], ["1", "2"]]
    coded = coded_builder(tmp_path, write_csv, rows, {"sex": CODEBOOK["sex"]})
    plain = builder_for(write_csv([["Case", "sex"], ["1", "female"]], "plain.csv"))
    coded_record, _, _ = coded.build(next(coded.table.rows))
    plain_record, _, _ = plain.build(next(plain.table.rows))
    assert coded_record is not None and plain_record is not None
    assert coded_record.sex == plain_record.sex
    assert coded_record.source.sha256 == row_digest_of([("Case", "1"), ("sex", "2")])
    assert coded_record.source.sha256 != plain_record.source.sha256


def row_digest_of(cells: list[tuple[str, str]]) -> str:
    from converter.read.records import row_digest
    from converter.read.rows import Cell, RawRow

    return row_digest(RawRow(2, tuple(Cell(h, h, v) for h, v in cells)))


def test_a_code_the_codebook_does_not_list_is_an_error_at_its_cell(
        tmp_path: Path, write_csv: Callable[..., Path]) -> None:
    builder = coded_builder(tmp_path, write_csv, [["Case", "sex"], ["1", "3"]], CODEBOOK)
    record, _, problems = builder.build(next(builder.table.rows))
    assert record is None
    [problem] = problems
    rendered = problem.render()
    assert "row 2, column B (sex)" in rendered and "the code '3' is not in the codebook" in rendered
    assert "codes: 1, 2" in rendered and "(value '3')" in rendered


def test_a_label_the_parser_warns_about_shows_code_and_label(
        tmp_path: Path, write_csv: Callable[..., Path]) -> None:
    builder = coded_builder(tmp_path, write_csv, [["Case", "histo"], ["1", "1"]], CODEBOOK)
    record, _, warnings = builder.build(next(builder.table.rows))
    assert record is not None and record.diagnosis.text == "lung neoplasm of unstated kind"
    [warned] = warnings
    assert warned.value == "1 = lung neoplasm of unstated kind" and "column B (histo)" in warned.render()
    builder = coded_builder(tmp_path, write_csv, [["Case", "status"], ["1", "1"]],
                            {"status": {"column": "os_status", "values": {"1": "perhaps"}}})
    record, _, errors = builder.build(next(builder.table.rows))
    assert record is None and errors[0].value == "1 = perhaps", errors


def test_a_constant_gives_every_row_its_value(tmp_path: Path,
                                              write_csv: Callable[..., Path]) -> None:
    mapping = {"trial diagnosis": {"column": "diagnosis", "constant": "lung neoplasm of unstated kind"}}
    builder = coded_builder(tmp_path, write_csv, [["Case"], ["1"], ["2"]], mapping)
    built = [builder.build(raw) for raw in builder.table.rows]
    assert [r.diagnosis.text for r, _, _ in built if r] == ["lung neoplasm of unstated kind"] * 2
    source = built[1][1]
    assert source.columns["diagnosis"] == "trial diagnosis (constant of --columns)"
    # an unknown term warns, located at the row and the constant
    assert "row 3, column trial diagnosis (constant of --columns)" in built[1][2][0].render()


def test_a_constant_and_a_header_cannot_both_give_a_column(
        tmp_path: Path, write_csv: Callable[..., Path]) -> None:
    mapping = {"trial diagnosis": {"column": "diagnosis", "constant": "lung cancer"}}
    with pytest.raises(InputError, match="both B \\(Dx\\) and trial diagnosis \\(constant of "
                                         "--columns\\) give diagnosis"):
        coded_builder(tmp_path, write_csv, [["Case", "Dx"], ["1", "SFT"]], mapping)
    with pytest.raises(InputError, match="is a header of the table and the name of a constant"):
        coded_builder(tmp_path, write_csv, [["Case", "trial diagnosis"], ["1", "x"]], mapping)


DUMMIES = {"Stage_II": {"column": "stage", "values": {"1": "Stage II", "0": None}},
           "Stage_III": {"column": "stage", "values": {"1": "Stage III", "0": None}},
           "reference": {"column": "stage", "otherwise": "Stage I"}}


def test_dummy_coded_columns_share_a_column_with_an_otherwise_value(
        tmp_path: Path, write_csv: Callable[..., Path]) -> None:
    rows = [["Case", "Stage_II", "Stage_III"], ["1", "0", "1"], ["2", "1", "0"], ["3", "0", "0"],
            ["4", "0", ""], ["5", "1", "1"], ["6", "NA", "0"]]
    builder = coded_builder(tmp_path, write_csv, rows, DUMMIES)
    built = [builder.build(raw) for raw in builder.table.rows]
    stages = [r.stage.text if r and r.stage else None for r, _, _ in built]
    # rows 4 and 7: a cell is empty or NA, so "all say nothing" is not known: no stage, not I
    assert stages == ["Stage III", "Stage II", "Stage I", None, None, None]
    assert [s.columns.get("stage") for _, s, _ in built[:3]] == \
        ["C (Stage_III)", "B (Stage_II)", "reference (constant of --columns)"]
    [conflict] = built[4][2]
    assert "row 6, column C (Stage_III)" in conflict.render()
    assert "both B (Stage_II) and C (Stage_III) give stage in this row" in conflict.message


def test_an_uncoded_header_cannot_share_a_column(tmp_path: Path,
                                                  write_csv: Callable[..., Path]) -> None:
    with pytest.raises(InputError, match="give stage; keep one"):
        coded_builder(tmp_path, write_csv, [["Case", "Stage", "Stage_II"], ["1", "I", "0"]],
                      {"Stage_II": DUMMIES["Stage_II"]})
    with pytest.raises(InputError, match="gives stage 'otherwise', but no header with a codebook"):
        coded_builder(tmp_path, write_csv, [["Case", "Stage"], ["1", "I"]],
                      {"reference": DUMMIES["reference"]})


def test_several_treatment_columns_in_table_order_each_item_at_its_column() -> None:
    # synovial-lit: "Treatment" and "Adjuvant therapy"; gist-lit: "Neoadjuvant therapy", ...
    record, problems = build({"case_id": "1", "Neoadjuvant therapy": "imatinib 400 mg/day",
                              "Treatment": "Right lower lobectomy", "Margin": "Tumor-free",
                              "Adjuvant therapy": "Adjuvant chemotherapy planned; zorbatinib"})
    assert [(t.text, t.status, t.context) for t in record.treatments] == [
        ("imatinib 400 mg/day", "completed", "Neoadjuvant therapy"),
        ("Right lower lobectomy", "completed", None),
        ("Adjuvant chemotherapy planned", "planned", "Adjuvant therapy"),
        ("zorbatinib", "completed", "Adjuvant therapy")]
    assert record.margin is not None and record.margin.text == "Tumor-free"
    assert [p.location.column for p in problems] == ["Neoadjuvant therapy", "Adjuvant therapy"]


def test_follow_up_words_never_give_a_wrong_time() -> None:
    with_surgery, _ = build({"case_id": "1", "surgery": "resection",
                             "follow_up_months": "37 months after surgery"})
    assert (with_surgery.follow_up_months, with_surgery.follow_up_text) == (37, None)
    assert with_surgery.follow_up_origin == "surgery"
    # no surgery column: still from the surgery (which no resource of its own dates), never
    # from the diagnosis
    without, problems = build({"case_id": "1", "treatment": "resection",
                               "follow_up_months": "6 months after the surgery"})
    assert (without.follow_up_months, without.follow_up_origin, without.follow_up_text) == (
        6, "surgery", None)
    postoperative, _ = build({"case_id": "1", "follow_up_months": "12 mo postoperatively"})
    assert (postoperative.follow_up_months, postoperative.follow_up_origin) == (12, "surgery")
    delayed, problems = build({"case_id": "1", "surgery": "resection",
                               "follow_up_months": "22 months after the delayed surgery"})
    assert (delayed.follow_up_months, delayed.follow_up_text) == (
        None, "22 months after the delayed surgery")
    assert "kept as text" in problems[0].message


def test_a_span_in_the_status_is_no_follow_up() -> None:
    # imt-lit case 5: the improvement lasted 19 months; the paper gives no follow-up time
    record, problems = build({"case_id": "1",
                              "status": "Ongoing, durable clinical improvement of 19 months"})
    assert record.follow_up_months is None
    assert any("length of time" in p.message for p in problems)
