"""Treatment other than surgery: each drug (TRK inhibitors such as larotrectinib, chemotherapy) as
an mCODE CancerRelatedMedicationAdministration, radiotherapy as a US Core Procedure, and the
response as an mCODE CancerDiseaseStatus in the treatment-response category.

Case series give no dates: MedicationAdministration.effective[x] (1..1 in R4) carries a
data-absent-reason, radiotherapy `performedString` says the date was not reported. The mCODE
radiotherapy course summary is not claimed: it needs a performed Period and a code the guide
does not verify.
"""

from __future__ import annotations

from converter.read.schema import CaseRecord
from mappings import profiles
from mappings.common import (
    NOT_REPORTED,
    CaseResources,
    Cells,
    Resource,
    data_absent,
    patient_ref,
    primary_ref,
    ref,
    relative_time,
    resource,
    term_concept,
)
from mappings.outcome import disease_status
from mappings.terminology import entry


def _kind(key: str | None) -> str:
    # an unknown treatment is most often a drug named by the authors (doxorubicin, crizotinib...)
    return "medication" if key is None else str(entry("treatment", key).attributes["kind"])


def treatment_roles(record: CaseRecord) -> list[tuple[str, str]]:
    """(resource type, role) for each treatment, in table order."""
    roles: list[tuple[str, str]] = []
    counts = {"medication": 0, "radiotherapy": 0}
    for treatment in record.treatments:
        kind = _kind(treatment.key)
        counts[kind] += 1
        if kind == "radiotherapy":
            roles.append(("Procedure", f"radiotherapy-{counts[kind]}"))
        else:
            roles.append(("MedicationAdministration", f"medication-{counts[kind]}"))
    return roles


def to_fhir_treatments(record: CaseRecord) -> list[Resource]:
    resources: list[Resource] = []
    for treatment, (resource_type, role) in zip(record.treatments, treatment_roles(record),
                                                strict=True):
        if resource_type == "Procedure":
            resources.append(resource(
                "Procedure", record, role, profiles.US_CORE_PROCEDURE,
                status="completed",
                code=term_concept(treatment, "treatment", "procedure"),
                subject=patient_ref(record),
                performedString=NOT_REPORTED,
                reasonReference=[primary_ref(record)],
            ))
        else:
            resources.append(resource(
                "MedicationAdministration", record, role, profiles.MEDICATION_ADMINISTRATION,
                status="completed",
                medicationCodeableConcept=term_concept(treatment, "treatment", "medication"),
                subject=patient_ref(record),
                effectivePeriod=data_absent(),
                reasonReference=[primary_ref(record)],
            ))
    if record.treatment_response is not None:
        roles = treatment_roles(record)
        timing = None
        if roles:  # "after the (first) treatment"
            first_type, first_role = roles[0]
            path = "effective" if first_type == "MedicationAdministration" else "performed"
            timing = relative_time(ref(first_type, record, first_role), path, "after")
        treated = ", ".join(t.text for t in record.treatments)
        resources.append(disease_status(
            record, "treatment-response", "status-treatment-response",
            term_concept(record.treatment_response, "response", "value"),
            timing,
            f"Response to {treated}" if treated else "Response to treatment",
        ))
    return resources


def from_fhir_treatments(case: CaseResources) -> Cells:
    """The treatments, in the order the case's resources come (the table's order), and the
    response."""
    cells: Cells = {}
    texts = []
    for role, found in case.items():
        kind, _, number = role.rpartition("-")
        if kind == "medication" and number.isdigit():
            texts.append(found["medicationCodeableConcept"]["text"])
        elif kind == "radiotherapy" and number.isdigit():
            texts.append(found["code"]["text"])
    if texts:
        cells["treatment"] = "; ".join(texts)
    if "treatment-response" in case:
        cells["treatment_response"] = case["treatment-response"]["valueCodeableConcept"]["text"]
    return cells
