"""A series never touches another: loading does not overwrite what another series (or nobody
casefhir knows) holds at an id, and prune deletes only what provably is the series' — on a real
HAPI server, with the collision casefhir 0.1 made (series `qc` case `b-1` and series `qc-b` case
`1` were both Patient/qc-b-1) and with foreign resources at colliding ids."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import orjson
import pytest

from converter.fhir.ids import resource_id
from converter.server.client import FhirClient, ServerConfig
from converter.server.ownership import SERIES, is_legacy, proves_series
from tests.conftest import load
from tests.hapi import NO_CACHE, server_resources
from tests.server.test_sync import load_cli, table

HEADER = ["Case", "Sex", "Age", "Fusion", "Surgery"]


def rows(*cases: str) -> list[list[str]]:
    return [HEADER, *([case, "F", "30", "TPM3-NTRK1", "excision"] for case in cases)]


def tag(series: str) -> dict[str, str]:
    return {"system": SERIES, "code": series}


def put(base: str, resource: dict[str, Any]) -> None:
    client = FhirClient(ServerConfig(base))
    response = client.request("PUT", f"{resource['resourceType']}/{resource['id']}", resource)
    client.close()
    assert response.status in (200, 201), response.body


def read(base: str, key: str) -> dict[str, Any] | None:
    client = FhirClient(ServerConfig(base))
    response = client.request("GET", key, headers=NO_CACHE)
    client.close()
    return response.json() if response.status == 200 else None


def versions(found: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {key: r["meta"]["versionId"] for key, r in found.items()}


# ------------------------------------------------------------------ identity, without a server
def test_what_proves_a_resource_is_the_series() -> None:
    patient = {"resourceType": "Patient", "id": resource_id("qc", "b-1"), "meta": {"tag": [tag("qc")]},
               "identifier": [{"system": "https://casefhir.org/fhir/sid/case", "value": "qc#b-1"}]}
    condition = {"resourceType": "Condition", "id": resource_id("qc", "b-1", "primary"),
                 "meta": {"tag": [tag("qc")]}, "subject": {"reference": f"Patient/{patient['id']}"}}
    assert proves_series(patient, "qc") and proves_series(condition, "qc")
    assert not proves_series(patient, "qc-b") and not proves_series(condition, "qc-b")
    # another series' tag merged in by the server: not provably ours
    assert not proves_series({**condition, "meta": {"tag": [tag("qc"), tag("qc-b")]}}, "qc")
    # a tag alone, on an id of another shape, or about another case
    assert not proves_series({"resourceType": "Observation", "id": "x1",
                              "meta": {"tag": [tag("qc")]}}, "qc")
    assert not proves_series({**condition, "subject": {"reference": "Patient/qc.zz"}}, "qc")
    # a Patient whose case identifier is missing or names another case
    assert not proves_series({**patient, "identifier": []}, "qc")
    assert not proves_series({**patient, "identifier": [
        {"system": "https://casefhir.org/fhir/sid/case", "value": "qc#b-2"}]}, "qc")
    # a role id that is a Patient, a case id that is not
    assert not proves_series({**patient, "id": condition["id"]}, "qc")
    assert not proves_series({**condition, "id": patient["id"]}, "qc")


def test_legacy_ids_are_told_apart() -> None:
    old = {"resourceType": "Condition", "id": "qc-b-1-primary", "meta": {"tag": [tag("qc")]}}
    assert is_legacy(old, "qc") and not is_legacy(old, "qc-b")
    assert not is_legacy({**old, "meta": {"tag": [tag("qc"), tag("qc-b")]}}, "qc")  # collided
    assert not is_legacy({**old, "id": "qc.b-1.primary"}, "qc")


# ------------------------------------------------------------------ on HAPI
def test_series_that_collided_in_0_1_no_longer_touch(hapi: Any, tmp_path: Path) -> None:
    qc_b = table(tmp_path / "qc-b.csv", rows("1", "2"))
    qc = table(tmp_path / "qc.csv", rows("b-1", "c"))
    assert load_cli(qc_b, "--series-id", "qc-b", "--server", hapi.base, "-q").returncode == 0
    before = server_resources(hapi.base, "qc-b")
    assert load_cli(qc, "--series-id", "qc", "--server", hapi.base, "-q").returncode == 0
    after = server_resources(hapi.base, "qc-b")
    assert versions(after) == versions(before) and all(v == "1" for v in versions(after).values())
    assert all(r["meta"]["tag"] == [tag("qc-b")] for r in after.values())
    # prune qc down to case c: only qc's case b-1 goes, qc-b keeps everything
    only_c = table(tmp_path / "qc-c.csv", rows("c"))
    qc_before = server_resources(hapi.base, "qc")
    done = load_cli(only_c, "--series-id", "qc", "--server", hapi.base, "--prune", "--yes", "-q")
    assert done.returncode == 0, done.stderr
    assert versions(server_resources(hapi.base, "qc-b")) == versions(before)
    gone = set(qc_before) - set(server_resources(hapi.base, "qc"))
    assert gone and all(key.split("/")[1].startswith("qc.b-1") for key in gone)


def test_load_never_overwrites_a_foreign_resource(hapi: Any, tmp_path: Path) -> None:
    series = "own-a"
    foreign_patient = {"resourceType": "Patient", "id": resource_id(series, "1"),
                       "gender": "male"}  # no casefhir tag: somebody else's
    other_series = {"resourceType": "Condition", "id": resource_id(series, "2", "primary"),
                    "meta": {"tag": [tag("someone-else")]}, "clinicalStatus": {"text": "x"},
                    "subject": {"display": "not ours"}}
    put(hapi.base, foreign_patient)
    put(hapi.base, other_series)
    cases = table(tmp_path / "a.csv", rows("1", "2", "3"))
    report, crosswalk = tmp_path / "r.json", tmp_path / "x.csv"
    done = load_cli(cases, "--series-id", series, "--server", hapi.base, "--report", report,
                    "--crosswalk", crosswalk)
    assert done.returncode == 3, done.stderr
    for resource, owner in ((foreign_patient, "with no casefhir series tag"),
                            (other_series, "tagged with series someone-else")):
        key = f"{resource['resourceType']}/{resource['id']}"
        on_server = read(hapi.base, key)
        assert on_server is not None and on_server["meta"]["versionId"] == "1"
        assert [line for line in done.stderr.splitlines()
                if key in line and owner in line and "was not overwritten" in line]
    # cases 1 and 2 were not sent at all; case 3 loaded
    loaded = server_resources(hapi.base, series)
    assert loaded and all(".3" in key for key in loaded)
    lines = list(csv.DictReader(io.StringIO(crosswalk.read_text())))
    refused = {x["resource_id"] for x in lines if x["outcome"] == "rejected"}
    assert foreign_patient["id"] in refused and other_series["id"] in refused
    assert {x["case_id"] for x in lines if x["outcome"] == "rejected"} == {"1", "2"}
    problems = load(report)["problems"]
    assert {p["row"] for p in problems if p["severity"] == "error"} == {2, 3}


def test_prune_deletes_only_what_proves_it_is_the_series(hapi: Any, tmp_path: Path) -> None:
    series = "own-p"
    cases = table(tmp_path / "p.csv", rows("1", "2"))
    assert load_cli(cases, "--series-id", series, "--server", hapi.base, "-q").returncode == 0
    strangers = [
        # our tag on ids that are not ours: another tool's, another series', a Patient whose
        # case identifier is missing
        {"resourceType": "Observation", "id": "someone-elses-obs", "meta": {"tag": [tag(series)]},
         "status": "final", "code": {"text": "x"}},
        {"resourceType": "Observation", "id": resource_id("own-q", "1", "margin"),
         "meta": {"tag": [tag(series)]}, "status": "final", "code": {"text": "x"}},
        {"resourceType": "Patient", "id": resource_id(series, "9"), "meta": {"tag": [tag(series)]}},
    ]
    legacy = {"resourceType": "Patient", "id": f"{series}-7", "meta": {"tag": [tag(series)]}}
    for resource in [*strangers, legacy]:
        put(hapi.base, resource)
    only_1 = table(tmp_path / "p1.csv", rows("1"))
    report = tmp_path / "r.json"
    done = load_cli(only_1, "--series-id", series, "--server", hapi.base, "--prune", "--yes",
                    "--report", report)
    assert done.returncode == 0, done.stderr
    for resource in strangers:
        assert read(hapi.base, f"{resource['resourceType']}/{resource['id']}") is not None
    plan = load(report)["prune"]["plan"]
    assert sorted(plan["left_alone"]["unproven"]) == sorted(
        f"{r['resourceType']}/{r['id']}" for r in strangers)
    assert plan["left_alone"]["legacy_ids"] == [f"Patient/{legacy['id']}"]
    assert "--prune-legacy-ids deletes them" in done.stderr
    assert read(hapi.base, f"Patient/{legacy['id']}") is not None
    deleted = {key for case in plan["cases"] for key in case["resources"]}
    assert deleted and all(key.split("/")[1].startswith(f"{series}.2") for key in deleted)
    # moving the series off the 0.1 ids: the legacy resource goes, nothing else
    done = load_cli(only_1, "--series-id", series, "--server", hapi.base, "--prune", "--yes",
                    "--prune-legacy-ids", "-q")
    assert done.returncode == 0, done.stderr
    assert read(hapi.base, f"Patient/{legacy['id']}") is None
    for resource in strangers:
        assert read(hapi.base, f"{resource['resourceType']}/{resource['id']}") is not None


def test_bulk_import_refuses_when_an_id_is_held_by_others(hapi: Any, tmp_path: Path) -> None:
    series = "own-b"
    occupant = {"resourceType": "Patient", "id": resource_id(series, "2"), "gender": "female"}
    put(hapi.base, occupant)
    cases = table(tmp_path / "b.csv", rows("1", "2"))
    report = tmp_path / "r.json"
    done = load_cli(cases, "--series-id", series, "--server", hapi.base, "--bulk",
                    "--report", report)
    assert done.returncode == 3, done.stderr
    assert f"Patient/{occupant['id']}" in done.stderr and "nothing was imported" in done.stderr
    assert server_resources(hapi.base, series) == {}
    on_server = read(hapi.base, f"Patient/{occupant['id']}")
    assert on_server is not None and on_server["gender"] == "female"
    assert load(report)["bulk"]["not_imported"] > 0


@pytest.mark.parametrize("flags", [["--prune-legacy-ids"], ["--prune-legacy-ids", "--yes"]])
def test_prune_legacy_ids_needs_prune(flags: list[str], tmp_path: Path) -> None:
    cases = table(tmp_path / "c.csv", rows("1"))
    done = load_cli(cases, "--series-id", "s", "--dry-run", *flags)
    assert done.returncode == 2 and "--prune" in done.stderr
    assert orjson.dumps(done.stderr)  # a message, not a traceback
    assert "Traceback" not in done.stderr
