"""casefhir's local terminology as one collection Bundle a receiver loads beside the data (into a
FHIR server, or into a validator with `hl7validate --ig`), so that the systems only casefhir
defines are known there:

- casefhir's CodeSystem (codesystem.py);
- a CodeSystem for casefhir's OncoTree system: every type of the shipped OncoTree release
  (oncotree.tsv), so `content` is `complete` (the system is casefhir's own URI for exactly that
  release, and casefhir codes nothing else under it);
- a CodeSystem for the series tag system (`meta.tag`), listing the series of the output it is
  delivered with: `content` `fragment`, since other outputs add other series;
- a NamingSystem for each of casefhir's identifier systems (case, software, source row and its
  SHA-256). DOI and PubMed identifiers keep https://doi.org and https://pubmed.ncbi.nlm.nih.gov:
  HL7 Terminology 7.0.1 has no NamingSystem for either (docs/validation.md), so none is
  delivered for them: casefhir does not define those systems.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mappings.terminology import system_url
from mappings.terminology.codesystem import casefhir_codesystem
from mappings.terminology.tumours import ONCOTREE_RELEASE, ONCOTREE_SYSTEM, tumour_types

BUNDLE_ID = "casefhir-terminology"
BASE = "https://casefhir.org/fhir"
SERIES_SYSTEM_KEY = "casefhir-series"
# The date each definition below last changed (NamingSystem.date is required in R4); a constant,
# so the same output gives the same bytes.
DEFINED = "2026-12-01"

# casefhir's identifier systems: key in concepts.toml [systems] → (id, name, what a value is)
IDENTIFIER_SYSTEMS: dict[str, tuple[str, str, str]] = {
    "casefhir-case": (
        "casefhir-case", "CasefhirCase",
        "A case of a published case series: the value is the series id, '#', and the case id "
        "(the Patient's identifier, and the subject of an imaging study)."),
    "casefhir-software": (
        "casefhir-software", "CasefhirSoftware",
        "The casefhir release that wrote a resource: the value is 'casefhir' and its version "
        "(Provenance.agent.who)."),
    "casefhir-source-row": (
        "casefhir-source-row", "CasefhirSourceRow",
        "The table row a case was converted from: the value is the table's file name, '#row-' "
        "and the row number (Provenance.entity.what)."),
    "casefhir-source-row-sha256": (
        "casefhir-source-row-sha256", "CasefhirSourceRowSha256",
        "The SHA-256 of the table row a case was converted from, in hexadecimal "
        "(Provenance.entity.what)."),
}


def oncotree_codesystem() -> dict[str, Any]:
    """The CodeSystem for https://casefhir.org/fhir/CodeSystem/oncotree: every OncoTree type of
    the shipped release, display its OncoTree name, `parent` its parent type where that is a
    type (OncoTree's first level hangs from TISSUE, which is not a code)."""
    types = tumour_types()
    concepts: list[dict[str, Any]] = []
    for code in sorted(types):
        tumour = types[code]
        concept: dict[str, Any] = {"code": code, "display": tumour.name}
        if tumour.parent in types:
            concept["property"] = [{"code": "parent", "valueCode": tumour.parent}]
        concepts.append(concept)
    return {
        "resourceType": "CodeSystem",
        "id": "oncotree",
        "url": ONCOTREE_SYSTEM,
        "version": ONCOTREE_RELEASE,
        "name": "CasefhirOncoTree",
        "title": "OncoTree tumour types (release 2025-10-03), as casefhir codes them",
        "status": "active",
        "experimental": False,
        "publisher": "casefhir",
        "description": (
            "The tumour types of OncoTree release 2025-10-03 (Memorial Sloan Kettering, CC BY 4.0), "
            "under casefhir's own URI because HL7 Terminology 7.0.1 names no canonical URI for "
            "OncoTree. Every type of the release is listed; casefhir codes no other."),
        "copyright": "OncoTree, Memorial Sloan Kettering Cancer Center, CC BY 4.0.",
        "caseSensitive": True,
        "hierarchyMeaning": "is-a",
        "content": "complete",
        "count": len(concepts),
        "property": [{"code": "parent", "uri": "http://hl7.org/fhir/concept-properties#parent",
                      "description": "The OncoTree type this type is a kind of.",
                      "type": "code"}],
        "concept": concepts,
    }


def series_codesystem(series: Mapping[str, str | None]) -> dict[str, Any]:
    """The CodeSystem for the series tag system, listing `series` (id → title, None when not
    known), sorted by id. A fragment, so no `count`: each output lists the series it holds,
    and `count` would be the number of all series."""
    concepts: list[dict[str, Any]] = []
    for code in sorted(series):
        concept: dict[str, Any] = {"code": code}
        if series[code]:
            concept["display"] = series[code]
        concepts.append(concept)
    return {
        "resourceType": "CodeSystem",
        "id": "casefhir-series",
        "url": system_url(SERIES_SYSTEM_KEY),
        "name": "CasefhirSeries",
        "title": "casefhir case series (the series tag of every resource)",
        "status": "active",
        "experimental": False,
        "publisher": "casefhir",
        "description": (
            "The case series casefhir converted, as tagged in meta.tag of every resource it writes "
            "(code: the series id; display: the series citation, when given). This CodeSystem "
            "lists the series of the output it was delivered with."),
        "caseSensitive": True,
        "content": "fragment",
        "concept": concepts,
    }


def naming_system(key: str) -> dict[str, Any]:
    """The NamingSystem of casefhir identifier system `key` (IDENTIFIER_SYSTEMS)."""
    resource_id, name, description = IDENTIFIER_SYSTEMS[key]
    return {
        "resourceType": "NamingSystem",
        "id": resource_id,
        "name": name,
        "status": "active",
        "kind": "identifier",
        "date": DEFINED,
        "publisher": "casefhir",
        "responsible": "casefhir",
        "description": description,
        "uniqueId": [{"type": "uri", "value": system_url(key), "preferred": True}],
    }


def terminology_resources(series: Mapping[str, str | None]) -> list[dict[str, Any]]:
    """The resources of the terminology Bundle, in a fixed order."""
    return [casefhir_codesystem(), oncotree_codesystem(), series_codesystem(series),
            *(naming_system(key) for key in IDENTIFIER_SYSTEMS)]


def terminology_bundle(series: Mapping[str, str | None]) -> dict[str, Any]:
    """A collection Bundle of casefhir's local terminology (see the module). Each entry's
    fullUrl is the resource's address under casefhir's base, so a CodeSystem's fullUrl is also
    its canonical URL."""
    return {
        "resourceType": "Bundle",
        "id": BUNDLE_ID,
        "type": "collection",
        "entry": [{"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": r}
                  for r in terminology_resources(series)],
    }


def series_of_resources(resources: Iterable[Mapping[str, Any]]) -> dict[str, str | None]:
    """The series the resources are tagged with (id → its tag's display, None when none)."""
    url = system_url(SERIES_SYSTEM_KEY)
    found: dict[str, str | None] = {}
    for resource in resources:
        meta = resource.get("meta")
        tags = meta.get("tag") if isinstance(meta, dict) else None
        for tag in tags if isinstance(tags, list) else ():
            if isinstance(tag, dict) and tag.get("system") == url and isinstance(tag.get("code"), str):
                display = tag.get("display")
                if found.get(tag["code"]) is None:
                    found[tag["code"]] = display if isinstance(display, str) else None
    return found
