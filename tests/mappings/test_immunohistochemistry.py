"""IHC panels → one mCODE TumorMarkerTest per marker (mappings/immunohistochemistry.py): valid R4
resources with the marker's genes, its code, its value, and the cell back for flatten."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.observation import Observation

from converter.fhir.ids import resource_id
from converter.pipeline import check_resources
from converter.read.records import SourceRow
from converter.tables.flatten import flatten
from mappings import profiles
from mappings.case import ROLE_FIELDS, map_record, role_of
from mappings.immunohistochemistry import from_fhir_ihc, to_fhir_ihc
from mappings.terminology import system_url
from tests.conftest import build, codes, record

PANEL = ("CD34+, STAT6+ (nuclear), S100-, SMA focal, Ki-67 15%; pan-TRK positive; "
         "ALK (D5F3) positive; PD-L1 (22C3) TPS 60%; ER <5%; HER2 2+; factor XIIIa +; EMA+/-")


def markers_by_role(cell: str) -> dict[str, dict[str, Any]]:
    made = to_fhir_ihc(record(ihc=cell))
    return {r["id"].rpartition(".")[2]: r for r in made}


def genes(observation: dict[str, Any]) -> list[str]:
    return [c["valueCodeableConcept"]["coding"][0]["display"]
            for c in observation.get("component", []) if codes(c["code"]) == ["48018-6"]]


def test_one_valid_tumor_marker_test_per_marker() -> None:
    made = markers_by_role(PANEL)
    assert list(made) == ["ihc-cd34", "ihc-stat6", "ihc-s100", "ihc-sma", "ihc-ki67",
                          "ihc-pantrk", "ihc-alk", "ihc-pdl1", "ihc-er", "ihc-her2",
                          "ihc-factorxiiia", "ihc-ema"]
    for observation in made.values():
        Observation.model_validate(observation)
        assert observation["meta"]["profile"] == [profiles.TUMOR_MARKER_TEST]
        assert observation["specimen"] == {
            "reference": f"Specimen/{resource_id('test-series', '1', 'specimen')}"}
        assert "valueCodeableConcept" in observation or "valueQuantity" in observation


@pytest.mark.parametrize(("role", "expected"), [
    ("ihc-cd34", ["CD34"]), ("ihc-stat6", ["STAT6"]), ("ihc-s100", []), ("ihc-sma", ["ACTA2"]),
    ("ihc-ki67", ["MKI67"]), ("ihc-pantrk", ["NTRK1", "NTRK2", "NTRK3"]), ("ihc-ema", ["MUC1"]),
    ("ihc-factorxiiia", []),
])
def test_gene_studied_only_for_the_markers_genes(role: str, expected: list[str]) -> None:
    observation = markers_by_role(PANEL)[role]
    assert genes(observation) == expected
    for component in observation.get("component", []):
        assert component["valueCodeableConcept"]["coding"][0]["system"] == system_url("hgnc")


def test_codes_marker_specific_only_where_mcode_enumerates_one() -> None:
    made = markers_by_role(PANEL)
    assert codes(made["ihc-cd34"]["code"]) == ["55229-9"]
    assert made["ihc-cd34"]["code"]["text"] == "CD34 immunohistochemistry"
    assert made["ihc-alk"]["code"]["text"] == "ALK (D5F3) immunohistochemistry"
    assert codes(made["ihc-pdl1"]["code"]) == ["83053-9"]  # a percentage of tumour cells
    assert codes(made["ihc-er"]["code"]) == ["14228-1"]
    assert codes(made["ihc-her2"]["code"]) == ["48676-1"]
    assert codes(markers_by_role("PD-L1 (22C3) positive")["ihc-pdl1"]["code"]) == ["83052-1"]
    assert codes(markers_by_role("ER positive")["ihc-er"]["code"]) == ["40556-3"]
    assert codes(made["ihc-ki67"]["code"]) == ["55229-9"]  # none for Ki-67


def test_values_results_and_percentages() -> None:
    made = markers_by_role(PANEL)
    stat6 = made["ihc-stat6"]
    assert codes(stat6["valueCodeableConcept"]) == ["10828004"]
    assert stat6["valueCodeableConcept"]["text"] == "positive (nuclear)"
    assert codes(stat6["interpretation"][0]) == ["POS"]
    assert codes(made["ihc-s100"]["valueCodeableConcept"]) == ["260385009"]
    assert codes(made["ihc-s100"]["interpretation"][0]) == ["NEG"]
    assert made["ihc-ki67"]["valueQuantity"] == {
        "value": 15, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}
    assert "interpretation" not in made["ihc-ki67"]
    assert made["ihc-er"]["valueQuantity"]["comparator"] == "<"
    assert made["ihc-pdl1"]["note"] == [{"text": "(TPS)"}]
    ema = made["ihc-ema"]
    assert codes(ema["valueCodeableConcept"]) == [] and codes(ema["interpretation"][0]) == ["E"]
    her2 = made["ihc-her2"]["valueCodeableConcept"]  # a score alone says no result
    assert her2["text"] == "(2+)" and her2["extension"][0]["valueCode"] == "unknown"
    assert "interpretation" not in made["ihc-her2"]


def test_a_bare_marker_has_a_data_absent_value() -> None:
    value = markers_by_role("S100")["ihc-s100"]["valueCodeableConcept"]
    assert value["text"] == "result not stated" and "coding" not in value


def test_the_whole_case_validates_and_has_a_specimen() -> None:
    resources = map_record(record(ihc=PANEL))
    assert check_resources(resources, SourceRow("t.csv", 2, "row")) == []
    assert any(r["resourceType"] == "Specimen" for r in resources)
    ids = [r["id"] for r in resources]
    assert len(ids) == len(set(ids))


def test_problems_on_ihc_resources_are_located_at_the_ihc_column() -> None:
    patient = resource_id("s", "1")
    assert role_of(resource_id("s", "1", "ihc-cd34"), patient) == "ihc"
    assert role_of(resource_id("s", "1", "ihc-123"), patient) == "ihc"
    assert ROLE_FIELDS["ihc"] == ("ihc",)


def test_flatten_gives_a_cell_that_converts_to_the_same_fhir() -> None:
    made = map_record(record(ihc=PANEL))
    [row] = flatten(made).rows
    assert row["ihc"].startswith("CD34 positive; STAT6 positive (nuclear); S100 negative; "
                                 "SMA positive (focal); Ki-67 15%; pan-TRK positive")
    again, _ = build(row)
    assert again is not None
    assert [r for r in map_record(again) if r["resourceType"] != "Provenance"] == \
        [r for r in made if r["resourceType"] != "Provenance"]


def test_pan_trk_column_stays_the_special_case() -> None:
    made = map_record(record(pan_trk_ihc="positive", ihc="CD34+"))
    roles = [r["id"].rpartition(".")[2] for r in made]
    assert "pan-trk-ihc" in roles and "ihc-cd34" in roles and "ihc-pantrk" not in roles
    assert from_fhir_ihc({}) == {}


def test_literature_spellings_become_the_markers_they_name() -> None:
    # imt-lit 1-2, gist-lit 6: "ALK1", "Actin (SM)", "PDGFR" and "SDHB" as the papers print them
    cell = "ALK1 diffuse, Actin (SM)+, PCK+; Vim+, CD117+, PDGFR+; SDHB-"
    made = markers_by_role(cell)
    assert list(made) == ["ihc-alk", "ihc-sma", "ihc-pancytokeratin", "ihc-vimentin", "ihc-cd117",
                          "ihc-pdgfr", "ihc-sdhb"]
    assert genes(made["ihc-alk"]) == ["ALK"]  # never ACVRL1, the gene HGNC also calls ALK1
    assert genes(made["ihc-sma"]) == ["ACTA2"]
    assert genes(made["ihc-sdhb"]) == ["SDHB"]
    assert codes(made["ihc-sdhb"]["valueCodeableConcept"]) == ["260385009"]  # negative
    pdgfr = made["ihc-pdgfr"]  # PDGFRA or PDGFRB: no gene studied claimed
    assert genes(pdgfr) == [] and pdgfr["code"]["text"] == "PDGFR immunohistochemistry"
    assert codes(pdgfr["valueCodeableConcept"]) == ["10828004"]
    assert genes(made["ihc-pancytokeratin"]) == []
    assert check_resources(map_record(record(ihc=cell)), SourceRow("t.csv", 2, "row")) == []
