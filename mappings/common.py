"""Small builders shared by the mapping modules: ids, references, meta, body sites, timing."""

from __future__ import annotations

import re
from typing import Any

from converter.fhir.ids import resource_id
from converter.read.schema import AGE_UNITS, Age, CaseRecord, Site, Term, plain_number
from mappings import profiles
from mappings.terminology import codeable, coding, concept, entry, system_url, vocabulary
from mappings.terminology.tumours import (
    ONCOTREE_SYSTEM,
    TumourType,
    tumour_of_entry,
    tumour_of_key,
)

Resource = dict[str, Any]
# The inverse direction (FHIR back to the canonical table): a case's resources by role
# ("patient", "primary", "medication-2"...) and the canonical cells a module recovers from them.
CaseResources = dict[str, Resource]
Cells = dict[str, str]

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


def diagnosis_is_malignant(record: CaseRecord) -> bool:
    """Whether the case's diagnosis is classed malignant: an OncoTree type of malignant ICD-O
    behaviour, or a diagnosis-vocabulary entry marked `behaviour = "malignant"`."""
    diagnosis = record.diagnosis
    if diagnosis is None or diagnosis.key is None:
        return False
    tumour = tumour_of_key(diagnosis.key)
    if tumour is not None:
        return tumour.behaviour == "malignant"
    return entry("diagnosis", diagnosis.key).attributes.get("behaviour") == "malignant"


# disease status values that name a malignant neoplasm (SNOMED "Malignant neoplasm in full /
# partial remission", for NED, CR, PR): only for a diagnosis classed malignant
MALIGNANT_ONLY_VALUES = frozenset({"full-remission", "partial-remission"})


def status_concept(record: CaseRecord, term: Term, vocabulary: str) -> dict[str, Any]:
    """A disease status or response as term_concept gives it, but the table's words alone where
    its code would call the tumour malignant and the diagnosis is not classed so (an IMT's or an
    NTRK-RSCN's "NED" or "CR"; CancerDiseaseStatus's value binding is preferred)."""
    values = entry(vocabulary, term.key).attributes.get("value", []) if term.key else []
    keys = {values} if isinstance(values, str) else set(values)
    if MALIGNANT_ONLY_VALUES & keys and not diagnosis_is_malignant(record):
        return {"text": term.text}
    return term_concept(term, vocabulary, "value")


def term_concept(term: Term, vocabulary: str, attribute: str) -> dict[str, Any]:
    """A CodeableConcept for a recognised or unknown term: codings from the vocabulary entry's
    `attribute` concepts (none for an unknown term), the table's own words as text."""
    tumour = tumour_of_key(term.key)
    if tumour is not None:
        return tumour_concept(term, tumour, attribute)
    keys: list[str] = []
    if term.key is not None:
        value = entry(vocabulary, term.key).attributes.get(attribute, [])
        keys = [value] if isinstance(value, str) else list(value)
    result = codeable(*keys, text=term.text)
    linked = tumour_of_entry(term.key) if term.key is not None and vocabulary == "diagnosis" \
        else None
    if linked is not None and attribute == "condition":  # the entry is an OncoTree type
        return {"coding": tumour_codings(linked, result.get("coding", [])), "text": term.text}
    return result


def tumour_concept(term: Term, tumour: TumourType, attribute: str) -> dict[str, Any]:
    """An OncoTree tumour type as a CodeableConcept: as the Condition's code, SNOMED's malignant
    neoplasm only for a type classed malignant, then its NCIt code and its OncoTree code; as the
    histology, the table's words only (no verified morphology code comes with OncoTree)."""
    if attribute != "condition":
        return {"text": term.text}
    return {"coding": tumour_codings(tumour, []), "text": term.text}


def tumour_codings(tumour: TumourType, curated: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The codings of an OncoTree type, with a curated entry's own (verified) codings where the
    entry is that type: SNOMED's malignant neoplasm only for a type classed malignant and only
    when no curated SNOMED code says more, the curated codes, NCIt (the curated one, else
    OncoTree's), then the OncoTree code."""
    systems = {c["system"] for c in curated}
    codings = ([coding("malignant-neoplastic-disease")]
               if tumour.behaviour == "malignant" and system_url("sct") not in systems else [])
    codings += curated
    if tumour.ncit and system_url("ncit") not in systems:
        codings.append({"system": system_url("ncit"), "code": tumour.ncit,
                        "display": tumour.ncit_name or tumour.name})
    codings.append({"system": ONCOTREE_SYSTEM, "code": tumour.code, "display": tumour.name})
    return codings


def age_quantity(age: Age) -> dict[str, Any]:
    return {"value": age.value, "unit": AGE_UNITS[age.unit][0],
            "system": system_url("ucum"), "code": age.unit}


def age_text(quantity: dict[str, Any]) -> str:
    """The inverse of `age_quantity`, as a table would write it: `12`, `18 months`."""
    value = number_text(quantity["value"])
    return value if quantity["code"] == "a" else f"{value} {AGE_UNITS[quantity['code']][0]}"


def months_duration(months: int | float) -> dict[str, Any]:
    return {"value": months, "unit": "months", "system": system_url("ucum"), "code": "mo"}


def laterality_concept(site: Site) -> dict[str, Any]:
    """The side, with the words of a separate laterality column as text."""
    assert site.laterality is not None
    return codeable(entry("laterality", site.laterality).attributes["concept"],
                    text=site.laterality_text)


def _says(text: str, words: str) -> bool:
    """Whether `text` has `words` as whole words ("subcutaneous" does not say "cutaneous")."""
    pattern = r"\s+".join(re.escape(word) for word in words.casefold().split())
    return re.search(rf"(?<!\w){pattern}(?!\w)", text.casefold()) is not None


def site_words(site: Site, *, laterality: bool = False) -> str:
    """The site's text with the words of a separate depth column (and, with `laterality`, of a
    separate laterality column) after it, each only when the site's own words do not already
    say it: "thigh, deep" ("thigh, deep, left"). Depth is never coded: mCODE's
    BodyLocationQualifierVS, the only required binding for it, is defined by SNOMED hierarchy
    filters that no offline file can confirm superficial or deep to be in (docs/mapping.md#sites)."""
    parts = [site.text] if site.text else []
    # depth before side: a flattened table gives the depth back as the site text's last part
    extra = [site.depth_text, site.laterality_text if laterality else None]
    parts += [words for words in extra if words and not _says(site.text, words)]
    return ", ".join(parts)


def body_site(site: Site) -> dict[str, Any]:
    """Condition/Procedure/Specimen bodySite: region coding, laterality as mCODE's laterality
    qualifier (a required binding whose four codes mCODE enumerates), depth as words."""
    concept: dict[str, Any] = {}
    if site.laterality:
        concept["extension"] = [{"url": profiles.LATERALITY_QUALIFIER,
                                 "valueCodeableConcept": laterality_concept(site)}]
    if site.region:
        concept["coding"] = [coding(entry("region", site.region).attributes["concept"])]
    text = site_words(site)
    if text:
        concept["text"] = text
    return concept


def region_concept(site: Site, *, located: bool = False) -> dict[str, Any]:
    """The site without qualifiers (for Observation.bodySite, which has no qualifier slots), its
    words with the depth's (`site_words`); `located`: with the side's words too (the Tumor
    BodyStructure's location, whose locationQualifier binding cannot be confirmed offline)."""
    text = site_words(site, laterality=located)
    if site.region:
        return codeable(entry("region", site.region).attributes["concept"], text=text or None)
    return {"text": text}


def event_anchor(record: CaseRecord) -> tuple[dict[str, str], str]:
    """What relative times count from: the surgery when there was one, else the diagnosis."""
    if record.surgery is not None:
        return surgery_ref(record), "performed"
    return primary_ref(record), "onset"


def origin_anchor(record: CaseRecord, origin: str | None) -> tuple[dict[str, str] | None, str,
                                                                    str]:
    """What a time with this origin (schema.TIME_ORIGINS; None: the default) counts from: the
    target and targetPath of its cqf-relativeDateTime and the origin's words. The target is the
    resource whose element holds the origin: the primary's `onset` (the diagnosis), its
    `abatement` (FHIR: "resolved or went into remission"), the surgery's `performed`. The entry
    into a study, its randomisation, the start of treatment (which of the case's treatments
    came first the table does not say), a surgery the row does not report and an origin not
    reported have no resource of their own, and the extension requires a target and a
    targetPath (1..1 in R4): the target is then None (see after_anchor)."""
    if origin is None:
        target, path = event_anchor(record)
        return target, path, "surgery" if path == "performed" else "diagnosis"
    if origin == "diagnosis":
        return primary_ref(record), "onset", origin
    if origin == "remission":
        return primary_ref(record), "abatement", origin
    if origin == "surgery" and record.surgery is not None:
        return surgery_ref(record), "performed", origin
    return None, "", "an origin not reported" if origin == "not reported" else origin


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


def after_anchor(record: CaseRecord, months: int | float | None,
                 origin: str | None = None) -> dict[str, Any]:
    """"N months after" the origin (None: the surgery when there was one, else the diagnosis).
    An origin no resource of the case records (study entry ...) has nothing a
    cqf-relativeDateTime could point at: the time is then a data-absent-reason `unknown` (its
    calendar date is not known), and the months and the origin are in the resource's note,
    which is where a reader (and `flatten`) finds them."""
    target, path, _ = origin_anchor(record, origin)
    if target is None:
        return data_absent()
    return relative_time(target, path, "after", months)


def data_absent(reason_key: str = "data-absent-unknown") -> dict[str, Any]:
    return {"extension": [{"url": profiles.DATA_ABSENT_REASON,
                           "valueCode": concept(reason_key).code}]}


# ---------------------------------------------------------------- reading back (flatten)
def series_of(resource: Resource) -> str | None:
    """The series a resource belongs to, from the tag `meta` gives it."""
    for tag in (resource.get("meta") or {}).get("tag") or []:
        if isinstance(tag, dict) and tag.get("system") == system_url("casefhir-series"):
            return str(tag.get("code"))
    return None


def number_text(value: int | float) -> str:
    return str(plain_number(value))


def text_of(concept: dict[str, Any] | None) -> str | None:
    return concept.get("text") if concept else None


def offset_months(timing: dict[str, Any] | None) -> int | float | None:
    """The months of a cqf-relativeDateTime written by `relative_time` (None: no time given)."""
    for extension in (timing or {}).get("extension", []):
        if extension.get("url") == profiles.RELATIVE_DATE_TIME:
            for part in extension.get("extension", []):
                if part.get("url") == "offset":
                    value = part.get("valueDuration", {}).get("value")
                    return plain_number(value) if value is not None else None
    return None


def numbered(case: CaseResources, role: str) -> list[Resource]:
    """The resources of a numbered role ("metastasis-1", "metastasis-2"...) in number order."""
    found = [(int(key.rpartition("-")[2]), r) for key, r in case.items()
             if key.startswith(role + "-") and key.rpartition("-")[2].isdigit()]
    return [r for _, r in sorted(found, key=lambda pair: pair[0])]


def label_of(vocabulary_name: str, attribute: str, value: dict[str, Any] | None) -> str | None:
    """The label of the vocabulary entry whose `attribute` concept is the value's first coding
    (the inverse of `codeable(entry(...).attributes[attribute])`)."""
    codings = (value or {}).get("coding") or []
    if not codings:
        return None
    first = (codings[0].get("system"), codings[0].get("code"))
    for item in vocabulary(vocabulary_name).values():
        keys = item.attributes.get(attribute, [])
        for key in [keys] if isinstance(keys, str) else keys:
            found = concept(key)
            if (found.system, found.code) == first:
                return item.label
    return None


def _depth_words(words: str) -> bool:
    """Whether words are a term of the depth vocabulary (as a depth column would give them)."""
    folded = " ".join(words.casefold().split())
    return any(folded in {item.label.casefold(), *(s.casefold() for s in item.synonyms)}
               for item in vocabulary("depth").values())


def body_site_cells(site: dict[str, Any] | None) -> Cells:
    """site, laterality and depth cells from a bodySite written by `body_site`: a last
    ", <depth term>" of the text is the depth column's (`site_words`)."""
    if not site:
        return {}
    cells: Cells = {}
    text = site.get("text")
    if text:
        head, _, tail = text.rpartition(", ")
        if _depth_words(text) and not site.get("coding"):
            cells["depth"] = text  # a depth column with no site
        elif head and _depth_words(tail):
            cells["site"], cells["depth"] = head, tail
        else:
            cells["site"] = text
    for extension in site.get("extension", []):
        words = text_of(extension.get("valueCodeableConcept"))
        if extension.get("url") == profiles.LATERALITY_QUALIFIER and words:
            cells["laterality"] = words  # the qualifier came from its own column
    return cells
