"""Findings files (--findings): a real TCGA MAF joined to its clinical table, one Observation per
row, and every way a findings file can be wrong, each located, with nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from converter.read.findingsfile import read_findings, tcga_case
from converter.read.tables import read_delimited
from tests.conftest import ROOT, run

LAML = ROOT / "tests" / "data" / "tcga-laml"
COLUMNS = {"FAB_classification": "ignore", "days_to_last_followup": "ignore",
           "Overall_Survival_Status": "ignore"}


def laml(tmp_path: Path, *extra: str) -> tuple[Any, list[dict[str, Any]]]:
    columns = tmp_path / "columns.json"
    columns.write_text(json.dumps(COLUMNS))
    out = tmp_path / "laml.json"
    result = run("convert", LAML / "tcga_laml_annot.tsv", "--findings", LAML / "tcga_laml.maf",
                 "--series-id", "tcga-laml", "--columns", columns, "-o", out, *extra)
    resources = ([e["resource"] for e in json.loads(out.read_text())["entry"]]
                 if out.exists() else [])
    return result, resources


def components(observation: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for component in observation.get("component", []):
        key = component["code"]["coding"][0]["code"]
        found.setdefault(key, []).append(next(v for k, v in component.items()
                                              if k.startswith("value")))
    return found


def test_a_real_maf_gives_one_variant_per_row(tmp_path: Path) -> None:
    result, resources = laml(tmp_path)
    assert result.exit_code == 0, result.stderr
    variants = [r for r in resources if r["resourceType"] == "Observation"]
    assert len(variants) == 116  # every MAF row of the 8 patients
    assert sum(r["resourceType"] == "Patient" for r in resources) == 8
    by_text = {r["valueCodeableConcept"]["text"]: r for r in variants
               if "valueCodeableConcept" in r}
    dnmt3a = next(r for t, r in by_text.items() if t.startswith("DNMT3A p.Arg882"))
    parts = components(dnmt3a)
    assert parts["48018-6"][0]["coding"][0]["code"] == "HGNC:2978"
    assert parts["molecular-consequence"][0]["coding"][0]["display"] == "missense_variant"
    assert parts["81258-6"][0]["code"] == "1" and 0 < parts["81258-6"][0]["value"] < 1
    assert dnmt3a["subject"]["reference"].endswith(".TCGA-AB-2802") or \
        dnmt3a["subject"]["reference"].startswith("Patient/tcga-laml.")
    # a frameshift and an intronic row keep what the row says, nothing more
    asxl1 = next(r for t, r in by_text.items() if t.startswith("ASXL1 "))
    assert components(asxl1)["molecular-consequence"][0]["coding"][0]["display"] == \
        "frameshift_variant"
    intron = next(r for t, r in by_text.items() if t.startswith("CAMKK1"))
    assert components(intron)["molecular-consequence"][0]["coding"][0]["display"] == \
        "intron_variant"
    assert "48004-6" not in components(intron)  # no c. change in the row: no HGVS code


def test_old_symbols_of_the_maf_resolve_with_a_warning_at_their_cell(tmp_path: Path) -> None:
    result, _ = laml(tmp_path)
    assert "tcga_laml.maf, row" in result.stderr
    assert "is a previous symbol of" in result.stderr


def test_a_sample_no_case_takes_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    maf = tmp_path / "extra.maf"
    lines = (LAML / "tcga_laml.maf").read_text().splitlines()
    maf.write_text("\n".join([lines[0], lines[1].replace("TCGA-AB-2805", "TCGA-XX-0000")]) + "\n")
    out = tmp_path / "out.json"
    result = run("convert", LAML / "tcga_laml_annot.tsv", "--findings", maf, "--series-id",
                 "tcga-laml", "--ignore-unmapped", "-o", out)
    assert result.exit_code == 1
    assert "extra.maf, row 2" in result.stderr and "'TCGA-XX-0000' matches no case" in result.stderr
    assert not out.exists()


def test_a_findings_file_without_a_case_column_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("Gene\tAlteration\nBRAF\tV600E\n")
    result = run("convert", LAML / "tcga_laml_annot.tsv", "--findings", bad, "--series-id", "x",
                 "--ignore-unmapped", "-o", tmp_path / "o.json")
    assert result.exit_code == 1
    assert "bad.tsv, row 1" in result.stderr and "case or sample id column" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_supplement_table_with_several_rows_per_case(tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("Case,Sex\nP1,F\nP2,M\n")
    findings = tmp_path / "findings.csv"
    findings.write_text("Patient,Gene,Alteration,VAF\nP1,KRAS,G12C,0.35\nP1,TP53,R273H,12%\n"
                        "P2,EGFR,exon 19 deletion,\nP2,ALK,negative,\nP2,ERBB2,amplification,\n")
    out = tmp_path / "out.json"
    result = run("convert", cases, "--findings", findings, "--series-id", "s", "-o", out)
    assert result.exit_code == 0, result.stderr
    resources = [e["resource"] for e in json.loads(out.read_text())["entry"]]
    texts = sorted(r["valueCodeableConcept"]["text"] for r in resources
                   if r["resourceType"] == "Observation")
    assert len(texts) == 5
    kras = next(r for r in resources if r["resourceType"] == "Observation"
                and r["valueCodeableConcept"]["text"].startswith("KRAS"))
    assert components(kras)["81258-6"][0]["value"] == 0.35
    reports = {r["subject"]["reference"]: r["conclusion"] for r in resources
               if r["resourceType"] == "DiagnosticReport"}
    assert reports["Patient/s.P2"] == ("EGFR exon 19 deletion detected; ERBB2 amplification "
                                       "detected; No ALK alteration detected")


def test_sample_ids_join_through_a_sample_map_and_tcga_barcodes() -> None:
    table = read_delimited(str(LAML / "tcga_laml.maf"), "tsv")
    found = read_findings(table, {"TCGA-AB-2802": "case-a"})
    assert "case-a" in found.by_case and "TCGA-AB-2802" not in found.by_case
    assert tcga_case("TCGA-AB-2802-03A-01W-0728-08") == "TCGA-AB-2802"
    assert tcga_case("P1") is None


def test_a_structural_variant_file_gives_fusions_with_their_exons(tmp_path: Path) -> None:
    # the column names of cBioPortal's structural-variant format (data_sv.txt)
    cases = tmp_path / "cases.csv"
    cases.write_text("Case,Sex\nS-1,F\n")
    sv = tmp_path / "data_sv.txt"
    sv.write_text("Sample_Id\tSite1_Hugo_Symbol\tSite1_Region\tSite1_Region_Number\t"
                  "Site2_Hugo_Symbol\tSite2_Region\tSite2_Region_Number\tClass\n"
                  "S-1\tEML4\tEXON\t13\tALK\tEXON\t20\tFUSION\n"
                  "S-1\tNAB2\tINTRON\t6\tSTAT6\tEXON\t16\tFUSION\n")
    out = tmp_path / "out.json"
    result = run("convert", cases, "--findings", sv, "--series-id", "s", "-o", out)
    assert result.exit_code == 0, result.stderr
    fusions = [r for r in json.loads(out.read_text())["entry"]
               if r["resource"]["resourceType"] == "Observation"]
    variations = sorted(c["valueCodeableConcept"]["text"] for r in fusions
                        for c in r["resource"]["component"]
                        if c["code"]["coding"][0]["code"] == "81252-9")
    # an intronic breakpoint is not an exon: only STAT6's exon is given
    assert variations == ["EML4::ALK (EML4 exon 13, ALK exon 20)",
                          "NAB2::STAT6 (STAT6 exon 16)"]
