"""Conditions: the primary cancer (mCODE PrimaryCancerCondition), the preoperative diagnosis that
resection refuted (US Core Condition, verificationStatus refuted) and distant metastases (mCODE
SecondaryCancerCondition, linked to the primary)."""

from __future__ import annotations

from typing import Any

from converter.read.schema import Age, CaseRecord, Term
from mappings import profiles
from mappings.common import (
    CaseResources,
    Cells,
    Resource,
    after_anchor,
    age_quantity,
    age_text,
    body_site,
    body_site_cells,
    number_text,
    numbered,
    offset_months,
    patient_ref,
    primary_ref,
    ref,
    resource,
    term_concept,
)
from mappings.imaging import conclusion_report, preop_confirmed
from mappings.terminology import codeable, entry
from mappings.terminology.tumours import tumour_of_key

DIAGNOSIS_NOT_REPORTED = "Primary tumour, diagnosis not reported"


def status_clinical_key(record: CaseRecord) -> str | None:
    """What the status at last follow-up says of the disease, as a condition-clinical concept:
    NED remission, AWD and DOD active; DOC, alive, dead and unknown words say nothing."""
    status = record.status
    if status is None or status.key is None:
        return None
    value = entry("status", status.key).attributes.get("clinical")
    return value if isinstance(value, str) else None


def clinical_status_key(record: CaseRecord) -> str | None:
    """The least committal condition-clinical value the table supports (mCODE group-disease:
    clinicalStatus follows the course): remission when the last status is NED, recurrence after
    a local recurrence, active when the last status says the disease is there (AWD, DOD). None
    otherwise, treated or not: a table that reports no treatment and no outcome does not say
    whether the disease is active now (the element is 0..1; docs/mapping.md, Least committal
    values)."""
    said = status_clinical_key(record)
    if said == "clinical-remission":
        return said
    if record.recurrence is not None and record.recurrence.occurred:
        return "clinical-recurrence"
    return said


def metastasis_clinical_key(record: CaseRecord) -> str | None:
    """As for the primary, but a local recurrence says nothing about a metastasis."""
    return status_clinical_key(record)


def names_histology(diagnosis: Term) -> bool:
    """Whether a diagnosis names a histologic type, which the histology-morphology-behavior
    extension may then carry: an OncoTree tumour type, or a vocabulary entry with a morphology
    (or an OncoTree type of its own). "Lung cancer" names an organ's cancer, no morphology, and
    an unknown term is not known to name one: neither gets the extension."""
    if diagnosis.key is None:
        return False
    if tumour_of_key(diagnosis.key) is not None:
        return True
    attributes = entry("diagnosis", diagnosis.key).attributes
    return "histology" in attributes or "oncotree" in attributes


def to_fhir_primary_condition(record: CaseRecord) -> list[Resource]:
    extensions = []
    code: dict[str, Any] = {"text": DIAGNOSIS_NOT_REPORTED}
    if record.diagnosis is not None:
        code = term_concept(record.diagnosis, "diagnosis", "condition")
        if names_histology(record.diagnosis):
            histology = term_concept(record.diagnosis, "diagnosis", "histology")
            extensions.append({"url": profiles.HISTOLOGY_MORPHOLOGY_BEHAVIOR,
                               "valueCodeableConcept": histology})
    condition = resource(
        "Condition", record, "primary", profiles.PRIMARY_CANCER_CONDITION,
        extension=extensions or None,
        clinicalStatus=optional_codeable(clinical_status_key(record)),
        verificationStatus=codeable("ver-confirmed"),
        category=[codeable("problem-list-item")],
        code=code,
        bodySite=[body_site(record.site)] if record.site is not None else None,
        subject=patient_ref(record),
        **(onset_elements(record.age) if record.age is not None else
           {"onsetString": record.age_text} if record.age_text else {}),
        note=[{"text": t} for t in (record.notes, agreeing_preop_note(record)) if t] or None,
    )
    return [condition]


PREOP_NOTE = "Preoperative diagnosis (agrees with the final diagnosis): "


def agreeing_preop_note(record: CaseRecord) -> str | None:
    """A preoperative diagnosis the final one confirmed is a note on the primary cancer (a
    refuted one is a Condition of its own: to_fhir_preoperative_diagnosis)."""
    preop = record.preop_diagnosis
    if preop is not None and preop_confirmed(record):
        return PREOP_NOTE + preop.text
    return None


def optional_codeable(key: str | None) -> dict[str, Any] | None:
    return codeable(key) if key is not None else None


def onset_elements(age: Age) -> dict[str, Any]:
    """`onsetAge`; an age of 0 ("at birth") is `onsetRange` 0-0 days instead, because an Age must
    be positive (FHIR invariant age-1) while a Range's limits are plain quantities."""
    quantity = age_quantity(age)
    if age.value > 0:
        return {"onsetAge": quantity}
    return {"onsetRange": {"low": quantity, "high": quantity}}


def to_fhir_preoperative_diagnosis(record: CaseRecord) -> list[Resource]:
    """A preoperative diagnosis the final diagnosis overturned, as a refuted Condition. One that
    agrees with the final diagnosis needs no Condition: the primary cancer's note records it."""
    preop = record.preop_diagnosis
    if preop is None or preop_confirmed(record):
        return []
    condition = resource(
        "Condition", record, "preop-diagnosis", profiles.US_CORE_CONDITION,
        clinicalStatus=codeable("clinical-inactive"),
        verificationStatus=codeable("ver-refuted"),
        category=[codeable("problem-list-item")],
        code=term_concept(preop, "diagnosis", "condition"),
        subject=patient_ref(record),
        evidence=([{"detail": [ref("DiagnosticReport", record, report)]}]
                  if (report := conclusion_report(record)) is not None else None),
        note=[{"text": "Preoperative diagnosis; revised after resection"}],
    )
    return [condition]


def no_metastasis(record: CaseRecord) -> Resource:
    """"No metastasis" as the mCODE pertinent negative: HistoryOfMetastaticCancer (on US Core
    Simple Observation), valueBoolean false (guide §2.4)."""
    metastasis = record.metastasis
    assert metastasis is not None
    return resource(
        "Observation", record, "metastasis-history", profiles.HISTORY_OF_METASTATIC_CANCER,
        extension=[{"url": profiles.RELATED_CONDITION, "valueReference": primary_ref(record)}],
        status="final",
        category=[codeable("metastasis-history")],
        code=codeable("history-of-metastatic-malignant-neoplasm"),
        subject=patient_ref(record),
        valueBoolean=False,
        note=[{"text": metastasis.text}],
    )


def to_fhir_metastases(record: CaseRecord) -> list[Resource]:
    """One SecondaryCancerCondition per reported site (one without a site when none is given);
    a table's "no" is a HistoryOfMetastaticCancer observation with value false."""
    metastasis = record.metastasis
    if metastasis is None:
        return []
    if not metastasis.occurred:
        return [no_metastasis(record)]
    sites = metastasis.sites or (None,)
    resources = []
    for number, site in enumerate(sites, start=1):
        site_code = (entry("metastasis_site", site.key).attributes.get("condition")
                     if site is not None and site.key else None)
        text = f"Distant metastasis ({site.text})" if site else "Distant metastasis"
        code = (codeable(*site_code, text=text) if site_code else
                codeable("secondary-malignant-neoplastic-disease", text=text))
        # no time given: no time relation either (a metastasis may be found before surgery)
        onset = after_anchor(record, metastasis.months) if metastasis.months is not None else None
        resources.append(resource(
            "Condition", record, f"metastasis-{number}", profiles.SECONDARY_CANCER_CONDITION,
            extension=[{"url": profiles.CONDITION_RELATED, "valueReference": primary_ref(record)}],
            clinicalStatus=optional_codeable(metastasis_clinical_key(record)),
            verificationStatus=codeable("ver-confirmed"),
            category=[codeable("problem-list-item")],
            code=code,
            bodySite=[{"text": site.text}] if site else None,
            subject=patient_ref(record),
            _onsetDateTime=onset,
            note=[{"text": metastasis.text}],
        ))
    return resources


def from_fhir_conditions(case: CaseResources) -> Cells:
    """diagnosis, site, age, notes, preoperative diagnosis and metastasis back from the
    Conditions (and the HistoryOfMetastaticCancer observation) written above."""
    cells: Cells = {}
    primary = case.get("primary")
    if primary is not None:
        if primary["code"].get("text") != DIAGNOSIS_NOT_REPORTED:
            cells["diagnosis"] = primary["code"]["text"]
        cells.update(body_site_cells((primary.get("bodySite") or [None])[0]))
        age = primary.get("onsetAge") or primary.get("onsetRange", {}).get("low")
        if age is not None:
            cells["age"] = age_text(age)
        elif "onsetString" in primary:  # "in utero", "infant"
            cells["age"] = primary["onsetString"]
        for note in primary.get("note", []):
            if note["text"].startswith(PREOP_NOTE):
                cells["preop_diagnosis"] = note["text"].removeprefix(PREOP_NOTE)
            else:
                cells["notes"] = note["text"]
    if "preop-diagnosis" in case:
        cells["preop_diagnosis"] = case["preop-diagnosis"]["code"]["text"]
    metastases = numbered(case, "metastasis")
    if metastases:
        cells["metastasis"] = metastases[0]["note"][0]["text"]
        months = offset_months(metastases[0].get("_onsetDateTime"))
        if months is not None:
            cells["metastasis_months"] = number_text(months)
    elif "metastasis-history" in case:
        cells["metastasis"] = case["metastasis-history"]["note"][0]["text"]
    return cells
