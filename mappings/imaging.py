"""MRI: one Observation per finding (US Core Observation Clinical Result, category imaging),
the narrative as a grouping Observation (LOINC 18782-3), tumour size (mCODE TumorSize on an mCODE
Tumor BodyStructure; its method, and its place in the MRI report, only when the size's cell says
how it was measured), all grouped by a radiology DiagnosticReport (US Core
DiagnosticReport Note) whose conclusion carries the preoperative diagnosis (guide §4.2): coded
only when the final diagnosis confirmed it; one resection overturned is words only, so a code search
(`DiagnosticReport?conclusion=`) never finds the patient as having it."""

from __future__ import annotations

from typing import Any, NamedTuple

from converter.read.schema import MODALITIES, SIZE_METHODS, CaseRecord, Size, Term
from mappings import profiles
from mappings.common import (
    CaseResources,
    Cells,
    Resource,
    event_anchor,
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


# each modality (a key of MODALITIES) → the SNOMED procedure coding it as Observation.method:
# the ones mCODE STU4 enumerates (TumorSizeMethodVS); PET/CT and endoscopy have none there and
# stay words
METHOD_CONCEPTS = {"mri": "mri", "ct": "computed-tomography", "pet": "positron-emission-tomography",
                   "ultrasound": "diagnostic-ultrasonography", "x-ray": "radiographic-imaging"}

# the reports in the order they are made (None: findings whose modality is not stated)
REPORT_ORDER: tuple[str | None, ...] = (*MODALITIES, None)


# the part of a role that names a modality ("ct" in "ct-report"; "img" for none), short enough
# for numbered roles ("petct-findings-999") to stay within a role's 18 characters
MODALITY_SLUGS = {"mri": "mri", "ct": "ct", "pet-ct": "petct", "pet": "pet", "ultrasound": "us",
                  "x-ray": "xr", "endoscopy": "endo"}


def modality_slug(modality: str | None) -> str:
    return MODALITY_SLUGS[modality] if modality else "img"


def method_concept(modality: str | None) -> dict[str, Any] | None:
    """Observation.method for a modality: its SNOMED procedure where verified, else its name."""
    if modality is None:
        return None
    if modality in METHOD_CONCEPTS:
        return codeable(METHOD_CONCEPTS[modality])
    return {"text": MODALITIES[modality]}


def size_on_mri(record: CaseRecord) -> bool:
    return record.size is not None and record.size.method == "mri"


def _size_modality(record: CaseRecord) -> str | None:
    """The modality a size was measured on, only when its cell or header says so."""
    method = record.size.method if record.size is not None else None
    return method if method in MODALITIES else None


def reports(record: CaseRecord) -> list[str | None]:
    """The modalities the record has imaging results of, one report each, in REPORT_ORDER. A
    size is one only when its cell (or header) names the modality: a size the table gives
    without saying how is no imaging result."""
    found = {finding.modality for finding in record.imaging_findings}
    if any(getattr(record, f.field) is not None for f in FINDINGS):
        found.add("mri")
    if _size_modality(record) is not None:
        found.add(_size_modality(record))
    return [modality for modality in REPORT_ORDER if modality in found]


def has_imaging(record: CaseRecord) -> bool:
    """Whether the record reports any imaging result (and so gets an imaging report)."""
    return bool(reports(record))


def conclusion_report(record: CaseRecord) -> str | None:
    """The role of the report that carries the preoperative diagnosis: the first one made."""
    made = reports(record)
    return f"{modality_slug(made[0])}-report" if made else None


def _finding(record: CaseRecord, finding: Finding, value: Term) -> Resource:
    if finding.code == "fat-infiltration":
        # words only: no official file verifies a SNOMED code for fat (tissue)
        site: dict[str, Any] | None = {"text": "fat"}
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
    # no locationQualifier: mCODE binds it (required) to BodyLocationAndLateralityQualifierVS,
    # defined by SNOMED hierarchy filters no offline file can confirm a code to be in; the side
    # and depth words go into the location's text instead (docs/mapping.md)
    site = record.site
    location = (region_concept(site, located=True)
                if site is not None and (site.region or site.text or site.laterality_text
                                         or site.depth_text)
                else {"text": "site not reported"})
    return resource(
        "BodyStructure", record, "tumour", profiles.TUMOR,
        extension=[{"url": profiles.RELATED_CONDITION, "valueReference": primary_ref(record)}],
        identifier=[{"type": codeable("bodystructure-identifier-type"),
                     "system": system_url("casefhir-case"),
                     "value": f"{record.series.id}#{record.case_id}#tumour"}],
        location=location,
        description="Primary tumour",
        patient=patient_ref(record),
    )


SIZE_NOTE = "As reported: "


def _dimension(code: str, value: int | float, unit: str) -> dict[str, Any]:
    return {"code": codeable(code),
            "valueQuantity": {"value": value, "unit": unit, "system": system_url("ucum"),
                              "code": unit}}


def _size_method(size: Size) -> dict[str, Any] | None:
    """How the size was measured, only as its cell (or header) says: an imaging modality as
    Observation.method of its findings is, other methods in words, none when not said."""
    if size.method in MODALITIES:
        return method_concept(size.method)
    return {"text": SIZE_METHODS[size.method]} if size.method else None


# the observation category of a size measured by each non-imaging method; an imaging modality is
# "imaging", and a size that does not say how it was measured has no category (0..* in mCODE
# TumorSize): "imaging" would say it was measured on an image
_SIZE_CATEGORIES = {"pathology": "laboratory", "clinical": "exam"}


def _size_category(size: Size) -> list[dict[str, Any]] | None:
    if size.method in MODALITIES:
        return [codeable("imaging")]
    key = _SIZE_CATEGORIES.get(size.method or "")
    return [codeable(key)] if key else None


def _tumour_size(record: CaseRecord) -> Resource:
    size = record.size
    assert size is not None
    components = [_dimension("tumor-longest-dimension", size.longest, size.unit)]
    components += [_dimension("tumor-other-dimension", v, size.unit) for v in size.others]
    return resource(
        "Observation", record, "tumour-size", profiles.TUMOR_SIZE,
        status="final",
        category=_size_category(size),
        code=codeable("tumor-size"),
        subject=patient_ref(record),
        focus=[ref("BodyStructure", record, "tumour")],
        method=_size_method(size),
        component=components,
        note=[{"text": SIZE_NOTE + size.text}],
    )


def _narrative_roles(record: CaseRecord, modality: str | None) -> list[tuple[str, str]]:
    """(role, text) of each finding of one modality: "ct-findings", "ct-findings-2"..."""
    texts = [f.text for f in record.imaging_findings if f.modality == modality]
    base = f"{modality_slug(modality)}-findings"
    return [(base if n == 1 else f"{base}-{n}", text) for n, text in enumerate(texts, start=1)]


def _narrative(record: CaseRecord, modality: str | None, role: str, text: str,
               members: list[dict[str, str]]) -> Resource:
    return resource(
        "Observation", record, role, profiles.US_CORE_CLINICAL_RESULT,
        status="final",
        category=[codeable("imaging")],
        code=codeable("procedure-findings" if modality == "endoscopy"
                      else "radiology-study-observation"),
        subject=patient_ref(record),
        method=method_concept(modality),
        valueString=text,
        hasMember=members or None,
    )


def _report_code(modality: str | None) -> dict[str, Any]:
    """MRI has its own LOINC report code; the other imaging reports the general one, with the
    modality in words; an endoscopy report is no diagnostic imaging report: words only."""
    if modality == "mri":
        return codeable("mri-report")
    if modality == "endoscopy":
        return {"text": "Endoscopy report"}
    label = MODALITIES[modality] if modality else "Imaging"
    return codeable("diagnostic-imaging-report", text=f"{label} report")


def to_fhir_imaging(record: CaseRecord) -> list[Resource]:
    """One DiagnosticReport per modality the record reports (MRI first), each grouping the
    findings of its modality; findings whose modality is not stated have a report of their own
    with no modality anywhere."""
    made = reports(record)
    resources: list[Resource] = []
    report_results: dict[str | None, list[dict[str, str]]] = {}
    for modality in made:
        results: list[dict[str, str]] = []
        column_refs: list[dict[str, str]] = []
        column_findings: list[Resource] = []
        if modality == "mri":
            reported = [f for f in FINDINGS if getattr(record, f.field) is not None]
            column_findings = [_finding(record, f, getattr(record, f.field)) for f in reported]
            column_refs = [ref("Observation", record, f.role) for f in reported]
        for number, (role, text) in enumerate(_narrative_roles(record, modality)):
            # the MRI columns' findings are members of the first MRI narrative
            resources.append(_narrative(record, modality, role, text,
                                        column_refs if number == 0 else []))
            results.append(ref("Observation", record, role))
        resources.extend(column_findings)
        results.extend(column_refs)
        if record.size is not None and _size_modality(record) == modality:
            results.append(ref("Observation", record, "tumour-size"))
        report_results[modality] = results
    if record.size is not None:
        resources.extend([_tumour(record), _tumour_size(record)])
    target, path = event_anchor(record)
    for number, modality in enumerate(made):
        resources.append(resource(
            "DiagnosticReport", record, f"{modality_slug(modality)}-report",
            profiles.US_CORE_DIAGNOSTIC_REPORT_NOTE,
            status="final",
            category=[codeable("radiology") if modality != "endoscopy" else {"text": "Endoscopy"}],
            code=_report_code(modality),
            subject=patient_ref(record),
            _effectiveDateTime=relative_time(target, path, "before"),
            result=report_results[modality],
            **(preoperative_conclusion(record) if number == 0 else {}),
        ))
    return resources


# which record fields (columns) each imaging role is made from (mappings.case.ROLE_FIELDS)
IMAGING_ROLE_FIELDS: dict[str, tuple[str, ...]] = {
    **{f"{modality_slug(m)}-findings": ("imaging_findings",) for m in REPORT_ORDER},
    **{f"{modality_slug(m)}-report": ("preop_diagnosis", "imaging_findings", "size")
       for m in REPORT_ORDER},
}


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
    """Each MRI finding, the narratives and the size (as written) back from the Observations:
    the narratives in one cell, each after its modality's label ("CT: lung nodules"; "Imaging:"
    when none is stated)."""
    cells: Cells = {}
    for finding in FINDINGS:
        if finding.role in case:
            cells[finding.field] = case[finding.role]["valueCodeableConcept"]["text"]
    narratives = []
    for modality in REPORT_ORDER:
        base, number = f"{modality_slug(modality)}-findings", 1
        while (role := base if number == 1 else f"{base}-{number}") in case:
            text = case[role]["valueString"]
            # "Imaging:" for none: the label keeps a finding apart from the one before it
            narratives.append(f"{MODALITIES[modality] if modality else 'Imaging'}: {text}")
            number += 1
    if narratives:
        cells["imaging_findings"] = "; ".join(narratives)
    if "tumour-size" in case:
        cells["size"] = case["tumour-size"]["note"][0]["text"].removeprefix(SIZE_NOTE)
    return cells
