from mappings import profiles
from mappings.imaging import to_fhir_imaging
from tests.conftest import by_id, codes, record


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
    assert codes(resources["mri-fat"]["bodySite"]) == ["55603005"]
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
    assert on_pet["tumour-size"]["method"] == {"text": "PET/CT"}
    assert "mri-report" not in on_pet  # a PET size is no MRI result
    specimen = by_id(to_fhir_imaging(record(size="7 x 5 cm, specimen")))
    assert specimen["tumour-size"]["method"] == {"text": "pathological (specimen)"}
    unsaid = by_id(to_fhir_imaging(record(size="5 cm")))
    assert set(unsaid) == {"tumour", "tumour-size"} and "method" not in unsaid["tumour-size"]
