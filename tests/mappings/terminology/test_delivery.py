"""casefhir's local terminology Bundle: every casefhir code and identifier system an output uses
is defined in it, and each resource is valid FHIR R4."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from converter.fhir.validate import structure_errors
from mappings.terminology import system_url
from mappings.terminology.delivery import (
    IDENTIFIER_SYSTEMS,
    oncotree_codesystem,
    series_codesystem,
    series_of_resources,
    terminology_bundle,
)
from mappings.terminology.tumours import ONCOTREE_SYSTEM, tumour_types
from tests.conftest import EXAMPLES, bundle_resources, objects

CASEFHIR_SPACE = "https://casefhir.org/fhir/"
OUTPUTS = [EXAMPLES / name / "bundle.json"
           for name in ("kobayashi-2023", "messy-synthetic", "published-molecular")]


def output_resources() -> list[dict[str, Any]]:
    return [r for path in OUTPUTS for r in bundle_resources(path)]


@pytest.fixture(scope="module")
def delivered() -> dict[str, Any]:
    resources = output_resources()
    return {"resources": resources, "bundle": terminology_bundle(series_of_resources(resources))}


def test_every_casefhir_code_of_the_outputs_is_a_concept_of_the_bundle(
        delivered: dict[str, Any]) -> None:
    defined = {r["url"]: {c["code"] for c in r["concept"]}
               for e in delivered["bundle"]["entry"]
               if (r := e["resource"])["resourceType"] == "CodeSystem"}
    used = {(o["system"], o["code"]) for r in delivered["resources"] for o in objects(r)
            if isinstance(o.get("system"), str) and o["system"].startswith(CASEFHIR_SPACE)
            and "code" in o}
    assert {system for system, _ in used} == set(defined)  # casefhir, oncotree, the series
    missing = sorted(pair for pair in used if pair[1] not in defined[pair[0]])
    assert not missing


def test_every_casefhir_identifier_system_has_a_naming_system(delivered: dict[str, Any]) -> None:
    named = {u["value"] for e in delivered["bundle"]["entry"]
             if e["resource"]["resourceType"] == "NamingSystem"
             for u in e["resource"]["uniqueId"]}
    used = {o["system"] for r in delivered["resources"] for o in objects(r)
            if isinstance(o.get("system"), str) and o["system"].startswith(CASEFHIR_SPACE)
            and "value" in o}
    assert used and used <= named
    assert named == {system_url(key) for key in IDENTIFIER_SYSTEMS}
    # doi.org and PubMed are not casefhir's: HL7 Terminology 7.0.1 has no NamingSystem for them
    assert not any("doi.org" in u or "pubmed" in u for u in named)


def test_each_resource_is_valid_r4_and_the_bundle_is_a_collection(
        delivered: dict[str, Any]) -> None:
    bundle = delivered["bundle"]
    assert bundle["type"] == "collection"
    assert structure_errors(bundle) == []
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"].endswith(f"/{resource['resourceType']}/{resource['id']}")
        assert structure_errors(resource) == []


def test_oncotree_is_the_whole_shipped_release() -> None:
    codesystem = oncotree_codesystem()
    codes = [c["code"] for c in codesystem["concept"]]
    assert codesystem["url"] == ONCOTREE_SYSTEM and codesystem["content"] == "complete"
    assert codes == sorted(tumour_types()) and codesystem["count"] == len(codes)
    synovial = next(c for c in codesystem["concept"] if c["code"] == "SYNS")
    assert synovial["display"] == tumour_types()["SYNS"].name
    parents = {p["valueCode"] for c in codesystem["concept"] for p in c.get("property", [])}
    assert parents and parents <= set(codes)


def test_series_are_a_fragment_titled_by_their_tag() -> None:
    tagged = [{"resourceType": "Patient", "meta": {"tag": [
        {"system": system_url("casefhir-series"), "code": "b-2020", "display": "B et al. 2020"}]}},
        {"resourceType": "Patient", "meta": {"tag": [
            {"system": system_url("casefhir-series"), "code": "a-2019"},
            {"system": "http://example.org/other", "code": "x"}]}},
        {"resourceType": "Patient"}]
    series = series_of_resources(tagged)
    assert series == {"b-2020": "B et al. 2020", "a-2019": None}
    codesystem = series_codesystem(series)
    assert codesystem["content"] == "fragment" and "count" not in codesystem
    assert codesystem["concept"] == [{"code": "a-2019"},
                                     {"code": "b-2020", "display": "B et al. 2020"}]


def test_same_series_same_bytes() -> None:
    first = orjson.dumps(terminology_bundle({"b": None, "a": "A"}))
    assert first == orjson.dumps(terminology_bundle({"a": "A", "b": None}))
