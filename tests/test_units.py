"""Cases as units of work: FHIR files grouped by case, or one unit per resource for $import."""

from __future__ import annotations

from pathlib import Path

import orjson

from converter.units import resource_units, stream_units


def write_ndjson(folder: Path) -> None:
    patient = {"resourceType": "Patient", "id": "s1.1"}
    condition = {"resourceType": "Condition", "id": "s1.1.primary",
                 "subject": {"reference": "Patient/s1.1"}}
    (folder / "Patient.ndjson").write_bytes(orjson.dumps(patient) + b"\n")
    (folder / "Condition.ndjson").write_bytes(b"\n" + orjson.dumps(condition) + b"\n")


def test_resource_units_are_one_resource_each_with_where_it_was_read(tmp_path: Path) -> None:
    write_ndjson(tmp_path)
    units = list(resource_units([str(tmp_path)]))
    assert sorted(unit.key for unit in units) == ["Condition/s1.1.primary", "Patient/s1.1"]
    for unit in units:
        assert [f"{r['resourceType']}/{r['id']}" for r in unit.resources] == [unit.key]
    where = {unit.key: unit.where(unit.key) for unit in units}
    condition = where["Condition/s1.1.primary"]
    assert condition is not None and condition.file.endswith("Condition.ndjson")
    assert condition.row == 2  # the NDJSON line, blank line counted


def test_stream_units_group_a_case_across_files(tmp_path: Path) -> None:
    write_ndjson(tmp_path)
    units = list(stream_units([str(tmp_path)]))
    assert [unit.key for unit in units] == ["s1.1"]
    assert [r["resourceType"] for r in units[0].resources] == ["Patient", "Condition"]
