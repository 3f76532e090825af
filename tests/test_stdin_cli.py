"""Every command that reads tables or FHIR takes `-` for standard input and tells the kind of
input from its content; FHIR is not written onto a terminal without -o (issue 15)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from openpyxl import Workbook

from tests.conftest import EXAMPLES, csv_text, run
from tests.read import odsbuild, xlsbuild

SEED = EXAMPLES / "kobayashi-2023" / "cases.csv"
ROWS = [["Case", "Age (y)", "Sex", "Gene fusion"], ["1", "22", "F", "TPM3::NTRK1"],
        ["2", "3 months", "boy", "ETV6/NTRK3"]]


def converted(data: bytes | str, *args: str) -> dict:  # type: ignore[type-arg]
    result = run("convert", "-", "--series-id", "s1", "-q", *args, input=data)
    assert result.exit_code == 0, result.stderr
    bundle: dict = orjson.loads(result.stdout_bytes)  # type: ignore[type-arg]
    return bundle


def xlsx_bytes(tmp_path: Path) -> bytes:
    book = Workbook()
    for row in ROWS:
        book.active.append(row)
    path = tmp_path / "cases.xlsx"
    book.save(path)
    return path.read_bytes()


def test_every_table_format_is_told_from_the_content(tmp_path: Path) -> None:
    """Without -f: CSV, semicolon CSV, TSV, a JSON array, NDJSON, XLSX, ODS and XLS on standard
    input give the same FHIR as the CSV file."""
    path = tmp_path / "cases.csv"
    path.write_text(csv_text(ROWS))
    expected = run("convert", path, "--series-id", "s1", "-q", "-o", "-").stdout_bytes
    records = [dict(zip(ROWS[0], row, strict=True)) for row in ROWS[1:]]
    inputs = {
        "csv": csv_text(ROWS).encode(),
        "semicolons": csv_text(ROWS).replace(",", ";").encode(),
        "tsv": csv_text(ROWS).replace(",", "\t").encode(),
        "json": orjson.dumps(records),
        "ndjson": b"\n".join(orjson.dumps(r) for r in records) + b"\n",
        "xlsx": xlsx_bytes(tmp_path),
        "ods": odsbuild.spreadsheet(ROWS),
        "xls": xlsbuild.workbook([list(row) for row in ROWS]),
    }
    for kind, data in inputs.items():
        bundle = converted(data, "-o", "-")
        patients = [e["resource"]["id"] for e in bundle["entry"]
                    if e["resource"]["resourceType"] == "Patient"]
        assert patients == ["s1.1", "s1.2"], kind
        assert len(bundle["entry"]) == len(orjson.loads(expected)["entry"]), kind


def test_fhir_from_a_pipe_is_validated_flattened_summarised_and_dry_run_loaded() -> None:
    bundle = run("convert", SEED, "--series-id", "kobayashi-2023", "-o", "-", "-q").stdout_bytes
    ndjson = b"\n".join(orjson.dumps(e["resource"]) for e in orjson.loads(bundle)["entry"])
    for data in (bundle, ndjson):
        checked = run("validate", "-", input=data)
        assert checked.exit_code == 0, checked.stderr
        assert "resources: 86 " in checked.stderr and "problems: 0 errors, 0 warnings" in \
            checked.stderr
        flat = run("flatten", "-", "-q", input=data)
        assert flat.exit_code == 0 and flat.stdout.splitlines()[0].startswith("case_id,")
        assert len(flat.stdout.splitlines()) == 7  # header + 6 cases
        summary = run("summary", "-", input=data)
        assert summary.exit_code == 0 and "patients" in summary.stdout and " 6" in summary.stdout
        dry = run("load", "-", "--dry-run", input=data)
        assert dry.exit_code == 0, dry.stderr
        assert "for 6 cases; nothing was sent" in dry.stderr


def test_a_table_on_standard_input_is_validated_as_a_table() -> None:
    result = run("validate", "-", "--series-id", "s1", input=SEED.read_bytes())
    assert result.exit_code == 0, result.stderr
    assert "resources: 86 " in result.stderr


@pytest.mark.parametrize(("data", "message"), [
    (b"", "error: <stdin>: is empty: nothing to read"),
    (b"%PDF-1.4\n%...", "error: <stdin>: is a PDF document, not a table or FHIR"),
    (b'{"resourceType":"Bundle","type":"collection"}',
     "error: <stdin>: holds FHIR (a Bundle or resources), not a case-series table"),
])
def test_what_convert_cannot_read_from_standard_input_is_said(data: bytes, message: str) -> None:
    result = run("convert", "-", "--series-id", "s1", "-o", "-", input=data)
    assert result.exit_code == 1 and message in result.stderr
    assert result.stdout_bytes == b"" and "Traceback" not in result.stderr


def test_a_file_without_a_known_extension_is_read_by_its_content(tmp_path: Path) -> None:
    path = tmp_path / "cases"  # no extension
    path.write_text(csv_text(ROWS).replace(",", "\t"))
    out = tmp_path / "out.json"
    assert run("convert", path, "--series-id", "s1", "-o", out, "-q").exit_code == 0
    assert orjson.loads(out.read_bytes())["resourceType"] == "Bundle"


def in_terminal(*args: str) -> tuple[int, bytes]:
    """Run casefhir with standard output (and error) on a pseudo-terminal."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "converter", *args], stdout=terminal,
                               stderr=terminal, stdin=subprocess.DEVNULL, close_fds=True)
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    return process.wait(timeout=120), seen


def test_fhir_is_not_written_onto_a_terminal_without_o() -> None:
    code, seen = in_terminal("convert", str(SEED), "--series-id", "kobayashi-2023")
    assert code == 2
    assert b"FHIR JSON is not written to a terminal: give -o FILE" in seen
    assert b"resourceType" not in seen
    code, seen = in_terminal("terminology")
    assert code == 2 and b"resourceType" not in seen


def test_o_dash_still_writes_to_a_terminal() -> None:
    code, seen = in_terminal("convert", str(SEED), "--series-id", "kobayashi-2023", "-o", "-",
                             "-q")
    assert code == 0 and b'"resourceType":"Bundle"' in seen


def test_reading_a_terminal_says_so_instead_of_seeming_hung() -> None:
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "converter", "validate", "-"],
                               stdin=terminal, stdout=terminal, stderr=terminal, close_fds=True)
    os.close(terminal)
    seen = b""
    while b"Ctrl-D" not in seen:
        seen += os.read(controller, 4096)
    os.write(controller, b"\x04")  # end of input, as typed
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 1
    assert b"reading standard input from the terminal" in seen
    assert b"<stdin>: is empty: nothing to read" in seen


def test_terminology_bundle_reads_the_series_from_a_pipe() -> None:
    bundle = run("convert", SEED, "--series-id", "kobayashi-2023", "-o", "-", "-q").stdout_bytes
    result = run("terminology", "--bundle", "-", "-o", "-", input=bundle)
    assert result.exit_code == 0, result.stderr
    delivered = orjson.loads(result.stdout_bytes)
    series = [e["resource"] for e in delivered["entry"]
              if e["resource"].get("url") == "https://casefhir.org/fhir/sid/series"]
    assert [c["code"] for c in series[0]["concept"]] == ["kobayashi-2023"]
