"""The molecular alteration grammar: real notations from papers and MAF/cBioPortal files
(real_notations.tsv, sources in notations_sources.md), the forms the issue lists field by field,
warnings for bad input, and round trips finding → canonical text → the same finding."""

from __future__ import annotations

import csv
import gzip
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from converter.read.schema import Finding, Gene, Term
from converter.read.values.alterations import (
    cell_text,
    finding_text,
    parse_findings,
    parse_fusion,
    parse_molecular,
)
from converter.read.values.hgvs import SO_TERMS, THREE_LETTER, coding_change, protein_change
from converter.read.values.parsers import PARSERS
from converter.read.values.terms import lookup
from converter.read.values.text import InvalidValue
from mappings.terminology.genes import TABLE, resolve_gene

HERE = Path(__file__).resolve().parent
SO_NAMES = {line.split("\t")[1] for line in (HERE.parents[1] / "mappings" / "terminology" / "so.tsv")
            .read_text("utf-8").splitlines() if not line.startswith("#")}
NTRK = ("NTRK1", "NTRK2", "NTRK3")


def read(text: str, **options: object) -> tuple[tuple[Finding, ...], list[str]]:
    warnings: list[str] = []
    findings = parse_findings(text, warnings.append, **options)  # type: ignore[arg-type]
    return findings, warnings


def labels(finding: Finding) -> tuple[str, ...]:
    return tuple(gene.label for gene in finding.genes)


def without_text(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    return tuple(replace(f, text="") for f in findings)


# ------------------------------------------------------------------------ real notations

def real_notations() -> list[tuple[str, str, str, int]]:
    rows = []
    with (HERE / "real_notations.tsv").open(encoding="utf-8") as handle:
        for row in csv.reader((line for line in handle if not line.startswith("#")), delimiter="\t",
                              quoting=csv.QUOTE_NONE):
            rows.append((row[0], row[1], row[2], int(row[3])))
    return rows


def test_at_least_150_real_notations_with_sources() -> None:
    notations = real_notations()
    assert len(notations) >= 150
    sources = (HERE / "notations_sources.md").read_text("utf-8")
    for notation, *_ in notations:
        assert f"`{notation}`" in sources


@pytest.mark.parametrize(("notation", "expected", "kinds", "warning_count"), real_notations())
def test_real_notation(notation: str, expected: str, kinds: str, warning_count: int) -> None:
    findings, warnings = read(notation)
    assert cell_text(findings) == expected
    assert " ".join(f"{f.kind}{'+' if f.present else '-' if f.present is False else '?'}"
                    for f in findings) == kinds
    assert len(warnings) == warning_count, warnings
    for finding in findings:
        assert finding.change_type is None or finding.change_type in SO_NAMES
        assert finding.consequence is None or finding.consequence in SO_NAMES


# ------------------------------------------------------------------- the forms, field by field

def one(text: str, **options: object) -> Finding:
    findings, warnings = read(text, **options)
    assert len(findings) == 1, findings
    assert not [w for w in warnings if "not an HGNC" in w or "could not" in w], warnings
    return findings[0]


@pytest.mark.parametrize(("text", "genes", "exons", "variant"), [
    ("EML4-ALK", ("EML4", "ALK"), (), None),
    ("EML4::ALK", ("EML4", "ALK"), (), None),
    ("ETV6/NTRK3", ("ETV6", "NTRK3"), (), None),
    ("TPM3\u2013NTRK1", ("TPM3", "NTRK1"), (), None),
    ("TPM3\u2014NTRK1 fusion", ("TPM3", "NTRK1"), (), None),
    ("KIF5B-RET fusion gene", ("KIF5B", "RET"), (), None),
    ("CD74/ROS1 rearrangement", ("CD74", "ROS1"), (), None),
    ("NAB2ex7-STAT6ex16", ("NAB2", "STAT6"), ("7", "16"), None),
    ("NAB2 exon 6\u2013STAT6 exon 16", ("NAB2", "STAT6"), ("6", "16"), None),
    ("NAB2::STAT6 (NAB2 exon 6, STAT6 exon 16)", ("NAB2", "STAT6"), ("6", "16"), None),
    ("EML4-ALK (E13;A20)", ("EML4", "ALK"), ("13", "20"), None),
    ("EML4-ALK variant 3a/b", ("EML4", "ALK"), (), "variant 3a/b"),
    ("EML4-ALK v1", ("EML4", "ALK"), (), "variant 1"),
    ("ROS1 fusion (partner unknown)", ("ROS1",), (), None),
    ("t(12;15)(p13;q25) ETV6-NTRK3", ("ETV6", "NTRK3"), (), None),
])
def test_fusions(text: str, genes: tuple[str, ...], exons: tuple[str, ...], variant: str | None) -> None:
    finding = one(text)
    assert (finding.kind, finding.present, labels(finding)) == ("fusion", True, genes)
    assert finding.exons == exons and finding.fusion_variant == variant
    assert all(g.hgnc_id for g in finding.genes)


def test_karyotypes_are_kept_as_notes_without_genes() -> None:
    assert one("t(12;15)(p13;q25) ETV6-NTRK3").notes == ("t(12;15)(p13;q25)",)
    finding = one("t(X;18)")
    assert (finding.kind, finding.genes, finding.notes) == ("rearrangement", (), ("t(X;18)",))
    assert one("t(X;18)", fusion_column=True).kind == "fusion"


@pytest.mark.parametrize("text", ["ALK rearrangement", "ALK rearranged", "ALK break-apart FISH positive",
                                  "ALK translocation", "ALK-rearranged"])
def test_rearrangements(text: str) -> None:
    finding = one(text)
    assert (finding.kind, finding.present, labels(finding)) == ("rearrangement", True, ("ALK",))


def test_fusion_column_reads_bare_genes_and_negatives_as_fusions() -> None:
    assert labels(one("NTRK1", fusion_column=True, genes=NTRK)) == ("NTRK1",)
    finding = one("NTRK3 (partner not reported)", fusion_column=True, genes=NTRK)
    assert (finding.kind, finding.present, labels(finding)) == ("fusion", True, ("NTRK3",))
    negative = one("negative", fusion_column=True, genes=NTRK)
    assert (negative.kind, negative.present, labels(negative)) == ("fusion", False, NTRK)
    assert one("ALK positive", fusion_column=True).kind == "fusion"
    assert one("ALK positive").kind == "alteration"


@pytest.mark.parametrize(("text", "genes"), [
    ("NKX2-1 amplification", ("NKX2-1",)), ("HLA-A loss", ("HLA-A",)), ("H3-3A K27M", ("H3-3A",)),
])
def test_hyphenated_symbols_are_not_split(text: str, genes: tuple[str, ...]) -> None:
    assert labels(one(text)) == genes


@pytest.mark.parametrize("text", ["NTRK1-3 negative", "negative for NTRK1-3", "NTRK1/2/3 negative",
                                  "no NTRK rearrangement", "no NTRK1, NTRK2 or NTRK3 fusion",
                                  "negative for NTRK1, NTRK2, and NTRK3"])
def test_gene_families_in_negatives(text: str) -> None:
    finding = one(text)
    assert finding.present is False and labels(finding) == NTRK


def test_cdkn2a_b_is_two_genes() -> None:
    findings, _ = read("CDKN2A/B homozygous deletion")
    assert [labels(f) for f in findings] == [("CDKN2A",), ("CDKN2B",)]
    assert {f.copy_number for f in findings} == {"homozygous deletion"}


@pytest.mark.parametrize(("text", "transcript", "coding", "protein", "change_type", "consequence"), [
    ("BRAF NM_004333.4:c.1799T>A", "NM_004333.4", "c.1799T>A", None, "SNV", None),
    ("BRAF p.Val600Glu", None, None, "p.Val600Glu", None, "missense_variant"),
    ("BRAF p.V600E", None, None, "p.Val600Glu", None, "missense_variant"),
    ("BRAF V600E", None, None, "p.Val600Glu", None, "missense_variant"),
    ("KRAS G12C", None, None, "p.Gly12Cys", None, "missense_variant"),
    ("EGFR p.E746_A750del", None, None, "p.Glu746_Ala750del", None, "inframe_deletion"),
    ("NF1 p.R1450fs", None, None, "p.Arg1450fs", None, "frameshift_variant"),
    ("EGFR c.2573T>G", None, "c.2573T>G", None, "SNV", None),
    ("EGFR NM_005228.5:c.2573T>G p.Leu858Arg", "NM_005228.5", "c.2573T>G", "p.Leu858Arg", "SNV",
     "missense_variant"),
    ("BRAF c.1799T>A (p.V600E)", None, "c.1799T>A", "p.Val600Glu", "SNV", "missense_variant"),
    ("TP53 ENST00000269305.4:c.993+2T>G", "ENST00000269305.4", "c.993+2T>G", None, "SNV",
     "splice_donor_variant"),
    ("KRASG12C", None, None, "p.Gly12Cys", None, "missense_variant"),
    ("BRAF-V600E", None, None, "p.Val600Glu", None, "missense_variant"),
])
def test_sequence_variants(text: str, transcript: str | None, coding: str | None, protein: str | None,
                           change_type: str | None, consequence: str | None) -> None:
    finding = one(text)
    assert (finding.kind, finding.present, len(finding.genes)) == ("variant", True, 1)
    assert (finding.transcript, finding.coding_change, finding.protein_change, finding.change_type,
            finding.consequence) == (transcript, coding, protein, change_type, consequence)


@pytest.mark.parametrize(("text", "exon_change", "change_type", "consequence"), [
    ("EGFR exon 19 deletion", "exon 19 deletion", "deletion", None),
    ("EGFR exon 19 del", "exon 19 deletion", "deletion", None),
    ("EGFR ex19del", "exon 19 deletion", "deletion", None),
    ("EGFR 19del", "exon 19 deletion", "deletion", None),
    ("EGFR exon 20 insertion", "exon 20 insertion", "insertion", None),
    ("EGFRex20ins", "exon 20 insertion", "insertion", None),
    ("MET exon 14 skipping", "exon 14 skipping", None, "exon_loss_variant"),
    ("METex14", "exon 14 skipping", None, "exon_loss_variant"),
])
def test_exon_level_variants(text: str, exon_change: str, change_type: str | None,
                             consequence: str | None) -> None:
    finding = one(text)
    assert (finding.kind, finding.exon_change, finding.change_type, finding.consequence) == (
        "variant", exon_change, change_type, consequence)


def test_variant_in_the_header_gene() -> None:
    finding = one("L858R", genes=("EGFR",))
    assert labels(finding) == ("EGFR",) and finding.protein_change == "p.Leu858Arg"
    assert parse_molecular("L858R", "EGFR", lambda message: None)[0].genes == finding.genes


@pytest.mark.parametrize(("text", "copy_number", "copies", "change_type"), [
    ("ERBB2 amplification", "amplification", None, "copy_number_gain"),
    ("MDM2 amp", "amplification", None, "copy_number_gain"),
    ("MDM2 amplified", "amplification", None, "copy_number_gain"),
    ("CDKN2A homozygous deletion", "homozygous deletion", None, "copy_number_loss"),
    ("CDKN2A loss", "loss", None, "copy_number_loss"),
    ("MYC gain", "gain", None, "copy_number_gain"),
    ("MDM2 amplification (12 copies)", "amplification", 12, "copy_number_gain"),
])
def test_copy_number(text: str, copy_number: str, copies: int | None, change_type: str) -> None:
    finding = one(text)
    assert (finding.kind, finding.copy_number, finding.copies, finding.change_type) == (
        "copy-number", copy_number, copies, change_type)


def test_alias_in_brackets_adds_nothing() -> None:
    findings, warnings = read("ERBB2 (HER2) amplification")
    assert labels(findings[0]) == ("ERBB2",) and findings[0].notes == ()
    assert warnings == ["gene HER2 is an alias of ERBB2 (HGNC:3430, HGNC 2024-10-18); coded as ERBB2"]


@pytest.mark.parametrize(("text", "kind", "genes"), [
    ("EGFR wt", "variant", ("EGFR",)), ("EGFR WT", "variant", ("EGFR",)),
    ("EGFR wild-type", "variant", ("EGFR",)), ("EGFR wild\u2010type", "variant", ("EGFR",)),
    ("ALK-", "alteration", ("ALK",)), ("ALK negative", "alteration", ("ALK",)),
    ("ALK (-)", "alteration", ("ALK",)), ("no NTRK rearrangement", "rearrangement", NTRK),
    ("no fusion detected", "fusion", ()), ("KRAS/NRAS/BRAF wild type", "variant", ("KRAS", "NRAS", "BRAF")),
    ("KRAS, NRAS and BRAF wild type", "variant", ("KRAS", "NRAS", "BRAF")),
    ("ERBB2 not amplified", "copy-number", ("ERBB2",)), ("KRASwt", "variant", ("KRAS",)),
])
def test_negatives(text: str, kind: str, genes: tuple[str, ...]) -> None:
    finding = one(text)
    assert (finding.kind, finding.present, labels(finding)) == (kind, False, genes)


@pytest.mark.parametrize(("text", "count"), [
    ("EGFR L858R; TP53 R273H", 2), ("ETV6-NTRK3 and TPM3-NTRK1", 2), ("EGFR L858R/T790M", 2),
    ("ALK+, ROS1-", 2), ("KRAS G12D + TP53 R175H", 2), ("EML4-ALK\nTP53 p.R273H", 2),
    ("MDM2, CDK4 amplification", 2), ("EML4-ALK (E13, A20); KRAS wt", 2),
])
def test_several_findings_in_one_cell(text: str, count: int) -> None:
    assert len(read(text)[0]) == count


@pytest.mark.parametrize(("text", "field", "value"), [
    ("BRAF V600E (VAF 35%)", "allele_frequency", 35), ("KRAS G12D VAF: 0.35", "allele_frequency", 35),
    ("PIK3CA H1047R AF 12%", "allele_frequency", 12), ("EGFR L858R, VAF 35.5%", "allele_frequency", 35.5),
    ("ETV6-NTRK3 (NGS)", "method", Term("NGS", "sequencing")),
    ("ALK rearrangement (FISH)", "method", Term("FISH", None)),
    ("ETV6-NTRK3 (RT-PCR)", "method", Term("RT-PCR", "pcr")),
    ("BRCA2 c.5946delT germline", "origin", "germline"), ("TP53 R248Q somatic", "origin", "somatic"),
    ("PIK3CA E545K (subclonal)", "notes", ("(subclonal)",)),
])
def test_what_a_finding_says_about_itself(text: str, field: str, value: object) -> None:
    assert getattr(one(text), field) == value


def test_alteration_of_unsaid_kind_is_never_guessed() -> None:
    for text in ("ALK positive", "ALK+", "ALK (+)", "EGFR mutated"):
        finding = one(text)
        assert (finding.kind, finding.present) == ("alteration", True)


def test_a_mutation_is_never_a_fusion() -> None:
    for text in ("BRAF-V600E", "BRAF V600E", "KRAS/G12C"):
        assert all(f.kind != "fusion" for f in read(text)[0])


# ------------------------------------------------------------------------------- bad input

def test_unknown_gene_warns_and_keeps_the_text() -> None:
    findings, warnings = read("FOO1 amplification")
    assert findings[0].genes == (Gene("FOO1"),)
    assert warnings == ["FOO1 is not an HGNC gene symbol (HGNC 2024-10-18); kept as text without a code"]


def test_previous_symbol_is_coded_with_a_warning() -> None:
    findings, warnings = read("KRAS2 G12D")
    assert findings[0].genes == (Gene("KRAS2", "KRAS", "HGNC:6407"),)
    assert warnings == ["gene KRAS2 is a previous symbol of KRAS (HGNC:6407, HGNC 2024-10-18); coded as KRAS"]


def test_ambiguous_alias_warns_and_is_not_coded() -> None:
    assert resolve_gene("NEU").status == "ambiguous"
    findings, warnings = read("NEU amplification")
    assert findings[0].genes == (Gene("NEU"),)
    assert warnings == ["gene NEU is a previous symbol or alias of 2 genes (ERBB2, NEU1); kept as text "
                        "without a code: write the approved symbol"]


@pytest.mark.parametrize(("text", "message"), [
    ("BRAF p.V600", "malformed HGVS: 'p.V600' is not an HGVS protein change"),
    ("BRAF c.1799T>", "malformed HGVS: 'c.1799T>' is not an HGVS coding DNA change"),
])
def test_malformed_hgvs_warns(text: str, message: str) -> None:
    findings, warnings = read(text)
    assert len(warnings) == 1 and warnings[0].startswith(message)
    assert findings[0].kind == "variant" and findings[0].notes == (text.split()[1],)


def test_contradictory_results_warn_and_keep_both() -> None:
    findings, warnings = read("KRAS G12C; KRAS wild type")
    assert [f.present for f in findings] == [True, False]
    assert warnings == ["contradictory results for KRAS in one cell: 'KRAS G12C' and 'KRAS wild type'; "
                        "both kept"]


def test_unreadable_part_is_kept_whole() -> None:
    findings, warnings = read("BRAF V600E; weird words here")
    assert findings[1] == Finding("unparsed", None, "weird words here")
    assert warnings == ["'weird words here': could not read 'weird words here'; kept as text"]


def test_absurd_input_is_refused() -> None:
    with pytest.raises(InvalidValue, match="too long"):
        read("EML4-ALK; " * 300)


@given(st.text(max_size=200))
@settings(max_examples=150, deadline=None)
def test_never_a_traceback(text: str) -> None:
    findings, _ = read(text)
    assert all(f.kind in ("fusion", "rearrangement", "variant", "copy-number", "alteration", "unparsed")
               for f in findings)


# ------------------------------------------------------------------------ column parsers

def test_registered_column_parsers() -> None:
    assert PARSERS["fusion"] is parse_fusion and PARSERS["molecular"] is parse_molecular
    warnings: list[str] = []
    assert [f.kind for f in parse_fusion("NTRK1", "NTRK1 NTRK2 NTRK3", warnings.append)] == ["fusion"]
    assert labels(parse_fusion("-", "NTRK1 NTRK2 NTRK3", warnings.append)[0]) == NTRK
    assert warnings == []


# the old fusion parser's cases (tests/read/test_values.py), in the new return type
@pytest.mark.parametrize(("text", "genes", "notation"), [
    ("TPM3-NTRK1", ("TPM3", "NTRK1"), "TPM3::NTRK1"),
    ("TPM3::NTRK1", ("TPM3", "NTRK1"), "TPM3::NTRK1"),
    ("ETV6/NTRK3", ("ETV6", "NTRK3"), "ETV6::NTRK3"),
    ("NTRK1 fusion", ("NTRK1",), "NTRK1 fusion"),
    ("NTRK3 (partner not reported)", ("NTRK3",), "NTRK3 fusion"),
    ("tpm3-ntrk1 fusion", ("TPM3", "NTRK1"), "TPM3::NTRK1"),
    ("t(12;15)(p13;q25) ETV6-NTRK3", ("ETV6", "NTRK3"), "ETV6::NTRK3 t(12;15)(p13;q25)"),
])
def test_fusion_notations(text: str, genes: tuple[str, ...], notation: str) -> None:
    warnings: list[str] = []
    (fusion,) = parse_fusion(text, None, warnings.append)
    assert fusion.present and labels(fusion) == genes and finding_text(fusion) == notation
    assert warnings == []


@pytest.mark.parametrize("text", ["negative", "none", "not detected", "-", "no fusion", "wild type"])
def test_negative_fusions(text: str) -> None:
    (finding,) = parse_fusion(text, None, lambda message: None)
    assert finding.present is False


def test_vague_gene_warns_but_keeps_text() -> None:
    warnings: list[str] = []
    (fusion,) = parse_fusion("ETV6-NTRK fusion signal", None, warnings.append)
    assert labels(fusion) == ("ETV6", "NTRK") and fusion.genes[1].symbol is None
    assert any("'NTRK'" in w for w in warnings)


def test_several_fusions_are_several_findings() -> None:
    assert len(parse_fusion("ETV6-NTRK3 and TPM3-NTRK1", None, lambda message: None)) == 2


# ---------------------------------------------------------------------------- round trips

@cache
def hgnc_symbols() -> tuple[str, ...]:
    """Approved symbols that read as a gene on their own (no hyphen-range or protein look-alikes)."""
    symbols = []
    with gzip.open(TABLE, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("A\t"):
                symbol = line.split("\t")[2]
                if (symbol.isupper() and symbol.isalnum() and len(symbol) >= 3
                        and protein_change(symbol) is None):
                    symbols.append(symbol)
    return tuple(symbols[::40])


genes = st.sampled_from(hgnc_symbols()).map(lambda s: Gene(s, s, resolve_gene(s).entry.hgnc_id))  # type: ignore[union-attr]
one_letter = st.sampled_from([c for c in THREE_LETTER if c not in "*UO"])
positions = st.integers(min_value=2, max_value=3000)
methods = st.sampled_from(["FISH", "NGS", "RT-PCR", "Sanger sequencing", "RNA sequencing", "IHC"]).map(
    lambda text: Term(text, lookup("fusion_method", text)))
vafs = st.one_of(st.none(), st.integers(1, 99), st.sampled_from([12.5, 0.8, 35.25]))
origins = st.sampled_from([None, "somatic", "germline"])
notes = st.lists(st.sampled_from(["(subclonal)", "(hotspot)", "t(12;15)(p13;q25)"]), max_size=1, unique=True)


@st.composite
def protein_changes(draw: st.DrawFn) -> tuple[str, str | None]:
    ref, alt, pos = draw(one_letter), draw(one_letter), draw(positions)
    written = draw(st.sampled_from([f"{ref}{pos}{alt}", f"{ref}{pos}*", f"{ref}{pos}fs",
                                    f"{ref}{pos}{alt}fs*{pos % 50 + 1}", f"{ref}{pos}_{alt}{pos + 4}del",
                                    f"{ref}{pos}_{alt}{pos + 1}ins{ref}{alt}", f"{ref}{pos}dup"]))
    change = protein_change("p." + written)
    assert change is not None
    return change.hgvs, change.consequence


@st.composite
def coding_changes(draw: st.DrawFn) -> tuple[str | None, str, str | None, str | None]:
    pos, bases = draw(positions), draw(st.sampled_from(["A", "C", "G", "T"]))
    substitution = f"c.{pos}{bases}>{'T' if bases != 'T' else 'A'}"
    written = draw(st.sampled_from([substitution, f"c.{pos}_{pos + 14}del", f"c.{pos}_{pos + 1}ins{bases}AG",
                                    f"c.{pos}+{pos % 9 + 1}G>A", f"c.{pos}-1G>A", f"c.{pos}dup",
                                    f"c.{pos}_{pos + 2}delinsTT"]))
    transcript = draw(st.sampled_from([None, "NM_004333.4", "ENST00000288602.6"]))
    change = coding_change(f"{transcript}:{written}" if transcript else written)
    assert change is not None
    return transcript, change.hgvs, change.change_type, change.consequence


@st.composite
def findings(draw: st.DrawFn) -> Finding:
    kind = draw(st.sampled_from(["fusion", "rearrangement", "variant", "copy-number", "alteration"]))
    present = draw(st.booleans())
    common = {"allele_frequency": draw(vafs), "method": draw(st.one_of(st.none(), methods)),
              "origin": draw(origins), "notes": tuple(draw(notes))}
    if kind == "fusion":
        partners = tuple(draw(st.lists(genes, min_size=1 if present else 0, max_size=2, unique=True)))
        exons: tuple[str | None, ...] = ()
        if present and len(partners) == 2 and draw(st.booleans()):
            exons = (str(draw(st.integers(1, 30))), draw(st.sampled_from([None, "16", "2/3", "intron 5"])))
        variant = draw(st.sampled_from([None, "variant 1", "variant 3a/b"])) if len(partners) == 2 else None
        return Finding("fusion", present, "", genes=partners, exons=exons, fusion_variant=variant, **common)
    if kind == "rearrangement":
        return Finding(kind, present, "", genes=(draw(genes),), **common)
    if kind == "copy-number":
        copy = draw(st.sampled_from(["amplification", "gain", "loss", "homozygous deletion"]))
        copies = draw(st.one_of(st.none(), st.integers(3, 60))) if present else None
        change_type = "copy_number_gain" if copy in ("amplification", "gain") else "copy_number_loss"
        return Finding(kind, present, "", genes=(draw(genes),), copy_number=copy, copies=copies,
                       change_type=change_type, **common)
    if kind == "alteration":
        tested = draw(st.lists(genes, min_size=1, max_size=1 if present else 3, unique=True))
        return Finding(kind, present, "", genes=tuple(tested), **common)
    if not present and draw(st.booleans()):
        return Finding("variant", False, "", genes=tuple(draw(st.lists(genes, min_size=1, max_size=3,
                                                                     unique=True))), **common)
    fields: dict[str, object] = {}
    what = draw(st.sampled_from(["protein", "coding", "both", "exon"]))
    consequence = None
    if what in ("coding", "both"):
        transcript, coding, change_type, consequence = draw(coding_changes())
        fields |= {"transcript": transcript, "coding_change": coding, "change_type": change_type}
    if what in ("protein", "both"):
        protein, protein_consequence = draw(protein_changes())
        fields["protein_change"] = protein
        consequence = protein_consequence or consequence
    if what == "exon":
        exon = draw(st.integers(1, 30))
        word, change_type, consequence = draw(st.sampled_from([
            ("deletion", "deletion", None), ("insertion", "insertion", None),
            ("skipping", None, "exon_loss_variant"), ("duplication", "duplication", None)]))
        fields |= {"exon_change": f"exon {exon} {word}", "change_type": change_type}
    return Finding("variant", present, "", genes=(draw(genes),), consequence=consequence,
                   **fields, **common)  # type: ignore[arg-type]


@given(findings())
@settings(max_examples=300, deadline=None)
def test_finding_text_reads_back_to_the_finding(finding: Finding) -> None:
    text = finding_text(finding)
    found, warnings = read(text)
    assert without_text(found) == (finding,), text
    assert not warnings, (text, warnings)
    assert finding.consequence is None or finding.consequence in SO_TERMS | {"exon_loss_variant"}


@given(st.lists(findings(), min_size=2, max_size=4))
@settings(max_examples=150, deadline=None)
def test_cell_text_reads_back_to_the_findings(several: list[Finding]) -> None:
    text = cell_text(several)
    found, _ = read(text)
    assert without_text(found) == tuple(several), text


@pytest.mark.parametrize(("text", "expected", "kinds"), [
    ("EWSR1-FLI1", "EWSR1::FLI1", "fusion+"),
    ("ETV6-NTRK3", "ETV6::NTRK3", "fusion+"),
    ("KIT exon 11 deletion", "KIT exon 11 deletion", "variant+"),
    ("PDGFRA D842V", "PDGFRA p.Asp842Val", "variant+"),
    ("wild-type", "wild type", "variant-"),
    ("KIT wild-type, PDGFRA wild-type", "KIT wild type; PDGFRA wild type", "variant- variant-"),
    ("t(X;18)(p11;q11)", "rearrangement t(X;18)(p11;q11)", "rearrangement+"),
    ("SS18::SSX", "SS18::SSX", "fusion+"),
])
def test_corpus_notations_read_as_they_say(text: str, expected: str, kinds: str) -> None:
    findings, _ = read(text)
    assert cell_text(findings) == expected
    assert " ".join(f"{f.kind}{'+' if f.present else '-'}" for f in findings) == kinds


def test_sdh_deficient_names_no_gene() -> None:
    # "SDH-deficient" (gist-lit 10): SDH is a complex of four genes; a protein finding, no gene
    [finding], warnings = read("SDH-deficient")
    assert finding.kind == "unparsed" and finding.genes == () and warnings


def test_a_semicolon_between_chromosomes_never_splits_a_cell() -> None:
    for text in ("Variant X;18 translocation", "X;18", "18;X translocation", "11;22 translocation"):
        [finding], _ = read(text)
        assert finding.kind == "rearrangement" and finding.genes == ()
        again, _ = read(finding_text(finding))
        assert without_text(again) == without_text((finding,))
    assert len(read("EGFR 19;21")[0]) == 2  # two autosomes without "translocation": two parts
    assert len(read("KRAS G12C;TP53 R273H")[0]) == 2


def test_syt_is_coded_only_beside_an_ssx_partner() -> None:
    [fusion], warnings = read("SYT-SSX1")
    assert [(g.text, g.symbol) for g in fusion.genes] == [("SYT", "SS18"), ("SSX1", "SSX1")]
    assert warnings == ["gene SYT read as SS18 (HGNC:11340): HGNC gives SYT to SS18 and SYT1, and "
                        "only SS18 is fused to SSX1"]
    [fusion], _ = read("SYT-SSX")
    assert [(g.text, g.symbol) for g in fusion.genes] == [("SYT", "SS18"), ("SSX", None)]
    [alone], _ = read("SYT rearrangement")
    assert alone.genes == (Gene("SYT"),)
    [other], _ = read("SYT-EWSR1")  # not SSX: SYT stays ambiguous
    assert other.genes[0] == Gene("SYT")


def test_pdgfr_is_never_coded_as_pdgfrb() -> None:
    [finding], warnings = read("PDGFR D842V")
    assert finding.genes == (Gene("PDGFR"),) and finding.protein_change == "p.Asp842Val"
    assert any("PDGFRA, PDGFRB" in w for w in warnings)
