"""The official HL7 FHIR validator (fhir-validator/hl7validate: org.hl7.fhir.validation, offline,
R4 core + HL7 Terminology + Genomics Reporting + US Core + mCODE) on every example output, every
corpus golden and the synthetic validation sample (benchmarks/sample.py, converted here), in one
validator run (one JVM), with casefhir's delivered terminology loaded (`--ig` the Bundle of
`casefhir terminology --bundle`), as a receiver validates them.

The errors it reports today are named and counted below (fhir-validator/README.md says why);
warnings are counted by kind (docs/validation.md, "The HL7 validator", gives each kind's reason).
Both budgets can only go down: a kind over its budget, or a new kind, fails. A copy of the
Kobayashi example with one wrong code, and an Observation with a wrong UCUM unit, prove the run
can fail.
"""

from __future__ import annotations

import copy
import json
import subprocess
import tarfile
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from benchmarks import sample
from mappings import profiles
from mappings.case import RESOURCE_TYPES, ROLE_FIELDS, patient_of, role_of
from tests.conftest import EXAMPLES, ROOT, SHARED, objects, run

LAUNCHER = ROOT / "fhir-validator" / "hl7validate"
KOBAYASHI = EXAMPLES / "kobayashi-2023" / "bundle.json"
CORPUS = ROOT / "tests" / "corpus"
GOLDENS = sorted(
    [EXAMPLES / e["output"] for e in tomllib.loads((EXAMPLES / "examples.toml").read_text())
     .values()]
    + [CORPUS / c["output"] for c in tomllib.loads((CORPUS / "corpus.toml").read_text())
       .values()])
CASEFHIR_SPACE = "https://casefhir.org/fhir/"
UCUM = "http://unitsofmeasure.org"
PROFILE_PACKAGES = [SHARED / "fhir-packages" / "hl7.fhir.us.mcode-4.0.0.tgz",
                    SHARED / "fhir-packages" / "hl7.fhir.us.core-6.1.0.tgz"]

# Errors over the goldens and the sample, by message id: the named residue only.
ERROR_BUDGET = {
    # mCODE 4.0.0's genomics report slices result on Genomics Reporting 2.0.0's
    # overall-interpretation profile, absent from 3.0.0 (2.0.0 is not on the npm registry):
    # exactly one per result of each genomics report, checked below
    "SLICING_CANNOT_BE_EVALUATED": 260,
}
# Warnings over the goldens and the sample, by message id: no new kind, no kind growing.
# docs/validation.md ("The HL7 validator") gives each kind's reason.
WARNING_BUDGET = {
    "All_observations_should_have_a_performer": 4032,
    "All_observations_should_have_an_effectiveDateTime_or_an_effectivePeriod": 3207,
    # HGNC, NCIt, Sequence Ontology, UCUM under a bound ValueSet, RadLex: no package defines them
    # (casefhir's own systems are defined by the delivered terminology)
    "UNKNOWN_CODESYSTEM": 2448,
    "Terminology_TX_NoValid_2_CC": 1071,
    "Terminology_TX_Code_ValueSet_Ext": 850,
    # US Core's DiagnosticReport Note allows result -> US Core clinical result | Observation, and
    # a finding conforms to both
    "Reference_REF_MultipleMatches": 733,
    "Terminology_TX_ValueSet_NotFound": 389,
    "TYPE_SPECIFIC_CHECKS_DT_ATT_NO_CONTENT": 168,
    "TYPE_SPECIFIC_CHECKS_DT_QTY_UCUM_ANNOTATIONS": 101,
    "TYPE_SPECIFIC_CHECKS_DT_QTY_UCUM_ANNOTATIONS_NOT_IN_UNIT": 92,
    # doi.org and pubmed.ncbi.nlm.nih.gov identifier systems: no NamingSystem in HL7 Terminology
    "Type_Specific_Checks_DT_URL_Resolve": 80,
}
SEVERE = {"error", "fatal"}


def broken_copy(bundle: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The bundle with the first Patient's gender set to a code AdministrativeGender lacks."""
    broken = copy.deepcopy(bundle)
    index = next(i for i, e in enumerate(broken["entry"])
                 if e["resource"]["resourceType"] == "Patient")
    broken["entry"][index]["resource"]["gender"] = "not-a-gender"
    return broken, index


def units_observation() -> dict[str, Any]:
    """An Observation with a valid UCUM unit (mm) and an invalid one (mmmm)."""
    def component(text: str, code: str) -> dict[str, Any]:
        return {"code": {"text": text},
                "valueQuantity": {"value": 3, "unit": code, "system": UCUM, "code": code}}
    return {"resourceType": "Observation", "id": "units", "status": "final",
            "code": {"text": "tumour size"}, "subject": {"display": "a case"},
            "component": [component("valid", "mm"), component("invalid", "mmmm")]}


@pytest.fixture(scope="module")
def sample_bundles(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The validation sample, converted by casefhir at test time: one Bundle per case (the
    validator's time grows faster than the entries of one Bundle: all 204 cases in one took
    over 15 minutes, against about 2 minutes for the per-case files)."""
    folder = tmp_path_factory.mktemp("sample")
    table = sample.write(folder / "sample.csv")
    converted = run("convert", str(table), "--series-id", "hl7-sample", "--per-case", "-q",
                    "-o", str(folder / "cases"))
    assert converted.exit_code == 0, converted.output
    return sorted((folder / "cases").glob("*.json"))


@pytest.fixture(scope="module")
def issues(sample_bundles: list[Path],
           tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One validator run (one JVM), the delivered terminology loaded, over the goldens, the
    sample, Kobayashi's broken copy and the units Observation."""
    broken, index = broken_copy(json.loads(KOBAYASHI.read_text(encoding="utf-8")))
    folder = tmp_path_factory.mktemp("hl7")
    broken_file = folder / "broken.json"
    broken_file.write_text(json.dumps(broken), encoding="utf-8")
    units_file = folder / "units.json"
    units_file.write_text(json.dumps(units_observation()), encoding="utf-8")
    files = [*GOLDENS, *sample_bundles]
    terminology = folder / "terminology.json"
    assert run("terminology", "--bundle", *files, "-o", terminology).exit_code == 0
    done = subprocess.run([str(LAUNCHER), "--ig", str(terminology), *map(str, files),
                           str(broken_file), str(units_file)],
                          capture_output=True, text=True, timeout=900)
    (folder / "issues.jsonl").write_text(done.stdout, encoding="utf-8")  # to read after a failure
    (folder / "stderr.txt").write_text(done.stderr, encoding="utf-8")  # per-file timings
    assert done.returncode == 1, done.stderr[-4000:]  # 1: errors found (0 none, 2 usage, 4 broken)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return {
        "bundles": {str(f): json.loads(f.read_text(encoding="utf-8")) for f in files},
        "valid": [i for i in lines if i["file"] not in (str(broken_file), str(units_file))],
        "kobayashi": [i for i in lines if i["file"] == str(KOBAYASHI)],
        "broken": [i for i in lines if i["file"] == str(broken_file)],
        "broken_index": index,
        "units": [i for i in lines if i["file"] == str(units_file)],
        "stderr": done.stderr,
    }


def by_id(issues: list[dict[str, Any]], severities: set[str]) -> Counter[str]:
    return Counter(i["messageId"] for i in issues if i["severity"] in severities)


def profile_kinds() -> set[tuple[str, str]]:
    """(resource type, profile) of every profile mappings/profiles.py names, the type read from
    the profile's StructureDefinition in its official package (extensions left out)."""
    urls = {value for name, value in vars(profiles).items()
            if name.isupper() and isinstance(value, str) and not value.endswith("/")}
    types: dict[str, str] = {}
    for package in PROFILE_PACKAGES:
        with tarfile.open(package) as archive:
            for member in archive.getmembers():
                name = member.name.removeprefix("package/")
                if name.startswith("StructureDefinition-") and name.endswith(".json"):
                    handle = archive.extractfile(member)
                    assert handle is not None
                    definition = json.load(handle)
                    if definition.get("url") in urls:
                        types[definition["url"]] = definition["type"]
    # the only URLs no package defines are R4 core's own extensions
    assert all(url.startswith(profiles.CORE_EXT) for url in urls - set(types))
    return {(kind, url) for url, kind in types.items() if kind != "Extension"}


def test_the_sample_makes_every_resource_kind_and_role(sample_bundles: list[Path]) -> None:
    """Every (resource type, profile) the profiles module names, every resource type the case
    registry makes and every role it traces to columns: all in the sample, and nothing else."""
    resources = [e["resource"] for bundle in sample_bundles
                 for e in json.loads(bundle.read_text())["entry"]]
    assert len({patient_of(r) for r in resources}) == sample.CASES >= 200
    made = {(r["resourceType"], profile) for r in resources
            for profile in r.get("meta", {}).get("profile") or [None]}
    profiled = profile_kinds()
    assert profiled <= made, sorted(profiled - made)
    # the rest: resource types the registry makes that claim no profile (a finding kept as
    # written is a plain Observation)
    assert {kind for kind, profile in made - profiled} <= set(RESOURCE_TYPES)
    assert all(profile is None for kind, profile in made - profiled), made - profiled
    assert {kind for kind, _ in made} == set(RESOURCE_TYPES)
    roles = {"patient" if r["resourceType"] == "Patient" else
             role_of(r["id"], str(patient_of(r))) for r in resources}
    assert roles == set(ROLE_FIELDS)


def test_the_sample_is_the_same_every_time(tmp_path: Path) -> None:
    first = sample.write(tmp_path / "a.csv").read_bytes()
    assert first == sample.write(tmp_path / "b.csv").read_bytes()
    assert first != sample.write(tmp_path / "c.csv", seed=sample.SEED + 1).read_bytes()


def test_errors_are_the_named_ones_only(issues: dict[str, Any]) -> None:
    errors = by_id(issues["valid"], SEVERE)
    over = {k: (n, ERROR_BUDGET.get(k, 0)) for k, n in errors.items()
            if n > ERROR_BUDGET.get(k, 0)}
    assert not over, f"error kinds over budget (found, budget): {over}"


def test_every_bundle_resolves_its_references_inside_itself(issues: dict[str, Any]) -> None:
    unresolved = [i for i in issues["valid"]
                  if i["messageId"].startswith(("Reference_REF_CantResolve", "BUNDLE_BUNDLE"))]
    assert not unresolved, unresolved[:3]
    # the validator did resolve them: it checked their targets against the profiles
    assert any(i["messageId"] == "Reference_REF_MultipleMatches" for i in issues["valid"])


def test_each_slicing_error_is_a_genomics_report_result_missing_grig_2(
        issues: dict[str, Any]) -> None:
    """One error per result of every genomics report, at that result, and nowhere else."""
    slicing = [i for i in issues["valid"] if i["messageId"] == "SLICING_CANNOT_BE_EVALUATED"]
    found = [(i["file"], i["id"], i["location"].rsplit(".", 1)[-1]) for i in slicing]
    results = [(name, e["resource"]["id"], f"result[{n}]")
               for name, bundle in issues["bundles"].items() for e in bundle["entry"]
               if profiles.GENOMICS_REPORT in e["resource"].get("meta", {}).get("profile", [])
               for n in range(len(e["resource"].get("result", [])))]
    assert results and sorted(found) == sorted(results)
    assert all("genomics-reporting/StructureDefinition/overall-interpretation" in i["message"]
               for i in slicing)


def test_warnings_within_budget(issues: dict[str, Any]) -> None:
    warnings = by_id(issues["valid"], {"warning"})
    over = {k: (n, WARNING_BUDGET.get(k, 0)) for k, n in warnings.items()
            if n > WARNING_BUDGET.get(k, 0)}
    assert not over, f"warning kinds over budget (found, budget): {over}"


def test_issue_lines_name_entry_and_resource(issues: dict[str, Any]) -> None:
    located = [i for i in issues["valid"] if i["entry"] is not None]
    assert {i["file"] for i in located} == set(issues["bundles"])
    for issue in located:
        resource = issues["bundles"][issue["file"]]["entry"][issue["entry"]]["resource"]
        assert (issue["resourceType"], issue["id"]) == (resource["resourceType"], resource["id"])
        assert issue["location"].startswith(f'Bundle.entry[{issue["entry"]}]')


def test_a_wrong_code_is_an_error_at_its_entry(issues: dict[str, Any]) -> None:
    new = by_id(issues["broken"], SEVERE) - by_id(issues["kobayashi"], SEVERE)
    assert new, "the validator did not see a code outside a required ValueSet"
    added = [i for i in issues["broken"] if i["severity"] in SEVERE and i["messageId"] in new]
    at_patient = [i for i in added if i["entry"] == issues["broken_index"]]
    assert {i["resourceType"] for i in at_patient} == {"Patient"}
    assert any("not-a-gender" in i["message"] for i in at_patient)
    # references resolve inside the Bundle, so what refers (even through a Specimen) to the broken
    # Patient fails its target profile too: all within that case, nothing in the other cases
    patient = json.loads(KOBAYASHI.read_text())["entry"][issues["broken_index"]]["resource"]["id"]
    assert {i["id"].split(".")[1] for i in added} == {patient.split(".")[1]}


def test_the_delivered_terminology_defines_every_casefhir_system(issues: dict[str, Any]) -> None:
    """The example codes with casefhir's CodeSystems and identifier systems; with the delivered
    Bundle loaded, the validator knows every one (no unknown code system, no unresolved URL)."""
    used = {o["system"] for o in objects(issues["bundles"])
            if str(o.get("system", "")).startswith(CASEFHIR_SPACE)}
    assert {"https://casefhir.org/fhir/CodeSystem/casefhir", "https://casefhir.org/fhir/sid/series",
            "https://casefhir.org/fhir/sid/case"} <= used
    assert "terminology.json (7 resources)" in issues["stderr"]
    unknown = [i for i in issues["valid"] if CASEFHIR_SPACE in i["message"] and i["messageId"]
               in ("UNKNOWN_CODESYSTEM", "Type_Specific_Checks_DT_URL_Resolve")]
    assert not unknown, unknown[:3]


def test_ucum_codes_are_checked(issues: dict[str, Any]) -> None:
    about_units = [i for i in issues["units"] if UCUM in i["message"] or "UCUM" in i["message"]]
    assert [(i["severity"], i["messageId"], i["location"]) for i in about_units] == [
        ("error", "casefhir_UCUM_Code_Invalid", "Observation.component[1].value.ofType(Quantity)")]
    assert "'mmmm'" in about_units[0]["message"]
    assert not [i for i in issues["valid"]
                if i["messageId"] == "Error_validating_code_running_without_terminology_services"]


def test_an_ig_json_without_definitions_is_a_usage_error(tmp_path: Path) -> None:
    """Told before the (slow) validator starts: exit 2, the file named, nothing on stdout."""
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps({"resourceType": "Patient", "id": "p"}), encoding="utf-8")
    not_json = tmp_path / "broken.json"
    not_json.write_text("{", encoding="utf-8")
    for ig, said in ((patient, "no conformance or terminology resource"),
                     (not_json, "not an R4 JSON resource")):
        done = subprocess.run([str(LAUNCHER), "--ig", str(ig), str(KOBAYASHI)],
                              capture_output=True, text=True, timeout=300)
        assert (done.returncode, done.stdout) == (2, ""), done.stderr[-2000:]
        assert str(ig) in done.stderr and said in done.stderr
