"""HGVS descriptions: the HGVS Nomenclature's own examples (hgvs-nomenclature.org, cited per
group), the short forms papers and MAF files write, and the SO terms they imply."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from converter.read.values.hgvs import (
    SO_TERMS,
    THREE_LETTER,
    HgvsError,
    coding_change,
    looks_like_hgvs,
    protein_change,
)

SO_TSV = Path(__file__).resolve().parents[2] / "mappings" / "terminology" / "so.tsv"
SO_NAMES = {row[1] for row in csv.reader(
    (line for line in SO_TSV.read_text("utf-8").splitlines() if not line.startswith("#")), delimiter="\t")}

# (written, 3-letter HGVS, SO consequence)
PROTEIN = [
    # https://hgvs-nomenclature.org/stable/recommendations/protein/substitution/
    ("p.Trp24Cys", "p.Trp24Cys", "missense_variant"),
    ("p.(Trp24Cys)", "p.(Trp24Cys)", "missense_variant"),
    ("p.Trp24Ter", "p.Trp24Ter", "stop_gained"),
    ("p.Trp24*", "p.Trp24Ter", "stop_gained"),
    ("p.Cys188=", "p.Cys188=", "synonymous_variant"),
    ("p.Met1?", "p.Met1?", "start_lost"),
    ("p.0", "p.0", None),
    ("p.?", "p.?", None),
    ("p.=", "p.=", "synonymous_variant"),
    # https://hgvs-nomenclature.org/stable/recommendations/protein/deletion/
    ("p.Val7del", "p.Val7del", "inframe_deletion"),
    ("p.Lys23_Val25del", "p.Lys23_Val25del", "inframe_deletion"),
    # https://hgvs-nomenclature.org/stable/recommendations/protein/duplication/
    ("p.Ala3dup", "p.Ala3dup", "inframe_insertion"),
    ("p.Ala3_Ser5dup", "p.Ala3_Ser5dup", "inframe_insertion"),
    # https://hgvs-nomenclature.org/stable/recommendations/protein/insertion/
    ("p.His4_Gln5insAla", "p.His4_Gln5insAla", "inframe_insertion"),
    ("p.(Arg727_Ser728insTrpCys)", "p.(Arg727_Ser728insTrpCys)", "inframe_insertion"),
    ("p.Lys2_Leu3insTer12", "p.Lys2_Leu3insTer12", "stop_gained"),
    # https://hgvs-nomenclature.org/stable/recommendations/protein/delins/
    ("p.Asn47delinsSerSerTer", "p.Asn47delinsSerSerTer", "stop_gained"),
    ("p.Glu125_Ala132delinsGlyLeuHisArgPheIleValLeu", "p.Glu125_Ala132delinsGlyLeuHisArgPheIleValLeu",
     "protein_altering_variant"),
    ("p.Arg76_Cys77delinsSerTrp", "p.Arg76_Cys77delinsSerTrp", "protein_altering_variant"),
    # https://hgvs-nomenclature.org/stable/recommendations/protein/frameshift/
    ("p.Arg97ProfsTer23", "p.Arg97ProfsTer23", "frameshift_variant"),
    ("p.Arg97fs", "p.Arg97fs", "frameshift_variant"),
    ("p.(Arg123LysfsTer34)", "p.(Arg123LysfsTer34)", "frameshift_variant"),
    # https://hgvs-nomenclature.org/stable/recommendations/protein/extension/
    ("p.Met1ext-5", "p.Met1ext-5", None),
    ("p.Ter110GlnextTer17", "p.Ter110GlnextTer17", "stop_lost"),
    ("p.*110Glnext*17", "p.Ter110GlnextTer17", "stop_lost"),
    ("p.Ter327ArgextTer?", "p.Ter327ArgextTer?", "stop_lost"),
    # what papers and MAF HGVSp_Short write (cBioPortal study_es_0, EGFR/BRAF/KRAS papers)
    ("p.V600E", "p.Val600Glu", "missense_variant"),
    ("V600E", "p.Val600Glu", "missense_variant"),
    ("G12C", "p.Gly12Cys", "missense_variant"),
    ("(Gly12Cys)", "p.(Gly12Cys)", "missense_variant"),
    ("p.E746_A750del", "p.Glu746_Ala750del", "inframe_deletion"),
    ("p.L747_P753delinsS", "p.Leu747_Pro753delinsSer", "protein_altering_variant"),
    ("p.R1450fs", "p.Arg1450fs", "frameshift_variant"),
    ("p.R1450Lfs*8", "p.Arg1450LeufsTer8", "frameshift_variant"),
    ("p.A155Rfs*59", "p.Ala155ArgfsTer59", "frameshift_variant"),
    ("p.Arg97ProfsX23", "p.Arg97ProfsTer23", "frameshift_variant"),
    ("p.R273*", "p.Arg273Ter", "stop_gained"),
    ("p.R273Ter", "p.Arg273Ter", "stop_gained"),
    ("p.Y1003*", "p.Tyr1003Ter", "stop_gained"),
    ("p.M1?", "p.Met1?", "start_lost"),
    ("p.A767_V769dup", "p.Ala767_Val769dup", "inframe_insertion"),
    ("p.D770_N771insSVD", "p.Asp770_Asn771insSerValAsp", "inframe_insertion"),
    ("p.*757Lysext*?", "p.Ter757LysextTer?", "stop_lost"),
    ("p.H157H", "p.His157=", "synonymous_variant"),
    ("p.Ter757Ter", "p.Ter757=", "stop_retained_variant"),
    ("G719X", "p.Gly719Xaa", None),
    ("T790M", "p.Thr790Met", "missense_variant"),
    ("NP_004324.2:p.Val600Glu", "p.Val600Glu", "missense_variant"),
]


@pytest.mark.parametrize(("written", "hgvs", "consequence"), PROTEIN)
def test_protein_changes(written: str, hgvs: str, consequence: str | None) -> None:
    change = protein_change(written)
    assert change is not None and (change.hgvs, change.consequence) == (hgvs, consequence)
    again = protein_change(change.hgvs)
    assert again == change  # the normal form reads back to itself


# (written, transcript, c. change, SO change type, SO consequence)
CODING = [
    # https://hgvs-nomenclature.org/stable/recommendations/DNA/substitution/ and .../deletion/ ...
    ("NM_004006.2:c.4375C>T", "NM_004006.2", "c.4375C>T", "SNV", None),
    ("NM_004006.2:c.93+1G>T", "NM_004006.2", "c.93+1G>T", "SNV", "splice_donor_variant"),
    ("c.88-2A>G", None, "c.88-2A>G", "SNV", "splice_acceptor_variant"),
    ("c.88+5G>A", None, "c.88+5G>A", "SNV", "splice_region_variant"),
    ("c.88+12G>A", None, "c.88+12G>A", "SNV", None),
    ("c.-15+1G>A", None, "c.-15+1G>A", "SNV", "splice_donor_variant"),
    ("NC_000023.11(NM_004006.2):c.3921dup", "NM_004006.2", "c.3921dup", "duplication", None),
    ("NM_004006.2:c.5697del", "NM_004006.2", "c.5697del", "deletion", None),
    ("NM_004006.2:c.4072-1234_5155-246del", "NM_004006.2", "c.4072-1234_5155-246del", "deletion", None),
    ("NM_004006.2:c.20dup", "NM_004006.2", "c.20dup", "duplication", None),
    ("c.849_850ins858_895", None, None, None, None),  # an inserted range: not read (error)
    ("NM_004006.2:c.6775_6777delinsC", "NM_004006.2", "c.6775_6777delinsC", "delins", None),
    ("NM_004006.2:c.145_147delinsTGG", "NM_004006.2", "c.145_147delinsTGG", "MNV", None),
    ("c.5657_5660inv", None, "c.5657_5660inv", "inversion", None),
    ("c.100+1_100+2insA", None, "c.100+1_100+2insA", "insertion", "splice_donor_variant"),
    ("c.100-2_100-1del", None, "c.100-2_100-1del", "deletion", "splice_acceptor_variant"),
    ("c.100_100+2del", None, "c.100_100+2del", "deletion", None),
    # papers and MAF HGVSc
    ("c.1799T>A", None, "c.1799T>A", "SNV", None),
    ("NM_004333.4:c.1799T>A", "NM_004333.4", "c.1799T>A", "SNV", None),
    ("ENST00000288602.6:c.1799T>A", "ENST00000288602.6", "c.1799T>A", "SNV", None),
    ("NM_004333.4(BRAF):c.1799T>A", "NM_004333.4", "c.1799T>A", "SNV", None),
    ("c.2573T>G", None, "c.2573T>G", "SNV", None),
    ("c.2235_2249del", None, "c.2235_2249del", "deletion", None),
    ("c.2369C>T", None, "c.2369C>T", "SNV", None),
    ("c.2888-1G>A", None, "c.2888-1G>A", "SNV", "splice_acceptor_variant"),
    ("ENST00000269305.4:c.993+2T>G", "ENST00000269305.4", "c.993+2T>G", "SNV", "splice_donor_variant"),
    ("c.35_36insA", None, "c.35_36insA", "insertion", None),
    ("c.463delG", None, "c.463delG", "deletion", None),
    ("c.27dupA", None, "c.27dupA", "duplication", None),
    ("c.2236_2250delGAATTAAGAGAAGCA", None, "c.2236_2250delGAATTAAGAGAAGCA", "deletion", None),
    ("c.2239_2240delTTinsCC", None, "c.2239_2240delTTinsCC", "MNV", None),
    ("c.-124C>T", None, "c.-124C>T", "SNV", None),
]


@pytest.mark.parametrize(("written", "transcript", "hgvs", "change_type", "consequence"), CODING)
def test_coding_changes(written: str, transcript: str | None, hgvs: str | None, change_type: str | None,
                        consequence: str | None) -> None:
    if hgvs is None:
        with pytest.raises(HgvsError):
            coding_change(written)
        return
    change = coding_change(written)
    assert change is not None
    assert (change.transcript, change.hgvs, change.change_type, change.consequence) == (
        transcript, hgvs, change_type, consequence)


@pytest.mark.parametrize(("written", "message"), [
    ("p.V600", "not an HGVS protein change"),
    ("p.Val600", "not an HGVS protein change"),
    ("p.(Gly12Cys", "unbalanced parentheses"),
    ("p.Lys23insAsp", "two amino acids it lies between"),
    ("p.344_345insV", "not an HGVS protein change"),
])
def test_malformed_protein_changes(written: str, message: str) -> None:
    with pytest.raises(HgvsError, match=message):
        protein_change(written)


@pytest.mark.parametrize(("written", "message"), [
    ("c.1799T>", "not an HGVS coding DNA change"),
    ("c.1799_1800T>A", "a substitution changes one nucleotide"),
    ("c.35insA", "two nucleotides it lies between"),
    ("c.2235_2249delins", "names the inserted nucleotides"),
    ("NM_004333.4:g.1799T>A", "only coding DNA"),
])
def test_malformed_coding_changes(written: str, message: str) -> None:
    with pytest.raises(HgvsError, match=message):
        coding_change(written)


def test_words_and_genes_are_not_hgvs() -> None:
    for word in ("KRAS", "negative", "EML4-ALK", "amplification", "C4A2", "exon"):
        assert protein_change(word) is None and coding_change(word) is None
        assert not looks_like_hgvs(word)


def test_every_so_term_the_grammar_can_give_is_in_so_tsv() -> None:
    assert SO_TERMS <= SO_NAMES, SO_TERMS - SO_NAMES
    given = {c for _, _, c in PROTEIN} | {t for *_, t, _ in CODING} | {c for *_, c in CODING}
    assert given - {None} <= SO_TERMS
    # every quoted term name in the module is declared in SO_TERMS
    source = (Path(__file__).resolve().parents[2] / "converter" / "read" / "values" / "hgvs.py").read_text()
    quoted = set(re.findall(r'"([a-z0-9_]+_(?:variant|gained|lost|deletion|insertion)|SNV|MNV)"', source))
    assert quoted <= SO_TERMS
    assert "Ter" in THREE_LETTER.values()
