"""The corpus of real published tables (tests/corpus/corpus.toml): each golden output reproduced
byte for byte, the corpus totals, and every row's FHIR checked against the source row for the
facts the review of the goldens verified (units, codes, censoring)."""

from __future__ import annotations

import csv
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, bundle_resources, run

CORPUS = ROOT / "tests" / "corpus"
TABLES: dict[str, dict[str, Any]] = tomllib.loads((CORPUS / "corpus.toml").read_text())
DAYS_PER_MONTH = 30.4375
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


def source_rows(name: str) -> list[dict[str, str]]:
    delimiter = " " if "space" in TABLES[name]["args"] else ","
    with (CORPUS / TABLES[name]["input"]).open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file, delimiter=delimiter))


def resources_by_id(name: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in bundle_resources(CORPUS / TABLES[name]["output"])}


def offset_months(observation: dict[str, Any]) -> float:
    """The months of a time: its cqf-relativeDateTime's offset, or, where no resource records
    the origin (the time is a data-absent-reason), the months its note gives."""
    [extension] = observation["_effectiveDateTime"]["extension"]
    if extension["url"] == DATA_ABSENT:
        assert extension["valueCode"] == "unknown"
        [months] = {float(found) for note in observation["note"]
                    for found in re.findall(r"(\d+(?:\.\d+)?)\+? months after", note["text"])}
        return months
    offset = next(e for e in extension["extension"] if e["url"] == "offset")
    assert offset["valueDuration"]["code"] == "mo"
    return float(offset["valueDuration"]["value"])


@pytest.mark.parametrize("name", sorted(TABLES))
def test_golden_output_and_coverage_are_reproduced(name: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The FHIR is the reviewed golden output byte for byte; --report's per-column coverage is
    the reviewed coverage.json, and no non-empty cell of any column is dropped silently (not in
    the FHIR, and no warning says so)."""
    table = TABLES[name]
    monkeypatch.chdir(CORPUS)  # the catalogue's paths are relative to the corpus folder
    out, report = tmp_path / "out.json", tmp_path / "report.json"
    result = run("convert", table["input"], *table["args"], "--pretty", "-o", out,
                 "--report", report)
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == (CORPUS / table["output"]).read_bytes(), \
        "output changed; if deliberate, run `python examples/regenerate.py` and review the diff"
    coverage = json.loads(report.read_bytes())["coverage"]
    golden = json.loads((CORPUS / table["output"]).with_name("coverage.json").read_bytes())
    assert coverage == golden, "coverage changed; if deliberate, run examples/regenerate.py"
    assert [c["header"] for c in coverage if c["dropped_silently"]] == []
    assert all(c["in_rejected_rows"] == 0 for c in coverage)  # every row of the corpus converts


def test_corpus_coverage_totals() -> None:
    """Across the corpus: how many non-empty cells became codes or structured values, text,
    were dropped with a warning, or said "not recorded"; none dropped silently."""
    totals: dict[str, int] = {}
    for table in TABLES.values():
        for column in json.loads((CORPUS / table["output"]).with_name("coverage.json")
                                 .read_bytes()):
            for key, value in column.items():
                if isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
    assert totals["dropped_silently"] == 0
    assert totals["non_empty"] == sum(totals[k] for k in (
        "coded", "text_only", "dropped_with_warning", "not_recorded", "left_out",
        "in_rejected_rows"))
    assert totals["coded"] > 3 * totals["text_only"]


def test_corpus_totals() -> None:
    """What the corpus holds, as corpus.toml states it; each table's `cases` is its row count
    and its golden output's number of patients."""
    assert len(TABLES) == 10
    assert sum(t["cases"] for t in TABLES.values()) == 232
    types = {kind for t in TABLES.values() for kind in t["tumour_types"]}
    assert types == {"breast cancer", "lung cancer", "laryngeal cancer", "acute leukemia",
                     "malignant glioma", "inflammatory myofibroblastic tumour", "Ewing sarcoma",
                     "synovial sarcoma", "infantile fibrosarcoma",
                     "gastrointestinal stromal tumour"}
    for name, table in TABLES.items():
        assert table["source"].strip() and "\n" not in table["source"], name
        assert len(source_rows(name)) == table["cases"], name
        patients = [r for r in resources_by_id(name).values() if r["resourceType"] == "Patient"]
        assert len(patients) == table["cases"], name


def test_gbsg2_rows_say_what_the_source_rows_say() -> None:
    """Sizes in mm, recurrence-free survival in days → months, cens 1 the event, hormonal
    therapy only where horTh is yes, grade as written, every patient a woman."""
    resources = resources_by_id("gbsg2")
    for row in source_rows("gbsg2"):
        case = f"gbsg2.{row['case']}"
        assert resources[case]["gender"] == "female"
        assert resources[f"{case}.primary"]["onsetAge"]["value"] == int(row["age"])
        [size] = resources[f"{case}.tumour-size"]["component"]
        assert size["valueQuantity"]["value"] == int(row["tsize"])
        assert size["valueQuantity"]["code"] == "mm"
        dfs = resources[f"{case}.dfs"]
        assert offset_months(dfs) == round(int(row["time"]) / DAYS_PER_MONTH, 2)
        # the event of recurrence-free survival may be a death: no "worsened" code, words only
        assert "coding" not in dfs["valueCodeableConcept"]
        assert dfs["valueCodeableConcept"]["text"].startswith("Disease-free survival event") is \
            (row["cens"] == "1")
        treated = f"{case}.medication-1" in resources
        assert treated is (row["horTh"] == "yes")
        grade = resources[f"{case}.histologic-grade"]["valueCodeableConcept"]["text"]
        assert grade == row["tgrade"]


def test_ncctg_lung_rows_say_what_the_source_rows_say() -> None:
    """lifelines codes status 1 = dead, 0 = censored (not R's 1/2); sex 1 male, 2 female;
    survival time in days."""
    resources = resources_by_id("ncctg-lung")
    for row in source_rows("ncctg-lung"):
        case = f"ncctg-lung.{row['case']}"
        patient = resources[case]
        assert patient["deceasedBoolean"] is (row["status"] == "1")
        assert patient["gender"] == {"1": "male", "2": "female"}[row["sex"]]
        follow_up = resources[f"{case}.last-follow-up"]
        assert offset_months(follow_up) == round(int(row["time"]) / DAYS_PER_MONTH, 2)
        censored = "censored" in follow_up["note"][0]["text"]
        assert censored is (row["status"] == "0")


def test_larynx_rows_say_what_the_source_rows_say() -> None:
    """time in months, death 1 = died, every patient a man; the stage from its three dummy
    columns, stage I where all three are 0."""
    resources = resources_by_id("larynx")
    for row in source_rows("larynx"):
        case = f"larynx.{row['case']}"
        assert resources[case]["gender"] == "male"
        assert resources[case]["deceasedBoolean"] is (row["death"] == "1")
        assert offset_months(resources[f"{case}.last-follow-up"]) == float(row["time"])
        assert resources[f"{case}.primary"]["onsetAge"]["value"] == int(row["age"])
        stage = next((f"Stage {s}" for s in ("II", "III", "IV") if row[f"Stage_{s}"] == "1"),
                     "Stage I")
        assert resources[f"{case}.stage"]["valueCodeableConcept"]["text"] == stage


def test_anderson_leukemia_rows_say_what_the_source_rows_say() -> None:
    """Remission length in weeks, status 1 the relapse, 6-MP only where Rx is 0 (placebo says
    nothing), sex left out (its coding is not documented)."""
    resources = resources_by_id("anderson-leukemia")
    for row in source_rows("anderson-leukemia"):
        case = f"anderson-leukemia.{row['case']}"
        dfs = resources[f"{case}.dfs"]
        assert offset_months(dfs) == round(int(row["t"]) * 7 / DAYS_PER_MONTH, 2)
        assert "coding" not in dfs["valueCodeableConcept"]
        assert dfs["valueCodeableConcept"]["text"].startswith("Disease-free survival event") is \
            (row["status"] == "1")
        drug = resources.get(f"{case}.medication-1")
        assert (drug is not None) is (row["Rx"] == "0")
        if drug is not None:
            assert drug["medicationCodeableConcept"]["coding"][0]["display"] == "Mercaptopurine"
        assert resources[case]["gender"] == "unknown"  # required; the sex codes are not known


def test_glioma_rows_say_what_the_source_rows_say() -> None:
    """event True = died, time in months, grade III, radioimmunotherapy only in the RIT group."""
    resources = resources_by_id("glioma-rit")
    for row in source_rows("glioma-rit"):
        case = f"glioma-rit.{row['case']}"
        assert resources[case]["deceasedBoolean"] is (row["event"] == "True")
        assert resources[case]["gender"] == row["sex"].lower()
        assert offset_months(resources[f"{case}.last-follow-up"]) == float(row["time"])
        assert resources[f"{case}.histologic-grade"]["valueCodeableConcept"]["text"] == \
            "grade III"
        treated = f"{case}.other-treatment-1" in resources
        assert treated is (row["group"] == "RIT")


@pytest.mark.parametrize(("name", "role", "target", "path", "words"), [
    ("ncctg-lung", "last-follow-up", None, None, "an origin not reported"),
    ("larynx", "last-follow-up", None, None, "start of treatment"),
    ("anderson-leukemia", "dfs", "Condition/{case}.primary", "abatement", "remission"),
    ("gbsg2", "dfs", None, None, "an origin not reported"),
    ("glioma-rit", "last-follow-up", None, None, "an origin not reported"),
])
def test_every_time_counts_from_the_origin_its_readme_gives(name: str, role: str,
                                                           target: str | None, path: str | None,
                                                           words: str) -> None:
    """No time says "after diagnosis" where the source counts from elsewhere (or does not say):
    an origin a resource records is the relative time's target; one none records (start of
    treatment, not reported) leaves the date unknown and the note says it."""
    resources = resources_by_id(name)
    for row in source_rows(name):
        case = f"{name}.{row['case']}"
        observation = resources[f"{case}.{role}"]
        [extension] = observation["_effectiveDateTime"]["extension"]
        if target is None:
            assert extension == {"url": DATA_ABSENT, "valueCode": "unknown"}, case
        else:
            parts = {p["url"]: p for p in extension["extension"]}
            assert parts["target"]["valueReference"] == {"reference": target.format(case=case)}
            assert parts["targetPath"]["valueString"] == path
        assert any(f"months after {words}" in n["text"] for n in observation["note"]), case
        assert not any("after diagnosis" in n["text"] for n in observation["note"]), case
