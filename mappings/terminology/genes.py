"""Human gene symbols → approved HGNC genes, from the compact HGNC table shipped beside this module
(hgnc.tsv.gz, HGNC release HGNC_RELEASE, CC0; derived by scripts/derive_terminology.py).

A symbol resolves in this order, case-insensitively:
1. an approved symbol: coded, no warning;
2. the previous symbol or the alias of exactly one approved gene: coded as that gene, with a
   warning naming both (KRAS2 → KRAS);
3. a previous symbol or alias of several genes, or the stem of a numbered family (SSX for
   SSX1, SSX2...; HGNC lists SSX as a previous symbol of SSX2 alone): not coded; the warning
   lists the candidates;
4. a withdrawn symbol: not coded; the warning names the successor HGNC gives, if any;
5. anything else is unknown.
The table loads once, on first use (about 0.2 s); each lookup is a dict access.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HGNC_RELEASE = "2024-10-18"
HGNC_SYSTEM = "http://www.genenames.org"
TABLE = Path(__file__).with_name("hgnc.tsv.gz")


@dataclass(frozen=True, slots=True)
class GeneEntry:
    """One approved HGNC gene."""

    hgnc_id: str  # e.g. "HGNC:6407"
    symbol: str  # e.g. "KRAS"
    name: str  # e.g. "KRAS proto-oncogene, GTPase"
    locus_group: str  # e.g. "protein-coding gene"


@dataclass(frozen=True, slots=True)
class GeneResolution:
    """What a written symbol resolves to. `entry` is None when the symbol is not coded; `message`
    is the warning to give (None for an approved symbol)."""

    written: str
    status: str  # approved | previous | alias | ambiguous | withdrawn | unknown
    entry: GeneEntry | None = None
    candidates: tuple[str, ...] = ()  # approved symbols an ambiguous symbol could mean
    message: str | None = None


@dataclass(frozen=True, slots=True)
class _Index:
    approved: dict[str, GeneEntry]  # upper-case symbol → gene
    by_id: dict[str, GeneEntry]
    previous: dict[str, tuple[str, ...]]  # upper-case previous symbol → HGNC ids
    alias: dict[str, tuple[str, ...]]  # upper-case alias → HGNC ids
    withdrawn: dict[str, tuple[str, ...]]  # upper-case withdrawn symbol → successor HGNC ids


@cache
def _index() -> _Index:
    approved: dict[str, GeneEntry] = {}
    by_id: dict[str, GeneEntry] = {}
    previous: dict[str, list[str]] = {}
    alias: dict[str, list[str]] = {}
    withdrawn: dict[str, tuple[str, ...]] = {}
    with gzip.open(TABLE, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            kind, hgnc_id, symbol, name, locus_group, previous_symbols, aliases = (
                line.rstrip("\n").split("\t"))
            if kind == "W":
                withdrawn[symbol.upper()] = tuple(filter(None, previous_symbols.split("|")))
                continue
            entry = GeneEntry(hgnc_id, symbol, name, locus_group)
            approved[symbol.upper()] = entry
            by_id[hgnc_id] = entry
            for other in filter(None, previous_symbols.split("|")):
                previous.setdefault(other.upper(), []).append(hgnc_id)
            for other in filter(None, aliases.split("|")):
                alias.setdefault(other.upper(), []).append(hgnc_id)
    return _Index(approved, by_id, {k: tuple(v) for k, v in previous.items()},
                  {k: tuple(v) for k, v in alias.items()}, withdrawn)


@cache
def _stems() -> dict[str, tuple[str, ...]]:
    """Stem → the approved symbols that are the stem plus a number ('SSX' → SSX1, SSX2...)."""
    stems: dict[str, list[str]] = {}
    for key, entry in _index().approved.items():
        found = re.fullmatch(r"([A-Z][A-Z0-9]*?[A-Z])(\d+)", key)
        if found:
            stems.setdefault(found.group(1), []).append(entry.symbol)
    return {stem: tuple(sorted(members, key=lambda s: (len(s), s)))
            for stem, members in stems.items()}


def _family(key: str) -> tuple[str, ...]:
    return _stems().get(key, ())


def gene_by_symbol(symbol: str) -> GeneEntry | None:
    """The approved gene of this exact approved symbol (any case), or None."""
    return _index().approved.get(symbol.upper())


def gene_by_id(hgnc_id: str) -> GeneEntry | None:
    return _index().by_id.get(hgnc_id)


def approved_count() -> int:
    return len(_index().approved)


@cache
def resolve_gene(written: str) -> GeneResolution:
    """What `written` (one symbol, e.g. "KRAS2") stands for; see the module docstring."""
    index = _index()
    key = written.strip().upper()
    entry = index.approved.get(key)
    if entry is not None:
        return GeneResolution(written, "approved", entry)
    previous = index.previous.get(key, ())
    aliases = index.alias.get(key, ())
    ids = tuple(dict.fromkeys(previous + aliases))
    family = _family(key)
    if len(ids) <= 1 and len(family) >= 2:  # "SSX": a family's stem, whatever HGNC once said
        return GeneResolution(written, "ambiguous", candidates=family, message=(
            f"{written} names a gene family ({', '.join(family[:6])}"
            f"{', ...' if len(family) > 6 else ''}), not one gene; kept as text without a code"))
    if len(ids) == 1:
        entry = index.by_id[ids[0]]
        status = "previous" if previous else "alias"
        what = "a previous symbol" if previous else "an alias"
        return GeneResolution(written, status, entry, message=(
            f"gene {written} is {what} of {entry.symbol} ({entry.hgnc_id}, HGNC {HGNC_RELEASE}); "
            f"coded as {entry.symbol}"))
    if ids:
        candidates = tuple(sorted(index.by_id[hgnc_id].symbol for hgnc_id in ids))
        return GeneResolution(written, "ambiguous", candidates=candidates, message=(
            f"gene {written} is a previous symbol or alias of {len(candidates)} genes "
            f"({', '.join(candidates)}); kept as text without a code: write the approved symbol"))
    if key in index.withdrawn:
        successors = [index.by_id[i].symbol for i in index.withdrawn[key] if i in index.by_id]
        where = (f"; HGNC gives {' or '.join(successors)} as its successor" if successors
                 else "; HGNC names no successor")
        return GeneResolution(written, "withdrawn", candidates=tuple(successors), message=(
            f"gene symbol {written} was withdrawn by HGNC{where}; kept as text without a code"))
    return GeneResolution(written, "unknown", message=(
        f"{written} is not an HGNC gene symbol (HGNC {HGNC_RELEASE}); kept as text without a code"))


def gene_coding(entry: GeneEntry) -> dict[str, str]:
    """The HGNC coding of an approved gene (THO system URI, display the approved symbol)."""
    return {"system": HGNC_SYSTEM, "code": entry.hgnc_id, "display": entry.symbol}
