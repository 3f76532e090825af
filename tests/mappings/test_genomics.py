"""Molecular findings → one GenomicVariant per finding in one GenomicsReport: the components each
kind of finding gets, and nothing the finding does not say."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from converter.fhir.validate import structure_errors
from converter.read.schema import CaseRecord, Finding, Gene, Term
from mappings import profiles
from mappings.case import map_record
from mappings.genomics import from_fhir_genomics, to_fhir_genomics
from tests.conftest import SERIES, codes

ETV6 = Gene("ETV6", "ETV6", "HGNC:3495")
NTRK1 = Gene("NTRK1", "NTRK1", "HGNC:8031")
NTRK2 = Gene("NTRK2", "NTRK2", "HGNC:8032")
NTRK3 = Gene("NTRK3", "NTRK3", "HGNC:8033")
BRAF = Gene("BRAF", "BRAF", "HGNC:1097")
MDM2 = Gene("MDM2", "MDM2", "HGNC:6973")
TP53 = Gene("TP53", "TP53", "HGNC:11998")


def case(*findings: Finding, method: str | None = "NGS") -> CaseRecord:
    return CaseRecord(SERIES, "1", findings=findings,
                      molecular_method=Term(method, "sequencing") if method else None)


def components(observation: dict[str, Any]) -> dict[str, list[Any]]:
    result: dict[str, list[Any]] = {}
    for component in observation.get("component", []):
        value = next(v for k, v in component.items() if k.startswith("value"))
        result.setdefault(component["code"]["coding"][0]["code"], []).append(value)
    return result


def test_a_fusion_is_a_genomic_variant_in_a_genomics_report() -> None:
    fusion = Finding("fusion", True, "ETV6-NTRK3", (ETV6, NTRK3))
    variant, report = to_fhir_genomics(case(fusion))
    assert variant["meta"]["profile"] == [profiles.GENOMIC_VARIANT]
    assert variant["id"].endswith(".fusion")
    assert codes(variant["code"]) == ["69548-6"]
    assert codes(variant["valueCodeableConcept"]) == ["LA9633-4"]
    assert variant["valueCodeableConcept"]["text"] == "ETV6-NTRK3"
    assert [codes(c) for c in variant["category"]] == [["laboratory"], ["GE"]]
    parts = components(variant)
    assert [codes(g) for g in parts["48018-6"]] == [["HGNC:3495"], ["HGNC:8033"]]
    assert codes(parts["48019-4"][0]) == ["SO:0001565"]
    assert codes(parts["molecular-consequence"][0]) == ["SO:0001565"]
    assert parts["81252-9"] == [{"text": "ETV6::NTRK3"}]
    assert "48002-0" not in parts  # the table does not say somatic
    assert codes(variant["method"]) == ["LA26398-0"]
    assert report["meta"]["profile"] == [profiles.GENOMICS_REPORT]
    assert codes(report["code"]) == ["51969-4", "81247-9"]
    assert report["code"]["text"] == "Molecular testing for gene fusions"
    assert report["result"] == [{"reference": f"Observation/{variant['id']}"}]
    assert report["conclusion"] == "ETV6::NTRK3 fusion detected"


def test_a_fusion_with_exons_and_one_without_its_partner() -> None:
    nab2 = Gene("NAB2", "NAB2", "HGNC:7627")
    stat6 = Gene("STAT6", "STAT6", "HGNC:11368")
    exons = Finding("fusion", True, "NAB2ex6-STAT6ex16", (nab2, stat6), exons=("6", "16"))
    alone = Finding("fusion", True, "NTRK1 fusion", (NTRK1,))
    first, second, report = to_fhir_genomics(case(exons, alone))
    assert components(first)["81252-9"] == [
        {"text": "NAB2::STAT6 (NAB2 exon 6, STAT6 exon 16)"}]
    assert components(second)["81252-9"] == [{"text": "NTRK1 fusion (partner not reported)"}]
    assert second["id"].endswith(".fusion-2")
    assert report["conclusion"] == ("NAB2::STAT6 (NAB2 exon 6, STAT6 exon 16) detected; "
                                    "NTRK1 fusion (partner not reported) detected")


def test_a_negative_result_is_a_pertinent_negative_for_the_genes_tested() -> None:
    negative = Finding("fusion", False, "negative", (NTRK1, NTRK2, NTRK3))
    variant, report = to_fhir_genomics(case(negative))
    assert codes(variant["valueCodeableConcept"]) == ["LA9634-2"]
    parts = components(variant)
    assert [codes(g) for g in parts["48018-6"]] == [["HGNC:8031"], ["HGNC:8032"], ["HGNC:8033"]]
    assert codes(parts["48019-4"][0]) == ["SO:0001565"]  # what was looked for
    assert "molecular-consequence" not in parts and "81252-9" not in parts
    assert report["conclusion"] == "No NTRK1, NTRK2 or NTRK3 fusion detected"


def test_a_sequence_variant_with_its_transcript() -> None:
    v600e = Finding("variant", True, "BRAF NM_004333.4:c.1799T>A (p.V600E)", (BRAF,),
                    transcript="NM_004333.4", coding_change="c.1799T>A",
                    protein_change="p.Val600Glu", change_type="SNV",
                    consequence="missense_variant", allele_frequency=35)
    variant, report = to_fhir_genomics(case(v600e))
    assert variant["id"].endswith(".variant")
    parts = components(variant)
    assert [codes(g) for g in parts["48018-6"]] == [["HGNC:1097"]]
    assert parts["48004-6"] == [{"coding": [{"system": "http://varnomen.hgvs.org",
                                             "code": "NM_004333.4:c.1799T>A"}]}]
    assert parts["51958-7"] == [{"coding": [{"system": "http://www.ncbi.nlm.nih.gov/refseq",
                                             "code": "NM_004333.4"}]}]
    assert codes(parts["48019-4"][0]) == ["SO:0001483"]
    assert codes(parts["molecular-consequence"][0]) == ["SO:0001583"]
    assert parts["81252-9"] == [{"text": "BRAF p.Val600Glu (c.1799T>A)"}]
    assert parts["81258-6"] == [{"value": 0.35, "system": "http://unitsofmeasure.org",
                                 "code": "1"}]
    assert "48005-3" not in parts  # no protein reference sequence: no p. HGVS code
    assert report["code"]["text"] == "Molecular testing"
    assert report["conclusion"] == "BRAF p.Val600Glu (c.1799T>A) detected"


def test_a_protein_change_alone_claims_no_dna_change_or_hgvs_code() -> None:
    g12c = Finding("variant", True, "KRAS G12C", (Gene("KRAS", "KRAS", "HGNC:6407"),),
                   protein_change="p.Gly12Cys", consequence="missense_variant")
    variant, _ = to_fhir_genomics(case(g12c))
    parts = components(variant)
    assert "48019-4" not in parts and "48004-6" not in parts and "51958-7" not in parts
    assert parts["81252-9"] == [{"text": "KRAS p.Gly12Cys"}]


def test_copy_number_origin_and_an_unread_finding() -> None:
    amp = Finding("copy-number", True, "MDM2 amplification (12 copies)", (MDM2,),
                  copy_number="amplification", copies=12)
    germline = Finding("variant", True, "germline TP53 R248W", (TP53,),
                       protein_change="p.Arg248Trp", consequence="missense_variant",
                       origin="germline")
    unread = Finding("unparsed", None, "complex karyotype")
    observations = to_fhir_genomics(case(amp, germline, unread, method=None))
    by_role = {o["id"].rsplit(".", 1)[1]: o for o in observations}
    assert set(by_role) == {"variant", "copy-number", "molecular-text", "genomics-report"}
    parts = components(by_role["copy-number"])
    assert codes(parts["48019-4"][0]) == ["SO:0001742"]
    assert parts["82155-3"] == [{"value": 12, "system": "http://unitsofmeasure.org", "code": "1"}]
    assert codes(components(by_role["variant"])["48002-0"][0]) == ["LA6683-2"]
    text = by_role["molecular-text"]
    assert "meta" in text and "profile" not in text["meta"]
    assert text["valueString"] == "complex karyotype" and "method" not in text
    report = by_role["genomics-report"]
    assert [r["reference"].rsplit(".", 1)[1] for r in report["result"]] == [
        "variant", "copy-number", "molecular-text"]
    assert report["conclusion"] == ("TP53 p.Arg248Trp detected; MDM2 amplification detected; "
                                    "as written: complex karyotype")


def test_a_finding_names_its_own_method_before_the_columns() -> None:
    fish = Finding("rearrangement", True, "ALK rearrangement (FISH)", (Gene("ALK", "ALK", "HGNC:427"),),
                   method=Term("FISH"))
    variant, _ = to_fhir_genomics(case(fish))
    assert variant["method"] == {"text": "FISH"}


def test_every_kind_gives_valid_r4_and_comes_back_as_cells() -> None:
    findings = (
        Finding("fusion", True, "ETV6::NTRK3", (ETV6, NTRK3)),
        Finding("variant", True, "BRAF V600E", (BRAF,), protein_change="p.Val600Glu",
                consequence="missense_variant"),
        Finding("variant", False, "TP53 wild type", (TP53,)),
        Finding("copy-number", True, "MDM2 amp", (MDM2,), copy_number="amplification"),
        Finding("alteration", True, "ALK positive", (Gene("ALK", "ALK", "HGNC:427"),)),
        Finding("unparsed", None, "see report"),
    )
    record = replace(case(*findings), source=None)
    resources = map_record(record)
    for resource in resources:
        assert structure_errors(resource) == [], resource["id"]
    case_resources = {r["id"].removeprefix("test-series.1.") if r["id"] != "test-series.1"
                      else "patient": r for r in resources}
    assert from_fhir_genomics(case_resources) == {
        "fusion": "ETV6::NTRK3",
        "molecular": "BRAF V600E; TP53 wild type; MDM2 amp; ALK positive; see report",
        "molecular_method": "NGS",
    }


def _variants_of(cell: str) -> list[dict[str, Any]]:
    from tests.conftest import record

    made = to_fhir_genomics(record(molecular=cell))
    for resource in made:
        assert structure_errors(resource) == [], resource["id"]
    return [r for r in made if r["resourceType"] == "Observation"]


def _genes_studied(observation: dict[str, Any]) -> list[tuple[str | None, str | None]]:
    return [(v.get("coding", [{}])[0].get("code"), v.get("coding", [{}])[0].get("display")
             or v.get("text")) for v in components(observation).get("48018-6", [])]


def test_literature_corpus_cells_say_what_they_say() -> None:
    # synovial-lit 7 (Hashimoto 2018): SYT is SS18 beside SSX; SSX's member is not stated
    [syt_ssx] = _variants_of("SYT-SSX fusion gene transcripts")
    assert _genes_studied(syt_ssx) == [("HGNC:11340", "SS18"), (None, "SSX")]
    assert components(syt_ssx)["81252-9"] == [{"text": "SS18::SSX"}]
    assert codes(components(syt_ssx)["48019-4"][0]) == ["SO:0001565"]  # gene_fusion
    # imt-lit 6: "kinase" is no partner; a ROS1 fusion whose partner is not named
    [ros1] = _variants_of("ROS1 kinase fusion")
    assert _genes_studied(ros1) == [("HGNC:10261", "ROS1")]
    assert components(ros1)["81252-9"] == [{"text": "ROS1 fusion (partner not reported)"}]
    # synovial-lit 4 (Boulter 2007): one finding, a rearrangement naming no gene (never split)
    [variant_x18] = _variants_of("Variant X;18 translocation")
    assert "48018-6" not in components(variant_x18)
    assert variant_x18["valueCodeableConcept"]["text"] == "Variant X;18 translocation"
    # gist-lit 6 (Lv 2021): a synonymous SDHB variant; KIT and PDGFRA wild type (absent)
    sdhb, kit, pdgfra = _variants_of("SDHB synonymous mutation; KIT wild-type, PDGFRA wild-type")
    assert codes(components(sdhb)["molecular-consequence"][0]) == ["SO:0001819"]
    assert "48019-4" not in components(sdhb)  # the DNA change is not said
    assert [codes(o["valueCodeableConcept"]) for o in (sdhb, kit, pdgfra)] == \
        [["LA9633-4"], ["LA9634-2"], ["LA9634-2"]]
    # gist-lit 7 (Jabeen 2013): the exon written before the gene
    [kit_exon] = _variants_of("Exon 11 KIT mutations")
    assert _genes_studied(kit_exon) == [("HGNC:6342", "KIT")]
    assert components(kit_exon)["81252-9"] == [{"text": "KIT exon 11 mutation"}]


def test_syt_is_ss18_only_beside_ssx() -> None:
    [alone] = _variants_of("SYT mutation")
    assert _genes_studied(alone) == [(None, "SYT")]  # SS18 or SYT1: not said
    [ewsr1] = _variants_of("EWSR1-FLI1")
    assert _genes_studied(ewsr1) == [("HGNC:3508", "EWSR1"), ("HGNC:3749", "FLI1")]
