"""Findings files: one row per molecular finding — a MAF, cBioPortal's mutation, structural-variant
and discrete copy-number files, a paper's supplement table — joined to the cases by case or
sample id (`convert --findings FILE`).

Columns are recognised by name (COLUMNS below, compared like the data dictionary's aliases);
every other column is left out (a MAF has over a hundred), named once in a warning. Each row
gives one finding:
- a structural-variant row (Site1/Site2 genes) is a fusion of its genes, with their exons;
- otherwise the alteration (HGVSp_Short, 'protein change', 'alteration', a CNA value such as AMP
  or DeepDel) is read by the molecular grammar with the row's gene as context, and the row's
  other columns add what they say: the c. change and its transcript, the allele frequency
  (t_alt_count / (t_alt_count + t_ref_count), or a VAF column), the origin (Mutation_Status
  Somatic / Germline), the consequence (Variant_Classification or Consequence) when the
  protein change does not give it by definition, and the method.
A row whose case id is a sample id of a cBioPortal sample file joins that sample's patient; a
TCGA aliquot barcode ('TCGA-AB-2802-03A-01W') joins the case of its first 12 characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from converter.problems import InputError, Location, Problem, error, shorten, warning
from converter.read.dictionary import header_key
from converter.read.rows import Table
from converter.read.schema import Finding, normal_case_id
from converter.read.values.alterations import finding_text
from converter.read.values.genes import gene_of
from converter.read.values.hgvs import HgvsError, coding_change
from converter.read.values.parsers import PARSERS
from converter.read.values.terms import parse_fusion_method
from converter.read.values.text import InvalidValue, Warn, is_missing, number

COLUMNS: dict[str, tuple[str, ...]] = {
    "case": ("case", "case id", "patient", "patient id", "tumor sample barcode", "sample",
             "sample id", "samples", "subject", "subject id", "id", "case no", "pt"),
    "gene": ("hugo symbol", "gene", "gene symbol", "symbol", "genes", "gene name"),
    "alteration": ("hgvsp short", "protein change", "amino acid change", "aachange",
                   "aa change", "alteration", "mutation", "variant", "finding", "molecular",
                   "molecular finding", "cna", "copy number", "copy number alteration",
                   "result", "fusion", "event info"),
    "coding": ("hgvsc", "cdna change", "c change", "coding change", "nucleotide change",
               "cdna", "dna change"),
    "transcript": ("refseq", "transcript id", "transcript", "refseq mrna id", "transcript name",
                   "refseq transcript", "i transcript name"),
    "classification": ("variant classification", "consequence", "variant type"),
    "vaf": ("vaf", "allele frequency", "variant allele frequency", "tumor vaf", "af",
            "tumorvaf wu", "i tumorvaf wu", "allele fraction", "variant allele fraction", "tumor af"),
    "alt_count": ("t alt count",),
    "ref_count": ("t ref count",),
    "origin": ("mutation status", "origin", "somatic status", "germline somatic"),
    "method": ("method", "assay", "platform", "test"),
    "gene_5": ("site1 hugo symbol", "gene1", "gene 1", "5 gene", "5 prime gene"),
    "gene_3": ("site2 hugo symbol", "gene2", "gene 2", "3 gene", "3 prime gene"),
    "number_5": ("site1 region number", "exon1", "exon 1", "5 exon"),
    "number_3": ("site2 region number", "exon2", "exon 2", "3 exon"),
    "region_5": ("site1 region",),
    "region_3": ("site2 region",),
}
_BY_KEY = {header_key(alias): name for name, aliases in COLUMNS.items() for alias in aliases}

# MAF Variant_Classification, VEP Consequence and MAF Variant_Type values → (SO consequence,
# SO DNA change type); a Splice_Site of MAF is "within 2 bp of a splice site", SO's
# splice_site_variant ("changes the first two or last two bases of an intron")
CLASSIFICATIONS: dict[str, tuple[str | None, str | None]] = {
    "missense_mutation": ("missense_variant", None), "nonsense_mutation": ("stop_gained", None),
    "frame_shift_del": ("frameshift_variant", "deletion"),
    "frame_shift_ins": ("frameshift_variant", "insertion"),
    "in_frame_del": ("inframe_deletion", "deletion"),
    "in_frame_ins": ("inframe_insertion", "insertion"),
    "splice_site": ("splice_site_variant", None), "silent": ("synonymous_variant", None),
    "translation_start_site": ("start_lost", None), "nonstop_mutation": ("stop_lost", None),
    "3'utr": ("3_prime_UTR_variant", None), "5'utr": ("5_prime_UTR_variant", None),
    "intron": ("intron_variant", None), "5'flank": ("upstream_gene_variant", None),
    "3'flank": ("downstream_gene_variant", None), "igr": ("intergenic_variant", None),
    "rna": ("non_coding_transcript_variant", None),
    "snp": (None, "SNV"), "dnp": (None, "MNV"), "tnp": (None, "MNV"), "onp": (None, "MNV"),
    "del": (None, "deletion"), "ins": (None, "insertion"),
}
# cBioPortal discrete copy-number values
CNA_VALUES = {"amp": "amplification", "2": "amplification", "gain": "gain", "1": "gain",
              "deepdel": "deep deletion", "homdel": "homozygous deletion",
              "-2": "deep deletion", "hetloss": "shallow deletion", "-1": "shallow deletion",
              "shallowdel": "shallow deletion"}
ORIGINS = {"somatic": "somatic", "germline": "germline"}
_TCGA = re.compile(r"(TCGA-[A-Z0-9]{2}-[A-Z0-9]{4})-.+")


@dataclass(frozen=True, slots=True)
class RowFinding:
    finding: Finding
    row: int


@dataclass
class FindingsFile:
    """The findings of one file by the case id they name (before joining), with the problems of
    reading them (each at its file, row and column)."""

    name: str
    by_case: dict[str, list[RowFinding]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0


def bind_columns(table: Table) -> tuple[dict[str, str], list[str]]:
    """field → header of the recognised columns, and the headers left out."""
    bound: dict[str, str] = {}
    left_out: list[str] = []
    for text, _label in table.headers:
        name = _BY_KEY.get(header_key(text))
        if name is None or name in bound:
            left_out.append(text)
        else:
            bound[name] = text
    if "case" not in bound:
        raise InputError(error(
            "a findings file needs a case or sample id column (e.g. Case, Tumor_Sample_Barcode, "
            "SAMPLE_ID)", table.location(table.header_row)))
    if not ({"gene", "alteration", "coding", "gene_5"} & bound.keys()):
        raise InputError(error(
            "a findings file needs a gene or alteration column (e.g. Hugo_Symbol, HGVSp_Short, "
            "Alteration, Site1_Hugo_Symbol)", table.location(table.header_row)))
    return bound, left_out


def read_findings(table: Table, case_of_sample: Mapping[str, str] | None = None) -> FindingsFile:
    """Every row of a findings table as a finding of the case it names."""
    bound, left_out = bind_columns(table)
    result = FindingsFile(table.name)
    labels = dict(table.headers)
    if left_out:
        result.problems.append(warning(
            f"{len(left_out)} columns not read as findings: {shorten(', '.join(left_out), 200)}",
            table.location(table.header_row)))
    unknown_values: set[tuple[str, str]] = set()
    for raw in table.rows:
        if raw.is_blank():
            continue
        result.rows += 1
        if raw.error:
            result.problems.append(error(raw.error, table.location(raw.number)))
            continue
        cells = {c.header: c.value for c in raw.cells}
        values = {name: (cells.get(header) or "").strip() for name, header in bound.items()}
        values = {k: v for k, v in values.items() if not is_missing(v)}

        def warn(message: str, column: str | None = None, *, row: int = raw.number) -> None:
            label = labels.get(bound.get(column or "", ""))
            result.problems.append(warning(message, table.location(row, label)))

        case = values.get("case")
        if case is None:
            result.problems.append(error("the case or sample id is empty",
                                         table.location(raw.number, labels[bound["case"]])))
            continue
        try:
            finding = _finding(values, warn, unknown_values)
        except InvalidValue as exc:
            result.problems.append(error(str(exc), table.location(raw.number)))
            continue
        if finding is None:
            continue
        key = normal_case_id(case_of_sample.get(case, case) if case_of_sample else case)
        result.by_case.setdefault(key, []).append(RowFinding(finding, raw.number))
    return result


def _finding(values: dict[str, str], warn: Callable[..., None],
             unknown_values: set[tuple[str, str]]) -> Finding | None:
    def column_warn(column: str) -> Warn:
        return lambda message: warn(message, column)

    if "gene_5" in values or "gene_3" in values:
        genes = tuple(gene_of(values[k], column_warn(k)) for k in ("gene_5", "gene_3")
                      if k in values)
        exons = tuple(values.get(f"number_{end}") if values.get(f"region_{end}", "exon").casefold()
                      == "exon" else None for end in ("5", "3") if f"gene_{end}" in values)
        finding = Finding("fusion", True, "", genes, exons if any(exons) else ())
    else:
        gene = values.get("gene")
        text = values.get("alteration") or values.get("coding")
        cna = CNA_VALUES.get((text or "").casefold().replace(" ", ""))
        if cna and gene:
            finding = Finding("copy-number", True, "", (gene_of(gene, column_warn("gene")),),
                              copy_number=cna)
        elif text is None and gene is not None:  # a MAF row of an intron, a splice site...
            kind = "variant" if values.get("classification") else "alteration"
            finding = Finding(kind, True, "", (gene_of(gene, column_warn("gene")),))
        elif text is None:
            return None
        else:
            column = "alteration" if "alteration" in values else "coding"
            if gene is not None:  # the gene column's symbol, resolved (with its warning) once
                resolved = gene_of(gene, column_warn("gene"))
                gene = resolved.symbol or resolved.text
            parsed = PARSERS["molecular"](text, gene, column_warn(column))
            if [f.kind for f in parsed] == ["unparsed"] and values.get("coding") and \
                    column == "alteration":  # "Promoter": the c. change says what it is
                parsed = PARSERS["molecular"](values["coding"], gene, column_warn("coding"))
                if parsed:
                    parsed = (replace(parsed[0], notes=(*parsed[0].notes, text)),)
            if [f.kind for f in parsed] == ["unparsed"] and gene:
                if (values.get("classification") or "").casefold() in CLASSIFICATIONS:
                    # "Promoter" of a 5'Flank row: a variant whose words stay as a note
                    parsed = (Finding("variant", True, "", (gene_of(gene, _quiet),),
                                      notes=(text,)),)
                else:
                    return Finding("unparsed", None, f"{gene} {text}")
            if len(parsed) != 1:
                warn(f"{shorten(text)!r} holds {len(parsed)} findings; one row should hold one",
                     column)
            if not parsed:
                return None
            finding = parsed[0]
        finding = _enrich(finding, values, column_warn, unknown_values)
    finding = _with_method(finding, values.get("method"), column_warn("method"))
    return replace(finding, text=finding_text(finding))


def _quiet(message: str) -> None:
    """A warning already given for this cell."""


def _enrich(finding: Finding, values: dict[str, str], column_warn: Callable[[str], Warn],
            unknown_values: set[tuple[str, str]]) -> Finding:
    """What the row's other columns add to the finding its alteration gives."""
    changes: dict[str, object] = {}
    transcript = values.get("transcript")
    coding = values.get("coding")
    if coding and finding.coding_change is None:
        try:
            parsed = coding_change(coding)
        except HgvsError as exc:
            column_warn("coding")(f"malformed HGVS {shorten(coding)!r}: {exc}; not used")
            parsed = None
        if parsed is not None:
            changes["coding_change"] = parsed.hgvs
            transcript = transcript or parsed.transcript
            if finding.change_type is None and parsed.change_type:
                changes["change_type"] = parsed.change_type
            if finding.consequence is None and parsed.consequence:
                changes["consequence"] = parsed.consequence
    if transcript and finding.transcript is None and (changes.get("coding_change") or
                                                       finding.coding_change):
        changes["transcript"] = transcript
    frequency = _allele_frequency(values, column_warn)
    if frequency is not None and finding.allele_frequency is None:
        changes["allele_frequency"] = frequency
    origin = ORIGINS.get(values.get("origin", "").casefold())
    if origin and finding.origin is None:
        changes["origin"] = origin
    for column in ("classification",):
        value = values.get(column)
        if value is None:
            continue
        known = CLASSIFICATIONS.get(value.casefold())
        if known is None:
            if (column, value) not in unknown_values:
                unknown_values.add((column, value))
                column_warn(column)(f"{shorten(value)!r} is not a MAF variant classification or "
                                    "type casefhir knows; not used (said once per value)")
            continue
        consequence, change_type = known
        if consequence and finding.consequence is None:
            changes["consequence"] = consequence
        if change_type and finding.change_type is None and finding.kind == "variant":
            changes["change_type"] = change_type
    return replace(finding, **changes) if changes else finding  # type: ignore[arg-type]


def _allele_frequency(values: dict[str, str], column_warn: Callable[[str], Warn]
                      ) -> int | float | None:
    """Percent: from the read counts, or a VAF column (a value up to 1 without '%' is a
    fraction)."""
    try:
        if "alt_count" in values and "ref_count" in values:
            alt, ref = number(values["alt_count"]), number(values["ref_count"])
            if alt + ref > 0:
                return round(100 * alt / (alt + ref), 2)
        if "vaf" in values:
            text = values["vaf"].strip()
            value = number(text.rstrip("%").strip())
            percent = value if text.endswith("%") or value > 1 else value * 100
            if 0 <= percent <= 100:
                return round(percent, 2)
            column_warn("vaf")(f"allele frequency {shorten(text)!r} is not between 0 and 100%; "
                               "not used")
    except (InvalidValue, ValueError):
        column_warn("vaf")("an allele frequency or read count that is not a number; not used")
    return None


def _with_method(finding: Finding, method: str | None, warn: Warn) -> Finding:
    if method is None or finding.method is not None:
        return finding
    return replace(finding, method=parse_fusion_method(method, None, warn))


def tcga_case(sample: str) -> str | None:
    """The case (participant) barcode of a TCGA aliquot or sample barcode, or None."""
    found = _TCGA.fullmatch(sample)
    return found.group(1) if found else None


@dataclass
class JoinedFindings:
    """The findings of every findings file, by the case they join: a case id, or the case of a
    TCGA barcode; `for_case` is what the record builder asks."""

    files: list[FindingsFile]
    by_case: dict[str, tuple[Finding, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        joined: dict[str, list[Finding]] = {}
        for findings in self.files:
            for key, rows in findings.by_case.items():
                joined.setdefault(key, []).extend(r.finding for r in rows)
                alias = tcga_case(key)
                if alias is not None and alias != key:
                    joined.setdefault(alias, []).extend(r.finding for r in rows)
        self.by_case = {key: tuple(found) for key, found in joined.items()}

    def for_case(self, case_id: str) -> tuple[Finding, ...]:
        return self.by_case.get(case_id, ())

    @property
    def problems(self) -> list[Problem]:
        return [p for findings in self.files for p in findings.problems]

    def unmatched(self, case_ids: set[str]) -> list[Problem]:
        """Errors for the case ids of the files that no case of the table took."""
        problems = []
        for findings in self.files:
            for key, rows in findings.by_case.items():
                if key in case_ids or tcga_case(key) in case_ids:
                    continue
                problems.append(error(
                    f"{shorten(key)!r} matches no case of the table (nor a sample of one); "
                    f"its {len(rows)} finding(s) would be lost", Location(findings.name, rows[0].row)))
        return problems
