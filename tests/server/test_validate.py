"""Server-side validation on a real HAPI FHIR server: install the conformance packages from
../shared, then every resource of both examples validates with zero errors against R4, US Core
6.1.0 and the mCODE profiles it claims, and a broken resource is reported at its source."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

import mappings.case
from benchmarks import sample
from mappings import profiles
from tests.conftest import EXAMPLES, ROOT, SHARED, load, run

US_CORE = SHARED / "fhir-packages" / "hl7.fhir.us.core-6.1.0.tgz"
MCODE = SHARED / "fhir-packages" / "mcode-stu4"


@pytest.fixture(scope="module")
def server(hapi: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The session server with US Core 6.1.0, mCODE STU4 and casefhir's CodeSystem installed."""
    report = tmp_path_factory.mktemp("install") / "install.json"
    result = run("install-profiles", "--server", hapi.base, US_CORE, MCODE, "--report", report)
    assert result.exit_code == 0, result.output
    outcomes = load(report)["outcomes"]
    # US Core: 59 StructureDefinitions, 36 ValueSets, 5 CodeSystems (not its examples);
    # mCODE: 46 StructureDefinitions; plus casefhir's CodeSystem
    totals = {kind: sum(counts.values()) for kind, counts in outcomes.items()}
    assert totals == {"StructureDefinition": 105, "ValueSet": 36, "CodeSystem": 6}
    assert all(counts["failed"] == 0 for counts in outcomes.values())
    return str(hapi.base)


def converted_validates(table: Path, series_id: str, server: str, tmp_path: Path) -> None:
    """The table converts, and every resource validates on the server with zero errors."""
    bundle = tmp_path / "bundle.json"
    converted = run("convert", table, "--series-id", series_id, "-o", bundle)
    assert converted.exit_code == 0, converted.stderr
    validated(bundle, server, tmp_path)


def validated(bundle: Path, server: str, tmp_path: Path) -> Any:
    """The server's validation report of every resource of `bundle`: zero errors."""
    report_file = tmp_path / "report.json"
    result = run("validate", bundle, "--server", server, "-q", "--report", report_file)
    report = load(report_file)
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert result.exit_code == 0 and not errors, json.dumps(errors[:10], indent=1)
    return report


def test_install_profiles_again_changes_nothing(server: str, tmp_path: Path) -> None:
    report = tmp_path / "again.json"
    result = run("install-profiles", "--server", server, US_CORE, MCODE, "-q", "--report", report)
    assert result.exit_code == 0, result.output
    for counts in load(report)["outcomes"].values():
        assert counts["created"] == counts["updated"] == counts["failed"] == 0
        assert counts["unchanged"] > 0


@pytest.mark.parametrize("name", ["kobayashi-2023", "messy-synthetic", "published-molecular"])
def test_examples_validate_on_the_server_without_errors(server: str, tmp_path: Path,
                                                        name: str) -> None:
    example = tomllib.loads((EXAMPLES / "examples.toml").read_text())[name]
    bundle = EXAMPLES / example["output"]
    report = validated(bundle, server, tmp_path)
    assert report["validated_on_server"] == len(load(bundle)["entry"])
    assert profiles.CANCER_PATIENT in report["profiles"]
    # every warning points at its Bundle entry and names the element
    assert all(p["file"] == str(bundle) and p["entry"] >= 1 for p in report["problems"])


CORPUS = ROOT / "tests" / "corpus"
CORPUS_TABLES = tomllib.loads((CORPUS / "corpus.toml").read_text())


@pytest.mark.parametrize("name", sorted(CORPUS_TABLES))
def test_the_corpus_validates_on_the_server_without_errors(server: str, tmp_path: Path,
                                                           name: str) -> None:
    """Every reviewed golden output of the corpus of published tables: zero errors."""
    bundle = CORPUS / CORPUS_TABLES[name]["output"]
    report = validated(bundle, server, tmp_path)
    assert report["validated_on_server"] == len(load(bundle)["entry"])


def test_the_validation_sample_validates_on_the_server_without_errors(server: str,
                                                                     tmp_path: Path) -> None:
    """The synthetic sample of every resource kind the mappings make (benchmarks/sample.py; the
    HL7 validator checks the same sample in tests/test_hl7_validator.py): zero errors."""
    table = sample.write(tmp_path / "sample.csv")
    converted_validates(table, "hl7-sample", server, tmp_path)


@pytest.mark.parametrize("study", ["summit-biliary", "tcga-laml"])
def test_real_molecular_data_validates_on_the_server_without_errors(server: str, tmp_path: Path,
                                                                     study: str) -> None:
    """HGVS codes with their transcripts, copy numbers, allele frequencies, negatives, text-only
    findings: a real cBioPortal study and a real TCGA MAF, zero errors."""
    data = ROOT / "tests" / "data" / study
    bundle = tmp_path / "bundle.json"
    columns = tmp_path / "columns.json"  # the annotation's 0/1 status does not say which is death
    columns.write_text(json.dumps({"FAB_classification": "ignore", "days_to_last_followup": "ignore",
                                   "Overall_Survival_Status": "ignore"}))
    args: list[str | Path] = [data] if study == "summit-biliary" else [
        data / "tcga_laml_annot.tsv", "--findings", data / "tcga_laml.maf", "--columns", columns]
    converted = run("convert", *args, "--series-id", study, "-o", bundle)
    assert converted.exit_code == 0, converted.stderr
    report_file = tmp_path / "report.json"
    result = run("validate", bundle, "--server", server, "-q", "--report", report_file)
    errors = [p for p in load(report_file)["problems"] if p["severity"] == "error"]
    assert result.exit_code == 0 and not errors, json.dumps(errors[:10], indent=1)


def test_stage_grade_survival_and_treatments_validate_on_the_server(server: str,
                                                                    tmp_path: Path) -> None:
    """Issue 13's new resources: stage groups with their T/N/M, extent, histologic grade,
    survival statuses, radiotherapy courses with dose and fractions, classified treatments;
    smoking status, ECOG / Karnofsky, Ki-67, mitotic count and the row's reference."""
    table = tmp_path / "cases.csv"
    table.write_text(
        "Case,Diagnosis,Stage,Grade,Treatment,Response,OS_STATUS,OS_MONTHS,DFS_STATUS,DFS_MONTHS,"
        "Smoking,ECOG,KPS,Ki-67,Mitoses,Reference\n"
        "1,Synovial sarcoma,Stage IIIA (pT2N1M0),FNCLCC 3,wide excision; RT 50 Gy/25 fx; "
        "doxorubicin,PR to doxorubicin,1:DECEASED,20,1:Recurred/Progressed,8,"
        "\"former, 30 pack-years\",1,80,15%,5/10 HPF,\"Smith et al. (2019), doi:10.1000/xyz\"\n"
        "2,Lung adenocarcinoma,Inoperable,high grade,crizotinib then resection,SD,0:LIVING,36,"
        "0:DiseaseFree,36,yes,0,90,<5%,<1/10HPF,PMID: 31234567\n"
        "3,Inflammatory myofibroblastic tumour,FIGO IIIC,G2,none,,,,,,never,,,high,5 per 2 mm2,"
        "Smith 2019 [12]\n")
    converted_validates(table, "issue13", server, tmp_path)


def test_imaging_modalities_validate_on_the_server(server: str, tmp_path: Path) -> None:
    """Issue 13's imaging reports per modality: CT, PET/CT, ultrasound, X-ray and endoscopy
    findings (coded methods, words-only ones), findings of no stated modality, a size on CT."""
    table = tmp_path / "cases.csv"
    table.write_text(
        "Case,Diagnosis,Imaging,Endoscopy,PET-CT,US,Radiograph,Size on CT,Pre-op Dx\n"
        "1,Synovial sarcoma,CT: lung nodules; MRI: T2 bright,ulcerated mass,FDG-avid mass,"
        "hypoechoic mass,no bone erosion,5 cm,SFT\n"
        "2,Synovial sarcoma,5 cm mass,,,,,,\n"
        "3,Synovial sarcoma,PET: avid mass,,,,,4 cm (MRI),\n")
    converted_validates(table, "issue13-img", server, tmp_path)


def test_treatments_not_done_planned_and_with_context_validate_on_the_server(
        server: str, tmp_path: Path) -> None:
    """Treatments not given (status not-done with its reason), only planned or proposed (US
    Core ServiceRequest), with a neoadjuvant heading (a note) and a margin of a treatment
    surgery: the literature corpus's rows (tests/corpus/)."""
    table = tmp_path / "cases.csv"
    table.write_text(
        "Case,Diagnosis,Neoadjuvant therapy,Treatment,Margin,Adjuvant therapy\n"
        "1,Ewing sarcoma,VIDE,Resection without adjuvant chemo- or radiotherapy,R0,\n"
        "2,Infantile fibrosarcoma,,Surgery unfeasible; amputation suggested,,"
        "Adjuvant chemotherapy planned\n"
        "3,GIST,imatinib 400 mg/day,Right lower lobectomy,Tumor-free,crizotinib at relapse\n")
    converted_validates(table, "issue13-tx", server, tmp_path)


def test_ihc_panels_validate_on_the_server_without_errors(server: str, tmp_path: Path,
                                                         write_csv: Any) -> None:
    table = write_csv([["Case", "Diagnosis", "IHC"],
                       ["1", "NTRK-RSCN", "CD34+, S100+, SOX10-, pan-TRK positive, Ki-67 15%"],
                       ["2", "NTRK-RSCN", "ALK (D5F3) positive; PD-L1 (22C3) TPS 60%; ER <5%; "
                                          "HER2 2+; factor XIIIa +; EMA+/-; H3K27me3 loss; S100"]])
    report_file = tmp_path / "report.json"
    result = run("validate", table, "--series-id", "ihc", "--server", server, "-q",
                 "--report", report_file)
    errors = [p for p in load(report_file)["problems"] if p["severity"] == "error"]
    assert result.exit_code == 0 and not errors, json.dumps(errors[:10], indent=1)
    assert profiles.TUMOR_MARKER_TEST in load(report_file)["profiles"]


def _break(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A mapping bug, on purpose: the Patient loses its gender (1..1 in US Core Patient) and the
    primary Condition gets a verificationStatus code outside its required value set."""
    for resource in resources:
        if resource["resourceType"] == "Patient":
            resource.pop("gender")
        if resource["id"].endswith(".primary"):
            resource["verificationStatus"]["coding"][0]["code"] = "certain"
    return resources


def test_a_broken_resource_is_reported_at_its_table_row_and_columns(
        server: str, tmp_path: Path, write_csv: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    table = write_csv([["Case", "Age", "Sex", "Diagnosis", "Site"],
                       ["1", "12", "F", "NTRK-RSCN", "left thigh"],
                       ["2", "30", "M", "NTRK-RSCN", "forearm"]])
    original = mappings.case.map_record
    monkeypatch.setattr("converter.pipeline.map_record",
                        lambda record: _break(original(record)) if record.case_id == "2"
                        else original(record))
    report_file = tmp_path / "report.json"
    result = run("validate", table, "--series-id", "broken", "--server", server, "-q",
                 "--report", report_file)
    assert result.exit_code == 1
    errors = [p for p in load(report_file)["problems"] if p["severity"] == "error"]
    gender = [p for p in errors if p["message"].startswith("Patient/broken.2:")
              and "Patient.gender" in p["message"]]
    assert gender and gender[0]["file"] == str(table) and gender[0]["row"] == 3
    assert "Sex" in gender[0]["column"] and gender[0]["case"] == "broken.2"
    status = [p for p in errors if p["message"].startswith("Condition/broken.2.primary:")
              and "verificationStatus" in p["message"]]
    assert status and status[0]["row"] == 3 and "Diagnosis" in status[0]["column"]
    assert not [p for p in errors if "broken.1" in p["message"]]  # the other case is valid
    assert "Patient/broken.2" in result.output  # errors are printed even with -q


def test_a_broken_resource_in_a_fhir_file_is_reported_at_its_entry(server: str,
                                                                   tmp_path: Path) -> None:
    bundle = load(EXAMPLES / "kobayashi-2023" / "bundle.json")
    entries = [e for e in bundle["entry"] if e["resource"]["id"] in
               ("kobayashi-2023.1", "kobayashi-2023.1.primary")]
    del entries[0]["resource"]["gender"]
    entries[1]["resource"]["meta"]["profile"] = ["https://example.invalid/StructureDefinition/x"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                "entry": entries}))
    report_file = tmp_path / "report.json"
    result = run("validate", path, "--server", server, "-q", "--report", report_file)
    assert result.exit_code == 1
    errors = [p for p in load(report_file)["problems"] if p["severity"] == "error"]
    assert any(p.get("entry") == 1 and "Patient.gender" in p["message"] for p in errors)
    # a claimed profile the server lacks is an error, not the server's mere warning
    assert any("no StructureDefinition for the claimed profile https://example.invalid"
               in p["message"] for p in errors)
