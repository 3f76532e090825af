"""casefhir's own CodeSystem as a FHIR resource, built from the `casefhir` entries of concepts.toml."""

from __future__ import annotations

from typing import Any

from mappings.terminology import CASEFHIR_SYSTEM_KEY, casefhir_concepts, system_url

CODESYSTEM_ID = "casefhir"
CODESYSTEM_VERSION = "1.0.0"


def casefhir_codesystem() -> dict[str, Any]:
    """The CodeSystem resource for https://casefhir.org/fhir/CodeSystem/casefhir.

    Its version changes only when a concept is added; a concept is never removed or re-used, so
    data written with an older version stays readable.
    """
    return {
        "resourceType": "CodeSystem",
        "id": CODESYSTEM_ID,
        "url": system_url(CASEFHIR_SYSTEM_KEY),
        "version": CODESYSTEM_VERSION,
        "name": "CasefhirConcepts",
        "title": "casefhir concepts for case-series findings without a verified standard code",
        "status": "active",
        "experimental": False,
        "publisher": "casefhir",
        "description": (
            "Concepts that oncology case series report and for which no standard code was verified "
            "(NTRK-rearranged spindle cell neoplasm, MRI flow voids, border definition, fat "
            "infiltration, signal intensities, Enneking marginal margin, TRK inhibitors, and the "
            "context categories of disease-status observations). See docs/terminology.md."
        ),
        "caseSensitive": True,
        "content": "complete",
        "count": len(casefhir_concepts()),
        "concept": [
            {"code": c.code, "display": c.display, "definition": c.definition}
            for c in casefhir_concepts()
        ],
    }


def terminology_markdown() -> str:
    """docs/terminology.md: every code casefhir writes, with its source."""
    from mappings.terminology import concepts

    lines = [
        "# Terminology",
        "",
        "Generated from `mappings/terminology/concepts.toml` (`casefhir terminology --markdown`).",
        "Every code casefhir writes is listed here with the source that verifies it: a VERIFIED "
        "row of the project's FHIR modeling guide (section named), a code fixed by a profile the "
        "resource claims, or casefhir's own CodeSystem. Terms the vocabularies do not know keep "
        "their text and get no code.",
        "",
        "## casefhir's own CodeSystem",
        "",
        f"URL `{system_url(CASEFHIR_SYSTEM_KEY)}`, version {CODESYSTEM_VERSION}; "
        "`casefhir terminology -o FILE` writes the CodeSystem resource. Codes are never removed "
        "or re-used. Identifier and tag systems: `https://casefhir.org/fhir/sid/case` "
        "(Patient.identifier, value `<series>#<case>`) and `https://casefhir.org/fhir/sid/series` "
        "(`meta.tag` of every resource, code = series id).",
        "",
        "| code | display | definition |",
        "|---|---|---|",
    ]
    lines += [f"| `{c.code}` | {c.display} | {c.definition} |" for c in casefhir_concepts()]
    lines += ["", "## Immunohistochemistry markers", "",
              "`mappings/terminology/markers.toml` names, for every marker an IHC cell may name, "
              "its canonical name, the aliases papers write, the approved HGNC symbol(s) where "
              "one gene is meant (none for protein families such as S100 or cytokeratins), and "
              "the source: the HGNC approved name of that gene (HGNC 2024-10-18, the table "
              "`genes.py` reads; tests check every symbol is approved and every name as quoted) "
              "or why no gene is given. Its LOINC codes are the `loinc-*-ihc*` concepts below, "
              "each enumerated with its display in mCODE 4.0.0's TumorMarkerTestVS."]
    lines += ["", "## Standard codes", "", "| key | system | code | display | source |",
              "|---|---|---|---|---|"]
    url = system_url(CASEFHIR_SYSTEM_KEY)
    lines += [f"| {c.key} | {c.system} | `{c.code}` | {c.display or ''} | {c.source or ''} |"
              for c in concepts().values() if c.system != url]
    return "\n".join(lines) + "\n"
