from mappings import profiles
from mappings.patient import to_fhir_patient
from tests.conftest import record


def test_patient_is_deidentified_cancer_patient() -> None:
    [patient] = to_fhir_patient(record(sex="girl", status="DOD", age="3 months"))
    assert patient["id"] == "test-series.1"
    assert patient["meta"]["profile"] == [profiles.CANCER_PATIENT]
    assert patient["meta"]["source"] == "https://doi.org/10.1000/test"
    assert patient["gender"] == "female" and patient["deceasedBoolean"] is True
    assert patient["name"][0]["extension"][0]["valueCode"] == "masked"
    assert "birthDate" not in patient
    assert patient["identifier"][0]["value"] == "test-series#1"


def test_unknown_sex_and_no_status() -> None:
    [patient] = to_fhir_patient(record())
    assert patient["gender"] == "unknown" and "deceasedBoolean" not in patient
    [alive] = to_fhir_patient(record(status="NED"))
    assert alive["deceasedBoolean"] is False
