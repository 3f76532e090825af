"""`casefhir validate`: structure, ids and references of existing files, located."""

from __future__ import annotations

from pathlib import Path

import orjson

from converter.fhir.validate import integrity_errors, structure_errors, validate_files
from tests.conftest import EXAMPLES, run


def test_examples_validate() -> None:
    report = validate_files([str(EXAMPLES / "kobayashi-2023" / "bundle.json")])
    assert report.errors == [] and report.resources["Patient"] == 6


def test_structure_errors_name_the_element() -> None:
    extra = structure_errors({"resourceType": "Observation", "id": "x", "code": {"text": "t"},
                              "status": "final", "valueBogus": 1})
    assert extra == ["valueBogus: Extra inputs are not permitted"]
    missing = structure_errors({"resourceType": "Observation", "id": "x", "code": {"text": "t"}})
    assert missing == ["status: Value for the field 'status' is required."]
    assert structure_errors({"resourceType": "Nonsense"}) == ["unknown resourceType 'Nonsense'"]


def test_integrity() -> None:
    patient = {"resourceType": "Patient", "id": "p"}
    observation = {"resourceType": "Observation", "id": "o",
                   "subject": {"reference": "Patient/q"}, "focus": [{"reference": "bad ref"}]}
    errors = integrity_errors([patient, patient, observation, {"resourceType": "Patient",
                                                               "id": "a_b"}])
    assert "Patient/p: the id is used twice" in errors
    assert "Observation/o: reference 'Patient/q' does not resolve" in errors
    assert "Observation/o: reference 'bad ref' is not of the form Type/id" in errors
    assert "Patient/a_b: id 'a_b' is not a valid FHIR id" in errors


def test_broken_files_are_located(tmp_path: Path) -> None:
    bundle = orjson.loads((EXAMPLES / "kobayashi-2023" / "bundle.json").read_bytes())
    del bundle["entry"][3]["resource"]["subject"]
    bundle["entry"][0]["resource"]["gender"] = 5
    bundle["entry"][2]["request"]["url"] = "Condition/other"
    del bundle["entry"][1]
    (tmp_path / "b.json").write_bytes(orjson.dumps(bundle))
    (tmp_path / "c.ndjson").write_text('{"resourceType":"Patient","id":"z"}\n{oops\n')
    result = run("validate", tmp_path / "b.json", tmp_path / "c.ndjson")
    assert result.exit_code == 1
    assert "b.json, entry 1: Patient/kobayashi-2023.1: gender" in result.stderr
    assert "does not match the resource" in result.stderr
    assert "reference 'Condition/kobayashi-2023.1.primary' does not resolve" in result.stderr
    assert "c.ndjson, line 2: not valid JSON" in result.stderr
