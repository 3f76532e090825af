"""cBioPortal study folders, as cBioPortal and its datahub publish them: `convert STUDY_FOLDER`.

- Cases come from data_clinical_patient(s).txt; each patient's first tumour sample in
  data_clinical_sample(s).txt adds its attributes (CANCER_TYPE_DETAILED, ...). Both files start
  with four '#' lines of attribute metadata, which the reader skips. Attributes the data
  dictionary does not know are left out with one warning (a study has dozens).
- Findings come from the molecular files beside them, each joined through the sample file's
  SAMPLE_ID → PATIENT_ID: mutations (data_mutations*.txt, *.maf), structural variants and
  fusions (data_sv.txt, data_structural_variants.txt, data_fusions.txt) and discrete copy number
  in long form (data_CNA*.txt / .tsv with a sample, a gene and a CNA column). A wide copy-number
  matrix (one column per sample) is named in a warning and not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from converter.problems import InputError, Location, Problem, error, warning
from converter.read.dictionary import header_key
from converter.read.rows import Cell, RawRow, Table
from converter.read.tables import read_delimited

PATIENT_FILES = ("data_clinical_patient.txt", "data_clinical_patients.txt")
SAMPLE_FILES = ("data_clinical_sample.txt", "data_clinical_samples.txt")
FINDING_PATTERNS = ("data_mutations*.txt", "data_mutations*.maf", "data_sv.txt",
                    "data_structural_variants.txt", "data_fusions.txt", "data_cna*.txt",
                    "data_cna*.tsv", "data_CNA*.txt", "data_CNA*.tsv")
NORMAL_SAMPLES = {"normal", "matched normal", "blood derived normal", "solid tissue normal"}


@dataclass
class Study:
    table: Table  # the cases: patient rows with their first tumour sample's attributes
    findings: list[str]  # the molecular files, joined through case_of_sample
    case_of_sample: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def is_study(path: str) -> bool:
    folder = Path(path)
    return folder.is_dir() and any((folder / name).is_file() for name in PATIENT_FILES)


def _first(folder: Path, names: tuple[str, ...]) -> Path | None:
    return next((folder / n for n in names if (folder / n).is_file()), None)


def _column(table: Table, name: str) -> str | None:
    return next((text for text, _ in table.headers if header_key(text) == header_key(name)), None)


def open_study(path: str, encoding: str = "utf-8") -> Study:
    folder = Path(path)
    patients_path = _first(folder, PATIENT_FILES)
    if patients_path is None:
        raise InputError(error("not a cBioPortal study: no data_clinical_patient.txt",
                               Location(path)))
    patients = read_delimited(str(patients_path), "tsv", encoding)
    if _column(patients, "PATIENT_ID") is None:
        raise InputError(error("a cBioPortal patient file needs a PATIENT_ID column",
                               patients.location(patients.header_row)))
    problems: list[Problem] = []
    case_of_sample: dict[str, str] = {}
    sample_cells: dict[str, list[Cell]] = {}
    sample_headers: list[tuple[str, str]] = []
    samples_path = _first(folder, SAMPLE_FILES)
    if samples_path is not None:
        samples = read_delimited(str(samples_path), "tsv", encoding)
        sample_id, patient_id = _column(samples, "SAMPLE_ID"), _column(samples, "PATIENT_ID")
        if sample_id is None or patient_id is None:
            raise InputError(error("a cBioPortal sample file needs SAMPLE_ID and PATIENT_ID "
                                   "columns", samples.location(samples.header_row)))
        kind = _column(samples, "SAMPLE_TYPE")
        sample_headers = [(h, f"{Path(samples.name).name} {label}") for h, label in
                          samples.headers if h and h not in (sample_id, patient_id)]
        for raw in samples.rows:
            cells = {c.header: c.value for c in raw.cells}
            sample, patient = cells.get(sample_id), cells.get(patient_id)
            if not sample or not patient:
                continue
            case_of_sample[sample.strip()] = patient.strip()
            normal = (cells.get(kind) or "").strip().casefold() in NORMAL_SAMPLES if kind else False
            if not normal and patient.strip() not in sample_cells:
                sample_cells[patient.strip()] = [
                    Cell(h, label, cells.get(h)) for h, label in sample_headers]
    findings = sorted({str(p) for pattern in FINDING_PATTERNS for p in folder.glob(pattern)
                       if p.is_file()})
    readable = []
    for finding_path in findings:
        head = read_delimited(finding_path, "tsv", encoding)
        if _column(head, "Hugo_Symbol") is not None and _column(head, "Tumor_Sample_Barcode") \
                is None and len(head.headers) > 3 and not _column(head, "Sample_Id"):
            problems.append(warning(
                "a wide copy-number matrix (one column per sample) is not read; give discrete "
                "copy number in long form (sample, gene, CNA) to include it",
                Location(head.name)))
            continue
        readable.append(finding_path)
    table = _joined_table(patients, sample_headers, sample_cells)
    return Study(table, readable, case_of_sample, problems)


def _joined_table(patients: Table, sample_headers: list[tuple[str, str]],
                  sample_cells: dict[str, list[Cell]]) -> Table:
    patient_id = _column(patients, "PATIENT_ID")
    known = {h for h, _ in patients.headers}
    extra = [(h, label) for h, label in sample_headers if h not in known]

    def rows() -> Iterator[RawRow]:
        for raw in patients.rows:
            patient = next((c.value for c in raw.cells if c.header == patient_id), None)
            added = [c for c in sample_cells.get((patient or "").strip(), []) if c.header not in known]
            if not added:
                added = [Cell(h, label, None) for h, label in extra]
            yield RawRow(raw.number, raw.cells + tuple(added), raw.error, raw.notes)

    return Table(patients.name, "row", patients.headers + extra, rows(), patients.header_row,
                 patients.position)
