"""Secrets never in any output channel: stdout, stderr, --report, --crosswalk and --debug output
are searched for the token (and each half of it, and its base64 and percent-encoded forms) and
for the basic-authentication password (and the Basic header's base64), under every failure mode
a server or a user can provoke: a server quoting the Authorization header in a 400/422/500 body
or an OperationOutcome (across the point where messages are cut), in $validate answers, prune
delete refusals, install-profiles refusals, bulk $import answers and status, 401/403; token and
password files and variables that cannot be right."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import orjson
import pytest

from converter import credentials
from tests.conftest import EXAMPLES, run
from tests.faultproxy import FaultProxy
from tests.hapi import HapiServer

MESSY = EXAMPLES / "messy-synthetic" / "cases.csv"
TOKEN = "Q7zP4xW9mK2vR8nBt5Lc3Hy6Jd1Fg0Sa"
USER, PASSWORD = "ann", "pw-Hq3Lz8Rt6Vx1Nc4M"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def forms(secret: str) -> list[str]:
    half = len(secret) // 2
    return [secret, secret[:half], secret[half:], base64.b64encode(secret.encode()).decode(),
            quote(secret, safe="")]


FORBIDDEN = [*forms(TOKEN), *forms(PASSWORD), BASIC, BASIC[: len(BASIC) // 2]]


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    yield
    credentials.forget()


def cli(command: str, *args: object, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    """The real command in its own process, with --debug (its traceback goes to stderr)."""
    return subprocess.run([sys.executable, "-m", "converter", command, *map(str, args),
                           "--debug"], capture_output=True, text=True, input="",
                          env={**os.environ, **(env or {})})


def assert_nowhere(done: subprocess.CompletedProcess[str], *files: Path) -> str:
    """No form of a secret on stdout, stderr or in the files; the text of all of them."""
    texts = [done.stdout, done.stderr] + [f.read_text() for f in files if f.exists()]
    everything = "\n".join(texts)
    for secret in FORBIDDEN:
        assert secret not in everything, (secret, everything[-3000:])
    assert "Traceback" not in done.stderr
    return everything


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    return path


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password"
    path.write_text(PASSWORD + "\n")
    return path


# ---------------------------------------------------------------------------- load
@pytest.mark.parametrize(("mode", "fault", "retries"), [
    ("transaction", "echo-auth", "1"),
    ("transaction", "echo-auth:422", "1"),
    ("transaction", "echo-auth:500", "0"),
    ("transaction", "echo-raw:500", "0"),
    ("batch", "echo-auth", "1"),
    ("batch", "echo-raw:500", "0"),
])
def test_a_server_quoting_the_token_in_its_answer_to_a_load(
        hapi: HapiServer, tmp_path: Path, token_file: Path, mode: str, fault: str,
        retries: str) -> None:
    report, walk = tmp_path / "r.json", tmp_path / "x.ndjson"
    with FaultProxy(hapi.base, [fault]) as proxy:
        done = cli("load", MESSY, "--series-id", f"sec-{mode[0]}-{fault.replace(':', '')}",
                   "--server", proxy.base, "--token-file", token_file, "--mode", mode,
                   "--concurrency", "1", "--retries", retries, "--report", report,
                   "--crosswalk", walk)
    assert done.returncode == 3, done.stderr
    assert proxy.injected == [fault]
    assert all(h.get("Authorization") == f"Bearer {TOKEN}" for _, _, h in proxy.seen)
    shown = assert_nowhere(done, report, walk)
    rejected = [line for line in map(orjson.loads, walk.read_bytes().splitlines())
                if line["outcome"] == "rejected"]
    assert rejected and all("Bearer ***" in line["message"] for line in rejected)
    assert "Bearer ***" in done.stderr and "Bearer ***" in shown


def test_basic_credentials_quoted_by_the_server(hapi: HapiServer, tmp_path: Path,
                                                password_file: Path) -> None:
    report = tmp_path / "r.json"
    with FaultProxy(hapi.base, ["echo-raw:400", "echo-auth:422"]) as proxy:
        done = cli("load", MESSY, "--series-id", "sec-basic", "--server", proxy.base,
                   "--user", USER, "--password-file", password_file, "--concurrency", "1",
                   "--report", report)
    assert done.returncode == 3, done.stderr
    assert all(h.get("Authorization") == f"Basic {BASIC}" for _, _, h in proxy.seen)
    assert "Basic ***" in assert_nowhere(done, report)
    with FaultProxy(hapi.base, ["echo-auth"]) as proxy:
        env = cli("load", MESSY, "--series-id", "sec-basic", "--server", proxy.base,
                  "--user", USER, "--concurrency", "1", env={"CASEFHIR_PASSWORD": PASSWORD})
    assert env.returncode == 3, env.stderr
    assert_nowhere(env)


@pytest.mark.parametrize("status", ["401", "403"])
def test_refused_credentials(hapi: HapiServer, tmp_path: Path, status: str) -> None:
    report = tmp_path / "r.json"
    with FaultProxy(hapi.base, [status], methods=("GET",)) as proxy:
        done = cli("load", MESSY, "--series-id", "sec-refused", "--server", proxy.base,
                   "--report", report, env={"CASEFHIR_TOKEN": TOKEN})
    assert done.returncode == 5 and f"({status} " in done.stderr
    assert_nowhere(done, report)


# ---------------------------------------------------------------------------- other commands
def test_validate_on_the_server(hapi: HapiServer, tmp_path: Path, token_file: Path) -> None:
    report = tmp_path / "r.json"
    for fault, retries in (("echo-auth", "1"), ("echo-raw:500", "0")):
        with FaultProxy(hapi.base, [fault], path_contains="$validate") as proxy:
            done = cli("validate", MESSY, "--series-id", "sec-validate", "--server", proxy.base,
                       "--token-file", token_file, "--retries", retries, "--concurrency", "1",
                       "--report", report)
        assert proxy.injected == [fault]
        assert done.returncode == 1
        assert "Bearer ***" in assert_nowhere(done, report)


def test_prune_delete_refused(hapi: HapiServer, tmp_path: Path, token_file: Path) -> None:
    rows = MESSY.read_text().splitlines(keepends=True)
    two, one = tmp_path / "two.csv", tmp_path / "one.csv"
    two.write_text("".join(rows[:3]))
    one.write_text("".join(rows[:2]))
    assert cli("load", two, "--series-id", "sec-prune", "--server", hapi.base).returncode == 0
    report = tmp_path / "r.json"
    with FaultProxy(hapi.base, ["pass", "echo-auth:409"]) as proxy:
        done = cli("load", one, "--series-id", "sec-prune", "--server", proxy.base,
                   "--token-file", token_file, "--concurrency", "1", "--prune", "--yes",
                   "--report", report)
    assert proxy.injected == ["pass", "echo-auth:409"]
    assert done.returncode == 3 and "error: prune: could not delete" in done.stderr
    assert "Bearer ***" in assert_nowhere(done, report)


def test_install_profiles_refused(hapi: HapiServer, tmp_path: Path, token_file: Path) -> None:
    value_set = tmp_path / "vs.json"
    value_set.write_bytes(orjson.dumps({"resourceType": "ValueSet", "id": "sec-vs",
                                        "url": "https://example.org/vs", "status": "draft"}))
    report = tmp_path / "r.json"
    for fault, retries in (("echo-auth", "1"), ("echo-raw:500", "0")):
        with FaultProxy(hapi.base, [fault], methods=("PUT",)) as proxy:
            done = cli("install-profiles", value_set, "--server", proxy.base, "--token-file",
                       token_file, "--retries", retries, "--concurrency", "1", "--report",
                       report)
        assert proxy.injected == [fault]
        assert done.returncode == 3, done.stderr
        assert "Bearer ***" in assert_nowhere(done, report)


def test_bulk_import_answers_and_status(hapi: HapiServer, tmp_path: Path,
                                        token_file: Path) -> None:
    folder = tmp_path / "ndjson"
    folder.mkdir()
    tag = {"tag": [{"system": "https://casefhir.org/fhir/sid/series", "code": "sec-bulk"}]}
    (folder / "Patient.ndjson").write_bytes(orjson.dumps(
        {"resourceType": "Patient", "id": "sec-bulk-1", "meta": tag}) + b"\n")
    report = tmp_path / "r.json"
    with FaultProxy(hapi.base, ["echo-auth"]) as proxy:  # the kick-off
        kick_off = cli("load", folder, "--bulk", "--server", proxy.base, "--token-file",
                       token_file, "--report", report)
    assert kick_off.returncode == 5 and "refused $import (400)" in kick_off.stderr
    assert "Bearer ***" in assert_nowhere(kick_off, report)
    with FaultProxy(hapi.base, ["echo-raw:400"], methods=("GET",),
                    path_contains="$import-poll-status") as proxy:
        status = cli("load", folder, "--bulk", "--server", proxy.base, "--token-file",
                     token_file, "--report", report)
    assert proxy.injected == ["echo-raw:400"]
    assert status.returncode == 3, status.stderr
    assert "Bearer ***" in assert_nowhere(status, report)


# ---------------------------------------------------------------------------- user mistakes
@pytest.mark.parametrize(("content", "fault"), [
    (TOKEN + "\n" + TOKEN + "\n", "has 2 lines"),
    (TOKEN[:10] + "\x07" + TOKEN[10:], "control"),
    (TOKEN[:10] + "é" + TOKEN[10:], "non-ASCII"),
    (TOKEN[:16] + " " + TOKEN[16:], "has spaces"),
    ("Bearer " + TOKEN, "without 'Bearer '"),
    ("", "is empty"),
])
def test_a_malformed_token_is_a_usage_error_that_never_shows_it(
        tmp_path: Path, content: str, fault: str) -> None:
    path = tmp_path / "token"
    path.write_bytes(content.encode())
    for debug in ((), ("--debug",)):
        done = run("load", MESSY, "--series-id", "s", "--server", "http://127.0.0.1:9/fhir",
                   "--token-file", path, *debug)
        assert done.exit_code == 2 and fault in done.output, done.output
        assert f"--token-file {path}" in done.output
        assert all(secret not in done.output for secret in FORBIDDEN)
        assert "Traceback" not in done.output


def test_malformed_variables_and_password_files(tmp_path: Path) -> None:
    bad = tmp_path / "password"
    bad.write_text(PASSWORD + "\nsecond line\n")
    cases = [
        (["--user", USER, "--password-file", bad], {}, "--password-file"),
        (["--user", USER], {"CASEFHIR_PASSWORD": PASSWORD + "\x01"}, "CASEFHIR_PASSWORD"),
        ([], {"CASEFHIR_TOKEN": TOKEN + "\n" + TOKEN}, "CASEFHIR_TOKEN: the token has 2 lines"),
        ([], {"CASEFHIR_TOKEN": ""}, "CASEFHIR_TOKEN: the token is empty"),
    ]
    for options, env, said in cases:
        done = cli("summary", "--server", "http://127.0.0.1:9/fhir", *options, env=env)
        assert done.returncode == 2 and said in done.stderr, done.stderr
        assert_nowhere(done)


def test_the_debug_traceback_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    from converter.cli import _run
    from converter.server.client import Auth

    Auth(token=TOKEN)

    def broken() -> None:
        raise RuntimeError(f"a bug holding Bearer {TOKEN} and {quote(TOKEN)}")

    with pytest.raises(SystemExit) as caught:
        _run(True, broken)
    assert caught.value.code == 4
    printed = capsys.readouterr().err
    assert "RuntimeError: a bug holding Bearer ***" in printed and TOKEN not in printed
    assert "Traceback" in printed and "in broken" in printed  # still shows where the bug is


def test_insecure_and_plain_http_warn_on_every_run(hapi: HapiServer) -> None:
    insecure = cli("summary", "--server", hapi.base, "--insecure", "--series-id", "none")
    assert insecure.returncode == 0, insecure.stderr
    assert "warning: --insecure: the server's TLS certificate is not checked" in insecure.stderr
    remote = cli("summary", "--server", "http://192.0.2.1:9/fhir", "--timeout", "1",
                 "--retries", "0", env={"CASEFHIR_TOKEN": TOKEN})
    assert remote.returncode == 5
    assert "warning: the token goes unencrypted over http to 192.0.2.1" in remote.stderr
    assert_nowhere(remote)
