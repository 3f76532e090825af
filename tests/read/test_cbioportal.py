"""A real cBioPortal study folder (the SUMMIT biliary trial) as it is published: patients with
their tumour samples' attributes, mutations and long-form copy number joined through the sample
file, metadata lines skipped, normal samples never a case's attributes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from converter.read.cbioportal import is_study, open_study
from tests.conftest import ROOT, run

STUDY = ROOT / "tests" / "data" / "summit-biliary"


def convert(tmp_path: Path) -> tuple[Any, list[dict[str, Any]]]:
    out = tmp_path / "summit.json"
    result = run("convert", STUDY, "--series-id", "summit-btc", "-o", out)
    return result, [e["resource"] for e in json.loads(out.read_text())["entry"]]


def test_the_study_folder_is_recognised_and_joined() -> None:
    assert is_study(str(STUDY)) and not is_study(str(STUDY / "data_CNA.tsv"))
    study = open_study(str(STUDY))
    assert study.case_of_sample["P15_C"] == "15" and study.case_of_sample["P7_N"] == "7"
    assert [Path(p).name for p in study.findings] == ["data_CNA.tsv",
                                                      "data_mutations_extended.txt"]
    rows = list(study.table.rows)
    assert [r.number for r in rows] == [6, 7, 8, 9, 10]  # after the four '#' lines and header
    cells = {c.header: c.value for c in rows[0].cells}
    assert cells["PATIENT_ID"] == "7"
    assert cells["CANCER_TYPE_DETAILED"] == "Biliary Tract"  # P7_A, not the normal P7_N


def test_every_mutation_and_copy_number_row_becomes_a_finding(tmp_path: Path) -> None:
    result, resources = convert(tmp_path)
    assert result.exit_code == 0, result.stderr
    observations = [r for r in resources if r["resourceType"] == "Observation"
                    and "last-follow-up" not in r["id"]]  # OS_MONTHS: each case's follow-up
    mutations = (STUDY / "data_mutations_extended.txt").read_text().count("\n") - 1
    copy_numbers = (STUDY / "data_CNA.tsv").read_text().count("\n") - 1
    assert len(observations) == mutations + copy_numbers
    assert sum(r["resourceType"] == "Patient" for r in resources) == 5
    texts = {r["id"]: r.get("valueString") or r["valueCodeableConcept"]["text"]
             for r in observations}
    erbb2 = [r for r in observations if texts[r["id"]].startswith("ERBB2 NM_004448.2:c.929C>T")]
    assert erbb2, "ERBB2 S310F, the trial's HER2 mutation"
    coding = [c for c in erbb2[0]["component"]
              if c["code"]["coding"][0]["code"] == "48004-6"]
    assert coding[0]["valueCodeableConcept"]["coding"][0]["code"] == "NM_004448.2:c.929C>T"
    change = [c for c in erbb2[0]["component"] if c["code"]["coding"][0]["code"] == "48019-4"]
    assert change[0]["valueCodeableConcept"]["coding"][0]["display"] == "SNV"
    amplified = [r for r in observations if "amplification" in texts[r["id"]]]
    deleted = [r for r in observations if "deep deletion" in texts[r["id"]]]
    assert amplified and deleted
    reports = [r for r in resources if r["resourceType"] == "DiagnosticReport"]
    assert all("detected" in r["conclusion"] for r in reports)


def test_overall_survival_months_give_the_follow_up(tmp_path: Path) -> None:
    result, resources = convert(tmp_path)
    assert result.exit_code == 0, result.stderr
    follow_ups = [r for r in resources if r["id"].endswith(".last-follow-up")]
    assert len(follow_ups) == 5  # every patient has OS_MONTHS; OS_STATUS is UNKNOWN
    assert "OS_MONTHS" not in result.stderr and "OS_STATUS" not in result.stderr


def test_the_shifted_classification_column_is_named_once_not_trusted(tmp_path: Path) -> None:
    result, _ = convert(tmp_path)
    # the file's columns are shifted: Variant_Classification holds SNP, DEL... (variant types)
    assert result.stderr.count("not a MAF variant classification") <= 4
    assert "Traceback" not in result.stderr
