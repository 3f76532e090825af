"""IHC panels (converter/read/values/ihc.py): real cells from papers (tests/read/ihc_sources.md) read
into the right markers and results, the marker table (mappings/terminology/markers.toml) names only
approved HGNC genes, and a panel's canonical text reads back as the same markers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from converter.read.schema import Marker
from converter.read.values.ihc import parse_ihc_panel
from converter.read.values.text import InvalidValue
from mappings.terminology.genes import gene_by_symbol, resolve_gene
from mappings.terminology.markers import SLUG_CHARS, marker_slug, markers, spellings
from tests.conftest import build

SOURCES = Path(__file__).with_name("ihc_sources.md")


def real_cells() -> dict[int, str]:
    cells = {}
    for line in SOURCES.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\| (\d+) \| (.+?) \| .+ \| .+ \|$", line)
        if found:
            cells[int(found.group(1))] = found.group(2)
    return cells


def read(text: str) -> tuple[tuple[Marker, ...], list[str]]:
    warnings: list[str] = []
    return parse_ihc_panel(text, None, warnings.append), warnings


# Each real cell → the known markers read from it ("<canonical name> <result or ->"), in order.
# Markers casefhir does not know are not listed here (they keep their text, with a warning).
# Cells 21-25 name a diagnosis with its markers in brackets ("malignant melanoma (S100, Melan A,
# and HMB-45 positive)"), 33 a histochemical stain (PAS), 34 and 48 describe staining patterns
# without a marker, 49 is Dutch: none of them gives a known marker, and none gets a wrong one.
EXPECTED: dict[int, tuple[str, ...] | None] = {
    1: (
        "STAT6 positive", "pan-cytokeratin negative", "EMA negative", "SMA negative", "CD31 negative",
        "CD34 negative", "S100 negative", "Melan-A negative",
    ),
    2: ("pan-cytokeratin negative", "EMA negative", "CD34 positive", "BCL2 positive"),
    3: ("CD34 positive", "CD99 positive", "BCL2 positive", "STAT6 positive"),
    4: ("S100 positive",),
    5: ("STAT6 positive",),
    6: ("CD34 positive", "CD99 positive", "BCL2 positive"),
    7: ("STAT6 positive",),
    8: ("STAT6 positive",),
    9: (),
    10: ("STAT6 positive",),
    11: ("CD34 negative",),
    12: ("beta-catenin positive",),
    13: ("EMA positive", "CD99 positive"),
    14: ("vimentin positive", "BCL2 positive", "calponin positive"),
    15: ("pan-cytokeratin positive",),
    16: ("EMA positive", "CD99 positive", "TLE1 positive"),
    17: ("pan-cytokeratin positive", "S100 positive", "BCL2 positive", "EMA positive"),
    18: (
        "TFE3 positive", "MyoD1 positive", "S100 negative", "pan-cytokeratin negative",
        "synaptophysin negative", "chromogranin A negative", "myogenin negative", "PSA negative",
    ),
    19: ("TFE3 positive",),
    20: ("TFE3 positive",),
    21: (),
    22: (),
    23: (),
    24: (),
    25: (),
    26: (
        "CK7 positive", "GATA3 positive", "ER positive", "PAX8 negative", "CDX2 negative",
        "TTF-1 negative", "p40 negative", "CK5/6 negative",
    ),
    27: ("MDM2 positive", "CDK4 positive"),
    28: ("MDM2 positive", "S100 positive", "Ki-67 -"),
    29: ("CDK4 positive", "MDM2 positive", "PPAR-gamma positive"),
    30: ("GFAP positive", "neurofilament positive", "MAP2 positive", "NeuN positive", "Ki-67 positive"),
    31: ("GFAP positive", "neurofilament positive", "CD163 positive", "CD68 positive", "Ki-67 positive"),
    32: ("TTF-1 positive",),
    33: (),
    34: (),
    35: ("pan-TRK -",),
    36: ("CD117 negative", "CD34 negative", "DOG1 positive"),
    37: ("CD117 -",),
    38: ("CD117 negative", "CD34 negative", "S100 negative", "SMA negative"),
    39: ("CD117 positive", "vimentin positive"),
    40: ("CD117 -", "PDGFRA positive"),
    41: ("CD34 negative", "HLA-DR positive"),
    42: ("IDH1 R132H negative",),
    43: ("BRAF V600E -",),
    44: ("ATRX negative",),
    45: ("p53 positive", "p16 positive"),
    46: ("VEGF positive", "MGMT positive", "BRAF V600E positive"),
    47: ("H3K27me3 negative",),
    48: (),
    49: (),
    50: ("PD-L1 -",),
    51: ("PD-L1 positive",),
    52: ("ALK negative",),
    53: (),
    54: ("CD34 -", "desmin -", "EMA -", "pan-cytokeratin -", "S100 -", "SMA -"),
    55: None,  # names no marker it can read: an error
    56: ("p53 -", "p16 -"),
    57: ("MDM2 positive", "CDK4 positive"),
    58: ("CD34 positive", "CD99 positive", "BCL2 positive", "STAT6 positive", "S100 positive"),
    59: ("STAT6 positive", "CD34 negative"),
    60: (
        "vimentin positive", "BCL2 positive", "calponin positive", "pan-cytokeratin positive",
        "EMA positive", "CD99 positive", "TLE1 positive",
    ),
    61: ("pan-cytokeratin positive", "S100 positive", "BCL2 positive", "EMA positive"),
    62: (
        "TFE3 positive", "MyoD1 positive", "NSE positive", "S100 negative", "pan-cytokeratin negative",
        "synaptophysin negative", "chromogranin A negative", "myogenin negative", "PSA negative",
    ),
    63: (
        "CK7 positive", "GATA3 positive", "ER positive", "PAX8 negative", "CDX2 negative",
        "TTF-1 negative", "p40 negative", "CK5/6 negative",
    ),
    64: ("CD34 positive",),
    65: ("CD34 positive",),
    66: ("CD34 -", "desmin -", "EMA -", "pan-cytokeratin -", "S100 -", "SMA -"),
}


def test_the_sources_list_at_least_60_real_cells() -> None:
    cells = real_cells()
    assert len(cells) >= 60 and sorted(cells) == list(range(1, len(cells) + 1))
    assert sorted(EXPECTED) == sorted(cells)


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_real_cells_give_their_markers_and_results(number: int) -> None:
    text = real_cells()[number]
    expected = EXPECTED[number]
    if expected is None:
        with pytest.raises(InvalidValue, match="names no marker"):
            read(text)
        return
    found, warnings = read(text)
    assert tuple(f"{m.name} {m.result or '-'}" for m in found if m.key) == expected
    unknown = [m for m in found if m.key is None]
    for marker in unknown:  # kept as text, without a gene, and said
        assert marker.genes == () and any(repr(marker.written) in w for w in warnings)


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_canonical_text_reads_back_as_the_same_markers(number: int) -> None:
    if EXPECTED[number] is None:
        return
    found, _ = read(real_cells()[number])
    again, _ = read("; ".join(m.canonical for m in found))
    fields = ("name", "key", "genes", "result", "qualifiers", "percent", "comparator", "clone",
              "rest")
    assert [[getattr(m, f) for f in fields] for m in again] == \
        [[getattr(m, f) for f in fields] for m in found]


@pytest.mark.parametrize(("cell", "canonical"), [
    ("CD34+, STAT6+ (nuclear), S100-, SMA focal, Ki-67 15%",
     "CD34 positive; STAT6 positive (nuclear); S100 negative; SMA positive (focal); Ki-67 15%"),
    ("diffusely positive for CD34 and STAT6; negative for S100, SOX10 and desmin",
     "CD34 positive (diffuse); STAT6 positive (diffuse); S100 negative; SOX10 negative; "
     "desmin negative"),
    ("TLE1 (+)", "TLE1 positive"),
    ("H3K27me3 loss", "H3K27me3 negative (loss)"),
    ("pan-TRK positive", "pan-TRK positive"),
    ("Ki67 ~30%", "Ki-67 30% (approximately)"),
    ("ALK (D5F3) positive", "ALK (D5F3) positive"),
    ("PD-L1 TPS 60%", "PD-L1 60% (TPS)"),
    ("PD-L1 (22C3) TPS <1%", "PD-L1 (22C3) <1% (TPS)"),
    ("CK-, EMA focal +", "pan-cytokeratin negative; EMA positive (focal)"),
    ("CD34\nSTAT6 +\nS100 \u2212", "CD34; STAT6 positive; S100 negative"),
    ("CD34 and STAT6 positive", "CD34 positive; STAT6 positive"),
    ("CD31, CD34 and ERG positive; D2-40 negative",
     "CD31 positive; CD34 positive; ERG positive; D2-40 negative"),
    ("Desmin, myogenin, MyoD1: negative", "desmin negative; myogenin negative; MyoD1 negative"),
    ("Positive: CD34, STAT6. Negative: S100, desmin",
     "CD34 positive; STAT6 positive; S100 negative; desmin negative"),
    ("IHC: INI1 retained, loss of H3K27me3", "INI1 positive (retained); H3K27me3 negative (loss)"),
    ("CD34(+) STAT6(+)", "CD34 positive; STAT6 positive"),
    ("SMA focal, weak", "SMA positive (focal, weak)"),
    ("EMA+/-", "EMA equivocal"),
    ("CD34++", "CD34 positive (++)"),
    ("HER2 2+", "HER2 (2+)"),
    ("CD117 (c-KIT) negative", "CD117 negative"),
    ("Ki-67 (MIB-1) <5%", "Ki-67 <5%"),
    ("Ki-67: 10-15%", "Ki-67 10-15%"), ("Ki-67 20-10%", "Ki-67 [20-10%]"),
    ("ER positive (90%)", "ER positive 90%"),
    ("No expression of SOX10", "SOX10 negative"),
    ("CD34 positive in spindle cells", "CD34 positive [in spindle cells]"),
    ("\u03b1-SMA +", "SMA positive"),
])
def test_cells_as_tables_write_them(cell: str, canonical: str) -> None:
    found, _ = read(cell)
    assert "; ".join(m.canonical for m in found) == canonical


@pytest.mark.parametrize(("cell", "genes"), [
    ("SMA +", ("ACTA2",)), ("smooth muscle actin +", ("ACTA2",)), ("EMA +", ("MUC1",)),
    ("S100 +", ()), ("AE1/AE3 +", ()), ("CK +", ()), ("H3K27me3 loss", ()),
    ("pan-TRK +", ("NTRK1", "NTRK2", "NTRK3")), ("INI1 lost", ("SMARCB1",)),
    ("Ki-67 20%", ("MKI67",)), ("desmin +", ("DES",)), ("CD34 +", ("CD34",)),
    ("STAT6 +", ("STAT6",)), ("DOG1 +", ("ANO1",)), ("CD117 +", ("KIT",)), ("PD-L1 +", ("CD274",)),
])
def test_genes_only_where_the_marker_is_one_genes_product(cell: str,
                                                          genes: tuple[str, ...]) -> None:
    [marker], _ = read(cell)
    assert tuple(g.symbol for g in marker.genes) == genes
    for gene in marker.genes:
        entry = gene_by_symbol(gene.symbol or "")
        assert entry is not None and gene.hgnc_id == entry.hgnc_id


def test_sma_is_not_read_as_a_gene_symbol() -> None:
    # the reason the marker table exists: HGNC gives SMA as a previous symbol of SMN1
    assert resolve_gene("SMA").entry is not None and resolve_gene("SMA").entry.symbol == "SMN1"
    [marker], _ = read("SMA +")
    assert [g.symbol for g in marker.genes] == ["ACTA2"]


def test_every_gene_of_the_marker_table_is_approved_and_its_source_quotes_hgnc() -> None:
    for entry in markers().values():
        assert re.fullmatch(rf"[a-z0-9]{{1,{SLUG_CHARS}}}", entry.key), entry.key
        assert marker_slug(entry.key) == entry.key
        assert entry.source
        for symbol in entry.genes:
            resolution = resolve_gene(symbol)
            assert resolution.status == "approved", (entry.key, symbol, resolution.message)
            assert resolution.entry is not None
            assert f"{symbol} '{resolution.entry.name}'" in entry.source, (entry.key, symbol)
    assert len(spellings()) > len(markers())  # and no spelling names two markers (it raises)


def test_unknown_markers_keep_their_text_with_a_warning() -> None:
    [marker], warnings = read("factor XIIIa positive")
    assert (marker.name, marker.key, marker.genes, marker.result) == \
        ("factor XIIIa", None, (), "positive")
    assert warnings == ["'factor XIIIa' is not a known immunohistochemistry marker "
                        "(mappings/terminology/markers.toml); kept as text without a gene"]


def test_a_marker_named_twice_keeps_the_first_with_a_warning() -> None:
    found, warnings = read("CD34 positive, STAT6 positive, CD34 negative")
    assert [m.canonical for m in found] == ["CD34 positive", "STAT6 positive"]
    assert any("CD34 is named twice" in w for w in warnings)


def test_conflicting_results_are_kept_as_text() -> None:
    [marker], warnings = read("CD34 positive negative")
    assert marker.result is None and marker.qualifiers == () and marker.rest
    assert any("more than one result" in w for w in warnings)


@pytest.mark.parametrize("cell", ["positive", "+", "focal, weak"])
def test_a_cell_without_a_marker_is_an_error(cell: str) -> None:
    with pytest.raises(InvalidValue, match="names no marker"):
        read(cell)


def test_an_ihc_column_reads_into_the_record_and_is_no_longer_pan_trk() -> None:
    record, problems = build({"case_id": "1", "IHC": "STAT6+, CD34+"})
    assert record is not None and problems == []
    assert record.pan_trk_ihc is None
    assert [m.canonical for m in record.ihc] == ["STAT6 positive", "CD34 positive"]


def test_pan_trk_in_both_columns_keeps_the_first_column() -> None:
    record, problems = build({"case_id": "1", "pan_trk_ihc": "positive",
                              "ihc": "pan-TRK negative, CD34+"})
    assert record is not None and record.pan_trk_ihc is not None
    assert [m.name for m in record.ihc] == ["CD34"]
    assert [p.location.column for p in problems] == ["ihc"]
    record, problems = build({"case_id": "1", "ihc": "pan-TRK negative", "pan_trk_ihc": "+"})
    assert record is not None and record.pan_trk_ihc is None
    assert [m.name for m in record.ihc] == ["pan-TRK"]
    assert [p.location.column for p in problems] == ["pan_trk_ihc"]


# The IHC cells of the literature corpus (tests/corpus/*/cases.csv, each quoted in its README)
@pytest.mark.parametrize(("cell", "expected"), [
    ("ALK1 diffuse, desmin focal, SMA focal; c-Kit negative, S-100 negative",  # imt-lit 1
     "ALK positive (diffuse); desmin positive (focal); SMA positive (focal); CD117 negative; "
     "S100 negative"),
    ("ALK+, Actin (SM)+, vimentin+, CK+, EMA+, Ki-67+",  # imt-lit 2
     "ALK positive; SMA positive; vimentin positive; pan-cytokeratin positive; EMA positive; "
     "Ki-67 positive"),
    ("Vim+, CD117+, PDGFR+; SDHB-",  # gist-lit 6
     "vimentin positive; CD117 positive; PDGFR positive; SDHB negative"),
    ("CD99 and FLI-1 strongly positive",  # ewing-lit 12
     "CD99 positive (strong); FLI1 positive (strong)"),
    ("bcl-2 and TLE-1 diffusely positive; cytokeratin AE1/AE3 scattered positive; CD34, S100 and "
     "CD117 negative; Ki-67 12%",  # synovial-lit 6
     "BCL2 positive (diffuse); TLE1 positive (diffuse); pan-cytokeratin positive (scattered) "
     "[AE1/AE3]; CD34 negative; S100 negative; CD117 negative; Ki-67 12%"),
    ("CD34+, c-kit (CD117)+", "CD34 positive; CD117 positive"),  # gist-lit 1
    ("DOG1+, NKX2.2+, BCOR+, pan-TRK-, CD99+, EMA-",
     "DOG1 positive; NKX2.2 positive; BCOR positive; pan-TRK negative; CD99 positive; "
     "EMA negative"),
])
def test_literature_corpus_cells(cell: str, expected: str) -> None:
    found, warnings = read(cell)
    assert "; ".join(m.canonical for m in found) == expected
    assert all(m.key is not None for m in found)
    assert not any("not a known" in w for w in warnings)


@pytest.mark.parametrize(("cell", "genes"), [
    ("Actin (SM)+", ("ACTA2",)), ("SM actin +", ("ACTA2",)), ("PCK+", ()), ("SDHB-", ("SDHB",)),
    ("SDHA retained", ("SDHA",)), ("PDGFR-\u03b1 +", ("PDGFRA",)), ("PDGFR alpha +", ("PDGFRA",)),
    ("PDGFR\u03b2 +", ("PDGFRB",)), ("ALK1 +", ("ALK",)), ("ALK-1 +", ("ALK",)),
    ("c-Kit +", ("KIT",)), ("Ki-67+", ("MKI67",)),
])
def test_corpus_spellings_name_their_genes(cell: str, genes: tuple[str, ...]) -> None:
    [marker], warnings = read(cell)
    assert tuple(g.symbol for g in marker.genes) == genes and warnings == []
    assert marker.result == ("negative" if cell.endswith("-") else "positive")


def test_alk1_is_the_alk_antibody_not_the_gene_acvrl1() -> None:
    # HGNC gives ALK1 as an alias of both ALK and ACVRL1; in an IHC panel it is the ALK1 clone
    assert resolve_gene("ALK1").status == "ambiguous"
    [marker], _ = read("ALK1 diffuse")
    assert [(g.symbol, g.hgnc_id) for g in marker.genes] == [("ALK", "HGNC:427")]


def test_a_name_that_does_not_say_which_gene_keeps_its_result_without_a_gene() -> None:
    # gist-lit 6 (Lv 2021: "positive for Vim, CD117, PDGFR"): PDGFRA or PDGFRB? Not said.
    [marker], warnings = read("PDGFR+")
    assert (marker.name, marker.genes, marker.result) == ("PDGFR", (), "positive")
    assert warnings == ["PDGFR may be PDGFRA or PDGFRB, and the cell does not say which; kept as "
                        "that name without a gene"]
    [vegf], warnings = read("VEGF positive")
    assert vegf.genes == () and warnings == [
        "VEGF may be VEGFA, VEGFB, VEGFC or VEGFD, and the cell does not say which; kept as that "
        "name without a gene"]


def test_every_one_of_symbol_is_approved_and_quoted_or_named() -> None:
    for entry in markers().values():
        assert not (entry.one_of and entry.genes), entry.key  # either it says the gene or not
        for symbol in entry.one_of:
            assert resolve_gene(symbol).status == "approved", (entry.key, symbol)
            assert symbol in entry.source, (entry.key, symbol)
