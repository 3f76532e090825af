"""Treatments of the treatment column, each after its kind (converter/read/values/treatments.py):

- surgery: an mCODE CancerRelatedSurgicalProcedure (as for the surgery column);
- radiotherapy: an mCODE RadiotherapyCourseSummary (code SNOMED 1217123003, fixed by the
  profile), with the fractions as actualNumberOfSessions and, when a dose is given, a
  doseDeliveredToVolume whose required volume is an mCODE RadiotherapyVolume BodyStructure
  saying only that the volume was not reported;
- systemic drug or regimen: an mCODE CancerRelatedMedicationAdministration, coded with NCIt where
  the drug table verifies the code (else the casefhir concept of a known drug, else text only);
  a chemoradiation's concurrent drugs are `partOf` its radiotherapy course;
- other: a US Core Procedure carrying the text alone;
- planned or proposed ("Adjuvant chemotherapy planned", "amputation suggested"), of any kind: a
  US Core ServiceRequest, intent `plan` or `proposal`, status `unknown` (the table does not say
  whether the plan still stands or was carried out), the table's words as its code's text — never
  a performed treatment.

A treatment the table says was not given ("Surgery unfeasible", "without adjuvant
radiotherapy") keeps its resource kind with status `not-done` and the words as `statusReason`
text (each profile allows it: mCODE's termination-reason binding is preferred); it has no
performed time, and a radiotherapy course no dose. A surgery is coded "Excision of malignant
neoplasm" only when the diagnosis is malignant (mappings/procedure.py). The heading of the
column a treatment came from, when it says when it was given ("Neoadjuvant therapy"), is a note
on the resource: mCODE has no element for neoadjuvant or adjuvant timing (its treatment intent
is curative/palliative...). A regimen's note names its agents.

A margin column with no surgery column is the margin of the last surgery performed among the
treatments.

The response is an mCODE CancerDiseaseStatus in the treatment-response category tied to the
performed treatment it answers: the one its cell names ("PR to crizotinib"), else the last
systemic therapy, else the last treatment. mCODE gives the status no element pointing at a
treatment, so the tie is the effective time's cqf-relativeDateTime target ("after" that
treatment) and a note naming it.

Case series give no dates: MedicationAdministration.effective[x] (1..1 in R4) and the radiotherapy
course's performedPeriod carry a data-absent-reason, the other Procedures `performedString`.
"""

from __future__ import annotations

import re
from typing import Any

from converter.read.schema import CaseRecord, Term, Treatment
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
    status_concept,
    term_concept,
)
from mappings.outcome import disease_status
from mappings.procedure import margin_observation, surgery_concept
from mappings.terminology import codeable, entry, system_url

# kind → (resource type, role stem)
_ROLES = {"systemic": ("MedicationAdministration", "medication"),
          "radiotherapy": ("Procedure", "radiotherapy"),
          "surgery": ("Procedure", "tx-surgery"),
          "other": ("Procedure", "other-treatment")}
_PLANNED = ("ServiceRequest", "planned-tx")
PLANNED_STATUSES = {"planned": "plan", "proposed": "proposal"}  # → ServiceRequest.intent
TREATMENT_ROLE_STEMS = (*(stem for _, stem in _ROLES.values()), _PLANNED[1])


def treatment_roles(record: CaseRecord) -> list[tuple[str, str]]:
    """(resource type, role) for each treatment, in table order."""
    roles: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    for treatment in record.treatments:
        resource_type, stem = (_PLANNED if treatment.status in PLANNED_STATUSES
                               else _ROLES[treatment.kind])
        counts[stem] = counts.get(stem, 0) + 1
        roles.append((resource_type, f"{stem}-{counts[stem]}"))
    return roles


CONTEXT_NOTE = "Given as (the table's column heading): "


def _notes(treatment: Treatment) -> list[dict[str, str]] | None:
    notes = []
    if treatment.context is not None:
        notes.append({"text": f"{CONTEXT_NOTE}{treatment.context}"})
    if treatment.agents is not None:
        notes.append({"text": f"{treatment.drug}: {treatment.agents} (casefhir's regimen table)"})
    return notes or None


def _status_reason(treatment: Treatment) -> dict[str, str] | None:
    if treatment.status != "not-done":
        return None
    return {"text": f"Not given: {treatment.status_reason or treatment.text}"}


def _medication_concept(treatment: Treatment) -> dict[str, Any]:
    concept = (term_concept(treatment_term(treatment), "treatment", "medication")
               if treatment.key is not None else {"text": treatment.text})
    if treatment.ncit_code is not None:
        concept = {"coding": [*concept.get("coding", []),
                              {"system": system_url("ncit"), "code": treatment.ncit_code,
                               "display": treatment.ncit_name}],
                   "text": treatment.text}
    return concept


def treatment_term(treatment: Treatment) -> Term:
    return Term(text=treatment.text, key=treatment.key)


def _radiotherapy(record: CaseRecord, treatment: Treatment, role: str) -> list[Resource]:
    extension: list[dict[str, Any]] = []
    resources: list[Resource] = []
    if treatment.fractions is not None:
        extension.append({"url": profiles.RADIOTHERAPY_SESSIONS,
                          "valueUnsignedInt": treatment.fractions})
    if treatment.dose_cgy is not None:
        volume_role = role.replace("radiotherapy-", "rt-volume-")
        resources.append(resource(
            "BodyStructure", record, volume_role, profiles.RADIOTHERAPY_VOLUME,
            description=f"Treated volume not reported ({treatment.text})",
            patient=patient_ref(record)))
        parts: list[dict[str, Any]] = [
            {"url": "volume", "valueReference": ref("BodyStructure", record, volume_role)},
            {"url": "totalDoseDelivered",
             "valueQuantity": {"value": treatment.dose_cgy, "unit": "cGy",
                               "system": system_url("ucum"), "code": "cGy"}}]
        if treatment.fractions is not None:
            parts.append({"url": "fractionsDelivered", "valueUnsignedInt": treatment.fractions})
        extension.append({"url": profiles.RADIOTHERAPY_DOSE, "extension": parts})
    done = treatment.status == "completed"
    course = resource(
        "Procedure", record, role, profiles.RADIOTHERAPY_COURSE_SUMMARY,
        extension=extension or None,
        status=treatment.status,
        statusReason=_status_reason(treatment),
        code=codeable("radiotherapy-course", text=treatment.text),
        subject=patient_ref(record),
        performedPeriod=data_absent() if done else None,
        reasonReference=[primary_ref(record)],
        note=_notes(treatment),
    )
    return [*resources, course]


def _procedure(record: CaseRecord, treatment: Treatment, role: str, profile: str) -> Resource:
    code = (surgery_concept(record, treatment_term(treatment))
            if treatment.kind == "surgery" else {"text": treatment.text})
    return resource(
        "Procedure", record, role, profile,
        status=treatment.status,
        statusReason=_status_reason(treatment),
        code=code,
        subject=patient_ref(record),
        performedString=NOT_REPORTED if treatment.status == "completed" else None,
        reasonReference=[primary_ref(record)],
        note=_notes(treatment),
    )


def _planned(record: CaseRecord, treatment: Treatment, role: str) -> Resource:
    """A treatment only planned or proposed: a request, never a performed treatment."""
    return resource(
        "ServiceRequest", record, role, profiles.US_CORE_SERVICE_REQUEST,
        status="unknown",
        intent=PLANNED_STATUSES[treatment.status],
        code={"text": treatment.text},
        subject=patient_ref(record),
        reasonReference=[primary_ref(record)],
        note=_notes(treatment),
    )


def answered_treatment(record: CaseRecord) -> int | None:
    """The index of the treatment the response answers: the last one its cell names, else the
    last systemic therapy, else the last treatment."""
    performed = [i for i, t in enumerate(record.treatments) if t.status == "completed"]
    if not performed:
        return None
    response = f" {norm(record.treatment_response.text)} " if record.treatment_response else ""
    named = [i for i in performed
             if any(f" {name} " in response for name in _names(record.treatments[i]))]
    if named:
        return named[-1]
    systemic = [i for i in performed if record.treatments[i].kind == "systemic"]
    return systemic[-1] if systemic else performed[-1]


def norm(text: str) -> str:
    """Lower-case words, punctuation as spaces, for matching a treatment's name in a response."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


def _names(treatment: Treatment) -> list[str]:
    names = [norm(treatment.text), norm(treatment.text.split("(")[0])]
    if treatment.ncit_name:
        names.append(norm(treatment.ncit_name))
    if treatment.drug:  # "crizotinib at relapse" → crizotinib
        names.append(norm(treatment.drug))
    if treatment.key is not None and treatment.kind == "systemic":
        names.append(norm(str(entry("treatment", treatment.key).label)))
    if treatment.text.split() and treatment.kind == "systemic":
        # "larotrectinib 100 mg/m2" → larotrectinib (a surgery's first word, "complete", names
        # no treatment: "Complete remission" answers no "Complete excision")
        names.append(norm(treatment.text.split()[0]))
    return [name for name in names if len(name) > 2]


def to_fhir_treatments(record: CaseRecord) -> list[Resource]:
    resources: list[Resource] = []
    roles = treatment_roles(record)
    course: dict[str, str] | None = None  # the radiotherapy a concurrent drug was given with
    for treatment, (_, role) in zip(record.treatments, roles, strict=True):
        if treatment.status in PLANNED_STATUSES:
            resources.append(_planned(record, treatment, role))
        elif treatment.kind == "radiotherapy":
            resources.extend(_radiotherapy(record, treatment, role))
            course = ref("Procedure", record, role)
        elif treatment.kind == "surgery":
            resources.append(_procedure(record, treatment, role, profiles.SURGICAL_PROCEDURE))
        elif treatment.kind == "other":
            resources.append(_procedure(record, treatment, role, profiles.US_CORE_PROCEDURE))
        else:
            resources.append(resource(
                "MedicationAdministration", record, role, profiles.MEDICATION_ADMINISTRATION,
                partOf=[course] if treatment.concurrent and course is not None else None,
                status=treatment.status,
                statusReason=[reason] if (reason := _status_reason(treatment)) else None,
                medicationCodeableConcept=_medication_concept(treatment),
                subject=patient_ref(record),
                effectivePeriod=data_absent(),
                reasonReference=[primary_ref(record)],
                note=_notes(treatment),
            ))
    surgery = last_performed_surgery(record, roles)
    if record.surgery is None and record.margin is not None and surgery is not None:
        resources.append(margin_observation(record, surgery))
    if record.treatment_response is not None:
        answered = answered_treatment(record)
        timing = None
        note = "Response to treatment"
        if answered is not None:
            resource_type, role = roles[answered]
            path = "effective" if resource_type == "MedicationAdministration" else "performed"
            timing = relative_time(ref(resource_type, record, role), path, "after")
            note = f"Response to {record.treatments[answered].text}"
        resources.append(disease_status(
            record, "treatment-response", "status-treatment-response",
            status_concept(record, record.treatment_response, "response"),
            timing, note,
        ))
    return resources


def last_performed_surgery(record: CaseRecord,
                           roles: list[tuple[str, str]]) -> dict[str, str] | None:
    """A reference to the last surgery performed among the treatments, or None."""
    found = [role for treatment, (resource_type, role) in zip(record.treatments, roles, strict=True)
             if treatment.kind == "surgery" and treatment.status == "completed"]
    return ref("Procedure", record, found[-1]) if found else None


def from_fhir_treatments(case: CaseResources) -> Cells:
    """The treatments, in the order the case's resources come (the table's order), and the
    response."""
    cells: Cells = {}
    texts: list[str] = []
    for role, found in case.items():
        stem, _, number = role.rpartition("-")
        if stem == "medication" and number.isdigit():
            if "partOf" in found:  # a chemoradiation's drug: the course's text names it
                continue
            text = found["medicationCodeableConcept"]["text"]
        elif stem in TREATMENT_ROLE_STEMS and number.isdigit():
            text = found["code"]["text"]
        else:
            continue
        contexts = [n["text"].removeprefix(CONTEXT_NOTE) for n in found.get("note", [])
                    if n["text"].startswith(CONTEXT_NOTE)]
        item = f"{contexts[0]}: {text}" if contexts else text
        # "Resection without adjuvant chemo- or radiotherapy": two not-done items, one text
        if not (found.get("status") == "not-done" and texts and texts[-1] == item):
            texts.append(item)
    if texts:
        cells["treatment"] = "; ".join(texts)
    if "treatment-response" in case:
        cells["treatment_response"] = case["treatment-response"]["valueCodeableConcept"]["text"]
    return cells
