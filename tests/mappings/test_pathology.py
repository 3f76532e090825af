from mappings import profiles
from mappings.pathology import to_fhir_pan_trk_ihc, to_fhir_specimen
from tests.conftest import codes, record


def test_pan_trk_ihc_is_a_tumor_marker_test() -> None:
    [ihc] = to_fhir_pan_trk_ihc(record(pan_trk_ihc="diffuse positive"))
    assert ihc["meta"]["profile"] == [profiles.TUMOR_MARKER_TEST]
    assert codes(ihc["code"]) == ["55229-9"]
    assert codes(ihc["valueCodeableConcept"]) == ["10828004"]
    assert ihc["valueCodeableConcept"]["text"] == "diffuse positive"
    assert len(ihc["component"]) == 3
    assert ihc["specimen"] == {"reference": "Specimen/test-series.1.specimen"}


def test_specimen_only_when_something_was_tested() -> None:
    assert to_fhir_specimen(record(age="2")) == []
    [specimen] = to_fhir_specimen(record(margin="R0", surgery="excision", site="thigh"))
    assert codes(specimen["type"]) == ["TUMOR"]
    assert codes(specimen["collection"]["bodySite"]) == ["68367000"]
