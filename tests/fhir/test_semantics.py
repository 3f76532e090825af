"""`casefhir validate`'s semantic checks catch every wrong molecular fact of issue 12's "Why" (the
bundles casefhir 0.2 wrote for real tables), and pass what casefhir writes now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from converter.fhir.semantics import SemanticCheck, resource_problems
from converter.fhir.validate import validate_files
from tests.conftest import EXAMPLES

LOINC = "http://loinc.org"
HGNC = "http://www.genenames.org"
SO = "http://www.sequenceontology.org"


def gene(symbol: str, hgnc_id: str | None = None) -> dict[str, Any]:
    value = ({"coding": [{"system": HGNC, "code": hgnc_id, "display": symbol}]} if hgnc_id
             else {"text": symbol})
    return {"code": {"coding": [{"system": LOINC, "code": "48018-6"}]},
            "valueCodeableConcept": value}


FUSION_TYPE = {"code": {"coding": [{"system": LOINC, "code": "48019-4"}]},
               "valueCodeableConcept": {"coding": [{"system": SO, "code": "SO:0001565",
                                                    "display": "gene_fusion"}]}}


def variant(rid: str, text: str, *components: dict[str, Any], present: bool = True) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "69548-6"}]},
            "valueCodeableConcept": {"coding": [{"system": LOINC,
                                                 "code": "LA9633-4" if present else "LA9634-2"}],
                                     "text": text},
            "component": list(components)}


def report(conclusion: str, *results: str) -> dict[str, Any]:
    return {"resourceType": "DiagnosticReport", "id": "r", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "51969-4"}]},
            "result": [{"reference": f"Observation/{r}"} for r in results],
            "conclusion": conclusion}


def messages(resource: dict[str, Any]) -> list[str]:
    return [m for severity, m in resource_problems(resource) if severity == "error"]


def test_a_point_mutation_read_as_a_fusion_is_an_error() -> None:
    wrong = variant("v", "BRAF V600E", gene("BRAF", "HGNC:1097"), gene("V600E"), FUSION_TYPE)
    assert any("'V600E' as a gene, which is a protein change" in m for m in messages(wrong))
    dnmt3a = variant("d", "DNMT3A R882H", gene("DNMT3A", "HGNC:2978"), gene("R882H"), FUSION_TYPE)
    assert messages(dnmt3a)


def test_an_approved_gene_left_uncoded_is_an_error() -> None:
    wrong = variant("v", "EGFR L858R", gene("EGFR"))
    assert messages(wrong) == [
        "Observation/v: gene EGFR is an approved HGNC symbol (HGNC:3236) but is not coded"]


def test_a_wrong_hgnc_id_or_display_is_an_error() -> None:
    assert messages(variant("v", "x", gene("KRAS", "HGNC:99999999")))
    assert any("HGNC:3236 is EGFR, not 'ERBB2'" in m
               for m in messages(variant("v", "x", gene("ERBB2", "HGNC:3236"))))


def test_a_fusion_that_lost_its_partner_is_an_error() -> None:
    wrong = variant("v", "NAB2ex7-STAT6ex16", gene("STAT6", "HGNC:11368"), FUSION_TYPE)
    assert any("also name NAB2" in m for m in messages(wrong))


def test_another_stain_read_as_pan_trk_is_an_error() -> None:
    test = {"resourceType": "Observation", "id": "ihc", "status": "final",
            "meta": {"profile": ["http://hl7.org/fhir/us/mcode/StructureDefinition/"
                                 "mcode-tumor-marker-test"]},
            "code": {"text": "pan-TRK immunohistochemistry"},
            "valueCodeableConcept": {"text": "STAT6+, CD34+"},
            "component": [gene("NTRK1", "HGNC:8031"), gene("NTRK2", "HGNC:8032"),
                          gene("NTRK3", "HGNC:8033")]}
    assert any("name other markers (STAT6, CD34)" in m for m in messages(test))
    test["valueCodeableConcept"] = {"text": "pan-TRK positive (diffuse)"}
    assert messages(test) == []


def test_a_conclusion_its_results_contradict_is_an_error() -> None:
    check: SemanticCheck[None] = SemanticCheck()
    check.add(variant("a", "BRAF V600E", gene("BRAF", "HGNC:1097")), None)
    check.add(report("BRAF::V600E fusion detected", "a"), None)
    check.add(variant("b", "negative", gene("ALK", "HGNC:427"), present=False), None)
    check.add(report("ALK fusion detected", "b"), None)
    check.add(report("No ALK fusion detected", "b"), None)
    found = [m for _, severity, m in check.finish() if severity == "error"]
    assert len(found) == 2
    assert "BRAF::V600E fusion detected, but no result is a present fusion" in found[0]
    assert "'ALK fusion detected', but every result is absent" in found[1]


def test_what_casefhir_writes_passes(tmp_path: Path) -> None:
    for example in ("kobayashi-2023", "messy-synthetic"):
        result = validate_files([str(EXAMPLES / example / "bundle.json")])
        assert [p.render() for p in result.problems if p.severity.name == "ERROR"] == []


def test_validate_reports_them_at_the_entry(tmp_path: Path) -> None:
    bad = variant("v", "BRAF V600E", gene("BRAF", "HGNC:1097"), gene("V600E"), FUSION_TYPE)
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"fullUrl": "urn:uuid:1", "resource": bad}]}
    path = tmp_path / "old.json"
    path.write_bytes(orjson.dumps(bundle))
    result = validate_files([str(path)])
    rendered = [p.render() for p in result.problems]
    assert any("entry 1" in r and "protein change" in r for r in rendered), rendered
