"""Smoking status: one US Core 6.1.0 Smoking Status Observation
(http://hl7.org/fhir/us/core/StructureDefinition/us-core-smokingstatus) per case.

- `code` LOINC 72166-2 "Tobacco smoking status" (the one code of US Core's
  us-core-smoking-status-observation-codes ValueSet), `category` social-history (the slice the
  profile requires), `status` final;
- `valueCodeableConcept`: the cell's words as text, with the SNOMED CT code of a recognised
  status ("never" → 266919005, "former" → 8517006, "current"/"smoker" → 77176002 Smoker, "daily"
  → 449868002, "occasional" → 428041000124106, "light/heavy cigarette smoker" → 230060001 /
  230063004): the codes IPS 2.0.0 enumerates for the current smoking status, with their
  displays. "yes", "no", "non-smoker" and other words stay text only (the binding is preferred,
  so text is valid): no code is forced onto words that do not say which status;
- pack-years ("30 pack-years") as a component coded casefhir#pack-years (no verified code);
- `effectiveDateTime` is required by the profile and a table gives no date: the primitive
  carries a data-absent-reason (unknown) instead.
"""

from __future__ import annotations

from typing import Any

from converter.read.schema import CaseRecord
from mappings import profiles
from mappings.common import CaseResources, Cells, Resource, data_absent, patient_ref, resource
from mappings.terminology import codeable, entry

ROLE = "smoking-status"


def _pack_years(value: int | float, comparator: str | None) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": value}
    if comparator:
        quantity["comparator"] = comparator
    quantity["unit"] = "pack-years"
    return {"code": codeable("pack-years"), "valueQuantity": quantity}


def to_fhir_smoking(record: CaseRecord) -> list[Resource]:
    smoking = record.smoking
    if smoking is None:
        return []
    keys = entry("smoking", smoking.key).attributes["value"] if smoking.key else []
    component = None
    if smoking.pack_years is not None:
        component = [_pack_years(smoking.pack_years, smoking.pack_years_comparator)]
    return [resource(
        "Observation", record, ROLE, profiles.US_CORE_SMOKING_STATUS,
        status="final",
        category=[codeable("social-history")],
        code=codeable("tobacco-smoking-status"),
        subject=patient_ref(record),
        _effectiveDateTime=data_absent(),
        valueCodeableConcept=codeable(*keys, text=smoking.text),
        component=component,
    )]


def from_fhir_smoking(case: CaseResources) -> Cells:
    """The smoking cell back: the value's text, which holds the cell's words."""
    observation = case.get(ROLE)
    if observation is None:
        return {}
    return {"smoking": observation["valueCodeableConcept"]["text"]}
