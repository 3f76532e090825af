"""Per-column coverage (converter/coverage.py): what each column's non-empty cells became,
counted exactly on the examples and on tables built to hit each outcome — including the
"dropped silently" alarm, proven to fire when a mapping leaves a field out."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from converter.coverage import (
    CODED,
    DROPPED_SILENTLY,
    DROPPED_WITH_WARNING,
    LEFT_OUT,
    NOT_RECORDED,
    TEXT_ONLY,
    row_coverage,
)
from converter.pipeline import ConvertOptions, convert, open_input, record_builder
from converter.read.schema import CaseRecord, Series
from mappings.case import MAPPERS, Mapper
from mappings.common import Resource
from mappings.imaging import to_fhir_imaging
from tests.conftest import EXAMPLES, run

COUNTS = ("non_empty", "coded", "text_only", "dropped_with_warning", "dropped_silently",
          "not_recorded", "left_out", "in_rejected_rows")
EXAMPLE_ARGS = tomllib.loads((EXAMPLES / "examples.toml").read_text())

Row = tuple[str | None, str, str, tuple[int, ...]]  # letter, header, bound to, COUNTS


def coverage_of(path: Path, **options: Any) -> list[Row]:
    """The coverage of converting `path` (to a file beside it) as (letter, header, bound to,
    counts) rows."""
    report = convert(ConvertOptions(input=str(path), series=Series(options.pop("series", "s1")),
                                    output=str(path.with_suffix(".out.json")), coverage=True,
                                    **options))
    assert report.coverage is not None
    return [(c["column"], c["header"], c["bound_to"], tuple(c[k] for k in COUNTS))
            for c in report.coverage]


def counts(rows: list[Row]) -> dict[str, tuple[int, ...]]:
    return {header: numbers for _, header, _, numbers in rows}


# ------------------------------------------------------------------ the examples, exactly
EXPECTED = {
    "kobayashi-2023": [
        ("A", "Case", "case_id", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("B", "Age (y)", "age", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("C", "Sex", "sex", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("D", "Diagnosis", "diagnosis", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("E", "Gene fusion", "fusion", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("F", "Method", "molecular_method", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("G", "Vascularity", "mri_vascularity", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("H", "Flow voids", "mri_flow_voids", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("I", "Border", "mri_border", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("J", "Fat infiltration", "mri_fat_infiltration", (5, 5, 0, 0, 0, 0, 0, 0)),
        ("K", "Pre-op Dx", "preop_diagnosis", (3, 3, 0, 0, 0, 0, 0, 0)),
        ("L", "Surgery", "surgery", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("M", "Local recurrence", "recurrence", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("N", "Metastasis", "metastasis", (6, 6, 0, 0, 0, 0, 0, 0)),
    ],
    "messy-synthetic": [
        ("A", "Pt", "case_id", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("B", "Age (y)", "age", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("C", "Sex", "sex", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("D", "Final Dx", "diagnosis", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("E", "Location", "site", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("F", "Depth", "depth", (3, 3, 0, 0, 0, 0, 0, 0)),
        ("G", "Size", "size", (5, 5, 0, 0, 0, 0, 0, 0)),
        ("H", "NTRK fusion", "fusion", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("I", "Assay", "molecular_method", (6, 5, 1, 0, 0, 0, 0, 0)),  # "FISH": no code
        ("J", "pan-TRK", "pan_trk_ihc", (5, 5, 0, 0, 0, 0, 0, 0)),
        ("K", "Vascularity", "mri_vascularity", (5, 5, 0, 0, 0, 0, 0, 0)),
        ("L", "Flow voids", "mri_flow_voids", (5, 5, 0, 0, 0, 0, 0, 0)),
        ("M", "Border", "mri_border", (5, 5, 0, 0, 0, 0, 0, 0)),
        ("N", "Fat infiltration", "mri_fat_infiltration", (5, 5, 0, 0, 0, 0, 0, 0)),
        ("O", "T1", "mri_t1", (2, 2, 0, 0, 0, 0, 0, 0)),
        ("P", "T2", "mri_t2", (2, 2, 0, 0, 0, 0, 0, 0)),
        ("Q", "Enhancement", "mri_enhancement", (1, 1, 0, 0, 0, 0, 0, 0)),
        ("R", "MRI findings", "imaging_findings", (1, 0, 1, 0, 0, 0, 0, 0)),  # narrative words
        ("S", "Pre-op Dx", "preop_diagnosis", (4, 4, 0, 0, 0, 0, 0, 0)),
        ("T", "Operation", "surgery", (6, 6, 0, 0, 0, 0, 0, 0)),
        ("U", "Margin", "margin", (5, 5, 0, 0, 0, 0, 0, 0)),
        # "none": no resource says so, and a warning at the cell says that
        ("V", "Adjuvant therapy", "treatment", (4, 3, 0, 1, 0, 0, 0, 0)),
        ("W", "Response", "treatment_response", (3, 3, 0, 0, 0, 0, 0, 0)),
        ("X", "LR", "recurrence", (5, 5, 0, 0, 0, 0, 0, 0)),
        ("Y", "Mets", "metastasis", (5, 5, 0, 0, 0, 0, 0, 0)),
        ("Z", "FU (mo)", "follow_up_months", (3, 3, 0, 0, 0, 0, 0, 0)),
        ("AA", "Outcome", "status", (5, 5, 0, 0, 0, 0, 0, 0)),
    ],
    "published-molecular": [
        ("A", "Case", "case_id", (16, 16, 0, 0, 0, 0, 0, 0)),
        ("B", "Age", "age", (12, 12, 0, 0, 0, 0, 0, 0)),
        ("C", "Sex", "sex", (14, 14, 0, 0, 0, 0, 0, 0)),
        ("D", "Diagnosis", "diagnosis", (16, 13, 3, 0, 0, 0, 0, 0)),
        ("E", "Site", "site", (16, 15, 1, 0, 0, 0, 0, 0)),
        ("F", "Molecular findings", "molecular", (16, 15, 1, 0, 0, 0, 0, 0)),
        ("G", "Method", "molecular_method", (11, 6, 5, 0, 0, 0, 0, 0)),
        ("H", "IHC", "ihc", (8, 8, 0, 0, 0, 0, 0, 0)),
        # "Gefitinib (2 weeks)", "Alectinib": MedicationAdministrations with text, no code
        ("I", "Treatment", "treatment", (10, 8, 2, 0, 0, 0, 0, 0)),
        ("J", "Outcome", "status", (9, 3, 6, 0, 0, 0, 0, 0)),
        ("K", "Source", "reference", (16, 0, 16, 0, 0, 0, 0, 0)),
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_examples_coverage_is_exact_and_nothing_is_dropped_silently(name: str,
                                                                    tmp_path: Path) -> None:
    example = EXAMPLE_ARGS[name]
    out = tmp_path / "report.json"
    result = run("convert", EXAMPLES / example["input"], *example["args"], "-o",
                 tmp_path / "out.json", "--report", out, "--workers", "1")
    assert result.exit_code == 0, result.output
    report = orjson.loads(out.read_bytes())
    assert [(c["column"], c["header"], c["bound_to"], tuple(c[k] for k in COUNTS))
            for c in report["coverage"]] == EXPECTED[name]
    assert all(list(c) == ["column", "header", "bound_to", *COUNTS] for c in report["coverage"])
    assert list(report)[-2:] == ["coverage", "problems"]


def test_the_default_run_counts_nothing() -> None:
    example = EXAMPLE_ARGS["kobayashi-2023"]
    options = ConvertOptions(input=str(EXAMPLES / example["input"]), series=Series("k"),
                             output="/dev/null")
    assert convert(options).coverage is None


# ------------------------------------------------------------------ each outcome, built
def test_unknown_terms_are_text_only_and_known_ones_coded(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Case", "Diagnosis", "Notes"],
                      ["1", "a tumour nobody has named", "seen twice"],
                      ["2", "synovial sarcoma", ""]])
    assert counts(coverage_of(path)) == {
        "Case": (2, 2, 0, 0, 0, 0, 0, 0),
        "Diagnosis": (2, 1, 1, 0, 0, 0, 0, 0),
        "Notes": (1, 0, 1, 0, 0, 0, 0, 0)}


def test_values_dropped_with_a_warning(write_csv: Callable[..., Path]) -> None:
    """A margin without a surgery, a recurrence time when recurrence is 'no', surgery 'no':
    nothing of them is in the FHIR, and a warning at each cell says so."""
    path = write_csv([["Case", "Surgery", "Margin", "Local recurrence", "Recurrence (months)"],
                      ["1", "no", "R0", "no", "12"],
                      ["2", "wide excision", "R0", "yes", "12"]])
    assert counts(coverage_of(path)) == {
        "Case": (2, 2, 0, 0, 0, 0, 0, 0),
        "Surgery": (2, 1, 0, 1, 0, 0, 0, 0),
        "Margin": (2, 1, 0, 1, 0, 0, 0, 0),
        "Local recurrence": (2, 2, 0, 0, 0, 0, 0, 0),
        "Recurrence (months)": (2, 1, 0, 1, 0, 0, 0, 0)}


def test_a_value_its_parser_keeps_nothing_of_is_dropped_with_a_warning(
        write_csv: Callable[..., Path]) -> None:
    """synovial-lit's "4/6 cm" (4 or 6 cm, or 4 x 6?): no size is written, a warning says
    why; it is no "not recorded" word."""
    path = write_csv([["Case", "Size"], ["1", "4/6 cm"], ["2", "NA"], ["3", "5 cm"]])
    assert counts(coverage_of(path))["Size"] == (3, 1, 0, 1, 0, 1, 0, 0)  # "NA" is non-empty


def test_not_recorded_words_left_out_columns_and_rejected_rows(
        write_csv: Callable[..., Path], tmp_path: Path) -> None:
    path = write_csv([["Case", "Age", "Internal code", "Their column", "Sex"],
                      ["1", "NA", "x1", "y", "F"],
                      ["2", "200 years", "x2", "", "M"],  # an absurd age: the row is rejected
                      ["3", "40", "", "z", "unknown"]])
    columns = tmp_path / "columns.json"
    columns.write_text('{"Internal code": "ignore"}')
    from converter.read.records import load_column_map

    rows = coverage_of(path, column_map=load_column_map(str(columns)), ignore_unmapped=True,
                       skip_invalid=True, rejects=str(tmp_path / "rejects.csv"))
    assert rows == [
        ("A", "Case", "case_id", (2, 2, 0, 0, 0, 0, 0, 1)),
        ("B", "Age", "age", (2, 1, 0, 0, 0, 1, 0, 1)),
        ("C", "Internal code", "ignored (--columns)", (1, 0, 0, 0, 0, 0, 1, 1)),
        ("D", "Their column", "unmapped (--ignore-unmapped)", (2, 0, 0, 0, 0, 0, 2, 0)),
        ("E", "Sex", "sex", (2, 1, 0, 0, 0, 1, 0, 1))]


def test_a_fact_two_cells_state_counts_for_both(write_csv: Callable[..., Path]) -> None:
    """The follow-up column and the status both say 36 months: removing either loses nothing,
    yet each holds the value; both are carried (not dropped silently)."""
    path = write_csv([["Case", "Follow-up (months)", "Status"],
                      ["1", "36", "NED at 36 mo"]])
    assert counts(coverage_of(path)) == {"Case": (1, 1, 0, 0, 0, 0, 0, 0),
                                         "Follow-up (months)": (1, 1, 0, 0, 0, 0, 0, 0),
                                         "Status": (1, 1, 0, 0, 0, 0, 0, 0)}


def test_repeatable_columns_count_per_source_column(write_csv: Callable[..., Path]) -> None:
    """Two molecular columns join into one record field; each column keeps its own counts."""
    path = write_csv([["Case", "EGFR", "Molecular findings"],
                      ["1", "L858R", "KRAS G12C"],
                      ["2", "", "frobnicated gene soup"],
                      ["3", "wild-type", ""]])
    assert counts(coverage_of(path)) == {"Case": (3, 3, 0, 0, 0, 0, 0, 0),
                                         "EGFR": (2, 2, 0, 0, 0, 0, 0, 0),
                                         "Molecular findings": (2, 1, 1, 0, 0, 0, 0, 0)}


# ------------------------------------------------------------------ the silent-drop alarm
def reads_the_border_writes_nothing(record: CaseRecord) -> list[Resource]:
    """A mapping that reads a field only to decide not to write it: the trap a list of fields
    read would fall into."""
    if record.mri_border is not None and record.mri_border.key == "never":
        raise AssertionError("unreachable")
    return []


def outcomes(path: Path, mappers: Sequence[Mapper]) -> list[tuple[str, str]]:
    table, options, joined, _ = open_input(ConvertOptions(input=str(path), series=Series("s")))
    builder = record_builder(table, options, joined)
    found = []
    for raw in table.rows:
        parsed = builder.parse(raw)
        record, _, problems = builder.record(parsed)
        assert record is not None
        found += [(header, outcome) for header, _, outcome in
                  row_coverage(builder, parsed, record, problems, mappers)]
    return found


def test_a_field_no_mapping_writes_is_dropped_silently(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Case", "Border", "Flow voids", "Sex", "Notes"],
                      ["1", "well-defined", "yes", "F", "seen once"]])
    every = outcomes(path, MAPPERS)
    assert every == [("Case", CODED), ("Border", CODED), ("Flow voids", CODED), ("Sex", CODED),
                     ("Notes", TEXT_ONLY)]
    without_imaging = (*(m for m in MAPPERS if m is not to_fhir_imaging),
                       reads_the_border_writes_nothing)
    assert outcomes(path, without_imaging) == [
        ("Case", CODED), ("Border", DROPPED_SILENTLY), ("Flow voids", DROPPED_SILENTLY),
        ("Sex", CODED), ("Notes", TEXT_ONLY)]


def test_the_outcomes_are_the_named_ones() -> None:
    assert {CODED, TEXT_ONLY, DROPPED_WITH_WARNING, DROPPED_SILENTLY, NOT_RECORDED,
            LEFT_OUT} == set(COUNTS[1:-1])


# ------------------------------------------------------------------ the command line
def test_convert_coverage_prints_the_table_after_the_summary(tmp_path: Path) -> None:
    example = EXAMPLE_ARGS["messy-synthetic"]
    result = run("convert", EXAMPLES / example["input"], *example["args"], "-o",
                 tmp_path / "out.json", "--coverage")
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    start = lines.index("coverage (non-empty cells of each column):")
    assert lines[start - 1].startswith("time: ")
    assert lines[start + 1].split() == ["column", "bound", "to", "non-empty", "coded", "text",
                                        "warned", "SILENT", "NA", "left", "out", "rejected"]
    assert lines[start + 23].split() == ["V", "Adjuvant", "therapy", "treatment", "4", "3", "0",
                                         "1", "0", "0", "0", "0"]
    assert len(lines) == start + 2 + 27


def test_the_coverage_is_the_same_with_workers(tmp_path: Path) -> None:
    from benchmarks.generate import main as generate

    table = tmp_path / "cases.csv"
    generate(["--rows", "200", "--seed", "3", "-o", str(table)])
    one = coverage_of(table, workers=1)
    two = coverage_of(table, workers=2)
    assert one == two
    assert sum(numbers[4] for *_, numbers in one) == 0  # nothing dropped silently
    assert sum(numbers[0] for *_, numbers in one) == sum(
        sum(numbers[1:7]) for *_, numbers in one)


def test_no_coverage_leaves_it_out_of_the_report(tmp_path: Path) -> None:
    example = EXAMPLE_ARGS["kobayashi-2023"]
    out = tmp_path / "report.json"
    result = run("convert", EXAMPLES / example["input"], *example["args"], "-o",
                 tmp_path / "out.json", "--report", out, "--no-coverage")
    assert result.exit_code == 0 and "coverage" not in orjson.loads(out.read_bytes())
    assert "coverage (" not in result.stderr


def test_validate_of_a_table_reports_its_coverage(tmp_path: Path) -> None:
    example = EXAMPLE_ARGS["kobayashi-2023"]
    out = tmp_path / "report.json"
    result = run("validate", EXAMPLES / example["input"], *example["args"], "--report", out)
    assert result.exit_code == 0, result.output
    coverage = orjson.loads(out.read_bytes())["coverage"]
    assert [(c["header"], c["non_empty"], c["coded"]) for c in coverage][:2] == [
        ("Case", 6, 6), ("Age (y)", 6, 6)]


def test_the_read_recording_view_maps_as_the_record_does() -> None:
    """The outputs coverage compares against are those convert writes: each mapping run
    through the view that records its reads gives the resources map_record gives."""
    from converter.coverage import _MappedCase
    from mappings.case import map_record, references_first

    example = EXAMPLE_ARGS["messy-synthetic"]
    table, options, joined, _ = open_input(ConvertOptions(input=str(EXAMPLES / example["input"]),
                                                         series=Series("messy-synthetic")))
    builder = record_builder(table, options, joined)
    for raw in table.rows:
        record, _, _ = builder.build(raw)
        assert record is not None
        case = _MappedCase.of(record, MAPPERS)
        mapped = references_first([r for output in case.outputs for r in output])
        assert mapped == map_record(record)[:-1]  # all but the Provenance
        assert {"case_id", "series"} <= set().union(*case.reads)
