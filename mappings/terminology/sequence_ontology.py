"""Sequence Ontology terms casefhir may write (DNA change types, molecular consequences), from
the compact table so.tsv shipped beside this module (SO release SO_RELEASE, CC BY 4.0; derived by
scripts/derive_terminology.py from so.obo). Terms are asked for by name, e.g. "missense_variant".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SO_RELEASE = "2025-09-10"
SO_SYSTEM = "http://www.sequenceontology.org"
TABLE = Path(__file__).with_name("so.tsv")


@dataclass(frozen=True, slots=True)
class SequenceTerm:
    id: str  # e.g. "SO:0001583"
    name: str  # e.g. "missense_variant"
    dna_change_type: bool  # in Genomics Reporting's dna-change-type-vs (is-a SO:0002072)
    consequence: bool  # in Genomics Reporting's molecular-consequence-vs (is-a SO:0001537)


@cache
def sequence_terms() -> dict[str, SequenceTerm]:
    """Every term of the table by name."""
    terms: dict[str, SequenceTerm] = {}
    for line in TABLE.read_text("utf-8").splitlines():
        if line.startswith("#"):
            continue
        term_id, name, dna, consequence = line.split("\t")
        terms[name] = SequenceTerm(term_id, name, dna == "y", consequence == "y")
    return terms


def so_coding(name: str) -> dict[str, Any]:
    """The coding of an SO term by name; a name not in the table is a casefhir bug (the parsers
    produce only names of the table, which a test checks)."""
    term = sequence_terms()[name]
    return {"system": SO_SYSTEM, "code": term.id, "display": term.name}
