"""Tumour types from OncoTree 2025-10-03 (CC BY 4.0, MSK), each with its NCIt code and
preferred name (NCIt 25.12e), from the compact table oncotree.tsv beside this module (derived by
scripts/derive_terminology.py). The readers match a diagnosis cell against these names (after
the curated `diagnosis` vocabulary); the mappings code what matched.

`behaviour` is the ICD-O behaviour of OncoTree's mapping, as a word; casefhir uses it for one
thing only: a diagnosis carries the malignant-neoplasm code (SNOMED 363346000) when, and only
when, its type is classed malignant.

Besides OncoTree's own names, papers write a type by names OncoTree and NCIt do not spell
(`ALIASES`) and by capitalised abbreviations inside longer words (`ABBREVIATIONS`: "Rectal
GIST"). A curated `diagnosis` entry of vocabularies.toml that is an OncoTree type names it
(`oncotree = "IFS"`), so every name of the entity gives the same codes (`curated_key`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mappings.terminology import vocabulary

ONCOTREE_RELEASE = "oncotree_2025_10_03"
# No canonical URI for OncoTree exists in HL7 Terminology 7.0.1; casefhir names its codes under
# its own URI (docs/terminology.md) rather than guess one.
ONCOTREE_SYSTEM = "https://casefhir.org/fhir/CodeSystem/oncotree"
KEY_PREFIX = "oncotree:"  # a diagnosis Term's key when OncoTree, not the vocabulary, matched
TABLE = Path(__file__).with_name("oncotree.tsv")


@dataclass(frozen=True, slots=True)
class TumourType:
    code: str  # OncoTree code, e.g. "SYNS"
    name: str  # e.g. "Synovial Sarcoma"
    main_type: str
    tissue: str
    parent: str
    ncit: str  # NCIt code, e.g. "C3400" ("" when OncoTree gives none)
    ncit_name: str
    behaviour: str  # malignant | uncertain | benign | in-situ | ""

    @property
    def is_tissue(self) -> bool:
        """OncoTree's first level ("Kidney", "Soft Tissue") names an organ, not a tumour type."""
        return self.parent == "TISSUE"


# Names of a type that neither OncoTree nor NCIt spells, written as casefhir's reader normalises
# them (lower case, punctuation as space, "tumour" as "tumor", "Ewing's" as "ewing"). WHO
# (soft tissue and bone, 2013 and 2020) calls the tumour once named "Ewing sarcoma/peripheral
# primitive neuroectodermal tumour" Ewing sarcoma: outside the CNS, PNET is its former name.
ALIASES: dict[str, str] = {
    "ewing sarcoma primitive neuroectodermal tumor": "ES",
    "ewing sarcoma peripheral primitive neuroectodermal tumor": "ES",
    "ewing sarcoma pnet": "ES",
    "peripheral primitive neuroectodermal tumor": "ES",
    "peripheral pnet": "ES",
    "non small cell lung carcinoma": "NSCLC",
}

# Types whose name, inside longer words, may be another type: read alone only. OncoTree's
# PNET is the CNS embryonal tumour; a "primitive neuroectodermal tumour of the kidney" is,
# outside the CNS, what WHO calls Ewing sarcoma (its "peripheral PNET" is an alias above).
NOT_INSIDE: dict[str, str] = {
    "PNET": "outside the CNS a PNET is Ewing sarcoma (WHO), and the words do not say which",
}

# Abbreviations papers write in capitals inside longer words ("Rectal GIST", "metastatic IMT",
# "ES/PNET"), each the OncoTree code of the type it abbreviates. Only these: many OncoTree codes
# are also gene symbols or words ("ALK"-like codes, "OS", "ES", "WT"), so a code is read inside
# a text only when it is listed here (alone in a cell any OncoTree code in capitals is read).
ABBREVIATIONS: dict[str, str] = {
    "GIST": "GIST", "IMT": "IMT", "SFT": "SFT", "ASPS": "ASPS", "MPNST": "MPNST",
    "NSCLC": "NSCLC", "SCLC": "SCLC", "LUAD": "LUAD", "LUSC": "LUSC", "DFSP": "DFSP",
    "DSRCT": "DSRCT", "IFS": "IFS", "RMS": "RMS", "ERMS": "ERMS", "ARMS": "ARMS",
    "LMS": "LMS", "AML": "AML", "CML": "CML", "HCC": "HCC", "RCC": "RCC",
    "PEComa": "PECOMA", "ES/PNET": "ES", "pPNET": "ES", "PPNET": "ES",
}


@cache
def tumour_types() -> dict[str, TumourType]:
    types: dict[str, TumourType] = {}
    for line in TABLE.read_text("utf-8").splitlines():
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        types[fields[0]] = TumourType(*fields)
    return types


def tumour_of_key(key: str | None) -> TumourType | None:
    """The tumour type of a diagnosis Term's key, if OncoTree matched it."""
    if key is None or not key.startswith(KEY_PREFIX):
        return None
    return tumour_types().get(key.removeprefix(KEY_PREFIX))


@cache
def _curated_keys() -> dict[str, str]:
    """OncoTree code → the curated `diagnosis` entry that names it (`oncotree = ...`)."""
    linked: dict[str, str] = {}
    for key, entry in vocabulary("diagnosis").items():
        code = entry.attributes.get("oncotree")
        if isinstance(code, str):
            linked[code] = key
    return linked


def curated_key(code: str) -> str | None:
    """The curated `diagnosis` entry that is OncoTree type `code`, if any: a name OncoTree
    matched is coded as that entry, so "Giant multinodular infantile fibrosarcoma" and
    "Infantile fibrosarcoma" carry the same codes."""
    return _curated_keys().get(code)


def tumour_of_entry(key: str) -> TumourType | None:
    """The OncoTree type a curated `diagnosis` entry names, if any."""
    entries = vocabulary("diagnosis")
    code = entries[key].attributes.get("oncotree") if key in entries else None
    return tumour_types().get(code) if isinstance(code, str) else None
