"""Every code in casefhir's output is verified by a file, with the display that file gives, and
every code under a required binding is a member of its ValueSet by the official package.

The official files: ../shared/fhir-packages/*.tgz, R4 core 4.0.1 from HAPI's validation
resources jar (fhir-server/hapi build fetches it), NCIt 25.12e in ../shared/data/terminology;
scripts/verify_terminology.py reads them into mappings/terminology/verified.tsv."""

from __future__ import annotations

import csv
import glob
import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mappings import profiles
from mappings.terminology import concepts, system_url
from mappings.terminology.codesystem import terminology_markdown
from mappings.terminology.genes import HGNC_SYSTEM, gene_by_id
from mappings.terminology.sequence_ontology import SO_SYSTEM, sequence_terms
from mappings.terminology.tumours import ONCOTREE_SYSTEM, tumour_types
from tests.conftest import ROOT, SHARED

OUTPUTS = sorted(glob.glob(str(ROOT / "examples" / "*" / "bundle.json"))
                 + glob.glob(str(ROOT / "tests" / "corpus" / "*" / "bundle.json")))
VERIFIED = ROOT / "mappings" / "terminology" / "verified.tsv"
M2 = Path.home() / ".m2"
# expressions, not codes of a list: checked by their own parsers' tests
EXPRESSION_SYSTEMS = {system_url("hgvs"), system_url("refseq")}


@cache
def verify_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "verify_terminology", ROOT / "scripts" / "verify_terminology.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["verify_terminology"] = module
    spec.loader.exec_module(module)
    return module


@cache
def verified() -> dict[tuple[str, str], dict[str, str]]:
    with VERIFIED.open(encoding="utf-8") as handle:
        return {(row["system"], row["code"]): row
                for row in csv.DictReader(handle, delimiter="\t")}


@cache
def ncit_names() -> dict[str, str]:
    path = SHARED / "data" / "terminology" / "ncit" / "ncit_25.12e.txt"
    return dict(line.split("|", 1) for line in path.read_text("utf-8").splitlines())


def codings(value: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, Coding) of every Coding of a resource; meta.tag (the series tag, an identifier
    of the series rather than a code of a list) and Quantities (UCUM units) left out."""
    if isinstance(value, dict):
        if isinstance(value.get("code"), str) and isinstance(value.get("system"), str) \
                and "value" not in value and not path.endswith(".meta.tag"):
            yield path, value
        for key, item in value.items():
            yield from codings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from codings(item, path)


def output_resources() -> Iterator[tuple[str, dict[str, Any]]]:
    for name in OUTPUTS:
        bundle = json.loads(Path(name).read_text("utf-8"))
        for entry in bundle["entry"]:
            yield Path(name).parent.name, entry["resource"]


def table_display(system: str, code: str) -> str | None:
    """The display the shipped code tables (derived from ../shared/data/terminology) give, or
    None when the tables do not hold the code."""
    if system == HGNC_SYSTEM:
        gene = gene_by_id(code)
        return gene.symbol if gene else None
    if system == SO_SYSTEM:
        term = next((t for t in sequence_terms().values() if t.id == code), None)
        return term.name if term else None
    if system == ONCOTREE_SYSTEM:
        tumour = tumour_types().get(code)
        return tumour.name if tumour else None
    return None


def test_the_shipped_table_is_what_the_official_files_give() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "verify_terminology.py"),
                          "--shared", str(SHARED), "--m2", str(M2), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_every_standard_concept_is_verified_with_its_official_display() -> None:
    casefhir = system_url("casefhir")
    rows = {row["key"]: row for row in verified().values()}
    for key, item in concepts().items():
        if item.system == casefhir:
            continue
        assert key in rows, f"{key} is verified by no file"
        official = rows[key]["display"]
        if official:  # empty: no offline file gives a display for the code
            assert item.display == official, key


def coding_problem(coding: dict[str, Any]) -> str | None:
    """Why a Coding is not verified with its official display (None: it is)."""
    system, code, display = coding["system"], coding["code"], coding.get("display")
    if system in EXPRESSION_SYSTEMS:
        return None
    if system == system_url("casefhir"):
        own = {c.code: c.display for c in concepts().values() if c.system == system}
        return None if code in own and display == own[code] else "not casefhir's code/display"
    row = verified().get((system, code))
    if row is not None:
        ok = not row["display"] or display == row["display"]
        return None if ok else f"official display {row['display']!r}"
    if system == system_url("ncit"):  # OncoTree's and the drug table's NCIt codes
        if code not in ncit_names():
            return "not in NCIt 25.12e"
        return None if display == ncit_names()[code] else f"NCIt {ncit_names()[code]!r}"
    official = table_display(system, code)
    if official is None:
        return "verified by no file"
    return None if display == official else f"the table gives {official!r}"


def test_every_output_coding_is_verified_and_has_the_official_display() -> None:
    seen = 0
    for name, resource in output_resources():
        for path, coding in codings(resource):
            seen += 1
            problem = coding_problem(coding)
            assert problem is None, (f"{name} {resource['resourceType']}/{resource['id']}{path}: "
                                     f"{coding['system']}|{coding['code']}: {problem}")
    assert seen > 4000  # the examples and corpus outputs were read


def test_a_code_no_file_verifies_or_a_wrong_display_fails() -> None:
    sct = system_url("sct")
    assert coding_problem({"system": sct, "code": "1234806008"}) == "verified by no file"
    assert coding_problem({"system": "http://loinc.org", "code": "25056-3",
                           "display": "MRI Report"}) == "official display 'Unspecified body region MRI'"
    assert coding_problem({"system": system_url("hgnc"), "code": "HGNC:8031",
                           "display": "NTRK2"}) == "the table gives 'NTRK1'"
    # the script refuses what the guide marks UNVERIFIED, takes what it marks VERIFIED
    lines = verify_script().guide_lines(SHARED)
    assert not verify_script().guide_verifies(lines, "1234806008")
    assert not verify_script().guide_verifies(lines, "26283006")
    assert verify_script().guide_verifies(lines, "RID35805")


def test_terminology_markdown_names_the_verifying_file_of_every_code() -> None:
    markdown = terminology_markdown()
    for row in verified().values():
        assert f"| {row['key']} | {row['system']} | `{row['code']}` |" in markdown, row["key"]
        assert row["verified_by"] in markdown, row["key"]


# ---------------------------------------------------------------- required bindings

def package_resource(package: str, name: str) -> dict[str, Any]:
    import tarfile

    with tarfile.open(SHARED / "fhir-packages" / package) as archive:
        handle = archive.extractfile(f"package/{name}")
        assert handle is not None
        data: dict[str, Any] = json.load(handle)
        return data


def binding(package: str, profile: str, element: str) -> tuple[str, str]:
    """(strength, ValueSet) of an element of a profile's snapshot."""
    definition = package_resource(package, f"StructureDefinition-{profile}.json")
    found = next(e for e in definition["snapshot"]["element"] if e["id"] == element)
    return found["binding"]["strength"], found["binding"]["valueSet"].split("|")[0]


@cache
def example_codes(profile_url: str, element: str) -> set[tuple[str, str]]:
    """The codes the official packages' example instances of a profile carry at an element
    (for LOINC answer lists, which no offline package enumerates: the IG's own examples of the
    profile are its statement of which answers the binding takes)."""
    import tarfile

    found: set[tuple[str, str]] = set()
    for package in ("hl7.fhir.us.mcode-4.0.0.tgz", "hl7.fhir.uv.genomics-reporting-3.0.0.tgz"):
        with tarfile.open(SHARED / "fhir-packages" / package) as archive:
            for member in archive.getmembers():
                if not member.name.startswith("package/example/") or not member.isfile():
                    continue
                handle = archive.extractfile(member)
                assert handle is not None
                data = json.load(handle)
                items = [e["resource"] for e in data.get("entry", [])] \
                    if data.get("resourceType") == "Bundle" else [data]
                for item in items:
                    if profile_url in (item.get("meta") or {}).get("profile", []):
                        for concept in _as_list(item.get(element)):
                            found |= {(c["system"], c["code"]) for c in concept.get("coding", [])}
    return found


def _as_list(value: Any) -> list[dict[str, Any]]:
    return value if isinstance(value, list) else [value] if isinstance(value, dict) else []


def enumerated(url: str) -> set[tuple[str, str]]:
    members = verify_script().valueset_members(SHARED, M2, url)
    return set(members)


MCODE = "hl7.fhir.us.mcode-4.0.0.tgz"
LATERALITY_VS = "http://hl7.org/fhir/us/mcode/ValueSet/mcode-laterality-qualifier-vs"


def laterality_values(resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    sites = _as_list(resource.get("bodySite")) + _as_list(
        (resource.get("collection") or {}).get("bodySite"))
    for site in sites:
        for extension in site.get("extension", []):
            if extension["url"] == profiles.LATERALITY_QUALIFIER:
                yield extension["valueCodeableConcept"]


def test_laterality_qualifiers_are_members_of_the_enumerated_required_valueset() -> None:
    assert binding(MCODE, "mcode-laterality-qualifier", "Extension.value[x]") == \
        ("required", LATERALITY_VS)
    members = enumerated(LATERALITY_VS)
    assert len(members) == 4
    used = 0
    for _name, resource in output_resources():
        for value in laterality_values(resource):
            for coding in value["coding"]:
                used += 1
                assert (coding["system"], coding["code"]) in members, resource["id"]
    assert used > 20


def test_no_output_fills_a_required_binding_no_offline_file_can_confirm() -> None:
    """Depth and the Tumor's location qualifiers: their required ValueSets are SNOMED hierarchy
    filters (descendent-of 106233006 / 272424004) that no offline file enumerates."""
    assert binding(MCODE, "mcode-body-location-qualifier", "Extension.value[x]") == \
        ("required", "http://hl7.org/fhir/us/mcode/ValueSet/mcode-body-location-qualifier-vs")
    assert binding(MCODE, "mcode-tumor", "BodyStructure.locationQualifier") == \
        ("required",
         "http://hl7.org/fhir/us/mcode/ValueSet/mcode-body-location-and-laterality-qualifier-vs")
    for url in ("http://hl7.org/fhir/us/mcode/ValueSet/mcode-body-location-qualifier-vs",
                "http://hl7.org/fhir/us/mcode/ValueSet/mcode-body-location-and-laterality-qualifier-vs"):
        members = enumerated(url)
        assert ("http://snomed.info/sct", "26283006") not in members
        assert ("http://snomed.info/sct", "795002") not in members
    for _name, resource in output_resources():
        assert "locationQualifier" not in resource, resource["id"]
        assert profiles.BODY_LOCATION_QUALIFIER not in json.dumps(resource), resource["id"]


@pytest.mark.parametrize(("profile", "element", "valueset", "field"), [
    ("mcode-genomic-variant", "Observation.value[x]:valueCodeableConcept",
     "http://loinc.org/vs/LL1971-2",
     "valueCodeableConcept"),
    ("mcode-ecog-performance-status", "Observation.interpretation", "http://loinc.org/vs/LL529-9",
     "interpretation"),
    ("mcode-karnofsky-performance-status", "Observation.interpretation",
     "http://loinc.org/vs/LL4986-7", "interpretation"),
])
def test_loinc_answers_under_required_bindings_are_those_of_the_profiles_examples(
        profile: str, element: str, valueset: str, field: str) -> None:
    assert binding(MCODE, profile, element) == ("required", valueset)
    with pytest.raises(KeyError):  # no offline package enumerates the answer list
        enumerated(valueset)
    url = profiles.MCODE + profile
    allowed = example_codes(url, field)
    assert allowed
    used = 0
    for _name, resource in output_resources():
        if url not in resource.get("meta", {}).get("profile", []):
            continue
        for concept in _as_list(resource.get(field)):
            for coding in concept.get("coding", []):
                used += 1
                assert (coding["system"], coding["code"]) in allowed, resource["id"]
    assert used > 0
