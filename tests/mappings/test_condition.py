from mappings import profiles
from mappings.condition import (
    to_fhir_metastases,
    to_fhir_preoperative_diagnosis,
    to_fhir_primary_condition,
)
from tests.conftest import codes, record


def test_primary_condition_follows_mcode() -> None:
    [condition] = to_fhir_primary_condition(record(
        diagnosis="NTRK-RSCN", age="12-year-old", site="left thigh, subcutaneous"))
    assert condition["meta"]["profile"] == [profiles.PRIMARY_CANCER_CONDITION]
    # an entity of variable behaviour: its own code, never asserted malignant (issue 13)
    assert codes(condition["code"]) == ["ntrk-rearranged-spindle-cell-neoplasm"]
    assert condition["code"]["text"] == "NTRK-RSCN"
    histology = condition["extension"][0]
    assert histology["url"] == profiles.HISTOLOGY_MORPHOLOGY_BEHAVIOR
    assert codes(histology["valueCodeableConcept"]) == ["ntrk-rearranged-spindle-cell-neoplasm"]
    site = condition["bodySite"][0]
    assert codes(site) == ["68367000"]
    qualifiers = {e["url"]: codes(e["valueCodeableConcept"]) for e in site["extension"]}
    # depth is words only: its required ValueSet cannot be confirmed offline (docs/mapping.md)
    assert qualifiers == {profiles.LATERALITY_QUALIFIER: ["7771000"]}
    assert site["text"] == "left thigh, subcutaneous"
    assert condition["onsetAge"] == {"value": 12, "unit": "years",
                                     "system": "http://unitsofmeasure.org", "code": "a"}
    assert "clinicalStatus" not in condition  # no treatment, no outcome: not said


def test_a_depth_column_is_told_in_the_site_text_and_flattened_back() -> None:
    from mappings.common import body_site_cells

    [condition] = to_fhir_primary_condition(record(site="thigh", depth="Intramuscular"))
    site = condition["bodySite"][0]
    assert codes(site) == ["68367000"] and "extension" not in site
    assert site["text"] == "thigh, Intramuscular"
    assert body_site_cells(site) == {"site": "thigh", "depth": "Intramuscular"}
    # the site's own words already say it: not said twice
    [condition] = to_fhir_primary_condition(record(site="deep thigh", depth="deep"))
    assert condition["bodySite"][0]["text"] == "deep thigh"
    # a last ", words" that is no depth term stays the site's
    assert body_site_cells({"text": "Subcutaneous, left temporal region"}) == \
        {"site": "Subcutaneous, left temporal region"}


def test_unknown_diagnosis_keeps_text_without_code() -> None:
    [condition] = to_fhir_primary_condition(record(diagnosis="tumour of uncertain type"))
    assert condition["code"] == {"text": "tumour of uncertain type"}


def test_clinical_status_follows_the_course() -> None:
    def status(**cells: str) -> list[str]:
        return codes(to_fhir_primary_condition(record(**cells))[0]["clinicalStatus"])

    assert status(recurrence="yes", status="AWD") == ["recurrence"]
    assert status(recurrence="yes", status="NED") == ["remission"]
    assert status(status="NED") == ["remission"]
    assert status(surgery="excision", status="AWD") == ["active"]
    assert status(surgery="excision", status="DOD") == ["active"]
    assert status(diagnosis="NTRK-RSCN", status="AWD") == ["active"]


def test_clinical_status_is_omitted_where_the_table_says_nothing_of_it() -> None:
    """Untreated or resected, no recurrence, no last status that speaks of the disease: not
    active, not remission, as far as the table says; clinicalStatus is 0..1 (US Core, mCODE),
    so it is left out."""
    for cells in ({},  # no treatment, no outcome (ewing-lit cases 5, 6, 10, 13)
                  {"treatment": "none"},
                  {"surgery": "excision", "recurrence": "no"},
                  {"surgery": "excision", "recurrence": "no", "status": "DOC"},
                  {"treatment": "larotrectinib", "status": "alive"}):
        [condition] = to_fhir_primary_condition(record(diagnosis="NTRK-RSCN", **cells))
        assert "clinicalStatus" not in condition, cells
    for cells in ({}, {"surgery": "excision"}):
        [metastasis] = to_fhir_metastases(record(metastasis="lung", **cells))
        assert "clinicalStatus" not in metastasis, cells
    [metastasis] = to_fhir_metastases(record(metastasis="lung", surgery="excision", status="AWD"))
    assert codes(metastasis["clinicalStatus"]) == ["active"]


def test_metastasis_without_a_time_claims_no_time_relation() -> None:
    """No time given: not "after the surgery" (a metastasis may be found at presentation)."""
    [metastasis] = to_fhir_metastases(record(metastasis="yes", surgery="excision"))
    assert "_onsetDateTime" not in metastasis and "onsetDateTime" not in metastasis
    [timed] = to_fhir_metastases(record(metastasis="lung (24 mo)", surgery="excision"))
    assert "_onsetDateTime" in timed


def test_preoperative_misdiagnosis_is_refuted() -> None:
    [preop] = to_fhir_preoperative_diagnosis(record(
        diagnosis="NTRK-RSCN", preop_diagnosis="solitary fibrous tumour", mri_flow_voids="yes"))
    assert codes(preop["verificationStatus"]) == ["refuted"]
    assert codes(preop["code"]) == ["C7634", "SFT"]  # NCIt, then its OncoTree type
    assert preop["evidence"][0]["detail"][0]["reference"].endswith(".mri-report")


def test_a_refuted_diagnosis_points_to_the_report_that_concludes_it() -> None:
    """No MRI result: the evidence is the first imaging report made (here the CT one)."""
    [preop] = to_fhir_preoperative_diagnosis(record(
        diagnosis="NTRK-RSCN", preop_diagnosis="solitary fibrous tumour",
        imaging_findings="CT: calcified mass; Imaging: 5 cm mass"))
    assert preop["evidence"] == [{"detail": [{"reference": "DiagnosticReport/test-series.1.ct-report"}]}]
    [none] = to_fhir_preoperative_diagnosis(record(diagnosis="NTRK-RSCN",
                                                   preop_diagnosis="solitary fibrous tumour"))
    assert "evidence" not in none


def test_correct_preoperative_diagnosis_makes_no_condition() -> None:
    assert to_fhir_preoperative_diagnosis(record(diagnosis="NTRK-RSCN",
                                                 preop_diagnosis="NTRK-rscn")) == []


def test_metastases_per_site_link_the_primary() -> None:
    conditions = to_fhir_metastases(record(metastasis="lung and brain (24 mo)", surgery="excision"))
    assert [c["id"] for c in conditions] == ["test-series.1.metastasis-1",
                                             "test-series.1.metastasis-2"]
    lung, brain = conditions
    assert lung["meta"]["profile"] == [profiles.SECONDARY_CANCER_CONDITION]
    assert lung["extension"][0]["valueReference"] == {"reference": "Condition/test-series.1.primary"}
    assert codes(lung["code"]) == ["128462008"] and codes(brain["code"]) == ["94225005"]
    offset = lung["_onsetDateTime"]["extension"][0]["extension"][-1]["valueDuration"]
    assert offset["value"] == 24 and offset["code"] == "mo"
    (negative,) = to_fhir_metastases(record(metastasis="no"))
    assert negative["id"] == "test-series.1.metastasis-history"
    assert negative["meta"]["profile"] == [profiles.HISTORY_OF_METASTATIC_CANCER]
    assert codes(negative["code"]) == ["1287652008"] and negative["valueBoolean"] is False


def test_onset_at_birth_is_a_zero_range_not_an_age() -> None:
    # an Age must be positive (FHIR invariant age-1); a Range's limits are plain quantities
    [condition] = to_fhir_primary_condition(record(diagnosis="NTRK-RSCN", age="at birth"))
    assert "onsetAge" not in condition
    zero = {"value": 0, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}
    assert condition["onsetRange"] == {"low": zero, "high": zero}


def test_a_preoperative_diagnosis_the_final_one_confirms_is_a_note_on_the_primary() -> None:
    agreeing = record(diagnosis="NTRK-RSCN", preop_diagnosis="NTRK-rearranged spindle cell neoplasm")
    assert to_fhir_preoperative_diagnosis(agreeing) == []
    [primary] = to_fhir_primary_condition(agreeing)
    assert primary["note"] == [{"text": "Preoperative diagnosis (agrees with the final diagnosis): "
                                        "NTRK-rearranged spindle cell neoplasm"}]


def test_an_oncotree_type_carries_its_ncit_and_oncotree_codes() -> None:
    condition = to_fhir_primary_condition(record(diagnosis="Synovial sarcoma"))[0]
    systems = {c["system"]: c["code"] for c in condition["code"]["coding"]}
    assert systems["http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"] == "C3400"
    assert systems["https://casefhir.org/fhir/CodeSystem/oncotree"] == "SYNS"
    assert systems["http://snomed.info/sct"] == "363346000"  # OncoTree's ICD-O class: /3
    assert condition["code"]["text"] == "Synovial sarcoma"


def test_a_type_not_classed_malignant_is_not_asserted_malignant() -> None:
    condition = to_fhir_primary_condition(record(diagnosis="Inflammatory myofibroblastic tumour"))[0]
    systems = [c["system"] for c in condition["code"]["coding"]]
    assert "http://snomed.info/sct" not in systems  # IMT: ICD-O 8825/1, uncertain behaviour
    assert condition["code"]["coding"][-1]["code"] == "IMT"


def test_a_curated_entry_that_is_an_oncotree_type_carries_the_same_codes_as_oncotree() -> None:
    """ASPS is classed malignant by OncoTree: the malignant-neoplasm code, the curated NCIt
    code, the OncoTree code, whichever name the table uses."""
    for text in ("ASPS", "Alveolar soft part sarcoma", "Alveolar soft part sarcoma of the thigh"):
        [condition] = to_fhir_primary_condition(record(diagnosis=text))
        assert codes(condition["code"]) == ["363346000", "C3750", "ASPS"], text
        assert condition["code"]["coding"][-1]["display"] == "Alveolar Soft Part Sarcoma"
        assert condition["code"]["text"] == text
    # IFS: its curated SNOMED code; OncoTree's mapping gives it no ICD-O class, so no
    # malignant-neoplasm code
    [condition] = to_fhir_primary_condition(record(diagnosis="Congenital fibrosarcoma"))
    assert codes(condition["code"]) == ["403996004", "C4244", "IFS"]
    [condition] = to_fhir_primary_condition(record(diagnosis="Fibrosarcoma of the thigh"))
    assert codes(condition["code"]) == ["363346000", "C3043", "FIBS"]
