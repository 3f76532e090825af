"""Immunohistochemistry panels: one mCODE TumorMarkerTest Observation
(http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tumor-marker-test) per marker of the
`ihc` column, as the pan-TRK one of mappings/pathology.py is made (guide §2.8).

- `code`: the marker-specific LOINC code of markers.toml when mCODE 4.0.0's TumorMarkerTestVS
  enumerates one (ER, PR, HER2, PD-L1, CD117...), otherwise LOINC 55229-9 "Immune stain study"
  (no SNOMED observable: no official file verifies one); text "<marker> immunohistochemistry";
- `component`: one gene studied (LOINC 48018-6) per HGNC gene of the marker (none for S100,
  cytokeratins, H3K27me3...);
- `value`: a percentage as a UCUM `%` Quantity (Ki-67 15%), a range as a Range of them
  (Ki-67 10-20%), else the result as SNOMED
  positive/negative (the `ihc` vocabulary) with the result and qualifiers as text; a marker
  without either carries a data-absent-reason;
- `interpretation`: the result (HL7 ObservationInterpretation POS / NEG / E), also for a
  percentage; `note`: qualifiers and unread words beside a percentage.
Roles are `ihc-<marker slug>` (one per marker; the reader keeps the first of a marker named twice).
"""

from __future__ import annotations

from typing import Any

from converter.read.schema import CaseRecord, Gene, Marker
from mappings import profiles
from mappings.common import (
    CaseResources,
    Cells,
    Resource,
    data_absent,
    number_text,
    patient_ref,
    primary_ref,
    resource,
    specimen_ref,
)
from mappings.terminology import codeable, entry, system_url
from mappings.terminology.markers import MarkerEntry, marker_slug, markers

ROLE_PREFIX = "ihc-"
CODE_SUFFIX = " immunohistochemistry"
NOT_STATED = "result not stated"


def marker_role(marker: Marker) -> str:
    return ROLE_PREFIX + marker_slug(marker.key or marker.name)


def gene_studied(gene: Gene) -> dict[str, Any]:
    """A gene-studied component (LOINC 48018-6) coded with the HGNC table (text when uncoded)."""
    if gene.hgnc_id and gene.symbol:
        value: dict[str, Any] = {"coding": [{"system": system_url("hgnc"), "code": gene.hgnc_id,
                                             "display": gene.symbol}]}
    else:
        value = {"text": gene.text}
    return {"code": codeable("gene-studied"), "valueCodeableConcept": value}


def _code(marker: Marker, table: MarkerEntry | None) -> dict[str, Any]:
    text = marker.label + CODE_SUFFIX
    if table is not None:
        if marker.percent is not None and table.percent:
            return codeable(table.percent, text=text)
        if marker.percent is None:
            clone = table.clones.get((marker.clone or "").upper())
            if clone or table.presence:
                return codeable(clone or table.presence or "", text=text)
    return codeable("immune-stain-study", text=text)


def _percent(value: int | float) -> dict[str, Any]:
    return {"value": value, "unit": "%", "system": system_url("ucum"), "code": "%"}


def _range_text(low: int | float, high: int | float) -> str:
    return f"{number_text(low)}-{number_text(high)}%"


def _value(marker: Marker) -> dict[str, Any]:
    if marker.percent is not None and marker.percent_high is not None:  # "10-20%"
        # mCODE TumorMarkerTest's value[x] has no Range (Quantity, CodeableConcept, string,
        # Ratio; HAPI refuses valueRange): the range as text, in one canonical spelling
        return {"valueString": _range_text(marker.percent, marker.percent_high)}
    if marker.percent is not None:
        quantity: dict[str, Any] = {"value": marker.percent}
        if marker.comparator:
            quantity["comparator"] = marker.comparator
        quantity.update(unit="%", system=system_url("ucum"), code="%")
        return {"valueQuantity": quantity}
    if marker.result is None:
        return {"valueCodeableConcept": {**data_absent(), "text": marker.value_text or NOT_STATED}}
    keys = entry("ihc", marker.result).attributes.get("value", []) if marker.result in (
        "positive", "negative") else []
    return {"valueCodeableConcept": codeable(*keys, text=marker.value_text)}


def marker_observation(record: CaseRecord, marker: Marker, role: str) -> Resource:
    """The TumorMarkerTest of one marker (also of a Ki-67 column: mappings/proliferation.py)."""
    table = markers().get(marker.key) if marker.key else None
    note = None
    if marker.percent is not None and marker.details:
        note = [{"text": marker.details}]
    return resource(
        "Observation", record, role, profiles.TUMOR_MARKER_TEST,
        extension=[{"url": profiles.RELATED_CONDITION, "valueReference": primary_ref(record)}],
        status="final",
        category=[codeable("laboratory")],
        code=_code(marker, table),
        subject=patient_ref(record),
        specimen=specimen_ref(record),
        **_value(marker),
        interpretation=([codeable(f"interpretation-{marker.result}", text=marker.result)]
                        if marker.result else None),
        note=note,
        component=[gene_studied(gene) for gene in marker.genes] or None,
    )


def to_fhir_ihc(record: CaseRecord) -> list[Resource]:
    resources: list[Resource] = []
    seen: set[str] = set()
    for marker in record.ihc:
        role = marker_role(marker)
        if role in seen:  # the reader warns and keeps one per marker; records made in code may not
            continue
        seen.add(role)
        resources.append(marker_observation(record, marker, role))
    return resources


def marker_text(test: Resource) -> str:
    """The canonical text of one marker (Marker.canonical) from its TumorMarkerTest."""
    label = str(test["code"].get("text", "")).removesuffix(CODE_SUFFIX)
    if "valueQuantity" in test or "valueString" in test:
        interpretation = (test.get("interpretation") or [{}])[0].get("text")
        if "valueString" in test:  # a range ("10-20%")
            amount = str(test["valueString"])
        else:
            quantity = test["valueQuantity"]
            amount = f"{quantity.get('comparator', '')}{number_text(quantity['value'])}%"
        notes = [note["text"] for note in test.get("note", [])]
        return " ".join(part for part in (label, interpretation, amount, *notes) if part)
    words = test.get("valueCodeableConcept", {}).get("text", "")
    return label if words == NOT_STATED else f"{label} {words}".strip()


def from_fhir_ihc(case: CaseResources) -> Cells:
    """The `ihc` cell back: each marker's canonical text, in the order written, joined by "; "."""
    segments = [marker_text(test) for role, test in case.items() if role.startswith(ROLE_PREFIX)]
    return {"ihc": "; ".join(segments)} if segments else {}
