from mappings import profiles
from mappings.outcome import to_fhir_outcome
from tests.conftest import by_id, codes, record


def offset(observation: dict) -> float | None:
    parts = observation["_effectiveDateTime"]["extension"][0]["extension"]
    [duration] = [p["valueDuration"] for p in parts if p["url"] == "offset"]  # required (R4)
    return duration.get("value")


def test_recurrence_and_last_follow_up() -> None:
    resources = by_id(to_fhir_outcome(record(recurrence="yes (14 mo)", status="AWD",
                                             follow_up_months="30", surgery="excision")))
    recurrence, last = resources["recurrence"], resources["last-follow-up"]
    assert recurrence["meta"]["profile"] == [profiles.CANCER_DISEASE_STATUS]
    assert codes(recurrence["code"]) == ["97509-4"]
    assert codes(recurrence["category"][0]) == ["local-recurrence"]
    assert codes(recurrence["valueCodeableConcept"]) == ["271299001"]
    assert offset(recurrence) == 14 and offset(last) == 30
    assert codes(last["valueCodeableConcept"]) == ["709137006"]
    assert last["focus"] == [{"reference": "Condition/test-series.1.primary"}]


def test_follow_up_without_status_has_a_data_absent_reason() -> None:
    [last] = to_fhir_outcome(record(follow_up_months="12"))
    assert "valueCodeableConcept" not in last and codes(last["dataAbsentReason"]) == ["unknown"]
    target = last["_effectiveDateTime"]["extension"][0]["extension"][0]["valueReference"]
    assert target == {"reference": "Condition/test-series.1.primary"}


def test_no_recurrence_is_a_pertinent_negative_without_an_invented_code() -> None:
    [negative] = to_fhir_outcome(record(recurrence="no"))
    assert negative["id"] == "test-series.1.recurrence"
    assert codes(negative["category"][0]) == ["local-recurrence"]
    assert negative["valueCodeableConcept"] == {"text": "No local recurrence"}
    assert negative["note"] == [{"text": "no"}]
