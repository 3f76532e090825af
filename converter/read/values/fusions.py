"""Gene fusions: `TPM3-NTRK1`, `TPM3::NTRK1`, `ETV6/NTRK3`, `NTRK1 fusion`, negatives, and the
gene symbols casefhir can code.
"""

from __future__ import annotations

import re

from converter.problems import shorten
from converter.read.schema import Finding, Gene
from converter.read.values.text import DASHES, InvalidValue, Warn, norm
from mappings.terminology.genes import gene_by_symbol

_NOT_GENES = {"FUSION", "FUSIONS", "GENE", "GENES", "REARRANGEMENT", "REARRANGED", "POSITIVE", "PARTNER",
              "NOT", "REPORTED", "UNKNOWN", "SIGNAL", "NGS", "RNA", "DNA", "TRANSLOCATION", "DETECTED",
              "AND", "WITH", "FISH", "PCR", "RT", "IHC", "NA", "ND", "NR", "OF", "THE", "TYPE", "VARIANT",
              "EXON", "INTRON", "BREAK", "APART", "SPLIT", "PROBE", "IN", "FRAME", "INFRAME", "NOVEL", "AT"}


_NEGATIVE_FUSION = {"negative", "neg", "-", "none", "no", "not detected", "none detected",
                    "no fusion", "no fusion detected", "wild type", "wt", "absent",
                    "no ntrk fusion", "ntrk negative", "fusion negative", "no rearrangement",
                    "not found"}


_GENE = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def _gene(symbol: str) -> Gene:
    entry = gene_by_symbol(symbol)
    return Gene(symbol, entry.symbol, entry.hgnc_id) if entry else Gene(symbol)


def parse_molecular(text: str, hint: str | None, warn: Warn) -> tuple[Finding, ...]:
    return parse_fusion(text, hint, warn)


def parse_fusion(text: str, hint: str | None, warn: Warn) -> tuple[Finding, ...]:
    raw = text.strip()
    if norm(raw) in _NEGATIVE_FUSION or raw in DASHES:
        return (Finding("fusion", False, raw, tuple(_gene(g) for g in (hint or "").split())),)
    if len(raw) > 200:
        raise InvalidValue("too long for a fusion; write e.g. TPM3::NTRK1")
    # t(12;15)(p13;q25) style karyotypes carry no gene symbols
    scrubbed = re.sub(r"\bt\(\d+;\d+\)(\([^)]*\))?", " ", raw)
    genes: list[str] = []
    for token in _GENE.findall(scrubbed):
        symbol = token.upper()
        is_symbol = token == symbol and len(token) >= 2 and not token.isdigit()
        if symbol in _NOT_GENES or not (is_symbol or gene_by_symbol(symbol) is not None):
            continue
        if symbol not in genes:
            genes.append(symbol)
    if len(genes) > 2:
        raise InvalidValue(
            "names more than two genes; give one fusion per case, e.g. ETV6::NTRK3")
    if not genes:
        warn(f"{shorten(raw, 80)!r} names no gene; recorded as a fusion with unknown genes")
    for symbol in genes:
        if gene_by_symbol(symbol) is None:
            if re.fullmatch(r"NTRK", symbol):
                warn("'NTRK' is not a gene symbol (NTRK1, NTRK2 or NTRK3?); kept as text")
            else:
                warn(f"gene {symbol} has no verified HGNC id in casefhir; kept as text without a code")
    return (Finding("fusion", True, raw, tuple(_gene(g) for g in genes)),)
