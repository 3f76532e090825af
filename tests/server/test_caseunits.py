"""Cases as units of work: FHIR files grouped by case, or one unit per resource for $import.
Grouping goes through an on-disk index; it must give exactly the units, order and locations
that grouping in memory gave (the oracles below are that in-memory code)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from converter.fhir.files import expand, iter_file, iter_resources
from converter.fhir.references import references
from converter.problems import Location
from converter.server.caseindex import stream_units, units_from_files
from converter.server.caseunits import CaseUnit, resource_units
from mappings.case import patient_of, references_first
from mappings.common import Resource


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


# ---------------------------------------------------------------------------- the oracles
def _add(units: dict[str, CaseUnit], resource: Resource, location: Location) -> None:
    key = f"{resource.get('resourceType')}/{resource.get('id')}"
    group = patient_of(resource) or key
    unit = units.setdefault(group, CaseUnit(group, []))
    unit.resources.append(resource)
    unit.found[key] = location


def stream_units_in_memory(paths: list[str]) -> Iterator[CaseUnit]:
    held: dict[str, CaseUnit] = {}
    for path in expand(paths):
        groups: dict[str, CaseUnit] = {}
        for found in iter_file(path):
            if found.resource is not None:
                _add(groups, found.resource, found.location)
        for group, unit in groups.items():
            own = set(unit.found)
            whole = group not in held and all(
                ref in own for r in unit.resources for ref in references(r))
            if whole:
                unit.resources = references_first(unit.resources)
                yield unit
            else:
                kept = held.setdefault(group, CaseUnit(group, []))
                kept.resources += unit.resources
                kept.found.update(unit.found)
    for unit in held.values():
        unit.resources = references_first(unit.resources)
        yield unit


def units_from_files_in_memory(paths: list[str]) -> list[CaseUnit]:
    units: dict[str, CaseUnit] = {}
    for found in iter_resources(paths):
        if found.resource is not None:
            _add(units, found.resource, found.location)
    for unit in units.values():
        unit.resources = references_first(unit.resources)
    return list(units.values())


def shape(units: Any) -> list[tuple[str, list[Resource], dict[str, Location]]]:
    return [(unit.key, unit.resources, unit.found) for unit in units]


# ---------------------------------------------------------------------------- random inputs
TYPES = ["Patient", "Condition", "Observation", "Procedure", "Provenance", "Organization"]


@st.composite
def inputs(draw: st.DrawFn) -> list[tuple[str, list[Resource]]]:
    """Files (name, resources): cases spread over NDJSON files per type, per-case Bundles or
    both, references inside and across cases, resources of no patient, repeated ids."""
    cases = draw(st.integers(1, 6))
    resources: list[Resource] = []
    for case in range(cases):
        patient = f"p{case}"
        resources.append({"resourceType": "Patient", "id": patient})
        for n in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(TYPES[1:]))
            item: Resource = {"resourceType": kind, "id": f"{patient}-{n}"}
            other = draw(st.integers(0, cases - 1))
            if kind == "Provenance":
                item["target"] = [{"reference": f"Patient/p{other}"}]
            elif kind != "Organization":
                item["subject"] = {"reference": f"Patient/{patient}"}
                if draw(st.booleans()):
                    item["focus"] = [{"reference": f"Patient/p{other}"}]
            resources.append(item)
    if draw(st.booleans()):
        resources.append(dict(draw(st.sampled_from(resources))))  # a repeated id
    layout = draw(st.sampled_from(["by-type", "by-case", "mixed"]))
    files: dict[str, list[Resource]] = {}
    for item in draw(st.permutations(resources)):
        group = patient_of(item) or item["id"]
        by_type = f"{item['resourceType']}.ndjson"
        by_case = f"case-{group}.json"
        name = {"by-type": by_type, "by-case": by_case}.get(
            layout, draw(st.sampled_from([by_type, by_case])))
        files.setdefault(name, []).append(item)
    return list(files.items())


def write(folder: Path, files: list[tuple[str, list[Resource]]]) -> None:
    for name, items in files:
        if name.endswith(".ndjson"):
            (folder / name).write_bytes(b"\n".join(orjson.dumps(i) for i in items) + b"\n\n")
        else:
            bundle = {"resourceType": "Bundle", "type": "collection",
                      "entry": [{"resource": i} for i in items]}
            (folder / name).write_bytes(orjson.dumps(bundle))


@settings(max_examples=80, deadline=None)
@given(files=inputs())
def test_grouping_on_disk_gives_the_units_grouping_in_memory_gave(
        tmp_path_factory: Any, files: list[tuple[str, list[Resource]]]) -> None:
    folder = tmp_path_factory.mktemp("units")
    write(folder, files)
    paths = [str(folder)]
    assert shape(stream_units(paths)) == shape(stream_units_in_memory(paths))
    stored, unreadable = units_from_files(paths)
    try:
        assert unreadable == []
        expected = shape(units_from_files_in_memory(paths))
        assert shape(stored) == expected
        assert shape(stored) == expected  # read again: validate --server goes through twice
    finally:
        stored.close()


def test_unreadable_items_are_returned_and_left_out(tmp_path: Path) -> None:
    (tmp_path / "a.ndjson").write_bytes(b'{"resourceType": "Patient", "id": "p1"}\n{broken\n'
                                        b'[1]\n')
    stored, unreadable = units_from_files([str(tmp_path)])
    assert [unit.key for unit in stored] == ["p1"]
    assert [(where.row, message[:14]) for where, message in unreadable] == [
        (2, "not valid JSON"), (3, "not a FHIR res")]
    stored.close()
