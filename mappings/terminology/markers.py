"""Immunohistochemistry markers → genes and LOINC codes, from markers.toml beside this module.

A marker name is not a gene symbol (SMA is smooth muscle actin, ACTA2; HGNC has SMA as a previous
symbol of SMN1), so IHC cells are read against this project-owned table, whose genes are
approved HGNC symbols (checked by tests/mappings/test_immunohistochemistry.py). Also the slug a
marker gets in resource ids, shared by the reader (one marker per case) and the mapping (its
role).
"""

from __future__ import annotations

import base64
import hashlib
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from mappings.terminology.genes import GeneEntry, gene_by_symbol

SLUG_CHARS = 14  # a role is at most 18 characters (converter/fhir/ids.py): "ihc-" + 14


@dataclass(frozen=True, slots=True)
class MarkerEntry:
    key: str  # the slug, e.g. "ki67"
    name: str  # canonical name, e.g. "Ki-67"
    aliases: tuple[str, ...]
    genes: tuple[str, ...]  # approved HGNC symbols
    source: str
    presence: str | None = None  # concept key of a marker-specific LOINC code for a result
    percent: str | None = None  # concept key of a marker-specific LOINC code for a percentage
    clones: dict[str, str] = field(default_factory=dict)  # clone → concept key
    scored: bool = False
    one_of: tuple[str, ...] = ()  # approved symbols the name may mean, not saying which

    def ambiguity(self) -> str | None:
        """The warning a name that may mean several genes gets ("PDGFR"), else None."""
        if not self.one_of:
            return None
        for symbol in self.one_of:
            entry = gene_by_symbol(symbol)
            if entry is None or entry.symbol != symbol:
                raise ValueError(f"markers.toml: {self.key}: {symbol} is not an approved HGNC symbol")
        genes = " or ".join(self.one_of) if len(self.one_of) == 2 else \
            f"{', '.join(self.one_of[:-1])} or {self.one_of[-1]}"
        return (f"{self.name} may be {genes}, and the cell does not say which; kept as that name "
                "without a gene")

    def gene_entries(self) -> tuple[GeneEntry, ...]:
        found = []
        for symbol in self.genes:
            entry = gene_by_symbol(symbol)
            if entry is None or entry.symbol != symbol:
                raise ValueError(f"markers.toml: {self.key}: {symbol} is not an approved HGNC symbol")
            found.append(entry)
        return tuple(found)


@cache
def markers() -> dict[str, MarkerEntry]:
    text = resources.files(__package__).joinpath("markers.toml").read_text(encoding="utf-8")
    return {
        key: MarkerEntry(
            key=key, name=item["name"], aliases=tuple(item.get("aliases", ())),
            genes=tuple(item.get("genes", ())), source=item["source"],
            presence=item.get("presence"), percent=item.get("percent"),
            clones=dict(item.get("clones", {})), scored=bool(item.get("scored", False)),
            one_of=tuple(item.get("one_of", ())))
        for key, item in tomllib.loads(text)["markers"].items()
    }


@cache
def spellings() -> dict[str, str]:
    """Every name and alias, case-folded → marker key."""
    index: dict[str, str] = {}
    for entry in markers().values():
        for spelling in (entry.name, *entry.aliases):
            folded = spelling.casefold()
            if index.get(folded, entry.key) != entry.key:
                raise ValueError(f"markers.toml: {spelling!r} names both {index[folded]} and "
                                 f"{entry.key}")
            index[folded] = entry.key
    return index


def marker_slug(name: str) -> str:
    """The marker's part of its resource role: the letters and digits of its name, lower case,
    at most SLUG_CHARS; a longer (or non-Latin) name keeps 8 of them and 6 characters of its
    SHA-256, so two names never share a slug by being cut short (names that differ only in
    punctuation or case share one: they are the same marker)."""
    spelled = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]", "", spelled.casefold())
    if slug and len(slug) <= SLUG_CHARS and name.isascii():
        return slug
    digest = base64.b32encode(hashlib.sha256(name.encode("utf-8")).digest()).decode("ascii")
    return f"{slug[:8]}{digest.lower()[:6]}"
