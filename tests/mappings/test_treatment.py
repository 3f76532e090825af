from mappings import profiles
from mappings.treatment import from_fhir_treatments, to_fhir_treatments
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


def test_surgery_radiotherapy_and_drugs_each_get_their_own_profile() -> None:
    resources = by_id(to_fhir_treatments(record(
        treatment="Excision; prostatectomy; RT 3040 cGy/19 fx; paclitaxel; hyperthermia")))
    assert resources["tx-surgery-1"]["meta"]["profile"] == [profiles.SURGICAL_PROCEDURE]
    assert codes(resources["tx-surgery-1"]["code"]) == ["370611004"]
    assert resources["tx-surgery-2"]["code"] == {"text": "prostatectomy"}
    course = resources["radiotherapy-1"]
    assert course["meta"]["profile"] == [profiles.RADIOTHERAPY_COURSE_SUMMARY]
    assert course["code"]["text"] == "RT 3040 cGy/19 fx"
    assert course["performedPeriod"]["extension"][0]["valueCode"] == "unknown"
    sessions, dose = course["extension"]
    assert sessions == {"url": profiles.RADIOTHERAPY_SESSIONS, "valueUnsignedInt": 19}
    parts = {part["url"]: part for part in dose["extension"]}
    assert parts["totalDoseDelivered"]["valueQuantity"]["value"] == 3040
    assert parts["totalDoseDelivered"]["valueQuantity"]["code"] == "cGy"
    assert parts["fractionsDelivered"]["valueUnsignedInt"] == 19
    volume = parts["volume"]["valueReference"]["reference"]
    assert volume == f"BodyStructure/{resources['rt-volume-1']['id']}"
    assert resources["rt-volume-1"]["meta"]["profile"] == [profiles.RADIOTHERAPY_VOLUME]
    drug = resources["medication-1"]["medicationCodeableConcept"]
    assert drug["coding"] == [{"system": "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl",
                               "code": "C1411", "display": "Paclitaxel"}]
    assert resources["other-treatment-1"]["meta"]["profile"] == [profiles.US_CORE_PROCEDURE]
    assert resources["other-treatment-1"]["code"] == {"text": "hyperthermia"}


def _answered(treatment: str, response: str) -> tuple[str, str]:
    resources = by_id(to_fhir_treatments(record(treatment=treatment,
                                                treatment_response=response)))
    status = resources["treatment-response"]
    target = status["_effectiveDateTime"]["extension"][0]["extension"][0]["valueReference"]
    return target["reference"].rpartition(".")[2], status["note"][0]["text"]


def test_the_response_answers_the_treatment_it_names() -> None:
    assert _answered("crizotinib; alectinib", "PR to crizotinib") == (
        "medication-1", "Response to crizotinib")
    assert _answered("Debulking surgery; chemoradiation (weekly carboplatin + paclitaxel, 70 Gy "
                     "in 35 fractions); larotrectinib",
                     "Responded to larotrectinib; well tolerated") == (
        "medication-3", "Response to larotrectinib")  # not the concurrent carboplatin, paclitaxel


def test_else_the_last_systemic_therapy_else_the_last_treatment() -> None:
    assert _answered("crizotinib then resection", "SD") == ("medication-1",
                                                            "Response to crizotinib")
    assert _answered("chemotherapy; doxorubicin; radiotherapy", "PR") == (
        "medication-2", "Response to doxorubicin")
    assert _answered("excision; radiotherapy", "CR") == ("radiotherapy-1",
                                                         "Response to radiotherapy")


def test_a_chemoradiation_s_drugs_are_part_of_its_course_and_flatten_back_to_its_cell() -> None:
    cell = "chemoradiation (weekly carboplatin + paclitaxel, 70 Gy in 35 fractions); larotrectinib"
    made = to_fhir_treatments(record(treatment=cell))
    resources = by_id(made)
    course = f"Procedure/{resources['radiotherapy-1']['id']}"
    assert resources["medication-1"]["partOf"] == [{"reference": course}]
    assert resources["medication-1"]["medicationCodeableConcept"]["text"] == "weekly carboplatin"
    assert resources["medication-2"]["partOf"] == [{"reference": course}]
    assert "partOf" not in resources["medication-3"]
    assert codes(resources["medication-3"]["medicationCodeableConcept"]) == ["larotrectinib"]
    assert from_fhir_treatments(resources) == {"treatment": cell}
