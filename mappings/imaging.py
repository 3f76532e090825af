"""MRI: one Observation per finding (US Core Observation Clinical Result, category imaging),
the narrative as a grouping Observation (LOINC 18782-3), tumour size (mCODE TumorSize on an mCODE
Tumor BodyStructure; its method, and its place in the MRI report, only when the size's cell says
how it was measured), all grouped by a radiology DiagnosticReport (US Core
DiagnosticReport Note) whose conclusion carries the preoperative diagnosis (guide §4.2): coded
only when the final diagnosis confirmed it; one resection overturned is words only, so a code search
(`DiagnosticReport?conclusion=`) never finds the patient as having it."""

from __future__ import annotations

from typing import Any, NamedTuple

from converter.read.schema import SIZE_METHODS, CaseRecord, Size, Term
from mappings import profiles
from mappings.common import (
    CaseResources,
    Cells,
    Resource,
    depth_concept,
    event_anchor,
    laterality_concept,
    patient_ref,
    primary_ref,
    ref,
    region_concept,
    relative_time,
    resource,
    term_concept,
)
from mappings.terminology import codeable, system_url


class Finding(NamedTuple):
    field: str  # CaseRecord attribute
    role: str  # resource role in the id
    code: str  # concept key of Observation.code
    vocabulary: str  # vocabulary of the value; its entries' `value` concepts code it


FINDINGS = (
    Finding("mri_vascularity", "mri-vascularity", "vascularity", "vascularity"),
    Finding("mri_flow_voids", "mri-flow-voids", "flow-voids", "presence"),
    Finding("mri_border", "mri-border", "tumour-border", "border"),
    Finding("mri_fat_infiltration", "mri-fat", "fat-infiltration", "presence"),
    Finding("mri_t1", "mri-t1", "t1-signal", "signal"),
    Finding("mri_t2", "mri-t2", "t2-signal", "signal"),
    Finding("mri_enhancement", "mri-enhancement", "enhancement-pattern", "enhancement"),
)


def size_on_mri(record: CaseRecord) -> bool:
    return record.size is not None and record.size.method == "mri"


def has_imaging(record: CaseRecord) -> bool:
    """Whether the record reports any MRI result (and so gets an MRI report). A size is one
    only when its cell says MRI: a size the table gives without saying how is no MRI result."""
    return (any(getattr(record, f.field) is not None for f in FINDINGS)
            or size_on_mri(record) or bool(record.mri_findings))


def _finding(record: CaseRecord, finding: Finding, value: Term) -> Resource:
    if finding.code == "fat-infiltration":
        site: dict[str, Any] | None = codeable("fat")
    else:
        site = region_concept(record.site) if record.site is not None else None
    return resource(
        "Observation", record, finding.role, profiles.US_CORE_CLINICAL_RESULT,
        status="final",
        category=[codeable("imaging")],
        code=codeable(finding.code),
        subject=patient_ref(record),
        focus=[primary_ref(record)],
        valueCodeableConcept=term_concept(value, finding.vocabulary, "value"),
        bodySite=site,
        method=codeable("mri"),
    )


def _tumour(record: CaseRecord) -> Resource:
    site = record.site
    qualifiers = []
    if site is not None and site.laterality:
        qualifiers.append(laterality_concept(site))
    if site is not None and site.depth:
        qualifiers.append(depth_concept(site))
    location = (region_concept(site) if site is not None and (site.region or site.text)
                else {"text": "site not reported"})
    return resource(
        "BodyStructure", record, "tumour", profiles.TUMOR,
        extension=[{"url": profiles.RELATED_CONDITION, "valueReference": primary_ref(record)}],
        identifier=[{"type": codeable("bodystructure-identifier-type"),
                     "system": system_url("casefhir-case"),
                     "value": f"{record.series.id}#{record.case_id}#tumour"}],
        location=location,
        locationQualifier=qualifiers or None,
        description="Primary tumour",
        patient=patient_ref(record),
    )


SIZE_NOTE = "As reported: "


def _dimension(code: str, value: int | float, unit: str) -> dict[str, Any]:
    return {"code": codeable(code),
            "valueQuantity": {"value": value, "unit": unit, "system": system_url("ucum"),
                              "code": unit}}


def _size_method(size: Size) -> dict[str, Any] | None:
    """How the size was measured, only as its cell says: MRI coded (the one method code the
    guide verifies), other methods in words, none when the cell does not say."""
    if size.method == "mri":
        return codeable("mri")
    return {"text": SIZE_METHODS[size.method]} if size.method else None


def _tumour_size(record: CaseRecord) -> Resource:
    size = record.size
    assert size is not None
    components = [_dimension("tumor-longest-dimension", size.longest, size.unit)]
    components += [_dimension("tumor-other-dimension", v, size.unit) for v in size.others]
    return resource(
        "Observation", record, "tumour-size", profiles.TUMOR_SIZE,
        status="final",
        category=[codeable("imaging")],
        code=codeable("tumor-size"),
        subject=patient_ref(record),
        focus=[ref("BodyStructure", record, "tumour")],
        method=_size_method(size),
        component=components,
        note=[{"text": SIZE_NOTE + size.text}],
    )


def to_fhir_imaging(record: CaseRecord) -> list[Resource]:
    if not has_imaging(record):  # a size alone, not said to be on MRI: no MRI report
        return [_tumour(record), _tumour_size(record)] if record.size is not None else []
    reported = [f for f in FINDINGS if getattr(record, f.field) is not None]
    findings = [_finding(record, f, getattr(record, f.field)) for f in reported]
    finding_refs = [ref("Observation", record, f.role) for f in reported]
    resources: list[Resource] = []
    results = []
    if record.mri_findings:
        resources.append(resource(
            "Observation", record, "mri-findings", profiles.US_CORE_CLINICAL_RESULT,
            status="final",
            category=[codeable("imaging")],
            code=codeable("radiology-study-observation"),
            subject=patient_ref(record),
            valueString=record.mri_findings,
            hasMember=finding_refs or None,
        ))
        results.append(ref("Observation", record, "mri-findings"))
    resources.extend(findings)
    results.extend(finding_refs)
    if record.size is not None:
        resources.extend([_tumour(record), _tumour_size(record)])
        if size_on_mri(record):
            results.append(ref("Observation", record, "tumour-size"))
    target, path = event_anchor(record)
    resources.append(resource(
        "DiagnosticReport", record, "mri-report", profiles.US_CORE_DIAGNOSTIC_REPORT_NOTE,
        status="final",
        category=[codeable("radiology")],
        code=codeable("mri-report"),
        subject=patient_ref(record),
        _effectiveDateTime=relative_time(target, path, "before"),
        result=results,
        **preoperative_conclusion(record),
    ))
    return resources


REFUTED_CONCLUSION = "Preoperative diagnosis, revised after resection: "


def preoperative_conclusion(record: CaseRecord) -> dict[str, Any]:
    """`conclusion` (and `conclusionCode`) for the preoperative diagnosis. A refuted one stays
    words only: its code would make a code search count the patient as having it (the refuted
    Condition keeps the code, where verificationStatus says it is refuted)."""
    preop = record.preop_diagnosis
    if preop is None:
        return {}
    if not preop_confirmed(record):
        return {"conclusion": REFUTED_CONCLUSION + preop.text}
    return {"conclusion": f"Preoperative diagnosis: {preop.text}",
            "conclusionCode": ([term_concept(preop, "diagnosis", "condition")]
                               if preop.key is not None else None)}


def same_entity(a: Term, b: Term) -> bool:
    if a.key is not None or b.key is not None:
        return a.key == b.key
    return a.text.casefold().strip() == b.text.casefold().strip()


def preop_confirmed(record: CaseRecord) -> bool:
    """Whether the final diagnosis confirmed the preoperative one (else resection overturned it:
    a preoperative diagnosis without a final one is read as overturned, as the refuted
    Condition is)."""
    preop, final = record.preop_diagnosis, record.diagnosis
    return preop is not None and final is not None and same_entity(preop, final)


def from_fhir_imaging(case: CaseResources) -> Cells:
    """Each MRI finding, the narrative and the size (as written) back from the Observations."""
    cells: Cells = {}
    for finding in FINDINGS:
        if finding.role in case:
            cells[finding.field] = case[finding.role]["valueCodeableConcept"]["text"]
    if "mri-findings" in case:
        cells["mri_findings"] = case["mri-findings"]["valueString"]
    if "tumour-size" in case:
        cells["size"] = case["tumour-size"]["note"][0]["text"].removeprefix(SIZE_NOTE)
    return cells
