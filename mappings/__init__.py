"""Mapping modules: pure functions `CaseRecord -> list[resource dict]`, one per resource family.

`map_record` runs them all in a fixed order, so the resources of a case always come out in the
same order (Patient first, the reports after what they group).
"""

from __future__ import annotations

from collections.abc import Callable

from converter.schema import CaseRecord
from mappings.common import Resource
from mappings.condition import (
    to_fhir_metastases,
    to_fhir_preoperative_diagnosis,
    to_fhir_primary_condition,
)
from mappings.genomics import to_fhir_genomics
from mappings.imaging import to_fhir_imaging
from mappings.outcome import to_fhir_outcome
from mappings.pathology import to_fhir_pan_trk_ihc, to_fhir_specimen
from mappings.patient import to_fhir_patient
from mappings.procedure import to_fhir_surgery
from mappings.treatment import to_fhir_treatments

Mapper = Callable[[CaseRecord], list[Resource]]

MAPPERS: tuple[Mapper, ...] = (
    to_fhir_patient,
    to_fhir_primary_condition,
    to_fhir_preoperative_diagnosis,
    to_fhir_metastases,
    to_fhir_specimen,
    to_fhir_genomics,
    to_fhir_pan_trk_ihc,
    to_fhir_imaging,
    to_fhir_surgery,
    to_fhir_treatments,
    to_fhir_outcome,
)


def map_record(record: CaseRecord) -> list[Resource]:
    """Every resource one case produces, in a stable order."""
    resources: list[Resource] = []
    for mapper in MAPPERS:
        resources.extend(mapper(record))
    return resources


__all__ = ["MAPPERS", "Mapper", "Resource", "map_record"]
