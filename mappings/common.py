"""Small builders shared by the mapping modules: ids, references, meta, body sites, timing."""

from __future__ import annotations

from typing import Any

from converter.ids import resource_id
from converter.schema import AGE_UNITS, Age, CaseRecord, Site, Term
from mappings import profiles
from mappings.terminology import codeable, coding, concept, entry, system_url

Resource = dict[str, Any]

NOT_REPORTED = "date not reported"


def rid(record: CaseRecord, role: str | None = None) -> str:
    return resource_id(record.series.id, record.case_id, role)


def ref(resource_type: str, record: CaseRecord, role: str | None = None) -> dict[str, str]:
    return {"reference": f"{resource_type}/{rid(record, role)}"}


def patient_ref(record: CaseRecord) -> dict[str, str]:
    return ref("Patient", record)


def primary_ref(record: CaseRecord) -> dict[str, str]:
    return ref("Condition", record, "primary")


def surgery_ref(record: CaseRecord) -> dict[str, str]:
    return ref("Procedure", record, "surgery")


def specimen_ref(record: CaseRecord) -> dict[str, str]:
    return ref("Specimen", record, "specimen")


def meta(record: CaseRecord, *profile: str) -> dict[str, Any]:
    """Profile claims plus the series tag and source every resource carries, so any resource can
    be traced to (and found by) the published series it came from."""
    result: dict[str, Any] = {}
    if profile:
        result["profile"] = list(profile)
    if record.series.source_uri:
        result["source"] = record.series.source_uri
    tag = {"system": system_url("casefhir-series"), "code": record.series.id}
    if record.series.citation:
        tag["display"] = record.series.citation[:250]
    result["tag"] = [tag]
    return result


def resource(resource_type: str, record: CaseRecord, role: str | None, *profile: str,
             **elements: Any) -> Resource:
    """A resource dict with id and meta first, then the given elements (None values dropped)."""
    body: Resource = {"resourceType": resource_type, "id": rid(record, role),
                      "meta": meta(record, *profile)}
    body.update((k, v) for k, v in elements.items() if v is not None)
    return body


def term_concept(term: Term, vocabulary: str, attribute: str) -> dict[str, Any]:
    """A CodeableConcept for a recognised or unknown term: codings from the vocabulary entry's
    `attribute` concepts (none for an unknown term), the table's own words as text."""
    keys: list[str] = []
    if term.key is not None:
        value = entry(vocabulary, term.key).attributes.get(attribute, [])
        keys = [value] if isinstance(value, str) else list(value)
    return codeable(*keys, text=term.text)


def age_quantity(age: Age) -> dict[str, Any]:
    return {"value": age.value, "unit": AGE_UNITS[age.unit][0],
            "system": system_url("ucum"), "code": age.unit}


def months_duration(months: int | float) -> dict[str, Any]:
    return {"value": months, "unit": "months", "system": system_url("ucum"), "code": "mo"}


def body_site(site: Site) -> dict[str, Any]:
    """Condition/Procedure bodySite: region coding, laterality and depth as mCODE qualifiers."""
    concept: dict[str, Any] = {}
    extensions = []
    if site.laterality:
        extensions.append({"url": profiles.LATERALITY_QUALIFIER,
                           "valueCodeableConcept": codeable(entry("laterality", site.laterality)
                                                            .attributes["concept"])})
    if site.depth:
        extensions.append({"url": profiles.BODY_LOCATION_QUALIFIER,
                           "valueCodeableConcept": codeable(entry("depth", site.depth)
                                                            .attributes["concept"])})
    if extensions:
        concept["extension"] = extensions
    if site.region:
        concept["coding"] = [coding(entry("region", site.region).attributes["concept"])]
    if site.text:
        concept["text"] = site.text
    return concept


def region_concept(site: Site) -> dict[str, Any]:
    """The site without qualifiers (for Observation.bodySite, which has no qualifier slots)."""
    if site.region:
        return codeable(entry("region", site.region).attributes["concept"], text=site.text or None)
    return {"text": site.text}


def event_anchor(record: CaseRecord) -> tuple[dict[str, str], str]:
    """What relative times count from: the surgery when there was one, else the diagnosis."""
    if record.surgery is not None:
        return surgery_ref(record), "performed"
    return primary_ref(record), "onset"


def relative_time(target: dict[str, str], target_path: str, relationship: str,
                  months: int | float | None = None) -> dict[str, Any]:
    """The cqf-relativeDateTime extension, for a primitive `_xxxDateTime` without a calendar date
    (guide §2.6): "N months after the surgery". The extension requires its `offset` (1..1 in
    R4); when the table gives no time, the offset is a Duration carrying only a data-absent-reason
    ("before the surgery, by an unknown time")."""
    offset = months_duration(months) if months is not None else data_absent()
    parts: list[dict[str, Any]] = [
        {"url": "target", "valueReference": target},
        {"url": "targetPath", "valueString": target_path},
        {"url": "relationship", "valueCode": relationship},
        {"url": "offset", "valueDuration": offset},
    ]
    return {"extension": [{"url": profiles.RELATIVE_DATE_TIME, "extension": parts}]}


def after_anchor(record: CaseRecord, months: int | float | None) -> dict[str, Any]:
    target, path = event_anchor(record)
    return relative_time(target, path, "after", months)


def data_absent(reason_key: str = "data-absent-unknown") -> dict[str, Any]:
    return {"extension": [{"url": profiles.DATA_ABSENT_REASON,
                           "valueCode": concept(reason_key).code}]}
