"""Ki-67 column and mitotic count (mappings/proliferation.py): the Ki-67 column gives the IHC
panel's TumorMarkerTest, the mitotic count a Ratio over its stated area; cells back."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.observation import Observation

from converter.fhir.ids import resource_id
from converter.pipeline import check_resources
from converter.read.records import SourceRow
from converter.tables.flatten import flatten
from mappings import profiles
from mappings.case import map_record
from mappings.immunohistochemistry import to_fhir_ihc
from mappings.proliferation import to_fhir_ki67, to_fhir_mitotic_count
from tests.conftest import codes, record


def without_id(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k != "id"}


@pytest.mark.parametrize("text", ["15%", "<5%", "high", "10-20%", "MIB-1 30%"])
def test_ki67_column_is_the_panels_tumor_marker_test(text: str) -> None:
    [column] = to_fhir_ki67(record(ki67=text))
    written = text if text.startswith("MIB") else f"Ki-67 {text}"
    [panel] = to_fhir_ihc(record(ihc=written))
    assert column["id"] == resource_id("test-series", "1", "ki67")
    assert without_id(column) == without_id(panel)
    assert column["meta"]["profile"] == [profiles.TUMOR_MARKER_TEST]
    Observation.model_validate(column)


def test_ki67_percentage() -> None:
    [observation] = to_fhir_ki67(record(ki67="<5%"))
    assert observation["valueQuantity"] == {"value": 5, "comparator": "<", "unit": "%",
                                            "system": "http://unitsofmeasure.org", "code": "%"}
    assert observation["component"][0]["valueCodeableConcept"]["coding"][0]["code"] == "HGNC:7107"


def test_ki67_range_is_its_text() -> None:
    """mCODE TumorMarkerTest allows no valueRange (HAPI refused gist-lit's "5 to 8%")."""
    [observation] = to_fhir_ki67(record(ki67="10-20%"))
    assert observation["valueString"] == "10-20%" and "valueRange" not in observation
    [observation] = to_fhir_ki67(record(ki67="5 to 8%"))
    assert observation["valueString"] == "5-8%"
    Observation.model_validate(observation)
    [row] = flatten(map_record(record(ki67="10-20%"))).rows
    assert row["ki67"] == "Ki-67 10-20%"


def mitotic(text: str) -> dict[str, Any]:
    [observation] = to_fhir_mitotic_count(record(mitotic_count=text))
    Observation.model_validate(observation)
    assert observation["meta"]["profile"] == [profiles.US_CORE_LAB]
    assert codes(observation["code"]) == ["mitotic-count"]
    assert observation["code"]["coding"][0]["system"] == \
        "https://casefhir.org/fhir/CodeSystem/casefhir"
    assert observation["specimen"] == {
        "reference": f"Specimen/{resource_id('test-series', '1', 'specimen')}"}
    return observation


@pytest.mark.parametrize(("text", "numerator", "denominator"), [
    ("5/10 HPF", {"value": 5}, {"value": 10, "unit": "high-power fields", "code": "{HPF}"}),
    ("<1/10HPF", {"value": 1, "comparator": "<"},
     {"value": 10, "unit": "high-power fields", "code": "{HPF}"}),
    ("12/50 HPF", {"value": 12}, {"value": 50, "unit": "high-power fields", "code": "{HPF}"}),
    ("5 per 2 mm2", {"value": 5}, {"value": 2, "unit": "mm\u00b2", "code": "mm2"}),
])
def test_mitotic_count_is_a_ratio_over_its_area(text: str, numerator: dict[str, Any],
                                                denominator: dict[str, Any]) -> None:
    ratio = mitotic(text)["valueRatio"]
    ucum = {"system": "http://unitsofmeasure.org"}
    assert ratio["numerator"] == {**numerator, "unit": "mitoses", **ucum, "code": "{mitoses}"}
    assert ratio["denominator"] == {**denominator, **ucum}


def test_a_count_without_area_is_a_quantity() -> None:
    observation = mitotic("7")
    assert "valueRatio" not in observation
    assert observation["valueQuantity"]["value"] == 7


def test_the_specimen_exists_and_references_resolve() -> None:
    resources = map_record(record(ki67="15%", mitotic_count="3/10 HPF"))
    assert "Specimen" in {r["resourceType"] for r in resources}
    assert check_resources(resources, SourceRow("t.csv", 2, "row"), full_validation=True) == []


@pytest.mark.parametrize(("cells", "back"), [
    ({"ki67": "15%"}, {"ki67": "Ki-67 15%"}),
    ({"mitotic_count": "8 mitoses/10 HPF"}, {"mitotic_count": "8/10 HPF"}),
    ({"mitotic_count": "<1/50 HPF"}, {"mitotic_count": "<1/50 HPF"}),
    ({"mitotic_count": "4/mm2"}, {"mitotic_count": "4/1 mm2"}),
])
def test_flatten_gives_words_that_read_back_the_same(cells: dict[str, str],
                                                     back: dict[str, str]) -> None:
    made = map_record(record(**cells))
    [row] = flatten(made).rows
    assert {k: row[k] for k in back} == back
    assert [r for r in map_record(record(**back)) if r["resourceType"] != "Provenance"] == \
        [r for r in made if r["resourceType"] != "Provenance"]
