"""Surgery of the primary tumour (mCODE CancerRelatedSurgicalProcedure, with procedure intent) and
the surgical margin (US Core Laboratory Result Observation, SNOMED 395536008, after the
ped-cancer-ig SurgicalTumorMargin pattern, guide §2.7)."""

from __future__ import annotations

from converter.read.schema import CaseRecord
from mappings import profiles
from mappings.common import (
    NOT_REPORTED,
    CaseResources,
    Cells,
    Resource,
    body_site,
    patient_ref,
    primary_ref,
    resource,
    specimen_ref,
    surgery_ref,
    term_concept,
)
from mappings.terminology import codeable, entry

# A resection or amputation of a primary tumour is done to cure unless the table says otherwise.
DEFAULT_CURATIVE = {"excision", "lower-limb-amputation"}


def intent_concept(record: CaseRecord) -> dict[str, object] | None:
    if record.surgery_intent is not None:
        return term_concept(record.surgery_intent, "surgery_intent", "intent")
    if record.surgery is not None and record.surgery.key in DEFAULT_CURATIVE:
        return codeable(*entry("surgery_intent", "curative").attributes["intent"])
    return None


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
        code=term_concept(surgery, "surgery", "procedure"),
        subject=patient_ref(record),
        performedString=NOT_REPORTED,
        reasonReference=[primary_ref(record)],
        bodySite=[body_site(record.site)] if record.site is not None else None,
    )
    resources = [procedure]
    if record.margin is not None:
        resources.append(resource(
            "Observation", record, "margin", profiles.US_CORE_LAB,
            status="final",
            category=[codeable("laboratory")],
            code=codeable("surgical-margin-finding"),
            subject=patient_ref(record),
            partOf=[surgery_ref(record)],
            specimen=specimen_ref(record),
            valueCodeableConcept=term_concept(record.margin, "margin", "value"),
        ))
    return resources


def from_fhir_surgery(case: CaseResources) -> Cells:
    """surgery, surgery_intent (only when the table gave one: a default intent has no text) and
    margin back from the Procedure and the margin Observation."""
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
