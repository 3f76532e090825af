"""Nothing lost, nothing stale: the crosswalk (source row → resource → what the server did),
syncing an edited table (only what changed gets a new version) and `load --prune` (the series'
resources that no longer come from the table are deleted, nothing else), on a real HAPI server."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from converter.server.client import Auth, FhirClient, ServerConfig
from tests.conftest import EXAMPLES, bundle_resources, load, run
from tests.faultproxy import FaultProxy
from tests.hapi import NO_CACHE, HapiServer, server_resources, without_server_meta

MESSY = EXAMPLES / "messy-synthetic" / "cases.csv"
KOBAYASHI = EXAMPLES / "kobayashi-2023" / "bundle.json"
SOURCE_COLUMNS = ["series", "source_file", "row_kind", "source_row", "row_sha256", "case_id",
                  "resource_type", "resource_id"]


def load_cli(*args: object, env: dict[str, str] | None = None,
             stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in its own process, standard input not a terminal."""
    return subprocess.run([sys.executable, "-m", "converter", "load", *map(str, args)],
                          capture_output=True, text=True, input=stdin or "",
                          env={**os.environ, **(env or {})})


def table(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def messy_rows() -> list[list[str]]:
    return list(csv.reader(MESSY.open()))


def edited_rows() -> list[list[str]]:
    """The messy example with one cell changed (S3's margin), one row removed (S5, in the
    middle) and one row added (S7, at the end)."""
    rows = messy_rows()
    header, body = rows[0], rows[1:]
    margin = header.index("Margin")
    s3 = next(r for r in body if r[0] == "S3")
    assert s3[margin] == "free"
    s3[margin] = "R1"
    body = [r for r in body if r[0] != "S5"]
    s7 = list(next(r for r in rows if r[0] == "S2"))
    s7[0] = "S7"
    return [header, *body, s7]


def converted(path: Path, series: str, tmp: Path) -> dict[str, dict[str, Any]]:
    out = tmp / f"{series}-{path.parent.name}-expected.json"
    assert run("convert", path, "--series-id", series, "-o", out, "-q").exit_code == 0
    return {f"{r['resourceType']}/{r['id']}": r for r in bundle_resources(out)}


def read_crosswalk(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def totals(report: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for by_outcome in load(report)["outcomes"].values():
        counts.update(by_outcome)
    return counts


def versions(base: str, series: str) -> dict[str, str]:
    return {key: r["meta"]["versionId"] for key, r in server_resources(base, series).items()}


# ---------------------------------------------------------------------------- crosswalk
def test_crosswalk_of_a_load_follows_the_provenance_and_the_server(
        hapi: HapiServer, tmp_path: Path) -> None:
    series = "xwalk"
    source = table(tmp_path / "cases.csv", messy_rows())
    expected = converted(source, series, tmp_path)
    # convert --crosswalk: the source side only
    made = tmp_path / "made.csv"
    done = run("convert", source, "--series-id", series, "-o", tmp_path / "out.json",
               "--crosswalk", made, "-q")
    assert done.exit_code == 0, done.output
    made_lines = read_crosswalk(made)
    assert list(made_lines[0]) == SOURCE_COLUMNS
    assert [f"{x['resource_type']}/{x['resource_id']}" for x in made_lines] == list(expected)

    crosswalk, report = tmp_path / "loaded.csv", tmp_path / "r.json"
    first = load_cli(source, "--series-id", series, "--server", hapi.base,
                     "--crosswalk", crosswalk, "--report", report, "--concurrency", "4")
    assert first.returncode == 0, first.stderr
    lines = read_crosswalk(crosswalk)
    assert list(lines[0]) == [*SOURCE_COLUMNS, "outcome", "http_status", "version", "message"]
    # same resources, same order (input order, whatever order the server answered in)
    assert [{k: x[k] for k in SOURCE_COLUMNS} for x in lines] == made_lines
    assert {(x["outcome"], x["http_status"], x["version"], x["message"]) for x in lines} == {
        ("created", "201", "1", "")}
    # each resource names the row it came from: the Provenance's row and hash
    provenance = {key: r for key, r in expected.items() if key.startswith("Provenance/")}
    for line in lines:
        key = f"{line['resource_type']}/{line['resource_id']}"
        owner = provenance[key] if key in provenance else next(
            p for p in provenance.values() if {"reference": key} in p["target"])
        row, digest = (e["what"]["identifier"]["value"] for e in owner["entity"])
        assert row == f"cases.csv#row-{line['source_row']}" and digest == line["row_sha256"]
    s3 = [x for x in lines if x["case_id"] == "S3"]
    assert {x["source_row"] for x in s3} == {"4"} and len(s3) == sum(
        1 for k in expected if ".S3" in k)

    # the same data as FHIR files made earlier: the same crosswalk, now "unchanged"
    again = tmp_path / "again.json"
    done2 = load_cli(tmp_path / "out.json", "--server", hapi.base, "--crosswalk", again,
                     "--mode", "batch", "--concurrency", "3")
    assert done2.returncode == 0, done2.stderr
    items = orjson.loads(again.read_bytes())
    assert [{k: str(x[k]) for k in SOURCE_COLUMNS} for x in items] == made_lines
    assert {(x["outcome"], x["http_status"], x["version"], x["message"]) for x in items} == {
        ("unchanged", 200, "1", None)}
    # deterministic: a second identical reload writes the same bytes
    twice = tmp_path / "twice.json"
    assert load_cli(tmp_path / "out.json", "--server", hapi.base, "--crosswalk", twice,
                    "--concurrency", "8").returncode == 0
    assert twice.read_bytes() == again.read_bytes()


def test_crosswalk_names_rejections_and_never_the_token(hapi: HapiServer,
                                                        tmp_path: Path) -> None:
    """A server that rejects a case (and quotes the credentials doing so): the crosswalk says
    which resources were rejected with the status and message; the token appears nowhere."""
    secret = "xw-s3cr3t-t0ken-value"
    token = tmp_path / "token"
    token.write_text(secret + "\n")
    source = table(tmp_path / "cases.csv", messy_rows())
    crosswalk, report = tmp_path / "x.ndjson", tmp_path / "r.json"
    with FaultProxy(hapi.base, ["echo-auth"]) as proxy:
        done = load_cli(source, "--series-id", "xwalk-reject", "--server", proxy.base,
                        "--token-file", token, "--crosswalk", crosswalk, "--report", report,
                        "--concurrency", "1", "--prune", "--yes")
    assert done.returncode == 3, done.stderr
    lines = [orjson.loads(line) for line in crosswalk.read_bytes().splitlines()]
    rejected = [x for x in lines if x["outcome"] == "rejected"]
    assert {x["case_id"] for x in rejected} == {"S1"} and {x["http_status"] for x in rejected} \
        == {400}
    assert all("bad request from Bearer ***" in x["message"] for x in rejected)
    assert {x["outcome"] for x in lines if x["case_id"] != "S1"} == {"created"}
    assert "prune: not done" in done.stderr and "could lose data" in done.stderr
    for text in (done.stdout, done.stderr, crosswalk.read_text(), report.read_text()):
        assert secret not in text


def test_crosswalk_not_written_when_the_load_does_not_finish(tmp_path: Path) -> None:
    crosswalk = tmp_path / "x.csv"
    done = load_cli(KOBAYASHI, "--server", "http://127.0.0.1:9/fhir", "--retries", "0",
                    "--crosswalk", crosswalk)
    assert done.returncode == 5
    assert not crosswalk.exists() and not list(tmp_path.glob(".casefhir-*"))


def test_dry_run_crosswalk_from_fhir_files_says_not_sent(tmp_path: Path) -> None:
    crosswalk = tmp_path / "x.csv"
    done = load_cli(KOBAYASHI, "--dry-run", "--crosswalk", crosswalk)
    assert done.returncode == 0, done.stderr
    lines = read_crosswalk(crosswalk)
    assert len(lines) == len(bundle_resources(KOBAYASHI))
    assert {x["outcome"] for x in lines} == {"not sent"}
    assert lines[0]["source_file"] == "cases.csv" and lines[0]["source_row"] == "2"
    assert lines[-1]["resource_type"] == "Provenance" and lines[-1]["case_id"] == "6"


# ---------------------------------------------------------------------------- sync and prune
def test_an_edited_table_updates_exactly_what_changed_and_prune_deletes_the_rest(
        hapi: HapiServer, tmp_path: Path) -> None:
    series, other = "sync", "sync-other"
    original = table(tmp_path / "v1" / "cases.csv", messy_rows())
    edited = table(tmp_path / "v2" / "cases.csv", edited_rows())  # same file name
    before, after = converted(original, series, tmp_path), converted(edited, series, tmp_path)
    client = FhirClient(ServerConfig(hapi.base))

    # another series on the same server, plus a resource of it that refers to nothing of ours
    assert load_cli(original, "--series-id", other, "--server", hapi.base, "-q").returncode == 0
    lone = {"resourceType": "Observation", "id": "sync-other-lone", "status": "final",
            "meta": {"tag": [{"system": "https://casefhir.org/fhir/sid/series", "code": other}]},
            "code": {"text": "a note of the other series"}}
    assert client.request("PUT", "Observation/sync-other-lone", lone).status == 201
    # a Patient with our case identifier but the other series' tag: the other series'
    foreign = {"resourceType": "Patient", "id": "sync-foreign", "meta": lone["meta"],
               "identifier": [{"system": "https://casefhir.org/fhir/sid/case",
                               "value": "sync#foreign"}]}
    assert client.request("PUT", "Patient/sync-foreign", foreign).status == 201
    other_before = server_resources(hapi.base, other)

    report = tmp_path / "r.json"
    assert load_cli(original, "--series-id", series, "--server", hapi.base,
                    "--report", report).returncode == 0
    assert totals(report)["created"] == len(before)

    crosswalk = tmp_path / "sync.csv"
    done = load_cli(edited, "--series-id", series, "--server", hapi.base, "--report", report,
                    "--crosswalk", crosswalk)
    assert done.returncode == 0, done.stderr
    changed = {k for k in after if k in before and after[k] != before[k]}
    added = set(after) - set(before)
    # S3's margin (the edited cell) and S3's Provenance (the row's hash); S6's Provenance
    # because S6 moved up a row when S5 was removed; nothing else
    assert changed == {"Observation/sync.S3.margin", "Provenance/sync.S3.provenance",
                       "Provenance/sync.S6.provenance"}
    assert added == {k for k in after if k.split("/")[1].startswith("sync.S7")}
    assert totals(report) == Counter(created=len(added), updated=len(changed),
                                     unchanged=len(after) - len(added) - len(changed), failed=0)
    # the summary says so: created, updated, unchanged, failed
    total = next(line for line in done.stderr.splitlines() if line.startswith("total "))
    assert [int(n) for n in total.split()[1:]] == [len(added), len(changed),
                                                   len(after) - len(added) - len(changed), 0]
    on_server = versions(hapi.base, series)
    for key in after:
        assert on_server[key] == ("2" if key in changed else "1"), key
    removed = set(before) - set(after)
    assert removed and all(k.split("/")[1].startswith("sync.S5") for k in removed)
    assert all(on_server[k] == "1" for k in removed)  # still there: no --prune yet
    outcome = {f"{x['resource_type']}/{x['resource_id']}": (x["outcome"], x["version"])
               for x in read_crosswalk(crosswalk)}
    assert outcome == {k: ("created", "1") if k in added else ("updated", "2") if k in changed
                       else ("unchanged", "1") for k in after}

    to_delete = removed

    # not a terminal, no --yes: shows the list, deletes nothing, exit 6
    asked = load_cli(edited, "--series-id", series, "--server", hapi.base, "--prune", "-q")
    assert asked.returncode == 6, asked.stderr
    assert "nothing was deleted" in asked.stderr and "--yes" in asked.stderr
    listed = {line.strip() for line in asked.stderr.splitlines() if line.startswith("    ")}
    assert listed == to_delete
    assert "case Patient/sync.S5: the whole case (" in asked.stderr
    assert f"prune: {len(to_delete)} of the" in asked.stderr
    dry = load_cli(edited, "--series-id", series, "--server", hapi.base, "--prune",
                   "--dry-run")
    assert dry.returncode == 0 and "dry run: nothing was deleted" in dry.stderr
    assert {line.strip() for line in dry.stderr.splitlines() if line.startswith("    ")} \
        == to_delete
    assert set(versions(hapi.base, series)) >= removed

    pruned = load_cli(edited, "--series-id", series, "--server", hapi.base, "--prune", "--yes",
                      "--report", report)
    assert pruned.returncode == 0, pruned.stderr
    assert f"pruned: {len(to_delete)} resources deleted" in pruned.stderr
    assert totals(report) == Counter(created=0, updated=0, unchanged=len(after), failed=0)
    assert load(report)["prune"]["result"]["deleted_total"] == len(to_delete)
    found = server_resources(hapi.base, series)
    assert sorted(found) == sorted(after)
    for key, resource in found.items():
        assert without_server_meta(resource) == after[key], key
        assert resource["meta"]["versionId"] == ("2" if key in changed else "1"), key
    assert client.request("GET", "Patient/sync-foreign").status == 200
    assert server_resources(hapi.base, other) == other_before  # untouched, same versions
    history = client.request("GET", "Observation/sync.S1.mri-border/_history",
                             headers=NO_CACHE).json()
    assert history["total"] == 1  # never rewritten

    # in sync now: nothing to prune, nothing to confirm
    again = load_cli(edited, "--series-id", series, "--server", hapi.base, "--prune")
    assert again.returncode == 0, again.stderr
    assert "prune: nothing to delete" in again.stderr
    client.close()


def test_prune_never_deletes_what_another_series_refers_to(hapi: HapiServer,
                                                           tmp_path: Path) -> None:
    """A resource of another series refers to one of ours that the table no longer makes: the
    server refuses to delete it (referential integrity), that case is reported, exit 3; no
    `_cascade`, so the referrer stays."""
    series = "sync-refd"
    original = table(tmp_path / "v1" / "cases.csv", messy_rows())
    fewer = table(tmp_path / "v2" / "cases.csv", [r for r in messy_rows() if r[0] not in
                                                  ("S4", "S6")])
    assert load_cli(original, "--series-id", series, "--server", hapi.base, "-q").returncode == 0
    client = FhirClient(ServerConfig(hapi.base))
    referrer = {"resourceType": "Observation", "id": "sync-refd-outside", "status": "final",
                "meta": {"tag": [{"system": "https://casefhir.org/fhir/sid/series",
                                  "code": "sync-elsewhere"}]},
                "code": {"text": "cites a case of another series"},
                "subject": {"reference": f"Patient/{series}.S4"}}
    assert client.request("PUT", "Observation/sync-refd-outside", referrer).status == 201
    done = load_cli(fewer, "--series-id", series, "--server", hapi.base, "--prune", "--yes")
    assert done.returncode == 3, done.stderr
    assert "could not delete the" in done.stderr and f"case Patient/{series}.S4" in done.stderr
    assert "Observation/sync-refd-outside" in done.stderr  # the server names the referrer
    left = server_resources(hapi.base, series)
    assert any(k.startswith(f"Patient/{series}.S4") for k in left)  # the case stayed whole
    assert not any(f"{series}.S6" in k for k in left)  # the other case went
    assert client.request("GET", "Observation/sync-refd-outside").status == 200
    client.close()


def test_prune_in_a_terminal_asks_first(hapi: HapiServer, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import converter.cli

    series = "sync-ask"
    original = table(tmp_path / "v1" / "cases.csv", messy_rows())
    fewer = table(tmp_path / "v2" / "cases.csv", messy_rows()[:-1])  # S6 removed
    assert load_cli(original, "--series-id", series, "--server", hapi.base, "-q").returncode == 0
    monkeypatch.setattr(converter.cli, "_stdin_is_tty", lambda: True)
    declined = run("load", fewer, "--series-id", series, "--server", hapi.base, "--prune",
                   "--workers", "1", input="n\n")
    assert declined.exit_code == 6 and "Delete these" in declined.output
    assert any(".S6" in k for k in server_resources(hapi.base, series))
    accepted = run("load", fewer, "--series-id", series, "--server", hapi.base, "--prune",
                   "--workers", "1", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert not any(".S6" in k for k in server_resources(hapi.base, series))


def test_prune_refuses_what_it_cannot_do_safely(tmp_path: Path) -> None:
    both = tmp_path / "both.json"
    bundle = load(KOBAYASHI)
    other = orjson.loads(orjson.dumps(bundle).replace(b"kobayashi-2023", b"another-series"))
    bundle["entry"] += other["entry"]
    both.write_bytes(orjson.dumps(bundle))
    done = load_cli(both, "--server", "http://127.0.0.1:9/fhir", "--prune", "--dry-run")
    assert done.returncode == 2 and "one series at a time" in done.stderr
    skip = load_cli(MESSY, "--series-id", "s", "--server", "http://127.0.0.1:9/fhir",
                    "--prune", "--skip-invalid", "--rejects", tmp_path / "r.csv")
    assert skip.returncode == 2 and "--skip-invalid" in skip.stderr
    yes = load_cli(MESSY, "--series-id", "s", "--dry-run", "--yes")
    assert yes.returncode == 2
    bulk = load_cli(MESSY, "--series-id", "s", "--dry-run", "--bulk", "--crosswalk",
                    tmp_path / "x.csv")
    assert bulk.returncode == 2 and "$import" in bulk.stderr


# ---------------------------------------------------------------------------- pure parts
def test_credentials_are_redacted() -> None:
    auth = Auth(token="abcd-token")
    assert auth.redact("echo Bearer abcd-token!") == "echo Bearer ***!"
    basic = Auth(user="me", password="pa55word")
    header = basic.header() or ""
    assert basic.redact(f"{header} pa55word") == "Basic *** ***"


def test_crosswalk_lines_are_written_in_input_order_whatever_the_answer_order(
        tmp_path: Path) -> None:
    from converter.server.caseunits import CaseUnit
    from converter.server.load import Answer
    from converter.tables.crosswalk import LoadCrosswalk, case_lines

    units = [CaseUnit(f"s-{n}", [{"resourceType": "Patient", "id": f"s-{n}"}]) for n in range(4)]
    crosswalk = LoadCrosswalk(str(tmp_path / "x.csv"))
    for unit in units:
        crosswalk.expect(unit)
    for n in (2, 0, 3):
        crosswalk.answered(units[n], [Answer("created", 201, "1")])
    crosswalk.commit()  # case 1 never answered: "not sent"
    lines = read_crosswalk(tmp_path / "x.csv")
    assert [(x["resource_id"], x["outcome"]) for x in lines] == [
        ("s-0", "created"), ("s-1", "not sent"), ("s-2", "created"), ("s-3", "created")]
    # no Provenance (FHIR from elsewhere): empty source columns; formula-like cells defused
    [line] = case_lines([{"resourceType": "Patient", "id": "p", "identifier": [
        {"system": "https://casefhir.org/fhir/sid/case", "value": "s#=cmd()"}]}])
    assert line["source_file"] is None and line["case_id"] == "=cmd()"
    crosswalk = LoadCrosswalk(str(tmp_path / "y.csv"))
    unit = CaseUnit("p", [{"resourceType": "Patient", "id": "p", "identifier": [
        {"system": "https://casefhir.org/fhir/sid/case", "value": "s#=cmd()"}]}])
    crosswalk.expect(unit)
    crosswalk.answered(unit, [Answer("failed", 400, None, "@bad")])
    crosswalk.commit()
    [row] = read_crosswalk(tmp_path / "y.csv")
    assert (row["case_id"], row["outcome"], row["message"]) == ("'=cmd()", "rejected", "'@bad")


