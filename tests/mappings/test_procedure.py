from mappings import profiles
from mappings.procedure import from_fhir_surgery, to_fhir_surgery
from tests.conftest import codes, record


def test_surgery_with_intent_and_margin() -> None:
    procedure, margin = to_fhir_surgery(record(surgery="wide excision", margin="wide (R0)",
                                               site="right forearm", surgery_intent="curative",
                                               diagnosis="synovial sarcoma"))
    assert procedure["meta"]["profile"] == [profiles.SURGICAL_PROCEDURE]
    assert codes(procedure["code"]) == ["370611004"] and procedure["code"]["text"] == "wide excision"
    assert codes(procedure["extension"][0]["valueCodeableConcept"]) == ["373808002"]
    assert procedure["performedString"] == "date not reported"
    assert procedure["reasonReference"] == [{"reference": "Condition/test-series.1.primary"}]
    assert margin["meta"]["profile"] == [profiles.US_CORE_LAB]
    assert codes(margin["code"]) == ["395536008"]
    assert codes(margin["valueCodeableConcept"]) == ["55182004"]
    assert margin["partOf"] == [{"reference": "Procedure/test-series.1.surgery"}]


def test_margins_and_intent_variants() -> None:
    def margin(text: str) -> list[str]:
        return codes(to_fhir_surgery(record(surgery="excision", margin=text))[1]
                     ["valueCodeableConcept"])

    assert margin("R1") == ["442479004"] and margin("marginal") == ["marginal-margin"]
    assert margin("close") == []
    [generic] = to_fhir_surgery(record(surgery="surgery"))
    assert codes(generic["code"]) == ["387713003"] and "extension" not in generic
    [palliative] = to_fhir_surgery(record(surgery="excision", surgery_intent="palliative"))
    assert codes(palliative["extension"][0]["valueCodeableConcept"]) == ["363676003"]
    assert to_fhir_surgery(record(surgery="no")) == []


def test_excision_claims_malignancy_only_for_a_malignant_diagnosis() -> None:
    def surgery_codes(**cells: str) -> list[str]:
        return codes(to_fhir_surgery(record(surgery="resection", **cells))[0]["code"])

    assert surgery_codes(diagnosis="Ewing sarcoma") == ["370611004"]  # OncoTree ES: malignant
    assert surgery_codes(diagnosis="infantile fibrosarcoma") == ["370611004"]  # vocabulary: /3
    # read as OncoTree IFS, coded as the vocabulary's entry (one entity, one set of codes)
    assert surgery_codes(diagnosis="Giant multinodular infantile fibrosarcoma") == ["370611004"]
    assert surgery_codes(diagnosis="lung cancer") == ["370611004"]  # "cancer" says malignant
    assert surgery_codes(diagnosis="glioma") == ["387713003"]  # "glioma" alone does not
    assert surgery_codes(diagnosis="Inflammatory myofibroblastic tumor") == ["387713003"]
    assert surgery_codes(diagnosis="solitary fibrous tumor") == ["387713003"]
    assert surgery_codes() == ["387713003"]  # no diagnosis: "Surgical procedure"
    [amputation] = to_fhir_surgery(record(surgery="above knee amputation"))
    assert codes(amputation["code"]) == ["397117006"]  # claims no behaviour: kept


def test_an_intent_only_when_the_table_states_it() -> None:
    [resection] = to_fhir_surgery(record(surgery="wide excision", diagnosis="GIST"))
    assert "extension" not in resection
    assert "surgery_intent" not in from_fhir_surgery({"surgery": resection})
