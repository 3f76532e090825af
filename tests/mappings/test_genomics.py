from mappings import profiles
from mappings.genomics import to_fhir_genomics
from tests.conftest import codes, record


def components(observation: dict) -> dict[str, list]:
    result: dict[str, list] = {}
    for component in observation["component"]:
        result.setdefault(component["code"]["coding"][0]["code"], []).append(
            component["valueCodeableConcept"])
    return result


def test_fusion_is_a_genomic_variant_in_a_genomics_report() -> None:
    variant, report = to_fhir_genomics(record(fusion="ETV6::NTRK3", fusion_method="RNA-seq"))
    assert variant["meta"]["profile"] == [profiles.GENOMIC_VARIANT]
    assert codes(variant["code"]) == ["69548-6"]
    assert codes(variant["valueCodeableConcept"]) == ["LA9633-4"]
    assert [codes(c) for c in variant["category"]] == [["laboratory"], ["GE"]]
    parts = components(variant)
    assert [codes(g) for g in parts["48018-6"]] == [["HGNC:3495"], ["HGNC:8033"]]
    assert codes(parts["48019-4"][0]) == ["SO:0001565"]
    assert codes(parts["molecular-consequence"][0]) == ["SO:0001565"]
    assert parts["81252-9"][0] == {"text": "ETV6::NTRK3"}
    assert codes(parts["48002-0"][0]) == ["LA6684-0"]
    assert codes(variant["method"]) == ["LA26398-0"]
    assert report["meta"]["profile"] == [profiles.GENOMICS_REPORT]
    assert codes(report["code"]) == ["51969-4", "81247-9"]
    assert report["result"] == [{"reference": f"Observation/{variant['id']}"}]
    assert report["conclusion"] == "ETV6::NTRK3 fusion detected"


def test_partner_unknown_and_unverified_gene() -> None:
    variant, _ = to_fhir_genomics(record(fusion="NTRK1 fusion"))
    assert [codes(g) for g in components(variant)["48018-6"]] == [["HGNC:8031"]]
    assert components(variant)["81252-9"][0]["text"] == "NTRK1 fusion (partner not reported)"
    variant, _ = to_fhir_genomics(record(fusion="LMNA::NTRK1"))
    assert components(variant)["48018-6"][0] == {"text": "LMNA"}


def test_negative_result_is_a_pertinent_negative() -> None:
    variant, report = to_fhir_genomics(record(fusion="negative"))
    assert codes(variant["valueCodeableConcept"]) == ["LA9634-2"]
    genes = components(variant)["48018-6"]
    assert [codes(g) or [g["text"]] for g in genes] == [["HGNC:8031"], ["NTRK2"], ["HGNC:8033"]]
    assert report["conclusion"] == "No gene fusion detected"
