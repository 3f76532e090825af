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


def table_line(figures: dict[str, Any], label: str) -> str:
    [line] = [row for row in render_table(figures).splitlines()
              if row.split("  ")[0] == label]
    return line[len(label):].strip()


def test_a_figure_no_resource_states_is_not_reported_rather_than_zero() -> None:
    """A series without recurrence, metastasis or MRI columns (GBSG2): no figure reads 0."""
    figures = cohort(resources({"age": "3"}, {"age": "5"})).to_json()
    for figure in ("local_recurrence", "distant_metastasis", "recurrence_and_metastasis",
                   "mri_high_vascularity", "mri_flow_voids", "mri_ill_defined_border",
                   "mri_partially_ill_defined_border", "mri_fat_infiltration"):
        assert figures[figure] is None and figures[f"{figure}_not_reported"] == 2, figure
    for label in ("local recurrence", "distant metastasis", "recurrence and metastasis",
                  "MRI flow voids", "MRI fat infiltration"):
        assert table_line(figures, label) == "not reported", label


def test_a_figure_is_counted_over_the_patients_whose_resources_state_it() -> None:
    figures = cohort(resources({"recurrence": "yes", "mri_flow_voids": "no"},
                               {"recurrence": "no", "metastasis": "no"},
                               {"age": "3", "metastasis": "lung"})).to_json()
    assert (figures["local_recurrence"], figures["local_recurrence_not_reported"]) == (1, 1)
    assert table_line(figures, "local recurrence") == "1 of 2 (not reported for 1)"
    assert table_line(figures, "distant metastasis") == "1 of 2 (not reported for 1)"
    # known only for case 2 (no recurrence): case 1 states no metastasis, case 3 no recurrence
    assert table_line(figures, "recurrence and metastasis") == "0 of 1 (not reported for 2)"
    assert table_line(figures, "MRI flow voids") == "0 of 1 (not reported for 2)"
