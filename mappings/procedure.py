"""Surgery of the primary tumour (mCODE CancerRelatedSurgicalProcedure, with procedure intent) and
the surgical margin (US Core Laboratory Result Observation, SNOMED 395536008, after the
ped-cancer-ig SurgicalTumorMargin pattern, guide §2.7)."""

from __future__ import annotations

from typing import Any

from converter.read.schema import CaseRecord, Term
from mappings import profiles
from mappings.common import (
    NOT_REPORTED,
    CaseResources,
    Cells,
    Resource,
    body_site,
    diagnosis_is_malignant,
    patient_ref,
    primary_ref,
    resource,
    specimen_ref,
    surgery_ref,
    term_concept,
)
from mappings.terminology import codeable, entry

# procedure codes that say the tumour removed is malignant
_MALIGNANT_ONLY = {"excision-of-malignant-neoplasm"}


def intent_concept(record: CaseRecord) -> dict[str, object] | None:
    """The intent the table states; none otherwise (no paper's resection is curative by
    default: it may be diagnostic, palliative or a debulking)."""
    if record.surgery_intent is not None:
        return term_concept(record.surgery_intent, "surgery_intent", "intent")
    return None


def surgery_concept(record: CaseRecord, surgery: Term) -> dict[str, Any]:
    """The procedure's code: "Excision of malignant neoplasm" only when the diagnosis is
    malignant; for any other diagnosis (intermediate or unknown behaviour, none given) the
    less committal "Surgical procedure", with the table's words."""
    if surgery.key is None:
        return {"text": surgery.text}
    value = entry("surgery", surgery.key).attributes.get("procedure", [])
    keys = [value] if isinstance(value, str) else list(value)
    if not diagnosis_is_malignant(record) and _MALIGNANT_ONLY & set(keys):
        keys = ["surgical-procedure"]
    return codeable(*keys, text=surgery.text)


def margin_observation(record: CaseRecord, surgery: dict[str, str]) -> Resource:
    """The surgical margin of the surgery `surgery` refers to."""
    assert record.margin is not None
    return resource(
        "Observation", record, "margin", profiles.US_CORE_LAB,
        status="final",
        category=[codeable("laboratory")],
        code=codeable("surgical-margin-finding"),
        subject=patient_ref(record),
        partOf=[surgery],
        specimen=specimen_ref(record),
        valueCodeableConcept=term_concept(record.margin, "margin", "value"),
    )


def to_fhir_surgery(record: CaseRecord) -> list[Resource]:
    surgery = record.surgery
    if surgery is None:
        return []
    intent = intent_concept(record)
    procedure = resource(
        "Procedure", record, "surgery", profiles.SURGICAL_PROCEDURE,
        extension=([{"url": profiles.PROCEDURE_INTENT, "valueCodeableConcept": intent}]
                   if intent else None),
        status="completed",
        code=surgery_concept(record, surgery),
        subject=patient_ref(record),
        performedString=NOT_REPORTED,
        reasonReference=[primary_ref(record)],
        bodySite=[body_site(record.site)] if record.site is not None else None,
    )
    resources = [procedure]
    if record.margin is not None:
        resources.append(margin_observation(record, surgery_ref(record)))
    return resources


def from_fhir_surgery(case: CaseResources) -> Cells:
    """surgery, surgery_intent and margin back from the Procedure and the margin Observation."""
    cells: Cells = {}
    surgery = case.get("surgery")
    if surgery is not None:
        cells["surgery"] = surgery["code"]["text"]
        for extension in surgery.get("extension", []):
            intent = extension["valueCodeableConcept"].get("text")
            if extension["url"] == profiles.PROCEDURE_INTENT and intent:
                cells["surgery_intent"] = intent
    if "margin" in case:
        cells["margin"] = case["margin"]["valueCodeableConcept"]["text"]
    return cells
