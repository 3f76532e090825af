"""INTERIM (replaced by the alteration grammar): canonical text of a finding."""

from __future__ import annotations

from converter.read.schema import Finding


def finding_text(finding: Finding) -> str:
    genes = " ".join(g.label for g in finding.genes)
    if finding.kind == "fusion":
        return "::".join(g.label for g in finding.genes) or "fusion"
    if finding.kind == "copy-number":
        return f"{genes} {finding.copy_number}"
    parts = [genes, finding.protein_change or "", finding.coding_change or ""]
    return " ".join(p for p in parts if p)
