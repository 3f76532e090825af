"""Molecular findings: one mCODE GenomicVariant (Genomics Reporting 3.0.0 Variant) Observation per
finding, all in one mCODE GenomicsReport per case (guide §3; mCODE 4.0.0 mcode-genomic-variant
slices).

- value: Present (LA9633-4) for a detected alteration; Absent (LA9634-2) for a negative or
  wild-type result, with the genes tested negative as gene-studied (mCODE pertinent negatives).
- gene-studied (48018-6) per gene: the HGNC id of an approved symbol, text for anything else.
- fusion: coding-change-type and molecular-consequence SO gene_fusion; variation-code text the
  HGNC "::" notation (exons and variant in words); rearrangement: variation-code text only (a
  break-apart result names no partner, so no fusion is claimed).
- sequence variant: coding-change-type from the c. change, molecular-consequence from the p.
  change (by definition: p.Val600Glu is a missense_variant), coding-hgvs (48004-6) only with a
  transcript (a full HGVS expression is the code), transcript-ref-seq, variation-code text.
- copy number: coding-change-type copy_number_gain / copy_number_loss, copy-number (82155-3)
  when the copies are stated.
- allele frequency (81258-6) as a fraction (UCUM "1"); genomic-source-class only when the words
  say somatic or germline; the method from the finding's own words, else the method column.
- a finding the grammar could not read: an Observation holding its words (valueString), coded
  with casefhir's `molecular-finding-as-written`, claiming no profile.
"""

from __future__ import annotations

from typing import Any

from converter.fhir.ids import role_in_case
from converter.read.schema import CaseRecord, Finding, Gene, plain_number
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
from mappings.terminology import codeable, system_url
from mappings.terminology.genes import gene_by_id, gene_coding
from mappings.terminology.sequence_ontology import so_coding

# Observation roles by kind of finding ("fusion", "fusion-2"...); the report lists them in this
# order, so it does not depend on which column a finding was read from
ROLES = {"fusion": "fusion", "rearrangement": "rearrangement", "variant": "variant",
         "copy-number": "copy-number", "alteration": "alteration", "unparsed": "molecular-text"}
KIND_ORDER = tuple(ROLES)
FUSION_KINDS = ("fusion", "rearrangement")
COPY_NUMBER_CHANGE = {"amplification": "copy_number_gain", "gain": "copy_number_gain",
                      "loss": "copy_number_loss", "deletion": "copy_number_loss",
                      "homozygous deletion": "copy_number_loss",
                      "heterozygous deletion": "copy_number_loss"}


def finding_roles(record: CaseRecord) -> list[tuple[str, Finding]]:
    """(role, finding) for each finding, in report order: by kind, then as the table gives them."""
    roles: list[tuple[str, Finding]] = []
    for kind in KIND_ORDER:
        same = [f for f in record.findings if f.kind == kind]
        for number, finding in enumerate(same, start=1):
            roles.append((ROLES[kind] if number == 1 else f"{ROLES[kind]}-{number}", finding))
    return roles


def gene_studied(gene: Gene) -> dict[str, Any]:
    entry = gene_by_id(gene.hgnc_id) if gene.hgnc_id else None
    value = {"coding": [gene_coding(entry)]} if entry else {"text": gene.text}
    return {"code": codeable("gene-studied"), "valueCodeableConcept": value}


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def variation_text(finding: Finding) -> str | None:
    """What was found, in words: "ETV6::NTRK3", "BRAF p.Val600Glu", "ERBB2 amplification"."""
    genes = " ".join(g.label for g in finding.genes)
    if finding.kind == "fusion":
        name = finding.fusion_notation or (f"{genes} fusion (partner not reported)" if genes
                                           else "fusion (genes not reported)")
        exons = [f"{g.label} exon {e}" for g, e in zip(finding.genes, finding.exons, strict=False)
                 if e]
        details = ", ".join([*exons, *([finding.fusion_variant] if finding.fusion_variant else [])])
        return f"{name} ({details})" if details else name
    if finding.kind == "rearrangement":
        return f"{genes} rearrangement".strip()
    if finding.kind == "variant":
        change = [c for c in (finding.exon_change, finding.protein_change,
                              f"({finding.coding_change})" if finding.protein_change and
                              finding.coding_change else finding.coding_change) if c]
        return " ".join([genes, *change]).strip() or None
    if finding.kind == "copy-number":
        return " ".join(x for x in (genes, finding.copy_number) if x) or None
    return None


def conclusion_of(finding: Finding) -> str:
    """One finding's part of the report's conclusion."""
    genes = [g.label for g in finding.genes]
    if finding.kind == "unparsed":
        return f"as written: {finding.text}"
    if finding.present is False:
        what = {"fusion": "fusion", "rearrangement": "rearrangement", "variant": "variant",
                "copy-number": finding.copy_number or "copy number change",
                "alteration": "alteration"}[finding.kind]
        if not genes:
            return f"No gene {what} detected" if finding.kind in FUSION_KINDS else f"No {what} detected"
        return f"No {_listed(genes)} {what} detected"
    if finding.kind == "alteration":
        return f"{' '.join(genes) or 'Gene'} alteration detected"
    found = variation_text(finding) or " ".join(genes) or finding.text
    return f"{found} fusion detected" if finding.fusion_notation and found == \
        finding.fusion_notation else f"{found} detected"


def _components(finding: Finding) -> list[dict[str, Any]]:
    def component(key: str, value: dict[str, Any], kind: str = "valueCodeableConcept") -> None:
        components.append({"code": codeable(key), kind: value})

    components = [gene_studied(gene) for gene in finding.genes]
    change_type = finding.change_type
    consequence = finding.consequence
    if finding.kind == "fusion":
        change_type = change_type or "gene_fusion"
        consequence = consequence or "gene_fusion"
    elif finding.kind == "copy-number" and finding.copy_number:
        change_type = change_type or COPY_NUMBER_CHANGE.get(finding.copy_number)
    if finding.transcript and finding.coding_change:
        expression = f"{finding.transcript}:{finding.coding_change}"
        component("coding-hgvs", {"coding": [{"system": system_url("hgvs"), "code": expression}]})
    if finding.transcript:
        refseq = finding.transcript.startswith(("NM_", "NR_", "XM_", "XR_"))
        component("transcript-ref-seq", (
            {"coding": [{"system": system_url("refseq"), "code": finding.transcript}]} if refseq
            else {"text": finding.transcript}))
    if change_type:
        component("dna-change-type", {"coding": [so_coding(change_type)]})
    if consequence and finding.present:
        component("molecular-consequence", {"coding": [so_coding(consequence)]})
    variation = variation_text(finding) if finding.present else None
    if variation:
        component("discrete-genetic-variant", {"text": variation})
    if finding.copies is not None:
        component("copy-number", {"value": finding.copies, "system": system_url("ucum"),
                                  "code": "1"}, "valueQuantity")
    if finding.allele_frequency is not None:
        fraction = plain_number(round(finding.allele_frequency / 100, 6))
        component("allelic-frequency", {"value": fraction, "system": system_url("ucum"),
                                        "code": "1"}, "valueQuantity")
    if finding.origin:
        component("genomic-source-class", codeable(finding.origin))
    return components


def _observation(record: CaseRecord, role: str, finding: Finding) -> Resource:
    method_term = finding.method or record.molecular_method
    method = term_concept(method_term, "fusion_method", "method") if method_term else None
    if finding.kind == "unparsed":
        return resource(
            "Observation", record, role,
            status="final",
            category=[codeable("laboratory"), codeable("genetics")],
            code=codeable("molecular-finding-as-written"),
            subject=patient_ref(record),
            valueString=finding.text,
            method=method,
            specimen=specimen_ref(record),
        )
    return resource(
        "Observation", record, role, profiles.GENOMIC_VARIANT,
        status="final",
        category=[codeable("laboratory"), codeable("genetics")],
        code=codeable("genetic-variant-assessment"),
        subject=patient_ref(record),
        valueCodeableConcept=codeable("loinc-present" if finding.present else "loinc-absent",
                                      text=finding.text),
        method=method,
        specimen=specimen_ref(record),
        component=_components(finding),
    )


def to_fhir_genomics(record: CaseRecord) -> list[Resource]:
    roles = finding_roles(record)
    if not roles:
        return []
    observations = [_observation(record, role, finding) for role, finding in roles]
    only_fusions = all(f.kind in FUSION_KINDS for _, f in roles)
    report = resource(
        "DiagnosticReport", record, "genomics-report", profiles.GENOMICS_REPORT,
        status="final",
        category=[codeable("genetics")],
        code=codeable("genetic-analysis-report", "master-genetic-variant-panel",
                      text="Molecular testing for gene fusions" if only_fusions
                      else "Molecular testing"),
        subject=patient_ref(record),
        specimen=[specimen_ref(record)],
        result=[ref("Observation", record, role) for role, _ in roles],
        conclusion="; ".join(conclusion_of(finding) for _, finding in roles),
    )
    return [*observations, report]


def _finding_roles(case: CaseResources) -> list[str]:
    report = case.get("genomics-report")
    if report is None:
        return []
    patient = report["subject"]["reference"].removeprefix("Patient/")
    return [role_in_case(r["reference"].removeprefix("Observation/"), patient)
            for r in report["result"]]


def from_fhir_genomics(case: CaseResources) -> Cells:
    """fusion, molecular and molecular_method back from the report's Observations: fusions and
    rearrangements in `fusion`, the other findings in `molecular`, each as written; the method
    column is the first method not already in a finding's own words."""
    fusions: list[str] = []
    others: list[str] = []
    method: str | None = None
    for role in _finding_roles(case):
        observation = case.get(role)
        if observation is None:
            continue
        text = observation.get("valueString") or observation["valueCodeableConcept"]["text"]
        kind = role.rsplit("-", 1)[0] if role[-1].isdigit() else role
        (fusions if kind in FUSION_KINDS else others).append(text)
        own = text_of(observation.get("method"))
        if own and method is None and own.casefold() not in text.casefold():
            method = own
    cells: Cells = {}
    if fusions:
        cells["fusion"] = "; ".join(fusions)
    if others:
        cells["molecular"] = "; ".join(others)
    if method:
        cells["molecular_method"] = method
    return cells


# the long findings table (`casefhir flatten --findings-output`): one row per finding, readable
# back as a findings file (`--findings`: `finding` is its alteration column)
FINDING_COLUMNS = ("case_id", "finding", "kind", "result", "gene_symbols", "hgnc_ids", "dna_change_type",
                   "molecular_consequence", "variation", "allele_frequency_percent", "method")
_RESULTS = {"LA9633-4": "detected", "LA9634-2": "not detected"}


def _component_values(observation: Resource, code: str) -> list[dict[str, Any]]:
    return [c.get("valueCodeableConcept") or c.get("valueQuantity") or {}
            for c in observation.get("component", [])
            if any(x.get("code") == code for x in c.get("code", {}).get("coding", []))]


def finding_rows(case: CaseResources, case_id: str) -> list[Cells]:
    """One long-table row per molecular finding of a case, in report order."""
    rows: list[Cells] = []
    for role in _finding_roles(case):
        observation = case.get(role)
        if observation is None:
            continue
        value = observation.get("valueCodeableConcept") or {}
        genes = _component_values(observation, "48018-6")
        codings: list[dict[str, Any]] = [next(iter(g.get("coding", [])), {}) for g in genes]
        first = {key: next((c.get("display", "") for v in _component_values(observation, code)
                            for c in v.get("coding", [])), "")
                 for key, code in (("dna_change_type", "48019-4"),
                                   ("molecular_consequence", "molecular-consequence"))}
        frequency = _component_values(observation, "81258-6")
        row: Cells = {
            "case_id": case_id,
            "finding": observation.get("valueString") or str(value.get("text", "")),
            "kind": role.rsplit("-", 1)[0] if role[-1].isdigit() else role,
            "result": _RESULTS.get(next((c.get("code", "") for c in value.get("coding", [])), ""),
                                   "as written"),
            "gene_symbols": " ".join(c.get("display") or g.get("text", "") for g, c in zip(genes, codings,
                                                                                   strict=True)),
            "hgnc_ids": " ".join(c.get("code", "") for c in codings if c),
            **first,
            "variation": next((str(v.get("text", "")) for v in
                               _component_values(observation, "81252-9")), ""),
            "allele_frequency_percent": (str(plain_number(round(frequency[0]["value"] * 100, 4)))
                                         if frequency else ""),
            "method": text_of(observation.get("method")) or "",
        }
        rows.append({k: v for k, v in row.items() if v})
    return rows
