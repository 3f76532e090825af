"""Human gene symbols → approved HGNC genes, from the compact HGNC table shipped beside this module
(hgnc.tsv.gz, HGNC release HGNC_RELEASE, CC0; derived by scripts/derive_terminology.py).

A symbol resolves in this order, case-insensitively:
1. an approved symbol: coded, no warning;
2. the previous symbol or the alias of exactly one approved gene: coded as that gene, with a
   warning naming both (KRAS2 → KRAS);
3. a previous symbol or alias of several genes, or the stem of a numbered family (SSX for
   SSX1, SSX2...; HGNC lists SSX as a previous symbol of SSX2 alone), or a name papers use for
   several genes although HGNC's history gives it to one (SHARED_NAMES: PDGFR): not coded; the
   warning lists the candidates;
4. a withdrawn symbol: not coded; the warning names the successor HGNC gives, if any;
5. anything else is unknown.
The table loads once, on first use (0.25 s, 18 MB); each lookup is a dict access (about 0.1 µs
when cached).
"""

from __future__ import annotations

import gzip
import re
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
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
    locus_group: str  # e.g. "protein-coding gene"
    row: int = field(default=-1, compare=False, repr=False)  # its row of the table

    @property
    def name(self) -> str:
        """e.g. "KRAS proto-oncogene, GTPase" (read from the table when first asked)."""
        return _names()[self.row] if self.row >= 0 else ""


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
    """The approved genes as parallel columns: 18 MB of memory for 44,000 genes and their
    58,000 previous symbols and aliases, where one object per gene took 38 MB (the table is
    loaded by every conversion that reads a molecular cell; worker processes share it)."""

    symbols: list[str]  # row → approved symbol
    numbers: array[int]  # row → HGNC number, ascending (rows are in HGNC id order)
    groups: bytes  # row → index into group_names
    group_names: tuple[str, ...]
    approved: dict[str, int]  # upper-case symbol → row
    others: dict[str, int | tuple[int, ...]]  # upper-case previous symbol or alias → 2 * row +
    # (1 for a previous symbol), or a tuple of those when several genes have it
    withdrawn: dict[str, tuple[str, ...]]  # upper-case withdrawn symbol → successor HGNC ids


def _lines() -> Iterator[list[str]]:
    with gzip.open(TABLE, "rt", encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                yield line.rstrip("\n").split("\t")


@cache
def _index() -> _Index:
    symbols: list[str] = []
    numbers = array("I")
    groups = bytearray()
    group_names: dict[str, int] = {}
    approved: dict[str, int] = {}
    others: dict[str, int | tuple[int, ...]] = {}
    withdrawn: dict[str, tuple[str, ...]] = {}
    for kind, hgnc_id, symbol, _name, locus_group, previous_symbols, aliases in _lines():
        if kind == "W":
            withdrawn[symbol.upper()] = tuple(filter(None, previous_symbols.split("|")))
            continue
        row = len(symbols)
        symbols.append(symbol)
        numbers.append(int(hgnc_id.removeprefix("HGNC:")))
        groups.append(group_names.setdefault(locus_group, len(group_names)))
        upper = symbol.upper()
        approved[symbol if upper == symbol else upper] = row  # one string, not two, when it can
        for others_of_kind, is_previous in ((previous_symbols, 1), (aliases, 0)):
            for other in filter(None, others_of_kind.split("|")):
                key, code = sys.intern(other.upper()), 2 * row + is_previous
                known = others.get(key)
                others[key] = code if known is None else (
                    (*known, code) if isinstance(known, tuple) else (known, code))
    return _Index(symbols, numbers, bytes(groups), tuple(group_names), approved, others,
                  withdrawn)


# names HGNC gives to one gene (as a previous symbol) that papers write for several: PDGFR, a
# previous symbol of PDGFRB alone, is what GIST papers write for PDGFRA ("PDGFR D842V", the
# PDGFRA hotspot), so coding it PDGFRB would name the wrong gene
SHARED_NAMES = {"PDGFR": ("PDGFRA", "PDGFRB")}


@cache
def _names() -> list[str]:
    """Row → approved name (only `casefhir terminology --gene` and the tests ask)."""
    return [fields[3] for fields in _lines() if fields[0] == "A"]


def _entry(row: int) -> GeneEntry:
    index = _index()
    return GeneEntry(f"HGNC:{index.numbers[row]}", index.symbols[row],
                     index.group_names[index.groups[row]], row)


@cache
def _stems() -> dict[str, tuple[str, ...]]:
    """Stem → the approved symbols that are the stem plus a number ('SSX' → SSX1, SSX2...)."""
    stems: dict[str, list[str]] = {}
    index = _index()
    for key, row in index.approved.items():
        found = re.fullmatch(r"([A-Z][A-Z0-9]*?[A-Z])(\d+)", key)
        if found:
            stems.setdefault(found.group(1), []).append(index.symbols[row])
    return {stem: tuple(sorted(members, key=lambda s: (len(s), s)))
            for stem, members in stems.items()}


def _family(key: str) -> tuple[str, ...]:
    return _stems().get(key, ())


def gene_by_symbol(symbol: str) -> GeneEntry | None:
    """The approved gene of this exact approved symbol (any case), or None."""
    row = _index().approved.get(symbol.upper())
    return _entry(row) if row is not None else None


def gene_by_id(hgnc_id: str) -> GeneEntry | None:
    number = hgnc_id.removeprefix("HGNC:")
    if not number.isdigit():
        return None
    numbers = _index().numbers
    row = bisect_left(numbers, int(number))
    return _entry(row) if row < len(numbers) and numbers[row] == int(number) else None


def approved_count() -> int:
    return len(_index().symbols)


@cache
def resolve_gene(written: str) -> GeneResolution:
    """What `written` (one symbol, e.g. "KRAS2") stands for; see the module docstring."""
    index = _index()
    key = written.strip().upper()
    row = index.approved.get(key)
    if row is not None:
        return GeneResolution(written, "approved", _entry(row))
    found = index.others.get(key, ())
    codes = found if isinstance(found, tuple) else (found,)
    previous = tuple(code // 2 for code in codes if code % 2)
    ids = tuple(dict.fromkeys(code // 2 for code in codes))
    family = SHARED_NAMES.get(key) or _family(key)
    if len(ids) <= 1 and len(family) >= 2:  # "SSX": a family's stem, whatever HGNC once said
        return GeneResolution(written, "ambiguous", candidates=family, message=(
            f"{written} names a gene family ({', '.join(family[:6])}"
            f"{', ...' if len(family) > 6 else ''}), not one gene; kept as text without a code"))
    if len(ids) == 1:
        entry = _entry(ids[0])
        status = "previous" if previous else "alias"
        what = "a previous symbol" if previous else "an alias"
        return GeneResolution(written, status, entry, message=(
            f"gene {written} is {what} of {entry.symbol} ({entry.hgnc_id}, HGNC {HGNC_RELEASE}); "
            f"coded as {entry.symbol}"))
    if ids:
        candidates = tuple(sorted(index.symbols[row] for row in ids))
        return GeneResolution(written, "ambiguous", candidates=candidates, message=(
            f"gene {written} is a previous symbol or alias of {len(candidates)} genes "
            f"({', '.join(candidates)}); kept as text without a code: write the approved symbol"))
    if key in index.withdrawn:
        successors = [e.symbol for i in index.withdrawn[key] if (e := gene_by_id(i)) is not None]
        where = (f"; HGNC gives {' or '.join(successors)} as its successor" if successors
                 else "; HGNC names no successor")
        return GeneResolution(written, "withdrawn", candidates=tuple(successors), message=(
            f"gene symbol {written} was withdrawn by HGNC{where}; kept as text without a code"))
    return GeneResolution(written, "unknown", message=(
        f"{written} is not an HGNC gene symbol (HGNC {HGNC_RELEASE}); kept as text without a code"))


def gene_coding(entry: GeneEntry) -> dict[str, str]:
    """The HGNC coding of an approved gene (THO system URI, display the approved symbol)."""
    return {"system": HGNC_SYSTEM, "code": entry.hgnc_id, "display": entry.symbol}
