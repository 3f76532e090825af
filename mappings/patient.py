"""Patient, following mCODE CancerPatient (on US Core Patient 6.1.0).

De-identified: the name is masked with a data-absent-reason (us-core-6), no birth date is
invented (age at diagnosis goes to Condition.onsetAge), and `deceasedBoolean` is set only when
the follow-up status says whether the patient is alive.
"""

from __future__ import annotations

from converter.read.schema import CaseRecord
from mappings import profiles
from mappings.common import CaseResources, Cells, Resource, data_absent, resource
from mappings.terminology import entry, system_url, vocabulary


def to_fhir_patient(record: CaseRecord) -> list[Resource]:
    gender = "unknown"
    if record.sex is not None and record.sex.key is not None:
        gender = entry("sex", record.sex.key).attributes["gender"]
    deceased = None
    if record.status is not None and record.status.key is not None:
        deceased = entry("status", record.status.key).attributes.get("deceased")
    patient = resource(
        "Patient", record, None, profiles.CANCER_PATIENT,
        identifier=[{"system": system_url("casefhir-case"),
                     "value": f"{record.series.id}#{record.case_id}"}],
        name=[data_absent("data-absent-masked")],
        gender=gender,
        deceasedBoolean=deceased,
    )
    return [patient]


def from_fhir_patient(case: CaseResources) -> Cells:
    """case_id and sex back from the Patient. Only the gender is kept, so the sex comes back as
    its vocabulary label, and "unknown" as an empty cell (FHIR cannot tell the two apart)."""
    patient = case["patient"]
    cells: Cells = {}
    for identifier in patient.get("identifier", []):
        if identifier.get("system") == system_url("casefhir-case"):
            cells["case_id"] = identifier["value"].partition("#")[2]
    gender = patient.get("gender")
    labels = [e.label for e in vocabulary("sex").values() if e.attributes["gender"] == gender]
    if gender != "unknown" and labels:
        cells["sex"] = labels[0]
    return cells
