"""Gene fusions: an mCODE GenomicVariant (GRIG Variant) per fusion, inside an mCODE
GenomicsReport. Following guide §3.2-3.5: value Present (LA9633-4), one gene-studied component per
partner gene (5' first), DNA change type and molecular consequence SO:0001565 gene_fusion, the
HGNC "::" notation as variation code text, somatic origin, and the method. A negative result is
the mCODE pertinent negative: value Absent with NTRK1-3 as genes studied."""

from __future__ import annotations

from typing import Any

from converter.read.schema import CaseRecord
from mappings import profiles
from mappings.common import (
    CaseResources,
    Cells,
    Resource,
    patient_ref,
    ref,
    resource,
    specimen_ref,
    term_concept,
    text_of,
)
from mappings.pathology import PAN_TRK_GENES, gene_component
from mappings.terminology import codeable, concepts


def _gene(symbol: str) -> dict[str, Any]:
    key = f"hgnc-{symbol}"
    return gene_component(symbol, key if key in concepts() else None)


def _components(record: CaseRecord) -> list[dict[str, Any]]:
    fusion = record.fusion
    assert fusion is not None
    if not fusion.detected:
        return [gene_component(symbol, key) for symbol, key in PAN_TRK_GENES]
    components = [_gene(symbol) for symbol in fusion.genes]
    components += [
        {"code": codeable("dna-change-type"), "valueCodeableConcept": codeable("gene-fusion")},
        {"code": codeable("molecular-consequence"),
         "valueCodeableConcept": codeable("gene-fusion")},
        {"code": codeable("discrete-genetic-variant"),
         "valueCodeableConcept": {"text": fusion.notation}},
        {"code": codeable("genomic-source-class"), "valueCodeableConcept": codeable("somatic")},
    ]
    return components


def to_fhir_genomics(record: CaseRecord) -> list[Resource]:
    fusion = record.fusion
    if fusion is None:
        return []
    method = (term_concept(record.fusion_method, "fusion_method", "method")
              if record.fusion_method is not None else None)
    variant = resource(
        "Observation", record, "fusion", profiles.GENOMIC_VARIANT,
        status="final",
        category=[codeable("laboratory"), codeable("genetics")],
        code=codeable("genetic-variant-assessment"),
        subject=patient_ref(record),
        valueCodeableConcept=codeable("loinc-present" if fusion.detected else "loinc-absent",
                                      text=fusion.text),
        method=method,
        specimen=specimen_ref(record),
        component=_components(record),
    )
    conclusion = (f"{fusion.notation} fusion detected" if fusion.detected and len(fusion.genes) > 1
                  else f"{fusion.notation} detected" if fusion.detected
                  else "No gene fusion detected")
    report = resource(
        "DiagnosticReport", record, "genomics-report", profiles.GENOMICS_REPORT,
        status="final",
        category=[codeable("genetics")],
        code=codeable("genetic-analysis-report", "master-genetic-variant-panel",
                      text="Molecular testing for gene fusions"),
        subject=patient_ref(record),
        specimen=[specimen_ref(record)],
        result=[ref("Observation", record, "fusion")],
        conclusion=conclusion,
    )
    return [variant, report]


def from_fhir_genomics(case: CaseResources) -> Cells:
    """fusion and fusion_method back from the GenomicVariant."""
    variant = case.get("fusion")
    if variant is None:
        return {}
    cells = {"fusion": variant["valueCodeableConcept"]["text"]}
    method = text_of(variant.get("method"))
    if method:
        cells["fusion_method"] = method
    return cells
