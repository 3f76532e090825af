from mappings import profiles
from mappings.procedure import to_fhir_surgery
from tests.conftest import codes, record


def test_surgery_with_intent_and_margin() -> None:
    procedure, margin = to_fhir_surgery(record(surgery="wide excision", margin="wide (R0)",
                                               site="right forearm"))
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
