from mappings import profiles
from mappings.treatment import to_fhir_treatments
from tests.conftest import by_id, codes, record


def test_drugs_radiotherapy_and_response() -> None:
    resources = by_id(to_fhir_treatments(record(
        treatment="larotrectinib; radiotherapy; doxorubicin", treatment_response="PR")))
    assert set(resources) == {"medication-1", "medication-2", "radiotherapy-1",
                              "treatment-response"}
    drug = resources["medication-1"]
    assert drug["meta"]["profile"] == [profiles.MEDICATION_ADMINISTRATION]
    assert codes(drug["medicationCodeableConcept"]) == ["larotrectinib"]
    assert drug["effectivePeriod"]["extension"][0]["valueCode"] == "unknown"
    assert resources["medication-2"]["medicationCodeableConcept"] == {"text": "doxorubicin"}
    assert codes(resources["radiotherapy-1"]["code"]) == ["1217123003"]
    response = resources["treatment-response"]
    assert codes(response["category"][0]) == ["treatment-response"]
    assert codes(response["valueCodeableConcept"]) == ["551001000124108"]


def test_no_treatment() -> None:
    assert to_fhir_treatments(record(treatment="none")) == []
