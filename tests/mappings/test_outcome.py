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
    # AWD: the disease is there; no verified code says that (not "undetermined"): words only
    assert last["valueCodeableConcept"] == {"text": "AWD"} and "dataAbsentReason" not in last
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


def test_a_status_that_says_nothing_of_the_cancer_claims_no_value() -> None:
    for status in ("DOC", "died of other causes", "alive", "dead"):
        [last] = to_fhir_outcome(record(status=status, surgery="excision"))
        assert "valueCodeableConcept" not in last, status
        assert codes(last["dataAbsentReason"]) == ["unknown"]
        assert last["note"][-1]["text"].endswith(": " + status)


def test_statuses_that_say_how_the_cancer_is_keep_their_codes() -> None:
    [ned] = to_fhir_outcome(record(status="NED", diagnosis="synovial sarcoma"))
    assert codes(ned["valueCodeableConcept"]) == ["550991000124107"]
    [dod] = to_fhir_outcome(record(status="DOD"))
    assert codes(dod["valueCodeableConcept"]) == ["271299001"]


def test_a_survival_event_says_only_that_its_endpoint_event_happened() -> None:
    """The event of DFS / RFS may be a death without recurrence, that of PFS a death without
    progression: no "condition worsened", the endpoint's event in words, the cell in the note."""
    resources = by_id(to_fhir_outcome(record(dfs_status="1:Recurred/Progressed", dfs_months="14",
                                             pfs_status="censored", pfs_months="9")))
    dfs, pfs = resources["dfs"], resources["pfs"]
    assert dfs["valueCodeableConcept"] == {
        "text": "Disease-free survival event (recurrence, progression or death)"}
    assert pfs["valueCodeableConcept"] == {
        "text": "No progression-free survival event (censored: no progression or death seen)"}
    assert codes(dfs["category"][0]) == ["disease-free-survival"]
    assert dfs["note"][0] == {"text": "1:Recurred/Progressed"}
    assert offset(dfs) == 14 and offset(pfs) == 9


def relative_parts(observation: dict) -> dict:
    [relative] = observation["_effectiveDateTime"]["extension"]
    return {p["url"]: p for p in relative["extension"]}


def test_a_time_counts_from_the_origin_it_is_given() -> None:
    """The relative time targets the element that holds its origin where the case has a
    resource for it (the primary's onset or abatement, the surgery); else (cqf-relativeDateTime
    needs a target and a targetPath) the date is unknown and the note says the time."""
    cases = {
        "12 from remission": ("Condition/test-series.1.primary", "abatement", "remission"),
        "12 from diagnosis": ("Condition/test-series.1.primary", "onset", "diagnosis"),
        "12 from study entry": (None, None, "study entry"),
        "12 from surgery": (None, None, "surgery"),  # no surgery in the row
        "12 from an origin not reported": (None, None, "an origin not reported"),
        "12": ("Condition/test-series.1.primary", "onset", "diagnosis"),
    }
    for cell, (target, path, words) in cases.items():
        [last] = to_fhir_outcome(record(follow_up_months=cell))
        if target is None:
            assert last["_effectiveDateTime"] == {"extension": [
                {"url": profiles.DATA_ABSENT_REASON, "valueCode": "unknown"}]}, cell
        else:
            parts = relative_parts(last)
            assert parts["target"]["valueReference"] == {"reference": target}, cell
            assert parts["targetPath"]["valueString"] == path, cell
        assert last["note"][0]["text"] == f"Last follow-up 12 months after {words}", cell
    resources = by_id(to_fhir_outcome(record(follow_up_months="12 from surgery",
                                             surgery="excision", recurrence="no")))
    for role in ("last-follow-up", "recurrence"):  # the pertinent negative is timed alike
        parts = relative_parts(resources[role])
        assert parts["target"]["valueReference"] == {"reference": "Procedure/test-series.1.surgery"}
        assert parts["targetPath"]["valueString"] == "performed"


def test_remission_codes_only_for_a_malignant_diagnosis() -> None:
    """"Malignant neoplasm in full remission" says the tumour is malignant: an IMT's or an
    NTRK-RSCN's "NED" keeps its words without that code (imt-lit's "Disease-free")."""
    def value(diagnosis: str) -> dict[str, object]:
        found = by_id(to_fhir_outcome(record(diagnosis=diagnosis, status="NED")))
        return found["last-follow-up"]["valueCodeableConcept"]  # type: ignore[no-any-return]

    assert codes(value("Ewing sarcoma")) == ["550991000124107"]
    assert codes(value("lung cancer")) == ["550991000124107"]
    assert value("Inflammatory myofibroblastic tumor") == {"text": "NED"}
    assert value("NTRK-rearranged spindle cell neoplasm") == {"text": "NED"}
    assert to_fhir_outcome(record(status="NED"))[0]["valueCodeableConcept"] == {"text": "NED"}
