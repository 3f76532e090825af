"""`casefhir load --bulk` ($import) against the real HAPI FHIR server: the server ends up holding
exactly the converter's resources, importing again changes nothing (no duplicates, no new
versions), an import the server rejects is a located failure (exit 3), secrets never shown."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from converter.server.bulk import (
    NdjsonFileServer,
    import_parameters,
    layer_numbers,
    local_key,
    outcome_of,
    parse_report,
    report_text,
)
from converter.server.client import FhirClient, ServerConfig
from tests.conftest import EXAMPLES, bundle_resources, load, run
from tests.faultproxy import FaultProxy
from tests.hapi import NO_CACHE, RESOURCE_TYPES, HapiServer, server_resources, without_server_meta

KOBAYASHI = EXAMPLES / "kobayashi-2023" / "cases.csv"
MESSY = EXAMPLES / "messy-synthetic" / "cases.csv"
# how many resources each example makes (its golden output, whatever the series id)
KOBAYASHI_RESOURCES = len(bundle_resources(EXAMPLES / "kobayashi-2023" / "bundle.json"))
MESSY_RESOURCES = len(bundle_resources(EXAMPLES / "messy-synthetic" / "bundle.json"))
SERIES_TAG = "https://casefhir.org/fhir/sid/series"


def load_cli(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in its own process (what users run)."""
    return subprocess.run([sys.executable, "-m", "converter", "load", *map(str, args)],
                          capture_output=True, text=True, env={**os.environ, **(env or {})})


def ndjson_output(table: Path, series: str, folder: Path, *args: str) -> dict[str, dict[str, Any]]:
    """`casefhir convert -t ndjson` of a table: the files, read back by Type/id."""
    done = run("convert", table, "--series-id", series, "-t", "ndjson", "-o", folder, "-q", *args)
    assert done.exit_code == 0, done.output
    resources = {}
    for file in sorted(folder.glob("*.ndjson")):
        for line in file.read_bytes().splitlines():
            resource = orjson.loads(line)
            resources[f"{resource['resourceType']}/{resource['id']}"] = resource
    return resources


def counts_on_server(base: str, series: str) -> Counter[str]:
    """Resources per type carrying the series tag, counted by the server itself."""
    client = FhirClient(ServerConfig(base))
    counts: Counter[str] = Counter()
    for kind in RESOURCE_TYPES:
        answer = client.request("GET", f"{kind}?_tag={SERIES_TAG}|{series}&_summary=count",
                                headers=NO_CACHE).json()
        if answer["total"]:
            counts[kind] = answer["total"]
    client.close()
    return counts


def assert_exactly(base: str, series: str, expected: dict[str, dict[str, Any]],
                   versions: dict[str, str] | None = None) -> None:
    """The server holds exactly these resources, each as sent, at version 1 unless `versions`
    says otherwise: nothing missing, nothing duplicated, nothing extra."""
    assert counts_on_server(base, series) == Counter(k.split("/")[0] for k in expected)
    found = server_resources(base, series)
    assert sorted(found) == sorted(expected)
    for key, resource in found.items():
        assert resource["meta"]["versionId"] == (versions or {}).get(key, "1"), key
        assert without_server_meta(resource) == expected[key], key


def totals(report: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for by_outcome in load(report)["outcomes"].values():
        counts.update(by_outcome)
    return counts


def test_table_bulk_loads_exactly_the_converter_output_and_again_changes_nothing(
        hapi: HapiServer, tmp_path: Path) -> None:
    series, doi = "bulk-kobayashi", "10.3892/mco.2023.2610"
    expected = ndjson_output(KOBAYASHI, series, tmp_path / "expected", "--doi", doi)
    assert len(expected) == KOBAYASHI_RESOURCES
    report = tmp_path / "r.json"
    first = load_cli(KOBAYASHI, "--series-id", series, "--doi", doi, "--bulk",
                     "--server", hapi.base, "--report", report)
    assert first.returncode == 0, first.stderr
    assert totals(report) == Counter(created=KOBAYASHI_RESOURCES, updated=0, unchanged=0, failed=0)
    # Patient; Condition, Specimen; Observation, Procedure; DiagnosticReport...; Conditions
    # citing a report; the Provenances (which target everything): six steps, computed from the
    # references
    steps = load(report)["bulk"]["steps"]
    assert [step["resources"] for step in steps[:2]] == [{"Patient": 6},
                                                          {"Condition": 6, "Specimen": 6}]
    assert len(steps) == 6 and all(job["status"] == "completed"
                                   for step in steps for job in step["jobs"])
    assert "11 jobs in 6 steps" in first.stderr
    assert_exactly(hapi.base, series, expected)

    again = load_cli(KOBAYASHI, "--series-id", series, "--doi", doi, "--bulk",
                     "--server", hapi.base, "--report", report)
    assert again.returncode == 0, again.stderr
    assert totals(report) == Counter(created=0, updated=0, unchanged=KOBAYASHI_RESOURCES, failed=0)
    assert_exactly(hapi.base, series, expected)  # still version 1 everywhere


def test_ndjson_output_bulk_loads_and_an_edit_updates_only_what_changed(
        hapi: HapiServer, tmp_path: Path) -> None:
    series = "bulk-messy"
    folder = tmp_path / "ndjson"
    expected = ndjson_output(MESSY, series, folder)
    report = tmp_path / "r.json"
    done = load_cli(folder, "--bulk", "--server", hapi.base, "--report", report)
    assert done.returncode == 0, done.stderr
    assert totals(report) == Counter(created=MESSY_RESOURCES, updated=0, unchanged=0, failed=0)
    assert_exactly(hapi.base, series, expected)

    again = load_cli(folder, "--bulk", "--server", hapi.base, "--report", report)
    assert again.returncode == 0, again.stderr
    assert totals(report) == Counter(created=0, updated=0, unchanged=MESSY_RESOURCES, failed=0)
    assert_exactly(hapi.base, series, expected)

    edited = tmp_path / "edited-table" / MESSY.name  # same name: the Provenances name the file
    edited.parent.mkdir()
    edited.write_text(MESSY.read_text().replace("excision,free,none", "excision,R1,none"))
    changed = ndjson_output(edited, series, tmp_path / "edited")
    keys = {k for k in changed if changed[k] != expected[k]}
    # the margin, and the case's Provenance (its row's SHA-256)
    assert keys == {"Observation/bulk-messy.S3.margin", "Provenance/bulk-messy.S3.provenance"}
    done = load_cli(tmp_path / "edited", "--bulk", "--server", hapi.base, "--report", report)
    assert done.returncode == 0, done.stderr
    assert totals(report) == Counter(created=0, updated=2, unchanged=MESSY_RESOURCES - 2, failed=0)
    assert load(report)["outcomes"]["Observation"]["updated"] == 1
    assert_exactly(hapi.base, series, changed, versions=dict.fromkeys(keys, "2"))


def test_an_import_the_server_rejects_is_a_located_failure(hapi: HapiServer,
                                                           tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    tag = {"tag": [{"system": SERIES_TAG, "code": "bulk-broken"}]}
    patient = {"resourceType": "Patient", "id": "bulk-broken-1", "meta": tag}
    good = {"resourceType": "Condition", "id": "bulk-broken.1.primary", "meta": tag,
            "subject": {"reference": "Patient/bulk-broken-1"}, "code": {"text": "tumour"}}
    dangling = {"resourceType": "Condition", "id": "bulk-broken.2.primary", "meta": tag,
                "subject": {"reference": "Patient/bulk-broken-missing"}, "code": {"text": "x"}}
    (folder / "Patient.ndjson").write_bytes(orjson.dumps(patient) + b"\n")
    (folder / "Condition.ndjson").write_bytes(orjson.dumps(good) + b"\n"
                                              + orjson.dumps(dangling) + b"\n")
    report = tmp_path / "r.json"
    done = load_cli(folder, "--bulk", "--server", hapi.base, "--report", report)
    assert done.returncode == 3, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors[0].startswith(f"error: {folder / 'Condition.ndjson'}, line 2: "
                                "Condition/bulk-broken.2.primary: rejected by the server's "
                                "$import: HAPI-1094: Resource Patient/bulk-broken-missing not "
                                "found")
    # the dangling Condition refers to nothing in the input: step 1, with the Patient; the
    # good Condition (step 2) is not imported after a failed step
    assert "step 2 (1 resources that may refer to what failed) not started" in errors[1]
    data = load(report)
    assert data["outcomes"]["Condition"]["failed"] == 1
    assert data["outcomes"]["Patient"]["created"] == 1
    assert data["bulk"]["not_imported"] == 1
    assert counts_on_server(hapi.base, "bulk-broken") == Counter(Patient=1)


def test_token_is_sent_to_import_faults_are_retried_and_secrets_never_shown(
        hapi: HapiServer, tmp_path: Path) -> None:
    secret = "s3cr3t-bulk-t0ken"
    token = tmp_path / "token"
    token.write_text(secret + "\n")
    folder = tmp_path / "ndjson"
    folder.mkdir()
    tag = {"tag": [{"system": SERIES_TAG, "code": "bulk-token"}]}
    (folder / "Patient.ndjson").write_bytes(orjson.dumps(
        {"resourceType": "Patient", "id": "bulk-token-1", "meta": tag}) + b"\n")
    (folder / "Specimen.ndjson").write_bytes(orjson.dumps(
        {"resourceType": "Specimen", "id": "bulk-token-1-specimen", "meta": tag,
         "subject": {"reference": "Patient/bulk-token-1"}}) + b"\n")
    report = tmp_path / "r.json"
    with FaultProxy(hapi.base, ["429", "503"]) as proxy:
        done = load_cli(folder, "--bulk", "--server", proxy.base, "--token-file", token,
                        "--report", report)
    assert done.returncode == 0, done.stderr
    assert proxy.injected == ["429", "503"] and load(report)["retries"] == 2
    assert totals(report)["created"] == 2
    # POSTs: the check of who holds the ids (a batch of searches) and the $import kick-offs
    assert {path.split("?")[0] for method, path, _ in proxy.seen if method == "POST"} \
        == {"/fhir/", "/fhir/$import"}
    assert any("$import-poll-status" in path for _, path, _ in proxy.seen)
    assert all(headers.get("Authorization") == f"Bearer {secret}" for _, _, headers in proxy.seen)
    with FaultProxy(hapi.base, ["401"]) as proxy:
        refused = load_cli(folder, "--bulk", "--server", proxy.base,
                           env={"CASEFHIR_TOKEN": secret})
    assert refused.returncode == 5 and "401 unauthorised" in refused.stderr
    for text in (done.stdout, done.stderr, refused.stdout, refused.stderr, report.read_text()):
        assert secret not in text and "credentialHttpBasic" not in text
    assert "Traceback" not in refused.stderr


def test_dry_run_shows_the_steps_and_sends_nothing(tmp_path: Path) -> None:
    done = load_cli(MESSY, "--series-id", "bulk-dry", "--bulk", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert f"would import {MESSY_RESOURCES} resources with" in done.stderr
    assert "  step 1: Patient 6\n" in done.stderr
    assert "the files would be served from http://127.0.0.1:<port>/; nothing was sent" \
        in done.stderr


def test_invalid_table_sends_nothing(hapi: HapiServer, tmp_path: Path) -> None:
    table = tmp_path / "bad.csv"
    table.write_text("Case,Age\n1,3\n2,-4\n")
    with FaultProxy(hapi.base) as proxy:
        done = load_cli(table, "--series-id", "bulk-bad", "--bulk", "--server", proxy.base)
    assert done.returncode == 1 and "row 3, column B (Age)" in done.stderr
    assert proxy.seen == []


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    done = load_cli(MESSY, "--series-id", "bulk-x", "--bulk", "--server",
                    "http://127.0.0.1:9/fhir", "--retries", "1")
    assert done.returncode == 5 and "connection refused" in done.stderr
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------------------- pure parts
def test_steps_follow_the_longest_chain_of_references() -> None:
    # 0 ← 1 ← 2, 0 ← 3 ← 2 (a diamond), 4 alone
    layers, released = layer_numbers([[], [0], [1, 3], [0], []])
    assert layers == [0, 1, 2, 1, 0] and released == []
    # a cycle 1 ↔ 2 (casefhir never makes one): released in input order, reported
    layers, released = layer_numbers([[], [0, 2], [1]])
    assert released == [1] and layers == [0, 1, 2]


def test_references_that_name_a_resource_of_the_input() -> None:
    assert local_key("Patient/p-1") == "Patient/p-1"
    assert local_key("Patient/p-1/_history/2") == "Patient/p-1"
    assert local_key("#contained") is None
    assert local_key("urn:uuid:1234") is None
    assert local_key("http://other/fhir/Patient/p-1") is None


def test_hapi_job_report_is_read_per_source() -> None:
    text = ("Bulk Import Report\n------------------------------------------\n"
            "Storage Actions : 10 (7/sec)\n------------------------------------------\n"
            "Source: http://h:1/x/step-2/Condition.ndjson\n  Outcomes:\n"
            "    * SUCCESSFUL_UPDATE_AS_CREATE: 7\n    * FAILURE: 3\n  Errors:\n"
            "    * HAPI-1094: Resource Patient/a not found, specified in path: Condition.subject\n"
            "Source: http://h:1/x/step-2/Specimen.ndjson\n  Outcomes:\n"
            "    * SUCCESSFUL_UPDATE_NO_CHANGE: 6\n")
    failed = {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "diagnostics": "Job is in FAILED state"},
        {"severity": "error", "diagnostics": orjson.dumps({"reportMsg": text}).decode()}]}
    sources = parse_report(report_text(failed))
    condition = sources["http://h:1/x/step-2/Condition.ndjson"]
    assert condition.outcomes == Counter(SUCCESSFUL_UPDATE_AS_CREATE=7, FAILURE=3)
    assert condition.errors == ["HAPI-1094: Resource Patient/a not found, specified in path: "
                                "Condition.subject"]
    assert sources["http://h:1/x/step-2/Specimen.ndjson"].errors == []
    assert [outcome_of(code) for code in ("SUCCESSFUL_UPDATE_AS_CREATE", "SUCCESSFUL_CREATE",
                                          "SUCCESSFUL_UPDATE", "SUCCESSFUL_UPDATE_NO_CHANGE",
                                          "FAILURE")] \
        == ["created", "created", "updated", "unchanged", "failed"]


def test_import_parameters() -> None:
    body = import_parameters([("Patient", "http://127.0.0.1:5/t/step-1/Patient.ndjson")],
                             "http://127.0.0.1:5/", "casefhir:pw")
    assert body == {"resourceType": "Parameters", "parameter": [
        {"name": "inputFormat", "valueCode": "application/fhir+ndjson"},
        {"name": "inputSource", "valueUri": "http://127.0.0.1:5/"},
        {"name": "storageDetail", "part": [{"name": "type", "valueCode": "https"},
                                           {"name": "credentialHttpBasic",
                                            "valueString": "casefhir:pw"}]},
        {"name": "input", "part": [
            {"name": "type", "valueCode": "Patient"},
            {"name": "url", "valueUri": "http://127.0.0.1:5/t/step-1/Patient.ndjson"}]}]}


def test_file_server_serves_exactly_its_files_to_the_credential_only(tmp_path: Path) -> None:
    (tmp_path / "Patient.ndjson").write_bytes(b'{"resourceType":"Patient","id":"a"}\n')
    (tmp_path / "other.ndjson").write_bytes(b"secret\n")

    def get(url: str, credential: str | None) -> tuple[int, str, bytes]:
        request = urllib.request.Request(url)
        if credential:
            request.add_header("Authorization",
                               "Basic " + base64.b64encode(credential.encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, answer.headers["Content-Type"], answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers["Content-Type"], b""

    with NdjsonFileServer({"step-1/Patient.ndjson": tmp_path / "Patient.ndjson"}) as files:
        url = files.url("step-1/Patient.ndjson")
        assert url.startswith("http://127.0.0.1:") and files.port
        assert get(url, files.credential) == (200, "application/fhir+ndjson",
                                              b'{"resourceType":"Patient","id":"a"}\n')
        assert get(url, None)[0] == 401
        assert get(url, "casefhir:wrong")[0] == 401
        assert get(files.url("other.ndjson"), files.credential)[0] == 404
        assert get(f"{files.origin}/step-1/Patient.ndjson", files.credential)[0] == 404
        assert files.served == 1
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=5)  # gone with the import
