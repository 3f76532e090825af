"""A gene symbol as a table writes it → the schema's Gene: the approved HGNC gene it resolves to
(mappings/terminology/genes.py), with the resolution's warning; text only when not coded."""

from __future__ import annotations

from converter.read.schema import Gene
from converter.read.values.text import Warn
from mappings.terminology.genes import resolve_gene


def gene_of(symbol: str, warn: Warn) -> Gene:
    written = symbol.strip()
    found = resolve_gene(written)
    if found.message:
        warn(found.message)
    if found.entry is None:
        return Gene(written)
    return Gene(written, found.entry.symbol, found.entry.hgnc_id)
