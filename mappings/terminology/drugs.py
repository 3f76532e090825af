"""Drug and regimen names → systemic therapy, from the compact table shipped beside this module
(drugs.tsv: the GDC dictionary's therapeutic agents — 4,473 once its answers "Other", "Unknown",
"Placebo"... are left out — with the NCIt code of the 63 whose name is an NCIt preferred name in
the shared NCIt 25.12e copy, plus regimen abbreviations; derived by
scripts/derive_terminology.py). A name without an NCIt code is still recognised as a drug: it
is coded only where the code is verified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

NCIT_RELEASE = "25.12e"


@dataclass(frozen=True, slots=True)
class Drug:
    name: str  # as the GDC list spells it ("Crizotinib"), or the regimen abbreviation
    kind: str  # "agent" or "regimen"
    ncit_code: str | None = None
    ncit_name: str | None = None
    agents: str | None = None  # a regimen's agents


def drug_key(text: str) -> str:
    """Case and punctuation ignored: "5-FU" = "5 fu", "5-FU/leucovorin" = "5 fu leucovorin"."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


@cache
def drugs() -> dict[str, Drug]:
    table: dict[str, Drug] = {}
    text = resources.files(__package__).joinpath("drugs.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        kind, name, code, preferred, agents = line.split("\t")
        table.setdefault(drug_key(name), Drug(name, kind, code or None, preferred or None,
                                              agents or None))
    return table


def find_drug(text: str) -> Drug | None:
    """The longest drug or regimen name among the words of `text` (the first such, left to
    right), or None: "adjuvant high-dose interferon alfa-2b" → Interferon Alfa-2B."""
    words = drug_key(text).split()
    table = drugs()
    for length in range(min(len(words), 6), 0, -1):
        for start in range(len(words) - length + 1):
            found = table.get(" ".join(words[start:start + length]))
            if found is not None:
                return found
    return None
