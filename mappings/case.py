"""A whole case: every mapping module run over one record in a fixed order (`map_record`), each
resource then put after the resources it references, so a case can be sent as a batch or NDJSON
in that order (Patient first); and back: a case's resources by role to the canonical table's
cells (`table_row`). Also the helpers that tell which case and role a resource is.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from converter.fhir.ids import role_in_case
from converter.fhir.references import references
from converter.read.schema import CaseRecord
from mappings.common import CaseResources, Cells, Resource
from mappings.condition import (
    from_fhir_conditions,
    to_fhir_metastases,
    to_fhir_preoperative_diagnosis,
    to_fhir_primary_condition,
)
from mappings.genomics import from_fhir_genomics, to_fhir_genomics
from mappings.imaging import IMAGING_ROLE_FIELDS, from_fhir_imaging, to_fhir_imaging
from mappings.immunohistochemistry import ROLE_PREFIX as IHC_ROLE_PREFIX
from mappings.immunohistochemistry import from_fhir_ihc, to_fhir_ihc
from mappings.outcome import from_fhir_outcome, to_fhir_outcome
from mappings.pathology import from_fhir_pan_trk_ihc, to_fhir_pan_trk_ihc, to_fhir_specimen
from mappings.patient import from_fhir_patient, to_fhir_patient
from mappings.performance import from_fhir_performance_status, to_fhir_performance_status
from mappings.procedure import from_fhir_surgery, to_fhir_surgery
from mappings.proliferation import from_fhir_proliferation, to_fhir_ki67, to_fhir_mitotic_count
from mappings.provenance import to_fhir_provenance
from mappings.reference import from_fhir_reference, to_fhir_reference
from mappings.smoking import from_fhir_smoking, to_fhir_smoking
from mappings.staging import from_fhir_staging, to_fhir_grade, to_fhir_stage
from mappings.treatment import from_fhir_treatments, to_fhir_treatments

Mapper = Callable[[CaseRecord], list[Resource]]

# Every resource type map_record can produce (a server holds a series' resources of these types
# only: `casefhir load --prune` searches each of them).
RESOURCE_TYPES: tuple[str, ...] = (
    "Patient", "Condition", "Observation", "DiagnosticReport", "Procedure", "Specimen",
    "BodyStructure", "MedicationAdministration", "DocumentReference", "ServiceRequest",
    "Provenance")

MAPPERS: tuple[Mapper, ...] = (
    to_fhir_patient,
    to_fhir_primary_condition,
    to_fhir_preoperative_diagnosis,
    to_fhir_metastases,
    to_fhir_specimen,
    to_fhir_genomics,
    to_fhir_pan_trk_ihc,
    to_fhir_ihc,
    to_fhir_imaging,
    to_fhir_surgery,
    to_fhir_treatments,
    to_fhir_outcome,
    to_fhir_stage,
    to_fhir_grade,
    # other columns papers print (issue 13)
    to_fhir_smoking,
    to_fhir_performance_status,
    to_fhir_ki67,
    to_fhir_mitotic_count,
    to_fhir_reference,
)

# The inverse of each module, for `casefhir flatten`: a case's resources by role back to the
# canonical table's cells. Together they recover every value the mappers write.
Inverse = Callable[[CaseResources], Cells]

INVERSES: tuple[Inverse, ...] = (
    from_fhir_patient,
    from_fhir_conditions,
    from_fhir_genomics,
    from_fhir_pan_trk_ihc,
    from_fhir_ihc,
    from_fhir_imaging,
    from_fhir_surgery,
    from_fhir_treatments,
    from_fhir_outcome,
    from_fhir_staging,
    from_fhir_smoking,
    from_fhir_performance_status,
    from_fhir_proliferation,
    from_fhir_reference,
)


# Which record fields (columns) each resource role is made from, so a problem a server reports
# on a resource can be traced to the cells behind it. Numbered roles ("medication-2") use the
# role without its number.
ROLE_FIELDS: dict[str, tuple[str, ...]] = {
    "patient": ("case_id", "sex", "age_sex", "status"),
    "primary": ("diagnosis", "site", "laterality", "depth", "age", "age_sex", "notes",
                "recurrence", "recurrence_metastasis", "status"),
    "preop-diagnosis": ("preop_diagnosis",),
    "metastasis": ("metastasis", "recurrence_metastasis", "metastasis_months"),
    "metastasis-history": ("metastasis", "recurrence_metastasis"),
    "specimen": ("site", "laterality", "depth"),
    "fusion": ("fusion", "molecular", "molecular_method"),
    "rearrangement": ("fusion", "molecular", "molecular_method"),
    "variant": ("molecular", "fusion", "molecular_method"),
    "copy-number": ("molecular", "fusion", "molecular_method"),
    "alteration": ("molecular", "fusion", "molecular_method"),
    "molecular-text": ("molecular", "fusion", "molecular_method"),
    "genomics-report": ("fusion", "molecular", "molecular_method"),
    "pan-trk-ihc": ("pan_trk_ihc",),
    "ihc": ("ihc",),  # every "ihc-<marker>" role
    **IMAGING_ROLE_FIELDS,  # "<modality>-findings", "<modality>-report"
    "mri-vascularity": ("mri_vascularity",),
    "mri-flow-voids": ("mri_flow_voids",),
    "mri-border": ("mri_border",),
    "mri-fat": ("mri_fat_infiltration",),
    "mri-t1": ("mri_t1",),
    "mri-t2": ("mri_t2",),
    "mri-enhancement": ("mri_enhancement",),
    "tumour": ("site", "laterality", "depth"),
    "tumour-size": ("size",),
    "surgery": ("surgery", "surgery_intent", "site"),
    "margin": ("margin",),
    "medication": ("treatment",),
    "radiotherapy": ("treatment",),
    "rt-volume": ("treatment",),
    "tx-surgery": ("treatment",),
    "other-treatment": ("treatment",),
    "planned-tx": ("treatment",),
    "treatment-response": ("treatment_response",),
    "recurrence": ("recurrence", "recurrence_metastasis", "recurrence_months"),
    "last-follow-up": ("status", "follow_up_months"),
    "stage": ("stage",),
    "stage-t": ("stage",),
    "stage-n": ("stage",),
    "stage-m": ("stage",),
    "disease-extent": ("stage",),
    "histologic-grade": ("grade",),
    "smoking-status": ("smoking",),
    "ecog": ("ecog",),
    "karnofsky": ("karnofsky",),
    "ki67": ("ki67",),
    "mitotic-count": ("mitotic_count",),
    "reference": ("reference",),
    "provenance": ("case_id",),
}


def role_of(resource_id: str, patient_id: str) -> str:
    """'kob-2023.4.medication-2' of patient 'kob-2023.4' → 'medication' (and 'ihc-cd34' →
    'ihc')."""
    role = role_in_case(resource_id, patient_id)
    if role.startswith(IHC_ROLE_PREFIX):
        return "ihc"
    head, _, tail = role.rpartition("-")
    return head if tail.isdigit() and head else role


def references_first(resources: list[Resource]) -> list[Resource]:
    """A stable topological order: each resource after every resource of the list it refers to
    (ties keep their order). Reference cycles, which the mappings never make, keep list order."""
    position = {f"{r['resourceType']}/{r['id']}": i for i, r in enumerate(resources)}
    waiting_on = [0] * len(resources)
    dependants: list[list[int]] = [[] for _ in resources]
    for index, resource in enumerate(resources):
        for target in {position.get(ref) for ref in references(resource)} - {None, index}:
            assert target is not None
            waiting_on[index] += 1
            dependants[target].append(index)
    ready = [i for i, count in enumerate(waiting_on) if count == 0]
    heapq.heapify(ready)
    ordered: list[int] = []
    while len(ordered) < len(resources):
        if not ready:  # a cycle: release the earliest resource still waiting
            heapq.heappush(ready, min(i for i, c in enumerate(waiting_on) if c > 0))
            waiting_on[ready[0]] = 0
        index = heapq.heappop(ready)
        ordered.append(index)
        waiting_on[index] = -1
        for dependant in dependants[index]:
            if waiting_on[dependant] > 0:
                waiting_on[dependant] -= 1
                if waiting_on[dependant] == 0:
                    heapq.heappush(ready, dependant)
    return [resources[i] for i in ordered]


def map_record(record: CaseRecord) -> list[Resource]:
    """Every resource one case produces, each after the resources it references, and last the
    case's Provenance (which targets all of them)."""
    resources: list[Resource] = []
    for mapper in MAPPERS:
        resources.extend(mapper(record))
    ordered = references_first(resources)
    return ordered + to_fhir_provenance(record, ordered)


def patient_of(resource: Resource) -> str | None:
    """The Patient id a resource is about, which makes it part of that case (a Provenance: the
    Patient among its targets)."""
    if resource.get("resourceType") == "Patient":
        return str(resource.get("id"))
    references = [resource.get("subject"), resource.get("patient")]
    if resource.get("resourceType") == "Provenance":
        references = list(resource.get("target") or [])
    for reference in references:
        text = reference.get("reference") if isinstance(reference, dict) else None
        if isinstance(text, str) and text.startswith("Patient/"):
            return text.removeprefix("Patient/")
    return None


def table_row(case: CaseResources) -> Cells:
    """The canonical table row of one case's resources (keyed by role, in the order the mappers
    wrote them): the inverse of `map_record`."""
    cells: Cells = {}
    for inverse in INVERSES:
        cells.update(inverse(case))
    return cells
