"""Pathology: the tumour specimen (mCODE HumanSpecimen) that molecular tests and the margin refer
to, and pan-TRK immunohistochemistry (mCODE TumorMarkerTest; LOINC 55229-9 Immune stain study,
one gene-studied component per TRK gene, as in guide §2.8)."""

from __future__ import annotations

from typing import Any

from converter.read.schema import CaseRecord
from mappings import profiles
from mappings.common import (
    CaseResources,
    Cells,
    Resource,
    body_site,
    patient_ref,
    primary_ref,
    resource,
    specimen_ref,
    term_concept,
)
from mappings.terminology import codeable
from mappings.terminology.genes import gene_by_symbol, gene_coding

# pan-TRK antibodies bind TRKA, TRKB and TRKC, the products of NTRK1, NTRK2 and NTRK3
PAN_TRK_GENES: tuple[str, ...] = ("NTRK1", "NTRK2", "NTRK3")


def gene_component(symbol: str) -> dict[str, Any]:
    """A gene-studied component: the HGNC coding of an approved symbol, text for any other."""
    entry = gene_by_symbol(symbol)
    value = {"coding": [gene_coding(entry)]} if entry else {"text": symbol}
    return {"code": codeable("gene-studied"), "valueCodeableConcept": value}


def has_specimen(record: CaseRecord) -> bool:
    return (bool(record.findings) or record.pan_trk_ihc is not None
            or record.margin is not None or bool(record.ihc)
            or record.ki67 is not None or record.mitotic_count is not None)


def to_fhir_specimen(record: CaseRecord) -> list[Resource]:
    if not has_specimen(record):
        return []
    collection = {"bodySite": body_site(record.site)} if record.site is not None else None
    return [resource(
        "Specimen", record, "specimen", profiles.HUMAN_SPECIMEN,
        type=codeable("specimen-tumor", text="Tumour tissue"),
        subject=patient_ref(record),
        collection=collection,
    )]


def to_fhir_pan_trk_ihc(record: CaseRecord) -> list[Resource]:
    if record.pan_trk_ihc is None:
        return []
    return [resource(
        "Observation", record, "pan-trk-ihc", profiles.TUMOR_MARKER_TEST,
        extension=[{"url": profiles.RELATED_CONDITION, "valueReference": primary_ref(record)}],
        status="final",
        category=[codeable("laboratory")],
        code=codeable("immune-stain-study", text="pan-TRK immunohistochemistry"),
        subject=patient_ref(record),
        specimen=specimen_ref(record),
        valueCodeableConcept=term_concept(record.pan_trk_ihc, "ihc", "value"),
        component=[gene_component(symbol) for symbol in PAN_TRK_GENES],
    )]


def from_fhir_pan_trk_ihc(case: CaseResources) -> Cells:
    """pan_trk_ihc back from the TumorMarkerTest."""
    test = case.get("pan-trk-ihc")
    return {"pan_trk_ihc": test["valueCodeableConcept"]["text"]} if test is not None else {}
