from mappings import profiles
from mappings.treatment import from_fhir_treatments, to_fhir_treatments
from tests.conftest import by_id, codes, record


def test_drugs_radiotherapy_and_response() -> None:
    resources = by_id(to_fhir_treatments(record(
        treatment="larotrectinib; radiotherapy; doxorubicin", treatment_response="PR",
        diagnosis="infantile fibrosarcoma")))  # malignant: "in partial remission" may be said
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
        treatment="Excision; prostatectomy; RT 3040 cGy/19 fx; paclitaxel; hyperthermia",
        diagnosis="synovial sarcoma")))
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


def test_treatments_not_given_are_not_done_and_plans_are_requests() -> None:
    resources = by_id(to_fhir_treatments(record(
        treatment="Resection without adjuvant chemo- or radiotherapy; Surgery unfeasible; "
                  "Adjuvant chemotherapy planned; amputation suggested")))
    assert set(resources) == {"tx-surgery-1", "tx-surgery-2", "medication-1", "radiotherapy-1",
                              "planned-tx-1", "planned-tx-2"}
    resection = resources["tx-surgery-1"]
    assert resection["status"] == "completed" and resection["code"]["text"] == "Resection"
    for role in ("medication-1", "radiotherapy-1"):
        assert resources[role]["status"] == "not-done"
    drug = resources["medication-1"]
    assert drug["statusReason"] == [
        {"text": "Not given: without adjuvant chemo- or radiotherapy"}]
    course = resources["radiotherapy-1"]
    assert "performedPeriod" not in course and "extension" not in course
    unfeasible = resources["tx-surgery-2"]
    assert unfeasible["status"] == "not-done" and "performedString" not in unfeasible
    assert unfeasible["statusReason"] == {"text": "Not given: unfeasible"}
    plan, proposal = resources["planned-tx-1"], resources["planned-tx-2"]
    assert plan["resourceType"] == "ServiceRequest"
    assert plan["meta"]["profile"] == [profiles.US_CORE_SERVICE_REQUEST]
    assert (plan["intent"], plan["status"]) == ("plan", "unknown")
    assert plan["code"] == {"text": "Adjuvant chemotherapy planned"}
    assert (proposal["intent"], proposal["code"]["text"]) == ("proposal", "amputation suggested")
    assert not [r for r in resources.values()
                if r["resourceType"] != "ServiceRequest" and r["status"] == "completed"
                and r["id"] != resection["id"]]


def test_a_response_answers_only_a_performed_treatment() -> None:
    resources = by_id(to_fhir_treatments(record(
        treatment="larotrectinib; chemotherapy planned", treatment_response="PR")))
    target = resources["treatment-response"]["_effectiveDateTime"]["extension"][0]["extension"][0]
    assert target["valueReference"]["reference"].endswith(".medication-1")


def test_a_drug_with_trailing_words_answers_its_response() -> None:
    # imt-lit case 10: the remission answers the crizotinib, not the earlier excision
    assert _answered("Complete surgical excision with clear margins; crizotinib at relapse",
                     "Complete remission after 6 months of treatment") == (
        "medication-1", "Response to crizotinib at relapse")


def test_regimens_and_chemotherapy_are_classed_chemotherapy_with_their_text() -> None:
    resources = by_id(to_fhir_treatments(record(
        treatment="Four cycles of chemotherapy; seven cycles of VIDE regimen; VDC/IE")))
    four = resources["medication-1"]["medicationCodeableConcept"]
    assert codes(four) == ["chemotherapy"] and four["text"] == "Four cycles of chemotherapy"
    vide = resources["medication-2"]
    assert codes(vide["medicationCodeableConcept"]) == ["chemotherapy-regimen"]
    assert vide["medicationCodeableConcept"]["text"] == "seven cycles of VIDE regimen"
    assert vide["note"] == [{"text": "VIDE: vincristine, ifosfamide, doxorubicin, etoposide "
                                     "(casefhir's regimen table)"}]
    assert codes(resources["medication-3"]["medicationCodeableConcept"]) == [
        "chemotherapy-regimen"]


def test_a_margin_with_the_surgery_in_the_treatment_column() -> None:
    resources = by_id(to_fhir_treatments(record(
        treatment="Right lower lobectomy and mediastinal lymph node sampling; biopsy; "
                  "wide excision", margin="Tumor-free")))
    margin = resources["margin"]
    assert margin["partOf"] == [{"reference": f"Procedure/{resources['tx-surgery-2']['id']}"}]
    assert codes(margin["valueCodeableConcept"]) == ["55182004"]


def test_context_and_not_done_items_read_back() -> None:
    cells = from_fhir_treatments(by_id(to_fhir_treatments(record(
        treatment="Resection without adjuvant radiotherapy; Adjuvant therapy: imatinib"))))
    assert cells["treatment"] == ("Resection; without adjuvant radiotherapy; "
                                  "Adjuvant therapy: imatinib")


def test_a_response_names_no_malignant_remission_for_a_tumour_not_classed_malignant() -> None:
    resources = by_id(to_fhir_treatments(record(
        treatment="crizotinib", treatment_response="CR",
        diagnosis="inflammatory myofibroblastic tumour")))
    assert resources["treatment-response"]["valueCodeableConcept"] == {"text": "CR"}
