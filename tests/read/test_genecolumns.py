"""Headers that name genes: which ones bind a molecular column, the genes they give a bare
result, and the words that only look like genes."""

from __future__ import annotations

import pytest

from converter.read.genecolumns import gene_column, header_genes
from tests.conftest import build


@pytest.mark.parametrize(("header", "expected"), [
    ("EGFR", ("molecular", ("EGFR",))),
    ("KRAS mutation", ("molecular", ("KRAS",))),
    ("ALK status", ("molecular", ("ALK",))),
    ("EGFR/ALK/ROS1", ("molecular", ("EGFR", "ALK", "ROS1"))),
    ("EGFR, ALK and ROS1 status", ("molecular", ("EGFR", "ALK", "ROS1"))),
    ("KRAS/NRAS/BRAF status", ("molecular", ("KRAS", "NRAS", "BRAF"))),
    ("NTRK fusion", ("fusion", ("NTRK1", "NTRK2", "NTRK3"))),
    ("NTRK1-3 rearrangement", ("fusion", ("NTRK1", "NTRK2", "NTRK3"))),
    ("NTRK1/2/3 fusion", ("fusion", ("NTRK1", "NTRK2", "NTRK3"))),
    ("CDKN2A/B", ("molecular", ("CDKN2A", "CDKN2B"))),
    ("MET amplification", ("molecular", ("MET",))),
    ("NKX2-1", ("molecular", ("NKX2-1",))),  # a hyphen inside an approved symbol
])
def test_gene_headers(header: str, expected: tuple[str, tuple[str, ...]]) -> None:
    assert gene_column(header) == expected


@pytest.mark.parametrize("header", ["Age", "Method", "Sex", "FISH", "MRI", "Ret", "HER2 status",
                                    "Gene fusion", "BRAF V600E", "pan-TRK"])
def test_words_are_not_gene_headers(header: str) -> None:
    # aliases of unrelated genes (FISH, SEX, MRI), words in lower case, aliases in headers
    assert gene_column(header) is None


def test_header_genes_of_a_dictionary_alias() -> None:
    assert header_genes("NTRK fusion") == ("NTRK1", "NTRK2", "NTRK3")
    assert header_genes("Gene fusion") == ()


def test_several_molecular_columns_of_one_row_join_in_order() -> None:
    record, problems = build({"Case": "1", "EGFR": "L858R", "KRAS mutation": "wt",
                              "NTRK fusion": "negative", "Molecular": "ERBB2 amplification"})
    assert record is not None, [p.render() for p in problems]
    found = [(f.kind, f.present, tuple(g.label for g in f.genes)) for f in record.findings]
    assert found == [("fusion", False, ("NTRK1", "NTRK2", "NTRK3")),
                     ("variant", True, ("EGFR",)), ("variant", False, ("KRAS",)),
                     ("copy-number", True, ("ERBB2",))]
    texts = [f.text for f in record.findings]
    assert texts[1].startswith("EGFR") and "KRAS" in texts[2]  # they stand alone


def test_two_findings_in_one_cell_never_reject_the_row() -> None:
    record, problems = build({"Case": "1", "Molecular": "KRAS G12C; TP53 R273H",
                              "Fusion": "EML4-ALK; no NTRK rearrangement"})
    assert record is not None and len(record.findings) == 4
    assert not [p for p in problems if p.severity.name == "ERROR"]
