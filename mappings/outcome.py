"""Course after treatment: local recurrence and the status at last follow-up, each an mCODE
CancerDiseaseStatus (LOINC 97509-4) focused on the primary cancer, timed relative to the surgery
with cqf-relativeDateTime (guide §2.5-2.6). A casefhir category says which of the two (or a
treatment response) an observation records, so a server can be asked for each."""

from __future__ import annotations

from typing import Any

from converter.schema import CaseRecord
from mappings import profiles
from mappings.common import (
    Resource,
    after_anchor,
    patient_ref,
    primary_ref,
    resource,
    term_concept,
)
from mappings.terminology import codeable, coding


def disease_status(record: CaseRecord, role: str, category_key: str,
                   value: dict[str, Any] | None, timing: dict[str, Any] | None,
                   note: str | None) -> Resource:
    return resource(
        "Observation", record, role, profiles.CANCER_DISEASE_STATUS,
        status="final",
        category=[codeable(category_key)],
        code={"coding": [coding("cancer-disease-progression")]},
        subject=patient_ref(record),
        focus=[primary_ref(record)],
        _effectiveDateTime=timing,
        valueCodeableConcept=value,
        dataAbsentReason=None if value else codeable("data-absent-unknown"),
        note=[{"text": note}] if note else None,
    )


def to_fhir_outcome(record: CaseRecord) -> list[Resource]:
    resources = []
    recurrence = record.recurrence
    if recurrence is not None and recurrence.occurred:
        resources.append(disease_status(
            record, "recurrence", "status-local-recurrence",
            codeable("condition-worsened", text="Local recurrence"),
            after_anchor(record, recurrence.months), recurrence.text))
    if record.status is not None or record.follow_up_months is not None:
        value = (term_concept(record.status, "status", "value")
                 if record.status is not None else None)
        note = None
        if record.follow_up_months is not None:
            anchor = "surgery" if record.surgery is not None else "diagnosis"
            note = f"Last follow-up {record.follow_up_months} months after {anchor}"
        resources.append(disease_status(
            record, "last-follow-up", "status-last-follow-up", value,
            after_anchor(record, record.follow_up_months), note))
    return resources
