"""A short generated narrative (`text`) for every resource: one XHTML paragraph saying what the
resource itself says, so a person reading the FHIR (and the HL7 validator's dom-6 rule, "a
resource should have narrative") finds it in words.

Only the resource's own elements are read: its profile's title (or its type), its code in words
(text, and the first coding's display when it says something else), value with unit, status,
dates, body site, method, components, notes, and the references it makes (the case it is about
is `subject` / `patient`). Nothing is looked up elsewhere, so the paragraph never states a fact
the resource does not. Extensions are not read (bar the data-absent reason and the relative
time of a date), hence status `generated`.

The XHTML keeps FHIR's rules (txt-1: only <div>, <p>, <b> and text, no attribute but the
namespace; txt-2: never empty) and is written as the HL7 Java library (HAPI FHIR's parser and
the HL7 validator) writes it back: `&`, `<`, `>` and `"` escaped, characters beyond the Basic
Multilingual Plane as `&#x...;`, so a server that parses and re-serialises the div returns the
same bytes. Whitespace runs become one space; characters XML forbids become U+FFFD.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import orjson

from mappings import profiles

XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
OPEN = f'<div xmlns="{XHTML_NAMESPACE}"><p>'
CLOSE = "</p></div>"
SEPARATOR = "; "
MAX_REFERENCES = 3  # a list of references longer than this is given as a count

# The titles of the profiles casefhir claims, as their StructureDefinitions give them (less
# " Profile"): mCODE STU4 and US Core 6.1.0.
PROFILE_TITLES = {
    profiles.CANCER_PATIENT: "Cancer Patient",
    profiles.PRIMARY_CANCER_CONDITION: "Primary Cancer Condition",
    profiles.SECONDARY_CANCER_CONDITION: "Secondary Cancer Condition",
    profiles.US_CORE_CONDITION: "US Core Condition Problems and Health Concerns",
    profiles.GENOMIC_VARIANT: "Genomic Variant",
    profiles.GENOMICS_REPORT: "Genomics Report",
    profiles.TUMOR_MARKER_TEST: "Tumor Marker Test",
    profiles.HUMAN_SPECIMEN: "Human Specimen",
    profiles.TUMOR: "Tumor",
    profiles.TUMOR_SIZE: "Tumor Size",
    profiles.US_CORE_CLINICAL_RESULT: "US Core Observation Clinical Result",
    profiles.US_CORE_LAB: "US Core Laboratory Result Observation",
    profiles.US_CORE_DIAGNOSTIC_REPORT_NOTE: "US Core DiagnosticReport for Report and Note "
                                             "Exchange",
    profiles.US_CORE_PROCEDURE: "US Core Procedure",
    profiles.US_CORE_SERVICE_REQUEST: "US Core ServiceRequest",
    profiles.SURGICAL_PROCEDURE: "Cancer-Related Surgical Procedure",
    profiles.MEDICATION_ADMINISTRATION: "Cancer-Related Medication Administration",
    profiles.RADIOTHERAPY_COURSE_SUMMARY: "Radiotherapy Course Summary",
    profiles.RADIOTHERAPY_VOLUME: "Radiotherapy Volume",
    profiles.CANCER_DISEASE_STATUS: "Cancer Disease Status",
    profiles.HISTORY_OF_METASTATIC_CANCER: "History of Metastatic Cancer",
    profiles.CANCER_STAGE: "Cancer Stage",
    profiles.HISTOLOGIC_GRADE: "Histologic Grade",
    profiles.US_CORE_SIMPLE_OBSERVATION: "US Core Simple Observation",
    profiles.US_CORE_SMOKING_STATUS: "US Core Smoking Status Observation",
    profiles.ECOG_PERFORMANCE_STATUS: "ECOG Performance Status",
    profiles.KARNOFSKY_PERFORMANCE_STATUS: "Karnofsky Performance Status",
}

# Elements read, in the order the paragraph gives them: (element, label). An empty label is the
# resource's main words, right after its title. A choice element is named by its prefix.
ELEMENTS: tuple[tuple[str, str], ...] = (
    ("code", ""),
    ("medicationCodeableConcept", ""),
    ("type", ""),
    ("location", ""),
    ("locationQualifier", "qualifier"),
    ("description", "description"),
    ("gender", "gender"),
    ("deceased", "deceased"),
    ("birthDate", "birth date"),
    ("identifier", "identifier"),
    ("value", "value"),
    ("dataAbsentReason", "value absent"),
    ("interpretation", "interpretation"),
    ("component", ""),
    ("bodySite", "body site"),
    ("collection", "collection"),
    ("method", "method"),
    ("status", "status"),
    ("clinicalStatus", "clinical status"),
    ("verificationStatus", "verification status"),
    ("intent", "intent"),
    ("statusReason", "status reason"),
    ("onset", "onset"),
    ("abatement", "abatement"),
    ("effective", "effective"),
    ("performed", "performed"),
    ("recorded", "recorded"),
    ("issued", "issued"),
    ("conclusion", "conclusion"),
    ("subject", "subject"),
    ("patient", "patient"),
    ("focus", "focus"),
    ("specimen", "specimen"),
    ("partOf", "part of"),
    ("reasonReference", "reason"),
    ("result", "results"),
    ("hasMember", "members"),
    ("target", "targets"),
    ("agent", "agent"),
    ("entity", "entity"),
    ("note", "note"),
)
CHOICE_ELEMENTS = {"value", "deceased", "onset", "abatement", "effective", "performed"}

_WHITESPACE = re.compile("[ \t\n\r\x0b\x0c]{2,}|[\t\n\r\x0b\x0c]")
# characters XML 1.0 does not allow (a table cell may hold a stray control character)
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_SPECIAL = re.compile('[&<>"]')
# anything escape() changes: most text has none of it and is returned after this one search
_CHANGED = re.compile('[&<>"\x00-\x1f\ufffe\uffff\ud800-\udfff\U00010000-\U0010ffff]|  ')


def escape(text: str) -> str:
    """`text` as XHTML character data, the way the HL7 Java library writes it back."""
    if _CHANGED.search(text) is None:
        return text
    text = _NOT_XML.sub("\ufffd", _WHITESPACE.sub(" ", text))
    text = _SPECIAL.sub(lambda m: _ESCAPES[m.group()], text)
    return _ASTRAL.sub(lambda m: f"&#x{ord(m.group()):X};", text)


# ------------------------------------------------------------------ values in words
def number(value: Any) -> str:
    return orjson.dumps(value).decode() if isinstance(value, int | float) else str(value)


def absent_reason(value: dict[str, Any]) -> str | None:
    """The data-absent-reason code an element (or its primitive's `_element`) carries."""
    for extension in value.get("extension") or ():
        if isinstance(extension, dict) and extension.get("url") == profiles.DATA_ABSENT_REASON:
            code = extension.get("valueCode")
            return f"{code} (data absent)" if code else None
    return None


def concept_words(concept: dict[str, Any]) -> str | None:
    """A CodeableConcept's text, with its first coding's display (or code) when it adds words."""
    text = concept.get("text")
    codings = [c for c in concept.get("coding") or () if isinstance(c, dict)]
    named = next((str(c.get("display") or c.get("code")) for c in codings
                  if c.get("display") or c.get("code")), None)
    if text and named and named.casefold() != str(text).casefold():
        return f"{text} ({named})"
    return str(text) if text else named or absent_reason(concept)


def quantity_words(quantity: dict[str, Any]) -> str | None:
    if "value" not in quantity:
        return absent_reason(quantity)
    unit = quantity.get("unit") or quantity.get("code")
    comparator = quantity.get("comparator") or ""
    return f"{comparator}{number(quantity['value'])}" + (f" {unit}" if unit else "")


def period_words(period: dict[str, Any], low: str = "start", high: str = "end") -> str | None:
    start, end = period.get(low), period.get(high)
    if isinstance(start, dict):
        start = quantity_words(start)
    if isinstance(end, dict):
        end = quantity_words(end)
    if start and end:
        return f"{start} to {end}"
    if start:
        return f"from {start}"
    if end:
        return f"until {end}"
    return absent_reason(period)


def reference_words(reference: dict[str, Any]) -> str | None:
    words = reference.get("display") or reference.get("reference")
    if words is None and isinstance(reference.get("identifier"), dict):
        words = reference["identifier"].get("value")
    return str(words) if words else None


def relative_time(element: dict[str, Any]) -> str | None:
    """A primitive's `_element` in words: its cqf-relativeDateTime (before / after a target's
    element, with the offset when known) or its data-absent reason."""
    for extension in element.get("extension") or ():
        if not isinstance(extension, dict) or extension.get("url") != profiles.RELATIVE_DATE_TIME:
            continue
        parts = {e.get("url"): e for e in extension.get("extension") or () if isinstance(e, dict)}
        target = reference_words(parts.get("target", {}).get("valueReference") or {})
        if target is None:
            continue
        path = parts.get("targetPath", {}).get("valueString")
        relationship = parts.get("relationship", {}).get("valueCode") or "relative to"
        offset = parts.get("offset", {}).get("valueDuration")
        amount = quantity_words(offset) if isinstance(offset, dict) and "value" in offset \
            else None
        anchor = f"{target} {path}" if path else target
        return f"{amount} {relationship} {anchor}" if amount else f"{relationship} {anchor}"
    return absent_reason(element)


def value_words(value: Any, kind: str = "") -> str | None:
    """Any element value in words, by its shape (the choice suffix `kind` when there is one)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return None
    if kind == "Ratio" or ("numerator" in value and "denominator" in value):
        top, bottom = (quantity_words(value.get(k) or {}) for k in ("numerator", "denominator"))
        return f"{top} per {bottom}" if top and bottom else None
    if kind in ("Range", "Period") or any(k in value for k in ("start", "end", "low", "high")):
        return period_words(value, *(("low", "high") if kind == "Range" or "low" in value
                                     or "high" in value else ("start", "end")))
    if "value" in value and kind != "Identifier":
        return quantity_words(value)
    if "coding" in value or "text" in value:
        return concept_words(value)
    if "reference" in value or "display" in value:
        return reference_words(value)
    return absent_reason(value)


# ------------------------------------------------------------------ elements in words
_POSITION = {name: position for position, (name, _) in enumerate(ELEMENTS)}
LISTS_AS_COUNTS = {"result", "hasMember", "target"}


@lru_cache(maxsize=4096)
def slot(key: str) -> tuple[int, str, str] | None:
    """The element a JSON key gives (its position in ELEMENTS, its name, the choice type), or
    None for one the narrative does not read; `_key` (a primitive's extensions) gives its
    element too."""
    bare = key.removeprefix("_")
    if bare in _POSITION:
        return _POSITION[bare], bare, ""
    for name in CHOICE_ELEMENTS:
        if bare.startswith(name) and bare[len(name):len(name) + 1].isupper():
            return _POSITION[name], name, bare[len(name):]
    return None


def element_words(name: str, kind: str, value: Any) -> Iterator[str]:
    """The words of one element's value (several for a list)."""
    if kind:  # a choice element: one value of the type its key names
        words = value_words(value, kind)
        if words:
            yield words
        return
    items = value if isinstance(value, list) else [value]
    if name in LISTS_AS_COUNTS and len(items) > MAX_REFERENCES:
        yield f"{len(items)} resources"
        return
    for item in items:
        words = special_words(name, item)
        if words:
            yield words


def special_words(name: str, item: Any) -> str | None:
    """Elements whose words are not their value's shape alone."""
    if not isinstance(item, dict):
        return value_words(item)
    if name == "identifier":
        return str(item["value"]) if item.get("value") else None
    if name == "note":
        return str(item["text"]) if item.get("text") else None
    if name == "collection":
        return value_words(item.get("bodySite") or item.get("method") or {})
    if name == "agent":
        return reference_words(item.get("who") or {})
    if name == "entity":
        what = reference_words(item.get("what") or {})
        return f"{item.get('role')} {what}" if what and item.get("role") else what
    if name == "component":
        label = concept_words(item.get("code") or {})
        words = next((value_words(v, k[5:]) for k, v in item.items()
                      if k.startswith("value") and k[5:6].isupper()), None)
        words = words or concept_words(item.get("dataAbsentReason") or {})
        return f"{label}: {words}" if label and words else label or words
    return value_words(item)


def title(resource: dict[str, Any]) -> str:
    """The first claimed profile casefhir knows the title of, else the resource type."""
    for url in (resource.get("meta") or {}).get("profile") or ():
        if url in PROFILE_TITLES:
            return PROFILE_TITLES[url]
    return str(resource.get("resourceType") or "Resource")


def parts(resource: dict[str, Any]) -> list[tuple[str, str]]:
    """Each element's (label, words), escaped, in ELEMENTS order; the main words' label is ""."""
    found: list[tuple[int, str, list[str]]] = []
    for key, value in resource.items():
        where = slot(key)
        if where is None:
            continue
        position, name, kind = where
        if key[0] == "_":  # a primitive's extensions, read only when it has no value
            if key[1:] in resource or not isinstance(value, dict):
                continue
            words = relative_time(value)
            said = [words] if words else []
        else:
            said = list(element_words(name, kind, value))
        if said:
            found.append((position, name, said))
    found.sort(key=lambda item: item[0])
    result = []
    for position, name, said in found:
        if len(said) > 1:
            said = list(dict.fromkeys(said))  # repeated words said once
        # components are each "label: value", so they are parts of their own
        text = (SEPARATOR if name == "component" else ", ").join(escape(w) for w in said)
        result.append((ELEMENTS[position][1], text))
    return result


def div(resource: dict[str, Any]) -> str:
    """The narrative's XHTML: one paragraph, the title in bold (so never empty), then
    "Title: its code; label: value; ..." (or "Title; label: value" without a code)."""
    head = f"<b>{escape(title(resource))}</b>"
    found = parts(resource)
    if not found:
        return OPEN + head + CLOSE
    body = SEPARATOR.join(f"{label}: {said}" if label else said for label, said in found)
    return OPEN + head + (SEPARATOR if found[0][0] else ": ") + body + CLOSE


def with_narrative(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource with `text` (status generated) placed where FHIR JSON puts it: after id,
    meta, implicitRules and language. A Bundle (not a DomainResource) is returned unchanged;
    an existing `text` is replaced."""
    if resource.get("resourceType") == "Bundle":
        return resource
    text = {"status": "generated", "div": div(resource)}
    result: dict[str, Any] = {}
    placed = False
    for key, value in resource.items():
        if key == "text":
            continue
        if not placed and key not in ("resourceType", "id", "meta", "implicitRules", "language",
                                      "_implicitRules", "_language"):
            result["text"] = text
            placed = True
        result[key] = value
    if not placed:
        result["text"] = text
    return result


def add_narratives(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every resource of a case with its narrative, in the same order."""
    return [with_narrative(resource) for resource in resources]
