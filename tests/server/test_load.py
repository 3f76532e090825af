"""`casefhir load` against a real HAPI FHIR server: idempotent, resilient to faults and to being
killed half-way, rejections traced back to the source cell, secrets never shown."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from converter.server.client import FhirClient, ServerConfig
from tests.conftest import EXAMPLES, bundle_resources, load, run
from tests.faultproxy import FaultProxy
from tests.hapi import NO_CACHE, HapiServer, server_resources, without_server_meta

KOBAYASHI = EXAMPLES / "kobayashi-2023" / "bundle.json"
MESSY = EXAMPLES / "messy-synthetic" / "cases.csv"
KOBAYASHI_RESOURCES = len(bundle_resources(KOBAYASHI))
MESSY_RESOURCES = len(bundle_resources(EXAMPLES / "messy-synthetic" / "bundle.json"))


def load_cli(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in its own process (what users run)."""
    return subprocess.run([sys.executable, "-m", "converter", "load", *map(str, args)],
                          capture_output=True, text=True, env={**os.environ, **(env or {})})


def expected_from_table(table: Path, series: str, tmp: Path) -> dict[str, dict[str, Any]]:
    out = tmp / f"{series}-expected.json"
    assert run("convert", table, "--series-id", series, "-o", out, "-q").exit_code == 0
    return {f"{r['resourceType']}/{r['id']}": r for r in bundle_resources(out)}


def assert_exactly(base: str, series: str, expected: dict[str, dict[str, Any]]) -> None:
    """The server holds exactly these resources, each as sent and at version 1 (the state of
    one clean load: no duplicates, no extra versions)."""
    found = server_resources(base, series)
    assert sorted(found) == sorted(expected)
    for key, resource in found.items():
        assert resource["meta"]["versionId"] == "1", key
        assert without_server_meta(resource) == expected[key], key


def outcomes(report: Path) -> dict[str, Counter[str]]:
    data = load(report)["outcomes"]
    totals: Counter[str] = Counter()
    for counts in data.values():
        totals.update(counts)
    return {"total": totals, **{k: Counter(v) for k, v in data.items()}}


def test_loading_twice_changes_nothing(hapi: HapiServer, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    first = load_cli(KOBAYASHI, "--server", hapi.base, "--report", report)
    assert first.returncode == 0, first.stderr
    assert outcomes(report)["total"] == Counter(created=KOBAYASHI_RESOURCES, updated=0, unchanged=0,
                                                failed=0)
    second = load_cli(KOBAYASHI, "--server", hapi.base, "--report", report, "--mode", "batch")
    assert second.returncode == 0, second.stderr
    assert outcomes(report)["total"] == Counter(created=0, updated=0,
                                                unchanged=KOBAYASHI_RESOURCES, failed=0)
    expected = {f"{r['resourceType']}/{r['id']}": r for r in bundle_resources(KOBAYASHI)}
    assert_exactly(hapi.base, "kobayashi-2023", expected)
    client = FhirClient(ServerConfig(hapi.base))
    count = client.request("GET", "Patient?_tag=https://casefhir.org/fhir/sid/series|"
                           "kobayashi-2023&_summary=count", headers=NO_CACHE).json()["total"]
    assert count == 6


def test_table_loads_directly_and_an_edit_updates_only_what_changed(
        hapi: HapiServer, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    done = load_cli(MESSY, "--series-id", "messy-load", "--server", hapi.base, "--report", report)
    assert done.returncode == 0, done.stderr
    assert outcomes(report)["total"]["created"] == MESSY_RESOURCES
    assert "warning:" in done.stderr and "row 6, column H (NTRK fusion)" in done.stderr
    edited = tmp_path / "edited" / MESSY.name  # the same file name: the Provenances name it
    edited.parent.mkdir()
    edited.write_text(MESSY.read_text().replace("excision,free,none", "excision,R1,none"))
    done = load_cli(edited, "--series-id", "messy-load", "--server", hapi.base, "--report", report)
    assert done.returncode == 0, done.stderr
    totals = outcomes(report)
    # the margin Observation, and the case's Provenance (the row's SHA-256 changed)
    assert totals["total"] == Counter(created=0, updated=2, unchanged=MESSY_RESOURCES - 2, failed=0)
    assert totals["Observation"]["updated"] == 1 and totals["Provenance"]["updated"] == 1


def test_faults_are_retried_and_the_load_completes(hapi: HapiServer, tmp_path: Path) -> None:
    faults = ["413", "429", "503", "drop", "drop-after", "503"]
    report = tmp_path / "r.json"
    with FaultProxy(hapi.base, list(faults)) as proxy:
        started = time.monotonic()
        done = load_cli(MESSY, "--series-id", "messy-faults", "--server", proxy.base,
                        "--concurrency", "1", "--report", report)
        elapsed = time.monotonic() - started
    # 413 on a transaction cannot be retried: that case (S1, row 2) is reported, the rest load;
    # S2 is stored by the attempt whose answer was dropped, read back after the retries
    assert done.returncode == 3, done.stderr
    assert proxy.injected == faults
    assert "row 2: case messy-faults.S1: the server refuses a transaction of" in done.stderr
    assert "too large (413)" in done.stderr
    assert load(report)["retries"] == 5 and load(report)["read_back"] > 0
    want = expected_from_table(MESSY, "messy-faults", tmp_path)
    s1 = [key for key in want if key.split("/")[1].startswith("messy-faults.S1")]
    assert outcomes(report)["total"] == Counter(created=len(want) - len(s1), failed=len(s1))
    assert elapsed >= 1.0  # Retry-After: 1 was honoured
    again = load_cli(MESSY, "--series-id", "messy-faults", "--server", hapi.base)
    assert again.returncode == 0, again.stderr
    assert_exactly(hapi.base, "messy-faults", want)


def test_batch_over_the_size_limit_is_split(hapi: HapiServer, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    with FaultProxy(hapi.base, ["413", "413"]) as proxy:
        done = load_cli(KOBAYASHI, "--server", proxy.base, "--mode", "batch",
                        "--batch-size", "200", "--report", report)
    assert done.returncode == 0, done.stderr
    assert proxy.injected == ["413", "413"]
    assert load(report)["requests"] == 5  # 1 refused, 2 halves of which 1 refused, 2 quarters
    assert outcomes(report)["total"]["failed"] == 0


def test_rejection_is_traced_to_the_source_cell(hapi: HapiServer, tmp_path: Path) -> None:
    """A real server rule: a unique Patient identifier (HAPI unique combo search parameter).
    Another Patient already holds case 2's identifier, so the server refuses that case."""
    client = FhirClient(ServerConfig(hapi.base))
    unique = {"resourceType": "SearchParameter", "id": "casefhir-test-unique-identifier",
              "url": "https://casefhir.org/test/SearchParameter/unique-identifier",
              "extension": [{"url": "http://hapifhir.io/fhir/StructureDefinition/sp-unique",
                             "valueBoolean": True}],
              "name": "identifierUnique", "status": "active", "code": "identifier-unique",
              "base": ["Patient"], "type": "composite", "expression": "Patient",
              "description": "Patient identifiers are unique",
              "component": [{"definition": "http://hl7.org/fhir/SearchParameter/Patient-identifier",
                             "expression": "Patient"}]}
    assert client.request("PUT", "SearchParameter/casefhir-test-unique-identifier",
                          unique).status in (200, 201)
    squatter = {"resourceType": "Patient", "id": "squatter",
                "identifier": [{"system": "https://casefhir.org/fhir/sid/case", "value": "clash#2"}]}
    assert client.request("PUT", "Patient/squatter", squatter).status in (200, 201)
    deadline = time.monotonic() + 120
    probe = dict(squatter, id="probe")
    while client.request("PUT", "Patient/probe", probe).status in (200, 201):  # rule active?
        client.request("DELETE", "Patient/probe")
        assert time.monotonic() < deadline, "the unique search parameter never became active"
        time.sleep(2)
    table = tmp_path / "clash.csv"
    with table.open("w", newline="") as handle:
        csv.writer(handle).writerows([["Case", "Sex", "Age"], ["1", "F", "3"], ["2", "M", "4"],
                                      ["3", "F", "5"]])
    report = tmp_path / "r.json"
    done = load_cli(table, "--series-id", "clash", "--server", hapi.base, "--report", report)
    assert done.returncode == 3
    line = next(line for line in done.stderr.splitlines() if line.startswith("error:"))
    assert f"{table}, row 3, column A (Case), B (Sex)" in line
    assert "Patient/clash.2" in line and "duplicate unique index" in line
    assert outcomes(report)["Patient"] == Counter(created=2, updated=0, unchanged=0, failed=1)
    problem = load(report)["problems"][0]
    assert (problem["row"], problem["case"]) == (3, "clash.2")


def test_missing_reference_in_files_is_located(hapi: HapiServer, tmp_path: Path) -> None:
    bundle = load(KOBAYASHI)
    bundle["entry"] = [e for e in bundle["entry"]
                       if e["resource"]["id"] != "kobayashi-2023.5.specimen"]
    for item in bundle["entry"]:  # a series of its own on the server
        item["resource"] = orjson.loads(orjson.dumps(item["resource"]).replace(
            b"kobayashi-2023", b"broken-refs"))
    path = tmp_path / "broken.json"
    path.write_bytes(orjson.dumps(bundle))
    done = load_cli(path, "--server", hapi.base, "--mode", "batch")
    assert done.returncode == 3
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors and all(f"{path}, entry " in line for line in errors)
    assert any("Observation/broken-refs.5.fusion" in line and "HAPI-1094" in line
               and "Specimen/broken-refs.5.specimen" in line for line in errors)


def test_token_is_sent_and_never_shown(hapi: HapiServer, tmp_path: Path) -> None:
    secret = "s3cr3t-t0ken-value"
    token = tmp_path / "token"
    token.write_text(secret + "\n")
    report = tmp_path / "r.json"
    with FaultProxy(hapi.base) as proxy:
        done = load_cli(KOBAYASHI, "--server", proxy.base, "--token-file", token,
                        "--report", report)
    assert done.returncode == 0, done.stderr
    assert all(headers.get("Authorization") == f"Bearer {secret}" for _, _, headers in proxy.seen)
    with FaultProxy(hapi.base, ["401"]) as proxy:
        refused = load_cli(KOBAYASHI, "--server", proxy.base, "--report", report,
                           env={"CASEFHIR_TOKEN": secret})
    assert refused.returncode == 5 and "401 unauthorised" in refused.stderr
    for text in (done.stdout, done.stderr, refused.stdout, refused.stderr, report.read_text()):
        assert secret not in text
    assert "Traceback" not in refused.stderr


def test_dry_run_sends_nothing(tmp_path: Path) -> None:
    done = load_cli(MESSY, "--series-id", "dry", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "would send: 6 transaction requests for 6 cases; nothing was sent" in done.stderr


def test_invalid_table_sends_nothing(hapi: HapiServer, tmp_path: Path) -> None:
    table = tmp_path / "bad.csv"
    table.write_text("Case,Age\n1,3\n2,-4\n")
    with FaultProxy(hapi.base) as proxy:
        done = load_cli(table, "--series-id", "bad", "--server", proxy.base)
    assert done.returncode == 1 and "row 3, column B (Age)" in done.stderr
    assert [m for m, _, _ in proxy.seen if m == "POST"] == []


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    done = load_cli(KOBAYASHI, "--server", "http://127.0.0.1:9/fhir", "--retries", "1")
    assert done.returncode == 5 and "connection refused" in done.stderr
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------------------- interruptions
def big_table(path: Path, copies: int) -> Path:
    """The messy example's rows repeated under new case ids."""
    rows = list(csv.reader(MESSY.open()))
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(rows[0])
        for n in range(copies):
            for row in rows[1:]:
                writer.writerow([f"{row[0]}-{n}", *row[1:]])
    return path


def wait_for_patients(base: str, series: str, at_least: int, process: subprocess.Popen[str]) -> None:
    client = FhirClient(ServerConfig(base, max_attempts=1, timeout=10))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        count = client.request("GET", f"Patient?_tag=https://casefhir.org/fhir/sid/series|"
                               f"{series}&_summary=count", headers=NO_CACHE).json()["total"]
        if count >= at_least:
            return
        assert process.poll() is None, "the load finished before it could be interrupted"
        time.sleep(0.2)
    raise AssertionError("the load did not get going")


@pytest.fixture(scope="module")
def disk_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    work = tmp_path_factory.mktemp("hapi-disk")
    server = HapiServer(work, db=work / "db")
    server.start()
    yield server
    server.stop()


def test_server_killed_midway_then_rerun_equals_one_clean_load(
        disk_server: HapiServer, tmp_path: Path) -> None:
    table = big_table(tmp_path / "big.csv", 100)  # 600 cases, ~10,800 resources
    command = [sys.executable, "-m", "converter", "load", str(table), "--series-id", "crash",
               "--server", disk_server.base, "--retries", "2", "--timeout", "20", "-q",
               "--concurrency", "2"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_patients(disk_server.base, "crash", 20, process)
    disk_server.kill()  # a crash, mid-transaction
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 5, stderr
    assert "connection" in stderr
    disk_server.start()  # same on-disk database, same port
    again = load_cli(table, "--series-id", "crash", "--server", disk_server.base)
    assert again.returncode == 0, again.stderr
    assert_exactly(disk_server.base, "crash", expected_from_table(table, "crash", tmp_path))


def test_client_killed_midway_then_rerun_equals_one_clean_load(
        disk_server: HapiServer, tmp_path: Path) -> None:
    table = big_table(tmp_path / "big.csv", 100)
    command = [sys.executable, "-m", "converter", "load", str(table), "--series-id", "killed",
               "--server", disk_server.base, "-q", "--concurrency", "2"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_patients(disk_server.base, "killed", 20, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    again = load_cli(table, "--series-id", "killed", "--server", disk_server.base)
    assert again.returncode == 0, again.stderr
    assert_exactly(disk_server.base, "killed", expected_from_table(table, "killed", tmp_path))


def test_cohort_figures_from_fhir_searches_on_the_server(hapi: HapiServer) -> None:
    """Kobayashi et al. 2023, recomputed with FHIR searches against the server only."""
    assert load_cli(KOBAYASHI, "--server", hapi.base, "-q").returncode == 0
    done = subprocess.run([sys.executable, "-m", "converter", "summary", "--server", hapi.base,
                           "--series-id", "kobayashi-2023", "--json", "--show-queries"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    figures = orjson.loads(done.stdout)
    assert figures["patients"] == 6 and figures["sex"] == {"female": 3, "male": 3}
    age = figures["age_at_diagnosis_years"]
    assert (age["n"], age["mean"], age["min"], age["max"]) == (6, 22.0, 2.0, 43.0)
    assert figures["fusion_genes"] == {"NTRK1": 4, "NTRK3": 2}
    assert figures["preoperative_diagnoses_refuted"] == {"Solitary Fibrous Tumor": 3}
    assert (figures["local_recurrence"], figures["distant_metastasis"],
            figures["recurrence_and_metastasis"]) == (1, 1, 1)
    assert (figures["mri_high_vascularity"], figures["mri_flow_voids"],
            figures["mri_ill_defined_border"],
            figures["mri_partially_ill_defined_border"]) == (6, 6, 0, 5)
    assert (figures["deceased"], figures["vital_status_not_reported"]) == (0, 6)
    assert "GET " in done.stderr and "component-value-concept=" in done.stderr


def test_tls_is_verified_by_default(hapi: HapiServer, tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    with FaultProxy(hapi.base, tls=(cert, key)) as proxy:
        untrusted = load_cli(KOBAYASHI, "--server", proxy.base, "--retries", "0")
        trusted = load_cli(KOBAYASHI, "--server", proxy.base, "--ca-bundle", cert)
        insecure = load_cli(KOBAYASHI, "--server", proxy.base, "--insecure")
    assert untrusted.returncode == 5 and "certificate not trusted" in untrusted.stderr
    assert "--ca-bundle" in untrusted.stderr
    assert trusted.returncode == 0, trusted.stderr
    assert insecure.returncode == 0, insecure.stderr


# ---------------------------------------------------------------------------- pure parts
def test_outcomes_read_from_server_answers() -> None:
    from converter.server.load import HAPI_STORAGE_CODES, entry_outcome

    def answer(status: str, code: str | None = None, modified: str | None = None) -> dict:
        response: dict[str, Any] = {"status": status}
        if code:
            response["outcome"] = {"issue": [{"details": {"coding": [
                {"system": HAPI_STORAGE_CODES, "code": code}]}}]}
        if modified:
            response["lastModified"] = modified
        return {"response": response}

    assert entry_outcome(answer("201 Created"), 0) == "created"
    assert entry_outcome(answer("200 OK", "SUCCESSFUL_UPDATE_NO_CHANGE"), 0) == "unchanged"
    assert entry_outcome(answer("200 OK", "SUCCESSFUL_UPDATE"), 0) == "updated"
    assert entry_outcome(answer("200 OK", "SUCCESSFUL_UPDATE_AS_CREATE"), 0) == "created"
    assert entry_outcome(answer("400 Bad Request"), 0) == "failed"
    # servers without HAPI's codes: a version older than the load is unchanged
    assert entry_outcome(answer("200 OK", modified="2020-01-01T00:00:00Z"), time.time()) \
        == "unchanged"
    assert entry_outcome(answer("200 OK", modified="2999-01-01T00:00:00Z"), time.time()) \
        == "updated"


def test_batches_hold_whole_cases() -> None:
    from converter.server.caseunits import CaseUnit
    from converter.server.load import LoadOptions, plan

    units = [CaseUnit(str(n), [{"resourceType": "Patient", "id": str(n)}] * size)
             for n, size in enumerate([3, 3, 5, 1, 9])]
    groups = [[u.key for u in group] for group in plan(units, LoadOptions("batch", 7))]
    assert groups == [["0", "1"], ["2", "3"], ["4"]]
    assert len(list(plan(units, LoadOptions("transaction")))) == 5


def test_whole_transaction_errors_are_blamed_on_the_right_resource() -> None:
    from converter.server.caseunits import CaseUnit
    from converter.server.load import blame

    unit = CaseUnit("s.1", [{"resourceType": "Patient", "id": "s.1"},
                            {"resourceType": "Condition", "id": "s.1.primary",
                             "subject": {"reference": "Patient/s.1"}},
                            {"resourceType": "Observation", "id": "s.1.fusion",
                             "specimen": {"reference": "Specimen/s.1.specimen"}}])

    def outcome(text: str) -> dict:
        return {"issue": [{"severity": "error", "diagnostics": text}]}

    assert blame(unit, outcome("HAPI-1094: Resource Specimen/s.1.specimen not found, specified "
                               "in path: Observation.specimen")) == "Observation/s.1.fusion"
    assert blame(unit, outcome("Can not create resource of type Patient as it would create a "
                               "duplicate unique index")) == "Patient/s.1"
    assert blame(unit, outcome("Condition/s.1.primary is invalid")) == "Condition/s.1.primary"
    assert blame(unit, outcome("something else")) is None
