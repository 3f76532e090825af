"""Proliferation: the Ki-67 index and the mitotic count of a tumour.

- Ki-67 column: the same mCODE TumorMarkerTest
  (http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tumor-marker-test) a Ki-67 in the IHC
  panel makes (mappings/immunohistochemistry.py: "15%" a UCUM % Quantity with its comparator,
  words as text, the MKI67 gene studied), role `ki67`.
- Mitotic count: a US Core Laboratory Result Observation
  (http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-lab) coded
  casefhir#mitotic-count (no verified LOINC, SNOMED CT or NCIt code), `valueRatio`: numerator
  the mitoses (UCUM annotation `{mitoses}`, with a comparator for "<1/10 HPF"), denominator the
  area as the table states it — high-power fields (`{HPF}`) or mm² (`mm2`), never converted
  (an HPF's area depends on the microscope). A count whose area is not stated is a
  `valueQuantity` of mitoses (read with a warning). On the tumour specimen.
"""

from __future__ import annotations

from typing import Any

from converter.read.schema import CaseRecord, MitoticCount
from mappings import profiles
from mappings.common import (
    CaseResources,
    Cells,
    Resource,
    number_text,
    patient_ref,
    resource,
    specimen_ref,
)
from mappings.immunohistochemistry import marker_observation, marker_text
from mappings.terminology import codeable, system_url

KI67_ROLE = "ki67"
MITOTIC_ROLE = "mitotic-count"
AREAS = {"HPF": ("high-power fields", "{HPF}"), "mm2": ("mm\u00b2", "mm2")}


def to_fhir_ki67(record: CaseRecord) -> list[Resource]:
    if record.ki67 is None:
        return []
    return [marker_observation(record, record.ki67, KI67_ROLE)]


def _mitoses(count: MitoticCount) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": count.count}
    if count.comparator:
        quantity["comparator"] = count.comparator
    quantity.update(unit="mitoses", system=system_url("ucum"), code="{mitoses}")
    return quantity


def _value(count: MitoticCount) -> dict[str, Any]:
    if count.area is None or count.per is None:
        return {"valueQuantity": _mitoses(count)}
    unit, code = AREAS[count.area]
    return {"valueRatio": {"numerator": _mitoses(count),
                           "denominator": {"value": count.per, "unit": unit,
                                           "system": system_url("ucum"), "code": code}}}


def to_fhir_mitotic_count(record: CaseRecord) -> list[Resource]:
    count = record.mitotic_count
    if count is None:
        return []
    return [resource(
        "Observation", record, MITOTIC_ROLE, profiles.US_CORE_LAB,
        status="final",
        category=[codeable("laboratory")],
        code=codeable("mitotic-count", text="Mitotic count"),
        subject=patient_ref(record),
        specimen=specimen_ref(record),
        **_value(count),
    )]


def _mitotic_text(observation: Resource) -> str:
    """"5/10 HPF", "<1/10 HPF", "5/2 mm2" or "5": words the mitotic count reader reads back."""
    ratio = observation.get("valueRatio")
    numerator = ratio["numerator"] if ratio else observation["valueQuantity"]
    text = str(numerator.get("comparator", "")) + number_text(numerator["value"])
    if ratio:
        denominator = ratio["denominator"]
        area = next(name for name, (_, code) in AREAS.items() if code == denominator["code"])
        text += f"/{number_text(denominator['value'])} {area}"
    return text


def from_fhir_proliferation(case: CaseResources) -> Cells:
    """ki67 (the marker's canonical words) and mitotic_count back."""
    cells: Cells = {}
    if KI67_ROLE in case:
        cells["ki67"] = marker_text(case[KI67_ROLE])
    if MITOTIC_ROLE in case:
        cells["mitotic_count"] = _mitotic_text(case[MITOTIC_ROLE])
    return cells
