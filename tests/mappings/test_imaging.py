from typing import Any

import pytest

from mappings import profiles
from mappings.imaging import to_fhir_imaging
from tests.conftest import build, by_id, codes, record


def test_mri_findings_grouped_by_a_radiology_report() -> None:
    resources = by_id(to_fhir_imaging(record(
        mri_vascularity="high", mri_flow_voids="prominent", mri_border="partially ill-defined",
        mri_fat_infiltration="yes", mri_t1="iso", mri_t2="hyper", mri_enhancement="heterogeneous",
        mri_findings="Hypervascular mass", size="75 x 48 mm", site="thigh",
        preop_diagnosis="SFT", surgery="excision")))
    assert set(resources) == {"mri-findings", "mri-vascularity", "mri-flow-voids", "mri-border",
                              "mri-fat", "mri-t1", "mri-t2", "mri-enhancement", "tumour",
                              "tumour-size", "mri-report"}
    flow = resources["mri-flow-voids"]
    assert flow["meta"]["profile"] == [profiles.US_CORE_CLINICAL_RESULT]
    assert codes(flow["category"][0]) == ["imaging"] and codes(flow["method"]) == ["113091000"]
    assert codes(flow["code"]) == ["flow-voids"] and codes(flow["valueCodeableConcept"]) == ["52101004"]
    assert codes(resources["mri-vascularity"]["valueCodeableConcept"]) == ["111375"]
    # "partially ill-defined" is not "poorly defined" (SNOMED 300841009): its own code
    assert codes(resources["mri-border"]["valueCodeableConcept"]) == ["partially-ill-defined"]
    assert resources["mri-fat"]["bodySite"] == {"text": "fat"}  # no verified SNOMED code
    assert codes(resources["mri-t1"]["valueCodeableConcept"]) == ["isointense"]
    assert codes(resources["mri-t2"]["valueCodeableConcept"]) == ["RID35805"]
    size = resources["tumour-size"]
    assert size["meta"]["profile"] == [profiles.TUMOR_SIZE]
    assert [(c["valueQuantity"]["value"], c["valueQuantity"]["code"]) for c in size["component"]] \
        == [(75, "mm"), (48, "mm")]
    assert size["focus"] == [{"reference": "BodyStructure/test-series.1.tumour"}]
    report = resources["mri-report"]
    assert report["meta"]["profile"] == [profiles.US_CORE_DIAGNOSTIC_REPORT_NOTE]
    assert codes(report["category"][0]) == ["LP29684-5"] and codes(report["code"]) == ["25056-3"]
    assert len(report["result"]) == 8  # the size's cell does not say MRI: not in the MRI report
    assert "method" not in size
    # refuted (no final diagnosis confirms it): words only, never a code a search would find
    assert report["conclusion"] == "Preoperative diagnosis, revised after resection: SFT"
    assert "conclusionCode" not in report
    timing = report["_effectiveDateTime"]["extension"][0]["extension"]
    assert {"url": "relationship", "valueCode": "before"} in timing
    # cqf-relativeDateTime needs its offset; an unknown one carries a data-absent-reason
    [offset] = [part["valueDuration"] for part in timing if part["url"] == "offset"]
    assert offset["extension"][0]["valueCode"] == "unknown" and "value" not in offset
    assert resources["mri-findings"]["hasMember"][0]["reference"].endswith(".mri-vascularity")


def test_no_imaging_no_report() -> None:
    assert to_fhir_imaging(record(age="3")) == []


def test_absent_findings_are_recorded_as_absent() -> None:
    resources = by_id(to_fhir_imaging(record(mri_flow_voids="no", mri_vascularity="no")))
    assert codes(resources["mri-flow-voids"]["valueCodeableConcept"]) == ["2667000"]
    assert codes(resources["mri-vascularity"]["valueCodeableConcept"]) == ["111373"]


def test_refuted_preoperative_diagnosis_is_no_conclusion_code() -> None:
    [report] = [r for r in to_fhir_imaging(record(
        diagnosis="NTRK-RSCN", preop_diagnosis="solitary fibrous tumour", mri_flow_voids="yes"))
        if r["resourceType"] == "DiagnosticReport"]
    assert "conclusionCode" not in report
    assert report["conclusion"].endswith("solitary fibrous tumour")


def test_confirmed_preoperative_diagnosis_is_coded() -> None:
    [report] = [r for r in to_fhir_imaging(record(
        diagnosis="NTRK-RSCN", preop_diagnosis="NTRK-rscn", mri_flow_voids="yes"))
        if r["resourceType"] == "DiagnosticReport"]
    assert report["conclusion"] == "Preoperative diagnosis: NTRK-rscn"
    assert codes(report["conclusionCode"][0])  # whatever the diagnosis vocabulary codes it as


def test_border_words_coded_as_said() -> None:
    def border(words: str) -> list[str]:
        [finding] = [r for r in to_fhir_imaging(record(mri_border=words))
                     if r["id"].endswith(".mri-border")]
        return codes(finding["valueCodeableConcept"])

    assert border("ill-defined") == ["300841009"]
    assert border("poorly defined") == ["300841009"]
    for partial in ("partially ill-defined", "partly ill defined", "focally ill-defined"):
        assert border(partial) == ["partially-ill-defined"], partial
    assert border("well-defined") == ["260409000"]


def test_a_size_says_how_it_was_measured_only_when_its_cell_does() -> None:
    on_mri = by_id(to_fhir_imaging(record(size="4.5 cm (MRI)", mri_t2="hyper")))
    assert codes(on_mri["tumour-size"]["method"]) == ["113091000"]
    assert {"reference": "Observation/test-series.1.tumour-size"} in on_mri["mri-report"]["result"]
    on_pet = by_id(to_fhir_imaging(record(size="6 x 4 x 15 cm (FDG-PET)")))
    assert on_pet["tumour-size"]["method"]["coding"] == [{
        "system": "http://snomed.info/sct", "code": "82918005",
        "display": "Positron emission tomography (procedure)"}]
    assert "mri-report" not in on_pet  # a PET size is no MRI result: it is a PET one
    assert on_pet["pet-report"]["result"] == [
        {"reference": "Observation/test-series.1.tumour-size"}]
    on_pet_ct = by_id(to_fhir_imaging(record(size="6 x 4 cm (PET-CT)")))
    assert on_pet_ct["tumour-size"]["method"] == {"text": "PET/CT"}  # no verified code
    specimen = by_id(to_fhir_imaging(record(size="7 x 5 cm, specimen")))
    assert specimen["tumour-size"]["method"] == {"text": "pathological (specimen)"}
    unsaid = by_id(to_fhir_imaging(record(size="5 cm")))
    assert set(unsaid) == {"tumour", "tumour-size"} and "method" not in unsaid["tumour-size"]


SNOMED = "http://snomed.info/sct"


def _imaging(cells: dict[str, str]) -> dict[str, dict[str, Any]]:
    built, problems = build({"case_id": "1", **cells})
    assert built is not None, [p.render() for p in problems]
    return by_id(to_fhir_imaging(built))


def test_an_imaging_finding_that_states_no_modality_has_none() -> None:
    resources = _imaging({"Imaging": "5 cm mass"})
    assert set(resources) == {"img-findings", "img-report"}
    finding, report = resources["img-findings"], resources["img-report"]
    assert finding["valueString"] == "5 cm mass" and "method" not in finding
    assert codes(finding["code"]) == ["18782-3"]
    assert report["code"] == {"coding": [{"system": "http://loinc.org", "code": "18748-4",
                                          "display": "Diagnostic imaging study"}],
                              "text": "Imaging report"}
    assert codes(report["category"][0]) == ["LP29684-5"]
    assert report["result"] == [{"reference": "Observation/test-series.1.img-findings"}]


def test_each_modality_a_cell_names_has_its_report() -> None:
    resources = _imaging({"Imaging": "CT: lung nodules; MRI: T2 bright",
                          "preop_diagnosis": "SFT"})
    assert set(resources) == {"mri-findings", "mri-report", "ct-findings", "ct-report"}
    assert resources["ct-findings"]["valueString"] == "lung nodules"
    assert resources["ct-findings"]["method"] == {"coding": [{
        "system": SNOMED, "code": "77477000",
        "display": "Computerized axial tomography (procedure)"}]}
    assert codes(resources["mri-findings"]["method"]) == ["113091000"]
    assert codes(resources["mri-report"]["code"]) == ["25056-3"]
    ct_report = resources["ct-report"]
    assert codes(ct_report["code"]) == ["18748-4"] and ct_report["code"]["text"] == "CT report"
    assert ct_report["result"] == [{"reference": "Observation/test-series.1.ct-findings"}]
    # the preoperative diagnosis is the conclusion of the first report only
    assert "conclusion" in resources["mri-report"] and "conclusion" not in ct_report


@pytest.mark.parametrize(("header", "code", "display"), [
    ("PET", "82918005", "Positron emission tomography (procedure)"),
    ("Ultrasound", "16310003", "Diagnostic ultrasonography (procedure)"),
    ("Radiograph", "363680008", "Radiographic imaging procedure (procedure)"),
])
def test_a_headers_modality_is_the_findings_method(header: str, code: str, display: str) -> None:
    [finding] = [r for r in _imaging({header: "mass"}).values()
                 if r["resourceType"] == "Observation"]
    assert finding["method"]["coding"] == [{"system": SNOMED, "code": code, "display": display}]


def test_modalities_without_a_verified_code_are_words() -> None:
    pet_ct = _imaging({"PET-CT": "FDG-avid mass"})
    assert pet_ct["petct-findings"]["method"] == {"text": "PET/CT"}
    assert pet_ct["petct-report"]["code"]["text"] == "PET/CT report"
    endoscopy = _imaging({"Endoscopy": "ulcerated mass"})
    finding, report = endoscopy["endo-findings"], endoscopy["endo-report"]
    assert finding["method"] == {"text": "endoscopy"}
    assert codes(finding["code"]) == ["59776-5"]  # procedure findings: no radiology study
    assert report["code"] == {"text": "Endoscopy report"}
    assert report["category"] == [{"text": "Endoscopy"}]  # not radiology


def test_two_findings_of_one_modality_are_two_observations() -> None:
    resources = _imaging({"CT findings": "lung nodules", "Imaging": "CT: liver lesion"})
    assert resources["ct-findings"]["valueString"] == "lung nodules"
    assert resources["ct-findings-2"]["valueString"] == "liver lesion"
    assert len(resources["ct-report"]["result"]) == 2


def test_the_ntrk_mri_columns_stay_mri_beside_other_modalities() -> None:
    resources = _imaging({"Vascularity": "high", "CT findings": "calcified mass",
                          "MRI findings": "hypervascular mass"})
    assert codes(resources["mri-vascularity"]["method"]) == ["113091000"]
    assert resources["mri-findings"]["hasMember"] == [
        {"reference": "Observation/test-series.1.mri-vascularity"}]
    assert {"reference": "Observation/test-series.1.mri-vascularity"} in \
        resources["mri-report"]["result"]
    assert resources["ct-report"]["result"] == [
        {"reference": "Observation/test-series.1.ct-findings"}]


def test_a_size_column_naming_ct_is_a_ct_size() -> None:
    resources = _imaging({"Size on CT": "5 cm"})
    assert codes(resources["tumour-size"]["method"]) == ["77477000"]
    assert resources["tumour-size"]["note"] == [{"text": "As reported: 5 cm (CT)"}]
    assert "mri-report" not in resources
    assert resources["ct-report"]["result"] == [
        {"reference": "Observation/test-series.1.tumour-size"}]


def test_imaging_findings_come_back_with_their_modality_labels() -> None:
    from mappings.imaging import from_fhir_imaging

    resources = _imaging({"Imaging": "5 cm mass; CT: lung nodules", "MRI findings": "T2 bright",
                          "Radiology": "Imaging: seen on CT"})
    cells = from_fhir_imaging(resources)
    assert cells["imaging_findings"] == \
        "MRI: T2 bright; CT: lung nodules; Imaging: 5 cm mass; Imaging: seen on CT"
    again = _imaging({"imaging_findings": cells["imaging_findings"]})
    assert again == resources
