"""Cohort figures from FHIR alone: a figure counts only what the resources say."""

from typing import Any

from converter.tables.cohort import cohort, render_table
from mappings.case import map_record
from tests.conftest import record


def resources(*cases: dict[str, str]) -> list[dict[str, Any]]:
    return [r for number, cells in enumerate(cases, start=1)
            for r in map_record(record(case_id=str(number), **cells))]


def deceased_line(figures: dict[str, Any]) -> str:
    [line] = [row for row in render_table(figures).splitlines() if row.startswith("deceased")]
    return line.split(None, 1)[1]


def test_deceased_is_counted_over_the_known_vital_statuses() -> None:
    figures = cohort(resources({"status": "DOD"}, {"status": "NED"}, {"age": "3"})).to_json()
    assert figures["deceased"] == 1 and figures["vital_status_not_reported"] == 1
    assert deceased_line(figures) == "1 of 2 (vital status not reported for 1)"


def test_no_vital_status_is_not_reported_rather_than_none_deceased() -> None:
    figures = cohort(resources({"age": "3"}, {"age": "5"})).to_json()
    assert figures["vital_status_not_reported"] == 2
    assert deceased_line(figures) == "not reported"


def test_partially_ill_defined_borders_are_counted_apart() -> None:
    figures = cohort(resources({"mri_border": "partially ill-defined"},
                               {"mri_border": "ill-defined"},
                               {"mri_border": "well-defined"})).to_json()
    assert figures["mri_ill_defined_border"] == 1
    assert figures["mri_partially_ill_defined_border"] == 1
