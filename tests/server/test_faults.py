"""Faults between casefhir and a real HAPI FHIR server (tests/faultproxy.py): a server that
drips or hangs ends the load with exit 5 within its bound; idempotent requests are retried on a
plain 500, the $import kick-off is not; and when an answer is lost or in doubt (500 after the
server stored the data, the connection dropped after the request was sent, an answer cut short
or too slow, a retry answered "no change") each resource's outcome is read back from the server:
created, updated, unchanged or failed as the server's state proves, unknown only when the
read-back fails too."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import EXAMPLES, load
from tests.faultproxy import FaultProxy
from tests.hapi import HapiServer, server_resources, without_server_meta
from tests.server.test_sync import converted as expected
from tests.server.test_sync import read_crosswalk as crosswalk
from tests.server.test_sync import totals

MESSY = EXAMPLES / "messy-synthetic" / "cases.csv"


def load_cli(*args: object, env: dict[str, str] | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The real command in its own process; a run that does not end within `timeout` fails."""
    return subprocess.run([sys.executable, "-m", "converter", "load", *map(str, args)],
                          capture_output=True, text=True, input="", timeout=timeout,
                          env={**os.environ, **(env or {})})


def server_versions(base: str, series: str, want: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Type/id → versionId of the series on the server, which must hold exactly `want`."""
    found = server_resources(base, series)
    assert sorted(found) == sorted(want)
    for key, resource in found.items():
        assert without_server_meta(resource) == want[key], key
    return {key: resource["meta"]["versionId"] for key, resource in found.items()}


def first_case(lines: list[dict[str, str]]) -> list[dict[str, str]]:
    return [line for line in lines if line["case_id"] == lines[0]["case_id"]]


def edited_table(path: Path) -> Path:
    """The messy example with one cell changed: S3's margin."""
    rows = list(csv.reader(MESSY.open()))
    margin = rows[0].index("Margin")
    s3 = next(r for r in rows if r[0] == "S3")
    assert s3[margin] == "free"
    s3[margin] = "R1"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


# ---------------------------------------------------------------------------- deadline
def test_a_dripping_or_hanging_server_ends_the_load_with_exit_5(hapi: HapiServer,
                                                                 tmp_path: Path) -> None:
    """--timeout is a deadline per attempt, not per read: an answer dripped a byte every 0.3 s
    (hours for a transaction-response) or none at all ends in the retries, then exit 5."""
    with FaultProxy(hapi.base, ["drip:1:0.3"] * 2) as proxy:
        started = time.monotonic()
        dripped = load_cli(MESSY, "--series-id", "faults-drip", "--server", proxy.base,
                           "--timeout", "1", "--retries", "1", "--concurrency", "1",
                           "--crosswalk", tmp_path / "x.csv", timeout=120)
        elapsed = time.monotonic() - started
    assert dripped.returncode == 5, dripped.stderr
    assert "timed out: no complete answer within 1 s (after 2 attempts)" in dripped.stderr
    assert proxy.injected == ["drip:1:0.3"] * 2  # the attempt and its retry
    assert "crosswalk not written" in dripped.stderr and not (tmp_path / "x.csv").exists()
    assert "Traceback" not in dripped.stderr
    assert elapsed < 60  # the bound is 2 x 1 s + 0.5 s of back-off, plus converting the table
    with FaultProxy(hapi.base, ["hang"] * 2, methods=("GET",)) as proxy:
        hung = load_cli(MESSY, "--series-id", "faults-hang", "--server", proxy.base,
                        "--timeout", "1", "--retries", "1", timeout=120)
    assert hung.returncode == 5, hung.stderr
    assert "GET http://127.0.0.1" in hung.stderr and "/fhir/metadata: timed out" in hung.stderr
    assert proxy.posts() == []


# ---------------------------------------------------------------------------- true outcomes
@pytest.mark.parametrize(("mode", "fault", "options"), [
    ("transaction", "500-after-store", ["--retries", "0"]),
    ("transaction", "drop-after", []),
    ("transaction", "truncated", []),
    ("transaction", "drip:100:0.05", ["--timeout", "3"]),  # 30 kB at 2 kB/s: the deadline
    ("batch", "500-after-store", ["--retries", "0"]),
    ("batch", "drop-after", []),
])
def test_a_lost_or_doubtful_answer_is_read_back_and_reported_as_what_the_server_holds(
        hapi: HapiServer, tmp_path: Path, mode: str, fault: str, options: list[str]) -> None:
    """The server stored the first request's resources but its answer was lost, or was a 500:
    with no retry they would be "rejected", after a retry "unchanged" (HAPI: no change). Read
    back, they are what they are: created, at version 1, nothing else touched."""
    series = f"f{mode[0]}-{fault.split(':')[0]}"
    report, walk = tmp_path / "r.json", tmp_path / "x.csv"
    with FaultProxy(hapi.base, [fault]) as proxy:
        done = load_cli(MESSY, "--series-id", series, "--server", proxy.base, "--mode", mode,
                        "--concurrency", "1", "--report", report, "--crosswalk", walk,
                        *options)
    assert done.returncode == 0, done.stderr
    assert proxy.injected == [fault]
    lines = crosswalk(walk)
    want = expected(MESSY, series, tmp_path)
    assert len(lines) == len(want) and totals(report) == Counter(created=len(want))
    assert {line["outcome"] for line in lines} == {"created"}
    doubtful = [line for line in lines if "read back" in line["message"]]
    assert doubtful and {line["message"].rpartition("read back: ")[2] for line in doubtful} \
        == {"stored by this load"}
    assert load(report)["read_back"] == len(doubtful)
    if fault == "500-after-store":  # the only answer was the 500
        assert {line["http_status"] for line in doubtful} == {"500"}
        assert "the server answered 500" in doubtful[0]["message"]
    else:
        assert "an earlier attempt's answer was lost" in doubtful[0]["message"]
    assert set(server_versions(hapi.base, series, want).values()) == {"1"}


def test_a_retry_answered_no_change_is_unchanged_only_when_the_server_held_it_before(
        hapi: HapiServer, tmp_path: Path) -> None:
    """Retry-then-no-change: after a lost answer the retry says "no change" for everything.
    For a reload that is the truth (read back: unchanged); for an edited case the lost attempt
    made the change (read back: updated, version 2), and the rest of it stays unchanged."""
    series = "faults-nochange"
    assert load_cli(MESSY, "--series-id", series, "--server", hapi.base, "-q").returncode == 0
    walk, report = tmp_path / "x.csv", tmp_path / "r.json"
    with FaultProxy(hapi.base, ["drop-after"]) as proxy:
        again = load_cli(MESSY, "--series-id", series, "--server", proxy.base, "--concurrency",
                         "1", "--crosswalk", walk, "--report", report)
    assert again.returncode == 0, again.stderr
    assert proxy.injected == ["drop-after"]
    lines = crosswalk(walk)
    assert {line["outcome"] for line in lines} == {"unchanged"}
    assert {line["message"] for line in first_case(lines)} == {
        "answer in doubt: an earlier attempt's answer was lost (connection dropped); read "
        "back: the server held it as sent before this load"}
    assert load(report)["read_back"] == len(first_case(lines))

    edited = edited_table(tmp_path / "cases.csv")
    before, after = expected(MESSY, series, tmp_path), expected(edited, series, tmp_path)
    changed = {key for key in after if after[key] != before.get(key)}
    assert changed and all(key.split("/")[1].startswith(f"{series}.S3") for key in changed)
    with FaultProxy(hapi.base, ["pass", "pass", "drop-after"]) as proxy:  # S3 is the third case
        edit = load_cli(edited, "--series-id", series, "--server", proxy.base, "--concurrency",
                        "1", "--crosswalk", walk, "--report", report)
    assert edit.returncode == 0, edit.stderr
    lines = crosswalk(walk)
    outcome = {f"{x['resource_type']}/{x['resource_id']}": x["outcome"] for x in lines}
    assert {key for key, value in outcome.items() if value == "updated"} == changed
    assert set(outcome.values()) == {"updated", "unchanged"}
    s3 = [x for x in lines if x["case_id"] == "S3"]
    assert all("read back" in x["message"] for x in s3)
    versions = server_versions(hapi.base, series, after)
    assert {versions[key] for key in changed} == {"2"}
    assert {v for key, v in versions.items() if key not in changed} == {"1"}


def test_a_plain_500_is_retried_and_an_unreadable_outcome_is_unknown(hapi: HapiServer,
                                                                      tmp_path: Path) -> None:
    report, walk = tmp_path / "r.json", tmp_path / "x.csv"
    with FaultProxy(hapi.base, ["500"]) as proxy:
        retried = load_cli(MESSY, "--series-id", "faults-500", "--server", proxy.base,
                           "--concurrency", "1", "--retries", "1", "--report", report)
    assert retried.returncode == 0, retried.stderr
    assert proxy.injected == ["500"] and load(report)["retries"] == 1
    assert totals(report)["created"] == len(expected(MESSY, "faults-500", tmp_path))
    assert load(report)["read_back"] == 0  # every answer after the retry was "created"

    # not in --retry-on: a 500 is final; the server does not hold the case, so it failed
    with FaultProxy(hapi.base, ["500"]) as proxy:
        final = load_cli(MESSY, "--series-id", "faults-500-final", "--server", proxy.base,
                         "--concurrency", "1", "--retry-on", "429,503", "--report", report)
    assert final.returncode == 3, final.stderr
    assert "resources not stored: the server rejected the case (500): error exception: " \
           "injected 500; read back: the server does not hold it" in final.stderr
    bad = load_cli(MESSY, "--series-id", "x", "--server", hapi.base, "--retry-on", "200")
    assert bad.returncode == 2 and "not an HTTP error status" in bad.stderr

    # the server stored case 1 and answered 500; reading it back fails too: unknown
    series = "faults-unknown"
    with FaultProxy(hapi.base, ["500-after-store"],
                    also=[(("GET",), "_id=", ["500"] * 30)]) as proxy:
        unknown = load_cli(MESSY, "--series-id", series, "--server", proxy.base,
                           "--concurrency", "1", "--retries", "0", "--report", report,
                           "--crosswalk", walk)
    assert unknown.returncode == 3, unknown.stderr
    lines = crosswalk(walk)
    case = first_case(lines)
    assert {line["outcome"] for line in case} == {"unknown"}
    assert {line["outcome"] for line in lines if line not in case} == {"created"}
    assert "reading it back failed: GET Patient?_id=" in case[0]["message"]
    assert totals(report)["unknown"] == len(case)
    assert "outcome unknown" in unknown.stderr and "  unknown" in unknown.stderr
    assert "could not be read back; run the same command again" in unknown.stderr
    settled = load_cli(MESSY, "--series-id", series, "--server", hapi.base, "--crosswalk", walk)
    assert settled.returncode == 0, settled.stderr
    assert {line["outcome"] for line in first_case(crosswalk(walk))} == {"unchanged"}


def test_prune_counts_deletes_whose_answer_was_a_500_by_what_is_left(hapi: HapiServer,
                                                                      tmp_path: Path) -> None:
    rows = list(csv.reader(MESSY.open()))
    two, one = tmp_path / "two.csv", tmp_path / "one.csv"
    for path, body in ((two, rows[1:3]), (one, rows[1:2])):
        with path.open("w", newline="") as handle:
            csv.writer(handle).writerows([rows[0], *body])
    series = "faults-prune"
    assert load_cli(two, "--series-id", series, "--server", hapi.base, "-q").returncode == 0
    with FaultProxy(hapi.base, ["pass", "500-after-store"]) as proxy:
        pruned = load_cli(one, "--series-id", series, "--server", proxy.base, "--retries", "0",
                          "--concurrency", "1", "--prune", "--yes")
    assert pruned.returncode == 0, pruned.stderr
    assert proxy.injected == ["pass", "500-after-store"]
    assert "pruned: " in pruned.stderr and "could not be deleted" not in pruned.stderr
    assert sorted(server_resources(hapi.base, series)) == sorted(expected(one, series, tmp_path))


# ---------------------------------------------------------------------------- not idempotent
def test_the_import_kick_off_is_not_retried_once_it_may_have_started_a_job(
        hapi: HapiServer, tmp_path: Path) -> None:
    folder = tmp_path / "ndjson"
    folder.mkdir()
    tag = {"tag": [{"system": "https://casefhir.org/fhir/sid/series", "code": "faults-bulk"}]}
    (folder / "Patient.ndjson").write_bytes(orjson.dumps(
        {"resourceType": "Patient", "id": "faults-bulk.1", "meta": tag}) + b"\n")
    for fault, said in (("500", "refused $import (500)"),
                        ("drop-after", "may have carried it out, so it is not sent again")):
        with FaultProxy(hapi.base, [fault]) as proxy:
            done = load_cli(folder, "--bulk", "--server", proxy.base, "--retries", "3")
        assert done.returncode == 5, done.stderr
        assert said in done.stderr and "Traceback" not in done.stderr
        assert [p.split("?")[0] for p in proxy.posts()] == ["/fhir/$import"]
