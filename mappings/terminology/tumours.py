"""Tumour types from OncoTree 2025-10-03 (CC BY 4.0, MSK), each with its NCIt code and
preferred name (NCIt 25.12e), from the compact table oncotree.tsv beside this module (derived by
scripts/derive_terminology.py). The readers match a diagnosis cell against these names (after
the curated `diagnosis` vocabulary); the mappings code what matched.

`behaviour` is the ICD-O behaviour of OncoTree's mapping, as a word; casefhir uses it for one
thing only: a diagnosis carries the malignant-neoplasm code (SNOMED 363346000) when, and only
when, its type is classed malignant.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

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
