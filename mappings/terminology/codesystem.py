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


def code_tables() -> list[str]:
    """The releases of the code tables casefhir ships (gene ids, Sequence Ontology terms)."""
    from mappings.terminology.drugs import NCIT_RELEASE as DRUGS_NCIT
    from mappings.terminology.drugs import drugs
    from mappings.terminology.genes import HGNC_RELEASE, TABLE, approved_count
    from mappings.terminology.sequence_ontology import SO_RELEASE, sequence_terms
    from mappings.terminology.sequence_ontology import TABLE as SO_TABLE
    from mappings.terminology.tumours import ONCOTREE_RELEASE, ONCOTREE_SYSTEM, tumour_types

    coded_drugs = sum(1 for d in drugs().values() if d.ncit_code)
    return [
        f"- Genes: HGNC complete set, release {HGNC_RELEASE} (CC0): {approved_count():,} approved "
        f"symbols with their previous and alias symbols, and withdrawn symbols with their "
        f"successors (`mappings/terminology/{TABLE.name}`, {TABLE.stat().st_size // 1000:,} kB). "
        "System `http://www.genenames.org`, code the HGNC id, display the approved symbol.",
        f"- Sequence Ontology, release {SO_RELEASE} (CC BY 4.0): {len(sequence_terms())} terms "
        f"(DNA change types and molecular consequences; `mappings/terminology/{SO_TABLE.name}`). "
        "System `http://www.sequenceontology.org`.",
        f"- Tumour types: OncoTree {ONCOTREE_RELEASE} (CC BY 4.0, MSK): {len(tumour_types())} "
        "types with their NCIt codes and NCIt 25.12e preferred names "
        "(`mappings/terminology/oncotree.tsv`), matched after the curated `diagnosis` "
        "vocabulary. A Condition gets the NCIt code, the OncoTree code (system "
        f"`{ONCOTREE_SYSTEM}`: HL7 Terminology 7.0.1 names no OncoTree URI) and SNOMED "
        "363346000 Malignant neoplastic disease only when OncoTree's ICD-O mapping classes the "
        "type malignant (behaviour /3); the ICD-O codes themselves are not shipped. A curated "
        "`diagnosis` entry that is an OncoTree type (`oncotree = ...` in vocabularies.toml: "
        "infantile fibrosarcoma, fibrosarcoma, solitary fibrous tumour, alveolar soft part "
        "sarcoma) carries its own verified codes, the malignant-neoplasm code by the same rule "
        "when it has no SNOMED code of its own, and the OncoTree code; any name of that type "
        "is coded as the entry, so every name of one entity gives the same codes.",
        f"- Drugs: the GDC dictionary's therapeutic agents with their NCIt {DRUGS_NCIT} codes where "
        f"NCIt's preferred name is the agent's name ({coded_drugs} agents; "
        "`mappings/terminology/drugs.tsv`); system NCIt, display the NCIt preferred name. "
        "Every NCIt code of the output not listed under Standard codes (OncoTree's, the "
        "drugs') is checked against the NCIt release's code and preferred name by "
        "tests/mappings/test_verified_codes.py.",
        "- These tables are derived from `../shared/data/terminology/` by `scripts/derive_terminology.py`; "
        "`scripts/derive_terminology.py --check` (run by the tests) proves the shipped tables "
        "match their sources.",
    ]


def verified_codes() -> dict[str, tuple[str, str]]:
    """Concept key → (official display, the file that verifies the code), from verified.tsv
    (written by scripts/verify_terminology.py from the official files)."""
    import csv
    from importlib import resources

    text = resources.files("mappings.terminology").joinpath("verified.tsv").read_text("utf-8")
    return {row["key"]: (row["display"], row["verified_by"])
            for row in csv.DictReader(text.splitlines(), delimiter="\t")}


def terminology_markdown() -> str:
    """docs/terminology.md: every code casefhir writes, with the file that verifies it."""
    from mappings.terminology import concepts

    lines = [
        "# Terminology",
        "",
        "Generated from `mappings/terminology/concepts.toml` and `verified.tsv` "
        "(`casefhir terminology --markdown`).",
        "Every code casefhir writes is listed here with the file that verifies it: an official "
        "package in `../shared/fhir-packages/` (a CodeSystem's concept, a ValueSet's enumerated "
        "concept or filter root, a profile's fixed code, or, for LOINC answers no package "
        "enumerates, the package's example instances of the profile), R4 core 4.0.1 (HAPI's "
        "`hapi-fhir-validation-resources-r4` jar), the NCIt release or a VERIFIED row of the "
        "project's FHIR modeling guide, the code tables below, or casefhir's own CodeSystem. "
        "`python scripts/verify_terminology.py` finds the file and the official display for "
        "each code (`--check`, run by the tests, proves `verified.tsv` current); the display "
        "casefhir writes is that display (CodeSystem, else the ValueSet the concept's source "
        "names, else the display most enumerating ValueSets give, else a profile's, else the "
        "examples'); an empty official display means no offline file gives one. "
        "tests/mappings/test_verified_codes.py checks every coding of the example and corpus "
        "outputs against these files. Terms the vocabularies do not know keep their text and "
        "get no code.",
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
    lines += ["", "## Code tables", "", *code_tables(), "",
              "A previous symbol, or the alias of exactly one approved gene, is coded as that gene "
              "with a warning naming both (KRAS2 → KRAS); a symbol several genes share as previous "
              "symbol or alias is not coded (the warning lists the candidates), nor is the stem "
              "of a numbered family (SSX: SSX1, SSX2 ...) or a name papers use for several "
              "genes although HGNC's history gives it to one (PDGFR: PDGFRA or PDGFRB); a withdrawn "
              "symbol is not coded (the warning names the successor HGNC gives). "
              "`casefhir terminology --gene SYMBOL` shows what a symbol resolves to."]
    lines += ["", "## Immunohistochemistry markers", "",
              "`mappings/terminology/markers.toml` names, for every marker an IHC cell may name, "
              "its canonical name, the aliases papers write, the approved HGNC symbol(s) where "
              "one gene is meant (none for protein families such as S100 or cytokeratins), and "
              "the source: the HGNC approved name of that gene (HGNC 2024-10-18, the table "
              "`genes.py` reads; tests check every symbol is approved and every name as quoted) "
              "or why no gene is given. Its LOINC codes are the `loinc-*-ihc*` concepts below, "
              "each enumerated with its display in mCODE 4.0.0's TumorMarkerTestVS."]
    lines += ["", "## Standard codes", "",
              "| key | system | code | display | verified by | source |",
              "|---|---|---|---|---|---|"]
    url = system_url(CASEFHIR_SYSTEM_KEY)
    verified = verified_codes()
    lines += [f"| {c.key} | {c.system} | `{c.code}` | {c.display or ''} | "
              f"{verified[c.key][1] if c.key in verified else ''} | {c.source or ''} |"
              for c in concepts().values() if c.system != url]
    return "\n".join(lines) + "\n"
