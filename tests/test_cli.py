"""The command line end to end: bad input gives a located message, exit 1 and no output."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from openpyxl import load_workbook

from tests.conftest import EXAMPLES, bundle_resources, csv_text, load, run

GOOD = [["Case", "Age (y)", "Sex", "Gene fusion"], ["1", "22", "F", "TPM3::NTRK1"],
        ["2", "3 months", "boy", "ETV6/NTRK3"]]


def convert(path: Path, *args: str) -> tuple[int, str, Path]:
    out = path.parent / "out.json"
    result = run("convert", path, "--series-id", "s1", "-o", out, *args)
    return result.exit_code, result.stderr, out


def assert_nothing_written(folder: Path, inputs: set[str]) -> None:
    assert {p.name for p in folder.iterdir()} == inputs


@pytest.mark.parametrize(("rows", "message"), [
    ([["Case", "Age"]], "no cases: the input has a header but no data rows"),
    ([["Case", "Age"], ["Jos\u00e9", "22"], ["Jose\u0301", "23"]],  # NFC and NFD: one id
     "row 3, column A (Case): duplicate case id 'Jos\u00e9'; it is first used in row 2"),
    ([["Case", "Age"], ["1", "22", "x"]], "row 2: has 3 cells but the header has 2"),
    ([["Case", "Age"], ["1", "22"], ["1", "23"]],
     "row 3, column A (Case): duplicate case id '1'; it is first used in row 2"),
    ([["Case", "Age"], ["1", "230"]], "row 2, column B (Age): an age of 230 years is impossible"),
    ([["Case", "Age"], ["1", "-4 y"]], "row 2, column B (Age): an age cannot be negative"),
    ([["Case", "Shoe size"], ["1", "42"]], "column B (Shoe size): column 'Shoe size' is not in "
                                           "the data dictionary"),
    ([["Case", "Age"], ["", "22"]], "the case id is empty"),
    ([["Case", "Size"], ["1", "7"]], "a size needs a unit"),
])
def test_bad_input_is_located_exit_1_and_writes_nothing(
        write_csv: Callable[..., Path], rows: list[list[str]], message: str) -> None:
    path = write_csv(rows)
    code, stderr, out = convert(path)
    assert code == 1
    assert message in stderr and str(path) in stderr
    assert "Traceback" not in stderr
    assert not out.exists()
    assert_nothing_written(path.parent, {"cases.csv"})


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes(b"")
    code, stderr, _ = convert(path)
    assert code == 1 and "is empty: no header row" in stderr
    assert_nothing_written(tmp_path, {"cases.csv"})


def test_wrong_encoding(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Case", "Site"], ["1", "cuisse gauche"], ["2", "h\u00e9morragie"]],
                     encoding="cp1252")
    code, stderr, out = convert(path)
    assert code == 1 and "is not UTF-8 text: byte 0xE9" in stderr and "line 3" in stderr
    assert not out.exists()
    code, _, out = convert(path, "--encoding", "cp1252", "--ignore-unmapped")
    assert code == 0 and out.exists()


def test_every_error_is_reported_not_just_the_first(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Case", "Age"], ["1", "abc"], ["2", "22"], ["3", "999"]])
    code, stderr, _ = convert(path)
    assert code == 1 and "row 2" in stderr and "row 4" in stderr
    assert "cases: 3 read" in stderr


def test_good_input_converts_with_summary(write_csv: Callable[..., Path]) -> None:
    path = write_csv(GOOD)
    code, stderr, out = convert(path, "--report", str(path.parent / "report.json"))
    assert code == 0, stderr
    assert "cases: 3 read" not in stderr and "cases: 2 read, 2 converted, 0 rejected" in stderr
    resources = bundle_resources(out)
    assert {r["resourceType"] for r in resources} >= {"Patient", "Condition", "Observation"}
    report = load(path.parent / "report.json")
    assert report["cases"] == {"read": 2, "written": 2, "rejected": 0}
    assert report["resources"]["Patient"] == 2 and report["written"] is True


def test_two_runs_are_byte_identical(write_csv: Callable[..., Path], tmp_path: Path) -> None:
    path = write_csv(GOOD)
    outputs = []
    for n in (1, 2):
        out = tmp_path / f"out{n}.json"
        assert run("convert", path, "--series-id", "s1", "-o", out).exit_code == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_stdin_to_stdout() -> None:
    text = csv_text(GOOD).replace(",", "\t")
    result = run("convert", "-", "-f", "tsv", "--series-id", "s1", "-o", "-", "-q", input=text)
    assert result.exit_code == 0
    assert orjson.loads(result.stdout_bytes)["resourceType"] == "Bundle"
    assert result.stderr == ""


def test_invalid_input_to_stdout_prints_nothing(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Case", "Age"], ["1", "22"], ["2", "bad"]])
    result = run("convert", path, "--series-id", "s1", "-o", "-")
    assert result.exit_code == 1 and result.stdout_bytes == b""


def test_skip_invalid_writes_valid_cases_and_rejects(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Case", "Age"], ["1", "22"], ["2", "=cmd|' /C calc'!A0"], ["3", "5"]])
    code, stderr, out = convert(path, "--skip-invalid")
    assert code == 3, stderr
    ids = [r["id"] for r in bundle_resources(out) if r["resourceType"] == "Patient"]
    assert ids == ["s1.1", "s1.3"]
    rejects = (path.parent / "out.rejects.csv").read_text()
    assert "source_row" in rejects and "B (Age): not an age" in rejects
    assert "'=cmd" in rejects  # formula injection neutralised


@pytest.mark.parametrize(("args", "check"), [
    (["-t", "ndjson"], lambda out: (out / "Patient.ndjson").exists()),
    (["--per-case", "-t", "collection"], lambda out: (out / "s1.1.json").exists()),
    (["-t", "batch"], lambda out: load(out)["type"] == "batch"),
])
def test_output_shapes(write_csv: Callable[..., Path], args: list[str],
                       check: Callable[[Path], bool]) -> None:
    path = write_csv(GOOD)
    out = path.parent / "out"
    assert run("convert", path, "--series-id", "s1", "-o", out, *args).exit_code == 0
    assert check(out)
    assert run("validate", out).exit_code == 0


@pytest.mark.parametrize("series_id", ["Not Valid", "s1\n", "s1.x", "a" * 25])
def test_bad_series_id_is_a_usage_error(write_csv: Callable[..., Path], series_id: str) -> None:
    result = run("convert", write_csv(GOOD), "--series-id", series_id)
    assert result.exit_code == 2 and "series id" in result.stderr


def test_strict_turns_warnings_into_errors(write_csv: Callable[..., Path]) -> None:
    path = write_csv([["Case", "Margin"], ["1", "close"]])
    assert convert(path)[0] == 0
    code, stderr, _ = convert(path, "--strict")
    assert code == 1 and "not a known margin" in stderr


def test_columns_option(write_csv: Callable[..., Path], tmp_path: Path) -> None:
    (tmp_path / "map.json").write_text('{"Patient code": "case_id"}')
    path = write_csv([["Patient code", "Age"], ["7", "3"]])
    code, stderr, _ = convert(path, "--columns", str(tmp_path / "map.json"))
    assert code == 0, stderr


def test_xlsx_input_and_template_round_trip(tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    assert run("template", "-o", template).exit_code == 0
    workbook = load_workbook(template)
    assert workbook.sheetnames == ["cases", "dictionary"]
    headers = [c.value for c in workbook["cases"][1]]
    assert headers[:3] == ["case_id", "age", "sex"]
    workbook["cases"].append(["A1", "2 y", "F"])
    workbook.save(template)
    out = tmp_path / "out.json"
    result = run("convert", template, "--series-id", "t", "-o", out)
    assert result.exit_code == 0, result.stderr


def test_csv_template_has_dictionary(tmp_path: Path) -> None:
    assert run("template", "-o", tmp_path / "t.csv").exit_code == 0
    assert (tmp_path / "t.csv").read_text().startswith("case_id,age,sex,")
    assert "Condition(primary).onsetAge" in (tmp_path / "t.dictionary.csv").read_text()


def test_terminology_command_writes_the_codesystem(tmp_path: Path) -> None:
    assert run("terminology", "-o", tmp_path / "cs.json").exit_code == 0
    assert load(tmp_path / "cs.json")["resourceType"] == "CodeSystem"


def test_terminology_bundle_lists_the_series_of_the_files_and_options(tmp_path: Path) -> None:
    out = tmp_path / "terminology.json"
    done = run("terminology", "--bundle", EXAMPLES / "kobayashi-2023" / "bundle.json",
               "--series-id", "extra-series", "-o", out)
    assert done.exit_code == 0, done.output
    bundle = load(out)
    assert bundle["type"] == "collection"
    series = next(e["resource"] for e in bundle["entry"]
                  if e["resource"].get("url") == "https://casefhir.org/fhir/sid/series")
    tag = load(EXAMPLES / "kobayashi-2023" / "bundle.json")["entry"][0]["resource"]["meta"]["tag"][0]
    assert series["concept"] == [{"code": "extra-series"},
                                 {"code": tag["code"], "display": tag["display"]}]


def test_terminology_bundle_refuses_bad_files_and_stray_options(tmp_path: Path) -> None:
    not_fhir = tmp_path / "not-fhir.json"
    not_fhir.write_text('{"a": 1}')
    out = tmp_path / "terminology.json"
    refused = run("terminology", "--bundle", not_fhir, "-o", out)
    assert refused.exit_code == 1 and "not-fhir.json" in refused.output and not out.exists()
    stray = run("terminology", "--series-id", "x", "-o", out)
    assert stray.exit_code == 2 and "--bundle" in stray.output and not out.exists()


def test_summary_command() -> None:
    result = run("summary", EXAMPLES / "kobayashi-2023" / "bundle.json")
    assert result.exit_code == 0 and "NTRK1 4, NTRK3 2" in result.stdout


def test_help_has_examples() -> None:
    for command in ("convert", "validate", "template", "terminology", "summary"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Example" in result.stdout
    assert "Exit codes" in run("convert", "--help").stdout


def test_python_dash_m(write_csv: Callable[..., Path]) -> None:
    import subprocess
    import sys

    path = write_csv(GOOD)
    done = subprocess.run([sys.executable, "-m", "converter", "convert", str(path),
                           "--series-id", "s1", "-o", "-", "-q"], capture_output=True)
    assert done.returncode == 0 and orjson.loads(done.stdout)["type"] == "transaction"


def test_a_reader_closing_stdout_early_is_not_an_error(tmp_path: Path) -> None:
    """`convert -o - | head`: exit 141 as for SIGPIPE, nothing on stderr, no temporary file."""
    import subprocess
    import sys

    spool = tmp_path / "tmp"
    spool.mkdir()
    table = EXAMPLES / "messy-synthetic" / "cases.csv"  # about 300 kB of output: the pipe fills
    command = [sys.executable, "-m", "converter", "convert", str(table), "--series-id", "s1",
               "-o", "-", "--pretty", "-q"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env={**os.environ, "TMPDIR": str(spool)}) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(10) == b'{\n  "resou'
        process.stdout.close()  # the reader goes away with the rest unread
        stderr = process.stderr.read()
    assert process.returncode == 141
    assert stderr == b""
    assert list(spool.iterdir()) == []


def test_workers_give_byte_identical_output(tmp_path: Path) -> None:
    """Enough rows for the worker processes to take part (several batches)."""
    import subprocess
    import sys

    table = tmp_path / "cases.csv"
    subprocess.run([sys.executable, str(EXAMPLES.parent / "benchmarks" / "generate.py"),
                    "--rows", "300", "--seed", "7", "-o", str(table)], check=True)
    outputs = []
    for workers in ("1", "2", "3"):
        out = tmp_path / f"out{workers}.ndjson"
        result = run("convert", table, "--series-id", "w", "-t", "ndjson", "-o", out,
                     "--workers", workers, "-q")
        assert result.exit_code == 0, result.stderr
        outputs.append(sorted((p.name, p.read_bytes()) for p in out.iterdir()))
    assert outputs[0] == outputs[1] == outputs[2]


def test_duplicates_are_found_across_worker_batches(tmp_path: Path) -> None:
    rows = [["Case", "Age"]] + [[str(n), "5"] for n in range(400)] + [["7", "6"]]
    table = tmp_path / "cases.csv"
    table.write_text(csv_text(rows))
    result = run("convert", table, "--series-id", "w", "-o", tmp_path / "o.json", "--workers", "2")
    assert result.exit_code == 1
    assert "row 402, column A (Case): duplicate case id '7'; it is first used in row 9" \
        in result.stderr


def test_every_help_ends_with_its_exit_codes() -> None:
    from converter.cli import main as group

    assert "exit codes" in run("--help").stdout
    for name in group.commands:
        text = " ".join(run(name, "--help").stdout.split())  # as one line, however wrapped
        assert "Exit codes: 0 " in text, name
        assert "128+n stopped by signal n" in text, name


def test_the_reported_time_is_the_wall_time_of_the_run(tmp_path: Path) -> None:
    """The summary's time is what the user waited, start-up and imports included (it was a
    third of it)."""
    import re
    import subprocess
    import sys
    import time

    out = tmp_path / "out.json"
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "converter", "convert",
                           str(EXAMPLES / "kobayashi-2023" / "cases.csv"), "--series-id", "k",
                           "-o", str(out)], capture_output=True, text=True, check=True)
    waited = time.monotonic() - began
    found = re.search(r"^time: ([0-9.]+) s$", done.stderr, re.MULTILINE)
    assert found, done.stderr
    reported = float(found.group(1))
    assert reported <= waited  # from the import of casefhir to the summary
    assert reported >= waited * 0.75, (reported, waited)  # the interpreter's start is not counted


def test_shell_completion_scripts_come_from_click() -> None:
    """The README's completion lines work: each shell gets its script."""
    import subprocess
    import sys

    for shell, marker in (("bash", "complete -o nosort -F"), ("zsh", "compdef"),
                          ("fish", "complete --no-files --command casefhir")):
        done = subprocess.run([str(Path(sys.executable).parent / "casefhir")], capture_output=True,
                              text=True, env={**os.environ,
                                              "_CASEFHIR_COMPLETE": f"{shell}_source"})
        assert done.returncode == 0 and marker in done.stdout, (shell, done.stdout[:300])
