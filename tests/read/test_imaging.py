"""Imaging values: the modality a header or a text names, and imaging narratives."""

import pytest

from converter.read.headers import match_header
from converter.read.schema import ImagingFinding
from converter.read.values.imaging import header_modality, modalities_named, parse_imaging
from converter.read.values.sizes import parse_size


@pytest.mark.parametrize(("header", "modality"), [
    ("MRI findings", "mri"), ("mri_findings", "mri"), ("CT findings", "ct"), ("PET-CT", "pet-ct"),
    ("PET/CT", "pet-ct"), ("FDG-PET", "pet"), ("US", "ultrasound"), ("Ultrasonography",
                                                                  "ultrasound"),
    ("Radiograph", "x-ray"), ("X-ray", "x-ray"), ("Endoscopy", "endoscopy"),
    ("Imaging", None), ("Radiology", None), ("Radiological findings", None),
    ("imaging_findings", None), ("CT/MRI", None),  # several: none
])
def test_header_modality(header: str, modality: str | None) -> None:
    assert header_modality(header) == modality


def test_us_and_mr_in_words_are_modalities_only_in_capitals() -> None:
    assert modalities_named("the scan showed us a mass") == []
    assert modalities_named("US showed a mass, as did MR") == ["mri", "ultrasound"]
    assert modalities_named("FDG-PET/CT avid") == ["pet-ct"]  # the tracer is no second one


@pytest.mark.parametrize(("header", "column", "hint"), [
    ("Imaging", "imaging_findings", None),
    ("MRI findings", "imaging_findings", "mri"),
    ("CT findings", "imaging_findings", "ct"),
    ("PET-CT findings", "imaging_findings", "pet-ct"),
    ("US", "imaging_findings", "ultrasound"),
    ("Radiograph", "imaging_findings", "x-ray"),
    ("Endoscopic findings", "imaging_findings", "endoscopy"),
    ("Size", "size", None),
    ("Size (cm)", "size", "cm"),
    ("Size on CT", "size", "ct"),
    ("Size on CT (mm)", "size", "mm ct"),
    ("Tumour size on MRI", "size", "mri"),
    ("size on mri", "size", "mri"),
    ("US size (mm)", "size", "mm ultrasound"),
    ("Pathological size", "size", "pathology"),
    ("Vascularity", "mri_vascularity", None),  # the NTRK MRI columns stay as they were
])
def test_headers_bind_their_modality(header: str, column: str, hint: str | None) -> None:
    binding = match_header(header)
    assert binding is not None and binding.column is not None
    assert (binding.column.name, binding.unit) == (column, hint)


def test_an_mri_feature_column_naming_another_modality_is_no_mri_column() -> None:
    assert match_header("Enhancement (CT)") is None


def test_a_bare_ct_header_is_no_imaging_column() -> None:
    assert match_header("CT") is None  # as often chemotherapy ("Surgery, RT, CT") as tomography
    binding = match_header("CT scan")
    assert binding is not None and binding.column is not None
    assert (binding.column.name, binding.unit) == ("imaging_findings", "ct")


def test_a_size_takes_the_headers_method_unless_its_cell_says_one() -> None:
    on_ct = parse_size("5 cm", "ct", lambda m: None)
    # the header's method joins the size's words, which then read the same without the header
    assert (on_ct.method, on_ct.text) == ("ct", "5 cm (CT)")
    assert parse_size(on_ct.text, None, lambda m: None) == on_ct
    assert parse_size("7 cm", "pathology", lambda m: None).text == "7 cm (specimen)"
    assert parse_size("50", "mm ct", lambda m: None).dimensions == (50,)
    assert parse_size("5 cm (MRI)", "ct", lambda m: None).method == "mri"
    assert parse_size("5 cm", None, lambda m: None).method is None


@pytest.mark.parametrize(("text", "hint", "findings"), [
    ("5 cm mass", None, [("5 cm mass", None)]),
    ("CT: lung nodules; MRI: T2 bright", None, [("lung nodules", "ct"), ("T2 bright", "mri")]),
    ("CT: nodules. MRI: T2 bright", None, [("nodules.", "ct"), ("T2 bright", "mri")]),
    ("lung nodules", "ct", [("lung nodules", "ct")]),
    ("CT: lung nodules; hilar nodes", "mri", [("lung nodules; hilar nodes", "ct")]),
    ("T2 bright; CT: lung nodules", "mri", [("T2 bright", "mri"), ("lung nodules", "ct")]),
    ("heterogeneous mass;\nnecrotic centre", "mri", [("heterogeneous mass; necrotic centre",
                                                       "mri")]),
    ("5 cm mass; Imaging: seen on CT", None, [("5 cm mass", None), ("seen on CT", None)]),
    ("CT: MRI: x", None, [("MRI: x", "ct")]),  # a label opens a cell, clause or sentence only
    ("mass seen on CT", None, [("mass seen on CT", "ct")]),
    ("PET/CT: FDG-avid mass", None, [("FDG-avid mass", "pet-ct")]),
    ("Ratio: 3", None, [("Ratio: 3", None)]),  # a colon after no modality is no label
    ("mass (CT; MRI)", None, [("mass (CT; MRI)", None)]),  # several named: none
])
def test_imaging_findings(text: str, hint: str | None,
                          findings: list[tuple[str, str | None]]) -> None:
    warnings: list[str] = []
    assert parse_imaging(text, hint, warnings.append) == tuple(
        ImagingFinding(words, modality) for words, modality in findings)


def test_a_finding_naming_several_modalities_warns() -> None:
    warnings: list[str] = []
    [finding] = parse_imaging("CT and MRI showed a mass", None, warnings.append)
    assert finding.modality is None
    assert warnings == ["'CT and MRI showed a mass' names several imaging modalities (MRI, CT); "
                        "kept as one finding without a modality (write e.g. 'CT: ...; MRI: ...')"]


def test_a_cell_of_too_many_findings_is_refused() -> None:
    from converter.read.values.text import InvalidValue

    with pytest.raises(InvalidValue, match="51 imaging findings in one cell; at most 50"):
        parse_imaging("; ".join(f"CT: lesion {n}" for n in range(51)), None, lambda m: None)
    [one] = parse_imaging("; ".join(f"lesion {n}" for n in range(80)), "ct", lambda m: None)
    assert one.text.startswith("lesion 0; lesion 1;")  # clauses of one finding: no limit


def test_a_header_mapped_with_columns_keeps_the_modality_it_names() -> None:
    from converter.read.records import MappedColumn, RecordBuilder
    from converter.read.rows import Cell, RawRow, Table
    from tests.conftest import SERIES

    cells = {"Fall": "1", "CT Befund": "Lungenrundherde", "Größe CT": "40"}
    raw = RawRow(2, tuple(Cell(h, h, v) for h, v in cells.items()))
    builder = RecordBuilder(
        Table("t.csv", "row", [(h, h) for h in cells], iter([raw])), SERIES,
        column_map={"Fall": "case_id", "CT Befund": "imaging_findings",
                    "Größe CT": MappedColumn("size", "mm")})
    record, _, problems = builder.build(raw)
    assert record is not None, [p.render() for p in problems]
    assert record.imaging_findings == (ImagingFinding("Lungenrundherde", "ct"),)
    assert (record.size.dimensions, record.size.unit, record.size.method) == ((40,), "mm", "ct")
