"""The HGNC gene table: every approved symbol coded, previous symbols and aliases resolved with a
warning, ambiguous and withdrawn symbols never coded, and the shipped tables exactly what the
project script derives from ../shared/data/terminology."""

from __future__ import annotations

import gzip
import subprocess
import sys

from mappings.terminology.genes import (
    SHARED_NAMES,
    TABLE,
    approved_count,
    gene_by_symbol,
    resolve_gene,
)
from mappings.terminology.sequence_ontology import sequence_terms, so_coding
from tests.conftest import ROOT, SHARED


def test_shipped_tables_are_what_the_sources_give() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "derive_terminology.py"),
                          "--shared", str(SHARED), "--check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_every_approved_symbol_of_the_hgnc_set_is_coded() -> None:
    approved = {}
    with gzip.open(SHARED / "data/terminology/hgnc/hgnc_complete_set.txt.gz", "rt") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        for line in handle:
            row = dict(zip(header, line.rstrip("\n").split("\t"), strict=False))
            if row["status"] == "Approved":
                approved[row["symbol"]] = row["hgnc_id"]
    assert approved_count() == len(approved) == 43_882
    for symbol, hgnc_id in approved.items():
        entry = gene_by_symbol(symbol)
        assert entry is not None and entry.hgnc_id == hgnc_id, symbol
    # the genes of issue 12's real tables
    for symbol, hgnc_id in {"NTRK2": "HGNC:8032", "ASPSCR1": "HGNC:13825", "TFE3": "HGNC:11752",
                            "NAB2": "HGNC:7627", "STAT6": "HGNC:11368", "BRAF": "HGNC:1097",
                            "EGFR": "HGNC:3236", "KIF5B": "HGNC:6324", "TP53": "HGNC:11998"}.items():
        assert resolve_gene(symbol).entry.hgnc_id == hgnc_id  # type: ignore[union-attr]


def test_lookup_ignores_case_but_keeps_the_approved_spelling() -> None:
    found = resolve_gene("c1orf21")
    assert found.status == "approved" and found.entry is not None
    assert found.entry.symbol == "C1orf21" and found.message is None


def test_a_previous_symbol_resolves_with_a_warning_naming_both() -> None:
    found = resolve_gene("KRAS2")
    assert found.status == "previous" and found.entry is not None
    assert found.entry.symbol == "KRAS" and found.entry.hgnc_id == "HGNC:6407"
    assert "KRAS2" in (found.message or "") and "KRAS (HGNC:6407" in (found.message or "")


def test_an_alias_of_one_gene_resolves_with_a_warning() -> None:
    found = resolve_gene("HER2")
    assert found.status == "alias" and found.entry is not None and found.entry.symbol == "ERBB2"
    assert "alias of ERBB2" in (found.message or "")


def test_an_alias_several_genes_share_is_not_coded_and_lists_them() -> None:
    found = resolve_gene("TRK")
    assert found.status == "ambiguous" and found.entry is None
    assert found.candidates == ("NTRK1", "TPM3")
    assert "NTRK1, TPM3" in (found.message or "") and "without a code" in (found.message or "")


def test_a_withdrawn_symbol_names_its_successor_and_is_not_coded() -> None:
    found = resolve_gene("TCEB1P1")
    assert found.status == "withdrawn" and found.entry is None
    assert "SKP1P1" in (found.message or "")
    nothing = resolve_gene("A12M1")
    assert nothing.status == "withdrawn" and "names no successor" in (nothing.message or "")


def test_words_are_unknown() -> None:
    for word in ("V600E", "fusion", ""):
        found = resolve_gene(word)
        assert found.entry is None and found.status == "unknown", word


def test_the_package_stays_small() -> None:
    assert TABLE.stat().st_size < 1_000_000


def test_sequence_ontology_terms_casefhir_writes() -> None:
    terms = sequence_terms()
    for name, term_id in {"gene_fusion": "SO:0001565", "missense_variant": "SO:0001583",
                          "SNV": "SO:0001483", "copy_number_gain": "SO:0001742",
                          "frameshift_variant": "SO:0001589", "stop_gained": "SO:0001587",
                          "inframe_deletion": "SO:0001822"}.items():
        assert terms[name].id == term_id
    assert terms["SNV"].dna_change_type and terms["missense_variant"].consequence
    assert so_coding("gene_fusion") == {"system": "http://www.sequenceontology.org",
                                        "code": "SO:0001565", "display": "gene_fusion"}


def test_the_stem_of_a_numbered_family_is_not_one_gene() -> None:
    # HGNC lists SSX as a previous symbol of SSX2 alone, but "SYT-SSX" means the SSX family
    found = resolve_gene("SSX")
    assert found.status == "ambiguous" and found.entry is None
    assert found.candidates[:2] == ("SSX1", "SSX2")
    assert resolve_gene("ERG").status == "approved"  # an approved stem stays itself
    assert resolve_gene("NTRK").candidates == ("NTRK1", "NTRK2", "NTRK3")


def test_a_name_papers_use_for_several_genes_is_not_coded_as_the_one_hgnc_gives() -> None:
    # HGNC keeps PDGFR as a previous symbol of PDGFRB alone; GIST papers write it for PDGFRA
    # ("PDGFR D842V" is the PDGFRA hotspot): coded as neither, the warning names both
    found = resolve_gene("PDGFR")
    assert found.status == "ambiguous" and found.entry is None
    assert found.candidates == ("PDGFRA", "PDGFRB")
    for candidates in SHARED_NAMES.values():
        assert all(resolve_gene(symbol).status == "approved" for symbol in candidates)
    assert resolve_gene("PDGFRA").entry is not None  # the approved symbols stay themselves
