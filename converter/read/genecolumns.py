"""Molecular column headers that name genes: 'EGFR', 'KRAS mutation', 'ALK status',
'NTRK fusion', 'NTRK1-3 rearrangement', 'EGFR/ALK/ROS1'.

Such a header binds to the `molecular` column (or `fusion`, when it says fusion, rearrangement
or translocation), and its genes become the column's context: a cell that names no gene ('L858R',
'wt', 'negative', 'positive') is about them. Only approved HGNC symbols written in capitals count
as genes here — previous symbols and aliases are not trusted in a header, where 'FISH', 'SEX' or
'MRI' (aliases of unrelated genes) are ordinary words.
"""

from __future__ import annotations

import re

from mappings.terminology.genes import gene_by_symbol

# header words that may follow the genes, and whether they make it a fusion column
MOLECULAR_TAILS = {
    "mutation": False, "mutations": False, "mutated": False, "mutant": False, "status": False,
    "mutation status": False, "mutational status": False, "alteration": False,
    "alterations": False, "result": False, "results": False, "variant": False,
    "variants": False, "gene": False, "genes": False, "testing": False, "test": False,
    "amplification": False, "amplified": False, "copy number": False, "cnv": False,
    "deletion": False, "homozygous deletion": False, "loss": False, "gain": False,
    "fusion": True, "fusions": True, "rearrangement": True, "rearrangements": True,
    "translocation": True, "fusion status": True, "rearrangement status": True,
    "fusion gene": True, "gene fusion": True, "gene rearrangement": True,
}

# gene families tables name by their stem (the pan-TRK antibody's genes)
FAMILIES = {"NTRK": ("NTRK1", "NTRK2", "NTRK3")}

_RANGE = re.compile(r"([A-Z][A-Z0-9]*?)(\d+)((?:[-/]\d+)+)")
_LETTERS = re.compile(r"\b([A-Z][A-Z0-9]*\d)([A-Z])((?:/[A-Z])+)\b")  # CDKN2A/B
_SLASHED = re.compile(r"\b([A-Z][A-Z0-9]*?\d+(?:/\d+)+)\b")  # NTRK1/2/3


def _protect(header: str) -> str:
    """Gene families written with slashes as one token each, so '/' can then separate genes."""
    header = _LETTERS.sub(lambda m: ",".join(
        m.group(1) + letter for letter in (m.group(2), *m.group(3).split("/")[1:])), header)
    return _SLASHED.sub(lambda m: m.group(1).replace("/", "~"), header)


def _genes_of_token(token: str) -> tuple[str, ...] | None:
    """The genes one capitalised header token names ('EGFR', 'NTRK', 'NTRK1-3', 'NTRK1/2/3'),
    or None."""
    if token in FAMILIES:
        return FAMILIES[token]
    if not token.isupper():
        return None
    entry = gene_by_symbol(token)
    if entry is not None and entry.symbol == token:
        return (token,)
    found = _RANGE.fullmatch(token.replace("~", "/"))
    if found:
        stem, first, rest = found.groups()
        numbers = [int(first), *(int(n) for n in re.findall(r"\d+", rest))]
        if rest.startswith("-") and len(numbers) == 2 and numbers[0] < numbers[1] <= numbers[0] + 9:
            numbers = list(range(numbers[0], numbers[1] + 1))
        symbols = tuple(f"{stem}{n}" for n in numbers)
        if all(gene_by_symbol(s) is not None for s in symbols):
            return symbols
    return None


def header_genes(header: str) -> tuple[str, ...]:
    """Every gene a header names, in order ('NTRK fusion' → NTRK1, NTRK2, NTRK3)."""
    genes: list[str] = []
    for token in re.split(r"[\s,;/()+&]+|(?<=[A-Z0-9])-(?=[A-Za-z])", _protect(header.strip())):
        for symbol in _genes_of_token(token.strip(".:-")) or ():
            if symbol not in genes:
                genes.append(symbol)
    return tuple(genes)


def gene_column(header: str) -> tuple[str, tuple[str, ...]] | None:
    """('molecular' or 'fusion', genes) for a header made of gene names and at most one
    molecular word after them ('EGFR', 'KRAS mutation', 'ALK/ROS1 status', 'NTRK fusion'), or
    None."""
    words = header.strip()
    tail_is_fusion = False
    lowered = re.sub(r"[\s_]+", " ", words.casefold())
    for tail in sorted(MOLECULAR_TAILS, key=len, reverse=True):
        if lowered.endswith(" " + tail):
            words = words[: len(words) - len(tail)].strip(" -_")
            tail_is_fusion = MOLECULAR_TAILS[tail]
            break
    tokens = [t for t in re.split(r"[\s,;/+&]+|(?<=[A-Z0-9])-(?=[A-Za-z])", _protect(words)) if t]
    if not tokens:
        return None
    genes: list[str] = []
    for token in tokens:
        if token.casefold() in ("and", "or"):
            continue
        symbols = _genes_of_token(token)
        if symbols is None:
            return None
        genes.extend(s for s in symbols if s not in genes)
    if not genes:
        return None
    return ("fusion" if tail_is_fusion else "molecular"), tuple(genes)
